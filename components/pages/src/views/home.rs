//! Home: what needs attention first, then licenses, tenants and billing at a glance.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::overview::{CustomerHome, ProviderHome};
use pulse_core::time::parse_rfc3339;
use pulse_core::views::partials::{
    clients_table, invoices_table, licenses_table, subscriptions_list, tenants_table, unpaid,
};
use pulse_core::views::relative::{Due, Expiry, days_between, within_days};
use pulse_core::views::{Shell, page as layout};

/// What Home shows, by account kind.
pub enum Summary {
    /// A customer account.
    Customer(CustomerHome),
    /// An MSP provider account.
    Provider(ProviderHome),
}

/// How soon a license expiry needs a word on Home.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// What needs doing, most urgent first, each item linking to where it is fixed; dates read
/// relative to `now` (Unix seconds).
fn attention(summary: &Summary, now: i64) -> Vec<Markup> {
    // (urgency, item): overdue money first, then what has stopped working, then what is coming.
    let mut items: Vec<(u8, Markup)> = Vec::new();
    if let Summary::Customer(CustomerHome {
        invoices,
        tenants,
        licenses,
        ..
    }) = summary
    {
        for i in invoices.iter().filter(|i| unpaid(&i.status)) {
            let overdue = parse_rfc3339(&i.due_at).is_some_and(|at| days_between(now, at) < 0);
            items.push((
                if overdue { 0 } else { 3 },
                html! {
                    "Invoice " a href={ "/billing/invoices/" (i.id) } { (i.number) }
                    " for " (i.total) " is " (Due { at: &i.due_at, now }) "."
                },
            ));
        }
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push((
                1,
                html! { "Workspace " a href={ "/cloud/" (t.id) } { (t.slug) } " is suspended." },
            ));
        }
        for l in licenses {
            let Some(at) = parse_rfc3339(&l.expires_at) else {
                continue;
            };
            let expired = l.status == "expired" || (l.status == "active" && at <= now);
            let expiring = l.status == "active" && within_days(at, now, EXPIRY_WARNING_DAYS);
            if expired || expiring {
                items.push((
                    if expired { 2 } else { 4 },
                    html! {
                        "License " a href={ "/licenses/" (l.id) } { "…" (l.key_hint) } " (" (l.plan) ") "
                        (Expiry { at: &l.expires_at, now }) "."
                    },
                ));
            }
        }
    }
    if let Summary::Provider(ProviderHome { tenants, .. }) = summary {
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push((1, html! { "Client workspace " (t.slug) " is suspended." }));
        }
    }
    items.sort_by_key(|(urgency, _)| *urgency);
    items.into_iter().map(|(_, item)| item).collect()
}

/// The Home page as of `now` (Unix seconds).
pub fn page(shell: &Shell, who: &Identity, summary: &Summary, now: i64) -> Markup {
    let items = attention(summary, now);
    layout(
        shell,
        "Home",
        html! {
            h1 { (who.account.account_name) }
            p.muted { "Signed in as " (who.email) " · " (who.account.role.label()) }
            @if !items.is_empty() {
                section.attention aria-labelledby="attention-title" {
                    h2 id="attention-title" { "Needs your attention" }
                    ul { @for i in &items { li { (i) } } }
                }
            }
            @match summary {
                Summary::Customer(CustomerHome { licenses, tenants, subscriptions, invoices }) => {
                    section aria-labelledby="licenses-title" {
                        h2 id="licenses-title" { a href="/licenses" { "Licenses" } }
                        (licenses_table(licenses, now))
                    }
                    section aria-labelledby="cloud-title" {
                        h2 id="cloud-title" { a href="/cloud" { "Pulse Cloud" } }
                        (tenants_table(tenants, true))
                        @if tenants.is_empty() { p { a href="/cloud/new" { "Create a workspace from a template" } } }
                    }
                    section aria-labelledby="billing-title" {
                        h2 id="billing-title" { a href="/billing" { "Billing" } }
                        (subscriptions_list(subscriptions))
                        @if !invoices.is_empty() { (invoices_table("Recent invoices", invoices, now)) }
                    }
                }
                Summary::Provider(ProviderHome { clients, tenants, subscriptions }) => {
                    section aria-labelledby="clients-title" {
                        h2 id="clients-title" { a href="/msp" { "Clients" } }
                        (clients_table(clients))
                    }
                    section aria-labelledby="cloud-title" {
                        h2 id="cloud-title" { "Client workspaces" }
                        (tenants_table(tenants, false))
                    }
                    section aria-labelledby="billing-title" {
                        h2 id="billing-title" { a href="/billing" { "Provider billing" } }
                        (subscriptions_list(subscriptions))
                    }
                }
            }
        },
    )
}
