//! The developer mailbox page.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::store::outbox::Message;
use pulse_core::views::{Date, Shell, page as layout};

use pulse_core::views::fill_html;

/// Every queued message, newest first, with its links clickable.
pub fn page(shell: &Shell, messages: &[Message]) -> Markup {
    let l = shell.reader;
    layout(
        shell,
        msg("Developer mailbox"),
        html! {
            h1 { (l.tr("Developer mailbox")) }
            p.muted { (l.tr("Local mode only: the emails the portal would have sent.")) }
            @if messages.is_empty() {
                p {
                    (l.tr("No messages yet.")) " "
                    a href="/login" { (l.tr("Ask for a sign-in link")) }
                    " " (l.tr("to see one."))
                }
            }
            @for m in messages {
                article.card {
                    h2 { (m.subject) }
                    p.muted {
                        (fill_html(l, msg("To {address} · {date}"), &[
                            ("address", html! { (m.to) }),
                            ("date", html! { (Date(&m.created_at, l)) }),
                        ]))
                    }
                    pre { (m.text) }
                    @if !m.links.is_empty() {
                        ul.plain { @for link in &m.links { li { a href=(link) { (link) } } } }
                    }
                }
            }
        },
    )
}
