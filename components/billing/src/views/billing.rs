//! Billing pages.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::billing::{InvoiceDetail, Subscription};
use pulse_core::store::overview::BillingPage;
use pulse_core::store::subscriptions::CANCEL_REASONS;
use pulse_core::views::partials::{invoices_table, refunds_table, subscriptions_list};
use pulse_core::views::{Badge, Date, Shell, csrf_field, flash, page as layout};

/// Subscriptions, invoices and refund requests, due dates worded relative to `now` (Unix
/// seconds).
pub fn page(shell: &Shell, billing: &BillingPage, now: i64) -> Markup {
    layout(
        shell,
        "Billing",
        html! {
            h1 { "Billing" }
            h2 { "Subscriptions" }
            (subscriptions_list(&billing.subscriptions))
            @if !billing.subscriptions.is_empty() {
                ul.plain {
                    @for s in &billing.subscriptions {
                        li { a href={ "/billing/subscriptions/" (s.id) } { "Manage " (s.plan) } }
                    }
                }
            }
            h2 { "Invoices" }
            (invoices_table("Invoices", &billing.invoices, now))
            h2 { "Refunds" }
            @if !billing.refunds.is_empty() {
                (refunds_table(&billing.refunds))
            }
            p { a href="/recover/refund" { "Ask for a refund of a recent invoice" } }
        },
    )
}

/// One invoice.
pub fn invoice(shell: &Shell, who: &Identity, d: &InvoiceDetail) -> Markup {
    let i = &d.invoice;
    layout(
        shell,
        &i.number,
        html! {
            p { a href="/billing" { "← Billing" } }
            h1 { "Invoice " (i.number) " " (Badge(&i.status)) }
            p.muted { "Billed to " (who.account.account_name) }
            dl {
                dt { "Issued" } dd { (Date(&i.issued_at)) }
                dt { "Due" } dd { (Date(&i.due_at)) }
                @if let Some(p) = &d.paid_at { dt { "Paid" } dd { (Date(p)) } }
                dt { "Subtotal" } dd { (d.subtotal) }
                dt { "Tax" } dd { (d.tax) }
                dt { "Total" } dd { strong { (i.total) } }
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
                    p.muted { "It keeps working until " (Date(&s.current_period_end)) " and is not renewed after that. This needs a sign-in or an email code from the last ten minutes." }
                    button.danger type="submit" { "End at the period's end" }
                }
            }
        },
    )
}
