//! The MSP provider view.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::overview;
use pulse_core::views::Nav;

use super::require_provider;
use crate::views;

/// `GET /msp`: the provider's clients and their workspaces.
pub fn show_clients(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_provider(who)?;
    let (clients, list) = overview::msp(ctx.db()?, &who.account.account_id)?;
    Ok(Response::html(
        200,
        views::msp::clients(&ctx.shell(Nav::Msp), who, &clients, &list),
    ))
}

/// `GET /msp/clients/{id}`: one client of this provider (any other id is a 404).
pub fn show_client(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_provider(who)?;
    let (client, list) =
        overview::msp_client(ctx.db()?, &who.account.account_id, id)?.ok_or(AppError::NotFound)?;
    Ok(Response::html(
        200,
        views::msp::client(&ctx.shell(Nav::Msp), &client, &list),
    ))
}
