//! Support for someone signed in: the ticket carries the account's context (account, plan,
//! and the workspaces and licenses they choose to attach), the support team is notified through
//! the mail outbox, the person gets a confirmation, and sees their tickets with their status.
//! Signed out, the general request form is used instead.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::spin::Ctx;
use pulse_core::store::requests::{self, Kind};
use pulse_core::store::users::reader_of;
use pulse_core::store::{billing, outbox};
use pulse_core::views::Nav;

use super::requests::{Topic, show_form, submit_form};
use crate::views;
use crate::views::support::SupportPage;

/// Where ticket notices go when `support_email` is not set.
const DEFAULT_SUPPORT_EMAIL: &str = "support@planapulse.ai";

fn render(
    ctx: &Ctx,
    who: &Identity,
    status: u16,
    message: &str,
    errors: &[(String, String)],
    done: Option<&str>,
) -> Result<Response, AppError> {
    let (tenants, licenses, tickets) =
        requests::support_page(ctx.db()?, &who.account.account_id, &who.email)?;
    Ok(Response::html(
        status,
        views::support::page_for(
            &ctx.shell(Nav::Support),
            who,
            &SupportPage {
                tenants: &tenants,
                licenses: &licenses,
                tickets: &tickets,
                message,
                errors,
                done,
            },
        ),
    ))
}

/// `GET /support`.
pub fn show(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    match ctx.identity(req)? {
        Some(who) => {
            let done = req.query_param("done");
            render(
                ctx,
                who,
                200,
                "",
                &[],
                done.as_deref().filter(|d| *d == "sent"),
            )
        }
        None => show_form(ctx, req, Topic::Support),
    }
}

/// `POST /support`.
pub fn submit(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let Some(who) = ctx.identity(req)? else {
        return submit_form(ctx, req, Topic::Support);
    };
    pulse_core::csrf::check(req, &ctx.config, Some(who))?;
    let form = req.form();
    let message = form.get("message").unwrap_or_default();
    let trimmed = message.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 5000 {
        let errors = [(
            "message".to_string(),
            msg("Tell us what you need, in at most 5,000 characters.").to_string(),
        )];
        return render(ctx, who, 422, message, &errors, None);
    }
    pulse_core::spin::limit_mail(&who.account.account_id)?;
    let attach: Vec<&str> = form.get_all("attach");
    let db = ctx.db()?;
    let (tenants, licenses, _) = requests::support_page(db, &who.account.account_id, &who.email)?;
    let plans: Vec<String> = billing::subscriptions(db, &who.account.account_id)?
        .into_iter()
        .filter(|s| s.status != "cancelled")
        .map(|s| format!("{} ({})", s.plan, s.status))
        .collect();
    // Only the account's own objects can be attached; anything else sent is left out.
    let mut context = vec![
        format!(
            "Account: {} ({})",
            who.account.account_name, who.account.account_id
        ),
        format!("Role: {}", who.account.role.label()),
        format!(
            "Plans: {}",
            if plans.is_empty() {
                "none".into()
            } else {
                plans.join(", ")
            }
        ),
    ];
    for t in tenants.iter().filter(|t| attach.contains(&t.id.as_str())) {
        context.push(format!(
            "Workspace: {} ({}, {})",
            t.hostname, t.id, t.status
        ));
    }
    for l in licenses.iter().filter(|l| attach.contains(&l.id.as_str())) {
        context.push(format!(
            "License: {} {} ({}, {})",
            l.product, l.plan, l.id, l.status
        ));
    }
    let detail = format!("{trimmed}\n\n{}", context.join("\n"));
    let support = spin_sdk::variables::get("support_email")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SUPPORT_EMAIL.into());
    let origin = ctx.config.public_origin.clone();
    let sender = ctx.reader(Some(who));
    transaction(db, |db| {
        let id = requests::create(
            db,
            Kind::Support,
            &who.email,
            Some(&who.account.account_id),
            &detail,
        )?;
        outbox::enqueue(
            db,
            &views::mail::confirmation(
                reader_of(db, &who.email, sender)?,
                Topic::Support,
                &who.email,
                &id,
                &[],
                &origin,
            ),
        )?;
        outbox::enqueue(
            db,
            &views::mail::ticket_for_support(
                reader_of(db, &support, Reader::default())?,
                &support,
                &who.email,
                &id,
                &detail,
            ),
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(Response::see_other("/support?done=sent"))
}
