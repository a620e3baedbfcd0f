//! License pages.

use maud::{Markup, html};
use pulse_core::store::licenses::{Activation, License};
use pulse_core::views::partials::licenses_table;
use pulse_core::views::{Badge, Date, Shell, page, scroll_table};

/// Every license of the account.
pub fn list(shell: &Shell, licenses: &[License]) -> Markup {
    page(
        shell,
        "Licenses",
        html! {
            h1 { "Licenses" }
            (licenses_table(licenses))
            p { a href="/recover/license" { "Lost a license key?" } }
        },
    )
}

/// One license and its activations.
pub fn detail(shell: &Shell, l: &License, activations: &[Activation]) -> Markup {
    page(
        shell,
        &l.product,
        html! {
            p { a href="/licenses" { "← Licenses" } }
            h1 { (l.product) " — " (l.plan) " " (Badge(&l.status)) }
            dl {
                dt { "Key" } dd { "…" (l.key_hint) }
                dt { "Seats" } dd { (l.seats) }
                dt { "Issued" } dd { (Date(&l.issued_at)) }
                dt { "Expires" } dd { (Date(&l.expires_at)) }
            }
            h2 { "Activations (" (l.active_activations) " of " (l.max_activations) ")" }
            @if activations.is_empty() {
                p { "This license is not activated anywhere." }
            } @else {
                (scroll_table("Activations", html! {
                    table {
                        caption.visually-hidden { "Activations" }
                        thead { tr { th scope="col" { "Instance" } th scope="col" { "Activated" } th scope="col" { "Last seen" } th scope="col" { "State" } } }
                        tbody {
                            @for a in activations {
                                tr {
                                    td { (a.instance_name) }
                                    td { (Date(&a.activated_at)) }
                                    td { (Date(&a.last_seen_at)) }
                                    td { @if a.deactivated_at.is_some() { "Deactivated" } @else { "Active" } }
                                }
                            }
                        }
                    }
                }))
            }
        },
    )
}
