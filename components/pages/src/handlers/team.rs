//! Team: the current account's members and pending invitations.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::msg;
use pulse_core::spin::Ctx;
use pulse_core::store::{accounts, overview};
use pulse_core::time::now_rfc3339;
use pulse_core::views::Nav;
use serde_json::json;

use crate::views;

/// Lists members and, for those who manage the team, open invitations.
pub fn show_team(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (members, mut invitations) =
        overview::team(ctx.db()?, &who.account.account_id, &now_rfc3339())?;
    if !who.account.role.can_manage_team() {
        invitations.clear();
    }
    Ok(Response::html(
        200,
        views::team::page(
            &ctx.shell(Nav::Team),
            who,
            &members,
            &invitations,
            req.query_param("done").as_deref(),
            &views::team::InviteForm::default(),
        ),
    ))
}

/// `GET /api/v1/members`: the current account's members.
pub fn list_members(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (members, more) = accounts::members_page(ctx.db()?, &who.account.account_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": members, "has_more": more }),
    ))
}

/// `POST /team/members/remove` (`user`): removes a member after a fresh verification, with an
/// audit entry, all in one transaction.
pub fn remove_member(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    use pulse_core::db::transaction;
    use pulse_core::store::accounts::RemovalRefused;
    use pulse_core::store::audit;

    let who = ctx.require_writer(req)?;
    if !who.account.role.can_manage_team() {
        return Err(AppError::Forbidden(
            msg("Only owners and admins manage the team.").into(),
        ));
    }
    ctx.require_fresh_verification(who)?;
    let target = req.form().get("user").unwrap_or_default().to_string();
    let account = &who.account.account_id;
    let ip = req.client_ip();
    transaction(ctx.db()?, |db| {
        match accounts::remove_member(db, account, &who.user_id, who.account.role, &target)? {
            Ok(member) => {
                audit::record(
                    db,
                    &audit::Entry {
                        account_id: account,
                        actor_user_id: &who.user_id,
                        action: "member.removed",
                        target: &member.user_id,
                        detail: &format!("{} ({})", member.email, member.role.as_str()),
                        ip: &ip,
                    },
                )?;
                Ok(Response::see_other("/team?done=removed"))
            }
            Err(RemovalRefused::NotAMember) => Err(AppError::NotFound),
            Err(RemovalRefused::NotAllowed(why)) => Err(AppError::Forbidden(why.into())),
        }
    })
}
