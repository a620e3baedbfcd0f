//! Integrations per workspace: the catalog page, one workspace's integrations, turning one on
//! with its settings (secrets written, never shown again) and off. Changes are audited.

use std::collections::BTreeMap;

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::identity::Identity;
use pulse_core::integrations::{self, Entry, Kind};
use pulse_core::spin::Ctx;
use pulse_core::store::integrations::{self as store, Refused};
use pulse_core::store::{audit, tenants};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;
use serde_json::json;

use super::create::require_resource_manager;
use crate::views;
use crate::views::integrations::Refusal;

/// `GET /integrations`.
pub fn show_catalog(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let list = tenants::list_for_account(ctx.db()?, &who.account.account_id)?;
    Ok(Response::html(
        200,
        views::integrations::catalog(&ctx.shell(Nav::Cloud), &list),
    ))
}

fn render(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    id: &str,
    status: u16,
    refusal: &Refusal<'_>,
) -> Result<Response, AppError> {
    let (tenant, states) =
        store::for_tenant(ctx.db()?, &who.account.account_id, id)?.ok_or(AppError::NotFound)?;
    Ok(Response::html(
        status,
        views::integrations::for_tenant(
            &ctx.shell(Nav::Cloud),
            who,
            &tenant,
            &states,
            req.query_param("done").as_deref(),
            refusal,
        ),
    ))
}

/// `GET /cloud/{id}/integrations`.
pub fn show_for_tenant(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    render(ctx, req, who, id, 200, &Refusal::default())
}

/// Turns `entry` on (with `input`) or off, with its audit entry, all or nothing.
fn change(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    id: &str,
    entry: &Entry,
    on: Option<&BTreeMap<String, String>>,
) -> Result<Result<(), Refused>, AppError> {
    require_resource_manager(who)?;
    let account = &who.account.account_id;
    transaction(ctx.db()?, |db| {
        let (done, action) = match on {
            Some(input) => (
                store::enable(db, account, id, entry, input, now_unix())?,
                "integration.enabled",
            ),
            None => {
                let off = store::disable(db, account, id, entry, now_unix())?;
                (
                    if off { Ok(()) } else { Err(Refused::NotFound) },
                    "integration.disabled",
                )
            }
        };
        if done.is_ok() {
            // The audit entry names the integration, never a setting or a secret.
            audit::record_by(db, who, &req.client_ip(), action, id, entry.name)?;
        }
        Ok::<_, AppError>(done)
    })
}

/// `POST /cloud/{id}/integrations/{key}` (form: `action` = enable or disable, and the fields).
pub fn change_from_form(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    key: &str,
) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let entry = integrations::entry(key).ok_or(AppError::NotFound)?;
    let form = req.form();
    let input: BTreeMap<String, String> = entry
        .fields
        .iter()
        .map(|f| {
            (
                f.name.to_string(),
                form.get(f.name).unwrap_or_default().to_string(),
            )
        })
        .collect();
    let enable = form.get("action") != Some("disable");
    match change(ctx, req, who, id, entry, enable.then_some(&input))? {
        Ok(()) => Ok(Response::see_other(&format!(
            "/cloud/{id}/integrations?done={}",
            if enable { "enabled" } else { "disabled" }
        ))),
        Err(Refused::NotFound) => Err(AppError::NotFound),
        Err(Refused::Fields(errors)) => {
            // What was typed comes back, secrets excepted.
            let typed = entry
                .fields
                .iter()
                .filter(|f| f.kind != Kind::Secret)
                .map(|f| {
                    (
                        f.name.to_string(),
                        input.get(f.name).cloned().unwrap_or_default(),
                    )
                })
                .collect();
            render(
                ctx,
                req,
                who,
                id,
                422,
                &Refusal {
                    integration: entry.key,
                    typed,
                    errors,
                },
            )
        }
    }
}

/// `GET /api/v1/tenants/{id}/integrations`: every integration's state, secrets by name only.
pub fn api_list(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let page = req.page()?;
    let (_, states) =
        store::for_tenant(ctx.db()?, &who.account.account_id, id)?.ok_or(AppError::NotFound)?;
    // One state per entry of the catalog, which is fixed in code: bounded by nature, so the
    // page is cut from the whole list.
    let (data, more) = pulse_core::store::lists::page_of(states, &page, |s| s.integration.as_str());
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `POST /api/v1/tenants/{id}/integrations/{key}` with `{"enabled": true, "settings": {...}}`
/// or `{"enabled": false}`.
pub fn api_change(ctx: &Ctx, req: &Request, id: &str, key: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let entry = integrations::entry(key).ok_or(AppError::NotFound)?;
    let body = req.json_body()?;
    let enable = body["enabled"].as_bool().unwrap_or(true);
    let input: BTreeMap<String, String> = entry
        .fields
        .iter()
        .map(|f| {
            (
                f.name.to_string(),
                body["settings"][f.name]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    match change(ctx, req, who, id, entry, enable.then_some(&input))? {
        Ok(()) => {
            let (_, states) = store::for_tenant(ctx.db()?, &who.account.account_id, id)?
                .ok_or(AppError::NotFound)?;
            let state = states.into_iter().find(|s| s.integration == key);
            Ok(Response::json(200, &state))
        }
        Err(Refused::NotFound) => Err(AppError::NotFound),
        Err(Refused::Fields(errors)) => Err(AppError::Invalid {
            detail: "Check the settings named below.".into(),
            errors,
        }),
    }
}
