//! The error page: the same title and detail the problem+json body carries.

use maud::{Markup, html};

use super::{Shell, page as layout};
use crate::error::AppError;

/// Renders an error as a page in the shell.
pub fn page(shell: &Shell, error: &AppError, request_id: &str) -> Markup {
    let content = html! {
        section.error aria-labelledby="error-title" {
            p.status-code { (error.status()) }
            h1 id="error-title" { (error.title()) }
            p { (error.detail()) }
            @if !error.field_errors().is_empty() {
                ul {
                    @for (field, msg) in error.field_errors() {
                        li { strong { (field) } ": " (msg) }
                    }
                }
            }
            p.actions {
                @if shell.identity.is_some() {
                    a.button href="/dashboard" { "Go to your account home" }
                } @else {
                    a.button href="/" { "Go to the start page" }
                    " "
                    a href="/login" { "Sign in" }
                }
            }
            p.muted { "Request id: " code { (request_id) } }
        }
    };
    layout(shell, error.title(), content)
}
