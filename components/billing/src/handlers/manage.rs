//! Managing one subscription without signing in (`/billing/manage/{token}`): the link mailed to
//! an owner or billing member of its account opens the cancel or resume step of that one
//! subscription and nothing else, expires after a day and works once.

use pulse_core::AppError;
use pulse_core::csrf;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::email_links::{self, Link, Purpose};
use pulse_core::store::subscriptions::{self, Refused};
use pulse_core::store::{audit, billing};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;
use serde_json::json;

use super::subscriptions::{reason_of, tell_provider};
use crate::views;

/// The link's subscription, with its account's id and name.
type Opened = (Link, String, String, billing::Subscription);

fn open(ctx: &Ctx, token: &str) -> Result<Option<Opened>, AppError> {
    let db = ctx.db()?;
    let Some(link) = email_links::peek(db, Purpose::ManageSubscription, token, now_unix())? else {
        return Ok(None);
    };
    Ok(billing::subscription_by_id(db, &link.subject_id)?
        .map(|(account, name, sub)| (link, account, name, sub)))
}

fn gone(ctx: &Ctx) -> Response {
    Response::html(410, views::manage::link_gone(&ctx.shell(Nav::None)))
}

/// `GET /billing/manage/{token}`.
pub fn show(ctx: &Ctx, token: &str) -> Result<Response, AppError> {
    Ok(match open(ctx, token)? {
        Some((_, _, account, sub)) => Response::html(
            200,
            views::manage::step(&ctx.shell(Nav::None), token, &account, &sub, None),
        ),
        None => gone(ctx),
    })
}

/// Ends (`Some(reason)`) or resumes the link's subscription, using the link: the provider is
/// told first, then the link is used and the change recorded together, so a link works once
/// even when it is used twice at the same moment.
fn change(
    ctx: &Ctx,
    req: &Request,
    token: &str,
    reason: Option<&str>,
) -> Result<Result<(String, billing::Subscription), Refused>, AppError> {
    let Some((link, account, _, sub)) = open(ctx, token)? else {
        return Ok(Err(Refused::NotFound));
    };
    let now = now_unix();
    let target = match subscriptions::check(ctx.db()?, &account, &sub.id, reason.is_some(), now)? {
        Ok(t) => t,
        Err(refused) => return Ok(Err(refused)),
    };
    let step = if reason.is_some() { "cancel" } else { "resume" };
    tell_provider(
        req,
        &target,
        reason.is_some(),
        &format!("{}-{step}", link.id),
    )?;
    let used = transaction(ctx.db()?, |db| {
        if email_links::consume(db, Purpose::ManageSubscription, token, now)?.is_none() {
            return Ok::<_, AppError>(false);
        }
        subscriptions::set_cancel(db, &target.id, reason, now)?;
        audit::record_by_portal(
            db,
            &account,
            if reason.is_some() {
                "subscription.cancelled"
            } else {
                "subscription.resumed"
            },
            &target.id,
            &match reason {
                Some(r) => format!(
                    "{} ends at the period's end: {r} (from a link mailed to a billing contact)",
                    target.plan
                ),
                None => format!(
                    "{} renews again (from a link mailed to a billing contact)",
                    target.plan
                ),
            },
        )?;
        Ok(true)
    })?;
    if !used {
        return Ok(Err(Refused::NotFound));
    }
    let (_, name, sub) =
        billing::subscription_by_id(ctx.db()?, &target.id)?.ok_or(AppError::NotFound)?;
    Ok(Ok((name, sub)))
}

/// `POST /billing/manage/{token}` (form: `action` cancel or resume, `reason`, `comment`).
pub fn submit(ctx: &Ctx, req: &Request, token: &str) -> Result<Response, AppError> {
    csrf::check(req, &ctx.config, None)?;
    let form = req.form();
    let cancel = form.get("action") == Some("cancel");
    let reason = if cancel {
        match reason_of(
            form.get("reason").unwrap_or_default(),
            form.get("comment").unwrap_or_default(),
        ) {
            Ok(r) => Some(r),
            Err(e) => {
                return Ok(match open(ctx, token)? {
                    Some((_, _, account, sub)) => Response::html(
                        422,
                        views::manage::step(
                            &ctx.shell(Nav::None),
                            token,
                            &account,
                            &sub,
                            Some(&e.detail()),
                        ),
                    ),
                    None => gone(ctx),
                });
            }
        }
    } else {
        None
    };
    match change(ctx, req, token, reason.as_deref())? {
        Ok((account, sub)) => Ok(Response::html(
            200,
            views::manage::done(&ctx.shell(Nav::None), &account, &sub),
        )),
        Err(Refused::NotFound) => Ok(gone(ctx)),
        Err(Refused::State(why)) => Ok(match open(ctx, token)? {
            Some((_, _, account, sub)) => Response::html(
                409,
                views::manage::step(&ctx.shell(Nav::None), token, &account, &sub, Some(&why)),
            ),
            None => gone(ctx),
        }),
    }
}

/// `POST /api/v1/subscriptions/manage` with `{"token", "action": "cancel" | "resume",
/// "reason", "comment"}`: 200 with the subscription as it is now.
pub fn api_submit(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    csrf::check(req, &ctx.config, None)?;
    let body = req.json_body()?;
    let token = body["token"].as_str().unwrap_or_default();
    let reason = match body["action"].as_str() {
        Some("cancel") => Some(reason_of(
            body["reason"].as_str().unwrap_or_default(),
            body["comment"].as_str().unwrap_or_default(),
        )?),
        Some("resume") => None,
        _ => {
            return Err(pulse_core::error::invalid(
                "action",
                "action must be cancel or resume.",
            ));
        }
    };
    match change(ctx, req, token, reason.as_deref())? {
        Ok((_, sub)) => Ok(Response::json(200, &json!(sub))),
        Err(Refused::NotFound) => Err(AppError::NotFound),
        Err(Refused::State(why)) => Err(AppError::Conflict(why)),
    }
}
