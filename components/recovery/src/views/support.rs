//! Support for someone signed in: a ticket with the account's context and what they choose
//! to attach, and the tickets they sent with their status.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::identity::Identity;
use pulse_core::store::licenses::License;
use pulse_core::store::requests::Ticket;
use pulse_core::store::tenants::Tenant;
use pulse_core::views::{Badge, Date, Shell, csrf_field, field_error, flash, page};

use pulse_core::views::{fill_html, translated_errors};

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
    let l = shell.reader;
    let errors = translated_errors(l, p.errors);
    let message_error = errors.iter().any(|(f, _)| f == "message");
    let done = match p.done {
        Some("sent") => {
            Some(l.tr("Your ticket is sent; we answer by email, and its status is below."))
        }
        _ => None,
    };
    page(
        shell,
        msg("Support"),
        html! {
            h1 { (l.tr("Contact support")) }
            (flash(done))
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="support-problems" {
                    h2 id="support-problems" { (l.tr("The ticket was not sent")) }
                    ul { @for (field, message) in &errors { li { a href={ "#support-" (field) } { (message) } } } }
                }
            }
            p { (fill_html(l, msg("We answer at {email}. Your account, {account}, and its plan go with the ticket."), &[
                ("email", html! { strong { (who.email) } }),
                ("account", html! { (who.account.account_name) }),
            ])) }
            form.panel method="post" action="/support" novalidate {
                (csrf_field(Some(who)))
                label for="support-message" { (l.tr("What do you need?")) }
                (field_error(&errors, "message"))
                textarea id="support-message" name="message" rows="6" maxlength="5000" required
                    aria-invalid=[message_error.then_some("true")]
                    aria-describedby=[message_error.then_some("message-error")] { (p.message) }
                @if !p.tenants.is_empty() || !p.licenses.is_empty() {
                    fieldset {
                        legend { (l.tr("Attach (optional)")) }
                        @for t in p.tenants {
                            div.choice {
                                input type="checkbox" id={ "attach-" (t.id) } name="attach" value=(t.id);
                                label for={ "attach-" (t.id) } { (l.fill("Workspace {hostname}", &[("hostname", &t.hostname)])) }
                            }
                        }
                        @for lic in p.licenses {
                            div.choice {
                                input type="checkbox" id={ "attach-" (lic.id) } name="attach" value=(lic.id);
                                label for={ "attach-" (lic.id) } { (l.fill("License …{hint} ({plan})", &[("hint", &lic.key_hint), ("plan", &lic.plan)])) }
                            }
                        }
                    }
                }
                button type="submit" { (l.tr("Send ticket")) }
            }
            h2 { (l.tr("Your tickets")) }
            @if p.tickets.is_empty() {
                p { (l.tr("None yet.")) }
            } @else {
                ul.plain {
                    @for t in p.tickets {
                        li {
                            (Badge(&t.status, l)) " " (Date(&t.created_at, l)) " · "
                            code { (t.id) } " · "
                            (t.detail.lines().next().unwrap_or_default())
                        }
                    }
                }
            }
        },
    )
}
