//! Billing pages.

use maud::{Markup, html};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::store::billing::{InvoiceDetail, Subscription};
use pulse_core::store::billing_details::BillingDetails;
use pulse_core::store::overview::BillingPage;
use pulse_core::store::subscriptions::CANCEL_REASONS;
use pulse_core::views::partials::{invoices_table, refunds_table, subscriptions_list};
use pulse_core::views::relative::day;
use pulse_core::views::{Badge, Date, Shell, csrf_field, field_error, flash, page as layout};

use super::{card, words};
use pulse_core::views::fill_html;
use pulse_core::views::partials::per_interval;

/// Subscriptions, invoices and refund requests, due dates worded relative to `now` (Unix
/// seconds).
pub fn page(
    shell: &Shell,
    who: &Identity,
    billing: &BillingPage,
    done: Option<&str>,
    now: i64,
) -> Markup {
    let l = shell.reader;
    #[rustfmt::skip]
    let done = match done {
        Some("subscribed") => Some(msg("Thank you: the subscription is active.")),
        Some("offline") => Some(msg("Local mode has no payment provider, so there are no cards to manage.")),
        Some("card-removed") => Some(msg("The card was removed.")),
        _ => None,
    };
    layout(
        shell,
        msg("Billing"),
        html! {
            h1 { (l.tr("Billing")) }
            (flash(done.map(|d| l.tr(d))))
            h2 { (l.tr("Subscriptions")) }
            (subscriptions_list(l, &billing.subscriptions))
            @if !billing.subscriptions.is_empty() {
                ul.plain {
                    @for s in &billing.subscriptions {
                        li { a href={ "/billing/subscriptions/" (s.id) } { (l.fill("Manage {plan}", &[("plan", &s.plan)])) } }
                    }
                }
            }
            p { a href="/billing/plans" { (l.tr("See plans and subscribe")) } }
            h2 { (l.tr("Invoices")) }
            (invoices_table(l, l.tr("Invoices"), &billing.invoices, now))
            h2 { (l.tr("Refunds")) }
            @if !billing.refunds.is_empty() {
                (refunds_table(l, &billing.refunds))
            }
            p { a href="/recover/refund" { (l.tr("Ask for a refund of a recent invoice")) } }
            h2 { (l.tr("Billing details")) }
            p { a href="/billing/details" { (l.tr("Company name, address and VAT number on invoices")) } }
            h2 { (l.tr("Payment methods")) }
            @if billing.payment_methods.is_empty() {
                p { (l.tr("No card on file yet.")) }
            } @else {
                ul.plain {
                    @for m in &billing.payment_methods {
                        @let label = card(l, m);
                        li {
                            (label)
                            @if m.is_default { " " span.badge.ok { (l.tr("default")) } }
                            @if m.expires_within(now, 30) { " " span.badge.warn { (l.tr("expires soon")) } }
                            form.inline method="post" action={ "/billing/payment-methods/" (m.id) "/remove" } {
                                (csrf_field(Some(who)))
                                button type="submit" aria-label=(l.fill("Remove {card}", &[("card", &label)])) { (l.tr("Remove")) }
                            }
                        }
                    }
                }
            }
            form method="post" action="/billing/portal" {
                (csrf_field(Some(who)))
                p { (l.tr("Cards are kept by Stripe, never by us.")) " " button type="submit" { (l.tr("Add or change cards")) } }
            }
        },
    )
}

/// A rate in basis points as a percentage, with the reader's decimal sign: `19%`, `7.5%`
/// (`7,5%`).
fn rate(r: Reader, bp: i64) -> String {
    let shown = if bp % 100 == 0 {
        format!("{}%", bp / 100)
    } else {
        format!("{}.{:02}%", bp / 100, bp % 100).replace("0%", "%")
    };
    match r.locale {
        pulse_core::i18n::Locale::En => shown,
        pulse_core::i18n::Locale::Bg => shown.replace('.', ","),
    }
}

/// A tax id's verification state (`unverified`, `pending`, `verified`, `failed`) as its badge
/// shows it; the catalog has the words.
fn tax_id_state(status: &str) -> &str {
    match status {
        "unverified" => msg("unverified"),
        "verified" => msg("verified"),
        other => other,
    }
}

/// The reason and comment fields of a form that ends a subscription.
pub fn cancel_fields(r: Reader) -> Markup {
    html! {
        fieldset {
            legend { (r.tr("Why should it end?")) }
            @for (key, label) in CANCEL_REASONS {
                div.choice {
                    input type="radio" id={ "reason-" (key) } name="reason" value=(key);
                    label for={ "reason-" (key) } { (words(r, label)) }
                }
            }
        }
        label for="cancel-comment" { (r.tr("Anything to add (optional)")) }
        textarea id="cancel-comment" name="comment" rows="3" maxlength="1000" {}
    }
}

/// One invoice: the page that prints as its receipt.
pub fn invoice(shell: &Shell, d: &InvoiceDetail, done: Option<&str>) -> Markup {
    let l = shell.reader;
    let i = &d.invoice;
    let to = &d.billed_to;
    layout(
        shell,
        &i.number,
        html! {
            p.no-print { a href="/billing" { "← " (l.tr("Billing")) } }
            (flash(done.filter(|d| *d == "paid").map(|_| l.tr("Thank you: the invoice is paid."))))
            h1 { (l.fill("Invoice {number}", &[("number", &i.number)])) " " (Badge(&i.status, l)) }
            section aria-labelledby="billed-to" {
                h2 id="billed-to" { (l.tr("Billed to")) }
                p {
                    strong { (to.name) }
                    @if let Some(address) = &to.address { @for line in address.lines() { br; (line) } }
                    @if let Some(country) = to.country.as_deref().and_then(|c| pulse_core::countries::name_in(c, l)) { br; (country) }
                }
                @if let Some(tax_id) = &to.tax_id {
                    p { (l.fill("Tax id {tax_id}", &[("tax_id", tax_id)])) " " (Badge(tax_id_state(to.tax_id_status.as_deref().unwrap_or("unverified")), l)) }
                }
            }
            @if !d.lines.is_empty() {
                (pulse_core::views::scroll_table(l.tr("Invoice lines"), html! {
                    table {
                        caption { (l.tr("What this invoice is for")) }
                        thead { tr { th { (l.tr("Description")) } th { (l.tr("Period")) } th.num { (l.tr("Quantity")) } th.num { (l.tr("Unit price")) } th.num { (l.tr("Amount")) } th.num { (l.tr("Tax")) } } }
                        tbody {
                            @for line in &d.lines {
                                tr {
                                    td { (line.description) }
                                    td { @if let (Some(from), Some(to)) = (&line.period_start, &line.period_end) { (Date(from, l)) " – " (Date(to, l)) } }
                                    td.num { (l.count(line.quantity)) }
                                    td.num { (l.money(&line.unit_amount)) }
                                    td.num { (l.money(&line.amount)) }
                                    td.num { (l.money(&line.tax)) }
                                }
                            }
                        }
                    }
                }))
                @if !d.tax_lines.is_empty() {
                    h2 { (l.tr("Tax")) }
                    ul.plain {
                        @for t in &d.tax_lines {
                            li {
                                @match t.rate_bp {
                                    Some(bp) => { (l.fill("VAT {rate} on {taxable}: {tax}", &[("rate", &rate(l, bp)), ("taxable", &l.money(&t.taxable)), ("tax", &l.money(&t.tax))])) }
                                    None => { (l.fill("No VAT on {taxable} (reverse charge or exempt)", &[("taxable", &l.money(&t.taxable))])) }
                                }
                            }
                        }
                    }
                }
            }
            dl {
                dt { (l.tr("Issued")) } dd { (Date(&i.issued_at, l)) }
                dt { (l.tr("Due")) } dd { (Date(&i.due_at, l)) }
                @if let Some(p) = &d.paid_at { dt { (l.tr("Paid")) } dd { (Date(p, l)) } }
                dt { (l.tr("Subtotal")) } dd { (l.money(&d.subtotal)) }
                dt { (l.tr("Tax")) } dd { (l.money(&d.tax)) }
                dt { (l.tr("Total")) } dd { strong { (l.money(&i.total)) } }
                @if d.refunded.amount > 0 { dt { (l.tr("Refunded")) } dd { (l.money(&d.refunded)) } }
            }
            @if i.status == "open" {
                form.no-print method="post" action={ "/billing/invoices/" (i.id) "/pay" } {
                    (csrf_field(shell.identity))
                    button type="submit" { (l.fill("Pay {amount} now", &[("amount", &l.money(&i.total))])) }
                }
            }
            p.no-print { (l.tr("Print this page for a receipt; the print layout leaves out the navigation.")) }
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
    let l = shell.reader;
    let countries = pulse_core::countries::choices(l);
    #[rustfmt::skip]
    let done = match form.done {
        Some("saved") => Some(l.tr("The billing details were saved; invoices from now on carry them.")),
        _ => None,
    };
    // The problems in the reader's words.
    let errors: Vec<(String, String)> = form
        .errors
        .iter()
        .map(|(field, why)| (field.clone(), words(l, why)))
        .collect();
    layout(
        shell,
        msg("Billing details"),
        html! {
            p { a href="/billing" { "← " (l.tr("Billing")) } }
            h1 { (l.tr("Billing details")) }
            (flash(done))
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="details-problems" {
                    h2 id="details-problems" { (l.tr("The details were not saved")) }
                    ul { @for (field, why) in &errors { li { a href={ "#details-" (field) } { (why) } } } }
                }
            }
            form.panel method="post" action="/billing/details" novalidate {
                (csrf_field(Some(who)))
                label for="details-name" { (l.tr("Company name")) }
                (field_error(&errors, "name"))
                input type="text" id="details-name" name="name" value=(name) maxlength="100" autocomplete="organization" required
                    aria-invalid=[error("name").then_some("true")] aria-describedby=[error("name").then_some("name-error")];
                label for="details-country" { (l.tr("Country")) }
                (field_error(&errors, "country"))
                select id="details-country" name="country" autocomplete="country" required
                    aria-invalid=[error("country").then_some("true")] aria-describedby=[error("country").then_some("country-error")] {
                    option value="" selected[country.is_empty()] { (l.tr("Choose a country")) }
                    @for (code, label) in countries { option value=(code) selected[country.eq_ignore_ascii_case(code)] { (label) } }
                }
                label for="details-address" { (l.tr("Billing address")) }
                (field_error(&errors, "address"))
                textarea id="details-address" name="address" rows="4" maxlength="500" autocomplete="street-address"
                    aria-invalid=[error("address").then_some("true")] aria-describedby=[error("address").then_some("address-error")] { (address) }
                label for="details-tax_id" { (l.tr("VAT number or tax id (optional)")) }
                p.muted id="tax-hint" { (l.tr("In the EU, the VAT number with its country prefix, such as DE123456789.")) }
                (field_error(&errors, "tax_id"))
                input type="text" id="details-tax_id" name="tax_id" value=(tax_id) maxlength="40" autocapitalize="characters" spellcheck="false"
                    aria-invalid=[error("tax_id").then_some("true")]
                    aria-describedby={ "tax-hint" @if error("tax_id") { " tax_id-error" } };
                @if let (Some(_), Some(status)) = (&d.tax_id, &d.tax_id_status) {
                    p { (l.tr("Verification:")) " " (Badge(tax_id_state(status), l)) }
                }
                button type="submit" { (l.tr("Save billing details")) }
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
    let l = shell.reader;
    #[rustfmt::skip]
    let done = match done {
        Some("cancelled") => Some(msg("The subscription will end when the current period does. You can resume it until then.")),
        Some("resumed") => Some(msg("The subscription renews again.")),
        Some("changed") => Some(msg("The plan was changed; the next invoice carries the prorated amount.")),
        _ => None,
    };
    let ended = s.status == "cancelled";
    let end = day(l, &s.current_period_end);
    layout(
        shell,
        &s.plan,
        html! {
            p { a href="/billing" { "← " (l.tr("Billing")) } }
            (flash(done.map(|d| l.tr(d))))
            h1 { (s.plan) " " (Badge(&s.status, l)) }
            @if let Some(why) = problem {
                div.error-summary role="alert" aria-labelledby="sub-problem" {
                    h2 id="sub-problem" { (l.tr("Nothing was changed")) }
                    p { (words(l, why)) }
                }
            }
            dl {
                dt { (l.tr("Price")) } dd { (l.money(&s.price)) " " (l.tr(per_interval(&s.interval))) }
                dt { @if s.cancel_at_period_end || ended { (l.tr("Ends")) } @else { (l.tr("Renews")) } } dd { (Date(&s.current_period_end, l)) }
            }
            (crate::views::purchases::change_options(l, s))
            @if ended {
                p { (l.tr("This subscription has ended.")) }
            } @else if s.cancel_at_period_end {
                form.panel method="post" action={ "/billing/subscriptions/" (s.id) "/resume" } {
                    (csrf_field(Some(who)))
                    p { (fill_html(l, msg("It is set to end on {date}. Resume it to keep it renewing."), &[("date", end.clone())])) }
                    button type="submit" { (l.tr("Resume subscription")) }
                }
            } @else {
                form.panel method="post" action={ "/billing/subscriptions/" (s.id) "/cancel" } novalidate {
                    (csrf_field(Some(who)))
                    (cancel_fields(l))
                    p.muted { (fill_html(l, msg("It keeps working until {date} and is not renewed after that. This needs a sign-in or an email code from the last ten minutes."), &[("date", end.clone())])) }
                    button.danger type="submit" { (l.tr("End at the period's end")) }
                }
            }
        },
    )
}
