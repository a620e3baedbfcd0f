//! Tables and lists more than one area shows: Home summarises what Licenses, Pulse Cloud,
//! Billing and the MSP view list in full, with the same markup. Due dates and expiries read
//! relative to now ("due in 5 days", "expired 3 months ago"); the `_at` forms take `now`, the
//! others read the clock.

use maud::{Markup, html};

use super::relative::{Due, Expiry};
use super::{Badge, Date, scroll_table};
use crate::store::accounts::Client;
use crate::store::billing::{Invoice, Subscription};
use crate::store::licenses::License;
use crate::store::lists::SHOWN_MAX;
use crate::store::refunds::Refund;
use crate::store::tenants::Tenant;

/// Says that a list stopped at what a page shows ([`SHOWN_MAX`] items) and, when the API lists
/// them, where every one is, a page at a time; nothing for a shorter list.
pub fn list_cut(count: usize, api: Option<&str>) -> Markup {
    html! {
        @if count >= SHOWN_MAX {
            p.muted role="note" {
                "This page shows the first " (SHOWN_MAX) "."
                @if let Some(path) = api {
                    " The API lists every one, a page at a time: " code { "GET " (path) } "."
                }
            }
        }
    }
}

/// Licenses with status, seats, activations and expiry relative to `now` (Unix seconds).
pub fn licenses_table(licenses: &[License], now: i64) -> Markup {
    html! {
        @if licenses.is_empty() {
            p { "No self-hosted licenses on this account." }
        } @else {
            (scroll_table("Licenses", html! {
                table {
                    caption.visually-hidden { "Licenses" }
                    thead { tr { th scope="col" { "License" } th scope="col" { "Status" } th scope="col" { "Seats" } th scope="col" { "Activations" } th scope="col" { "Expires" } } }
                    tbody {
                        @for l in licenses {
                            tr {
                                td { a href={ "/licenses/" (l.id) } { (l.product) " — " (l.plan) } br; small.muted { "Key ending " (l.key_hint) } }
                                td { (Badge(&l.status)) @if l.cancel_at_period_end { " (won't renew)" } }
                                td.num { (l.seats) }
                                td.num { (l.active_activations) " of " (l.max_activations) }
                                td { (Expiry { at: &l.expires_at, now }) }
                            }
                        }
                    }
                }
            }))
            (list_cut(licenses.len(), Some("/api/v1/licenses")))
        }
    }
}

/// Workspaces with links to open the active ones; `detail_links` links each to its page.
pub fn tenants_table(tenants: &[Tenant], detail_links: bool) -> Markup {
    html! {
        @if tenants.is_empty() {
            p { "No workspaces yet." }
        } @else {
            (scroll_table("Workspaces", html! {
                table {
                    caption.visually-hidden { "Workspaces" }
                    thead { tr { th scope="col" { "Workspace" } th scope="col" { "Status" } th scope="col" { "Plan" } th scope="col" { "Created" } th scope="col" { span.visually-hidden { "Open" } } } }
                    tbody {
                        @for t in tenants {
                            tr {
                                td {
                                    @if detail_links { a href={ "/cloud/" (t.id) } { (t.name) } } @else { (t.name) }
                                    br; small.muted { (t.hostname) }
                                }
                                td { (Badge(&t.status)) }
                                td { (t.plan) }
                                td { (Date(&t.created_at)) }
                                td { @if t.status == "active" { a href={ "https://" (t.hostname) "/" } { "Open" span.visually-hidden { " " (t.name) } } } }
                            }
                        }
                    }
                }
            }))
            (list_cut(tenants.len(), None))
        }
    }
}

/// Subscriptions with price and renewal.
pub fn subscriptions_list(subscriptions: &[Subscription]) -> Markup {
    html! {
        @if subscriptions.is_empty() {
            p { "No subscriptions." }
        } @else {
            ul.plain {
                @for s in subscriptions {
                    li {
                        strong { (s.plan) } " " (Badge(&s.status)) " — " (s.price) " per " (s.interval)
                        @if s.cancel_at_period_end { ", ends " } @else { ", renews " }
                        (Date(&s.current_period_end))
                    }
                }
            }
            (list_cut(subscriptions.len(), Some("/api/v1/subscriptions")))
        }
    }
}

/// Whether an invoice with this status still waits for payment.
pub fn unpaid(status: &str) -> bool {
    matches!(status, "open" | "past_due")
}

/// Invoices, newest first, under a visible caption; an unpaid one's due date reads relative to
/// `now` (Unix seconds), a settled one's as the date.
pub fn invoices_table(caption: &str, invoices: &[Invoice], now: i64) -> Markup {
    html! {
        @if invoices.is_empty() {
            p { "No invoices yet." }
        } @else {
            (scroll_table(caption, html! {
                table {
                    caption { (caption) }
                    thead { tr { th scope="col" { "Invoice" } th scope="col" { "Issued" } th scope="col" { "Due" } th scope="col" { "Total" } th scope="col" { "Status" } } }
                    tbody {
                        @for i in invoices {
                            tr {
                                td { a href={ "/billing/invoices/" (i.id) } { (i.number) } }
                                td { (Date(&i.issued_at)) }
                                td {
                                    @if unpaid(&i.status) { (Due { at: &i.due_at, now }) } @else { (Date(&i.due_at)) }
                                }
                                td.num { (i.total) }
                                td { (Badge(&i.status)) }
                            }
                        }
                    }
                }
            }))
        }
    }
}

/// An MSP provider's client accounts.
pub fn clients_table(clients: &[Client]) -> Markup {
    html! {
        @if clients.is_empty() {
            p { "No client accounts yet." }
        } @else {
            (scroll_table("Client accounts", html! {
                table {
                    caption.visually-hidden { "Client accounts" }
                    thead { tr { th scope="col" { "Client" } th scope="col" { "Country" } th scope="col" { "Workspaces" } } }
                    tbody {
                        @for c in clients {
                            tr {
                                td { a href={ "/msp/clients/" (c.id) } { (c.name) } }
                                td { (c.country.as_deref().unwrap_or("—")) }
                                td.num { (c.tenant_count) }
                            }
                        }
                    }
                }
            }))
            (list_cut(clients.len(), Some("/api/v1/clients")))
        }
    }
}

/// Refund requests with their status in words.
pub fn refunds_table(refunds: &[Refund]) -> Markup {
    scroll_table(
        "Refund requests",
        html! {
            table {
                caption.visually-hidden { "Refund requests" }
                thead { tr { th scope="col" { "Invoice" } th scope="col" { "Amount" } th scope="col" { "Reason" } th scope="col" { "Asked" } th scope="col" { "Status" } } }
                tbody {
                    @for r in refunds {
                        tr {
                            td { a href={ "/billing/invoices/" (r.invoice_id) } { (r.invoice_number) } }
                            td { (r.amount) }
                            td { (r.reason) }
                            td { (Date(&r.created_at)) }
                            td {
                                (Badge(&r.status))
                                @if let Some(at) = &r.resolved_at { " on " (Date(at)) }
                            }
                        }
                    }
                }
            }
        },
    )
}
