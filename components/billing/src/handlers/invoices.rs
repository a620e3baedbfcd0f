//! Subscriptions and invoices.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::error::invalid;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::{audit, billing, billing_details, overview};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;
use serde_json::json;

use super::require_billing;
use crate::views;

/// Invoices the billing page lists; older ones are in the API.
const RECENT_INVOICES: i64 = 24;

/// `GET /billing`.
pub fn show_billing(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let billing = overview::billing(ctx.db()?, &who.account.account_id, RECENT_INVOICES)?;
    Ok(Response::html(
        200,
        views::billing::page(
            &ctx.shell(Nav::Billing),
            who,
            &billing,
            req.query_param("done").as_deref(),
            now_unix(),
        ),
    ))
}

/// `GET /billing/invoices/{id}`.
pub fn show_invoice(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let invoice =
        billing::find_invoice(ctx.db()?, &who.account.account_id, id)?.ok_or(AppError::NotFound)?;
    Ok(Response::html(
        200,
        views::billing::invoice(
            &ctx.shell(Nav::Billing),
            &invoice,
            req.query_param("done").as_deref(),
        ),
    ))
}

/// `GET /api/v1/subscriptions`.
pub fn api_list_subscriptions(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let (data, more) =
        billing::subscriptions_page(ctx.db()?, &who.account.account_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `GET /api/v1/invoices?limit=&starting_after=`: cursor pagination, newest first.
pub fn api_list_invoices(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let limit = match req.query_param("limit") {
        None => 10,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| invalid("limit", "limit must be a whole number from 1 to 100."))?,
    };
    let cursor = req.query_param("starting_after");
    let (data, has_more) =
        billing::invoices_page(ctx.db()?, &who.account.account_id, limit, cursor.as_deref())?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": has_more }),
    ))
}

/// `GET /api/v1/invoices/{id}`.
pub fn api_show_invoice(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let invoice =
        billing::find_invoice(ctx.db()?, &who.account.account_id, id)?.ok_or(AppError::NotFound)?;
    Ok(Response::json(200, &invoice))
}

/// `GET /billing/details`.
pub fn show_details(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let details = billing_details::find(ctx.db()?, &who.account.account_id)?.unwrap_or_default();
    let done = req.query_param("done");
    let form = views::billing::DetailsForm {
        done: done.as_deref().filter(|d| *d == "saved"),
        ..Default::default()
    };
    Ok(Response::html(
        200,
        views::billing::details(&ctx.shell(Nav::Billing), who, &details, &form),
    ))
}

/// `POST /billing/details`: saves them, or shows the form again with what to fix.
pub fn save_details(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    require_billing(who)?;
    let form = req.form();
    let typed = (
        form.get("name").unwrap_or_default(),
        form.get("country").unwrap_or_default(),
        form.get("address").unwrap_or_default(),
        form.get("tax_id").unwrap_or_default(),
    );
    let r = ctx.reader(Some(who));
    match billing_details::check(typed.0, typed.1, typed.2, typed.3, r) {
        Ok(details) => {
            transaction(ctx.db()?, |db| {
                billing_details::save(db, &who.account.account_id, &details)?;
                audit::record_by(
                    db,
                    who,
                    &req.client_ip(),
                    "billing.details_changed",
                    &who.account.account_id,
                    "Billing details changed",
                )?;
                Ok::<_, AppError>(())
            })?;
            Ok(Response::see_other("/billing/details?done=saved"))
        }
        Err(errors) => {
            let stored =
                billing_details::find(ctx.db()?, &who.account.account_id)?.unwrap_or_default();
            let form = views::billing::DetailsForm {
                typed: Some(typed),
                errors,
                done: None,
            };
            Ok(Response::html(
                422,
                views::billing::details(&ctx.shell(Nav::Billing), who, &stored, &form),
            ))
        }
    }
}
