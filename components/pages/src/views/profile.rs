//! The profile page.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::views::{Shell, page as layout};

/// Who the user is and where they belong.
pub fn page(shell: &Shell, who: &Identity) -> Markup {
    layout(
        shell,
        "Profile",
        html! {
            h1 { "Profile" }
            dl {
                dt { "Name" } dd { (who.display_name) }
                dt { "Email" } dd { (who.email) }
            }
            h2 { "Your accounts" }
            ul.plain {
                @for m in &who.memberships {
                    li { (m.account_name) " — " (m.role.label()) @if m.account_id == who.account.account_id { " (current)" } }
                }
            }
            p { a href="/security" { "Sessions and API tokens" } }
        },
    )
}
