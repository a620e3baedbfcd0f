//! The signed-out landing page.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::views::{Shell, page as layout};

/// The landing page, in the shell's language.
pub fn page(shell: &Shell, signed_in: bool) -> Markup {
    let l = shell.reader;
    layout(
        shell,
        msg("Your Pulse account"),
        html! {
            section.hero {
                h1 { (l.tr("Everything about your Pulse, in one place")) }
                p.lead {
                    (l.tr("Licenses for self-hosted Pulse, your Pulse Cloud workspaces, your team, your invoices, and the recovery and privacy tools — one sign-in."))
                }
                p.actions {
                    @if signed_in {
                        a.button href="/dashboard" { (l.tr("Go to your account")) }
                    } @else {
                        a.button href="/login" { (l.tr("Sign in")) }
                        " "
                        a href="/recover" { (l.tr("Lost access or a license key?")) }
                    }
                }
            }
            section.cards aria-label=(l.tr("What you can do")) {
                article.card {
                    h2 { (l.tr("Self-hosted licenses")) }
                    p { (l.tr("See each license, its seats and activations, renew or cancel, and retrieve a lost key.")) }
                }
                article.card {
                    h2 { (l.tr("Pulse Cloud")) }
                    p { (l.tr("Open your hosted workspaces, create one from a template and manage who has access.")) }
                }
                article.card {
                    h2 { (l.tr("Billing")) }
                    p { (l.tr("Your plan, invoices and receipts, payment method and tax details.")) }
                }
                article.card {
                    h2 { (l.tr("For MSPs")) }
                    p { (l.tr("A provider view of every client account and workspace you run.")) }
                }
            }
        },
    )
}
