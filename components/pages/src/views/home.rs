//! Home: what needs attention first, then licenses, tenants and billing at a glance.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::overview::{CustomerHome, ProviderHome};
use pulse_core::views::partials::{
    clients_table, invoices_table, licenses_table, subscriptions_list, tenants_table,
};
use pulse_core::views::{Shell, page as layout};

/// What Home shows, by account kind.
pub enum Summary {
    /// A customer account.
    Customer(CustomerHome),
    /// An MSP provider account.
    Provider(ProviderHome),
}

fn attention(summary: &Summary) -> Vec<String> {
    let mut items = Vec::new();
    if let Summary::Customer(CustomerHome {
        invoices,
        tenants,
        licenses,
        ..
    }) = summary
    {
        for i in invoices.iter().filter(|i| i.status == "open") {
            items.push(format!(
                "Invoice {} for {} is due on {}.",
                i.number,
                i.total,
                pulse_core::time::date_part(&i.due_at)
            ));
        }
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push(format!("Workspace {} is suspended.", t.slug));
        }
        for l in licenses.iter().filter(|l| l.status == "expired") {
            items.push(format!("License …{} ({}) has expired.", l.key_hint, l.plan));
        }
    }
    if let Summary::Provider(ProviderHome { tenants, .. }) = summary {
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push(format!("Client workspace {} is suspended.", t.slug));
        }
    }
    items
}

/// The Home page.
pub fn page(shell: &Shell, who: &Identity, summary: &Summary) -> Markup {
    let items = attention(summary);
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
                        (licenses_table(licenses))
                    }
                    section aria-labelledby="cloud-title" {
                        h2 id="cloud-title" { a href="/cloud" { "Pulse Cloud" } }
                        (tenants_table(tenants, true))
                        @if tenants.is_empty() { p { a href="/cloud/new" { "Create a workspace from a template" } } }
                    }
                    section aria-labelledby="billing-title" {
                        h2 id="billing-title" { a href="/billing" { "Billing" } }
                        (subscriptions_list(subscriptions))
                        @if !invoices.is_empty() { (invoices_table("Recent invoices", invoices)) }
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
