//! One subscription: its page, ending it at the period's end with a reason (after a recent
//! verification), and resuming it before then. The payment provider is told first; only when
//! it agrees is the change recorded, with its audit entry.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::identity::{Credential, Identity};
use pulse_core::spin::Ctx;
use pulse_core::store::subscriptions::{self, CANCEL_REASONS, Refused};
use pulse_core::store::{audit, billing};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;

use super::require_billing;
use crate::provider::Provider;
use crate::views;

fn find(ctx: &Ctx, who: &Identity, id: &str) -> Result<billing::Subscription, AppError> {
    billing::subscriptions(ctx.db()?, &who.account.account_id)?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)
}

/// `GET /billing/subscriptions/{id}`.
pub fn show_subscription(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let sub = find(ctx, who, id)?;
    let done = req.query_param("done");
    Ok(Response::html(
        200,
        views::billing::subscription(&ctx.shell(Nav::Billing), who, &sub, done.as_deref(), None),
    ))
}

/// Ends (`reason`) or resumes (`None`) the subscription; the provider first.
fn change(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    id: &str,
    reason: Option<&str>,
) -> Result<Result<(), Refused>, AppError> {
    require_billing(who)?;
    if reason.is_some() && who.credential == Credential::Cookie {
        ctx.require_fresh_verification(who)?;
    }
    let now = now_unix();
    let target = match subscriptions::check(
        ctx.db()?,
        &who.account.account_id,
        id,
        reason.is_some(),
        now,
    )? {
        Ok(t) => t,
        Err(refused) => return Ok(Err(refused)),
    };
    tell_provider(
        req,
        &target,
        reason.is_some(),
        &format!(
            "{}-{}-{}",
            target.id,
            if reason.is_some() { "cancel" } else { "resume" },
            req.request_id
        ),
    )?;
    transaction(ctx.db()?, |db| {
        subscriptions::set_cancel(db, &target.id, reason, now)?;
        audit::record(
            db,
            &audit::Entry {
                account_id: &who.account.account_id,
                actor_user_id: &who.user_id,
                action: if reason.is_some() {
                    "subscription.cancelled"
                } else {
                    "subscription.resumed"
                },
                target: &target.id,
                detail: &match reason {
                    Some(r) => format!("{} ends at the period's end: {r}", target.plan),
                    None => format!("{} renews again", target.plan),
                },
                ip: &req.client_ip(),
            },
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(Ok(()))
}

/// Tells the payment provider that `target` ends at its period's end (`cancel`) or renews;
/// `idempotency_key` makes a retry of the same change harmless.
pub fn tell_provider(
    req: &Request,
    target: &subscriptions::Target,
    cancel: bool,
    idempotency_key: &str,
) -> Result<(), AppError> {
    Provider::configured()
        .set_cancel_at_period_end(target.provider_id.as_deref(), cancel, idempotency_key)
        .map_err(|why| {
            eprintln!("request_id={} payment provider: {why}", req.request_id);
            AppError::Unavailable("the payment provider did not accept the change".into())
        })
}

/// The reason a form or body gives: one of the choices, with an optional comment.
pub fn reason_of(choice: &str, comment: &str) -> Result<String, AppError> {
    let Some((key, _)) = CANCEL_REASONS.iter().find(|(k, _)| *k == choice) else {
        return Err(pulse_core::error::invalid(
            "reason",
            "Choose why the subscription should end.",
        ));
    };
    let comment = comment.trim();
    if comment.chars().count() > 1000 {
        return Err(pulse_core::error::invalid(
            "comment",
            "Keep the comment under 1,000 characters.",
        ));
    }
    Ok(if comment.is_empty() {
        (*key).to_string()
    } else {
        format!("{key}: {comment}")
    })
}

/// `POST /billing/subscriptions/{id}/cancel` (form: `reason`, `comment`) and `.../resume`.
pub fn change_from_form(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    cancel: bool,
) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let reason = if cancel {
        let reason = reason_of(
            form.get("reason").unwrap_or_default(),
            form.get("comment").unwrap_or_default(),
        );
        match reason {
            Ok(r) => Some(r),
            Err(e) => {
                let sub = find(ctx, who, id)?;
                return Ok(Response::html(
                    422,
                    views::billing::subscription(
                        &ctx.shell(Nav::Billing),
                        who,
                        &sub,
                        None,
                        Some(&e.detail()),
                    ),
                ));
            }
        }
    } else {
        None
    };
    match change(ctx, req, who, id, reason.as_deref())? {
        Ok(()) => Ok(Response::see_other(&format!(
            "/billing/subscriptions/{id}?done={}",
            if cancel { "cancelled" } else { "resumed" }
        ))),
        Err(Refused::NotFound) => Err(AppError::NotFound),
        Err(Refused::State(why)) => {
            let sub = find(ctx, who, id)?;
            Ok(Response::html(
                409,
                views::billing::subscription(&ctx.shell(Nav::Billing), who, &sub, None, Some(&why)),
            ))
        }
    }
}

/// `POST /api/v1/subscriptions/{id}/cancel` with `{"reason", "comment"}`, and `.../resume`:
/// 200 with the subscription as it is now.
pub fn change_from_api(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    cancel: bool,
) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let reason = if cancel {
        let body = req.json_body()?;
        Some(reason_of(
            body["reason"].as_str().unwrap_or_default(),
            body["comment"].as_str().unwrap_or_default(),
        )?)
    } else {
        None
    };
    match change(ctx, req, who, id, reason.as_deref())? {
        Ok(()) => Ok(Response::json(200, &find(ctx, who, id)?)),
        Err(Refused::NotFound) => Err(AppError::NotFound),
        Err(Refused::State(why)) => Err(AppError::Conflict(why)),
    }
}
