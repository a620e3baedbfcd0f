//! A workspace's settings, as in Odoo's database manager: rename its display name, set or
//! remove its production alias, make a test copy. Forms re-render the page with what was typed
//! and why on a refusal; the JSON API takes the same steps. Each change is audited, and the
//! alias and copies are provisioning jobs written with it.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::msg;
use pulse_core::identity::Identity;
use pulse_core::spin::Ctx;
use pulse_core::store::tenants;
use pulse_core::store::workspace_settings::{self as settings, ALIAS_DOMAIN, Refused};
use pulse_core::store::{audit, idempotency};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;
use serde_json::{Value, json};

use super::create::require_resource_manager;
use crate::provisioner;
use crate::views;
use crate::views::cloud::SettingsForm;

/// A settings change.
enum Change<'a> {
    Rename(&'a str),
    Alias(&'a str),
    Copy,
    Backup,
}

/// Why a change did not happen.
type Failed = super::Failed<Refused>;

/// Makes the change with its audit entry, all or nothing; runs the worker for any job.
fn apply(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    id: &str,
    change: &Change,
) -> Result<Value, Failed> {
    require_resource_manager(who).map_err(Failed::App)?;
    let now = now_unix();
    let db = ctx.db().map_err(Failed::App)?;
    let (done, job) = transaction(db, |db| {
        let account = &who.account.account_id;
        let (action, detail, done, job) = match change {
            Change::Rename(name) => {
                let t = settings::rename(db, account, id, name)?.map_err(Failed::Refused)?;
                (
                    "tenant.renamed",
                    format!("Display name: {}", t.name),
                    json!(t),
                    false,
                )
            }
            Change::Alias(label) => {
                let alias =
                    settings::set_alias(db, account, id, label, now)?.map_err(Failed::Refused)?;
                let detail = alias.as_deref().map_or_else(
                    || "Production alias removed".to_string(),
                    |a| format!("Production alias: {a}"),
                );
                (
                    "tenant.alias",
                    detail,
                    json!({ "object": "alias", "tenant": id, "alias": alias }),
                    true,
                )
            }
            Change::Copy => {
                let copy = settings::make_copy(db, account, id, now)?.map_err(Failed::Refused)?;
                (
                    "tenant.copied",
                    format!("Test copy {}", copy.hostname),
                    json!(copy),
                    true,
                )
            }
            Change::Backup => {
                let backup = settings::request_backup(db, account, id, &who.user_id, now)?
                    .map_err(Failed::Refused)?;
                (
                    "tenant.backup_requested",
                    format!("Backup {}", backup.id),
                    json!(backup),
                    true,
                )
            }
        };
        audit::record_by(db, who, &req.client_ip(), action, id, &detail)?;
        Ok::<_, Failed>((done, job))
    })?;
    if job {
        provisioner::run_after(ctx, req);
    }
    Ok(done)
}

fn field_of(refused: Refused) -> Result<(String, String), AppError> {
    match refused {
        Refused::NotFound => Err(AppError::NotFound),
        Refused::Field(field, why) => Ok((field.to_string(), why)),
    }
}

/// Shows the workspace's page (`GET /cloud/{id}`), or re-renders it after a refusal.
pub fn render(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    id: &str,
    status: u16,
    form: &SettingsForm<'_>,
) -> Result<Response, AppError> {
    let detail =
        tenants::find_detail(ctx.db()?, &who.account.account_id, id)?.ok_or(AppError::NotFound)?;
    Ok(Response::html(
        status,
        views::cloud::detail(
            &ctx.shell(Nav::Cloud),
            &detail,
            req.query_param("done").as_deref(),
            ALIAS_DOMAIN,
            form,
            now_unix(),
        ),
    ))
}

/// `POST /cloud/{id}/{rename|alias|copies}`.
pub fn change_from_form(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    what: &str,
) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let (name, alias) = (form.get("name"), form.get("alias"));
    let (change, done) = match what {
        "rename" => (Change::Rename(name.unwrap_or_default()), "renamed"),
        "alias" => (Change::Alias(alias.unwrap_or_default()), "alias"),
        "copies" => (Change::Copy, "copy"),
        "backups" => (Change::Backup, "backup"),
        _ => return Err(AppError::NotFound),
    };
    match apply(ctx, req, who, id, &change) {
        Ok(_) => Ok(Response::see_other(&format!("/cloud/{id}?done={done}"))),
        Err(Failed::App(e)) => Err(e),
        Err(Failed::Refused(refused)) => {
            let problem = field_of(refused)?;
            render(
                ctx,
                req,
                who,
                id,
                422,
                &SettingsForm {
                    name,
                    alias,
                    errors: vec![problem],
                },
            )
        }
    }
}

/// `POST /api/v1/tenants/{id}/rename` `{"name"}`, `.../alias` `{"alias": "label" | ""}`,
/// `.../copies`: 200 (201 for a copy) with what changed.
pub fn change_from_api(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    what: &str,
) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let made = matches!(what, "copies" | "backups");
    let answer = || {
        let body = if made { Value::Null } else { req.json_body()? };
        let change = match what {
            "rename" => Change::Rename(body["name"].as_str().unwrap_or_default()),
            "alias" => Change::Alias(body["alias"].as_str().unwrap_or_default()),
            "backups" => Change::Backup,
            _ => Change::Copy,
        };
        match apply(ctx, req, who, id, &change) {
            Ok(done) => Ok(Response::json(if made { 201 } else { 200 }, &done)),
            Err(Failed::App(e)) => Err(e),
            Err(Failed::Refused(refused)) => {
                let (field, why) = field_of(refused)?;
                Err(AppError::Invalid {
                    detail: why.clone(),
                    errors: vec![(field, why)],
                })
            }
        }
    };
    // Making a copy or a backup creates something: a retry with the same Idempotency-Key
    // gets the first answer.
    if made {
        idempotency::once(ctx.db()?, &who.account.account_id, req, answer)
    } else {
        answer()
    }
}

/// `GET /cloud/{id}/backups/{backup}/download` (and the same under `/api/v1/tenants`): the
/// backup while it can be downloaded, for the workspace's owners and admins. The provisioner's
/// backups are at its storage (a redirect there); the portal's own (local mode) are served.
pub fn download_backup(
    ctx: &Ctx,
    req: &Request,
    id: &str,
    backup: &str,
) -> Result<Response, AppError> {
    use pulse_core::store::workspace_settings::{BackupFile, NoFile};
    let who = ctx.require(req)?;
    require_resource_manager(who)?;
    match settings::backup_file(ctx.db()?, &who.account.account_id, id, backup, now_unix())? {
        Ok(BackupFile::Location(url)) => {
            Ok(Response::see_other(&url).with_header("cache-control", "no-store"))
        }
        Ok(BackupFile::Archive(zip)) => Ok(Response {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/zip".into()),
                (
                    "content-disposition".into(),
                    format!("attachment; filename=\"{backup}.zip\""),
                ),
                ("cache-control".into(), "no-store".into()),
            ],
            body: zip,
        }),
        Err(NoFile::NotFound) => Err(AppError::NotFound),
        Err(NoFile::NotReady) => Err(AppError::Conflict(
            msg("This backup is not ready: it can be downloaded once it is.").into(),
        )),
        Err(NoFile::Expired) => Err(AppError::Gone(
            msg("This backup's download period is over. Ask for a new backup from the workspace's page.")
                .into(),
        )),
    }
}
