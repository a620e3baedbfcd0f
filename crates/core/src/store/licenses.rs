//! Self-hosted licenses and their activations.

use serde::Serialize;

use super::lists::List;
use crate::db::{Db, DbError, Row};

/// A self-hosted license. Its key is never stored: it is signed from this row when asked for
/// (see [`crate::license`]); the row keeps the key's serial (`key_hash`) and `key_hint`.
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

/// The columns [`license`] reads, over `licenses l`.
pub(crate) const LICENSE_COLUMNS: &[&str] = &[
    "l.id",
    "l.product",
    "l.plan",
    "l.key_hint",
    "l.seats",
    "l.max_activations",
    "(SELECT COUNT(*) FROM activations a WHERE a.license_id = l.id AND a.deactivated_at IS NULL)",
    "l.status",
    "l.issued_at",
    "l.expires_at",
    "l.cancel_at_period_end",
];
/// Active licenses first, then the latest expiry.
pub(crate) const LICENSE_ORDER: &str =
    "CASE l.status WHEN 'active' THEN 0 ELSE 1 END, l.expires_at DESC";

/// Decodes a row of [`LICENSE_COLUMNS`].
pub(crate) fn license(r: &Row) -> Result<License, DbError> {
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
}

/// The account's licenses with their activation counts, one query: at most
/// [`super::lists::SHOWN`], what a page shows (the API pages through them all).
pub fn list_for_account(db: &dyn Db, account_id: &str) -> Result<Vec<License>, DbError> {
    db.query(
        &format!(
            "SELECT {} FROM licenses l WHERE l.account_id = $1 ORDER BY {LICENSE_ORDER} LIMIT {}",
            LICENSE_COLUMNS.join(", "),
            super::lists::SHOWN
        ),
        &[account_id.into()],
    )?
    .iter()
    .map(license)
    .collect()
}

/// The licenses of the account `$1`, active first, then the latest expiry.
const ACCOUNT_LICENSES: super::lists::List<'static> = super::lists::List {
    columns: LICENSE_COLUMNS,
    from: "licenses l WHERE l.account_id = $1",
    order_by: LICENSE_ORDER,
    limit: None,
};

/// A page of the account's licenses with their activation counts.
pub fn page_for_account(
    db: &dyn Db,
    account_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<License>, bool), DbError> {
    super::lists::page(db, ACCOUNT_LICENSES, &[account_id.into()], page, license)
}

/// One license of the account with its key's serial (`key_hash`), in one statement, for
/// signing its license key (another account's id is `None`, never data).
pub fn find_key_for_account(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Option<(License, String)>, DbError> {
    let rows = db.query(
        &format!(
            "SELECT {}, l.key_hash FROM licenses l WHERE l.account_id = $1 AND l.id = $2",
            LICENSE_COLUMNS.join(", ")
        ),
        &[account_id.into(), id.into()],
    )?;
    rows.first()
        .map(|r| Ok((license(r)?, r.text(LICENSE_COLUMNS.len())?)))
        .transpose()
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

/// The columns [`activation`] reads, over `activations a`.
pub(crate) const ACTIVATION_COLUMNS: &[&str] = &[
    "a.id",
    "a.instance_name",
    "a.activated_at",
    "a.last_seen_at",
    "a.deactivated_at",
];

/// Decodes a row of [`ACTIVATION_COLUMNS`].
pub(crate) fn activation(r: &Row) -> Result<Activation, DbError> {
    Ok(Activation {
        id: r.text(0)?,
        instance_name: r.text(1)?,
        activated_at: r.text(2)?,
        last_seen_at: r.text(3)?,
        deactivated_at: r.opt_text(4)?,
    })
}

/// One license of the account, with its activations, in one statement (another account's id
/// is `None`, never data).
pub fn find_for_account(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Option<(License, Vec<Activation>)>, DbError> {
    let [licenses, activations] = super::lists::read(
        db,
        [
            List {
                columns: LICENSE_COLUMNS,
                from: "licenses l WHERE l.account_id = $1 AND l.id = $2",
                order_by: "l.id",
                limit: None,
            },
            List {
                columns: ACTIVATION_COLUMNS,
                from: "activations a JOIN licenses l ON l.id = a.license_id \
                       WHERE l.account_id = $1 AND l.id = $2",
                // Live activations (at most the license's allowance) before the history of
                // deactivated ones, so the bound never hides a live one.
                order_by: "CASE WHEN a.deactivated_at IS NULL THEN 0 ELSE 1 END, a.activated_at",
                limit: Some(super::lists::SHOWN),
            },
        ],
        &[account_id.into(), id.into()],
    )?;
    let Some(license) = licenses.first().map(license).transpose()? else {
        return Ok(None);
    };
    let activations = activations
        .iter()
        .map(activation)
        .collect::<Result<_, _>>()?;
    Ok(Some((license, activations)))
}
