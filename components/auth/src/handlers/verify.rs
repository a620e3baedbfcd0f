//! Fresh verification before destructive actions: a six-digit code sent to the signed-in
//! user's email, valid for ten minutes and five attempts, which marks the session as verified
//! now (what `pulse:account/session`'s `recently-verified` checks).

use pulse_core::AppError;
use pulse_core::db::{Db, transaction};
use pulse_core::error::invalid;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::msg;
use pulse_core::identity::Credential;
use pulse_core::kv::{self, Kv};
use pulse_core::spin::{Ctx, SpinKv};
use pulse_core::store::outbox;
use pulse_core::time::now_unix;
use pulse_core::token::{constant_time_eq, hash_secret};
use pulse_core::views::Nav;
use serde::{Deserialize, Serialize};

use super::safe_next;
use crate::views;

const CODE_TTL_SECONDS: i64 = 600;
const MAX_ATTEMPTS: u32 = 5;

#[derive(Serialize, Deserialize)]
struct PendingCode {
    code_hash: String,
    expires_at: i64,
    attempts: u32,
}

fn code_key(session_id: &str) -> String {
    format!("verify-code:{session_id}")
}

fn kv_error(e: String) -> AppError {
    AppError::Unavailable(format!("key-value store: {e}"))
}

/// A six-digit code from the CSPRNG (rejection sampling keeps every code equally likely).
fn new_code() -> String {
    loop {
        let n = u32::from_le_bytes(pulse_core::ids::random_bytes::<4>());
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// `GET /security/verify?next=`: explains and offers to send a code.
pub fn show_verify(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let next = safe_next(req.query_param("next").as_deref());
    let sent = req.query_param("sent").is_some();
    Ok(Response::html(
        200,
        views::verify::page(&ctx.shell(Nav::Account), who, &next, sent, &[]),
    ))
}

/// `POST /security/verify/send`: emails a fresh code (rate-limited per session).
pub fn send_code(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    if who.credential != Credential::Cookie {
        return Err(AppError::Forbidden(
            msg("Verification codes are for browser sessions.").into(),
        ));
    }
    let next = safe_next(req.form().get("next"));
    let store = SpinKv::open()?;
    let now = now_unix();
    match kv::hit(
        &store,
        &format!("verify-send:{}", who.session_id),
        5,
        600,
        now,
    ) {
        Ok(Ok(())) => {}
        Ok(Err(retry_after)) => return Err(AppError::RateLimited { retry_after }),
        Err(e) => return Err(kv_error(e)),
    }
    let code = new_code();
    let pending = PendingCode {
        code_hash: hash_secret(&format!("{}:{code}", who.session_id)),
        expires_at: now + CODE_TTL_SECONDS,
        attempts: 0,
    };
    transaction(ctx.db()?, |db| {
        kv::set_json(&store, &code_key(&who.session_id), &pending).map_err(kv_error)?;
        // The code goes to the person asking for it, so it reads as their pages do.
        let mail = views::mail::verification_code(ctx.reader(Some(who)), &who.email, &code);
        outbox::enqueue(db, &mail)?;
        Ok::<_, AppError>(())
    })?;
    crate::mail::deliver_due(ctx)?;
    Ok(Response::see_other(&format!(
        "/security/verify?sent=1&next={}",
        pulse_core::http::percent_encode(&next)
    )))
}

/// `POST /security/verify` (`code`): checks the code and marks the session verified now.
pub fn check_code(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let next = safe_next(form.get("next"));
    let given = form.get("code").unwrap_or_default().replace(' ', "");
    let store = SpinKv::open()?;
    let key = code_key(&who.session_id);
    let pending: Option<PendingCode> = kv::get_json(&store, &key).map_err(kv_error)?;
    let now = now_unix();
    let wrong = |message: &str| {
        let errors = vec![("code".to_string(), message.to_string())];
        Ok(Response::html(
            422,
            views::verify::page(&ctx.shell(Nav::Account), who, &next, true, &errors),
        ))
    };
    let Some(mut pending) = pending.filter(|p| p.expires_at > now && p.attempts < MAX_ATTEMPTS)
    else {
        store.delete(&key).map_err(kv_error)?;
        return wrong(msg(
            "This code has expired or was tried too often. Send a new code.",
        ));
    };
    if given.len() != 6 || !given.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("code", msg("Enter the six digits from the email.")));
    }
    if !constant_time_eq(
        &hash_secret(&format!("{}:{given}", who.session_id)),
        &pending.code_hash,
    ) {
        pending.attempts += 1;
        kv::set_json(&store, &key, &pending).map_err(kv_error)?;
        return wrong(msg(
            "That code is not right. Check the newest email and try again.",
        ));
    }
    store.delete(&key).map_err(kv_error)?;
    ctx.db()?.execute(
        "UPDATE sessions SET verified_at = $1 WHERE id = $2 AND user_id = $3",
        &[
            now.into(),
            who.session_id.as_str().into(),
            who.user_id.as_str().into(),
        ],
    )?;
    Ok(Response::see_other(&next))
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = super::new_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
