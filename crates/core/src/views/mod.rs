//! The maud shell every page renders in, and partials shared by the areas.

pub mod assets;
pub mod error;
pub mod partials;
pub mod relative;

use maud::{DOCTYPE, Markup, PreEscaped, Render, html};

use crate::i18n::{Locale, Reader, msg};
use crate::identity::{AccountKind, Identity};

/// The navigation section a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// No section (landing, errors).
    None,
    /// `/dashboard`
    Home,
    /// `/licenses`
    Licenses,
    /// `/cloud`
    Cloud,
    /// `/billing`
    Billing,
    /// `/team`
    Team,
    /// `/msp`
    Msp,
    /// `/support` and recovery
    Support,
    /// `/profile`, `/security`
    Account,
}

/// What the shell needs to know about the request.
#[derive(Debug, Clone, Copy)]
pub struct Shell<'a> {
    /// The signed-in caller, if any.
    pub identity: Option<&'a Identity>,
    /// The active section.
    pub active: Nav,
    /// Local development (shows a banner and the mailbox link).
    pub local: bool,
    /// The language and time zone the page is written in.
    pub reader: Reader,
}

impl<'a> Shell<'a> {
    /// A signed-out shell.
    pub fn signed_out(local: bool) -> Self {
        Self {
            identity: None,
            active: Nav::None,
            local,
            reader: Reader::default(),
        }
    }

    /// The same shell in `locale`.
    pub fn speaking(self, locale: Locale) -> Self {
        Self {
            reader: Reader {
                locale,
                ..self.reader
            },
            ..self
        }
    }

    /// The same shell with another active section.
    pub fn at(self, active: Nav) -> Self {
        Self { active, ..self }
    }
}

/// [`Reader::fill`] for a sentence with markup in it (a link, a date, a strong amount): the
/// translated sentence is escaped as text, then each `{name}` is replaced by its markup, so the
/// translation may move the pieces. Write the msgid inside `msg` so the catalog test finds it.
pub fn fill_html(r: Reader, msgid: &str, values: &[(&str, Markup)]) -> Markup {
    let text = html! { (r.tr(msgid)) }.into_string();
    let markup: Vec<(&str, &str)> = values.iter().map(|(n, m)| (*n, m.0.as_str())).collect();
    PreEscaped(crate::i18n::substitute(&text, &markup))
}

/// Form field errors `(field, message)` with each message in the reader's language (handlers
/// and the store keep them in English, marked with `msg`).
pub fn translated_errors(r: Reader, errors: &[(String, String)]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|(field, message)| (field.clone(), r.tr(message).to_string()))
        .collect()
}

/// The hidden CSRF field every state-changing form carries.
pub fn csrf_field(identity: Option<&Identity>) -> Markup {
    html! {
        @if let Some(id) = identity {
            input type="hidden" name="csrf" value=(id.csrf_token);
        }
    }
}

fn nav_link(shell: &Shell, target: Nav, href: &str, label: &str) -> Markup {
    html! {
        li {
            @if shell.active == target {
                a href=(href) aria-current="page" { (label) }
            } @else {
                a href=(href) { (label) }
            }
        }
    }
}

/// A data table in a box of its own that scrolls sideways when the screen is narrower than the
/// table, so the page itself never scrolls horizontally (WCAG 1.4.10 Reflow). The box is a
/// labelled, focusable region so keyboard users can scroll it too.
pub fn scroll_table(label: &str, table: Markup) -> Markup {
    html! {
        div.table-scroll role="region" aria-label=(label) tabindex="0" { (table) }
    }
}

/// A full page: head, header with navigation and account switcher, main content, footer.
pub fn page(shell: &Shell, title: &str, content: Markup) -> Markup {
    let l = shell.reader;
    html! {
        (DOCTYPE)
        html lang=(l.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (l.tr(title)) " · Pulse Account" }
                link rel="stylesheet" href=(assets::stylesheet_path());
                link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
            }
            body {
                a.skip href="#main" { (l.tr("Skip to content")) }
                @if shell.local {
                    p.devbar role="note" {
                        (l.tr("Local development: demo data, emails go to the")) " "
                        a href="/dev/mailbox" { (l.tr("developer mailbox")) } "."
                    }
                }
                header.top {
                    a.brand href=(if shell.identity.is_some() { "/dashboard" } else { "/" }) { "Pulse Account" }
                    @if let Some(id) = shell.identity {
                        nav aria-label=(l.tr("Main")) {
                            ul {
                                (nav_link(shell, Nav::Home, "/dashboard", l.tr("Home")))
                                @if id.account.account_kind == AccountKind::Provider {
                                    (nav_link(shell, Nav::Msp, "/msp", l.tr("MSP")))
                                } @else {
                                    // Only what the account has: a licenses-only customer has
                                    // no Pulse Cloud section, a cloud-only one no Licenses; a
                                    // new account, with neither, is offered both.
                                    @let (licenses, tenants) = (id.account.has_licenses, id.account.has_tenants);
                                    @if licenses || !tenants {
                                        (nav_link(shell, Nav::Licenses, "/licenses", l.tr("Licenses")))
                                    }
                                    @if tenants || !licenses {
                                        (nav_link(shell, Nav::Cloud, "/cloud", l.tr("Pulse Cloud")))
                                    }
                                }
                                @if id.account.role.can_manage_billing() {
                                    (nav_link(shell, Nav::Billing, "/billing", l.tr("Billing")))
                                }
                                (nav_link(shell, Nav::Team, "/team", l.tr("Team")))
                                (nav_link(shell, Nav::Support, "/support", l.tr("Support")))
                            }
                        }
                        div.account {
                            @if id.memberships.len() > 1 {
                                form method="post" action="/accounts/switch" {
                                    (csrf_field(Some(id)))
                                    label for="account-switch" { (l.tr("Account")) }
                                    select id="account-switch" name="account" {
                                        @for m in &id.memberships {
                                            option value=(m.account_id) selected[m.account_id == id.account.account_id] { (m.account_name) }
                                        }
                                    }
                                    button type="submit" { (l.tr("Switch")) }
                                }
                            } @else {
                                span.account-name { (id.account.account_name) }
                            }
                            a href="/profile" aria-current=[(shell.active == Nav::Account).then_some("page")] { (id.display_name) }
                            form method="post" action="/logout" {
                                (csrf_field(Some(id)))
                                button.link type="submit" { (l.tr("Sign out")) }
                            }
                        }
                    } @else {
                        nav aria-label=(l.tr("Main")) {
                            ul {
                                li { a href="/recover" { (l.tr("Recover access")) } }
                                li { a href="/support" { (l.tr("Support")) } }
                                li { a.button href="/login" { (l.tr("Sign in")) } }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" { (content) }
                footer {
                    p {
                        a href="/privacy" { (l.tr("Privacy and your data")) } " · "
                        a href="/support" { (l.tr("Support")) } " · "
                        a href="/api/openapi.json" { "API" }
                    }
                }
            }
        }
    }
}

/// A status shown as words in the reader's language with a colour class (never colour alone).
pub struct Badge<'a>(pub &'a str, pub Reader);

impl Render for Badge<'_> {
    fn render(&self) -> Markup {
        let tone = match self.0 {
            "active" | "paid" | "resolved" | "trialing" | "ready" | "refunded" => "ok",
            "provisioning" | "deleting" | "open" | "pending" | "past_due" | "draft"
            | "received" => "warn",
            "suspended" | "expired" | "cancelled" | "void" | "uncollectible" | "deleted"
            | "failed" => "bad",
            _ => "neutral",
        };
        html! { span class={ "badge " (tone) } { (status_words(self.0, self.1)) } }
    }
}

/// Every status a badge shows, as the catalog knows them (stored with underscores).
pub const STATUSES: [&str; 24] = [
    msg("active"),
    msg("paid"),
    msg("resolved"),
    msg("trialing"),
    msg("ready"),
    msg("refunded"),
    msg("provisioning"),
    msg("deleting"),
    msg("open"),
    msg("pending"),
    msg("past due"),
    msg("draft"),
    msg("received"),
    msg("suspended"),
    msg("expired"),
    msg("cancelled"),
    msg("void"),
    msg("uncollectible"),
    msg("deleted"),
    msg("failed"),
    msg("incomplete"),
    msg("unpaid"),
    msg("queued"),
    msg("approved"),
];

/// A stored status (`past_due`) in the reader's words ("past due", "просрочена"); a status the
/// catalog does not know reads as stored, underscores as spaces.
pub fn status_words(status: &str, r: Reader) -> String {
    let words = status.replace('_', " ");
    r.tr(&words).to_string()
}

/// A `<time>` element for an RFC 3339 timestamp, showing the date in the reader's zone and
/// language.
pub struct Date<'a>(pub &'a str, pub Reader);

impl Render for Date<'_> {
    fn render(&self) -> Markup {
        html! { time datetime=(self.0) { (self.1.day(self.0)) } }
    }
}

/// A short notice at the top of a page (after a redirect).
pub fn flash(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message {
            p.flash role="status" { (m) }
        }
    }
}

/// Form field errors for a field, linked by id for screen readers.
pub fn field_error(errors: &[(String, String)], field: &str) -> Markup {
    html! {
        @for (f, msg) in errors {
            @if f == field {
                p.field-error id={ (field) "-error" } { (msg) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use crate::zone::Zone;

    #[test]
    fn markup_goes_where_the_translation_puts_it_and_the_words_are_escaped() {
        let code = html! { strong { "123456" } };
        let s = fill_html(
            Reader::default(),
            "Code {code} <ok> {other}.",
            &[("code", code)],
        );
        assert_eq!(
            s.into_string(),
            "Code <strong>123456</strong> &lt;ok&gt; {other}."
        );
        let bg = Reader::new(Locale::Bg, Zone::UTC);
        let s = fill_html(
            bg,
            "{used} of {max}",
            &[("max", html! { b { "5" } }), ("used", html! { "2" })],
        );
        assert_eq!(s.into_string(), "2 от <b>5</b>");
    }
}
