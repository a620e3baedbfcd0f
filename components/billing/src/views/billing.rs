//! Billing pages.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::billing::{Invoice, InvoiceDetail, Subscription};
use pulse_core::views::{Badge, Date, Shell, page as layout, scroll_table};

/// Subscriptions and invoices.
pub fn page(shell: &Shell, subscriptions: &[Subscription], invoices: &[Invoice]) -> Markup {
    layout(
        shell,
        "Billing",
        html! {
            h1 { "Billing" }
            h2 { "Subscriptions" }
            @if subscriptions.is_empty() { p { "No subscriptions." } }
            ul.plain {
                @for s in subscriptions {
                    li {
                        strong { (s.plan) } " " (Badge(&s.status)) " — " (s.price) " per " (s.interval)
                        @if s.cancel_at_period_end { ", ends " } @else { ", renews " }
                        (Date(&s.current_period_end))
                    }
                }
            }
            h2 { "Invoices" }
            @if invoices.is_empty() {
                p { "No invoices yet." }
            } @else {
                (scroll_table("Invoices", html! {
                    table {
                        caption.visually-hidden { "Invoices" }
                        thead { tr { th scope="col" { "Invoice" } th scope="col" { "Issued" } th scope="col" { "Due" } th scope="col" { "Total" } th scope="col" { "Status" } } }
                        tbody {
                            @for i in invoices {
                                tr {
                                    td { a href={ "/billing/invoices/" (i.id) } { (i.number) } }
                                    td { (Date(&i.issued_at)) }
                                    td { (Date(&i.due_at)) }
                                    td.num { (i.total) }
                                    td { (Badge(&i.status)) }
                                }
                            }
                        }
                    }
                }))
            }
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
