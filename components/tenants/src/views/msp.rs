//! The MSP provider pages, and the client's page about the access it gives.

use maud::{Markup, html};
use pulse_core::identity::{Identity, Role};
use pulse_core::store::grants::{Grant, MAX_DAYS};
use pulse_core::store::lifecycle::Step;
use pulse_core::store::outbox::Mail;
use pulse_core::store::overview::{MspClient, MspPage};
use pulse_core::store::tenants::Tenant;
use pulse_core::views::partials::{clients_table, list_cut};
use pulse_core::views::{Badge, Date, Shell, csrf_field, field_error, flash, page, scroll_table};

use crate::handlers::msp::Outcome;

fn done_words(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "requested" => {
            "If that address owns a customer account, its owners have been asked for access; the request is listed below."
        }
        "revoked" => "The access was ended.",
        "entered" => {
            "You are in the client's context: what you do here is in its activity log and yours."
        }
        "suspend" => "The workspace was suspended.",
        "resume" => "The workspace was resumed.",
        "created" => "The workspace is being created for the client.",
        "approve" => "The provider now has access for the days it asked.",
        "decline" => "The request was declined.",
        "revoke" => "The provider's access was ended.",
        _ => return None,
    })
}

fn grants_table(grants: &[Grant], now: i64, who: &Identity, provider_side: bool) -> Markup {
    let operator = who.account.role.can_manage_resources();
    html! {
        (scroll_table("Access", html! {
            table {
                thead { tr {
                    th { @if provider_side { "Client" } @else { "Provider" } }
                    th { "Status" } th { "Days" } th { "Reason" } th { "Asked" } th { "Ends" } th { span.visually-hidden { "Actions" } }
                } }
                tbody {
                    @for g in grants {
                        tr {
                            td { @if provider_side { (g.client_name) } @else { (g.provider_name) } }
                            td { (Badge(g.state(now))) }
                            td { (g.days) }
                            td { (g.reason) }
                            td { (Date(&g.created_at)) }
                            td { @if let Some(e) = &g.expires_at { (Date(e)) } @else { "—" } }
                            td {
                                @if provider_side && operator && (g.status == "requested" || g.active(now)) {
                                    form.inline method="post" action={ "/msp/grants/" (g.id) "/revoke" } {
                                        (csrf_field(Some(who)))
                                        button.secondary type="submit" { @if g.status == "requested" { "Withdraw" } @else { "End access" } }
                                    }
                                }
                                @if !provider_side && who.account.role == Role::Owner {
                                    @if g.status == "requested" {
                                        form.inline method="post" action={ "/cloud/access/" (g.id) "/approve" } {
                                            (csrf_field(Some(who)))
                                            button type="submit" { "Approve " (g.days) " days" }
                                        }
                                        " "
                                        form.inline method="post" action={ "/cloud/access/" (g.id) "/decline" } {
                                            (csrf_field(Some(who)))
                                            button.secondary type="submit" { "Decline" }
                                        }
                                    } @else if g.active(now) {
                                        form.inline method="post" action={ "/cloud/access/" (g.id) "/revoke" } {
                                            (csrf_field(Some(who)))
                                            button.danger type="submit" { "End access" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }))
    }
}

fn request_fields(errors: &[(String, String)]) -> Markup {
    html! {
        label for="access-days" { "Days of access (1 to " (MAX_DAYS) ")" }
        (field_error(errors, "days"))
        input type="number" id="access-days" name="days" min="1" max=(MAX_DAYS) value="30" required;
        label for="access-reason" { "Why you need it (the client's owner reads this)" }
        (field_error(errors, "reason"))
        textarea id="access-reason" name="reason" rows="2" maxlength="500" required {}
    }
}

/// A table of a client's workspaces with suspend/resume and a checkbox for bulk actions.
fn operated_tenants(who: &Identity, client: &str, tenants: &[Tenant], bulk: bool) -> Markup {
    html! {
        (scroll_table("Client workspaces", html! {
            table {
                thead { tr { @if bulk { th { span.visually-hidden { "Choose" } } } th { "Workspace" } th { "Address" } th { "Status" } th { span.visually-hidden { "Actions" } } } }
                tbody {
                    @for t in tenants {
                        tr {
                            @if bulk { td { input type="checkbox" name="tenant" value=(t.id) form="bulk" aria-label={ "Choose " (t.slug) }; } }
                            td { (t.name) }
                            td { (t.hostname) }
                            td { (Badge(&t.status)) }
                            td {
                                @if !client.is_empty() {
                                    @let step = if t.status == "suspended" { "resume" } else { "suspend" };
                                    @if t.status == "active" || t.status == "suspended" {
                                        form.inline method="post" action={ "/msp/clients/" (client) "/tenants/" (t.id) "/" (step) } {
                                            (csrf_field(Some(who)))
                                            button.secondary type="submit" { @if step == "resume" { "Resume" } @else { "Suspend" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }))
        (list_cut(tenants.len(), None))
    }
}

/// `/msp`: clients, access asked and given, and the workspaces of clients under access.
pub fn clients(
    shell: &Shell,
    who: &Identity,
    p: &MspPage,
    done: Option<&str>,
    errors: &[(String, String)],
    now: i64,
) -> Markup {
    let operator = who.account.role.can_manage_resources();
    page(
        shell,
        "MSP",
        html! {
            h1 { (who.account.account_name) }
            p.muted { "Provider account · " (p.clients.len()) " clients" }
            (flash(done_words(done)))
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="access-problems" {
                    h2 id="access-problems" { "Nothing was asked" }
                    ul { @for (_, msg) in errors { li { (msg) } } }
                }
            }
            h2 { "Clients" }
            (clients_table(&p.clients))
            h2 { "Access" }
            p.muted { "You see and act on a client's workspaces only while its owner has given you access. Access ends by itself, and either side can end it earlier." }
            @if p.grants.is_empty() { p { "No access asked for yet." } } @else { (grants_table(&p.grants, now, who, true)) }
            @if operator {
                form.panel method="post" action="/msp/access" novalidate {
                    (csrf_field(Some(who)))
                    h3 { "Ask a customer for access" }
                    label for="access-email" { "Email of the customer account's owner" }
                    (field_error(errors, "email"))
                    input type="email" id="access-email" name="email" autocomplete="off" required;
                    (request_fields(errors))
                    button type="submit" { "Ask for access" }
                }
            }
            h2 { "Client workspaces" }
            @if p.tenants.is_empty() {
                p { "No client has given you access to its workspaces right now." }
            } @else {
                (operated_tenants(who, "", &p.tenants, operator))
                @if operator {
                    form id="bulk" method="post" action="/msp/bulk" {
                        (csrf_field(Some(who)))
                        label for="bulk-action" { "With the chosen workspaces" }
                        select id="bulk-action" name="action" {
                            option value="suspend" { "Suspend" }
                            option value="resume" { "Resume" }
                        }
                        button type="submit" { "Apply to each" }
                    }
                }
            }
        },
    )
}

/// `/msp/clients/{id}`: one client; its workspaces and actions while access runs.
pub fn client(
    shell: &Shell,
    who: &Identity,
    c: &MspClient,
    done: Option<&str>,
    now: i64,
) -> Markup {
    let operator = who.account.role.can_manage_resources();
    let access = c.grants.iter().find(|g| g.active(now));
    page(
        shell,
        &c.client.name,
        html! {
            p { a href="/msp" { "← Clients" } }
            h1 { (c.client.name) }
            (flash(done_words(done)))
            @match access {
                Some(g) => {
                    p { "Access given until " (Date(g.expires_at.as_deref().unwrap_or_default())) " — " (g.reason) }
                    @if operator {
                        form.inline method="post" action={ "/msp/clients/" (c.client.id) "/enter" } {
                            (csrf_field(Some(who)))
                            button type="submit" { "Enter the client's context" }
                        }
                    }
                    h2 { "Workspaces" }
                    (operated_tenants(who, if operator { &c.client.id } else { "" }, &c.tenants, false))
                    @if operator {
                        form.panel method="post" action={ "/msp/clients/" (c.client.id) "/tenants" } {
                            (csrf_field(Some(who)))
                            h3 { "Create a workspace for the client" }
                            label for="new-name" { "Display name" }
                            input id="new-name" name="name" required maxlength="80";
                            label for="new-slug" { "Address (slug)" }
                            input id="new-slug" name="slug" required maxlength="63" autocapitalize="none" spellcheck="false";
                            label for="new-template" { "Template" }
                            select id="new-template" name="template" {
                                option value="tpl_basic_19" { "Basic, Odoo 19" }
                                option value="tpl_pro_19" { "Pro, Odoo 19" }
                                option value="tpl_basic_18" { "Basic, Odoo 18" }
                                option value="tpl_pro_18" { "Pro, Odoo 18" }
                            }
                            button type="submit" { "Create" }
                        }
                    }
                }
                None => {
                    p { "You have no access to this client right now, so its workspaces are not shown." }
                    @if operator {
                        form.panel method="post" action={ "/msp/clients/" (c.client.id) "/access" } novalidate {
                            (csrf_field(Some(who)))
                            h3 { "Ask for access" }
                            (request_fields(&[]))
                            button type="submit" { "Ask for access" }
                        }
                    }
                }
            }
            @if !c.grants.is_empty() {
                h2 { "Access asked" }
                (grants_table(&c.grants, now, who, true))
            }
        },
    )
}

/// The result of a bulk action, one row per workspace.
pub fn bulk_results(shell: &Shell, step: Step, results: &[Outcome]) -> Markup {
    page(
        shell,
        "Bulk action",
        html! {
            p { a href="/msp" { "← Clients" } }
            h1 { (step.as_str()) " — results" }
            (scroll_table("Results", html! {
                table {
                    thead { tr { th { "Workspace" } th { "Result" } th { "Detail" } } }
                    tbody {
                        @for r in results {
                            tr { td { code { (r.tenant) } } td { (Badge(r.outcome)) } td { (r.detail) } }
                        }
                    }
                }
            }))
        },
    )
}

/// `/cloud/access`: who manages the account, and the access asked of it.
pub fn access(
    shell: &Shell,
    who: &Identity,
    grants: &[Grant],
    done: Option<&str>,
    now: i64,
) -> Markup {
    let managing: Vec<&Grant> = grants.iter().filter(|g| g.active(now)).collect();
    page(
        shell,
        "Provider access",
        html! {
            p { a href="/cloud" { "← Pulse Cloud" } }
            h1 { "Provider access" }
            (flash(done_words(done)))
            @if managing.is_empty() {
                p { "No provider has access to this account's workspaces now." }
            } @else {
                p { "Managed by " @for (i, g) in managing.iter().enumerate() { @if i > 0 { ", " } strong { (g.provider_name) } " (until " (Date(g.expires_at.as_deref().unwrap_or_default())) ")" } "." }
            }
            p.muted { "A provider (MSP) asks for access for some days; while it lasts its operators see and run this account's workspaces, and everything they do is in the activity log. Owners approve, decline or end it at any time." }
            @if grants.is_empty() { p { "No provider has asked for access." } } @else { (grants_table(grants, now, who, false)) }
        },
    )
}

/// The email asking a customer's owner for access.
pub fn request_mail(to: &str, provider: &str, days: i64, reason: &str, origin: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: format!("{provider} asks for access to your Pulse workspaces"),
        text: format!(
            "Hello,\n\n{provider} asks for {days} days of access to your account's Pulse Cloud workspaces: {reason}\n\nApprove or decline at {origin}/cloud/access (signed in as an owner). Access ends by itself after {days} days, and you can end it at any time.\n"
        ),
        html: html! {
            p { "Hello," }
            p { strong { (provider) } " asks for " (days) " days of access to your account's Pulse Cloud workspaces: " (reason) }
            p { a href={ (origin) "/cloud/access" } { "Approve or decline" } " (signed in as an owner). Access ends by itself after " (days) " days, and you can end it at any time." }
        }
        .into_string(),
    }
}
