//! `Idempotency-Key` on creating API requests, as Stripe's API has it: the first answer to a
//! key is kept with a hash of the request (method, path and body), a retry with the same key
//! and request replays it and changes nothing, the same key with another request is refused
//! (422), and a retry while the first is still running is told so (409). The key is claimed
//! with an insert on the table's primary key before any work, so two simultaneous requests
//! with one key cannot both create.

use crate::db::{Db, DbError};
use crate::error::AppError;
use crate::http::{Request, Response};
use crate::time::now_rfc3339;
use crate::token::hash_secret;

/// The longest key accepted (Stripe allows 255 characters).
const MAX_KEY_LENGTH: usize = 255;

/// Runs `create` at most once per `Idempotency-Key` of `account_id`; without the header it
/// simply runs it. Only successful (2xx) answers are kept; a failure frees the key for a retry.
pub fn once(
    db: &dyn Db,
    account_id: &str,
    req: &Request,
    create: impl FnOnce() -> Result<Response, AppError>,
) -> Result<Response, AppError> {
    let Some(key) = req.header("idempotency-key") else {
        return create();
    };
    if key.is_empty() || key.len() > MAX_KEY_LENGTH {
        return Err(AppError::Invalid {
            detail: format!("An Idempotency-Key is 1 to {MAX_KEY_LENGTH} characters."),
            errors: vec![(
                "Idempotency-Key".into(),
                "Use a random value such as a UUID.".into(),
            )],
        });
    }
    let fingerprint = hash_secret(&format!(
        "{:?} {}\n{}",
        req.method,
        req.path,
        String::from_utf8_lossy(&req.body)
    ));
    let claimed = db.execute(
        "INSERT INTO idempotency_keys (account_id, idem_key, request_hash, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        &[
            account_id.into(),
            key.into(),
            fingerprint.as_str().into(),
            now_rfc3339().into(),
        ],
    )?;
    if claimed == 0 {
        return replay(db, account_id, key, &fingerprint);
    }
    match create() {
        Ok(resp) if (200..300).contains(&resp.status) => {
            db.execute(
                "UPDATE idempotency_keys SET status = $1, body = $2 WHERE account_id = $3 AND idem_key = $4",
                &[
                    i64::from(resp.status).into(),
                    String::from_utf8_lossy(&resp.body).into_owned().into(),
                    account_id.into(),
                    key.into(),
                ],
            )?;
            Ok(resp)
        }
        other => {
            release(db, account_id, key)?;
            other
        }
    }
}

fn release(db: &dyn Db, account_id: &str, key: &str) -> Result<(), DbError> {
    db.execute(
        "DELETE FROM idempotency_keys WHERE account_id = $1 AND idem_key = $2",
        &[account_id.into(), key.into()],
    )?;
    Ok(())
}

/// The kept answer for a key already used.
fn replay(
    db: &dyn Db,
    account_id: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Response, AppError> {
    let row = db
        .query_opt(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE account_id = $1 AND idem_key = $2",
            &[account_id.into(), key.into()],
        )?
        .ok_or_else(|| {
            AppError::Conflict("This Idempotency-Key was just released; retry the request.".into())
        })?;
    if row.text(0)? != fingerprint {
        return Err(AppError::Invalid {
            detail: "This Idempotency-Key was already used with a different request. Use a new key for a new request.".into(),
            errors: vec![("Idempotency-Key".into(), "Already used with another request.".into())],
        });
    }
    match (row.opt_int(1)?, row.opt_text(2)?) {
        (Some(status), Some(body)) => {
            let status = u16::try_from(status).unwrap_or(200);
            let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            Ok(Response::json(status, &value).with_header("idempotent-replayed", "true"))
        }
        _ => Err(AppError::Conflict(
            "A request with this Idempotency-Key is still being processed; retry in a moment."
                .into(),
        )),
    }
}
