//! `POST /api/v1/mail/run`: a scheduler's call that delivers the mail every area queued in its
//! outbox (invitations, privacy and billing notices, support replies), so a message never
//! waits for someone to sign in. Signed with `scheduler_key` like the privacy run.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::{Ctx, require_scheduler};
use serde_json::json;

use crate::mail::{self, RUN_BATCH};

/// Delivers up to [`RUN_BATCH`] due messages and says how it went.
pub fn api_run(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    pulse_core::csrf::check(req, &ctx.config, None)?;
    require_scheduler(req)?;
    let done = mail::deliver(ctx, RUN_BATCH)?;
    Ok(Response::json(
        200,
        &json!({ "object": "mail_run", "sent": done.sent, "failed": done.failed }),
    ))
}
