//! Self-hosted licenses and their activations.

use serde::Serialize;

use crate::db::{Db, DbError};

/// A self-hosted license (its key is never stored, only a hash and a hint).
#[derive(Debug, Clone, Serialize)]
pub struct License {
    /// `lic_...`
    pub id: String,
    /// Product name.
    pub product: String,
    /// Plan description.
    pub plan: String,
    /// Last four characters of the key.
    pub key_hint: String,
    /// Seats.
    pub seats: i64,
    /// Activations allowed at once.
    pub max_activations: i64,
    /// Activations in use.
    pub active_activations: i64,
    /// active, expired or cancelled.
    pub status: String,
    /// Issued.
    pub issued_at: String,
    /// Expiry.
    pub expires_at: String,
    /// Will not renew.
    pub cancel_at_period_end: bool,
}

/// The account's licenses with their activation counts, one query.
pub fn list_for_account(db: &dyn Db, account_id: &str) -> Result<Vec<License>, DbError> {
    db.query(
        "SELECT l.id, l.product, l.plan, l.key_hint, l.seats, l.max_activations,
                (SELECT COUNT(*) FROM activations a WHERE a.license_id = l.id AND a.deactivated_at IS NULL),
                l.status, l.issued_at, l.expires_at, l.cancel_at_period_end
           FROM licenses l WHERE l.account_id = $1
          ORDER BY CASE l.status WHEN 'active' THEN 0 ELSE 1 END, l.expires_at DESC",
        &[account_id.into()],
    )?
    .iter()
    .map(|r| {
        Ok(License {
            id: r.text(0)?,
            product: r.text(1)?,
            plan: r.text(2)?,
            key_hint: r.text(3)?,
            seats: r.int(4)?,
            max_activations: r.int(5)?,
            active_activations: r.int(6)?,
            status: r.text(7)?,
            issued_at: r.text(8)?,
            expires_at: r.text(9)?,
            cancel_at_period_end: r.flag(10)?,
        })
    })
    .collect()
}

/// An activation of a license on one self-hosted instance.
#[derive(Debug, Clone, Serialize)]
pub struct Activation {
    /// `act_...`
    pub id: String,
    /// Instance host name.
    pub instance_name: String,
    /// Activated.
    pub activated_at: String,
    /// Last check-in.
    pub last_seen_at: String,
    /// Deactivated, if it was.
    pub deactivated_at: Option<String>,
}

/// One license of the account, with its activations.
pub fn find_for_account(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Option<(License, Vec<Activation>)>, DbError> {
    let Some(license) = list_for_account(db, account_id)?
        .into_iter()
        .find(|l| l.id == id)
    else {
        return Ok(None);
    };
    let activations = db
        .query(
            "SELECT id, instance_name, activated_at, last_seen_at, deactivated_at FROM activations
              WHERE license_id = $1 ORDER BY activated_at",
            &[id.into()],
        )?
        .iter()
        .map(|r| {
            Ok(Activation {
                id: r.text(0)?,
                instance_name: r.text(1)?,
                activated_at: r.text(2)?,
                last_seen_at: r.text(3)?,
                deactivated_at: r.opt_text(4)?,
            })
        })
        .collect::<Result<_, DbError>>()?;
    Ok(Some((license, activations)))
}
