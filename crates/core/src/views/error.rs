//! The error page: what happened, what to do next and the request id to quote, the same
//! information the problem+json body carries.

use maud::{Markup, html};

use super::{Shell, page as layout};
use crate::error::AppError;

/// Renders an error as a page in the shell.
pub fn page(shell: &Shell, error: &AppError, request_id: &str) -> Markup {
    let content = html! {
        section.error aria-labelledby="error-title" {
            p.status-code { "Error " (error.status()) }
            h1 id="error-title" { (error.title()) }
            p { (error.detail()) }
            @if !error.field_errors().is_empty() {
                ul {
                    @for (field, msg) in error.field_errors() {
                        li { strong { (field) } ": " (msg) }
                    }
                }
            }
            @if let (AppError::Forbidden(_), Some(who)) = (error, shell.identity) {
                p {
                    "You are signed in to " strong { (who.account.account_name) }
                    " as " (who.email) ", with the role " strong { (who.account.role.label()) } "."
                }
            }
            h2 { "What to do next" }
            p { (error.next_step()) }
            p.actions {
                @if shell.identity.is_some() {
                    a.button href="/dashboard" { "Go to your account home" }
                    @if matches!(error, AppError::Forbidden(_)) {
                        " "
                        a href="/team" { "See who manages this account" }
                    }
                } @else {
                    a.button href="/" { "Go to the start page" }
                    " "
                    a href="/login" { "Sign in" }
                }
                " "
                a href="/support" { "Contact support" }
            }
            p.muted { "Request id (quote it to support): " code { (request_id) } }
        }
    };
    layout(shell, error.title(), content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(error: &AppError) -> String {
        page(&Shell::signed_out(false), error, "req_test123").into_string()
    }

    #[test]
    fn a_rate_limit_page_says_how_long_to_wait() {
        let html = render(&AppError::RateLimited { retry_after: 90 });
        assert!(html.contains("Too many attempts"), "{html}");
        assert!(
            html.contains("Please wait 2 minutes and try again."),
            "{html}"
        );
        assert!(html.contains("Error 429"), "{html}");
    }

    #[test]
    fn an_unavailable_page_asks_to_retry_and_shows_the_request_id() {
        let html = render(&AppError::Unavailable(
            "postgres: connection refused".into(),
        ));
        assert!(html.contains("temporarily unavailable"), "{html}");
        assert!(html.contains("try again in a minute"), "{html}");
        assert!(html.contains("req_test123"), "{html}");
        assert!(!html.contains("connection refused"), "no internals: {html}");
    }

    #[test]
    fn a_conflict_page_says_what_clashed_and_how_to_resolve_it() {
        let html = render(&AppError::Conflict(
            "This session was already signed out.".into(),
        ));
        assert!(html.contains("Error 409"), "{html}");
        assert!(
            html.contains("This session was already signed out."),
            "{html}"
        );
        assert!(
            html.contains("Reload the page to see the current state"),
            "{html}"
        );
    }

    #[test]
    fn a_forbidden_page_says_why_and_who_grants_access() {
        let html = render(&AppError::Forbidden(
            "Billing is for owners, admins and billing members.".into(),
        ));
        assert!(html.contains("Error 403"), "{html}");
        assert!(html.contains("Billing is for owners"), "{html}");
        assert!(
            html.contains("ask an owner or admin of this account"),
            "{html}"
        );
    }

    #[test]
    fn a_not_found_page_says_what_to_check() {
        let html = render(&AppError::NotFound);
        assert!(html.contains("Page not found"), "{html}");
        assert!(html.contains("Check the address"), "{html}");
        assert!(html.contains("<h1 id=\"error-title\">"), "{html}");
    }
}
