//! Billing pages.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::billing::{InvoiceDetail, Subscription};
use pulse_core::store::billing_details::BillingDetails;
use pulse_core::store::overview::BillingPage;
use pulse_core::store::subscriptions::CANCEL_REASONS;
use pulse_core::views::partials::{invoices_table, refunds_table, subscriptions_list};
use pulse_core::views::{Badge, Date, Shell, csrf_field, field_error, flash, page as layout};

/// Subscriptions, invoices and refund requests, due dates worded relative to `now` (Unix
/// seconds).
pub fn page(
    shell: &Shell,
    who: &Identity,
    billing: &BillingPage,
    done: Option<&str>,
    now: i64,
) -> Markup {
    let done = match done {
        Some("subscribed") => Some("Thank you: the subscription is active."),
        Some("offline") => {
            Some("Local mode has no payment provider, so there are no cards to manage.")
        }
        Some("card-removed") => Some("The card was removed."),
        _ => None,
    };
    layout(
        shell,
        "Billing",
        html! {
            h1 { "Billing" }
            (flash(done))
            h2 { "Subscriptions" }
            (subscriptions_list(&billing.subscriptions))
            @if !billing.subscriptions.is_empty() {
                ul.plain {
                    @for s in &billing.subscriptions {
                        li { a href={ "/billing/subscriptions/" (s.id) } { "Manage " (s.plan) } }
                    }
                }
            }
            p { a href="/billing/plans" { "See plans and subscribe" } }
            h2 { "Invoices" }
            (invoices_table("Invoices", &billing.invoices, now))
            h2 { "Refunds" }
            @if !billing.refunds.is_empty() {
                (refunds_table(&billing.refunds))
            }
            p { a href="/recover/refund" { "Ask for a refund of a recent invoice" } }
            h2 { "Billing details" }
            p { a href="/billing/details" { "Company name, address and VAT number on invoices" } }
            h2 { "Payment methods" }
            @if billing.payment_methods.is_empty() {
                p { "No card on file yet." }
            } @else {
                ul.plain {
                    @for m in &billing.payment_methods {
                        li {
                            (m.label())
                            @if m.is_default { " " span.badge.ok { "default" } }
                            @if m.expires_within(now, 30) { " " span.badge.warn { "expires soon" } }
                            form.inline method="post" action={ "/billing/payment-methods/" (m.id) "/remove" } {
                                (csrf_field(Some(who)))
                                button type="submit" aria-label={ "Remove " (m.label()) } { "Remove" }
                            }
                        }
                    }
                }
            }
            form method="post" action="/billing/portal" {
                (csrf_field(Some(who)))
                p { "Cards are kept by Stripe, never by us. " button type="submit" { "Add or change cards" } }
            }
        },
    )
}

/// A rate in basis points as a percentage: `19%`, `7.5%`.
fn rate(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{}%", bp / 100)
    } else {
        format!("{}.{:02}%", bp / 100, bp % 100).replace("0%", "%")
    }
}

/// The reason and comment fields of a form that ends a subscription.
pub fn cancel_fields() -> Markup {
    html! {
        fieldset {
            legend { "Why should it end?" }
            @for (key, label) in CANCEL_REASONS {
                div.choice {
                    input type="radio" id={ "reason-" (key) } name="reason" value=(key);
                    label for={ "reason-" (key) } { (label) }
                }
            }
        }
        label for="cancel-comment" { "Anything to add (optional)" }
        textarea id="cancel-comment" name="comment" rows="3" maxlength="1000" {}
    }
}

/// One invoice.
pub fn invoice(shell: &Shell, d: &InvoiceDetail, done: Option<&str>) -> Markup {
    let i = &d.invoice;
    let to = &d.billed_to;
    layout(
        shell,
        &i.number,
        html! {
            p.no-print { a href="/billing" { "← Billing" } }
            (flash(done.filter(|d| *d == "paid").map(|_| "Thank you: the invoice is paid.")))
            h1 { "Invoice " (i.number) " " (Badge(&i.status)) }
            section aria-labelledby="billed-to" {
                h2 id="billed-to" { "Billed to" }
                p {
                    strong { (to.name) }
                    @if let Some(address) = &to.address { @for line in address.lines() { br; (line) } }
                    @if let Some(country) = to.country.as_deref().and_then(pulse_core::countries::name) { br; (country) }
                }
                @if let Some(tax_id) = &to.tax_id {
                    p { "Tax id " (tax_id) " " (Badge(to.tax_id_status.as_deref().unwrap_or("unverified"))) }
                }
            }
            @if !d.lines.is_empty() {
                (pulse_core::views::scroll_table("Invoice lines", html! {
                    table {
                        caption { "What this invoice is for" }
                        thead { tr { th { "Description" } th { "Period" } th.num { "Quantity" } th.num { "Unit price" } th.num { "Amount" } th.num { "Tax" } } }
                        tbody {
                            @for l in &d.lines {
                                tr {
                                    td { (l.description) }
                                    td { @if let (Some(from), Some(to)) = (&l.period_start, &l.period_end) { (Date(from)) " – " (Date(to)) } }
                                    td.num { (l.quantity) }
                                    td.num { (l.unit_amount) }
                                    td.num { (l.amount) }
                                    td.num { (l.tax) }
                                }
                            }
                        }
                    }
                }))
                @if !d.tax_lines.is_empty() {
                    h2 { "Tax" }
                    ul.plain {
                        @for t in &d.tax_lines {
                            li {
                                @match t.rate_bp {
                                    Some(bp) => { "VAT " (rate(bp)) " on " (t.taxable) ": " (t.tax) }
                                    None => { "No VAT on " (t.taxable) " (reverse charge or exempt)" }
                                }
                            }
                        }
                    }
                }
            }
            dl {
                dt { "Issued" } dd { (Date(&i.issued_at)) }
                dt { "Due" } dd { (Date(&i.due_at)) }
                @if let Some(p) = &d.paid_at { dt { "Paid" } dd { (Date(p)) } }
                dt { "Subtotal" } dd { (d.subtotal) }
                dt { "Tax" } dd { (d.tax) }
                dt { "Total" } dd { strong { (i.total) } }
                @if d.refunded.amount > 0 { dt { "Refunded" } dd { (d.refunded) } }
            }
            @if i.status == "open" {
                form.no-print method="post" action={ "/billing/invoices/" (i.id) "/pay" } {
                    (csrf_field(shell.identity))
                    button type="submit" { "Pay " (i.total) " now" }
                }
            }
            p.no-print { "Print this page for a receipt; the print layout leaves out the navigation." }
        },
    )
}

/// The billing details form as the person filled it, with what to fix.
#[derive(Debug, Default)]
pub struct DetailsForm<'a> {
    /// Company name, country, address, tax id as typed.
    pub typed: Option<(&'a str, &'a str, &'a str, &'a str)>,
    /// Field name and message for each problem.
    pub errors: Vec<(String, String)>,
    /// What was just done (`saved`).
    pub done: Option<&'a str>,
}

/// The account's billing details: what invoices and receipts are addressed to.
pub fn details(
    shell: &Shell,
    who: &Identity,
    d: &BillingDetails,
    form: &DetailsForm<'_>,
) -> Markup {
    let error = |field: &str| form.errors.iter().any(|(f, _)| f == field);
    let (name, country, address, tax_id) = form.typed.unwrap_or((
        &d.name,
        d.country.as_deref().unwrap_or_default(),
        d.address.as_deref().unwrap_or_default(),
        d.tax_id.as_deref().unwrap_or_default(),
    ));
    let mut countries: Vec<&(&str, &str)> = pulse_core::countries::COUNTRIES.iter().collect();
    countries.sort_by_key(|(_, n)| *n);
    let done = match form.done {
        Some("saved") => Some("The billing details were saved; invoices from now on carry them."),
        _ => None,
    };
    layout(
        shell,
        "Billing details",
        html! {
            p { a href="/billing" { "← Billing" } }
            h1 { "Billing details" }
            (flash(done))
            @if !form.errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="details-problems" {
                    h2 id="details-problems" { "The details were not saved" }
                    ul { @for (field, msg) in &form.errors { li { a href={ "#details-" (field) } { (msg) } } } }
                }
            }
            form.panel method="post" action="/billing/details" novalidate {
                (csrf_field(Some(who)))
                label for="details-name" { "Company name" }
                (field_error(&form.errors, "name"))
                input type="text" id="details-name" name="name" value=(name) maxlength="100" autocomplete="organization" required
                    aria-invalid=[error("name").then_some("true")] aria-describedby=[error("name").then_some("name-error")];
                label for="details-country" { "Country" }
                (field_error(&form.errors, "country"))
                select id="details-country" name="country" autocomplete="country" required
                    aria-invalid=[error("country").then_some("true")] aria-describedby=[error("country").then_some("country-error")] {
                    option value="" selected[country.is_empty()] { "Choose a country" }
                    @for (code, label) in countries { option value=(code) selected[country.eq_ignore_ascii_case(code)] { (label) } }
                }
                label for="details-address" { "Billing address" }
                (field_error(&form.errors, "address"))
                textarea id="details-address" name="address" rows="4" maxlength="500" autocomplete="street-address"
                    aria-invalid=[error("address").then_some("true")] aria-describedby=[error("address").then_some("address-error")] { (address) }
                label for="details-tax_id" { "VAT number or tax id (optional)" }
                p.muted id="tax-hint" { "In the EU, the VAT number with its country prefix, such as DE123456789." }
                (field_error(&form.errors, "tax_id"))
                input type="text" id="details-tax_id" name="tax_id" value=(tax_id) maxlength="40" autocapitalize="characters" spellcheck="false"
                    aria-invalid=[error("tax_id").then_some("true")]
                    aria-describedby={ "tax-hint" @if error("tax_id") { " tax_id-error" } };
                @if let (Some(_), Some(status)) = (&d.tax_id, &d.tax_id_status) {
                    p { "Verification: " (Badge(status)) }
                }
                button type="submit" { "Save billing details" }
            }
        },
    )
}

/// One subscription, with the form that ends it at the period's end or resumes it.
pub fn subscription(
    shell: &Shell,
    who: &Identity,
    s: &Subscription,
    done: Option<&str>,
    problem: Option<&str>,
) -> Markup {
    let done = match done {
        Some("cancelled") => Some(
            "The subscription will end when the current period does. You can resume it until then.",
        ),
        Some("resumed") => Some("The subscription renews again."),
        Some("changed") => {
            Some("The plan was changed; the next invoice carries the prorated amount.")
        }
        _ => None,
    };
    let ended = s.status == "cancelled";
    layout(
        shell,
        &s.plan,
        html! {
            p { a href="/billing" { "← Billing" } }
            (flash(done))
            h1 { (s.plan) " " (Badge(&s.status)) }
            @if let Some(why) = problem {
                div.error-summary role="alert" aria-labelledby="sub-problem" {
                    h2 id="sub-problem" { "Nothing was changed" }
                    p { (why) }
                }
            }
            dl {
                dt { "Price" } dd { (s.price) " per " (s.interval) }
                dt { @if s.cancel_at_period_end || ended { "Ends" } @else { "Renews" } } dd { (Date(&s.current_period_end)) }
            }
            (crate::views::purchases::change_options(s))
            @if ended {
                p { "This subscription has ended." }
            } @else if s.cancel_at_period_end {
                form.panel method="post" action={ "/billing/subscriptions/" (s.id) "/resume" } {
                    (csrf_field(Some(who)))
                    p { "It is set to end on " (Date(&s.current_period_end)) ". Resume it to keep it renewing." }
                    button type="submit" { "Resume subscription" }
                }
            } @else {
                form.panel method="post" action={ "/billing/subscriptions/" (s.id) "/cancel" } novalidate {
                    (csrf_field(Some(who)))
                    (cancel_fields())
                    p.muted { "It keeps working until " (Date(&s.current_period_end)) " and is not renewed after that. This needs a sign-in or an email code from the last ten minutes." }
                    button.danger type="submit" { "End at the period's end" }
                }
            }
        },
    )
}
