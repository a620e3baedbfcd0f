//! Health: `/healthz` is readiness — 200 only when the configuration is safe, the session keys
//! load and the database answers, so probes take an unsafe or disconnected replica out of
//! service — and `/healthz/live` is liveness, which never touches the database, so an outage
//! makes pods unready without restarting them.

use pulse_core::AppError;
use pulse_core::db::Db;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use serde_json::json;

/// Readiness: configuration, keys and database; `ok` or a 503 naming what failed.
pub fn show_health(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    ctx.session_ready(req)?;
    let db = ctx.db()?;
    db.query("SELECT 1", &[])?;
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
