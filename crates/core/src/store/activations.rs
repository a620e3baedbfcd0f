//! Activations of self-hosted licenses: an installation (by its fingerprint) activates, sends
//! heartbeats, and deactivates. At most `max_activations` are live at once per license, also
//! under concurrency: the license row is locked while they are counted, and a partial unique
//! index keeps one live activation per fingerprint, so activating again is idempotent.

use super::licenses::{
    ACTIVATION_COLUMNS, Activation, LICENSE_COLUMNS, License, activation, license,
};
use crate::db::{Db, DbError};
use crate::ids::new_id;
use crate::time::rfc3339;

/// Heartbeats older than this make an activation stale on the license page.
pub const STALE_SECONDS: i64 = 7 * 86_400;

/// The license a key names, if the key is its current one (`jti` is the key's serial: a
/// replaced key finds nothing).
pub fn license_for_key(
    db: &dyn Db,
    license_id: &str,
    key_serial: &str,
) -> Result<Option<(License, String)>, DbError> {
    db.query_opt(
        &format!(
            "SELECT {}, l.account_id FROM licenses l WHERE l.id = $1 AND l.key_hash = $2",
            LICENSE_COLUMNS.join(", ")
        ),
        &[license_id.into(), key_serial.into()],
    )?
    .map(|r| Ok((license(&r)?, r.text(LICENSE_COLUMNS.len())?)))
    .transpose()
}

fn live(db: &dyn Db, license_id: &str, fingerprint: &str) -> Result<Option<Activation>, DbError> {
    db.query_opt(
        &format!(
            "SELECT {} FROM activations a WHERE a.license_id = $1 AND a.fingerprint = $2 AND a.deactivated_at IS NULL",
            ACTIVATION_COLUMNS.join(", ")
        ),
        &[license_id.into(), fingerprint.into()],
    )?
    .as_ref()
    .map(activation)
    .transpose()
}

/// An activation, and whether this call made it (`false`: the fingerprint was already active).
pub type Activated = (Activation, bool);

/// Activates `fingerprint` on `license`, or refuses with the number allowed when all are in
/// use. Call inside a transaction.
pub fn activate(
    db: &dyn Db,
    license: &License,
    fingerprint: &str,
    hostname: &str,
    now: i64,
) -> Result<Result<Activated, i64>, DbError> {
    db.execute(
        "UPDATE licenses SET id = id WHERE id = $1",
        &[license.id.as_str().into()],
    )?;
    if let Some(existing) = heartbeat(db, &license.id, fingerprint, Some(hostname), now)? {
        return Ok(Ok((existing, false)));
    }
    let in_use = db
        .query_opt(
            "SELECT COUNT(*) FROM activations WHERE license_id = $1 AND deactivated_at IS NULL",
            &[license.id.as_str().into()],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    if in_use >= license.max_activations {
        return Ok(Err(license.max_activations));
    }
    let at = rfc3339(now);
    db.execute(
        "INSERT INTO activations (id, license_id, instance_name, fingerprint, activated_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $5)",
        &[
            new_id("act").into(),
            license.id.as_str().into(),
            hostname.into(),
            fingerprint.into(),
            at.as_str().into(),
        ],
    )?;
    let made = live(db, &license.id, fingerprint)?
        .ok_or_else(|| DbError::Decode("the new activation was not found".into()))?;
    Ok(Ok((made, true)))
}

/// Records a heartbeat of the live activation of `fingerprint` (and its host name, if given).
pub fn heartbeat(
    db: &dyn Db,
    license_id: &str,
    fingerprint: &str,
    hostname: Option<&str>,
    now: i64,
) -> Result<Option<Activation>, DbError> {
    let touched = db.execute(
        "UPDATE activations SET last_seen_at = $1, instance_name = COALESCE($2, instance_name)
          WHERE license_id = $3 AND fingerprint = $4 AND deactivated_at IS NULL",
        &[
            rfc3339(now).into(),
            hostname.into(),
            license_id.into(),
            fingerprint.into(),
        ],
    )?;
    if touched == 0 {
        return Ok(None);
    }
    live(db, license_id, fingerprint)
}

/// Deactivates the live activation of `fingerprint`; `false` when there is none.
pub fn deactivate(
    db: &dyn Db,
    license_id: &str,
    fingerprint: &str,
    now: i64,
) -> Result<bool, DbError> {
    Ok(db.execute(
        "UPDATE activations SET deactivated_at = $1
          WHERE license_id = $2 AND fingerprint = $3 AND deactivated_at IS NULL",
        &[rfc3339(now).into(), license_id.into(), fingerprint.into()],
    )? == 1)
}

/// Deactivates an activation of one of the account's licenses from the portal; returns its
/// host name, or `None` when there is no such live activation in the account.
pub fn deactivate_for_account(
    db: &dyn Db,
    account_id: &str,
    license_id: &str,
    activation_id: &str,
    now: i64,
) -> Result<Option<String>, DbError> {
    let Some(row) = db.query_opt(
        "SELECT a.instance_name FROM activations a JOIN licenses l ON l.id = a.license_id
          WHERE a.id = $1 AND l.id = $2 AND l.account_id = $3 AND a.deactivated_at IS NULL",
        &[activation_id.into(), license_id.into(), account_id.into()],
    )?
    else {
        return Ok(None);
    };
    db.execute(
        "UPDATE activations SET deactivated_at = $1 WHERE id = $2 AND deactivated_at IS NULL",
        &[rfc3339(now).into(), activation_id.into()],
    )?;
    Ok(Some(row.text(0)?))
}
