//! Pulse Cloud pages.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::tenants::{Template, Tenant};
use pulse_core::views::{Badge, Date, Shell, page};

use pulse_core::views::partials::tenants_table;

/// The account's tenants.
pub fn list(shell: &Shell, who: &Identity, tenants: &[Tenant]) -> Markup {
    page(
        shell,
        "Pulse Cloud",
        html! {
            h1 { "Pulse Cloud" }
            p.muted { "Hosted workspaces of " (who.account.account_name) "." }
            @if tenants.is_empty() {
                p { "No workspaces yet." }
            } @else {
                (tenants_table(tenants, true))
            }
            p { a.button href="/cloud/new" { "Create a workspace" } }
        },
    )
}

/// One tenant.
pub fn detail(shell: &Shell, t: &Tenant, aliases: &[String]) -> Markup {
    page(
        shell,
        &t.name,
        html! {
            p { a href="/cloud" { "← Pulse Cloud" } }
            h1 { (t.name) " " (Badge(&t.status)) }
            dl {
                dt { "Address" } dd { "https://" (t.hostname) "/" }
                @for a in aliases { dt { "Alias" } dd { "https://" (a) "/" } }
                dt { "Plan" } dd { (t.plan) }
                dt { "Region" } dd { (t.region) }
                dt { "Created" } dd { (Date(&t.created_at)) }
                dt { "Id" } dd { code { (t.id) } }
            }
            @if t.status == "active" {
                p { a.button href={ "https://" (t.hostname) "/" } { "Open workspace" } }
            }
        },
    )
}

/// The templates to start a workspace from.
pub fn templates(shell: &Shell, templates: &[Template]) -> Markup {
    page(
        shell,
        "Create a workspace",
        html! {
            p { a href="/cloud" { "← Pulse Cloud" } }
            h1 { "Create a workspace" }
            p { "Every workspace starts as a copy of one of these templates." }
            ul.plain {
                @for t in templates {
                    li { strong { (t.name) } " — " (t.edition) " edition on Odoo " (t.odoo_version) }
                }
            }
        },
    )
}

/// The integrations catalog.
pub fn integrations(shell: &Shell) -> Markup {
    const CATALOG: &[(&str, &str)] = &[
        (
            "Matrix",
            "Your workspace room for support conversations with our team.",
        ),
        (
            "Single sign-on",
            "Sign in to workspaces with your company's OpenID provider.",
        ),
        (
            "Accounting export",
            "Scheduled exports of invoices and journals to your accountant.",
        ),
        (
            "Backups",
            "Daily encrypted backups of each workspace, restorable on request.",
        ),
    ];
    page(
        shell,
        "Integrations",
        html! {
            h1 { "Integrations" }
            div.cards {
                @for (name, what) in CATALOG {
                    article.card { h2 { (name) } p { (what) } }
                }
            }
        },
    )
}
