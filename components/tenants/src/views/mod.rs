//! Page views: pure functions from loaded data to markup.

pub mod cloud;
pub mod msp;

use maud::{Markup, html};
use pulse_core::store::tenants::Tenant;
use pulse_core::views::{Badge, Date, scroll_table};

/// A table of tenants with links to open active ones.
pub fn tenant_table(tenants: &[Tenant], domain: &str, detail_links: bool) -> Markup {
    html! {
        (scroll_table("Workspaces", html! {
            table {
                caption.visually-hidden { "Workspaces" }
                thead { tr { th scope="col" { "Workspace" } th scope="col" { "Status" } th scope="col" { "Plan" } th scope="col" { "Created" } th scope="col" { span.visually-hidden { "Open" } } } }
                tbody {
                    @for t in tenants {
                        tr {
                            td {
                                @if detail_links { a href={ "/cloud/" (t.id) } { (t.name) } } @else { (t.name) }
                                br; small.muted { (t.slug) "." (domain) }
                            }
                            td { (Badge(&t.status)) }
                            td { (t.plan) }
                            td { (Date(&t.created_at)) }
                            td { @if t.status == "active" { a href={ "https://" (t.slug) "." (domain) "/" } { "Open" span.visually-hidden { " " (t.name) } } } }
                        }
                    }
                }
            }
        }))
    }
}
