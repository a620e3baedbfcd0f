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
    /// A request that is not what the route takes and cannot be fixed field by field (a
    /// webhook whose signature does not hold).
    #[error("{0}")]
    BadRequest(String),
    /// The body is larger than the route takes (bytes allowed).
    #[error("request body over {0} bytes")]
    TooLarge(usize),
    /// Signed out: sign in first.
    #[error("sign-in required")]
    Unauthenticated,
    /// Signed in, but a member of no account yet: create one or accept an invitation first.
    #[error("no account yet")]
    NoAccount,
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
    /// It was here and is no more (a download whose period is over).
    #[error("{0}")]
    Gone(String),
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
    /// The workspace behind a proxied path refused or broke the connection.
    #[error("bad gateway: {0}")]
    BadGateway(String),
    /// The workspace behind a proxied path did not answer in time.
    #[error("gateway timeout: {0}")]
    GatewayTimeout(String),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(m) => AppError::Unavailable(m),
            // The database's own wording names tables and constraints: not for a person.
            DbError::Constraint(_) => AppError::Conflict(
                "What you sent clashes with something that already exists, such as a name or an address already in use.".into(),
            ),
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
    /// What to do next, as the page says it.
    next: String,
    /// Seconds to wait before trying again (429 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
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
            AppError::BadRequest(_) => 400,
            AppError::TooLarge(_) => 413,
            AppError::Invalid { .. } => 422,
            AppError::Unauthenticated => 401,
            AppError::NoAccount
            | AppError::Forbidden(_)
            | AppError::Csrf
            | AppError::VerificationRequired => 403,
            AppError::Conflict(_) => 409,
            AppError::Gone(_) => 410,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal(_) => 500,
            AppError::BadGateway(_) => 502,
            AppError::GatewayTimeout(_) => 504,
        }
    }

    /// A short slug for the problem `type` URI and the page.
    fn slug(&self) -> &'static str {
        match self {
            AppError::NotFound => "not-found",
            AppError::MethodNotAllowed => "method-not-allowed",
            AppError::BadRequest(_) => "bad-request",
            AppError::TooLarge(_) => "too-large",
            AppError::Invalid { .. } => "invalid-input",
            AppError::Unauthenticated => "sign-in-required",
            AppError::NoAccount => "no-account",
            AppError::Forbidden(_) => "forbidden",
            AppError::Csrf => "csrf",
            AppError::VerificationRequired => "verification-required",
            AppError::Conflict(_) => "conflict",
            AppError::Gone(_) => "gone",
            AppError::RateLimited { .. } => "rate-limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
            AppError::BadGateway(_) => "bad-gateway",
            AppError::GatewayTimeout(_) => "gateway-timeout",
        }
    }

    /// The headline a person reads.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::NotFound => "Page not found",
            AppError::MethodNotAllowed => "That action is not available here",
            AppError::BadRequest(_) => "The request was refused",
            AppError::TooLarge(_) => "That is more than we accept here",
            AppError::Invalid { .. } => "Please check what you entered",
            AppError::Unauthenticated => "Please sign in",
            AppError::NoAccount => "You don't belong to an account yet",
            AppError::Forbidden(_) => "You don't have access to this",
            AppError::Csrf => "This form has expired",
            AppError::VerificationRequired => "Please confirm it's you",
            AppError::Conflict(_) => "That can't be done right now",
            AppError::Gone(_) => "This is no longer available",
            AppError::RateLimited { .. } => "Too many attempts",
            AppError::Unavailable(_) => "Pulse Account is temporarily unavailable",
            AppError::Internal(_) => "Something went wrong on our side",
            AppError::BadGateway(_) => "The workspace is not answering",
            AppError::GatewayTimeout(_) => "The workspace is taking too long",
        }
    }

    /// What happened, safe to show (server faults never expose their details).
    pub fn detail(&self) -> String {
        match self {
            AppError::NotFound => "There is nothing at this address, or it belongs to an account you are not signed in to.".into(),
            AppError::MethodNotAllowed => "This address does not take that kind of request.".into(),
            AppError::BadRequest(why) => why.clone(),
            AppError::TooLarge(max) => format!(
                "The request's body is larger than the {} KiB this address takes, so it was not read and nothing was changed.",
                max / 1024
            ),
            AppError::Invalid { detail, .. } => detail.clone(),
            AppError::Unauthenticated => "Sign in to continue. You'll come back here afterwards.".into(),
            AppError::NoAccount => "You are signed in, but no Pulse account has you as a member yet.".into(),
            AppError::Forbidden(why) => why.clone(),
            AppError::Csrf => "The form was open too long, or was sent from another site, so nothing was changed.".into(),
            AppError::VerificationRequired => "For your security this action needs a sign-in or email code from the last ten minutes.".into(),
            AppError::Conflict(why) | AppError::Gone(why) => why.clone(),
            AppError::RateLimited { .. } => "There were too many attempts in a short time, so we paused them to keep the account safe.".into(),
            AppError::Unavailable(_) => "A service Pulse Account depends on is not responding. Nothing was changed.".into(),
            AppError::Internal(_) => "Something failed on our side. Nothing was changed.".into(),
            AppError::BadGateway(_) => "Your workspace's server could not be reached, or it broke off its answer.".into(),
            AppError::GatewayTimeout(_) => "Your workspace's server did not answer in time, so we stopped waiting.".into(),
        }
    }

    /// What the person can do next, safe to show.
    pub fn next_step(&self) -> String {
        match self {
            AppError::NotFound => "Check the address, or go back to your account home and follow the links from there.".into(),
            AppError::MethodNotAllowed => "Go back and use the page's own buttons and forms.".into(),
            AppError::BadRequest(_) => "Send the request again as the API documentation describes it.".into(),
            AppError::TooLarge(_) => "Send less: shorten the text, or split the request.".into(),
            AppError::Invalid { .. } => "Correct the fields named below and send the form again.".into(),
            AppError::Unauthenticated => "Sign in with your email address or single sign-on.".into(),
            AppError::NoAccount => "Create a customer account (POST /api/v1/accounts, or the page /accounts/new), or ask an owner of your company's account to invite your address.".into(),
            AppError::Forbidden(_) => "If you need access, ask an owner or admin of this account: they can change your role on the Team page.".into(),
            AppError::Csrf => "Go back, reload the page and submit the form again.".into(),
            AppError::VerificationRequired => "Verify with a code we email you, then try again.".into(),
            AppError::Conflict(_) => "Reload the page to see the current state, then try again if it still applies.".into(),
            AppError::Gone(_) => "Start again from the page it came from.".into(),
            AppError::RateLimited { retry_after } => format!(
                "Please wait {} and try again.",
                wait_words(*retry_after)
            ),
            AppError::Unavailable(_) => "Please try again in a minute. If it keeps happening, contact support and quote the request id.".into(),
            AppError::Internal(_) => "Please try again. If it keeps happening, contact support and quote the request id.".into(),
            AppError::BadGateway(_) | AppError::GatewayTimeout(_) => "Try again in a minute. If it keeps happening, check the workspace's status under Pulse Cloud, or contact support and quote the request id.".into(),
        }
    }

    /// Whether this is a server fault to log in full.
    pub fn is_server_fault(&self) -> bool {
        matches!(
            self,
            AppError::Unavailable(_)
                | AppError::Internal(_)
                | AppError::BadGateway(_)
                | AppError::GatewayTimeout(_)
        )
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
                    next: self.next_step(),
                    retry_after: match self {
                        AppError::RateLimited { retry_after } => Some(retry_after),
                        _ => None,
                    },
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
        } else if matches!(self, AppError::NoAccount) && !req.method.is_unsafe() {
            // A newcomer lands on the page that starts an account (or joins one they are invited to).
            return Response::see_other("/accounts/new");
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

/// A wait in words a person reads: "45 seconds", "1 minute", "10 minutes" (rounded up, so
/// waiting that long is always enough).
pub fn wait_words(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".into(),
        2..=59 => format!("{seconds} seconds"),
        _ => match seconds.div_ceil(60) {
            1 => "1 minute".into(),
            m => format!("{m} minutes"),
        },
    }
}

/// Builds an `Invalid` error for one field.
pub fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid {
        detail: message.to_string(),
        errors: vec![(field.to_string(), message.to_string())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn problem(error: AppError) -> (Response, serde_json::Value) {
        let req = Request::new(
            Method::Get,
            "/api/v1/things",
            "",
            vec![("x-request-id".into(), "req_abc".into())],
            Vec::new(),
        );
        let resp = error.into_response(&req, &Shell::signed_out(false));
        // A body that is not JSON reads as null and fails the assertions.
        let body = serde_json::from_slice(&resp.body).unwrap_or_default();
        (resp, body)
    }

    fn header<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
        resp.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_rate_limit_problem_carries_the_wait_in_words_and_seconds() {
        let (resp, body) = problem(AppError::RateLimited { retry_after: 45 });
        assert_eq!(resp.status, 429);
        assert_eq!(header(&resp, "retry-after"), Some("45"));
        assert_eq!(
            header(&resp, "content-type"),
            Some("application/problem+json")
        );
        assert_eq!(body["status"], 429);
        assert_eq!(body["title"], "Too many attempts");
        assert_eq!(body["retry_after"], 45);
        assert_eq!(body["next"], "Please wait 45 seconds and try again.");
        assert_eq!(body["request_id"], "req_abc");
        assert!(
            body["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("/rate-limited"))
        );
    }

    #[test]
    fn an_unavailable_problem_hides_the_cause_and_asks_to_retry() {
        let (resp, body) = problem(AppError::Unavailable("postgres: refused".into()));
        assert_eq!(resp.status, 503);
        assert_eq!(body["title"], "Pulse Account is temporarily unavailable");
        assert!(!body.to_string().contains("refused"), "{body}");
        assert!(
            body["next"]
                .as_str()
                .is_some_and(|n| n.contains("try again in a minute")),
            "{body}"
        );
        assert!(body.get("retry_after").is_none());
    }

    #[test]
    fn a_conflict_problem_says_what_clashed_and_how_to_resolve_it() {
        let (resp, body) = problem(DbError::Constraint("duplicate key tenants_slug".into()).into());
        assert_eq!(resp.status, 409);
        assert_eq!(body["type"], "https://docs.planapulse.ai/problems/conflict");
        assert!(!body.to_string().contains("tenants_slug"), "{body}");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("already exists"))
        );
        assert!(
            body["next"]
                .as_str()
                .is_some_and(|n| n.starts_with("Reload the page"))
        );
    }

    #[test]
    fn forbidden_and_not_found_problems_say_what_to_do_next() {
        let (resp, body) = problem(AppError::Forbidden(
            "Billing is for billing members.".into(),
        ));
        assert_eq!(resp.status, 403);
        assert_eq!(body["detail"], "Billing is for billing members.");
        assert!(
            body["next"]
                .as_str()
                .is_some_and(|n| n.contains("owner or admin"))
        );
        let (resp, body) = problem(AppError::NotFound);
        assert_eq!(resp.status, 404);
        assert!(
            body["next"]
                .as_str()
                .is_some_and(|n| n.contains("Check the address"))
        );
    }

    #[test]
    fn waits_read_in_seconds_then_whole_minutes() {
        assert_eq!(wait_words(1), "a second");
        assert_eq!(wait_words(45), "45 seconds");
        assert_eq!(wait_words(60), "1 minute");
        assert_eq!(wait_words(61), "2 minutes");
        assert_eq!(wait_words(600), "10 minutes");
    }
}
