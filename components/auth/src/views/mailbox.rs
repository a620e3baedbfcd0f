//! The developer mailbox page.

use maud::{Markup, html};
use pulse_core::store::outbox::Message;
use pulse_core::views::{Date, Shell, page as layout};

/// Every queued message, newest first, with its links clickable.
pub fn page(shell: &Shell, messages: &[Message]) -> Markup {
    layout(
        shell,
        "Developer mailbox",
        html! {
            h1 { "Developer mailbox" }
            p.muted { "Local mode only: the emails the portal would have sent." }
            @if messages.is_empty() {
                p { "No messages yet. " a href="/login" { "Ask for a sign-in link" } " to see one." }
            }
            @for m in messages {
                article.card {
                    h2 { (m.subject) }
                    p.muted { "To " (m.to) " · " (Date(&m.created_at)) }
                    pre { (m.text) }
                    @if !m.links.is_empty() {
                        ul.plain { @for l in &m.links { li { a href=(l) { (l) } } } }
                    }
                }
            }
        },
    )
}
