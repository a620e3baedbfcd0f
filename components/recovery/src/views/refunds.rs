//! The refund page: the account's paid invoices with their refund window, the request form,
//! and the requests made so far with their status.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::identity::Identity;
use pulse_core::store::refunds::{Refund, Refundable};
use pulse_core::views::partials::refunds_table;
use pulse_core::views::{Date, Shell, csrf_field, field_error, flash, page};

use pulse_core::views::{fill_html, translated_errors};

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
    let l = shell.reader;
    let errors = translated_errors(l, &form.errors);
    let error = |field: &str| errors.iter().any(|(f, _)| f == field);
    let open: Vec<&Refundable> = invoices.iter().filter(|i| i.within_window).collect();
    let done = match form.done {
        Some("requested") => Some(l.tr(
            "Your refund request is recorded and confirmed by email. We'll email you again when the money is on its way.",
        )),
        _ => None,
    };
    let days = l.count(window_days);
    page(
        shell,
        msg("Ask for a refund"),
        html! {
            h1 { (l.tr("Ask for a refund")) }
            (flash(done))
            p { (l.fill("A payment can be refunded within {days} days. Choose the invoice and tell us why.", &[("days", &days)])) }
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="refund-problems" {
                    h2 id="refund-problems" { (l.tr("The request was not sent")) }
                    ul { @for (field, message) in &errors { li { a href={ "#refund-" (field) } { (message) } } } }
                }
            }
            @if open.is_empty() {
                p { (fill_html(l, msg("No invoice of {account} was paid in the last {days} days, so there is nothing to refund here. {contact} if something went wrong with an older payment."), &[
                    ("account", html! { (who.account.account_name) }),
                    ("days", html! { (days) }),
                    ("contact", html! { a href="/support" { (l.tr("Contact support")) } }),
                ])) }
            } @else {
                form.panel method="post" action="/recover/refund" novalidate {
                    (csrf_field(Some(who)))
                    label for="refund-invoice" { (l.tr("Invoice")) }
                    (field_error(&errors, "invoice"))
                    select id="refund-invoice" name="invoice" required
                        aria-invalid=[error("invoice").then_some("true")]
                        aria-describedby=[error("invoice").then_some("invoice-error")] {
                        @for i in &open {
                            option value=(i.id) selected[i.id == form.invoice] {
                                (l.fill("{number}, {total}, paid {date}", &[
                                    ("number", &i.number),
                                    ("total", &l.money(&i.total)),
                                    ("date", &l.day(&i.paid_at)),
                                ]))
                            }
                        }
                    }
                    label for="refund-reason" { (l.tr("Reason")) }
                    (field_error(&errors, "reason"))
                    textarea id="refund-reason" name="reason" rows="4" maxlength="2000" required
                        aria-invalid=[error("reason").then_some("true")]
                        aria-describedby=[error("reason").then_some("reason-error")] { (form.reason) }
                    button type="submit" { (l.tr("Ask for the refund")) }
                }
            }
            @let closed: Vec<&Refundable> = invoices.iter().filter(|i| !i.within_window).collect();
            @if !closed.is_empty() {
                p.muted {
                    (l.tr("Outside the refund window:")) " "
                    @for (n, i) in closed.iter().enumerate() {
                        @if n > 0 { ", " }
                        (fill_html(l, msg("{number} (window closed {date})"), &[
                            ("number", html! { (i.number) }),
                            ("date", html! { (Date(&i.window_ends_at, l)) }),
                        ]))
                    }
                    "."
                }
            }
            h2 { (l.tr("Your refund requests")) }
            @if refunds.is_empty() {
                p { (l.tr("None yet.")) }
            } @else {
                (refunds_table(l, refunds))
            }
        },
    )
}

/// Signed out: a refund is for an invoice of the account, so sign in first.
pub fn sign_in_first(shell: &Shell) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("Ask for a refund"),
        html! {
            h1 { (l.tr("Ask for a refund")) }
            p { (l.tr("Refunds are for an invoice of your account, so sign in first: we'll send a sign-in link to your email and bring you back here.")) }
            p { a.button href="/login?next=/recover/refund" { (l.tr("Sign in to ask for a refund")) } }
            p { (fill_html(l, msg("Can't sign in? {recover} or {contact}."), &[
                ("recover", html! { a href="/recover" { (l.tr("Recover access")) } }),
                ("contact", html! { a href="/support" { (l.tr("contact support")) } }),
            ])) }
        },
    )
}
