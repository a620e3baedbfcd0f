//! `/dev/mailbox`: in local mode, every email the portal queued, newest first (HTML for people,
//! JSON for tests and scripts). The route does not exist outside local mode.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::outbox;
use pulse_core::views::Nav;
use serde_json::json;

use crate::views;

/// Lists queued messages; `?to=` filters by recipient.
pub fn show_mailbox(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let mut messages = outbox::recent(ctx.db()?, 200)?;
    if let Some(to) = req.query_param("to") {
        let to = to.to_lowercase();
        messages.retain(|m| m.to == to);
    }
    if req.wants_json() {
        return Ok(Response::json(
            200,
            &json!({ "object": "list", "data": messages }),
        ));
    }
    Ok(Response::html(
        200,
        views::mailbox::page(&ctx.shell(Nav::None), &messages),
    ))
}
