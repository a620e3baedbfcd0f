//! Tables and lists more than one area shows: Home summarises what Licenses, Pulse Cloud,
//! Billing and the MSP view list in full, with the same markup. Due dates and expiries read
//! relative to now ("due in 5 days", "expired 3 months ago"); the `_at` forms take `now`, the
//! others read the clock.

use maud::{Markup, html};

use super::relative::{Due, Expiry};
use super::{Badge, Date, scroll_table};
use crate::i18n::{Reader, msg};
use crate::store::accounts::Client;
use crate::store::billing::{Invoice, Subscription};
use crate::store::licenses::License;
use crate::store::lists::SHOWN_MAX;
use crate::store::refunds::Refund;
use crate::store::tenants::Tenant;

/// Says that a list stopped at what a page shows ([`SHOWN_MAX`] items) and, when the API lists
/// them, where every one is, a page at a time; nothing for a shorter list.
pub fn list_cut(r: Reader, count: usize, api: Option<&str>) -> Markup {
    html! {
        @if count >= SHOWN_MAX {
            p.muted role="note" {
                (r.fill("This page shows the first {count}.", &[("count", &SHOWN_MAX.to_string())]))
                @if let Some(path) = api {
                    " " (r.tr("The API lists every one, a page at a time:")) " " code { "GET " (path) } "."
                }
            }
        }
    }
}

/// Licenses with status, seats, activations and expiry relative to `now` (Unix seconds).
pub fn licenses_table(r: Reader, licenses: &[License], now: i64) -> Markup {
    html! {
        @if licenses.is_empty() {
            p { (r.tr("No self-hosted licenses on this account.")) }
        } @else {
            (scroll_table(r.tr("Licenses"), html! {
                table {
                    caption.visually-hidden { (r.tr("Licenses")) }
                    thead { tr { th scope="col" { (r.tr("License")) } th scope="col" { (r.tr("Status")) } th scope="col" { (r.tr("Seats")) } th scope="col" { (r.tr("Activations")) } th scope="col" { (r.tr("Expires")) } } }
                    tbody {
                        @for l in licenses {
                            tr {
                                td { a href={ "/licenses/" (l.id) } { (l.product) " — " (l.plan) } br; small.muted { (r.tr("Key ending")) " " (l.key_hint) } }
                                td { (Badge(&l.status, r)) @if l.cancel_at_period_end { " (" (r.tr("won't renew")) ")" } }
                                td.num { (l.seats) }
                                td.num { (r.fill("{used} of {max}", &[("used", &l.active_activations.to_string()), ("max", &l.max_activations.to_string())])) }
                                td { (Expiry { at: &l.expires_at, now, reader: r }) }
                            }
                        }
                    }
                }
            }))
            (list_cut(r, licenses.len(), Some("/api/v1/licenses")))
        }
    }
}

/// Workspaces with links to open the active ones; `detail_links` links each to its page.
pub fn tenants_table(r: Reader, tenants: &[Tenant], detail_links: bool) -> Markup {
    html! {
        @if tenants.is_empty() {
            p { (r.tr("No workspaces yet.")) }
        } @else {
            (scroll_table(r.tr("Workspaces"), html! {
                table {
                    caption.visually-hidden { (r.tr("Workspaces")) }
                    thead { tr { th scope="col" { (r.tr("Workspace")) } th scope="col" { (r.tr("Status")) } th scope="col" { (r.tr("Plan")) } th scope="col" { (r.tr("Created")) } th scope="col" { span.visually-hidden { (r.tr("Open")) } } } }
                    tbody {
                        @for t in tenants {
                            tr {
                                td {
                                    @if detail_links { a href={ "/cloud/" (t.id) } { (t.name) } } @else { (t.name) }
                                    br; small.muted { (t.hostname) }
                                }
                                td { (Badge(&t.status, r)) }
                                td { (t.plan) }
                                td { (Date(&t.created_at, r)) }
                                td { @if t.status == "active" { a href={ "https://" (t.hostname) "/" } { (r.tr("Open")) span.visually-hidden { " " (t.name) } } } }
                            }
                        }
                    }
                }
            }))
            (list_cut(r, tenants.len(), None))
        }
    }
}

/// Subscriptions with price and renewal.
pub fn subscriptions_list(r: Reader, subscriptions: &[Subscription]) -> Markup {
    html! {
        @if subscriptions.is_empty() {
            p { (r.tr("No subscriptions.")) }
        } @else {
            ul.plain {
                @for s in subscriptions {
                    li {
                        strong { (s.plan) } " " (Badge(&s.status, r)) " — " (r.money(&s.price)) " " (r.tr(per_interval(&s.interval)))
                        ", " (r.tr(if s.cancel_at_period_end { msg("ends") } else { msg("renews") })) " "
                        (Date(&s.current_period_end, r))
                    }
                }
            }
            (list_cut(r, subscriptions.len(), Some("/api/v1/subscriptions")))
        }
    }
}

/// "per month", "per year": the words after a price for a billing interval.
pub fn per_interval(interval: &str) -> &'static str {
    match interval {
        "month" => msg("per month"),
        "year" => msg("per year"),
        "week" => msg("per week"),
        "day" => msg("per day"),
        _ => msg("per period"),
    }
}

/// Whether an invoice with this status still waits for payment.
pub fn unpaid(status: &str) -> bool {
    matches!(status, "open" | "past_due")
}

/// Invoices, newest first, under a visible caption; an unpaid one's due date reads relative to
/// `now` (Unix seconds), a settled one's as the date.
pub fn invoices_table(r: Reader, caption: &str, invoices: &[Invoice], now: i64) -> Markup {
    html! {
        @if invoices.is_empty() {
            p { (r.tr("No invoices yet.")) }
        } @else {
            (scroll_table(caption, html! {
                table {
                    caption { (caption) }
                    thead { tr { th scope="col" { (r.tr("Invoice")) } th scope="col" { (r.tr("Issued")) } th scope="col" { (r.tr("Due")) } th scope="col" { (r.tr("Total")) } th scope="col" { (r.tr("Status")) } } }
                    tbody {
                        @for i in invoices {
                            tr {
                                td { a href={ "/billing/invoices/" (i.id) } { (i.number) } }
                                td { (Date(&i.issued_at, r)) }
                                td {
                                    @if unpaid(&i.status) { (Due { at: &i.due_at, now, reader: r }) } @else { (Date(&i.due_at, r)) }
                                }
                                td.num { (r.money(&i.total)) }
                                td { (Badge(&i.status, r)) }
                            }
                        }
                    }
                }
            }))
        }
    }
}

/// An MSP provider's client accounts.
pub fn clients_table(r: Reader, clients: &[Client]) -> Markup {
    html! {
        @if clients.is_empty() {
            p { (r.tr("No client accounts yet.")) }
        } @else {
            (scroll_table(r.tr("Client accounts"), html! {
                table {
                    caption.visually-hidden { (r.tr("Client accounts")) }
                    thead { tr { th scope="col" { (r.tr("Client")) } th scope="col" { (r.tr("Country")) } th scope="col" { (r.tr("Workspaces")) } } }
                    tbody {
                        @for c in clients {
                            tr {
                                td { a href={ "/msp/clients/" (c.id) } { (c.name) } }
                                td { (c.country.as_deref().map_or("—", |code| crate::countries::name_in(code, r).unwrap_or(code))) }
                                td.num { (c.tenant_count) }
                            }
                        }
                    }
                }
            }))
            (list_cut(r, clients.len(), Some("/api/v1/clients")))
        }
    }
}

/// Refund requests with their status in words.
pub fn refunds_table(r: Reader, refunds: &[Refund]) -> Markup {
    scroll_table(
        r.tr("Refund requests"),
        html! {
            table {
                caption.visually-hidden { (r.tr("Refund requests")) }
                thead { tr { th scope="col" { (r.tr("Invoice")) } th scope="col" { (r.tr("Amount")) } th scope="col" { (r.tr("Reason")) } th scope="col" { (r.tr("Asked")) } th scope="col" { (r.tr("Status")) } } }
                tbody {
                    @for refund in refunds {
                        tr {
                            td { a href={ "/billing/invoices/" (refund.invoice_id) } { (refund.invoice_number) } }
                            td { (r.money(&refund.amount)) }
                            td { (refund.reason) }
                            td { (Date(&refund.created_at, r)) }
                            td {
                                (Badge(&refund.status, r))
                                @if let Some(at) = &refund.resolved_at { " " (r.tr("on")) " " (Date(at, r)) }
                            }
                        }
                    }
                }
            }
        },
    )
}
