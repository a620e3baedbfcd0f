//! Request forms and their confirmation.

use maud::{Markup, html};
use pulse_core::views::{Shell, csrf_field, field_error, page};

use crate::handlers::requests::Topic;

fn copy(topic: Topic) -> (&'static str, &'static str, &'static str) {
    match topic {
        Topic::License => (
            "Retrieve a license",
            "/recover/license",
            "Enter the email of an account owner, admin or billing contact. We'll email the license keys of the account's licenses there, never show them here.",
        ),
        Topic::Export => (
            "Export your data",
            "/privacy/export",
            "We'll email a link to confirm, then a download link for everything we hold about you and the accounts you own.",
        ),
        Topic::Deletion => (
            "Delete your data",
            "/privacy/delete",
            "We'll email a link to confirm before anything is erased. The accounts this address owns are erased with it, once their subscriptions have ended and their workspaces are deleted; invoices are kept, as tax law requires.",
        ),
        Topic::Support => (
            "Contact support",
            "/support",
            "Describe what you need. We answer by email.",
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
    let (title, action, intro) = copy(topic);
    let email_error = errors.iter().any(|(f, _)| f == "email");
    let message_error = errors.iter().any(|(f, _)| f == "message");
    page(
        shell,
        title,
        html! {
            h1 { (title) }
            p { (intro) }
            form.panel method="post" action=(action) novalidate {
                (csrf_field(shell.identity))
                label for="email" { "Email" }
                (field_error(errors, "email"))
                input type="email" id="email" name="email" value=(email) autocomplete="email" required
                    aria-invalid=[email_error.then_some("true")] aria-describedby=[email_error.then_some("email-error")];
                label for="message" { "Message" @if !topic.needs_message() { " (optional)" } }
                (field_error(errors, "message"))
                textarea id="message" name="message" rows="5" maxlength="5000"
                    aria-invalid=[message_error.then_some("true")] aria-describedby=[message_error.then_some("message-error")] { (message) }
                p { button type="submit" { "Send request" } }
            }
        },
    )
}

/// The confirmation, identical for known and unknown emails.
pub fn received(shell: &Shell, topic: Topic, email: &str, id: &str) -> Markup {
    let (title, _, _) = copy(topic);
    page(
        shell,
        "Request received",
        html! {
            h1 { "Request received" }
            p role="status" { (title) ": we've recorded your request and will write to " strong { (email) } "." }
            p.muted { "Reference: " code { (id) } }
        },
    )
}

/// `/recover/manage`: ask for links to manage subscriptions without signing in.
pub fn manage_form(shell: &Shell, email: &str, errors: &[(String, String)]) -> Markup {
    let email_error = errors.iter().any(|(f, _)| f == "email");
    page(
        shell,
        "Manage a subscription",
        html! {
            h1 { "Manage a subscription" }
            p { "Enter the email of an owner or billing contact of the account. We'll email a link for each of its subscriptions that opens the step to end it at the period's end, or to resume it. Each link works once, for a day." }
            form.panel method="post" action="/recover/manage" novalidate {
                (csrf_field(shell.identity))
                label for="email" { "Email" }
                (field_error(errors, "email"))
                input type="email" id="email" name="email" value=(email) autocomplete="email" required
                    aria-invalid=[email_error.then_some("true")] aria-describedby=[email_error.then_some("email-error")];
                p { button type="submit" { "Email me the links" } }
            }
            p.muted { "Signed in? Manage subscriptions from " a href="/billing" { "Billing" } "." }
        },
    )
}

/// The answer to a manage-links request, identical for known and unknown emails.
pub fn manage_sent(shell: &Shell, email: &str) -> Markup {
    page(
        shell,
        "Check your email",
        html! {
            h1 { "Check your email" }
            p role="status" { "If " strong { (email) } " is an owner or billing contact of an account with a subscription, we've sent a link for each subscription. Each works once, for a day." }
        },
    )
}
