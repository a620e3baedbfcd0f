//! Suspending, resuming, deleting and restoring a workspace: a confirmation page, then the
//! step itself (with a verification from the last ten minutes for browser sessions), audited
//! and written with its provisioning job in one transaction. The JSON API takes the same steps.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::Reader;
use pulse_core::identity::{Credential, Identity};
use pulse_core::spin::Ctx;
use pulse_core::store::audit;
use pulse_core::store::lifecycle::{self, Refused, Step};
use pulse_core::store::tenants::{self, Tenant};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;

use super::create::require_resource_manager;
use crate::provisioner;
use crate::views;

/// Why a change did not happen.
type Failed = super::Failed<Refused>;

fn step_of(segment: &str) -> Result<Step, AppError> {
    Step::parse(segment).ok_or(AppError::NotFound)
}

/// Applies the step and audits it, all or nothing, then runs the worker for jobs due now.
fn apply(ctx: &Ctx, req: &Request, who: &Identity, id: &str, step: Step) -> Result<Tenant, Failed> {
    require_resource_manager(who).map_err(Failed::App)?;
    // A browser session must have verified recently; an API token with write scope is itself
    // the proof (it is never a fresh verification, and is made on the Security page).
    if step.needs_fresh_verification() && who.credential == Credential::Cookie {
        ctx.require_fresh_verification(who).map_err(Failed::App)?;
    }
    let db = ctx.db().map_err(Failed::App)?;
    let now = now_unix();
    let tenant = transaction(db, |db| {
        let tenant = lifecycle::apply(db, &who.account.account_id, id, step, now)?
            .map_err(Failed::Refused)?;
        audit::record(
            db,
            &audit::Entry {
                account_id: &who.account.account_id,
                actor_user_id: &who.user_id,
                action: &format!("tenant.{}", step.as_str()),
                target: &tenant.id,
                detail: &format!(
                    "{} ({}) is now {}",
                    tenant.name, tenant.hostname, tenant.status
                ),
                ip: &req.client_ip(),
            },
        )?;
        Ok::<_, Failed>(tenant)
    })?;
    provisioner::run_after(ctx, req);
    Ok(tenant)
}

fn confirm_page(
    ctx: &Ctx,
    who: &Identity,
    tenant: &Tenant,
    step: Step,
    status: u16,
    problem: Option<&str>,
) -> Response {
    Response::html(
        status,
        views::cloud::confirm(&ctx.shell(Nav::Cloud), who, tenant, step, problem),
    )
}

/// `GET /cloud/{id}/{suspend|resume|delete|restore}`: what the step does, and the button.
pub fn show_confirm(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    segment: &str,
) -> Result<Response, AppError> {
    let step = step_of(segment)?;
    let who = ctx.require(req)?;
    require_resource_manager(who)?;
    let (tenant, _) = tenants::find_for_account(ctx.db()?, &who.account.account_id, id)?
        .ok_or(AppError::NotFound)?;
    Ok(confirm_page(ctx, who, &tenant, step, 200, None))
}

/// `POST /cloud/{id}/{step}`: takes the step; deleting asks for the workspace's address to be
/// typed. A refusal shows the confirmation page again with the reason.
pub fn take_step(ctx: &Ctx, req: &Request, id: &str, segment: &str) -> Result<Response, AppError> {
    let step = step_of(segment)?;
    let who = ctx.require_writer(req)?;
    require_resource_manager(who)?;
    let (tenant, _) = tenants::find_for_account(ctx.db()?, &who.account.account_id, id)?
        .ok_or(AppError::NotFound)?;
    if step == Step::Delete
        && req.form().get("confirm").map(str::trim) != Some(tenant.slug.as_str())
    {
        let why = ctx.reader(Some(who)).fill(
            "Type {slug} to confirm the deletion.",
            &[("slug", &tenant.slug)],
        );
        return Ok(confirm_page(ctx, who, &tenant, step, 422, Some(&why)));
    }
    match apply(ctx, req, who, id, step) {
        Ok(done) => Ok(Response::see_other(&format!(
            "/cloud/{}?done={}",
            done.id,
            step.as_str()
        ))),
        Err(Failed::App(e)) => Err(e),
        Err(Failed::Refused(Refused::NotFound)) => Err(AppError::NotFound),
        Err(Failed::Refused(refused)) => {
            let why = refused.words(ctx.reader(Some(who)));
            Ok(confirm_page(ctx, who, &tenant, step, 409, Some(&why)))
        }
    }
}

/// `POST /api/v1/tenants/{id}/{suspend|resume|delete|restore}`: 200 with the tenant as it is
/// now.
pub fn api_take_step(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    segment: &str,
) -> Result<Response, AppError> {
    let step = step_of(segment)?;
    let who = ctx.require_writer(req)?;
    match apply(ctx, req, who, id, step) {
        Ok(tenant) => Ok(Response::json(200, &tenant)),
        Err(Failed::App(e)) => Err(e),
        Err(Failed::Refused(Refused::NotFound)) => Err(AppError::NotFound),
        Err(Failed::Refused(refused)) => Err(AppError::Conflict(refused.words(Reader::default()))),
    }
}
