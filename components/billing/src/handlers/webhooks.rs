//! `POST /api/billing/webhooks/stripe`: Stripe's events. The `Stripe-Signature` over the raw
//! body is the only authentication and is checked before the body is parsed; each event is then
//! applied once, in one transaction with the record of it, so an answer other than 2xx (after
//! which Stripe retries) leaves nothing behind.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::payments;
use pulse_core::stripe;
use pulse_core::time::now_unix;
use serde_json::json;

/// Receives one event.
pub fn receive_stripe(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    // Stripe sends no Origin; a browser on another site does, and is refused.
    pulse_core::csrf::check(req, &ctx.config, None)?;
    let spec = spin_sdk::variables::get("payment_webhook_secret").unwrap_or_default();
    let secrets = stripe::secrets(&spec);
    match stripe::verify(
        &secrets,
        req.header("stripe-signature"),
        &req.body,
        now_unix(),
    ) {
        Ok(_) => {}
        Err(stripe::SignatureError::NoSecret) => {
            return Err(AppError::Unavailable(
                "variable `payment_webhook_secret` is not set".into(),
            ));
        }
        Err(e) => return Err(AppError::BadRequest(format!("{e}. Nothing was recorded."))),
    }
    let event = req.json_body()?;
    let well_formed = event["id"]
        .as_str()
        .is_some_and(|id| !id.is_empty() && id.len() <= 255)
        && event["type"].as_str().is_some()
        && event["created"].is_i64();
    if !well_formed {
        return Err(AppError::Invalid {
            detail: "An event needs an `id`, a `type` and a `created` time.".into(),
            errors: Vec::new(),
        });
    }
    let outcome = transaction(ctx.db()?, |db| {
        payments::apply_event(db, &event, now_unix())
    })?;
    Ok(Response::json(
        200,
        &json!({ "received": true, "id": event["id"], "outcome": outcome.as_str() }),
    ))
}
