//! Subscriptions and invoices.

use pulse_core::AppError;
use pulse_core::error::invalid;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::{billing, overview};
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
        views::billing::page(&ctx.shell(Nav::Billing), &billing, now_unix()),
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
        views::billing::invoice(&ctx.shell(Nav::Billing), who, &invoice),
    ))
}

/// `GET /api/v1/subscriptions`.
pub fn api_list_subscriptions(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let data = billing::subscriptions(ctx.db()?, &who.account.account_id)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": false }),
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
