//! Pulse Cloud pages: tenants, one tenant, templates, integrations.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::tenants;
use pulse_core::views::Nav;

use crate::views;

/// `GET /cloud`.
pub fn list_tenants(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let list = tenants::list_for_account(ctx.db()?, &who.account.account_id)?;
    Ok(Response::html(
        200,
        views::cloud::list(&ctx.shell(Nav::Cloud), who, &list),
    ))
}

/// `GET /cloud/{id}`: another account's tenant is a 404.
pub fn show_tenant(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    super::settings::render(ctx, req, who, id, 200, &Default::default())
}
