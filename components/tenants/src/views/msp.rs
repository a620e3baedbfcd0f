//! The MSP provider pages, and the client's page about the access it gives.

use maud::{Markup, html};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::{Identity, Role};
use pulse_core::store::grants::{Grant, MAX_DAYS};
use pulse_core::store::lifecycle::Step;
use pulse_core::store::outbox::Mail;
use pulse_core::store::overview::{MspClient, MspPage};
use pulse_core::store::tenants::Tenant;
use pulse_core::views::partials::{clients_table, list_cut};
use pulse_core::views::{
    Badge, Date, Shell, csrf_field, field_error, flash, page, scroll_table, status_words,
};

use crate::handlers::msp::Outcome;
use pulse_core::views::translated_errors;

fn done_words(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "requested" => msg(
            "If that address owns a customer account, its owners have been asked for access; the request is listed below.",
        ),
        "revoked" => msg("The access was ended."),
        "entered" => msg(
            "You are in the client's context: what you do here is in its activity log and yours.",
        ),
        "suspend" => msg("The workspace was suspended."),
        "resume" => msg("The workspace was resumed."),
        "created" => msg("The workspace is being created for the client."),
        "approve" => msg("The provider now has access for the days it asked."),
        "decline" => msg("The request was declined."),
        "revoke" => msg("The provider's access was ended."),
        _ => return None,
    })
}

/// A grant's state as its badge names it (the states the shared badge list lacks marked for
/// the catalog).
fn grant_state(g: &Grant, now: i64) -> &str {
    match g.state(now) {
        "requested" => msg("requested"),
        "declined" => msg("declined"),
        "revoked" => msg("revoked"),
        other => other,
    }
}

fn grants_table(
    l: Reader,
    grants: &[Grant],
    now: i64,
    who: &Identity,
    provider_side: bool,
) -> Markup {
    let operator = who.account.role.can_manage_resources();
    html! {
        (scroll_table(l.tr("Access"), html! {
            table {
                thead { tr {
                    th { @if provider_side { (l.tr("Client")) } @else { (l.tr("Provider")) } }
                    th { (l.tr("Status")) } th { (l.tr("Days")) } th { (l.tr("Reason")) } th { (l.tr("Asked")) } th { (l.tr("Ends")) } th { span.visually-hidden { (l.tr("Actions")) } }
                } }
                tbody {
                    @for g in grants {
                        tr {
                            td { @if provider_side { (g.client_name) } @else { (g.provider_name) } }
                            td { (Badge(grant_state(g, now), l)) }
                            td { (g.days) }
                            td { (g.reason) }
                            td { (Date(&g.created_at, l)) }
                            td { @if let Some(e) = &g.expires_at { (Date(e, l)) } @else { "—" } }
                            td {
                                @if provider_side && operator && (g.status == "requested" || g.active(now)) {
                                    form.inline method="post" action={ "/msp/grants/" (g.id) "/revoke" } {
                                        (csrf_field(Some(who)))
                                        button.secondary type="submit" { @if g.status == "requested" { (l.tr("Withdraw")) } @else { (l.tr("End access")) } }
                                    }
                                }
                                @if !provider_side && who.account.role == Role::Owner {
                                    @if g.status == "requested" {
                                        form.inline method="post" action={ "/cloud/access/" (g.id) "/approve" } {
                                            (csrf_field(Some(who)))
                                            button type="submit" { (l.fill("Approve {days} days", &[("days", &g.days.to_string())])) }
                                        }
                                        " "
                                        form.inline method="post" action={ "/cloud/access/" (g.id) "/decline" } {
                                            (csrf_field(Some(who)))
                                            button.secondary type="submit" { (l.tr("Decline")) }
                                        }
                                    } @else if g.active(now) {
                                        form.inline method="post" action={ "/cloud/access/" (g.id) "/revoke" } {
                                            (csrf_field(Some(who)))
                                            button.danger type="submit" { (l.tr("End access")) }
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

fn request_fields(l: Reader, errors: &[(String, String)]) -> Markup {
    html! {
        label for="access-days" { (l.fill("Days of access (1 to {max})", &[("max", &MAX_DAYS.to_string())])) }
        (field_error(errors, "days"))
        input type="number" id="access-days" name="days" min="1" max=(MAX_DAYS) value="30" required;
        label for="access-reason" { (l.tr("Why you need it (the client's owner reads this)")) }
        (field_error(errors, "reason"))
        textarea id="access-reason" name="reason" rows="2" maxlength="500" required {}
    }
}

/// A table of a client's workspaces with suspend/resume and a checkbox for bulk actions.
fn operated_tenants(
    l: Reader,
    who: &Identity,
    client: &str,
    tenants: &[Tenant],
    bulk: bool,
) -> Markup {
    html! {
        (scroll_table(l.tr("Client workspaces"), html! {
            table {
                thead { tr { @if bulk { th { span.visually-hidden { (l.tr("Choose")) } } } th { (l.tr("Workspace")) } th { (l.tr("Address")) } th { (l.tr("Status")) } th { span.visually-hidden { (l.tr("Actions")) } } } }
                tbody {
                    @for t in tenants {
                        tr {
                            @if bulk { td { input type="checkbox" name="tenant" value=(t.id) form="bulk" aria-label=(l.fill("Choose {workspace}", &[("workspace", &t.slug)])); } }
                            td { (t.name) }
                            td { (t.hostname) }
                            td { (Badge(&t.status, l)) }
                            td {
                                @if !client.is_empty() {
                                    @let step = if t.status == "suspended" { "resume" } else { "suspend" };
                                    @if t.status == "active" || t.status == "suspended" {
                                        form.inline method="post" action={ "/msp/clients/" (client) "/tenants/" (t.id) "/" (step) } {
                                            (csrf_field(Some(who)))
                                            button.secondary type="submit" { @if step == "resume" { (l.tr("Resume")) } @else { (l.tr("Suspend")) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }))
        (list_cut(l, tenants.len(), None))
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
    let l = shell.reader;
    let operator = who.account.role.can_manage_resources();
    let errors = translated_errors(l, errors);
    let count = i64::try_from(p.clients.len()).unwrap_or(i64::MAX);
    page(
        shell,
        msg("MSP"),
        html! {
            h1 { (who.account.account_name) }
            p.muted { (l.fill("Provider account · {count} clients", &[("count", &l.count(count))])) }
            (flash(done_words(done).map(|m| l.tr(m))))
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="access-problems" {
                    h2 id="access-problems" { (l.tr("Nothing was asked")) }
                    ul { @for (_, msg) in &errors { li { (msg) } } }
                }
            }
            h2 { (l.tr("Clients")) }
            (clients_table(l, &p.clients))
            h2 { (l.tr("Access")) }
            p.muted { (l.tr("You see and act on a client's workspaces only while its owner has given you access. Access ends by itself, and either side can end it earlier.")) }
            @if p.grants.is_empty() { p { (l.tr("No access asked for yet.")) } } @else { (grants_table(l, &p.grants, now, who, true)) }
            @if operator {
                form.panel method="post" action="/msp/access" novalidate {
                    (csrf_field(Some(who)))
                    h3 { (l.tr("Ask a customer for access")) }
                    label for="access-email" { (l.tr("Email of the customer account's owner")) }
                    (field_error(&errors, "email"))
                    input type="email" id="access-email" name="email" autocomplete="off" required;
                    (request_fields(l, &errors))
                    button type="submit" { (l.tr("Ask for access")) }
                }
            }
            h2 { (l.tr("Client workspaces")) }
            @if p.tenants.is_empty() {
                p { (l.tr("No client has given you access to its workspaces right now.")) }
            } @else {
                (operated_tenants(l, who, "", &p.tenants, operator))
                @if operator {
                    form id="bulk" method="post" action="/msp/bulk" {
                        (csrf_field(Some(who)))
                        label for="bulk-action" { (l.tr("With the chosen workspaces")) }
                        select id="bulk-action" name="action" {
                            option value="suspend" { (l.tr("Suspend")) }
                            option value="resume" { (l.tr("Resume")) }
                        }
                        button type="submit" { (l.tr("Apply to each")) }
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
    let l = shell.reader;
    let operator = who.account.role.can_manage_resources();
    let access = c.grants.iter().find(|g| g.active(now));
    page(
        shell,
        &c.client.name,
        html! {
            p { a href="/msp" { "← " (l.tr("Clients")) } }
            h1 { (c.client.name) }
            (flash(done_words(done).map(|m| l.tr(m))))
            @match access {
                Some(g) => {
                    p { (l.tr("Access given until")) " " (Date(g.expires_at.as_deref().unwrap_or_default(), l)) " — " (g.reason) }
                    @if operator {
                        form.inline method="post" action={ "/msp/clients/" (c.client.id) "/enter" } {
                            (csrf_field(Some(who)))
                            button type="submit" { (l.tr("Enter the client's context")) }
                        }
                    }
                    h2 { (l.tr("Workspaces")) }
                    (operated_tenants(l, who, if operator { &c.client.id } else { "" }, &c.tenants, false))
                    @if operator {
                        form.panel method="post" action={ "/msp/clients/" (c.client.id) "/tenants" } {
                            (csrf_field(Some(who)))
                            h3 { (l.tr("Create a workspace for the client")) }
                            label for="new-name" { (l.tr("Display name")) }
                            input id="new-name" name="name" required maxlength="80";
                            label for="new-slug" { (l.tr("Address (slug)")) }
                            input id="new-slug" name="slug" required maxlength="63" autocapitalize="none" spellcheck="false";
                            label for="new-template" { (l.tr("Template")) }
                            select id="new-template" name="template" {
                                option value="tpl_basic_19" { "Basic, Odoo 19" }
                                option value="tpl_pro_19" { "Pro, Odoo 19" }
                                option value="tpl_basic_18" { "Basic, Odoo 18" }
                                option value="tpl_pro_18" { "Pro, Odoo 18" }
                            }
                            button type="submit" { (l.tr("Create")) }
                        }
                    }
                }
                None => {
                    p { (l.tr("You have no access to this client right now, so its workspaces are not shown.")) }
                    @if operator {
                        form.panel method="post" action={ "/msp/clients/" (c.client.id) "/access" } novalidate {
                            (csrf_field(Some(who)))
                            h3 { (l.tr("Ask for access")) }
                            (request_fields(l, &[]))
                            button type="submit" { (l.tr("Ask for access")) }
                        }
                    }
                }
            }
            @if !c.grants.is_empty() {
                h2 { (l.tr("Access asked")) }
                (grants_table(l, &c.grants, now, who, true))
            }
        },
    )
}

/// The result of a bulk action, one row per workspace.
pub fn bulk_results(shell: &Shell, step: Step, results: &[Outcome]) -> Markup {
    let l = shell.reader;
    let heading = match step {
        Step::Suspend => msg("suspend — results"),
        Step::Resume => msg("resume — results"),
        Step::Delete => msg("delete — results"),
        Step::Restore => msg("restore — results"),
    };
    page(
        shell,
        msg("Bulk action"),
        html! {
            p { a href="/msp" { "← " (l.tr("Clients")) } }
            h1 { (l.tr(heading)) }
            (scroll_table(l.tr("Results"), html! {
                table {
                    thead { tr { th { (l.tr("Workspace")) } th { (l.tr("Result")) } th { (l.tr("Detail")) } } }
                    tbody {
                        @for r in results {
                            tr {
                                td { code { (r.tenant) } }
                                td { (Badge(r.outcome, l)) }
                                td { @if r.outcome == "done" { (status_words(&r.detail, l)) } @else { (l.tr(&r.detail)) } }
                            }
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
    let l = shell.reader;
    let managing: Vec<&Grant> = grants.iter().filter(|g| g.active(now)).collect();
    page(
        shell,
        msg("Provider access"),
        html! {
            p { a href="/cloud" { "← " (l.tr("Pulse Cloud")) } }
            h1 { (l.tr("Provider access")) }
            (flash(done_words(done).map(|m| l.tr(m))))
            @if managing.is_empty() {
                p { (l.tr("No provider has access to this account's workspaces now.")) }
            } @else {
                p { (l.tr("Managed by")) " " @for (i, g) in managing.iter().enumerate() { @if i > 0 { ", " } strong { (g.provider_name) } " (" (l.tr("until")) " " (Date(g.expires_at.as_deref().unwrap_or_default(), l)) ")" } "." }
            }
            p.muted { (l.tr("A provider (MSP) asks for access for some days; while it lasts its operators see and run this account's workspaces, and everything they do is in the activity log. Owners approve, decline or end it at any time.")) }
            @if grants.is_empty() { p { (l.tr("No provider has asked for access.")) } } @else { (grants_table(l, grants, now, who, false)) }
        },
    )
}

/// The email asking a customer's owner for access, in the owner's language (`r`).
pub fn request_mail(
    r: Reader,
    to: &str,
    provider: &str,
    days: i64,
    reason: &str,
    origin: &str,
) -> Mail {
    let days = days.to_string();
    let values = [
        ("provider", provider),
        ("days", days.as_str()),
        ("reason", reason),
        ("origin", origin),
    ];
    Mail {
        to: to.to_string(),
        subject: r.fill("{provider} asks for access to your Pulse workspaces", &values),
        text: format!(
            "{}\n\n{}\n\n{}\n",
            r.tr("Hello,"),
            r.fill(
                "{provider} asks for {days} days of access to your account's Pulse Cloud workspaces: {reason}",
                &values
            ),
            r.fill(
                "Approve or decline at {origin}/cloud/access (signed in as an owner). Access ends by itself after {days} days, and you can end it at any time.",
                &values
            ),
        ),
        html: html! {
            p { (r.tr("Hello,")) }
            p { strong { (provider) } " " (r.fill("asks for {days} days of access to your account's Pulse Cloud workspaces: {reason}", &values)) }
            p { a href={ (origin) "/cloud/access" } { (r.tr("Approve or decline")) } " " (r.fill("(signed in as an owner). Access ends by itself after {days} days, and you can end it at any time.", &values)) }
        }
        .into_string(),
    }
}
