//! `GET /login/handoff`: a signed, single-use link from the product that lands the user on a
//! portal page, signing them in by email verification when they are not already.

use pulse_core::AppError;
use pulse_core::handoff::Handoff;
use pulse_core::http::{Request, Response};
use pulse_core::kv::Kv;
use pulse_core::spin::{Ctx, SpinKv};
use pulse_core::store::users::normalize_email;
use pulse_core::time::now_unix;
use pulse_core::views::Nav;

use super::login::send_link;
use crate::views;

/// Checks the link, spends its nonce, then redirects a matching signed-in user straight to the
/// page, or emails a sign-in link that lands there.
pub fn follow_handoff(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let key = spin_sdk::variables::get("handoff_key").unwrap_or_default();
    if key.is_empty() {
        return Err(AppError::NotFound);
    }
    let q = |name: &str| req.query_param(name).unwrap_or_default();
    let link = Handoff {
        to: q("to"),
        email: normalize_email(&q("email")).unwrap_or_default(),
        exp: q("exp").parse().unwrap_or(0),
        nonce: q("nonce"),
    };
    let refused = || {
        Ok(Response::html(
            400,
            views::login::handoff_invalid(&ctx.shell(Nav::None)),
        ))
    };
    if link.verify(key.as_bytes(), &q("sig"), now_unix()).is_err() {
        return refused();
    }
    let store = SpinKv::open()?;
    let nonce_key = format!("handoff-nonce:{}", link.nonce);
    let kv_error = |e: String| AppError::Unavailable(format!("key-value store: {e}"));
    if store.get(&nonce_key).map_err(kv_error)?.is_some() {
        return refused();
    }
    store
        .set(&nonce_key, link.exp.to_string().as_bytes())
        .map_err(kv_error)?;
    match ctx.identity(req)? {
        Some(who) if who.email == link.email => Ok(Response::see_other(&link.to)),
        _ => send_link(ctx, req, &link.email, &link.to),
    }
}
