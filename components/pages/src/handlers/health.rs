//! Health: `/healthz` is readiness — 200 only when the configuration is safe, the session keys
//! load and the database and the key-value store answer, so probes take an unsafe or disconnected replica out of
//! service — and `/healthz/live` is liveness, which never touches the database, so an outage
//! makes pods unready without restarting them.

use pulse_core::AppError;
use pulse_core::db::Db;
use pulse_core::http::{Request, Response};
use pulse_core::kv::Kv;
use pulse_core::spin::{Ctx, SpinKv};
use serde_json::json;

/// Readiness: configuration, keys, database and key-value store (which counts every write);
/// `ok` or a 503 naming what failed.
pub fn show_health(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    ctx.session_ready(req)?;
    let db = ctx.db()?;
    db.query("SELECT 1", &[])?;
    SpinKv::open()?
        .get("healthz")
        .map_err(|e| AppError::Unavailable(format!("key-value store: {e}")))?;
    if req.wants_json() {
        return Ok(Response::json(
            200,
            &json!({ "status": "ok", "database": db.dialect().to_string() }),
        ));
    }
    Ok(Response::text(200, "ok\n"))
}

/// Liveness: configuration and keys only; `ok` or a 503 naming what failed.
pub fn show_liveness(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    ctx.session_ready(req)?;
    if req.wants_json() {
        return Ok(Response::json(200, &json!({ "status": "ok" })));
    }
    Ok(Response::text(200, "ok\n"))
}
