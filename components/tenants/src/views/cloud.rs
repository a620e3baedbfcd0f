//! Pulse Cloud pages.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::lifecycle::Step;
use pulse_core::store::tenants::{Detail, Template, Tenant};
use pulse_core::time::{date_part, parse_rfc3339};
use pulse_core::views::{Badge, Date, Shell, csrf_field, field_error, flash, page};

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

/// What a status means, in words.
fn status_words(t: &Tenant) -> String {
    match t.status.as_str() {
        "provisioning" => {
            "Being created: it opens as soon as the provisioner reports it ready.".into()
        }
        "active" => "Running.".into(),
        "suspended" => "Suspended: not served, its data kept. Resume it to open it again.".into(),
        "deleting" => format!(
            "Waiting for deletion on {}. Until then it can be restored with its data.",
            t.delete_after.as_deref().map(date_part).unwrap_or_default()
        ),
        "failed" => {
            "A provisioning step failed. Contact support, or delete it and start again.".into()
        }
        other => other.replace('_', " "),
    }
}

/// The lifecycle steps a workspace in this status offers.
fn steps(status: &str) -> &'static [(&'static str, &'static str)] {
    match status {
        "active" => &[("suspend", "Suspend"), ("delete", "Delete")],
        "suspended" => &[("resume", "Resume"), ("delete", "Delete")],
        "failed" => &[("delete", "Delete")],
        "deleting" => &[("restore", "Restore")],
        _ => &[],
    }
}

/// What the settings forms were sent with, and what to fix, when a change was refused.
#[derive(Debug, Default)]
pub struct SettingsForm<'a> {
    /// The display name typed.
    pub name: Option<&'a str>,
    /// The alias label typed.
    pub alias: Option<&'a str>,
    /// Field name (`name`, `alias`, `copy`) and message for each problem.
    pub errors: Vec<(String, String)>,
}

/// The alias label of a host name on `alias_domain`.
fn alias_label<'a>(aliases: &'a [String], alias_domain: &str) -> Option<&'a str> {
    aliases
        .iter()
        .find_map(|a| a.strip_suffix(&format!(".{alias_domain}")))
}

/// One tenant: its state, the lifecycle steps and, for those who manage it, its settings
/// (display name, production alias, test copies).
pub fn detail(
    shell: &Shell,
    d: &Detail,
    done: Option<&str>,
    alias_domain: &str,
    form: &SettingsForm<'_>,
    now: i64,
) -> Markup {
    let t = &d.tenant;
    let done = match (done, t.status.as_str()) {
        (Some("created"), "provisioning") => {
            Some("The workspace is being created. This page shows when it is ready.")
        }
        (Some("created"), _) => Some("The workspace was created."),
        (Some("suspend"), _) => Some("The workspace was suspended."),
        (Some("resume"), _) => Some("The workspace was resumed."),
        (Some("delete"), _) => Some(
            "The workspace will be deleted when the grace period ends. You can restore it until then.",
        ),
        (Some("restore"), _) => Some("The workspace was restored."),
        (Some("renamed"), _) => Some("The display name was changed."),
        (Some("alias"), _) => Some("The production alias was changed."),
        (Some("copy"), _) => Some("The test copy is being made; outgoing mail is off in it."),
        (Some("backup"), _) => Some("The backup is being made; it appears below when it is ready."),
        _ => None,
    };
    let manage = shell
        .identity
        .is_some_and(|who| who.account.role.can_manage_resources());
    let error = |field: &str| form.errors.iter().any(|(f, _)| f == field);
    let current_alias = alias_label(&d.aliases, alias_domain).unwrap_or_default();
    page(
        shell,
        &t.name,
        html! {
            p { a href="/cloud" { "← Pulse Cloud" } }
            (flash(done))
            @if !form.errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="settings-problems" {
                    h2 id="settings-problems" { "Nothing was changed" }
                    ul { @for (field, msg) in &form.errors { li { a href={ "#settings-" (field) } { (msg) } } } }
                }
            }
            h1 { (t.name) " " (Badge(&t.status)) }
            p { (status_words(t)) }
            @if t.provisioned_locally {
                p.muted { "Provisioned locally: no provisioner is configured, so the portal completed the steps itself." }
            }
            dl {
                dt { "Address" } dd { "https://" (t.hostname) "/" }
                @for a in &d.aliases { dt { "Alias" } dd { "https://" (a) "/" } }
                dt { "Plan" } dd { (t.plan) }
                dt { "Region" } dd { (t.region) }
                dt { "Created" } dd { (Date(&t.created_at)) }
                dt { "Id" } dd { code { (t.id) } }
            }
            @if t.status == "active" {
                p { a.button href={ "https://" (t.hostname) "/" } { "Open workspace" } }
            }
            p { a href={ "/cloud/" (t.id) "/integrations" } { "Integrations of this workspace" } }
            @if manage && !steps(&t.status).is_empty() {
                section aria-labelledby="lifecycle-title" {
                    h2 id="lifecycle-title" { "Manage" }
                    p {
                        @for (step, label) in steps(&t.status) {
                            a.button.secondary href={ "/cloud/" (t.id) "/" (step) } { (label) span.visually-hidden { " " (t.name) } }
                            " "
                        }
                    }
                }
            }
            @if manage {
                section aria-labelledby="settings-title" {
                    h2 id="settings-title" { "Settings" }
                    form.panel method="post" action={ "/cloud/" (t.id) "/rename" } novalidate {
                        (csrf_field(shell.identity))
                        label for="settings-name" { "Display name" }
                        (field_error(&form.errors, "name"))
                        input type="text" id="settings-name" name="name" value=(form.name.unwrap_or(&t.name)) maxlength="80" required
                            aria-invalid=[error("name").then_some("true")]
                            aria-describedby=[error("name").then_some("name-error")];
                        button type="submit" { "Rename" }
                    }
                    @if t.status == "active" {
                        form.panel method="post" action={ "/cloud/" (t.id) "/alias" } novalidate {
                            (csrf_field(shell.identity))
                            label for="settings-alias" { "Production alias" }
                            p.muted id="alias-hint" { "An extra address on " code { (alias_domain) } " that reads as production. Leave it empty to remove the alias." }
                            (field_error(&form.errors, "alias"))
                            span.input-suffix {
                                input type="text" id="settings-alias" name="alias" value=(form.alias.unwrap_or(current_alias)) maxlength="63"
                                    autocapitalize="none" spellcheck="false"
                                    aria-invalid=[error("alias").then_some("true")]
                                    aria-describedby={ "alias-hint" @if error("alias") { " alias-error" } };
                                " ." (alias_domain)
                            }
                            button type="submit" { "Save alias" }
                        }
                    }
                }
            }
            section aria-labelledby="copies-title" {
                h2 id="copies-title" { "Test copies" }
                p.muted { "A copy of the workspace to try things in: outgoing mail is off, and it is removed after 15 days. At most five at a time." }
                @if d.copies.is_empty() {
                    p { "No test copies." }
                } @else {
                    ul.plain {
                        @for c in &d.copies {
                            li {
                                "https://" (c.hostname) "/ "
                                @if parse_rfc3339(&c.expires_at).is_some_and(|e| e <= now) {
                                    (Badge("expired"))
                                } @else {
                                    (Badge(&c.status)) " until " (Date(&c.expires_at))
                                }
                                " · outgoing mail " @if c.mail_enabled { "on" } @else { "off" }
                            }
                        }
                    }
                }
                @if manage && t.status == "active" {
                    form method="post" action={ "/cloud/" (t.id) "/copies" } {
                        (csrf_field(shell.identity))
                        (field_error(&form.errors, "copy"))
                        button.secondary id="settings-copy" type="submit" { "Make a test copy" }
                    }
                }
            }
            @if manage {
                section aria-labelledby="backups-title" {
                    h2 id="backups-title" { "Backups" }
                    p.muted { "A backup can be downloaded for seven days after it is asked for." }
                    @if d.backups.is_empty() {
                        p { "No backups yet." }
                    } @else {
                        ul.plain {
                            @for b in &d.backups {
                                li {
                                    (Date(&b.created_at)) " "
                                    @if parse_rfc3339(&b.expires_at).is_some_and(|e| e <= now) {
                                        (Badge("expired"))
                                    } @else if b.status == "ready" {
                                        (Badge("ready")) " "
                                        a href={ "/cloud/" (t.id) "/backups/" (b.id) "/download" } download {
                                            "Download" @if let Some(size) = b.size_bytes { " (" (size) " bytes)" }
                                        }
                                        " until " (Date(&b.expires_at))
                                    } @else {
                                        (Badge(&b.status))
                                    }
                                }
                            }
                        }
                    }
                    @if t.status == "active" {
                        form method="post" action={ "/cloud/" (t.id) "/backups" } {
                            (csrf_field(shell.identity))
                            (field_error(&form.errors, "backup"))
                            button.secondary id="settings-backup" type="submit" { "Back up now" }
                        }
                    }
                }
            }
        },
    )
}

/// The create form as the person filled it, with what to fix.
#[derive(Debug, Default)]
pub struct CreateForm<'a> {
    /// Display name typed.
    pub name: &'a str,
    /// Slug typed.
    pub slug: &'a str,
    /// Template chosen.
    pub template: &'a str,
    /// Field name and message for each problem (`plan` for the allowance).
    pub errors: Vec<(String, String)>,
    /// The first step after creating an account.
    pub welcome: bool,
}

/// The templates and the form that creates a workspace from one.
pub fn create_form(
    shell: &Shell,
    who: &Identity,
    templates: &[Template],
    form: &CreateForm<'_>,
) -> Markup {
    let error = |field: &str| form.errors.iter().any(|(f, _)| f == field);
    let chosen = if form.template.is_empty() {
        templates.first().map(|t| t.id.as_str()).unwrap_or_default()
    } else {
        form.template
    };
    page(
        shell,
        "Create a workspace",
        html! {
            p { a href="/cloud" { "← Pulse Cloud" } }
            h1 { "Create a workspace" }
            @if form.welcome {
                p.flash role="status" { (who.account.account_name) " is ready, and you are its owner. Start your first workspace now, or later from Pulse Cloud." }
            }
            @if !form.errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="create-problems" {
                    h2 id="create-problems" { "The workspace was not created" }
                    ul { @for (field, msg) in &form.errors { li { a href={ "#create-" (field) } { (msg) } } } }
                }
            }
            form.panel method="post" action="/cloud/new" novalidate {
                (csrf_field(Some(who)))
                @if error("plan") {
                    p.field-error id="create-plan" { (form.errors.iter().find(|(f, _)| f == "plan").map(|(_, m)| m.as_str()).unwrap_or_default()) }
                }
                label for="create-name" { "Display name" }
                (field_error(&form.errors, "name"))
                input type="text" id="create-name" name="name" value=(form.name) maxlength="80" required
                    aria-invalid=[error("name").then_some("true")]
                    aria-describedby=[error("name").then_some("name-error")];
                label for="create-slug" { "Address" }
                p.muted id="slug-hint" { "The workspace's web address: " code { "name.planapulse.app" } ". Lower-case letters, digits and hyphens, 3 to 63 characters." }
                (field_error(&form.errors, "slug"))
                input type="text" id="create-slug" name="slug" value=(form.slug) maxlength="63" required
                    autocapitalize="none" spellcheck="false" pattern="[a-z0-9]([a-z0-9-]*[a-z0-9])?"
                    aria-invalid=[error("slug").then_some("true")]
                    aria-describedby={ "slug-hint" @if error("slug") { " slug-error" } };
                fieldset id="create-template" {
                    legend { "Template" }
                    (field_error(&form.errors, "template"))
                    @for t in templates {
                        div.choice {
                            input type="radio" id={ "template-" (t.id) } name="template" value=(t.id) checked[t.id == chosen];
                            label for={ "template-" (t.id) } { strong { (t.name) } " — " (t.edition) " edition on Odoo " (t.odoo_version) }
                        }
                    }
                }
                button type="submit" { "Create workspace" }
            }
        },
    )
}

/// The confirmation page of a lifecycle step, with the reason when it was refused.
pub fn confirm(
    shell: &Shell,
    who: &Identity,
    t: &Tenant,
    step: Step,
    problem: Option<&str>,
) -> Markup {
    let (title, what, button) = match step {
        Step::Suspend => (
            "Suspend",
            "Nobody can open the workspace while it is suspended. Its data is kept, and you can resume it at any time.",
            "Suspend workspace",
        ),
        Step::Resume => (
            "Resume",
            "The workspace opens again at its address, with its data as it was.",
            "Resume workspace",
        ),
        Step::Delete => (
            "Delete",
            "The workspace stops at once and is deleted with its data when the seven-day grace period ends. Until then you can restore it from its page.",
            "Delete workspace",
        ),
        Step::Restore => (
            "Restore",
            "The deletion is cancelled and the workspace returns to the state it was in.",
            "Restore workspace",
        ),
    };
    let destructive = matches!(step, Step::Suspend | Step::Delete);
    page(
        shell,
        &format!("{title} {}", t.name),
        html! {
            p { a href={ "/cloud/" (t.id) } { "← " (t.name) } }
            h1 { (title) " " (t.name) "?" }
            @if let Some(why) = problem {
                div.error-summary role="alert" aria-labelledby="step-problem" {
                    h2 id="step-problem" { "Nothing was changed" }
                    p { (why) }
                }
            }
            p { strong { (t.hostname) } " " (Badge(&t.status)) }
            p { (what) }
            @if step.needs_fresh_verification() {
                p.muted { "For your security this needs a sign-in or an email code from the last ten minutes; we'll ask for one if needed." }
            }
            form.panel method="post" action={ "/cloud/" (t.id) "/" (step.as_str()) } {
                (csrf_field(Some(who)))
                @if step == Step::Delete {
                    label for="confirm-slug" { "Type " code { (t.slug) } " to confirm" }
                    input type="text" id="confirm-slug" name="confirm" autocomplete="off" autocapitalize="none" spellcheck="false" required
                        aria-invalid=[problem.is_some().then_some("true")];
                }
                button.danger[destructive] type="submit" { (button) }
                " "
                a href={ "/cloud/" (t.id) } { "Cancel" }
            }
        },
    )
}
