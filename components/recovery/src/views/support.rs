//! Support for someone signed in: a ticket with the account's context and what they choose
//! to attach, and the tickets they sent with their status.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::licenses::License;
use pulse_core::store::requests::Ticket;
use pulse_core::store::tenants::Tenant;
use pulse_core::views::{Badge, Date, Shell, csrf_field, field_error, flash, page};

/// What the page shows.
pub struct SupportPage<'a> {
    /// Workspaces to attach.
    pub tenants: &'a [Tenant],
    /// Licenses to attach.
    pub licenses: &'a [License],
    /// Tickets sent.
    pub tickets: &'a [Ticket],
    /// The message as typed, after a refusal.
    pub message: &'a str,
    /// Field and message for each problem.
    pub errors: &'a [(String, String)],
    /// What was just done (`sent`).
    pub done: Option<&'a str>,
}

/// The page.
pub fn page_for(shell: &Shell, who: &Identity, p: &SupportPage<'_>) -> Markup {
    let message_error = p.errors.iter().any(|(f, _)| f == "message");
    let done = match p.done {
        Some("sent") => Some("Your ticket is sent; we answer by email, and its status is below."),
        _ => None,
    };
    page(
        shell,
        "Support",
        html! {
            h1 { "Contact support" }
            (flash(done))
            @if !p.errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="support-problems" {
                    h2 id="support-problems" { "The ticket was not sent" }
                    ul { @for (field, msg) in p.errors { li { a href={ "#support-" (field) } { (msg) } } } }
                }
            }
            p { "We answer at " strong { (who.email) } ". Your account, " (who.account.account_name) ", and its plan go with the ticket." }
            form.panel method="post" action="/support" novalidate {
                (csrf_field(Some(who)))
                label for="support-message" { "What do you need?" }
                (field_error(p.errors, "message"))
                textarea id="support-message" name="message" rows="6" maxlength="5000" required
                    aria-invalid=[message_error.then_some("true")]
                    aria-describedby=[message_error.then_some("message-error")] { (p.message) }
                @if !p.tenants.is_empty() || !p.licenses.is_empty() {
                    fieldset {
                        legend { "Attach (optional)" }
                        @for t in p.tenants {
                            div.choice {
                                input type="checkbox" id={ "attach-" (t.id) } name="attach" value=(t.id);
                                label for={ "attach-" (t.id) } { "Workspace " (t.hostname) }
                            }
                        }
                        @for l in p.licenses {
                            div.choice {
                                input type="checkbox" id={ "attach-" (l.id) } name="attach" value=(l.id);
                                label for={ "attach-" (l.id) } { "License …" (l.key_hint) " (" (l.plan) ")" }
                            }
                        }
                    }
                }
                button type="submit" { "Send ticket" }
            }
            h2 { "Your tickets" }
            @if p.tickets.is_empty() {
                p { "None yet." }
            } @else {
                ul.plain {
                    @for t in p.tickets {
                        li {
                            (Badge(&t.status)) " " (Date(&t.created_at)) " · "
                            code { (t.id) } " · "
                            (t.detail.lines().next().unwrap_or_default())
                        }
                    }
                }
            }
        },
    )
}
