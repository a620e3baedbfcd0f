//! The MSP provider pages.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::accounts::Client;
use pulse_core::store::tenants::Tenant;
use pulse_core::views::{Shell, page};

use pulse_core::views::partials::{clients_table, tenants_table};

/// The provider's clients and every client workspace.
pub fn clients(shell: &Shell, who: &Identity, clients: &[Client], tenants: &[Tenant]) -> Markup {
    page(
        shell,
        "MSP",
        html! {
            h1 { (who.account.account_name) }
            p.muted { "Provider account · " (clients.len()) " clients" }
            h2 { "Clients" }
            (clients_table(clients))
            h2 { "Client workspaces" }
            (tenants_table(tenants, false))
        },
    )
}

/// One client.
pub fn client(shell: &Shell, client: &Client, tenants: &[Tenant]) -> Markup {
    page(
        shell,
        &client.name,
        html! {
            p { a href="/msp" { "← Clients" } }
            h1 { (client.name) }
            (tenants_table(tenants, false))
        },
    )
}
