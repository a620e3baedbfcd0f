//! Home: what needs attention first, then licenses, tenants and billing at a glance.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::accounts::Client;
use pulse_core::store::billing::{Invoice, Subscription};
use pulse_core::store::licenses::License;
use pulse_core::store::tenants::Tenant;
use pulse_core::views::{Badge, Date, Shell, page as layout, scroll_table};

/// What Home shows, by account kind.
pub enum Summary {
    /// A customer account.
    Customer {
        /// Self-hosted licenses.
        licenses: Vec<License>,
        /// Hosted tenants.
        tenants: Vec<Tenant>,
        /// Subscriptions.
        subscriptions: Vec<Subscription>,
        /// Recent invoices (empty for roles that may not see billing).
        invoices: Vec<Invoice>,
    },
    /// An MSP provider account.
    Provider {
        /// Client accounts.
        clients: Vec<Client>,
        /// Every client tenant.
        tenants: Vec<Tenant>,
        /// The provider's own subscriptions.
        subscriptions: Vec<Subscription>,
    },
}

fn attention(summary: &Summary) -> Vec<String> {
    let mut items = Vec::new();
    if let Summary::Customer {
        invoices,
        tenants,
        licenses,
        ..
    } = summary
    {
        for i in invoices.iter().filter(|i| i.status == "open") {
            items.push(format!(
                "Invoice {} for {} is due on {}.",
                i.number,
                i.total,
                &i.due_at[..10.min(i.due_at.len())]
            ));
        }
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push(format!("Workspace {} is suspended.", t.slug));
        }
        for l in licenses.iter().filter(|l| l.status == "expired") {
            items.push(format!("License …{} ({}) has expired.", l.key_hint, l.plan));
        }
    }
    if let Summary::Provider { tenants, .. } = summary {
        for t in tenants.iter().filter(|t| t.status == "suspended") {
            items.push(format!("Client workspace {} is suspended.", t.slug));
        }
    }
    items
}

fn tenant_table(tenants: &[Tenant], domain: &str) -> Markup {
    html! {
        @if tenants.is_empty() {
            p { "No workspaces yet. " a href="/cloud/new" { "Create one from a template" } "." }
        } @else {
            (scroll_table("Workspaces", html! {
                table {
                    caption.visually-hidden { "Workspaces" }
                    thead { tr { th scope="col" { "Workspace" } th scope="col" { "Status" } th scope="col" { "Plan" } th scope="col" { span.visually-hidden { "Open" } } } }
                    tbody {
                        @for t in tenants {
                            tr {
                                td { a href={ "/cloud/" (t.id) } { (t.name) } br; small.muted { (t.slug) "." (domain) } }
                                td { (Badge(&t.status)) }
                                td { (t.plan) }
                                td { @if t.status == "active" { a href={ "https://" (t.slug) "." (domain) } { "Open" span.visually-hidden { " " (t.name) } } } }
                            }
                        }
                    }
                }
            }))
        }
    }
}

fn subscriptions_list(subscriptions: &[Subscription]) -> Markup {
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
        }
    }
}

/// The Home page.
pub fn page(shell: &Shell, who: &Identity, summary: &Summary) -> Markup {
    let items = attention(summary);
    let domain = "planapulse.app";
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
                Summary::Customer { licenses, tenants, subscriptions, invoices } => {
                    section aria-labelledby="licenses-title" {
                        h2 id="licenses-title" { a href="/licenses" { "Licenses" } }
                        @if licenses.is_empty() {
                            p { "No self-hosted licenses on this account." }
                        } @else {
                            (scroll_table("Licenses", html! {
                                table {
                                    caption.visually-hidden { "Licenses" }
                                    thead { tr { th scope="col" { "License" } th scope="col" { "Status" } th scope="col" { "Activations" } th scope="col" { "Expires" } } }
                                    tbody {
                                        @for l in licenses {
                                            tr {
                                                td { a href={ "/licenses/" (l.id) } { (l.product) " — " (l.plan) } br; small.muted { "Key ending " (l.key_hint) } }
                                                td { (Badge(&l.status)) }
                                                td { (l.active_activations) " of " (l.max_activations) }
                                                td { (Date(&l.expires_at)) }
                                            }
                                        }
                                    }
                                }
                            }))
                        }
                    }
                    section aria-labelledby="cloud-title" {
                        h2 id="cloud-title" { a href="/cloud" { "Pulse Cloud" } }
                        (tenant_table(tenants, domain))
                    }
                    section aria-labelledby="billing-title" {
                        h2 id="billing-title" { a href="/billing" { "Billing" } }
                        (subscriptions_list(subscriptions))
                        @if !invoices.is_empty() {
                            (scroll_table("Recent invoices", html! {
                                table {
                                    caption { "Recent invoices" }
                                    thead { tr { th scope="col" { "Invoice" } th scope="col" { "Issued" } th scope="col" { "Total" } th scope="col" { "Status" } } }
                                    tbody {
                                        @for i in invoices {
                                            tr {
                                                td { a href={ "/billing/invoices/" (i.id) } { (i.number) } }
                                                td { (Date(&i.issued_at)) }
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
                Summary::Provider { clients, tenants, subscriptions } => {
                    section aria-labelledby="clients-title" {
                        h2 id="clients-title" { a href="/msp" { "Clients" } }
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
                        }
                    }
                    section aria-labelledby="cloud-title" {
                        h2 id="cloud-title" { "Client workspaces" }
                        (tenant_table(tenants, domain))
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
