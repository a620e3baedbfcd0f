//! One error type for every area, converted once into an HTML page or an RFC 9457
//! `application/problem+json` body carrying the same information.

use serde::Serialize;

use crate::config::ConfigError;
use crate::db::DbError;
use crate::http::{Request, Response};
use crate::views::{self, Shell};

/// What went wrong while handling a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing here (or not in the caller's account: never leak existence).
    #[error("not found")]
    NotFound,
    /// The method is not supported on this path.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Input the caller must fix; `errors` maps fields to messages.
    #[error("{detail}")]
    Invalid {
        /// What to fix, for a person.
        detail: String,
        /// Per-field messages.
        errors: Vec<(String, String)>,
    },
    /// Signed out: sign in first.
    #[error("sign-in required")]
    Unauthenticated,
    /// Signed in, but the role or token scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// A state-changing request without a valid CSRF token or from another origin.
    #[error("the form expired or came from another site")]
    Csrf,
    /// The action needs a verification from the last ten minutes.
    #[error("recent verification required")]
    VerificationRequired,
    /// Conflicts with the current state (a duplicate, an already-cancelled subscription).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts.
    #[error("too many requests")]
    RateLimited {
        /// Seconds until the next attempt may succeed.
        retry_after: u64,
    },
    /// A dependency (database, store, provider) is unreachable or the configuration is unsafe.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(m) => AppError::Unavailable(m),
            DbError::Constraint(m) => {
                AppError::Conflict(format!("that conflicts with existing data ({m})"))
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<ConfigError> for AppError {
    fn from(e: ConfigError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

/// RFC 9457 problem details.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    instance: &'a str,
    request_id: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError<'a>>,
}

#[derive(Serialize)]
struct FieldError<'a> {
    field: &'a str,
    detail: &'a str,
}

impl AppError {
    /// The status code.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::MethodNotAllowed => 405,
            AppError::Invalid { .. } => 422,
            AppError::Unauthenticated => 401,
            AppError::Forbidden(_) | AppError::Csrf | AppError::VerificationRequired => 403,
            AppError::Conflict(_) => 409,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal(_) => 500,
        }
    }

    /// A short slug for the problem `type` URI and the page.
    fn slug(&self) -> &'static str {
        match self {
            AppError::NotFound => "not-found",
            AppError::MethodNotAllowed => "method-not-allowed",
            AppError::Invalid { .. } => "invalid-input",
            AppError::Unauthenticated => "sign-in-required",
            AppError::Forbidden(_) => "forbidden",
            AppError::Csrf => "csrf",
            AppError::VerificationRequired => "verification-required",
            AppError::Conflict(_) => "conflict",
            AppError::RateLimited { .. } => "rate-limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The headline a person reads.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::NotFound => "Page not found",
            AppError::MethodNotAllowed => "That action is not available here",
            AppError::Invalid { .. } => "Please check what you entered",
            AppError::Unauthenticated => "Please sign in",
            AppError::Forbidden(_) => "You don't have access to this",
            AppError::Csrf => "This form has expired",
            AppError::VerificationRequired => "Please confirm it's you",
            AppError::Conflict(_) => "That can't be done right now",
            AppError::RateLimited { .. } => "Too many attempts",
            AppError::Unavailable(_) => "Pulse Account is temporarily unavailable",
            AppError::Internal(_) => "Something went wrong on our side",
        }
    }

    /// What to do next, safe to show (server faults never expose their details).
    pub fn detail(&self) -> String {
        match self {
            AppError::NotFound => "We couldn't find that page. Check the address, or go back to your account home.".into(),
            AppError::MethodNotAllowed => "Go back and use the page's own buttons and forms.".into(),
            AppError::Invalid { detail, .. } => detail.clone(),
            AppError::Unauthenticated => "Sign in to continue. You'll come back here afterwards.".into(),
            AppError::Forbidden(why) => why.clone(),
            AppError::Csrf => "Go back, reload the page and submit the form again.".into(),
            AppError::VerificationRequired => "For your security this action needs a sign-in or email code from the last ten minutes. Verify, then try again.".into(),
            AppError::Conflict(why) => why.clone(),
            AppError::RateLimited { retry_after } => format!("Please wait {retry_after} seconds and try again."),
            AppError::Unavailable(_) => "A service we depend on is not responding. Nothing was changed; please try again in a minute.".into(),
            AppError::Internal(_) => "Nothing was changed. Please try again; if it keeps happening, contact support with the request id below.".into(),
        }
    }

    /// Whether this is a server fault to log in full.
    pub fn is_server_fault(&self) -> bool {
        matches!(self, AppError::Unavailable(_) | AppError::Internal(_))
    }

    /// Renders the error for `req`: problem+json for API callers, an HTML page in the shell
    /// otherwise. Server faults are logged with the request id; user errors are not.
    pub fn into_response(self, req: &Request, shell: &Shell) -> Response {
        if self.is_server_fault() {
            eprintln!(
                "request_id={} path={} error={self}",
                req.request_id, req.path
            );
        }
        let status = self.status();
        let mut resp = if req.wants_json() {
            let errors = match &self {
                AppError::Invalid { errors, .. } => errors
                    .iter()
                    .map(|(f, d)| FieldError {
                        field: f,
                        detail: d,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Response::json_typed(
                status,
                "application/problem+json",
                &Problem {
                    kind: format!("https://docs.planapulse.ai/problems/{}", self.slug()),
                    title: self.title(),
                    status,
                    detail: self.detail(),
                    instance: &req.path,
                    request_id: &req.request_id,
                    errors,
                },
            )
        } else if matches!(self, AppError::VerificationRequired) {
            // Verify, then come back to the page the action was started from.
            let back = req
                .header("referer")
                .and_then(|r| r.split_once("://"))
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
                .unwrap_or_else(|| "/dashboard".to_string());
            let next = crate::http::percent_encode(&back);
            return Response::see_other(&format!("/security/verify?next={next}"));
        } else if matches!(self, AppError::Unauthenticated) && !req.method.is_unsafe() {
            // An expired access token with a live refresh cookie goes through refresh first.
            let next = crate::http::percent_encode(&req.path);
            let refreshable = req.cookie("pa_refresh").or(req.cookie("__Host-pa_refresh"));
            let to = if refreshable.is_some_and(|v| !v.is_empty()) {
                format!("/api/auth/refresh?next={next}")
            } else {
                format!("/login?next={next}")
            };
            return Response::see_other(&to);
        } else {
            Response::html(status, views::error::page(shell, &self, &req.request_id))
        };
        if let AppError::RateLimited { retry_after } = self {
            resp = resp.with_header("retry-after", &retry_after.to_string());
        }
        if status == 401 {
            resp = resp.with_header("www-authenticate", "Bearer realm=\"pulse-account\"");
        }
        resp
    }

    /// Field errors, for re-rendering a form.
    pub fn field_errors(&self) -> &[(String, String)] {
        match self {
            AppError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }
}

/// Builds an `Invalid` error for one field.
pub fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid {
        detail: message.to_string(),
        errors: vec![(field.to_string(), message.to_string())],
    }
}
