//! Refresh and sign-out.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::sessions::{self, Refreshed};
use pulse_core::time::{now_rfc3339, now_unix};
use serde_json::json;

use super::{key_ring, safe_next};
use crate::cookies;

/// `GET|POST /api/auth/refresh`: rotates the refresh token and issues a new access token.
/// Presenting a spent token revokes its whole session. A GET (the redirect pages use when the
/// access token expired) returns to `next`; a POST answers JSON.
pub fn refresh(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    // The refresh cookie is a credential another site could make the browser send with a POST:
    // only our own origin may spend it (without an access token there is no CSRF token to ask
    // for, so the origin layer is the check).
    pulse_core::csrf::check(req, &ctx.config, None)?;
    let ring = key_ring(ctx)?;
    let browser = req.method == pulse_core::http::Method::Get;
    let next = safe_next(req.query_param("next").as_deref());
    let token = req.cookie(ctx.config.refresh_cookie()).unwrap_or_default();
    let outcome = if token.is_empty() {
        Refreshed::Invalid
    } else {
        sessions::refresh(ctx.db()?, token, now_unix())?
    };
    match outcome {
        Refreshed::Rotated {
            session_id,
            user_id,
            refresh_token,
        } => {
            let resp = if browser {
                Response::see_other(&next)
            } else {
                Response::json(
                    200,
                    &json!({ "object": "session", "id": session_id, "expires_in": 900 }),
                )
            };
            Ok(cookies::sign_in(
                resp,
                &ctx.config,
                &ring,
                &user_id,
                &session_id,
                &refresh_token,
            ))
        }
        Refreshed::ReuseDetected | Refreshed::Invalid => {
            let resp = if browser {
                Response::see_other(&format!(
                    "/login?next={}",
                    pulse_core::http::percent_encode(&next)
                ))
            } else {
                AppError::Unauthenticated
                    .into_response(req, &ctx.shell(pulse_core::views::Nav::None))
            };
            Ok(cookies::sign_out(resp, &ctx.config))
        }
    }
}

/// `POST /logout`: revokes the session and clears the cookies.
pub fn sign_out(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    match ctx.require_person(req) {
        Ok(person) => {
            pulse_core::csrf::check_token(req, &ctx.config, person.csrf_token())?;
            sessions::revoke(ctx.db()?, person.session_id(), &now_rfc3339())?;
        }
        Err(AppError::Unauthenticated) => pulse_core::csrf::check(req, &ctx.config, None)?,
        Err(other) => return Err(other),
    }
    Ok(cookies::sign_out(Response::see_other("/"), &ctx.config))
}
