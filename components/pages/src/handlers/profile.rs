//! The signed-in user's profile: their name, and their sign-in address, which changes only once
//! the new address has opened the link mailed to it (the old address is told).

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::{Locale, Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::spin::{Ctx, limit_mail};
use pulse_core::store::email_links::{self, Purpose};
use pulse_core::store::users::{self, EmailTaken};
use pulse_core::store::{audit, outbox};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;
use pulse_core::zone::Zone;

use crate::views;
use crate::views::profile::ProfileForm;

/// Shows who the user is, the forms to change their name and address, and their accounts.
pub fn show_profile(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let form = ProfileForm::current(who);
    Ok(Response::html(
        200,
        views::profile::page(
            &ctx.shell(Nav::Account),
            who,
            &form,
            req.query_param("done").as_deref(),
        ),
    ))
}

fn with_errors(
    ctx: &Ctx,
    who: &Identity,
    form: ProfileForm,
    status: u16,
) -> Result<Response, AppError> {
    Ok(Response::html(
        status,
        views::profile::page(&ctx.shell(Nav::Account), who, &form, None),
    ))
}

/// A 422 with the profile showing `message` at `field`: a choice that was not among those
/// offered.
fn not_offered(
    ctx: &Ctx,
    who: &Identity,
    field: &str,
    message: &str,
) -> Result<Response, AppError> {
    let form = ProfileForm {
        errors: vec![(field.into(), message.into())],
        ..ProfileForm::current(who)
    };
    with_errors(ctx, who, form, 422)
}

/// `POST /profile/name` (`name`).
pub fn change_name(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let entered = req.form().get("name").unwrap_or_default().to_string();
    let Some(name) = users::valid_name(&entered) else {
        let form = ProfileForm {
            name: entered,
            errors: vec![(
                "name".into(),
                ctx.reader(Some(who)).fill(
                    "Enter the name to show to your teams, at most {max} characters.",
                    &[("max", &users::NAME_MAX.to_string())],
                ),
            )],
            ..ProfileForm::current(who)
        };
        return with_errors(ctx, who, form, 422);
    };
    transaction(ctx.db()?, |db| {
        users::rename(db, &who.user_id, &name)?;
        audit::record_for_person(
            db,
            &who.user_id,
            &req.client_ip(),
            "profile.renamed",
            &format!("Name changed from “{}” to “{name}”", who.display_name),
        )
    })?;
    Ok(Response::see_other("/profile?done=name"))
}

/// `POST /profile/language` (`language`: `en`, `bg`, or empty to follow the browser).
pub fn change_language(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let chosen = req.form().get("language").unwrap_or_default().to_string();
    let language = match Locale::from_tag(&chosen) {
        Some(locale) => locale.tag(),
        None if chosen.is_empty() => "",
        None => {
            return not_offered(
                ctx,
                who,
                "language",
                msg("Choose one of the languages offered."),
            );
        }
    };
    users::set_language(ctx.db()?, &who.user_id, language)?;
    Ok(Response::see_other("/profile?done=language"))
}

/// `POST /profile/time-zone` (`time_zone`: an IANA name such as `Europe/Sofia`).
pub fn change_time_zone(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let chosen = req.form().get("time_zone").unwrap_or_default().to_string();
    let Some(zone) = Zone::named(&chosen) else {
        return not_offered(
            ctx,
            who,
            "time_zone",
            msg("Choose one of the time zones offered."),
        );
    };
    users::set_time_zone(ctx.db()?, &who.user_id, zone.name())?;
    Ok(Response::see_other("/profile?done=time-zone"))
}

/// `POST /profile/email` (`email`): mails a link to the new address; nothing changes until it
/// is opened. A fresh verification is asked for first, as the address is how one signs in.
pub fn request_email_change(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    ctx.require_fresh_verification(who)?;
    let entered = req.form().get("email").unwrap_or_default().to_string();
    let refuse = |message: &str, status: u16| {
        let form = ProfileForm {
            email: entered.clone(),
            errors: vec![("email".into(), message.to_string())],
            ..ProfileForm::current(who)
        };
        with_errors(ctx, who, form, status)
    };
    let Some(email) = users::normalize_email(&entered) else {
        return refuse(msg("Enter an email address, like name@example.com."), 422);
    };
    let db = ctx.db()?;
    match users::email_free_for(db, &who.user_id, &email)? {
        Ok(()) => {}
        Err(EmailTaken::AlreadyYours) => {
            return refuse(msg("This already is the address you sign in with."), 422);
        }
        Err(EmailTaken::ByAnother) => {
            return refuse(
                msg(
                    "Another Pulse sign-in uses this address. Choose another, or ask its owner to change theirs.",
                ),
                409,
            );
        }
    }
    limit_mail(&who.account.account_id)?;
    let origin = ctx.config.public_origin.clone();
    // The new address is the same person's: mail to it reads as they read the portal.
    let reader = ctx.reader(Some(who));
    transaction(db, |db| {
        let token =
            email_links::create(db, Purpose::ChangeEmail, &email, &who.user_id, now_unix())?;
        let link = format!("{origin}/profile/email/confirm?token={token}");
        outbox::enqueue(
            db,
            &views::mail::confirm_new_email(reader, who, &email, &link),
        )?;
        audit::record_for_person(
            db,
            &who.user_id,
            &req.client_ip(),
            "profile.email_change_requested",
            &format!("Asked to sign in with {email} instead of {}", who.email),
        )
    })?;
    Ok(Response::see_other("/profile?done=email-sent"))
}

/// `GET /profile/email/confirm?token=`: the step before the change, on any device (opening a
/// link changes nothing, so mail scanners that follow links do no harm).
pub fn show_email_confirmation(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let token = req.query_param("token").unwrap_or_default();
    let link = email_links::peek(ctx.db()?, Purpose::ChangeEmail, &token, now_unix())?
        .ok_or_else(link_gone)?;
    Ok(Response::html(
        200,
        views::profile::confirm(&ctx.shell(Nav::None), &link.email, &token),
    ))
}

/// `POST /profile/email/confirm` (`token`): makes the new address the sign-in address, tells
/// the old one, and records it in every account the person belongs to.
pub fn confirm_email_change(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    pulse_core::csrf::check(req, &ctx.config, None)?;
    let token = req.form().get("token").unwrap_or_default().to_string();
    let changed = transaction(ctx.db()?, |db| {
        let Some(link) = email_links::consume(db, Purpose::ChangeEmail, &token, now_unix())? else {
            return Err(link_gone());
        };
        let old = users::change_email(db, &link.subject_id, &link.email)?.map_err(|taken| {
            AppError::Conflict(match taken {
                EmailTaken::AlreadyYours => msg("This already is the address you sign in with.").into(),
                EmailTaken::ByAnother => msg("Another Pulse sign-in took this address after the link was sent, so it cannot be yours. Ask for a link to another address from your profile.").into(),
            })
        })?;
        // The notice goes to the old address of the same person, written as they read.
        let reader = users::reader_of(db, &link.email, Reader::default())?;
        outbox::enqueue(db, &views::mail::email_changed(reader, &old, &link.email))?;
        audit::record_for_person(
            db,
            &link.subject_id,
            &req.client_ip(),
            "profile.email_changed",
            &format!("Sign-in address changed from {old} to {}", link.email),
        )?;
        Ok(link.email)
    })?;
    Ok(Response::html(
        200,
        views::profile::email_changed(&ctx.shell(Nav::None), &changed),
    ))
}

fn link_gone() -> AppError {
    AppError::Gone(
        msg("This link was used already, has expired or is not complete. Ask for a new one on your profile page.").into(),
    )
}
