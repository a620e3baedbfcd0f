//! Self-hosted licenses.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::licenses;
use pulse_core::views::Nav;
use serde_json::json;

use crate::views;

/// `GET /licenses`.
pub fn list_licenses(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let list = licenses::list_for_account(ctx.db()?, &who.account.account_id)?;
    Ok(Response::html(
        200,
        views::licenses::list(&ctx.shell(Nav::Licenses), &list),
    ))
}

/// `GET /licenses/{id}`: another account's license is a 404.
pub fn show_license(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (license, activations) =
        licenses::find_for_account(ctx.db()?, &who.account.account_id, id)?
            .ok_or(AppError::NotFound)?;
    Ok(Response::html(
        200,
        views::licenses::detail(&ctx.shell(Nav::Licenses), &license, &activations),
    ))
}

/// `GET /api/v1/licenses`.
pub fn api_list_licenses(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let data = licenses::list_for_account(ctx.db()?, &who.account.account_id)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": false }),
    ))
}

/// `GET /api/v1/licenses/{id}`.
pub fn api_show_license(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (license, activations) =
        licenses::find_for_account(ctx.db()?, &who.account.account_id, id)?
            .ok_or(AppError::NotFound)?;
    Ok(Response::json(
        200,
        &json!({ "object": "license", "license": license, "activations": activations }),
    ))
}
