//! The MSP provider pages.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::accounts::Client;
use pulse_core::store::tenants::Tenant;
use pulse_core::views::{Shell, page, scroll_table};

use super::tenant_table;

/// The provider's clients and every client workspace.
pub fn clients(
    shell: &Shell,
    who: &Identity,
    clients: &[Client],
    tenants: &[Tenant],
    domain: &str,
) -> Markup {
    page(
        shell,
        "MSP",
        html! {
            h1 { (who.account.account_name) }
            p.muted { "Provider account · " (clients.len()) " clients" }
            h2 { "Clients" }
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
            h2 { "Client workspaces" }
            (tenant_table(tenants, domain, false))
        },
    )
}

/// One client.
pub fn client(shell: &Shell, client: &Client, tenants: &[Tenant], domain: &str) -> Markup {
    page(
        shell,
        &client.name,
        html! {
            p { a href="/msp" { "← Clients" } }
            h1 { (client.name) }
            (tenant_table(tenants, domain, false))
        },
    )
}
