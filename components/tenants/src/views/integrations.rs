//! Integrations: the catalog, and one workspace's integrations with their forms.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::identity::Identity;
use pulse_core::integrations::{CATALOG, Kind};
use pulse_core::store::integrations::State;
use pulse_core::store::tenants::Tenant;
use pulse_core::views::{Badge, Date, Shell, csrf_field, field_error, flash, page};

use pulse_core::views::translated_errors;

/// The catalog, and the workspaces to turn integrations on for.
pub fn catalog(shell: &Shell, tenants: &[Tenant]) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("Integrations"),
        html! {
            h1 { (l.tr("Integrations")) }
            div.cards {
                @for e in CATALOG {
                    article.card { h2 { (l.tr(e.name)) } p { (l.tr(e.description)) } }
                }
            }
            h2 { (l.tr("Turn them on for a workspace")) }
            @if tenants.is_empty() {
                p { (l.tr("No workspaces yet.")) " " a href="/cloud/new" { (l.tr("Create one")) } "." }
            } @else {
                ul.plain {
                    @for t in tenants {
                        li { a href={ "/cloud/" (t.id) "/integrations" } { (t.name) " (" (t.hostname) ")" } }
                    }
                }
            }
        },
    )
}

/// A refused form: which integration, what was typed (secrets never echoed), what to fix.
#[derive(Debug, Default)]
pub struct Refusal<'a> {
    /// The integration whose form was sent.
    pub integration: &'a str,
    /// The non-secret values typed.
    pub typed: Vec<(String, String)>,
    /// Field and message for each problem.
    pub errors: Vec<(String, String)>,
}

/// One workspace's integrations.
pub fn for_tenant(
    shell: &Shell,
    who: &Identity,
    t: &Tenant,
    states: &[State],
    done: Option<&str>,
    refusal: &Refusal<'_>,
) -> Markup {
    let l = shell.reader;
    let manage = who.account.role.can_manage_resources();
    let done = match done {
        Some("enabled") => Some(msg(
            "The integration is on. Secrets you entered are stored and will not be shown again.",
        )),
        Some("disabled") => Some(msg(
            "The integration is off; its settings are kept for next time.",
        )),
        _ => None,
    };
    let errors = translated_errors(l, &refusal.errors);
    let named = [("workspace", t.name.as_str())];
    page(
        shell,
        &l.fill("Integrations — {workspace}", &named),
        html! {
            p { a href={ "/cloud/" (t.id) } { "← " (t.name) } }
            h1 { (l.fill("Integrations of {workspace}", &named)) }
            (flash(done.map(|m| l.tr(m))))
            @for (e, s) in CATALOG.iter().zip(states) {
                @let refused = refusal.integration == e.key;
                section.panel aria-labelledby={ "int-" (e.key) } {
                    h2 id={ "int-" (e.key) } { (l.tr(e.name)) " " (Badge(if s.enabled { "active" } else { msg("off") }, l)) }
                    p { (l.tr(e.description)) }
                    @if let Some(at) = &s.updated_at { p.muted { (l.tr("Changed")) " " (Date(at, l)) } }
                    @if refused && !errors.is_empty() {
                        div.error-summary role="alert" {
                            p { (l.tr("Nothing was changed:")) }
                            ul { @for (f, m) in &errors { li { a href={ "#" (e.key) "-" (f) } { (m) } } } }
                        }
                    }
                    @if manage {
                        form method="post" action={ "/cloud/" (t.id) "/integrations/" (e.key) } novalidate {
                            (csrf_field(Some(who)))
                            input type="hidden" name="action" value="enable";
                            @for f in e.fields {
                                @let id = format!("{}-{}", e.key, f.name);
                                @let invalid = refused && errors.iter().any(|(n, _)| n == f.name);
                                @let typed = if refused { refusal.typed.iter().find(|(n, _)| n == f.name).map(|(_, v)| v.as_str()) } else { None };
                                @let value = typed.or(s.settings.get(f.name).map(String::as_str)).unwrap_or_default();
                                label for=(id) { (l.tr(f.label)) }
                                @if refused { (field_error(&errors, f.name)) }
                                @match f.kind {
                                    Kind::Secret => {
                                        input type="password" id=(id) name=(f.name) autocomplete="off"
                                            placeholder=[s.secrets_set.iter().any(|n| n == f.name).then_some(l.tr("Stored: leave empty to keep it"))]
                                            aria-invalid=[invalid.then_some("true")];
                                    }
                                    Kind::Choice(options) => {
                                        select id=(id) name=(f.name) aria-invalid=[invalid.then_some("true")] {
                                            @for o in options { option value=(o) selected[*o == value] { (l.tr(o)) } }
                                        }
                                    }
                                    Kind::Url => { input type="url" id=(id) name=(f.name) value=(value) aria-invalid=[invalid.then_some("true")]; }
                                    Kind::Email => { input type="email" id=(id) name=(f.name) value=(value) aria-invalid=[invalid.then_some("true")]; }
                                    Kind::Text => { input type="text" id=(id) name=(f.name) value=(value) aria-invalid=[invalid.then_some("true")]; }
                                }
                            }
                            button type="submit" { @if s.enabled { (l.tr("Save")) } @else { (l.tr("Turn on")) } span.visually-hidden { " " (l.tr(e.name)) } }
                        }
                        @if s.enabled {
                            form method="post" action={ "/cloud/" (t.id) "/integrations/" (e.key) } {
                                (csrf_field(Some(who)))
                                input type="hidden" name="action" value="disable";
                                button.danger type="submit" { (l.tr("Turn off")) span.visually-hidden { " " (l.tr(e.name)) } }
                            }
                        }
                    }
                }
            }
        },
    )
}
