//! Requests people make without (or besides) signing in: license retrieval, data export or
//! deletion, and support tickets. Each is recorded with the email that confirms it.

use super::licenses::{LICENSE_COLUMNS, License, license};
use crate::db::{Db, DbError};
use crate::ids::new_id;
use crate::time::now_rfc3339;

/// What kind of request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Email me my license keys' details.
    LicenseRetrieval,
    /// Export my data.
    Export,
    /// Delete my data.
    Deletion,
    /// Anything else.
    Support,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LicenseRetrieval => "license_retrieval",
            Kind::Export => "export",
            Kind::Deletion => "deletion",
            Kind::Support => "support",
        }
    }
}

/// Records a request; call inside the transaction that queues its confirmation email.
pub fn create(
    db: &dyn Db,
    kind: Kind,
    email: &str,
    account_id: Option<&str>,
    detail: &str,
) -> Result<String, DbError> {
    let id = new_id("req");
    db.execute(
        "INSERT INTO requests (id, account_id, kind, email, status, detail, created_at)
         VALUES ($1, $2, $3, $4, 'received', $5, $6)",
        &[
            id.as_str().into(),
            account_id.into(),
            kind.as_str().into(),
            email.into(),
            detail.into(),
            now_rfc3339().into(),
        ],
    )?;
    Ok(id)
}

/// Licenses held by accounts where this email is an owner, admin or billing member (product,
/// plan and key hint, never a key).
pub fn licenses_for_email(
    db: &dyn Db,
    email: &str,
) -> Result<Vec<(String, String, String, String)>, DbError> {
    db.query(
        &format!(
            "SELECT a.name, l.product, l.plan, l.key_hint FROM licenses l
               JOIN accounts a ON a.id = l.account_id
               JOIN memberships m ON m.account_id = a.id AND m.role IN ('owner', 'admin', 'billing')
               JOIN users u ON u.id = m.user_id
              WHERE u.email = $1 ORDER BY a.name, l.product LIMIT {}",
            super::lists::SHOWN
        ),
        &[email.into()],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.text(3)?)))
    .collect()
}

/// The licenses of [`licenses_for_email`] with their account's name and key serial (`key_hash`),
/// in one statement, for mailing each signed key to that address: the same rule (accounts where
/// the email is an owner, admin or billing member) and the same single statement whether or not
/// the address is known.
pub fn license_keys_for_email(
    db: &dyn Db,
    email: &str,
) -> Result<Vec<(String, License, String)>, DbError> {
    let n = LICENSE_COLUMNS.len();
    db.query(
        &format!(
            "SELECT {}, l.key_hash, acc.name FROM licenses l
               JOIN accounts acc ON acc.id = l.account_id
               JOIN memberships m ON m.account_id = acc.id AND m.role IN ('owner', 'admin', 'billing')
               JOIN users u ON u.id = m.user_id
              WHERE u.email = $1 ORDER BY acc.name, l.product, l.id LIMIT {}",
            LICENSE_COLUMNS.join(", "),
            // One mail's worth: the keys a request signs and mails are bounded like a page's
            // list.
            super::lists::SHOWN
        ),
        &[email.into()],
    )?
    .iter()
    .map(|r| Ok((r.text(n + 1)?, license(r)?, r.text(n)?)))
    .collect()
}

/// A support ticket as its author sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ticket {
    /// `req_...`
    pub id: String,
    /// received, in_progress, resolved or rejected.
    pub status: String,
    /// What was written (the message, then the context attached).
    pub detail: String,
    /// Sent.
    pub created_at: String,
}

/// The account's workspaces and licenses (to attach), and the person's tickets.
pub type SupportContext = (Vec<super::tenants::Tenant>, Vec<License>, Vec<Ticket>);

/// What a signed-in person's support page offers and shows: the account's workspaces and
/// licenses to attach, and the tickets they sent from this account, in one statement.
pub fn support_page(db: &dyn Db, account_id: &str, email: &str) -> Result<SupportContext, DbError> {
    use super::lists::{List, read};
    let [t, l, r] = read(
        db,
        [
            super::tenants::ACCOUNT_TENANTS,
            List {
                columns: LICENSE_COLUMNS,
                from: "licenses l WHERE l.account_id = $1",
                order_by: super::licenses::LICENSE_ORDER,
                limit: Some(super::lists::SHOWN),
            },
            List {
                columns: &["q.id", "q.status", "q.detail", "q.created_at"],
                from: "requests q WHERE q.account_id = $1 AND q.email = $2 AND q.kind = 'support'",
                order_by: "q.created_at DESC, q.id DESC",
                limit: Some("20"),
            },
        ],
        &[account_id.into(), email.into()],
    )?;
    let tickets = r
        .iter()
        .map(|row| {
            Ok(Ticket {
                id: row.text(0)?,
                status: row.text(1)?,
                detail: row.text(2)?,
                created_at: row.text(3)?,
            })
        })
        .collect::<Result<_, DbError>>()?;
    Ok((
        t.iter()
            .map(super::tenants::tenant)
            .collect::<Result<_, _>>()?,
        l.iter().map(license).collect::<Result<_, _>>()?,
        tickets,
    ))
}
