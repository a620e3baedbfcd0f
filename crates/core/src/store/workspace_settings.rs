//! What Odoo's own database manager offers for a workspace: its display name, a production
//! alias on the alias domain (`{label}.planapulse.online`), test copies (outgoing mail off,
//! expiring after 15 days, at most five live) and backups (downloadable for seven days). The
//! alias, each copy and each backup are provisioning jobs, written in the transaction that
//! records them.

use crate::i18n::msg;
use serde::Serialize;
use serde_json::json;

use super::provisioning::{self, Action};
use super::tenants::{self, Tenant, slug_problem};
use crate::db::{Db, DbError, Row};
use crate::ids::new_id;
use crate::time::rfc3339;

/// The domain production aliases live on (seed 001: `*.planapulse.online`).
pub const ALIAS_DOMAIN: &str = "planapulse.online";

/// How long a test copy lives.
pub const COPY_LIFETIME_SECONDS: i64 = 15 * 86_400;

/// Test copies a workspace may have at once.
pub const MAX_COPIES: i64 = 5;

/// How long a backup can be downloaded.
pub const BACKUP_LIFETIME_SECONDS: i64 = 7 * 86_400;

/// A backup of a workspace.
#[derive(Debug, Clone, Serialize)]
pub struct Backup {
    /// `bak_...`
    pub id: String,
    /// creating, ready or failed.
    pub status: String,
    /// Asked for.
    pub created_at: String,
    /// Made.
    pub completed_at: Option<String>,
    /// Downloadable until.
    pub expires_at: String,
    /// Its size, once made.
    pub size_bytes: Option<i64>,
}

/// The columns [`backup`] reads, over `tenant_backups b`.
pub(crate) const BACKUP_COLUMNS: &[&str] = &[
    "b.id",
    "b.status",
    "b.created_at",
    "b.completed_at",
    "b.expires_at",
    "b.size_bytes",
];

/// Decodes a row of [`BACKUP_COLUMNS`].
pub(crate) fn backup(r: &Row) -> Result<Backup, DbError> {
    Ok(Backup {
        id: r.text(0)?,
        status: r.text(1)?,
        created_at: r.text(2)?,
        completed_at: r.opt_text(3)?,
        expires_at: r.text(4)?,
        size_bytes: r.opt_int(5)?,
    })
}

/// A test copy of a workspace.
#[derive(Debug, Clone, Serialize)]
pub struct Copy {
    /// `cpy_...`
    pub id: String,
    /// Its own host name.
    pub hostname: String,
    /// creating, ready or failed.
    pub status: String,
    /// Outgoing mail (always off for a copy).
    pub mail_enabled: bool,
    /// Made.
    pub created_at: String,
    /// Removed after this.
    pub expires_at: String,
}

/// The columns [`copy`] reads, over `tenant_copies c`.
pub(crate) const COPY_COLUMNS: &[&str] = &[
    "c.id",
    "c.hostname",
    "c.status",
    "c.mail_enabled",
    "c.created_at",
    "c.expires_at",
];

/// Decodes a row of [`COPY_COLUMNS`].
pub(crate) fn copy(r: &Row) -> Result<Copy, DbError> {
    Ok(Copy {
        id: r.text(0)?,
        hostname: r.text(1)?,
        status: r.text(2)?,
        mail_enabled: r.flag(3)?,
        created_at: r.text(4)?,
        expires_at: r.text(5)?,
    })
}

/// Why a change was refused, per field, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such workspace in the account.
    NotFound,
    /// Field name and message.
    Field(&'static str, String),
}

/// The workspace, locked for the change, if it is the account's and not deleted.
fn locked(db: &dyn Db, account_id: &str, id: &str) -> Result<Option<Tenant>, DbError> {
    db.execute(
        "UPDATE tenants SET id = id WHERE id = $1 AND account_id = $2",
        &[id.into(), account_id.into()],
    )?;
    Ok(tenants::find_for_account(db, account_id, id)?.map(|(t, _)| t))
}

/// What a sixth test copy is told ([`MAX_COPIES`] written out, so the catalog has the sentence
/// whole; a test keeps the two alike).
const COPIES_KEPT: &str = msg(
    "A workspace keeps at most 5 test copies. Wait for one to expire, or ask support to remove one.",
);

fn require_active(t: &Tenant, field: &'static str) -> Result<(), Refused> {
    if t.status == "active" {
        Ok(())
    } else {
        Err(Refused::Field(
            field,
            match t.status.as_str() {
                "suspended" => msg("The workspace is suspended; this needs it running."),
                "provisioning" => {
                    msg("The workspace is still being created. Try again once it is active.")
                }
                _ => msg("The workspace is waiting for deletion. Restore it first to change it."),
            }
            .to_string(),
        ))
    }
}

/// Renames the workspace (its display name only: the address stays). Call inside a
/// transaction.
pub fn rename(
    db: &dyn Db,
    account_id: &str,
    id: &str,
    name: &str,
) -> Result<Result<Tenant, Refused>, DbError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Ok(Err(Refused::Field(
            "name",
            msg("Enter a display name of at most 80 characters.").into(),
        )));
    }
    let Some(t) = locked(db, account_id, id)? else {
        return Ok(Err(Refused::NotFound));
    };
    db.execute(
        "UPDATE tenants SET name = $1 WHERE id = $2",
        &[name.into(), id.into()],
    )?;
    Ok(Ok(Tenant {
        name: name.to_string(),
        ..t
    }))
}

/// Sets the production alias `{label}.`[`ALIAS_DOMAIN`] (replacing the previous one), or
/// removes it when `label` is empty. Returns the alias host name. Call inside a transaction.
pub fn set_alias(
    db: &dyn Db,
    account_id: &str,
    id: &str,
    label: &str,
    now: i64,
) -> Result<Result<Option<String>, Refused>, DbError> {
    let domain = ALIAS_DOMAIN;
    let label = label.trim();
    if !label.is_empty()
        && let Some(problem) = slug_problem(label)
    {
        return Ok(Err(Refused::Field("alias", problem.to_string())));
    }
    let Some(t) = locked(db, account_id, id)? else {
        return Ok(Err(Refused::NotFound));
    };
    if let Err(refused) = require_active(&t, "alias") {
        return Ok(Err(refused));
    }
    db.execute(
        "DELETE FROM tenant_aliases WHERE tenant_id = $1 AND hostname LIKE $2",
        &[id.into(), format!("%.{domain}").into()],
    )?;
    let alias = (!label.is_empty()).then(|| format!("{label}.{domain}"));
    if let Some(hostname) = &alias {
        match db.execute(
            "INSERT INTO tenant_aliases (hostname, tenant_id, created_at) VALUES ($1, $2, $3)",
            &[hostname.as_str().into(), id.into(), rfc3339(now).into()],
        ) {
            Ok(_) => {}
            Err(DbError::Constraint(_)) => {
                return Ok(Err(Refused::Field(
                    "alias",
                    msg("This address is already taken. Choose another name.").to_string(),
                )));
            }
            Err(e) => return Err(e),
        }
    }
    provisioning::enqueue(
        db,
        id,
        Action::Alias,
        &json!({ "tenant": id, "hostname": t.hostname, "alias": alias }),
        now,
        now,
    )?;
    Ok(Ok(alias))
}

/// Makes a test copy: outgoing mail off, expiring after [`COPY_LIFETIME_SECONDS`], at most
/// [`MAX_COPIES`] live. Call inside a transaction.
pub fn make_copy(
    db: &dyn Db,
    account_id: &str,
    id: &str,
    now: i64,
) -> Result<Result<Copy, Refused>, DbError> {
    let Some(t) = locked(db, account_id, id)? else {
        return Ok(Err(Refused::NotFound));
    };
    if let Err(refused) = require_active(&t, "copy") {
        return Ok(Err(refused));
    }
    let at = rfc3339(now);
    let live = db
        .query_opt(
            "SELECT COUNT(*) FROM tenant_copies WHERE tenant_id = $1 AND status <> 'failed' AND expires_at > $2",
            &[id.into(), at.as_str().into()],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    if live >= MAX_COPIES {
        return Ok(Err(Refused::Field("copy", COPIES_KEPT.to_string())));
    }
    let made = db
        .query_opt(
            "SELECT COUNT(*) FROM tenant_copies WHERE tenant_id = $1",
            &[id.into()],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let (first, domain) = t
        .hostname
        .split_once('.')
        .unwrap_or((&t.slug, "planapulse.app"));
    let copy = Copy {
        id: new_id("cpy"),
        // A double hyphen, which no workspace slug has, keeps copies' names apart from slugs.
        hostname: format!("{first}--test-{}.{domain}", made + 1),
        status: "creating".into(),
        mail_enabled: false,
        created_at: at.clone(),
        expires_at: rfc3339(now + COPY_LIFETIME_SECONDS),
    };
    db.execute(
        "INSERT INTO tenant_copies (id, tenant_id, hostname, status, mail_enabled, created_at, expires_at)
         VALUES ($1, $2, $3, 'creating', 0, $4, $5)",
        &[
            copy.id.as_str().into(),
            id.into(),
            copy.hostname.as_str().into(),
            copy.created_at.as_str().into(),
            copy.expires_at.as_str().into(),
        ],
    )?;
    provisioning::enqueue(
        db,
        id,
        Action::Copy,
        &json!({ "tenant": id, "hostname": t.hostname, "copy": copy.id, "copy_hostname": copy.hostname,
                 "outgoing_mail": false, "expires_at": copy.expires_at }),
        now,
        now,
    )?;
    Ok(Ok(copy))
}

/// Asks for a backup of a running workspace, unless one is being made. Call inside a
/// transaction.
pub fn request_backup(
    db: &dyn Db,
    account_id: &str,
    id: &str,
    user_id: &str,
    now: i64,
) -> Result<Result<Backup, Refused>, DbError> {
    let Some(t) = locked(db, account_id, id)? else {
        return Ok(Err(Refused::NotFound));
    };
    if let Err(refused) = require_active(&t, "backup") {
        return Ok(Err(refused));
    }
    if db
        .query_opt(
            "SELECT id FROM tenant_backups WHERE tenant_id = $1 AND status = 'creating'",
            &[id.into()],
        )?
        .is_some()
    {
        return Ok(Err(Refused::Field(
            "backup",
            msg("A backup of this workspace is being made; it appears here when it is ready.")
                .into(),
        )));
    }
    let b = Backup {
        id: new_id("bak"),
        status: "creating".into(),
        created_at: rfc3339(now),
        completed_at: None,
        expires_at: rfc3339(now + BACKUP_LIFETIME_SECONDS),
        size_bytes: None,
    };
    db.execute(
        "INSERT INTO tenant_backups (id, tenant_id, status, requested_by, created_at, expires_at)
         VALUES ($1, $2, 'creating', $3, $4, $5)",
        &[
            b.id.as_str().into(),
            id.into(),
            user_id.into(),
            b.created_at.as_str().into(),
            b.expires_at.as_str().into(),
        ],
    )?;
    provisioning::enqueue(
        db,
        id,
        Action::Backup,
        &json!({ "tenant": id, "hostname": t.hostname, "backup": b.id, "expires_at": b.expires_at }),
        now,
        now,
    )?;
    Ok(Ok(b))
}

/// Why a backup cannot be downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoFile {
    /// No such backup of the account's workspace.
    NotFound,
    /// Still being made, or it failed.
    NotReady,
    /// Its download period is over.
    Expired,
}

/// Where a ready backup of the account's workspace is: the provisioner's location to send the
/// person to, or the archive the portal made (local mode).
pub enum BackupFile {
    /// At the provisioner's storage.
    Location(String),
    /// Made by the portal.
    Archive(Vec<u8>),
}

/// The backup `backup` of the account's workspace `id`, if ready and not expired at `now`.
pub fn backup_file(
    db: &dyn Db,
    account_id: &str,
    id: &str,
    backup: &str,
    now: i64,
) -> Result<Result<BackupFile, NoFile>, DbError> {
    let Some(r) = db.query_opt(
        "SELECT b.status, b.expires_at, b.location, b.archive
           FROM tenant_backups b JOIN tenants t ON t.id = b.tenant_id
          WHERE b.id = $1 AND t.id = $2 AND t.account_id = $3",
        &[backup.into(), id.into(), account_id.into()],
    )?
    else {
        return Ok(Err(NoFile::NotFound));
    };
    if r.text(0)? != "ready" {
        return Ok(Err(NoFile::NotReady));
    }
    if crate::time::parse_rfc3339(&r.text(1)?).is_none_or(|until| until <= now) {
        return Ok(Err(NoFile::Expired));
    }
    Ok(Ok(match (r.opt_text(2)?, r.opt_text(3)?) {
        (Some(location), _) => BackupFile::Location(location),
        (None, Some(archive)) => {
            use base64::Engine;
            BackupFile::Archive(
                base64::engine::general_purpose::STANDARD
                    .decode(archive)
                    .unwrap_or_default(),
            )
        }
        (None, None) => return Ok(Err(NoFile::Expired)),
    }))
}

/// Makes a local-mode backup's archive: the workspace's settings as the portal holds them
/// (its record, aliases, copies and integrations, stored secrets left out), with a README
/// saying that the database itself is backed up by the provisioner.
pub fn local_backup_archive(db: &dyn Db, tenant_id: &str, now: i64) -> Result<Vec<u8>, DbError> {
    let subject_rows = |sql: &str| -> Result<Vec<serde_json::Value>, DbError> {
        Ok(db
            .query(sql, &[tenant_id.into()])?
            .iter()
            .map(|r| serde_json::Value::Array(r.0.iter().map(crate::db::Value::to_json).collect()))
            .collect())
    };
    let workspace = subject_rows(
        "SELECT id, slug, name, hostname, status, template_id, plan, region, created_at FROM tenants WHERE id = $1",
    )?;
    let aliases = subject_rows(
        "SELECT hostname, created_at FROM tenant_aliases WHERE tenant_id = $1 ORDER BY hostname",
    )?;
    let integrations = subject_rows(
        "SELECT integration, enabled, settings, updated_at FROM tenant_integrations WHERE tenant_id = $1 ORDER BY integration",
    )?;
    let stamp = rfc3339(now);
    let readme = format!(
        "# Workspace backup (local mode)\n\nMade {stamp} by the portal, which runs without a provisioner here: it holds the \
         workspace's settings as the portal knows them, not its database. With a provisioner configured, backups are \
         the provisioner's full database and file dumps.\n\n- workspace.json: id, slug, name, host name, status, \
         template, plan, region, created\n- aliases.json: production aliases\n- integrations.json: integrations \
         and their settings (stored secrets are left out)\n"
    );
    Ok(crate::zip::archive(
        &[
            ("README.md".into(), readme.into_bytes()),
            (
                "workspace.json".into(),
                serde_json::to_vec_pretty(&workspace).unwrap_or_default(),
            ),
            (
                "aliases.json".into(),
                serde_json::to_vec_pretty(&aliases).unwrap_or_default(),
            ),
            (
                "integrations.json".into(),
                serde_json::to_vec_pretty(&integrations).unwrap_or_default(),
            ),
        ],
        now,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copies_refusal_names_the_limit_in_force() {
        assert!(COPIES_KEPT.contains(&format!("at most {MAX_COPIES} test copies")));
    }
}
