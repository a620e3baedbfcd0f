//! Inviting people (by email, with a role, through a single-use link that lives seven days),
//! resending and revoking invitations, accepting one, and changing a member's role: as forms
//! on the team page and as the JSON API. Every change is audited in its own transaction.

use pulse_core::AppError;
use pulse_core::db::{Db, transaction};
use pulse_core::http::{Request, Response};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::{Identity, Role};
use pulse_core::spin::Ctx;
use pulse_core::store::invitations::{self, Refused};
use pulse_core::store::{accounts, audit, idempotency, outbox, overview, users};
use pulse_core::time::{now_rfc3339, now_unix};
use pulse_core::views::Nav;
use serde_json::json;

use crate::views;
use crate::views::team::InviteForm;

fn refused(r: Refused) -> AppError {
    match r {
        Refused::NotAllowed(why) => AppError::Forbidden(why.into()),
        Refused::Conflict(why) => AppError::Conflict(why.into()),
        Refused::NotFound => AppError::NotFound,
    }
}

fn audit_entry(
    db: &dyn Db,
    who: &Identity,
    req: &Request,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), AppError> {
    audit::record_by(db, who, &req.client_ip(), action, target, detail)?;
    Ok(())
}

/// Checks an email and a role name as a person typed them; the errors name the field.
fn invite_input(email: &str, role: &str) -> Result<(String, Role), Vec<(String, String)>> {
    let mut errors = Vec::new();
    let email = users::normalize_email(email);
    if email.is_none() {
        errors.push((
            "email".into(),
            msg("Enter an email address such as name@company.com.").into(),
        ));
    }
    let role = Role::parse(role);
    if role.is_none() {
        errors.push((
            "role".into(),
            msg("Choose a role: owner, admin, billing or member.").into(),
        ));
    }
    match (email, role) {
        (Some(email), Some(role)) if errors.is_empty() => Ok((email, role)),
        _ => Err(errors),
    }
}

/// Queues the invitation email with its single-use link, in the invited person's language
/// (the sender's, `sender`, when the address has none yet).
fn mail_invitation(
    db: &dyn Db,
    sender: Reader,
    who: &Identity,
    sent: &accounts::Invitation,
    origin: &str,
    secret: &str,
) -> Result<(), AppError> {
    let link = format!("{origin}/team/invitations/accept?token={secret}");
    let reader = users::reader_of(db, &sent.email, sender)?;
    outbox::enqueue(db, &views::mail::invitation(reader, who, sent, &link))?;
    Ok(())
}

/// Invites (or re-invites) `email` and queues the email with the link, in one transaction.
fn send_invitation(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    email: &str,
    role: Role,
) -> Result<accounts::Invitation, AppError> {
    pulse_core::spin::limit_mail(&who.account.account_id)?;
    let origin = ctx.config.public_origin.clone();
    let sender = ctx.reader(Some(who));
    transaction(ctx.db()?, |db| {
        let (sent, secret) = invitations::invite(
            db,
            &who.account.account_id,
            (&who.user_id, who.account.role),
            email,
            role,
            now_unix(),
        )?
        .map_err(refused)?;
        mail_invitation(db, sender, who, &sent, &origin, &secret)?;
        audit_entry(
            db,
            who,
            req,
            "invitation.sent",
            &sent.id,
            &format!("{} as {}", sent.email, sent.role.as_str()),
        )?;
        Ok(sent)
    })
}

/// The team page again, with the invite form as the person filled it and what to fix.
fn team_with_errors(
    ctx: &Ctx,
    who: &Identity,
    form: InviteForm<'_>,
    status: u16,
) -> Result<Response, AppError> {
    let (members, invitations) =
        overview::team(ctx.db()?, &who.account.account_id, &now_rfc3339())?;
    Ok(Response::html(
        status,
        views::team::page(
            &ctx.shell(Nav::Team),
            who,
            &members,
            &invitations,
            None,
            &form,
        ),
    ))
}

/// `POST /team/invitations` (`email`, `role`).
pub fn invite_member(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let (email, role) = (
        form.get("email").unwrap_or_default(),
        form.get("role").unwrap_or_default(),
    );
    let entered = |errors| InviteForm {
        email,
        role,
        errors,
    };
    let (valid_email, valid_role) = match invite_input(email, role) {
        Ok(ok) => ok,
        Err(errors) => return team_with_errors(ctx, who, entered(errors), 422),
    };
    match send_invitation(ctx, req, who, &valid_email, valid_role) {
        Ok(_) => Ok(Response::see_other("/team?done=invited")),
        // A refusal is shown next to the form, keeping what was typed.
        Err(AppError::Conflict(why)) => {
            team_with_errors(ctx, who, entered(vec![("email".into(), why)]), 409)
        }
        Err(AppError::Forbidden(why)) => {
            team_with_errors(ctx, who, entered(vec![("email".into(), why)]), 403)
        }
        Err(e) => Err(e),
    }
}

/// `POST /team/invitations/resend` (`invitation`): a new link, seven more days.
pub fn resend_invitation(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let id = req.form().get("invitation").unwrap_or_default().to_string();
    resend(ctx, req, who, &id)?;
    Ok(Response::see_other("/team?done=resent"))
}

fn resend(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    id: &str,
) -> Result<accounts::Invitation, AppError> {
    pulse_core::spin::limit_mail(&who.account.account_id)?;
    let origin = ctx.config.public_origin.clone();
    let sender = ctx.reader(Some(who));
    transaction(ctx.db()?, |db| {
        let (sent, secret) = invitations::resend(
            db,
            &who.account.account_id,
            who.account.role,
            id,
            now_unix(),
        )?
        .map_err(refused)?;
        mail_invitation(db, sender, who, &sent, &origin, &secret)?;
        audit_entry(db, who, req, "invitation.resent", &sent.id, &sent.email)?;
        Ok(sent)
    })
}

/// `POST /team/invitations/revoke` (`invitation`): the link stops working.
pub fn revoke_invitation(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let id = req.form().get("invitation").unwrap_or_default().to_string();
    revoke(ctx, req, who, &id)?;
    Ok(Response::see_other("/team?done=revoked"))
}

fn revoke(ctx: &Ctx, req: &Request, who: &Identity, id: &str) -> Result<(), AppError> {
    transaction(ctx.db()?, |db| {
        let sent = invitations::revoke(db, &who.account.account_id, who.account.role, id)?
            .map_err(refused)?;
        audit_entry(db, who, req, "invitation.revoked", &sent.id, &sent.email)
    })
}

/// `POST /team/members/role` (`user`, `role`).
pub fn change_role(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let user = form.get("user").unwrap_or_default().to_string();
    let role =
        Role::parse(form.get("role").unwrap_or_default()).ok_or_else(|| AppError::Invalid {
            detail: msg("Choose a role: owner, admin, billing or member.").into(),
            errors: vec![("role".into(), msg("Choose a role.").into())],
        })?;
    set_role(ctx, req, who, &user, role)?;
    Ok(Response::see_other("/team?done=role"))
}

fn set_role(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    user: &str,
    role: Role,
) -> Result<accounts::Member, AppError> {
    transaction(ctx.db()?, |db| {
        let before =
            invitations::change_role(db, &who.account.account_id, who.account.role, user, role)?
                .map_err(refused)?;
        audit_entry(
            db,
            who,
            req,
            "member.role_changed",
            user,
            &format!(
                "{}: {} to {}",
                before.email,
                before.role.as_str(),
                role.as_str()
            ),
        )?;
        Ok(accounts::Member { role, ..before })
    })
}

/// `GET /team/invitations/accept?token=`: who is invited where, and the way to accept.
pub fn show_invitation(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let token = req.query_param("token").unwrap_or_default();
    let open = invitations::by_link(ctx.db()?, &token, now_unix())?;
    let who = ctx.identity(req)?;
    let status = if open.is_some() { 200 } else { 404 };
    Ok(Response::html(
        status,
        views::team::invitation(&ctx.shell(Nav::Team), who, open.as_ref(), &token),
    ))
}

/// `POST /team/invitations/accept` (`token`): joins the account, signed in as the invited
/// email.
pub fn accept_invitation(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let token = req.form().get("token").unwrap_or_default().to_string();
    let db = ctx.db()?;
    let open = invitations::by_link(db, &token, now_unix())?.ok_or(AppError::NotFound)?;
    if open.email != who.email {
        return Err(AppError::Forbidden(ctx.reader(Some(who)).fill(
            "This invitation is for {email}. Sign out and sign in with that address to accept it.",
            &[("email", &open.email)],
        )));
    }
    transaction(db, |db| {
        invitations::accept(db, &open, &who.user_id, now_unix())?;
        audit::record(
            db,
            &audit::Entry {
                account_id: &open.account_id,
                actor_user_id: &who.user_id,
                action: "invitation.accepted",
                target: &open.id,
                detail: &format!("{} as {}", open.email, open.role.as_str()),
                ip: &req.client_ip(),
            },
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(Response::see_other(&format!(
        "/dashboard?account={}",
        open.account_id
    )))
}

fn require_manager(who: &Identity) -> Result<(), AppError> {
    if who.account.role.can_manage_team() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            msg("Only owners and admins manage the team.").into(),
        ))
    }
}

/// `GET /api/v1/invitations`: open invitations of the current account.
pub fn api_list_invitations(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_manager(who)?;
    let (data, more) = accounts::open_invitations_page(
        ctx.db()?,
        &who.account.account_id,
        &now_rfc3339(),
        &req.page()?,
    )?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `POST /api/v1/invitations` with `{"email": "...", "role": "..."}`: the link goes only to the
/// invited address, never into the response. An `Idempotency-Key` makes a retry replay the
/// first answer instead of inviting (and mailing) again.
pub fn api_create_invitation(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    idempotency::once(ctx.db()?, &who.account.account_id, req, || {
        let body = req.json_body()?;
        let (email, role) = invite_input(
            body["email"].as_str().unwrap_or_default(),
            body["role"].as_str().unwrap_or_default(),
        )
        .map_err(|errors| AppError::Invalid {
            detail: "Check the email address and the role.".into(),
            errors,
        })?;
        let sent = send_invitation(ctx, req, who, &email, role)?;
        Ok(Response::json(201, &sent))
    })
}

/// `POST /api/v1/invitations/{id}/resend`.
pub fn api_resend_invitation(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    Ok(Response::json(200, &resend(ctx, req, who, id)?))
}

/// `DELETE /api/v1/invitations/{id}`.
pub fn api_revoke_invitation(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    revoke(ctx, req, who, id)?;
    Ok(Response::json(
        200,
        &json!({ "object": "invitation", "id": id, "revoked": true }),
    ))
}

/// `PATCH /api/v1/members/{user_id}` with `{"role": "..."}`.
pub fn api_change_role(ctx: &Ctx, req: &Request, user: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let body = req.json_body()?;
    let role = Role::parse(body["role"].as_str().unwrap_or_default()).ok_or_else(|| {
        AppError::Invalid {
            detail: msg("Choose a role: owner, admin, billing or member.").into(),
            errors: vec![("role".into(), msg("Choose a role.").into())],
        }
    })?;
    Ok(Response::json(200, &set_role(ctx, req, who, user, role)?))
}

#[cfg(test)]
mod tests {
    use super::invite_input;
    use pulse_core::identity::Role;

    #[test]
    fn invite_input_names_each_bad_field() {
        assert_eq!(
            invite_input(" Eve@Example.COM ", "admin"),
            Ok(("eve@example.com".into(), Role::Admin))
        );
        let errors = invite_input("nope", "boss").err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["email", "role"]);
    }
}
