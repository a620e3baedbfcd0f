//! Cross-site request forgery defence for every state-changing request.
//!
//! Two layers: the request must come from our own origin (`Origin`/`Sec-Fetch-Site`), and a
//! cookie-authenticated request must echo the session's CSRF token. Bearer-token API calls carry
//! no ambient credential, so only the origin layer applies to them.

use crate::config::Config;
use crate::error::AppError;
use crate::http::Request;
use crate::identity::{Credential, Identity};
use crate::token::constant_time_eq;

/// Checks a request that changes state. Safe methods always pass.
pub fn check(req: &Request, config: &Config, identity: Option<&Identity>) -> Result<(), AppError> {
    let token = identity
        .filter(|id| id.credential == Credential::Cookie)
        .map(|id| id.csrf_token.as_str());
    check_token(req, config, token)
}

/// Checks a request that changes state against the CSRF token of the cookie session making it
/// (`None` for requests that carry no cookie session).
pub fn check_token(req: &Request, config: &Config, token: Option<&str>) -> Result<(), AppError> {
    if !req.method.is_unsafe() {
        return Ok(());
    }
    check_origin(req, config)?;
    if let Some(expected) = token {
        let sent = req
            .header("x-csrf-token")
            .map(str::to_string)
            .or_else(|| req.form().get("csrf").map(str::to_string))
            .unwrap_or_default();
        if !constant_time_eq(&sent, expected) {
            return Err(AppError::Csrf);
        }
    }
    // Every state-changing request passes here before its handler reads the body, so this is
    // where a form body that is not text (a NUL, bytes that are not UTF-8) is refused.
    req.check_form_text()
}

/// The origin layer alone: a state-changing request must come from our own origin. For a
/// request the portal only passes on (to a workspace), whose body is not the portal's to read.
pub fn check_origin(req: &Request, config: &Config) -> Result<(), AppError> {
    if !req.method.is_unsafe() {
        return Ok(());
    }
    if req.header("sec-fetch-site") == Some("cross-site") {
        return Err(AppError::Csrf);
    }
    if req
        .header("origin")
        .is_some_and(|origin| origin != config.public_origin)
    {
        return Err(AppError::Csrf);
    }
    Ok(())
}
