//! The Security page.

use maud::{Markup, html};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::store::api_tokens::ApiToken;
use pulse_core::store::sessions::SessionSummary;
use pulse_core::views::partials::list_cut;
use pulse_core::views::relative::moment;
use pulse_core::views::{Date, Shell, csrf_field, flash, page as layout, scroll_table};

use pulse_core::views::fill_html;

fn done_message(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "session-revoked" => Some(msg("That session is signed out.")),
        "others-revoked" => Some(msg("Every other session is signed out.")),
        "token-revoked" => Some(msg("The token is revoked.")),
        _ => None,
    }
}

/// How a session signed in, in the reader's words (a method the catalog does not know reads
/// as stored).
fn method_words(r: Reader, method: &str) -> &str {
    match method {
        "email" => r.tr("email"),
        "oidc" => r.tr("oidc"),
        other => other,
    }
}

/// A token's scope in the reader's words.
fn scope_words(r: Reader, scope: &str) -> &str {
    match scope {
        "read" => r.tr("read"),
        "write" => r.tr("write"),
        other => other,
    }
}

/// Sessions and API tokens; `new_token` is shown once right after creation.
pub fn page(
    shell: &Shell,
    who: &Identity,
    sessions: &[SessionSummary],
    tokens: &[ApiToken],
    done: Option<&str>,
    new_token: Option<&str>,
) -> Markup {
    let l = shell.reader;
    layout(
        shell,
        msg("Security"),
        html! {
            h1 { (l.tr("Security")) }
            (flash(done_message(done).map(|m| l.tr(m))))
            @if let Some(secret) = new_token {
                section.attention role="status" {
                    h2 { (l.tr("Your new API token")) }
                    p { (l.tr("Copy it now: it will not be shown again.")) }
                    p { code { (secret) } }
                }
            }
            h2 { (l.tr("Signed-in sessions")) }
            (scroll_table(l.tr("Sessions"), html! {
                table {
                    caption.visually-hidden { (l.tr("Sessions")) }
                    thead { tr { th scope="col" { (l.tr("Device")) } th scope="col" { (l.tr("Address")) } th scope="col" { (l.tr("Last used")) } th scope="col" { span.visually-hidden { (l.tr("Action")) } } } }
                    tbody {
                        @for s in sessions {
                            tr {
                                td {
                                    (s.user_agent) br;
                                    small.muted {
                                        (fill_html(l, msg("Signed in by {method} on {date}"), &[
                                            ("method", html! { (method_words(l, &s.method)) }),
                                            ("date", html! { (moment(l, &s.created_at)) }),
                                        ]))
                                    }
                                }
                                td { (s.ip) }
                                td { (moment(l, &s.last_used_at)) }
                                td {
                                    @if s.id == who.session_id {
                                        (l.tr("This session"))
                                    } @else {
                                        form method="post" action="/security/sessions/revoke" {
                                            (csrf_field(Some(who)))
                                            input type="hidden" name="session" value=(s.id);
                                            button type="submit" { (l.tr("Sign out")) span.visually-hidden { " " (l.tr("this session")) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
            (list_cut(l, sessions.len(), Some("/api/v1/sessions")))
            @if sessions.len() > 1 {
                form method="post" action="/security/sessions/revoke-others" {
                    (csrf_field(Some(who)))
                    button type="submit" { (l.tr("Sign out all other sessions")) }
                }
            }
            h2 { (l.tr("Personal API tokens")) }
            p.muted {
                (fill_html(l, msg("Tokens authenticate the JSON API as {header} in the account you create them in."), &[
                    ("header", html! { code { "Authorization: Bearer <token>" } }),
                ]))
            }
            @if !tokens.is_empty() {
                (scroll_table(l.tr("API tokens"), html! {
                    table {
                        caption.visually-hidden { (l.tr("API tokens")) }
                        thead { tr { th scope="col" { (l.tr("Name")) } th scope="col" { (l.tr("Scope")) } th scope="col" { (l.tr("Created")) } th scope="col" { (l.tr("Last used")) } th scope="col" { span.visually-hidden { (l.tr("Action")) } } } }
                        tbody {
                            @for t in tokens {
                                tr {
                                    td { (t.name) }
                                    td { (scope_words(l, &t.scope)) }
                                    td { (Date(&t.created_at, l)) }
                                    td { @if let Some(u) = &t.last_used_at { (Date(u, l)) } @else { (l.tr("Never")) } }
                                    td {
                                        form method="post" action="/security/tokens/revoke" {
                                            (csrf_field(Some(who)))
                                            input type="hidden" name="token" value=(t.id);
                                            button type="submit" { (l.tr("Revoke")) span.visually-hidden { " " (t.name) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }))
                (list_cut(l, tokens.len(), Some("/api/v1/api-tokens")))
            }
            form.panel method="post" action="/security/tokens" {
                (csrf_field(Some(who)))
                label for="token-name" { (l.tr("Token name")) }
                input type="text" id="token-name" name="name" maxlength="60" required;
                label for="token-scope" { (l.tr("Scope")) }
                select id="token-scope" name="scope" {
                    option value="read" { (l.tr("Read only")) }
                    option value="write" { (l.tr("Read and write")) }
                }
                p { button type="submit" { (l.tr("Create token")) } }
            }
        },
    )
}
