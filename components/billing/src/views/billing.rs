//! Billing pages.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::billing::InvoiceDetail;
use pulse_core::store::overview::BillingPage;
use pulse_core::views::partials::{invoices_table, refunds_table, subscriptions_list};
use pulse_core::views::{Badge, Date, Shell, page as layout};

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
