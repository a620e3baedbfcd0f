//! The error page: what happened, what to do next and the request id to quote, the same
//! information the problem+json body carries.

use maud::{Markup, html};

use super::{Shell, page as layout};
use crate::error::AppError;

/// Renders an error as a page in the shell, in the shell's language: the headline, the
/// portal's own explanations and the next step come from the catalog; an explanation a handler
/// wrote for the case at hand reads as written.
pub fn page(shell: &Shell, error: &AppError, request_id: &str) -> Markup {
    let locale = shell.reader.locale;
    let detail = error.detail();
    let next = match error {
        AppError::RateLimited { retry_after } => locale
            .tr("Please wait {wait} and try again.")
            .replace("{wait}", &locale.wait_words(*retry_after)),
        other => locale.tr(&other.next_step()).to_string(),
    };
    let content = html! {
        section.error aria-labelledby="error-title" {
            p.status-code { (locale.tr("Error")) " " (error.status()) }
            h1 id="error-title" { (locale.tr(error.title())) }
            p { (locale.tr(&detail)) }
            @if !error.field_errors().is_empty() {
                ul {
                    @for (field, msg) in error.field_errors() {
                        li { strong { (field) } ": " (locale.tr(msg)) }
                    }
                }
            }
            @if let (AppError::Forbidden(_), Some(who)) = (error, shell.identity) {
                p {
                    (locale.tr("You are signed in to")) " " strong { (who.account.account_name) }
                    " (" (who.email) "), " (locale.tr("with the role")) " " strong { (locale.tr(who.account.role.label())) } "."
                }
            }
            h2 { (locale.tr("What to do next")) }
            p { (next) }
            p.actions {
                @if shell.identity.is_some() {
                    a.button href="/dashboard" { (locale.tr("Go to your account home")) }
                    @if matches!(error, AppError::Forbidden(_)) {
                        " "
                        a href="/team" { (locale.tr("See who manages this account")) }
                    }
                } @else {
                    a.button href="/" { (locale.tr("Go to the start page")) }
                    " "
                    a href="/login" { (locale.tr("Sign in")) }
                }
                " "
                a href="/support" { (locale.tr("Contact support")) }
            }
            p.muted { (locale.tr("Request id (quote it to support):")) " " code { (request_id) } }
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
    fn the_bulgarian_catalog_has_every_headline_explanation_and_next_step() {
        use crate::i18n::Locale;
        let said = "a handler's own words".to_string();
        let every = [
            AppError::NotFound,
            AppError::MethodNotAllowed,
            AppError::BadRequest(said.clone()),
            AppError::TooLarge(65536),
            AppError::Invalid {
                detail: said.clone(),
                errors: Vec::new(),
            },
            AppError::Unauthenticated,
            AppError::NoAccount,
            AppError::Forbidden(said.clone()),
            AppError::Csrf,
            AppError::VerificationRequired,
            AppError::Conflict(said.clone()),
            AppError::Gone(said.clone()),
            AppError::RateLimited { retry_after: 5 },
            AppError::Unavailable(said.clone()),
            AppError::Internal(said.clone()),
            AppError::BadGateway(said.clone()),
            AppError::GatewayTimeout(said.clone()),
        ];
        let mut missing = Vec::new();
        for error in &every {
            let detail = error.detail();
            let next = error.next_step();
            let mut wanted = vec![error.title()];
            // The portal's own explanations; a handler's words and a size are not catalogued.
            if detail != said && !matches!(error, AppError::TooLarge(_)) {
                wanted.push(&detail);
            }
            if !matches!(error, AppError::RateLimited { .. }) {
                wanted.push(&next);
            }
            missing.extend(
                wanted
                    .into_iter()
                    .filter(|m| !Locale::Bg.translates(m))
                    .map(str::to_string),
            );
        }
        assert!(missing.is_empty(), "not in locales/bg.po: {missing:#?}");
    }

    #[test]
    fn error_pages_speak_the_shells_language() {
        let shell = Shell::signed_out(false).speaking(crate::i18n::Locale::Bg);
        for error in [
            AppError::NotFound,
            AppError::Forbidden("x".into()),
            AppError::Conflict("x".into()),
            AppError::RateLimited { retry_after: 90 },
            AppError::Unavailable("x".into()),
        ] {
            let html = page(&shell, &error, "req_1").into_string();
            assert!(html.contains("<html lang=\"bg\">"), "{html}");
            assert!(html.contains("Какво да направите"), "{html}");
            assert!(!html.contains(error.title()), "untranslated title: {html}");
        }
        let html = page(&shell, &AppError::RateLimited { retry_after: 90 }, "req_1").into_string();
        assert!(html.contains("2 минути"), "{html}");
    }

    #[test]
    fn a_not_found_page_says_what_to_check() {
        let html = render(&AppError::NotFound);
        assert!(html.contains("Page not found"), "{html}");
        assert!(html.contains("Check the address"), "{html}");
        assert!(html.contains("<h1 id=\"error-title\">"), "{html}");
    }
}
