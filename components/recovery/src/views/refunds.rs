//! The refund page: the account's paid invoices with their refund window, the request form,
//! and the requests made so far with their status.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::refunds::{Refund, Refundable};
use pulse_core::views::partials::refunds_table;
use pulse_core::views::{Date, Shell, csrf_field, field_error, flash, page};

/// The form as the person filled it, with what to fix.
#[derive(Debug, Default)]
pub struct RefundForm<'a> {
    /// The invoice chosen.
    pub invoice: &'a str,
    /// The reason typed.
    pub reason: &'a str,
    /// Field name and message for each problem.
    pub errors: Vec<(String, String)>,
    /// What was just done (`requested`).
    pub done: Option<&'a str>,
}

/// The page for someone with billing rights.
pub fn page_for(
    shell: &Shell,
    who: &Identity,
    window_days: i64,
    invoices: &[Refundable],
    refunds: &[Refund],
    form: &RefundForm<'_>,
) -> Markup {
    let error = |field: &str| form.errors.iter().any(|(f, _)| f == field);
    let open: Vec<&Refundable> = invoices.iter().filter(|i| i.within_window).collect();
    let done = match form.done {
        Some("requested") => Some(
            "Your refund request is recorded and confirmed by email. We'll email you again when the money is on its way.",
        ),
        _ => None,
    };
    page(
        shell,
        "Ask for a refund",
        html! {
            h1 { "Ask for a refund" }
            (flash(done))
            p { "A payment can be refunded within " (window_days) " days. Choose the invoice and tell us why." }
            @if !form.errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="refund-problems" {
                    h2 id="refund-problems" { "The request was not sent" }
                    ul { @for (field, msg) in &form.errors { li { a href={ "#refund-" (field) } { (msg) } } } }
                }
            }
            @if open.is_empty() {
                p { "No invoice of " (who.account.account_name) " was paid in the last " (window_days) " days, so there is nothing to refund here. "
                    a href="/support" { "Contact support" } " if something went wrong with an older payment." }
            } @else {
                form.panel method="post" action="/recover/refund" novalidate {
                    (csrf_field(Some(who)))
                    label for="refund-invoice" { "Invoice" }
                    (field_error(&form.errors, "invoice"))
                    select id="refund-invoice" name="invoice" required
                        aria-invalid=[error("invoice").then_some("true")]
                        aria-describedby=[error("invoice").then_some("invoice-error")] {
                        @for i in &open {
                            option value=(i.id) selected[i.id == form.invoice] {
                                (i.number) ", " (i.total) ", paid " (pulse_core::time::date_part(&i.paid_at))
                            }
                        }
                    }
                    label for="refund-reason" { "Reason" }
                    (field_error(&form.errors, "reason"))
                    textarea id="refund-reason" name="reason" rows="4" maxlength="2000" required
                        aria-invalid=[error("reason").then_some("true")]
                        aria-describedby=[error("reason").then_some("reason-error")] { (form.reason) }
                    button type="submit" { "Ask for the refund" }
                }
            }
            @let closed: Vec<&Refundable> = invoices.iter().filter(|i| !i.within_window).collect();
            @if !closed.is_empty() {
                p.muted {
                    "Outside the refund window: "
                    @for (n, i) in closed.iter().enumerate() {
                        @if n > 0 { ", " }
                        (i.number) " (window closed " (Date(&i.window_ends_at)) ")"
                    }
                    "."
                }
            }
            h2 { "Your refund requests" }
            @if refunds.is_empty() {
                p { "None yet." }
            } @else {
                (refunds_table(refunds))
            }
        },
    )
}

/// Signed out: a refund is for an invoice of the account, so sign in first.
pub fn sign_in_first(shell: &Shell) -> Markup {
    page(
        shell,
        "Ask for a refund",
        html! {
            h1 { "Ask for a refund" }
            p { "Refunds are for an invoice of your account, so sign in first: we'll send a sign-in link to your email and bring you back here." }
            p { a.button href="/login?next=/recover/refund" { "Sign in to ask for a refund" } }
            p { "Can't sign in? " a href="/recover" { "Recover access" } " or " a href="/support" { "contact support" } "." }
        },
    )
}
