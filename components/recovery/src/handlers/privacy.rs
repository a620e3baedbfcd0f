//! Data export and deletion (GDPR Articles 15, 17 and 20).
//!
//! A signed-in owner asks for the current account: an export is queued at once, a deletion
//! (after a fresh verification) is scheduled after the grace period. Anyone else gives an
//! address; the portal mails a status link there, and the request goes ahead only once that
//! link is used to confirm it within 30 minutes, so nobody acts on an address they cannot read.
//! The answer is the same whether or not the address is known. A job builds the archive or
//! erases the data (see `worker`); the status page, reached by the link or by the owner, shows
//! the one-month deadline, the download while it lasts, and a deletion's cancel button.

use pulse_core::AppError;
use pulse_core::csrf;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::{Credential, Identity, Role};
use pulse_core::spin::Ctx;
use pulse_core::store::privacy::{self, DataRequest, Kind, NewRequest};
use pulse_core::store::users::reader_of;
use pulse_core::store::{audit, outbox};
use pulse_core::time::{now_unix, parse_rfc3339};
use pulse_core::views::Nav;
use serde_json::json;

use crate::handlers::requests::{Topic, rate_limit, validate};
use crate::views;

/// The grace period when `deletion_grace_days` is not set.
const DEFAULT_GRACE_DAYS: i64 = 14;
/// How long a signed-out request's status link can confirm it.
pub const PROOF_SECONDS: i64 = 30 * 60;

/// Days between a confirmed deletion and the erasure (`deletion_grace_days`).
pub fn grace_days() -> Result<i64, AppError> {
    let raw = spin_sdk::variables::get("deletion_grace_days").unwrap_or_default();
    if raw.trim().is_empty() {
        return Ok(DEFAULT_GRACE_DAYS);
    }
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (0..=90).contains(d))
        .ok_or_else(|| {
            AppError::Unavailable(
                "variable `deletion_grace_days` must be a whole number of days from 0 to 90".into(),
            )
        })
}

fn kind_of(topic: Topic) -> Kind {
    if topic == Topic::Deletion {
        Kind::Deletion
    } else {
        Kind::Export
    }
}

/// The caller if they are signed in as an owner of the current account.
fn owner<'a>(ctx: &'a Ctx, req: &Request) -> Option<&'a Identity> {
    ctx.identity(req)
        .ok()
        .flatten()
        .filter(|who| who.account.role == Role::Owner)
}

fn owner_page(
    ctx: &Ctx,
    who: &Identity,
    kind: Kind,
    status: u16,
    problem: &[String],
) -> Result<Response, AppError> {
    let db = ctx.db()?;
    let requests = privacy::for_account(db, &who.account.account_id)?;
    Ok(Response::html(
        status,
        views::privacy::owner_page(
            &ctx.shell(Nav::Support),
            who,
            kind,
            &requests,
            problem,
            grace_days()?,
            now_unix(),
        ),
    ))
}

/// `GET /privacy/export` and `/privacy/delete`: an owner's page for the account, or the form
/// that starts a request by email.
pub fn show(ctx: &Ctx, req: &Request, topic: Topic) -> Result<Response, AppError> {
    match owner(ctx, req) {
        Some(who) => owner_page(ctx, who, kind_of(topic), 200, &[]),
        None => super::requests::show_form(ctx, req, topic),
    }
}

/// `POST /privacy/export` and `/privacy/delete`.
pub fn submit(ctx: &Ctx, req: &Request, topic: Topic) -> Result<Response, AppError> {
    let kind = kind_of(topic);
    // An owner asking for the account (the form has no address field).
    if let Some(who) = owner(ctx, req).filter(|_| req.form().get("email").is_none()) {
        csrf::check(req, &ctx.config, Some(who))?;
        return match for_account(ctx, req, who, kind)? {
            Ok(id) => Ok(Response::see_other(&format!("/privacy/requests/{id}"))),
            Err(blockers) => owner_page(
                ctx,
                who,
                kind,
                409,
                &privacy::blockers_in_words(&blockers, ctx.reader(Some(who))),
            ),
        };
    }
    let who = ctx.identity(req).ok().flatten();
    csrf::check(req, &ctx.config, who)?;
    let form = req.form();
    let email = form.get("email").unwrap_or_default();
    let message = form.get("message").unwrap_or_default();
    let input = match validate(topic, email, message) {
        Ok(input) => input,
        Err(e) => {
            return Ok(Response::html(
                422,
                views::forms::form(
                    &ctx.shell(Nav::Support),
                    topic,
                    email,
                    message,
                    e.field_errors(),
                ),
            ));
        }
    };
    let id = by_email(ctx, req, kind, &input.email)?;
    Ok(Response::html(
        201,
        views::forms::received(&ctx.shell(Nav::Support), topic, &input.email, &id),
    ))
}

/// Records a signed-out request and mails its status link, the same statements whether or
/// not the address is known.
pub fn by_email(ctx: &Ctx, req: &Request, kind: Kind, email: &str) -> Result<String, AppError> {
    rate_limit(req, email)?;
    let origin = ctx.config.public_origin.clone();
    let sender = ctx.reader(ctx.identity(req).ok().flatten());
    transaction(ctx.db()?, |db| {
        let now = now_unix();
        let (id, token) = privacy::create(
            db,
            &NewRequest {
                kind,
                email,
                requested_by: None,
                account_ids: &[],
                confirmed: false,
                grace_days: 0,
            },
            now,
        )?;
        outbox::enqueue(
            db,
            &views::mail::privacy_proof(
                reader_of(db, email, sender)?,
                kind,
                email,
                &id,
                &token,
                &origin,
            ),
        )?;
        Ok::<_, AppError>(id)
    })
}

/// An owner's request for the current account: `Err` with what stops a deletion.
fn for_account(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    kind: Kind,
) -> Result<Result<String, Vec<privacy::Blocker>>, AppError> {
    if !who.can_write {
        return Err(AppError::Forbidden(
            "This API token is read-only. Create a token with write scope to make changes.".into(),
        ));
    }
    if kind == Kind::Deletion && who.credential == Credential::Cookie {
        ctx.require_fresh_verification(who)?;
    }
    let grace = grace_days()?;
    let origin = ctx.config.public_origin.clone();
    let account = who.account.account_id.clone();
    let sender = ctx.reader(Some(who));
    transaction(ctx.db()?, |db| {
        let now = now_unix();
        // One open request of a kind at a time: asking again shows the one under way.
        if let Some(open) = privacy::for_account(db, &account)?.into_iter().find(|r| {
            r.kind == kind.as_str() && matches!(r.status.as_str(), "queued" | "scheduled")
        }) {
            return Ok(Ok(open.id));
        }
        if kind == Kind::Deletion {
            let blockers = privacy::blockers(db, std::slice::from_ref(&account))?;
            if !blockers.is_empty() {
                return Ok(Err(blockers));
            }
        }
        let (id, token) = privacy::create(
            db,
            &NewRequest {
                kind,
                email: &who.email,
                requested_by: Some(&who.user_id),
                account_ids: std::slice::from_ref(&account),
                confirmed: true,
                grace_days: grace,
            },
            now,
        )?;
        if kind == Kind::Deletion {
            let request = privacy::get(db, &id)?.ok_or(AppError::NotFound)?;
            outbox::enqueue(
                db,
                &views::mail::deletion_scheduled(
                    reader_of(db, &who.email, sender)?,
                    &who.email,
                    &request,
                    &token,
                    &origin,
                ),
            )?;
        }
        audit::record(
            db,
            &audit::Entry {
                account_id: &account,
                actor_user_id: &who.user_id,
                action: match kind {
                    Kind::Export => "privacy.export_requested",
                    Kind::Deletion => "privacy.deletion_requested",
                },
                target: &id,
                detail: &match kind {
                    Kind::Export => "Asked for an export of the account's data".to_string(),
                    Kind::Deletion => {
                        format!("Asked for the account's data to be erased after {grace} days")
                    }
                },
                ip: &req.client_ip(),
            },
        )?;
        Ok::<_, AppError>(Ok(id))
    })
}

/// How the caller reached a request.
enum Access {
    /// With the token of the link mailed to the requester.
    Link(String),
    /// As an owner of an account it covers.
    Owner,
}

/// The request `id` if the caller may see it: by the link's token (query `token`, form field
/// or JSON `token`), or as a signed-in owner of an account it covers. Anything else is the
/// same 404, so ids cannot be probed.
fn find(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    token: Option<String>,
) -> Result<(DataRequest, Access), AppError> {
    let db = ctx.db()?;
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        return match privacy::by_token(db, id, &token)? {
            Some(r) => Ok((r, Access::Link(token))),
            None => Err(AppError::NotFound),
        };
    }
    if let Some(who) = owner(ctx, req)
        && let Some(r) = privacy::get(db, id)?
        && r.account_ids.contains(&who.account.account_id)
    {
        return Ok((r, Access::Owner));
    }
    Err(AppError::NotFound)
}

/// [`find`], with the page for a link that does not work in place of the 404.
fn find_or_page(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    token: Option<String>,
) -> Result<Result<(DataRequest, Access), Response>, AppError> {
    match find(ctx, req, id, token) {
        Ok(found) => Ok(Ok(found)),
        Err(AppError::NotFound) => Ok(Err(Response::html(
            404,
            views::privacy::link_invalid(&ctx.shell(Nav::Support)),
        ))),
        Err(e) => Err(e),
    }
}

fn link_token(access: &Access) -> Option<&str> {
    match access {
        Access::Link(t) => Some(t),
        Access::Owner => None,
    }
}

fn status_page(
    ctx: &Ctx,
    request: &DataRequest,
    access: &Access,
    status: u16,
    problem: &[String],
) -> Result<Response, AppError> {
    let now = now_unix();
    // Before a signed-out request is confirmed, show what confirming would cover.
    let covers = if request.status == "awaiting_proof" {
        privacy::owned_accounts(ctx.db()?, &request.email)?
    } else {
        Vec::new()
    };
    Ok(Response::html(
        status,
        views::privacy::status(
            &ctx.shell(Nav::Support),
            request,
            link_token(access),
            &covers,
            problem,
            proof_open(request, now),
            now,
        ),
    ))
}

/// Whether a request awaiting proof can still be confirmed at `now`.
fn proof_open(request: &DataRequest, now: i64) -> bool {
    request.status == "awaiting_proof"
        && parse_rfc3339(&request.created_at).is_some_and(|at| now - at < PROOF_SECONDS)
}

/// `GET /privacy/requests/{id}` (`?token=` from the email, or signed in as an owner).
pub fn show_status(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    match find_or_page(ctx, req, id, req.query_param("token"))? {
        Ok((request, access)) => status_page(ctx, &request, &access, 200, &[]),
        Err(page) => Ok(page),
    }
}

/// What confirming or cancelling did, or why not.
enum Outcome {
    Done,
    Refused(u16, Vec<String>),
}

/// Confirms a signed-out request with its link: the address is proven. A deletion is refused
/// while an account it would erase still has a running subscription or a workspace.
fn confirm(ctx: &Ctx, request: &DataRequest) -> Result<Outcome, AppError> {
    let now = now_unix();
    if !proof_open(request, now) {
        return Ok(Outcome::Refused(
            410,
            vec![if request.status == "awaiting_proof" {
                msg("This link can confirm the request for 30 minutes after it was sent, and that time has passed. Start again and use the new link promptly.").into()
            } else {
                msg("This request is already confirmed.").into()
            }],
        ));
    }
    let grace = grace_days()?;
    let origin = ctx.config.public_origin.clone();
    let sender = ctx.reader(None);
    transaction(ctx.db()?, |db| {
        let accounts: Vec<String> = privacy::owned_accounts(db, &request.email)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        if request.kind == Kind::Deletion.as_str() {
            let blockers = privacy::blockers(db, &accounts)?;
            if !blockers.is_empty() {
                return Ok(Outcome::Refused(
                    409,
                    privacy::blockers_in_words(&blockers, sender),
                ));
            }
        }
        if !privacy::confirm(db, &request.id, &accounts, grace, now)? {
            return Ok(Outcome::Refused(
                409,
                vec![msg("This request is already confirmed.").into()],
            ));
        }
        for account in &accounts {
            audit::record_by_portal(
                db,
                account,
                if request.kind == Kind::Deletion.as_str() {
                    "privacy.deletion_requested"
                } else {
                    "privacy.export_requested"
                },
                &request.id,
                "Asked for by an owner's address, proven by email",
            )?;
        }
        if request.kind == Kind::Deletion.as_str() {
            let request = privacy::get(db, &request.id)?.ok_or(AppError::NotFound)?;
            outbox::enqueue(
                db,
                &views::mail::deletion_scheduled(
                    reader_of(db, &request.email, sender)?,
                    &request.email,
                    &request,
                    "",
                    &origin,
                ),
            )?;
        }
        Ok::<_, AppError>(Outcome::Done)
    })
}

/// Cancels a deletion in its grace period.
fn cancel(ctx: &Ctx, req: &Request, request: &DataRequest) -> Result<Outcome, AppError> {
    transaction(ctx.db()?, |db| {
        if !privacy::cancel(db, &request.id, now_unix())? {
            return Ok(Outcome::Refused(
                409,
                vec![msg("Only a deletion that has not started can be cancelled.").into()],
            ));
        }
        let actor = owner(ctx, req).map(|w| w.user_id.clone());
        for account in &request.account_ids {
            match &actor {
                Some(user) => audit::record(
                    db,
                    &audit::Entry {
                        account_id: account,
                        actor_user_id: user,
                        action: "privacy.deletion_cancelled",
                        target: &request.id,
                        detail: "Cancelled the erasure of the account's data",
                        ip: &req.client_ip(),
                    },
                )?,
                None => audit::record_by_portal(
                    db,
                    account,
                    "privacy.deletion_cancelled",
                    &request.id,
                    "Cancelled from the link mailed to the requester",
                )?,
            }
        }
        Ok::<_, AppError>(Outcome::Done)
    })
}

/// Confirms or cancels the request, after the CSRF token of an owner's session.
fn take_step(
    ctx: &Ctx,
    req: &Request,
    request: &DataRequest,
    access: &Access,
    step: &str,
) -> Result<Outcome, AppError> {
    let who = match access {
        Access::Owner => ctx.identity(req).ok().flatten(),
        Access::Link(_) => None,
    };
    csrf::check(req, &ctx.config, who)?;
    match step {
        "confirm" => confirm(ctx, request),
        _ => cancel(ctx, req, request),
    }
}

/// `POST /privacy/requests/{id}/confirm` and `.../cancel` (form: `token`).
pub fn act_from_form(ctx: &Ctx, req: &Request, id: &str, step: &str) -> Result<Response, AppError> {
    // The origin first, before anything is looked up; an owner's token once known.
    csrf::check(req, &ctx.config, None)?;
    let form = req.form();
    let token = form.get("token").map(str::to_string);
    let (request, access) = match find_or_page(ctx, req, id, token)? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let outcome = take_step(ctx, req, &request, &access, step)?;
    match outcome {
        Outcome::Done => {
            let mut location = format!("/privacy/requests/{id}");
            if let Some(t) = link_token(&access) {
                location.push_str(&format!("?token={}", pulse_core::http::percent_encode(t)));
            }
            Ok(Response::see_other(&location))
        }
        Outcome::Refused(status, why) => {
            let request = privacy::get(ctx.db()?, id)?.ok_or(AppError::NotFound)?;
            status_page(ctx, &request, &access, status, &why)
        }
    }
}

/// `GET /privacy/requests/{id}/archive`: the export's zip, while it lasts.
pub fn download(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let (request, _) = match find_or_page(ctx, req, id, req.query_param("token"))? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    match privacy::archive(ctx.db()?, &request.id, now_unix())? {
        Some(zip) => Ok(Response {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/zip".into()),
                (
                    "content-disposition".into(),
                    format!(
                        "attachment; filename=\"pulse-account-data-{}.zip\"",
                        request.id
                    ),
                ),
                ("cache-control".into(), "no-store".into()),
            ],
            body: zip,
        }),
        None => Ok(Response::html(
            410,
            views::privacy::archive_gone(&ctx.shell(Nav::Support), &request),
        )),
    }
}

// The JSON API.

/// `GET /api/v1/privacy/requests`: the account's requests (owners).
pub fn api_list(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = api_owner(ctx, req)?;
    let (data, more) = privacy::page_for_account(ctx.db()?, &who.account.account_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

fn api_owner<'a>(ctx: &'a Ctx, req: &Request) -> Result<&'a Identity, AppError> {
    let who = ctx.require(req)?;
    if who.account.role != Role::Owner {
        return Err(AppError::Forbidden(
            "Only an owner of the account can export or delete its data.".into(),
        ));
    }
    Ok(who)
}

/// `POST /api/v1/privacy/requests` with `{"kind": "export" | "deletion"}` (owners).
pub fn api_create(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = api_owner(ctx, req)?;
    csrf::check(req, &ctx.config, Some(who))?;
    let body = req.json_body()?;
    let kind = match body["kind"].as_str() {
        Some("export") => Kind::Export,
        Some("deletion") => Kind::Deletion,
        _ => {
            return Err(pulse_core::error::invalid(
                "kind",
                "kind must be export or deletion.",
            ));
        }
    };
    match for_account(ctx, req, who, kind)? {
        Ok(id) => {
            let request = privacy::get(ctx.db()?, &id)?.ok_or(AppError::NotFound)?;
            Ok(Response::json(201, &request))
        }
        Err(blockers) => Err(AppError::Conflict(
            privacy::blockers_in_words(&blockers, Reader::default()).join(" "),
        )),
    }
}

/// `GET /api/v1/privacy/requests/{id}` (`?token=`, or an owner).
pub fn api_show(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let (request, _) = find(ctx, req, id, req.query_param("token"))?;
    Ok(Response::json(200, &request))
}

/// `POST /api/v1/privacy/requests/{id}/confirm` and `.../cancel` with `{"token"}` (or an owner).
pub fn api_act(ctx: &Ctx, req: &Request, id: &str, step: &str) -> Result<Response, AppError> {
    csrf::check(req, &ctx.config, None)?;
    let body = req.json_body()?;
    let token = body["token"].as_str().map(str::to_string);
    let (request, access) = find(ctx, req, id, token)?;
    let outcome = take_step(ctx, req, &request, &access, step)?;
    match outcome {
        Outcome::Done => {
            let request = privacy::get(ctx.db()?, id)?.ok_or(AppError::NotFound)?;
            Ok(Response::json(200, &request))
        }
        Outcome::Refused(_, why) => Err(AppError::Conflict(why.join(" "))),
    }
}

/// `POST /api/v1/privacy/run`: a scheduler's call, signed like the provisioner's
/// (`Pulse-Timestamp`, `Pulse-Signature: v1=` HMAC-SHA256 of `{timestamp}.{body}` under
/// `scheduler_key`): builds queued archives and carries out deletions whose grace is over.
pub fn api_run(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    csrf::check(req, &ctx.config, None)?;
    pulse_core::spin::require_scheduler(req)?;
    let run = crate::worker::run_due(ctx)?;
    Ok(Response::json(
        200,
        &json!({ "object": "privacy_run", "exported": run.exported, "erased": run.erased, "refused": run.refused, "failed": run.failed, "expired": run.expired }),
    ))
}
