//! The audit log: who did what to which object, written in the same transaction as the change.

use crate::db::{Db, DbError};
use crate::ids::new_id;
use crate::time::now_rfc3339;

/// One audit entry.
pub struct Entry<'a> {
    /// The account the action concerns.
    pub account_id: &'a str,
    /// Who acted.
    pub actor_user_id: &'a str,
    /// What (`member.removed`, ...).
    pub action: &'a str,
    /// The object's id.
    pub target: &'a str,
    /// Human detail.
    pub detail: &'a str,
    /// The actor's address.
    pub ip: &'a str,
}

/// Records an entry.
pub fn record(db: &dyn Db, e: &Entry) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO audit_log (id, account_id, actor_user_id, action, target, detail, ip, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            new_id("aud").into(),
            e.account_id.into(),
            e.actor_user_id.into(),
            e.action.into(),
            e.target.into(),
            e.detail.into(),
            e.ip.into(),
            now_rfc3339().into(),
        ],
    )?;
    Ok(())
}
