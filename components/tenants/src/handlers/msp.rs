//! The MSP provider view.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::{accounts, tenants};
use pulse_core::views::Nav;

use super::{require_provider, workspace_domain};
use crate::views;

/// `GET /msp`: the provider's clients and their workspaces.
pub fn show_clients(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_provider(who)?;
    let db = ctx.db()?;
    let clients = accounts::clients(db, &who.account.account_id)?;
    let list = tenants::list_for_provider(db, &who.account.account_id)?;
    Ok(Response::html(
        200,
        views::msp::clients(
            &ctx.shell(Nav::Msp),
            who,
            &clients,
            &list,
            &workspace_domain(),
        ),
    ))
}

/// `GET /msp/clients/{id}`: one client of this provider (any other id is a 404).
pub fn show_client(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_provider(who)?;
    let db = ctx.db()?;
    let client = accounts::clients(db, &who.account.account_id)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(AppError::NotFound)?;
    let list = tenants::list_for_account(db, &client.id)?;
    Ok(Response::html(
        200,
        views::msp::client(&ctx.shell(Nav::Msp), &client, &list, &workspace_domain()),
    ))
}
