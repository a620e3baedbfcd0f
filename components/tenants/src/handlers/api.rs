//! The tenants JSON API.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::{accounts, tenants};
use serde_json::json;

use super::require_provider;

/// `GET /api/v1/tenants`.
pub fn list_tenants(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (data, more) = tenants::page_for_account(ctx.db()?, &who.account.account_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `GET /api/v1/tenants/{id}`.
pub fn show_tenant(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (tenant, _) = tenants::find_for_account(ctx.db()?, &who.account.account_id, id)?
        .ok_or(AppError::NotFound)?;
    Ok(Response::json(200, &tenant))
}

/// `GET /api/v1/templates`.
pub fn list_templates(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    ctx.require(req)?;
    let (data, more) = tenants::templates_page(ctx.db()?, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `GET /api/v1/clients`: an MSP provider's client accounts.
pub fn list_clients(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_provider(who)?;
    let (data, more) = accounts::clients_page(ctx.db()?, &who.account.account_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}
