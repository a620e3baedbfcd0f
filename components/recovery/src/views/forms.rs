//! Request forms and their confirmation.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::views::{Shell, csrf_field, field_error, page};

use crate::handlers::requests::Topic;
use pulse_core::views::{fill_html, translated_errors};

fn copy(topic: Topic) -> (&'static str, &'static str, &'static str) {
    match topic {
        Topic::License => (
            msg("Retrieve a license"),
            "/recover/license",
            msg(
                "Enter the email of an account owner, admin or billing contact. We'll email the license keys of the account's licenses there, never show them here.",
            ),
        ),
        Topic::Export => (
            msg("Export your data"),
            "/privacy/export",
            msg(
                "We'll email a link to confirm, then a download link for everything we hold about you and the accounts you own.",
            ),
        ),
        Topic::Deletion => (
            msg("Delete your data"),
            "/privacy/delete",
            msg(
                "We'll email a link to confirm before anything is erased. The accounts this address owns are erased with it, once their subscriptions have ended and their workspaces are deleted; invoices are kept, as tax law requires.",
            ),
        ),
        Topic::Support => (
            msg("Contact support"),
            "/support",
            msg("Describe what you need. We answer by email."),
        ),
    }
}

/// The form.
pub fn form(
    shell: &Shell,
    topic: Topic,
    email: &str,
    message: &str,
    errors: &[(String, String)],
) -> Markup {
    let l = shell.reader;
    let (title, action, intro) = copy(topic);
    let errors = translated_errors(l, errors);
    let email_error = errors.iter().any(|(f, _)| f == "email");
    let message_error = errors.iter().any(|(f, _)| f == "message");
    page(
        shell,
        title,
        html! {
            h1 { (l.tr(title)) }
            p { (l.tr(intro)) }
            form.panel method="post" action=(action) novalidate {
                (csrf_field(shell.identity))
                label for="email" { (l.tr("Email")) }
                (field_error(&errors, "email"))
                input type="email" id="email" name="email" value=(email) autocomplete="email" required
                    aria-invalid=[email_error.then_some("true")] aria-describedby=[email_error.then_some("email-error")];
                label for="message" {
                    @if topic.needs_message() { (l.tr("Message")) } @else { (l.tr("Message (optional)")) }
                }
                (field_error(&errors, "message"))
                textarea id="message" name="message" rows="5" maxlength="5000"
                    aria-invalid=[message_error.then_some("true")] aria-describedby=[message_error.then_some("message-error")] { (message) }
                p { button type="submit" { (l.tr("Send request")) } }
            }
        },
    )
}

/// The confirmation, identical for known and unknown emails.
pub fn received(shell: &Shell, topic: Topic, email: &str, id: &str) -> Markup {
    let l = shell.reader;
    let (title, _, _) = copy(topic);
    page(
        shell,
        msg("Request received"),
        html! {
            h1 { (l.tr("Request received")) }
            p role="status" {
                (fill_html(l, msg("{what}: we've recorded your request and will write to {email}."), &[
                    ("what", html! { (l.tr(title)) }),
                    ("email", html! { strong { (email) } }),
                ]))
            }
            p.muted { (l.tr("Reference:")) " " code { (id) } }
        },
    )
}

/// `/recover/manage`: ask for links to manage subscriptions without signing in.
pub fn manage_form(shell: &Shell, email: &str, errors: &[(String, String)]) -> Markup {
    let l = shell.reader;
    let errors = translated_errors(l, errors);
    let email_error = errors.iter().any(|(f, _)| f == "email");
    page(
        shell,
        msg("Manage a subscription"),
        html! {
            h1 { (l.tr("Manage a subscription")) }
            p { (l.tr("Enter the email of an owner or billing contact of the account. We'll email a link for each of its subscriptions that opens the step to end it at the period's end, or to resume it. Each link works once, for a day.")) }
            form.panel method="post" action="/recover/manage" novalidate {
                (csrf_field(shell.identity))
                label for="email" { (l.tr("Email")) }
                (field_error(&errors, "email"))
                input type="email" id="email" name="email" value=(email) autocomplete="email" required
                    aria-invalid=[email_error.then_some("true")] aria-describedby=[email_error.then_some("email-error")];
                p { button type="submit" { (l.tr("Email me the links")) } }
            }
            p.muted {
                (fill_html(l, msg("Signed in? Manage subscriptions from {billing}."), &[
                    ("billing", html! { a href="/billing" { (l.tr("Billing")) } }),
                ]))
            }
        },
    )
}

/// The answer to a manage-links request, identical for known and unknown emails.
pub fn manage_sent(shell: &Shell, email: &str) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("Check your email"),
        html! {
            h1 { (l.tr("Check your email")) }
            p role="status" {
                (fill_html(l, msg("If {email} is an owner or billing contact of an account with a subscription, we've sent a link for each subscription. Each works once, for a day."), &[
                    ("email", html! { strong { (email) } }),
                ]))
            }
        },
    )
}
