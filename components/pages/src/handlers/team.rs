//! Team: the current account's members and pending invitations.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::accounts;
use pulse_core::time::now_rfc3339;
use pulse_core::views::Nav;
use serde_json::json;

use crate::views;

/// Lists members and, for those who manage the team, open invitations.
pub fn show_team(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let db = ctx.db()?;
    let members = accounts::members(db, &who.account.account_id)?;
    let invitations = if who.account.role.can_manage_team() {
        accounts::pending_invitations(db, &who.account.account_id, &now_rfc3339())?
    } else {
        Vec::new()
    };
    Ok(Response::html(
        200,
        views::team::page(&ctx.shell(Nav::Team), who, &members, &invitations),
    ))
}

/// `GET /api/v1/members`: the current account's members.
pub fn list_members(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let members = accounts::members(ctx.db()?, &who.account.account_id)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": members, "has_more": false }),
    ))
}
