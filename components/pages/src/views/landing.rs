//! The signed-out landing page.

use maud::{Markup, html};
use pulse_core::views::{Shell, page as layout};

/// The landing page.
pub fn page(shell: &Shell, signed_in: bool) -> Markup {
    layout(
        shell,
        "Your Pulse account",
        html! {
            section.hero {
                h1 { "Everything about your Pulse, in one place" }
                p.lead {
                    "Licenses for self-hosted Pulse, your Pulse Cloud workspaces, your team, "
                    "your invoices, and the recovery and privacy tools — one sign-in."
                }
                p.actions {
                    @if signed_in {
                        a.button href="/dashboard" { "Go to your account" }
                    } @else {
                        a.button href="/login" { "Sign in" }
                        " "
                        a href="/recover" { "Lost access or a license key?" }
                    }
                }
            }
            section.cards aria-label="What you can do" {
                article.card {
                    h2 { "Self-hosted licenses" }
                    p { "See each license, its seats and activations, renew or cancel, and retrieve a lost key." }
                }
                article.card {
                    h2 { "Pulse Cloud" }
                    p { "Open your hosted workspaces, create one from a template and manage who has access." }
                }
                article.card {
                    h2 { "Billing" }
                    p { "Your plan, invoices and receipts, payment method and tax details." }
                }
                article.card {
                    h2 { "For MSPs" }
                    p { "A provider view of every client account and workspace you run." }
                }
            }
        },
    )
}
