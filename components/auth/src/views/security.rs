//! The Security page.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::store::api_tokens::ApiToken;
use pulse_core::store::sessions::SessionSummary;
use pulse_core::views::partials::list_cut;
use pulse_core::views::{Date, Shell, csrf_field, flash, page as layout, scroll_table};

fn done_message(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "session-revoked" => Some("That session is signed out."),
        "others-revoked" => Some("Every other session is signed out."),
        "token-revoked" => Some("The token is revoked."),
        _ => None,
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
    layout(
        shell,
        "Security",
        html! {
            h1 { "Security" }
            (flash(done_message(done)))
            @if let Some(secret) = new_token {
                section.attention role="status" {
                    h2 { "Your new API token" }
                    p { "Copy it now: it will not be shown again." }
                    p { code { (secret) } }
                }
            }
            h2 { "Signed-in sessions" }
            (scroll_table("Sessions", html! {
                table {
                    caption.visually-hidden { "Sessions" }
                    thead { tr { th scope="col" { "Device" } th scope="col" { "Address" } th scope="col" { "Last used" } th scope="col" { span.visually-hidden { "Action" } } } }
                    tbody {
                        @for s in sessions {
                            tr {
                                td { (s.user_agent) br; small.muted { "Signed in by " (s.method) " on " (Date(&s.created_at)) } }
                                td { (s.ip) }
                                td { (Date(&s.last_used_at)) }
                                td {
                                    @if s.id == who.session_id {
                                        "This session"
                                    } @else {
                                        form method="post" action="/security/sessions/revoke" {
                                            (csrf_field(Some(who)))
                                            input type="hidden" name="session" value=(s.id);
                                            button type="submit" { "Sign out" span.visually-hidden { " this session" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
            (list_cut(sessions.len(), Some("/api/v1/sessions")))
            @if sessions.len() > 1 {
                form method="post" action="/security/sessions/revoke-others" {
                    (csrf_field(Some(who)))
                    button type="submit" { "Sign out all other sessions" }
                }
            }
            h2 { "Personal API tokens" }
            p.muted { "Tokens authenticate the JSON API as " code { "Authorization: Bearer <token>" } " in the account you create them in." }
            @if !tokens.is_empty() {
                (scroll_table("API tokens", html! {
                    table {
                        caption.visually-hidden { "API tokens" }
                        thead { tr { th scope="col" { "Name" } th scope="col" { "Scope" } th scope="col" { "Created" } th scope="col" { "Last used" } th scope="col" { span.visually-hidden { "Action" } } } }
                        tbody {
                            @for t in tokens {
                                tr {
                                    td { (t.name) }
                                    td { (t.scope) }
                                    td { (Date(&t.created_at)) }
                                    td { @if let Some(u) = &t.last_used_at { (Date(u)) } @else { "Never" } }
                                    td {
                                        form method="post" action="/security/tokens/revoke" {
                                            (csrf_field(Some(who)))
                                            input type="hidden" name="token" value=(t.id);
                                            button type="submit" { "Revoke" span.visually-hidden { " " (t.name) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }))
                (list_cut(tokens.len(), Some("/api/v1/api-tokens")))
            }
            form.panel method="post" action="/security/tokens" {
                (csrf_field(Some(who)))
                label for="token-name" { "Token name" }
                input type="text" id="token-name" name="name" maxlength="60" required;
                label for="token-scope" { "Scope" }
                select id="token-scope" name="scope" {
                    option value="read" { "Read only" }
                    option value="write" { "Read and write" }
                }
                p { button type="submit" { "Create token" } }
            }
        },
    )
}
