//! Pulse Cloud pages.

use maud::{Markup, html};
use pulse_core::i18n::{Locale, Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::store::lifecycle::Step;
use pulse_core::store::tenants::{Detail, Template, Tenant};
use pulse_core::time::parse_rfc3339;
use pulse_core::views::{Badge, Date, Shell, csrf_field, field_error, flash, page, status_words};

use pulse_core::views::partials::tenants_table;

use pulse_core::views::{fill_html, translated_errors};

/// The account's tenants.
pub fn list(shell: &Shell, who: &Identity, tenants: &[Tenant]) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("Pulse Cloud"),
        html! {
            h1 { (l.tr("Pulse Cloud")) }
            p.muted { (l.fill("Hosted workspaces of {account}.", &[("account", &who.account.account_name)])) }
            @if tenants.is_empty() {
                p { (l.tr("No workspaces yet.")) }
            } @else {
                (tenants_table(l, tenants, true))
            }
            p { a.button href="/cloud/new" { (l.tr("Create a workspace")) } }
        },
    )
}

/// What a status means, in words.
fn status_meaning(t: &Tenant, l: Reader) -> String {
    match t.status.as_str() {
        "provisioning" => l
            .tr("Being created: it opens as soon as the provisioner reports it ready.")
            .into(),
        "active" => l.tr("Running.").into(),
        "suspended" => l
            .tr("Suspended: not served, its data kept. Resume it to open it again.")
            .into(),
        "deleting" => l.fill(
            "Waiting for deletion on {date}. Until then it can be restored with its data.",
            &[(
                "date",
                &t.delete_after
                    .as_deref()
                    .map(|d| l.day(d))
                    .unwrap_or_default(),
            )],
        ),
        "failed" => l
            .tr("A provisioning step failed. Contact support, or delete it and start again.")
            .into(),
        other => status_words(other, l),
    }
}

const SUSPEND: (&str, &str) = ("suspend", msg("Suspend"));
const RESUME: (&str, &str) = ("resume", msg("Resume"));
const DELETE: (&str, &str) = ("delete", msg("Delete"));
const RESTORE: (&str, &str) = ("restore", msg("Restore"));

/// The lifecycle steps a workspace in this status offers: path segment and button label.
fn steps(status: &str) -> &'static [(&'static str, &'static str)] {
    match status {
        "active" => &[SUSPEND, DELETE],
        "suspended" => &[RESUME, DELETE],
        "failed" => &[DELETE],
        "deleting" => &[RESTORE],
        _ => &[],
    }
}

/// A size in bytes: as digits in English, grouped the reader's way otherwise.
fn byte_count(l: Reader, size: i64) -> String {
    match l.locale {
        Locale::En => size.to_string(),
        Locale::Bg => l.count(size),
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
    let l = shell.reader;
    let t = &d.tenant;
    let done = match (done, t.status.as_str()) {
        (Some("created"), "provisioning") => Some(msg(
            "The workspace is being created. This page shows when it is ready.",
        )),
        (Some("created"), _) => Some(msg("The workspace was created.")),
        (Some("suspend"), _) => Some(msg("The workspace was suspended.")),
        (Some("resume"), _) => Some(msg("The workspace was resumed.")),
        (Some("delete"), _) => Some(msg(
            "The workspace will be deleted when the grace period ends. You can restore it until then.",
        )),
        (Some("restore"), _) => Some(msg("The workspace was restored.")),
        (Some("renamed"), _) => Some(msg("The display name was changed.")),
        (Some("alias"), _) => Some(msg("The production alias was changed.")),
        (Some("copy"), _) => Some(msg(
            "The test copy is being made; outgoing mail is off in it.",
        )),
        (Some("backup"), _) => Some(msg(
            "The backup is being made; it appears below when it is ready.",
        )),
        _ => None,
    };
    let manage = shell
        .identity
        .is_some_and(|who| who.account.role.can_manage_resources());
    let errors = translated_errors(l, &form.errors);
    let error = |field: &str| errors.iter().any(|(f, _)| f == field);
    let current_alias = alias_label(&d.aliases, alias_domain).unwrap_or_default();
    page(
        shell,
        &t.name,
        html! {
            p { a href="/cloud" { "← " (l.tr("Pulse Cloud")) } }
            (flash(done.map(|m| l.tr(m))))
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="settings-problems" {
                    h2 id="settings-problems" { (l.tr("Nothing was changed")) }
                    ul { @for (field, msg) in &errors { li { a href={ "#settings-" (field) } { (msg) } } } }
                }
            }
            h1 { (t.name) " " (Badge(&t.status, l)) }
            p { (status_meaning(t, l)) }
            @if t.provisioned_locally {
                p.muted { (l.tr("Provisioned locally: no provisioner is configured, so the portal completed the steps itself.")) }
            }
            dl {
                dt { (l.tr("Address")) } dd { "https://" (t.hostname) "/" }
                @for a in &d.aliases { dt { (l.tr("Alias")) } dd { "https://" (a) "/" } }
                dt { (l.tr("Plan")) } dd { (t.plan) }
                dt { (l.tr("Region")) } dd { (t.region) }
                dt { (l.tr("Created")) } dd { (Date(&t.created_at, l)) }
                dt { (l.tr("Id")) } dd { code { (t.id) } }
            }
            @if t.status == "active" {
                p { a.button href={ "https://" (t.hostname) "/" } { (l.tr("Open workspace")) } }
            }
            p { a href={ "/cloud/" (t.id) "/integrations" } { (l.tr("Integrations of this workspace")) } }
            @if manage && !steps(&t.status).is_empty() {
                section aria-labelledby="lifecycle-title" {
                    h2 id="lifecycle-title" { (l.tr("Manage")) }
                    p {
                        @for (step, label) in steps(&t.status) {
                            a.button.secondary href={ "/cloud/" (t.id) "/" (step) } { (l.tr(label)) span.visually-hidden { " " (t.name) } }
                            " "
                        }
                    }
                }
            }
            @if manage {
                section aria-labelledby="settings-title" {
                    h2 id="settings-title" { (l.tr("Settings")) }
                    form.panel method="post" action={ "/cloud/" (t.id) "/rename" } novalidate {
                        (csrf_field(shell.identity))
                        label for="settings-name" { (l.tr("Display name")) }
                        (field_error(&errors, "name"))
                        input type="text" id="settings-name" name="name" value=(form.name.unwrap_or(&t.name)) maxlength="80" required
                            aria-invalid=[error("name").then_some("true")]
                            aria-describedby=[error("name").then_some("name-error")];
                        button type="submit" { (l.tr("Rename")) }
                    }
                    @if t.status == "active" {
                        form.panel method="post" action={ "/cloud/" (t.id) "/alias" } novalidate {
                            (csrf_field(shell.identity))
                            label for="settings-alias" { (l.tr("Production alias")) }
                            p.muted id="alias-hint" { (fill_html(l, msg("An extra address on {domain} that reads as production. Leave it empty to remove the alias."), &[("domain", html! { code { (alias_domain) } })])) }
                            (field_error(&errors, "alias"))
                            span.input-suffix {
                                input type="text" id="settings-alias" name="alias" value=(form.alias.unwrap_or(current_alias)) maxlength="63"
                                    autocapitalize="none" spellcheck="false"
                                    aria-invalid=[error("alias").then_some("true")]
                                    aria-describedby={ "alias-hint" @if error("alias") { " alias-error" } };
                                " ." (alias_domain)
                            }
                            button type="submit" { (l.tr("Save alias")) }
                        }
                    }
                }
            }
            section aria-labelledby="copies-title" {
                h2 id="copies-title" { (l.tr("Test copies")) }
                p.muted { (l.tr("A copy of the workspace to try things in: outgoing mail is off, and it is removed after 15 days. At most five at a time.")) }
                @if d.copies.is_empty() {
                    p { (l.tr("No test copies.")) }
                } @else {
                    ul.plain {
                        @for c in &d.copies {
                            li {
                                "https://" (c.hostname) "/ "
                                @if parse_rfc3339(&c.expires_at).is_some_and(|e| e <= now) {
                                    (Badge("expired", l))
                                } @else {
                                    (Badge(&c.status, l)) " " (l.tr("until")) " " (Date(&c.expires_at, l))
                                }
                                " · " (l.tr(if c.mail_enabled { msg("outgoing mail on") } else { msg("outgoing mail off") }))
                            }
                        }
                    }
                }
                @if manage && t.status == "active" {
                    form method="post" action={ "/cloud/" (t.id) "/copies" } {
                        (csrf_field(shell.identity))
                        (field_error(&errors, "copy"))
                        button.secondary id="settings-copy" type="submit" { (l.tr("Make a test copy")) }
                    }
                }
            }
            @if manage {
                section aria-labelledby="backups-title" {
                    h2 id="backups-title" { (l.tr("Backups")) }
                    p.muted { (l.tr("A backup can be downloaded for seven days after it is asked for.")) }
                    @if d.backups.is_empty() {
                        p { (l.tr("No backups yet.")) }
                    } @else {
                        ul.plain {
                            @for b in &d.backups {
                                li {
                                    (Date(&b.created_at, l)) " "
                                    @if parse_rfc3339(&b.expires_at).is_some_and(|e| e <= now) {
                                        (Badge("expired", l))
                                    } @else if b.status == "ready" {
                                        (Badge("ready", l)) " "
                                        a href={ "/cloud/" (t.id) "/backups/" (b.id) "/download" } download {
                                            (l.tr("Download")) @if let Some(size) = b.size_bytes { " (" (l.fill("{size} bytes", &[("size", &byte_count(l, size))])) ")" }
                                        }
                                        " " (l.tr("until")) " " (Date(&b.expires_at, l))
                                    } @else {
                                        (Badge(&b.status, l))
                                    }
                                }
                            }
                        }
                    }
                    @if t.status == "active" {
                        form method="post" action={ "/cloud/" (t.id) "/backups" } {
                            (csrf_field(shell.identity))
                            (field_error(&errors, "backup"))
                            button.secondary id="settings-backup" type="submit" { (l.tr("Back up now")) }
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
    let l = shell.reader;
    let errors = translated_errors(l, &form.errors);
    let error = |field: &str| errors.iter().any(|(f, _)| f == field);
    let chosen = if form.template.is_empty() {
        templates.first().map(|t| t.id.as_str()).unwrap_or_default()
    } else {
        form.template
    };
    page(
        shell,
        msg("Create a workspace"),
        html! {
            p { a href="/cloud" { "← " (l.tr("Pulse Cloud")) } }
            h1 { (l.tr("Create a workspace")) }
            @if form.welcome {
                p.flash role="status" { (l.fill("{account} is ready, and you are its owner. Start your first workspace now, or later from Pulse Cloud.", &[("account", &who.account.account_name)])) }
            }
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="create-problems" {
                    h2 id="create-problems" { (l.tr("The workspace was not created")) }
                    ul { @for (field, msg) in &errors { li { a href={ "#create-" (field) } { (msg) } } } }
                }
            }
            form.panel method="post" action="/cloud/new" novalidate {
                (csrf_field(Some(who)))
                @if error("plan") {
                    p.field-error id="create-plan" { (errors.iter().find(|(f, _)| f == "plan").map(|(_, m)| m.as_str()).unwrap_or_default()) }
                }
                label for="create-name" { (l.tr("Display name")) }
                (field_error(&errors, "name"))
                input type="text" id="create-name" name="name" value=(form.name) maxlength="80" required
                    aria-invalid=[error("name").then_some("true")]
                    aria-describedby=[error("name").then_some("name-error")];
                label for="create-slug" { (l.tr("Address")) }
                p.muted id="slug-hint" { (fill_html(l, msg("The workspace's web address: {example}. Lower-case letters, digits and hyphens, 3 to 63 characters."), &[("example", html! { code { ("name.planapulse.app") } })])) }
                (field_error(&errors, "slug"))
                input type="text" id="create-slug" name="slug" value=(form.slug) maxlength="63" required
                    autocapitalize="none" spellcheck="false" pattern="[a-z0-9]([a-z0-9-]*[a-z0-9])?"
                    aria-invalid=[error("slug").then_some("true")]
                    aria-describedby={ "slug-hint" @if error("slug") { " slug-error" } };
                fieldset id="create-template" {
                    legend { (l.tr("Template")) }
                    (field_error(&errors, "template"))
                    @for t in templates {
                        div.choice {
                            input type="radio" id={ "template-" (t.id) } name="template" value=(t.id) checked[t.id == chosen];
                            label for={ "template-" (t.id) } { strong { (t.name) } " — " (l.fill("{edition} edition on Odoo {version}", &[("edition", &t.edition), ("version", &t.odoo_version)])) }
                        }
                    }
                }
                button type="submit" { (l.tr("Create workspace")) }
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
    let l = shell.reader;
    let (title, question, what, button) = match step {
        Step::Suspend => (
            msg("Suspend {workspace}"),
            msg("Suspend {workspace}?"),
            msg(
                "Nobody can open the workspace while it is suspended. Its data is kept, and you can resume it at any time.",
            ),
            msg("Suspend workspace"),
        ),
        Step::Resume => (
            msg("Resume {workspace}"),
            msg("Resume {workspace}?"),
            msg("The workspace opens again at its address, with its data as it was."),
            msg("Resume workspace"),
        ),
        Step::Delete => (
            msg("Delete {workspace}"),
            msg("Delete {workspace}?"),
            msg(
                "The workspace stops at once and is deleted with its data when the seven-day grace period ends. Until then you can restore it from its page.",
            ),
            msg("Delete workspace"),
        ),
        Step::Restore => (
            msg("Restore {workspace}"),
            msg("Restore {workspace}?"),
            msg("The deletion is cancelled and the workspace returns to the state it was in."),
            msg("Restore workspace"),
        ),
    };
    let named = [("workspace", t.name.as_str())];
    let destructive = matches!(step, Step::Suspend | Step::Delete);
    page(
        shell,
        &l.fill(title, &named),
        html! {
            p { a href={ "/cloud/" (t.id) } { "← " (t.name) } }
            h1 { (l.fill(question, &named)) }
            @if let Some(why) = problem {
                div.error-summary role="alert" aria-labelledby="step-problem" {
                    h2 id="step-problem" { (l.tr("Nothing was changed")) }
                    p { (l.tr(why)) }
                }
            }
            p { strong { (t.hostname) } " " (Badge(&t.status, l)) }
            p { (l.tr(what)) }
            @if step.needs_fresh_verification() {
                p.muted { (l.tr("For your security this needs a sign-in or an email code from the last ten minutes; we'll ask for one if needed.")) }
            }
            form.panel method="post" action={ "/cloud/" (t.id) "/" (step.as_str()) } {
                (csrf_field(Some(who)))
                @if step == Step::Delete {
                    label for="confirm-slug" { (fill_html(l, msg("Type {slug} to confirm"), &[("slug", html! { code { (&t.slug) } })])) }
                    input type="text" id="confirm-slug" name="confirm" autocomplete="off" autocapitalize="none" spellcheck="false" required
                        aria-invalid=[problem.is_some().then_some("true")];
                }
                button.danger[destructive] type="submit" { (l.tr(button)) }
                " "
                a href={ "/cloud/" (t.id) } { (l.tr("Cancel")) }
            }
        },
    )
}
