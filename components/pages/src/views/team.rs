//! The team page.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::accounts::{Invitation, Member};
use pulse_core::views::{Date, Shell, csrf_field, flash, page as layout, scroll_table};

/// Members and, for managers, pending invitations.
pub fn page(
    shell: &Shell,
    who: &Identity,
    members: &[Member],
    invitations: &[Invitation],
    done: Option<&str>,
) -> Markup {
    let manage = who.account.role.can_manage_team();
    layout(
        shell,
        "Team",
        html! {
            h1 { "Team" }
            (flash((done == Some("removed")).then_some("The member was removed.")))
            p.muted { (members.len()) " members of " (who.account.account_name) }
            (scroll_table("Members", html! {
                table {
                    caption.visually-hidden { "Members" }
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Email" } th scope="col" { "Role" } th scope="col" { "Joined" } @if manage { th scope="col" { span.visually-hidden { "Action" } } } } }
                    tbody {
                        @for m in members {
                            tr {
                                td { (m.display_name) @if m.user_id == who.user_id { " (you)" } }
                                td { (m.email) }
                                td { (m.role.label()) }
                                td { (Date(&m.joined_at)) }
                                @if manage {
                                    td {
                                        @if m.user_id != who.user_id {
                                            form method="post" action="/team/members/remove" {
                                                (csrf_field(Some(who)))
                                                input type="hidden" name="user" value=(m.user_id);
                                                button.danger type="submit" { "Remove" span.visually-hidden { " " (m.display_name) } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
            @if manage {
                section aria-labelledby="invites-title" {
                    h2 id="invites-title" { "Pending invitations" }
                    @if invitations.is_empty() {
                        p { "No pending invitations." }
                    } @else {
                        ul.plain {
                            @for i in invitations {
                                li { (i.email) " as " (i.role.label()) ", expires " (Date(&i.expires_at)) }
                            }
                        }
                    }
                }
            }
        },
    )
}
