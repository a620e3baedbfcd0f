//! What Odoo's own database manager offers for a workspace: its display name, a production
//! alias on the alias domain (`{label}.planapulse.online`), and test copies (outgoing mail off,
//! expiring after 15 days, at most five live). The alias and each copy are provisioning jobs,
//! written in the transaction that records them.

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

fn require_active(t: &Tenant, field: &'static str) -> Result<(), Refused> {
    if t.status == "active" {
        Ok(())
    } else {
        Err(Refused::Field(
            field,
            format!("The workspace is {}; this needs it running.", t.status),
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
            "Enter a display name of at most 80 characters.".into(),
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
                    format!("{hostname} is already taken. Choose another name."),
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
        return Ok(Err(Refused::Field(
            "copy",
            format!(
                "A workspace keeps at most {MAX_COPIES} test copies. Wait for one to expire, or ask support to remove one."
            ),
        )));
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
