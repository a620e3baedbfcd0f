//! The provisioner's side: its signed reports (`POST /api/v1/provisioner/events`) and the
//! signed call a scheduler makes to retry undelivered jobs (`POST /api/v1/provisioner/run`).
//! Neither carries a user's credential; the HMAC signature over the timestamp and the raw body
//! is the authentication, and a timestamp more than five minutes away is refused.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::provisioning::{self, Applied};
use pulse_core::time::now_unix;
use serde_json::json;

use crate::provisioner;

/// Refuses a request from a browser on another site, then one whose signature, under
/// `provisioner_key`, does not hold.
fn verify(ctx: &Ctx, req: &Request) -> Result<(), AppError> {
    pulse_core::csrf::check(req, &ctx.config, None)?;
    provisioning::verify(
        &provisioner::key(),
        req.header("pulse-timestamp"),
        req.header("pulse-signature"),
        &req.body,
        now_unix(),
    )
    .map_err(|e| match e {
        provisioning::SignatureError::NoKey => AppError::Unavailable(e.to_string()),
        other => AppError::Forbidden(format!(
            "{other}. Sign `{{timestamp}}.{{body}}` with HMAC-SHA256 under the shared key and send it as `Pulse-Signature: v1=<hex>` with `Pulse-Timestamp: <unix seconds>`."
        )),
    })
}

/// `POST /api/v1/provisioner/events` with `{"id", "job", "tenant", "status"}` (and, for a
/// backup, `"location"` and `"size"`): applied once by event id; a report for an older job, or
/// one that would move the tenant backwards, is acknowledged and ignored.
pub fn receive_event(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    verify(ctx, req)?;
    let body = req.json_body()?;
    let field = |name: &str| {
        body[name]
            .as_str()
            .filter(|v| !v.is_empty() && v.len() <= 100)
            .map(str::to_string)
            .ok_or_else(|| {
                pulse_core::error::invalid(name, &format!("`{name}` must be a non-empty string."))
            })
    };
    let (event, job, tenant, status) = (
        field("id")?,
        field("job")?,
        field("tenant")?,
        field("status")?,
    );
    let location = body["location"].as_str().filter(|l| l.len() <= 2000);
    let report = provisioning::Event {
        id: &event,
        job: &job,
        tenant: &tenant,
        status: &status,
        location,
        size: body["size"].as_i64(),
    };
    let applied = transaction(ctx.db()?, |db| {
        provisioning::apply_event(db, &report, now_unix())
    })?;
    let outcome = match applied {
        Applied::Moved => "applied",
        Applied::Duplicate => "duplicate",
        Applied::Ignored => "ignored",
        Applied::UnknownJob => return Err(AppError::NotFound),
    };
    Ok(Response::json(
        200,
        &json!({ "object": "provisioner_event", "id": event, "outcome": outcome }),
    ))
}

/// `POST /api/v1/provisioner/run`: delivers the jobs that are due (a scheduler's call).
pub fn run(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    verify(ctx, req)?;
    let run = provisioner::run_due(ctx)?;
    Ok(Response::json(
        200,
        &json!({ "object": "provisioning_run", "delivered": run.delivered, "completed_locally": run.completed_locally, "failed": run.failed }),
    ))
}
