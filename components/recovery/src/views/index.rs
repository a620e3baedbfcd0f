//! The recovery and privacy hubs.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::views::{Shell, page};

use pulse_core::views::fill_html;

/// `/recover`.
pub fn recover(shell: &Shell) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("Recover access"),
        html! {
            h1 { (l.tr("Recover access")) }
            ul.plain {
                li { (fill_html(l, msg("{link} — works whenever you can read your email."), &[("link", html! { a href="/login" { (l.tr("Sign in with an email link")) } })])) }
                li { (fill_html(l, msg("{link} — we email the license keys to the purchase address."), &[("link", html! { a href="/recover/license" { (l.tr("Retrieve a license")) } })])) }
                li { a href="/recover/refund" { (l.tr("Ask for a refund")) } }
                li { (fill_html(l, msg("{link} — if you can no longer reach your email."), &[("link", html! { a href="/support" { (l.tr("Contact support")) } })])) }
            }
        },
    )
}

/// `/privacy`.
pub fn privacy(shell: &Shell) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("Privacy and your data"),
        html! {
            h1 { (l.tr("Privacy and your data")) }
            ul.plain {
                li { (fill_html(l, msg("{link} — a copy of what we hold about you."), &[("link", html! { a href="/privacy/export" { (l.tr("Export your data")) } })])) }
                li { (fill_html(l, msg("{link} — erase your personal data; we confirm by email first."), &[("link", html! { a href="/privacy/delete" { (l.tr("Delete your data")) } })])) }
            }
        },
    )
}
