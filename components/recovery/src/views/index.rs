//! The recovery and privacy hubs.

use maud::{Markup, html};
use pulse_core::views::{Shell, page};

/// `/recover`.
pub fn recover(shell: &Shell) -> Markup {
    page(
        shell,
        "Recover access",
        html! {
            h1 { "Recover access" }
            ul.plain {
                li { a href="/login" { "Sign in with an email link" } " — works whenever you can read your email." }
                li { a href="/recover/license" { "Retrieve a license" } " — we email the license keys to the purchase address." }
                li { a href="/recover/refund" { "Ask for a refund" } }
                li { a href="/support" { "Contact support" } " — if you can no longer reach your email." }
            }
        },
    )
}

/// `/privacy`.
pub fn privacy(shell: &Shell) -> Markup {
    page(
        shell,
        "Privacy and your data",
        html! {
            h1 { "Privacy and your data" }
            ul.plain {
                li { a href="/privacy/export" { "Export your data" } " — a copy of what we hold about you." }
                li { a href="/privacy/delete" { "Delete your data" } " — erase your personal data; we confirm by email first." }
            }
        },
    )
}
