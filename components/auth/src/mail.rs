//! Delivery of the mail outbox through an HTTP mail API, speaking Postmark's documented
//! `POST /email` format (`X-Postmark-Server-Token`, `From`/`To`/`Subject`/`TextBody`/`HtmlBody`).
//! In local mode, or with no `mail_api_url`, messages stay in the outbox for `/dev/mailbox`.
//! Each attempt is recorded, so a failed delivery is retried with back-off and never lost.

use pulse_core::AppError;
use pulse_core::spin::Ctx;
use pulse_core::store::outbox::{self, Pending};
use pulse_core::time::{now_rfc3339, now_unix};
use serde_json::json;

use pulse_core::outbound;

/// How many messages one request delivers at most, so a backlog never slows a visitor much.
const BATCH: i64 = 5;

/// How many messages a scheduler's run delivers at most (it runs again a minute later).
pub const RUN_BATCH: i64 = 100;

/// What one delivery round did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Delivered {
    /// Messages the mail API accepted.
    pub sent: u32,
    /// Messages it refused or did not answer for, kept for a later retry.
    pub failed: u32,
}

/// Delivers messages that are due. Failures are recorded on the message, not returned: the
/// request that triggered delivery has already done its own work.
pub fn deliver_due(ctx: &Ctx) -> Result<(), AppError> {
    deliver(ctx, BATCH).map(|_| ())
}

/// Delivers up to `limit` messages that are due, oldest first.
pub fn deliver(ctx: &Ctx, limit: i64) -> Result<Delivered, AppError> {
    let mut done = Delivered::default();
    // Local mode keeps mail for /dev/mailbox without reading the mail settings at all.
    if ctx.config.is_local() {
        return Ok(done);
    }
    let url = spin_sdk::variables::get("mail_api_url").unwrap_or_default();
    if url.is_empty() {
        return Ok(done);
    }
    let token = spin_sdk::variables::get("mail_api_key").unwrap_or_default();
    let from = spin_sdk::variables::get("mail_from").unwrap_or_default();
    let db = ctx.db()?;
    for pending in outbox::due(db, &now_rfc3339(), limit)? {
        match send(&url, &token, &from, &pending) {
            Ok(()) => {
                outbox::mark_sent(db, &pending.id, &now_rfc3339())?;
                done.sent += 1;
            }
            Err(why) => {
                eprintln!("mail delivery of {} failed: {why}", pending.id);
                outbox::mark_failed(db, &pending, now_unix(), &why)?;
                done.failed += 1;
            }
        }
    }
    Ok(done)
}

fn send(url: &str, token: &str, from: &str, p: &Pending) -> Result<(), String> {
    let body = json!({
        "From": from,
        "To": p.mail.to,
        "Subject": p.mail.subject,
        "TextBody": p.mail.text,
        "HtmlBody": p.mail.html,
        "MessageStream": "outbound",
    })
    .to_string();
    let answer = outbound::post_json(url, &[("x-postmark-server-token", token)], &body)
        .map_err(|e| e.to_string())?;
    let parsed: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    // Postmark answers 200 with `ErrorCode: 0` on success; anything else is a failure to retry.
    if answer.status == 200 && parsed["ErrorCode"].as_i64() == Some(0) {
        Ok(())
    } else {
        Err(format!(
            "mail API answered {}: {}",
            answer.status,
            parsed["Message"].as_str().unwrap_or("no message")
        ))
    }
}
