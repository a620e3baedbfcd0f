//! `/recover/manage`: links by email to manage subscriptions without signing in. Each link
//! opens the cancel or resume step of one subscription (served by billing at
//! `/billing/manage/{token}`), works once and expires in a day. The answer, and the statements
//! run, are the same whether or not the address may manage anything.

use pulse_core::AppError;
use pulse_core::csrf;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::msg;
use pulse_core::spin::Ctx;
use pulse_core::store::email_links::{self, Purpose};
use pulse_core::store::users::{normalize_email, reader_of};
use pulse_core::store::{billing, outbox};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;
use serde_json::json;

use super::requests::rate_limit;
use crate::views;

/// `GET /recover/manage`.
pub fn show(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let email = ctx
        .identity(req)
        .ok()
        .flatten()
        .map(|w| w.email.clone())
        .unwrap_or_default();
    Ok(Response::html(
        200,
        views::forms::manage_form(&ctx.shell(Nav::Support), &email, &[]),
    ))
}

/// Mails the links for `email`.
pub fn send_links(ctx: &Ctx, req: &Request, email: &str) -> Result<(), AppError> {
    rate_limit(req, email)?;
    let origin = ctx.config.public_origin.clone();
    let sender = ctx.reader(ctx.identity(req).ok().flatten());
    transaction(ctx.db()?, |db| {
        let now = now_unix();
        let mut links = Vec::new();
        for (account, sub) in billing::manageable_by_email(db, email)? {
            let token = email_links::create(db, Purpose::ManageSubscription, email, &sub.id, now)?;
            links.push((account, sub, token));
        }
        let r = reader_of(db, email, sender)?;
        outbox::enqueue(db, &views::mail::manage_links(r, email, &links, &origin))?;
        Ok::<_, AppError>(())
    })
}

const EMAIL_HINT: &str = msg("Enter the email of an owner or billing contact of the account.");

/// `POST /recover/manage` (form: `email`).
pub fn submit(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.identity(req).ok().flatten();
    csrf::check(req, &ctx.config, who)?;
    let form = req.form();
    let typed = form.get("email").unwrap_or_default();
    let Some(email) = normalize_email(typed) else {
        return Ok(Response::html(
            422,
            views::forms::manage_form(
                &ctx.shell(Nav::Support),
                typed,
                &[("email".into(), EMAIL_HINT.into())],
            ),
        ));
    };
    send_links(ctx, req, &email)?;
    Ok(Response::html(
        201,
        views::forms::manage_sent(&ctx.shell(Nav::Support), &email),
    ))
}

/// `POST /api/v1/requests/subscription-links` with `{"email"}`: 202, the same for every address.
pub fn api_submit(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    csrf::check(req, &ctx.config, None)?;
    let body = req.json_body()?;
    let email = body["email"]
        .as_str()
        .and_then(normalize_email)
        .ok_or_else(|| pulse_core::error::invalid("email", EMAIL_HINT))?;
    send_links(ctx, req, &email)?;
    Ok(Response::json(
        202,
        &json!({ "object": "subscription_links", "status": "sent_if_known" }),
    ))
}
