//! The MSP provider's side and its clients' side of delegated access.
//!
//! A provider's owners and admins (its operators) see their clients; they ask a client for
//! access (or a customer to become a client) for some days with a reason, and an owner of the
//! client approves or declines at `/cloud/access`. While access runs (approved, not expired,
//! not revoked by either side) the operators see the client's workspaces, create one for it,
//! suspend and resume them — one at a time or many at once with a result per workspace — and
//! enter the client's context; each step is in the audit log of both accounts. Without running
//! access an operator sees nothing of the client but its name.

use pulse_core::AppError;
use pulse_core::db::{Db, transaction};
use pulse_core::http::{Request, Response};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::{Identity, Role};
use pulse_core::spin::Ctx;
use pulse_core::store::grants::{self, NewRequest, Refused};
use pulse_core::store::lifecycle::{self, Step};
use pulse_core::store::users::{self, normalize_email};
use pulse_core::store::{audit, outbox, overview, tenants};
use pulse_core::time::{now_rfc3339, now_unix};
use pulse_core::views::Nav;
use serde_json::json;

use super::require_provider;
use crate::provisioner;
use crate::views;

/// The provider's owners and admins operate; its other members only look.
fn require_operator(who: &Identity) -> Result<(), AppError> {
    require_provider(who)?;
    if who.account.role.can_manage_resources() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            msg("Only the provider's owners and admins act on clients.").into(),
        ))
    }
}

/// Records `action` in the provider's log (by the operator) and the client's (naming the
/// provider, since the operator is not one of the client's people).
fn record_both(
    db: &dyn Db,
    req: &Request,
    who: &Identity,
    client_id: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), AppError> {
    audit::record_by(
        db,
        who,
        &req.client_ip(),
        action,
        target,
        &format!("{detail} (client {client_id})"),
    )?;
    audit::record_by_portal(
        db,
        client_id,
        action,
        target,
        &format!("{detail}, by {} of {}", who.email, who.account.account_name),
    )?;
    Ok(())
}

/// `GET /msp`: clients, the workspaces of those the provider holds access to, and its
/// requests.
pub fn show_clients(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_provider(who)?;
    let page = overview::msp(ctx.db()?, &who.account.account_id, &now_rfc3339())?;
    Ok(Response::html(
        200,
        views::msp::clients(
            &ctx.shell(Nav::Msp),
            who,
            &page,
            req.query_param("done").as_deref(),
            &[],
            now_unix(),
        ),
    ))
}

/// `GET /msp/clients/{id}`: one client; its workspaces only while access runs.
pub fn show_client(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_provider(who)?;
    let client = overview::msp_client(ctx.db()?, &who.account.account_id, id, &now_rfc3339())?
        .ok_or(AppError::NotFound)?;
    Ok(Response::html(
        200,
        views::msp::client(
            &ctx.shell(Nav::Msp),
            who,
            &client,
            req.query_param("done").as_deref(),
            now_unix(),
        ),
    ))
}

/// The days and reason of a request form or body, checked.
fn request_input(days: &str, reason: &str) -> Result<(i64, String), AppError> {
    let days = days.trim().parse::<i64>().unwrap_or(0);
    let errors = grants::check(days, reason);
    if errors.is_empty() {
        Ok((days, reason.trim().to_string()))
    } else {
        Err(AppError::Invalid {
            detail: msg("Check the days and the reason.").into(),
            errors,
        })
    }
}

/// Asks for access: of a client by id, or of the customer accounts an address owns. Mails
/// each client's owners. The answer is the same whether or not the address owns anything.
fn ask(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    to: Asked<'_>,
    days: i64,
    reason: &str,
) -> Result<Vec<String>, AppError> {
    require_operator(who)?;
    pulse_core::spin::limit_mail(&who.account.account_id)?;
    let now = now_unix();
    let origin = ctx.config.public_origin.clone();
    let sender = ctx.reader(Some(who));
    transaction(ctx.db()?, |db| {
        let new = NewRequest {
            provider_id: &who.account.account_id,
            user_id: &who.user_id,
            days,
            reason,
        };
        let made: Vec<(String, String)> = match to {
            Asked::Client(id) => {
                client_name(db, who, id)?;
                grants::request_for_client(db, &new, id, now)?
                    .map(|g| vec![(g, id.to_string())])
                    .unwrap_or_default()
            }
            Asked::Owner(email) => grants::request_by_owner(db, &new, email, now)?,
        };
        let mut ids = Vec::new();
        for (grant, client) in made {
            record_both(
                db,
                req,
                who,
                &client,
                "access.requested",
                &grant,
                &format!("Asked for {days} days of operator access: {reason}"),
            )?;
            for owner in owners(db, &client)? {
                let reader = users::reader_of(db, &owner, sender)?;
                outbox::enqueue(
                    db,
                    &views::msp::request_mail(
                        reader,
                        &owner,
                        &who.account.account_name,
                        days,
                        reason,
                        &origin,
                    ),
                )?;
            }
            ids.push(grant);
        }
        Ok::<_, AppError>(ids)
    })
}

/// Whom a request is for.
enum Asked<'a> {
    /// A client of the provider, by id.
    Client(&'a str),
    /// The customer accounts this address owns.
    Owner(&'a str),
}

/// The name of the provider's client `id`, or 404.
fn client_name(db: &dyn Db, who: &Identity, id: &str) -> Result<String, AppError> {
    let client = db
        .query_opt(
            "SELECT name FROM accounts WHERE id = $1 AND provider_id = $2",
            &[id.into(), who.account.account_id.as_str().into()],
        )?
        .ok_or(AppError::NotFound)?;
    Ok(client.text(0)?)
}

/// The owners' addresses of an account.
fn owners(db: &dyn Db, account_id: &str) -> Result<Vec<String>, AppError> {
    Ok(db
        .query(
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE m.account_id = $1 AND m.role = 'owner' ORDER BY u.email",
            &[account_id.into()],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_, _>>()?)
}

/// `POST /msp/access` (form: `email`, `days`, `reason`): ask a customer for access.
pub fn ask_from_form(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let email = form.get("email").and_then(normalize_email);
    let input = request_input(
        form.get("days").unwrap_or_default(),
        form.get("reason").unwrap_or_default(),
    );
    let (days, reason) = match (email.as_deref(), input) {
        (Some(_), Ok(input)) => input,
        (email, input) => {
            let mut errors = input
                .err()
                .map(|e| e.field_errors().to_vec())
                .unwrap_or_default();
            if email.is_none() {
                errors.insert(
                    0,
                    (
                        "email".into(),
                        msg("Enter the email address of the account's owner.").into(),
                    ),
                );
            }
            let page = overview::msp(ctx.db()?, &who.account.account_id, &now_rfc3339())?;
            return Ok(Response::html(
                422,
                views::msp::clients(&ctx.shell(Nav::Msp), who, &page, None, &errors, now_unix()),
            ));
        }
    };
    ask(
        ctx,
        req,
        who,
        Asked::Owner(email.as_deref().unwrap_or_default()),
        days,
        &reason,
    )?;
    Ok(Response::see_other("/msp?done=requested"))
}

/// `POST /msp/clients/{id}/access` (form: `days`, `reason`): ask a client for access again.
pub fn ask_client_from_form(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let (days, reason) = request_input(
        form.get("days").unwrap_or_default(),
        form.get("reason").unwrap_or_default(),
    )?;
    ask(ctx, req, who, Asked::Client(id), days, &reason)?;
    Ok(Response::see_other(&format!(
        "/msp/clients/{id}?done=requested"
    )))
}

/// `POST /api/v1/msp/grants` with `{"client"}` or `{"email"}`, and `{"days", "reason"}`: 202 with
/// the requests made (none when the address owns nothing it could be asked about).
pub fn api_ask(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    pulse_core::store::idempotency::once(ctx.db()?, &who.account.account_id, req, || {
        api_ask_once(ctx, req, who)
    })
}

fn api_ask_once(ctx: &Ctx, req: &Request, who: &Identity) -> Result<Response, AppError> {
    let body = req.json_body()?;
    let (days, reason) = request_input(
        &body["days"].as_i64().unwrap_or(0).to_string(),
        body["reason"].as_str().unwrap_or_default(),
    )?;
    let email = body["email"].as_str().and_then(normalize_email);
    let to = match (body["client"].as_str(), email.as_deref()) {
        (Some(client), _) => Asked::Client(client),
        (None, Some(email)) => Asked::Owner(email),
        (None, None) => {
            return Err(pulse_core::error::invalid(
                "client",
                "Name a client (`client`) or the email of a customer account's owner (`email`).",
            ));
        }
    };
    let ids = ask(ctx, req, who, to, days, &reason)?;
    Ok(Response::json(
        202,
        &json!({ "object": "access_requests", "requested": ids }),
    ))
}

/// `GET /api/v1/msp/grants`: the provider's requests and grants.
pub fn api_list(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_provider(who)?;
    let (data, more) = grants::page_for_provider(ctx.db()?, &who.account.account_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

fn refusal(r: Refused) -> AppError {
    match r {
        Refused::NotFound => AppError::NotFound,
        Refused::State(why) => AppError::Conflict(why),
    }
}

/// Ends access from the provider's side.
fn end_from_provider(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    grant: &str,
) -> Result<grants::Grant, AppError> {
    require_operator(who)?;
    transaction(ctx.db()?, |db| {
        let g = grants::revoke(db, &who.account.account_id, grant, now_unix())?.map_err(refusal)?;
        record_both(
            db,
            req,
            who,
            &g.client_id,
            "access.revoked",
            &g.id,
            "Ended operator access",
        )?;
        Ok::<_, AppError>(g)
    })
}

/// `POST /msp/grants/{id}/revoke`.
pub fn revoke_from_form(ctx: &Ctx, req: &Request, grant: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    end_from_provider(ctx, req, who, grant)?;
    Ok(Response::see_other("/msp?done=revoked"))
}

/// `POST /api/v1/msp/grants/{id}/revoke`.
pub fn api_revoke(ctx: &Ctx, req: &Request, grant: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    Ok(Response::json(
        200,
        &end_from_provider(ctx, req, who, grant)?,
    ))
}

/// `POST /msp/clients/{id}/enter`: the operator enters the client's context (its workspaces,
/// acting for it), recorded in both logs.
pub fn enter(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    require_operator(who)?;
    let now = now_unix();
    transaction(ctx.db()?, |db| {
        let name = client_name(db, who, id)?;
        if !grants::operates(db, &who.account.account_id, id, now)? {
            return Err(AppError::Forbidden(ctx.reader(Some(who)).fill(
                "{name} has not given access, or it has ended. Ask for access first.",
                &[("name", &name)],
            )));
        }
        record_both(
            db,
            req,
            who,
            id,
            "operator.entered",
            id,
            &format!("Entered the context of {name}"),
        )
    })?;
    Ok(Response::see_other(&format!(
        "/msp/clients/{id}?done=entered"
    )))
}

/// Suspends or resumes a client's workspace under running access; `Ok(Err(why))` when refused.
fn operate(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    tenant: &str,
    step: Step,
) -> Result<Result<tenants::Tenant, String>, AppError> {
    let now = now_unix();
    let db = ctx.db()?;
    let Some(client) = grants::operated_tenant_client(db, &who.account.account_id, tenant, now)?
    else {
        return Ok(Err(msg(
            "No such workspace among the clients you have access to.",
        )
        .into()));
    };
    transaction(db, |db| {
        match lifecycle::apply(db, &client, tenant, step, now)? {
            Ok(t) => {
                record_both(
                    db,
                    req,
                    who,
                    &client,
                    &format!("tenant.{}", step.as_str()),
                    &t.id,
                    &format!("{} ({}) is now {}", t.name, t.hostname, t.status),
                )?;
                Ok::<_, AppError>(Ok(t))
            }
            Err(refused) => Ok(Err(refused.words(Reader::default()))),
        }
    })
}

fn operator_step(segment: &str) -> Result<Step, AppError> {
    match segment {
        "suspend" => Ok(Step::Suspend),
        "resume" => Ok(Step::Resume),
        _ => Err(AppError::NotFound),
    }
}

/// `POST /msp/clients/{id}/tenants/{tenant}/{suspend|resume}`.
pub fn operate_from_form(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    tenant: &str,
    step: &str,
) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    require_operator(who)?;
    let step = operator_step(step)?;
    match operate(ctx, req, who, tenant, step)? {
        Ok(_) => {
            provisioner::run_after(ctx, req);
            Ok(Response::see_other(&format!(
                "/msp/clients/{id}?done={}",
                step.as_str()
            )))
        }
        Err(why) => Err(AppError::Conflict(why)),
    }
}

/// One workspace's result in a bulk action.
#[derive(serde::Serialize)]
pub struct Outcome {
    /// The workspace.
    pub tenant: String,
    /// `done` or `refused`.
    pub outcome: &'static str,
    /// Its status now, or why it was refused.
    pub detail: String,
}

/// Applies one step to many clients' workspaces, each on its own, with a result per item.
fn bulk(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    step: Step,
    ids: &[&str],
) -> Result<Vec<Outcome>, AppError> {
    require_operator(who)?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(pulse_core::error::invalid(
            "tenants",
            msg("Choose 1 to 100 workspaces."),
        ));
    }
    let mut results = Vec::new();
    for id in ids {
        results.push(match operate(ctx, req, who, id, step)? {
            Ok(t) => Outcome {
                tenant: (*id).to_string(),
                outcome: msg("done"),
                detail: t.status,
            },
            Err(why) => Outcome {
                tenant: (*id).to_string(),
                outcome: msg("refused"),
                detail: why,
            },
        });
    }
    provisioner::run_after(ctx, req);
    Ok(results)
}

/// `POST /msp/bulk` (form: `action`, `tenant` repeated): the results, one per workspace.
pub fn bulk_from_form(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let step = operator_step(form.get("action").unwrap_or_default())?;
    let ids = form.get_all("tenant");
    let results = bulk(ctx, req, who, step, &ids)?;
    Ok(Response::html(
        200,
        views::msp::bulk_results(&ctx.shell(Nav::Msp), step, &results),
    ))
}

/// `POST /api/v1/msp/bulk` with `{"action": "suspend" | "resume", "tenants": [...]}`.
pub fn api_bulk(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let body = req.json_body()?;
    let step = operator_step(body["action"].as_str().unwrap_or_default())
        .map_err(|_| pulse_core::error::invalid("action", "action must be suspend or resume."))?;
    let ids: Vec<&str> = body["tenants"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let results = bulk(ctx, req, who, step, &ids)?;
    Ok(Response::json(
        200,
        &json!({ "object": "bulk_result", "action": step.as_str(), "results": results }),
    ))
}

/// `POST /msp/clients/{id}/tenants` (form: `name`, `slug`, `template`): a workspace for the
/// client, under running access.
pub fn create_for_client(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    require_operator(who)?;
    let form = req.form();
    let new = super::create::new_tenant(
        form.get("name").unwrap_or_default(),
        form.get("slug").unwrap_or_default(),
        form.get("template").unwrap_or_default(),
    );
    let now = now_unix();
    let db = ctx.db()?;
    if !grants::operates(db, &who.account.account_id, id, now)? {
        return Err(AppError::NotFound);
    }
    transaction(db, |db| match tenants::create(db, id, &new, now)? {
        Ok(t) => record_both(
            db,
            req,
            who,
            id,
            "tenant.created",
            &t.id,
            &format!("{} ({})", t.name, t.hostname),
        ),
        Err(tenants::CreateRefused::Fields(errors)) => Err(AppError::Invalid {
            detail: msg("Check the name, the slug and the template.").into(),
            errors,
        }),
        Err(tenants::CreateRefused::Limit(allowed, in_use)) => {
            Err(AppError::Conflict(ctx.reader(Some(who)).fill(
                "The client's plan allows {allowed} workspaces and {in_use} are in use.",
                &[
                    ("allowed", &allowed.to_string()),
                    ("in_use", &in_use.to_string()),
                ],
            )))
        }
    })?;
    provisioner::run_after(ctx, req);
    Ok(Response::see_other(&format!(
        "/msp/clients/{id}?done=created"
    )))
}

// The client's side.

fn require_client_owner(who: &Identity) -> Result<(), AppError> {
    if who.account.role == Role::Owner {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            msg("Only the account's owners give or end a provider's access.").into(),
        ))
    }
}

/// `GET /cloud/access`: who manages this account, the requests to decide and the access given.
pub fn show_access(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let list = grants::for_client(ctx.db()?, &who.account.account_id)?;
    Ok(Response::html(
        200,
        views::msp::access(
            &ctx.shell(Nav::Cloud),
            who,
            &list,
            req.query_param("done").as_deref(),
            now_unix(),
        ),
    ))
}

/// The client's owner decides or ends a grant.
fn client_step(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    grant: &str,
    step: &str,
) -> Result<grants::Grant, AppError> {
    require_client_owner(who)?;
    let now = now_unix();
    let account = who.account.account_id.clone();
    transaction(ctx.db()?, |db| {
        let g = match step {
            "approve" => grants::decide(db, &account, grant, &who.user_id, true, now)?,
            "decline" => grants::decide(db, &account, grant, &who.user_id, false, now)?,
            _ => grants::revoke(db, &account, grant, now)?,
        }
        .map_err(refusal)?;
        let action = match step {
            "approve" => "access.approved",
            "decline" => "access.declined",
            _ => "access.revoked",
        };
        let detail = format!(
            "{} for {}",
            action.trim_start_matches("access."),
            g.provider_name
        );
        for (account_id, actor) in [
            (account.as_str(), Some(who.user_id.as_str())),
            (g.provider_id.as_str(), None),
        ] {
            match actor {
                Some(user) => audit::record(
                    db,
                    &audit::Entry {
                        account_id,
                        actor_user_id: user,
                        action,
                        target: &g.id,
                        detail: &detail,
                        ip: &req.client_ip(),
                    },
                )?,
                None => audit::record_by_portal(
                    db,
                    account_id,
                    action,
                    &g.id,
                    &format!("{detail}, by {}", g.client_name),
                )?,
            }
        }
        Ok::<_, AppError>(g)
    })
}

/// `POST /cloud/access/{grant}/{approve|decline|revoke}`.
pub fn client_step_from_form(
    ctx: &Ctx,
    req: &Request,
    grant: &str,
    step: &str,
) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    client_step(ctx, req, who, grant, step)?;
    Ok(Response::see_other(&format!("/cloud/access?done={step}")))
}

/// `GET /api/v1/access-grants`: what providers asked of this account.
pub fn api_client_list(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (data, more) = grants::page_for_client(ctx.db()?, &who.account.account_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `POST /api/v1/access-grants/{grant}/{approve|decline|revoke}`.
pub fn api_client_step(
    ctx: &Ctx,
    req: &Request,
    grant: &str,
    step: &str,
) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    Ok(Response::json(
        200,
        &client_step(ctx, req, who, grant, step)?,
    ))
}
