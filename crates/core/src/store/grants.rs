//! Delegated operator access between a provider (MSP) and a customer account: requested by the
//! provider for some days with a reason, approved or declined by an owner of the customer,
//! ending by itself or when either side revokes it. An operator acts on a client's workspaces
//! only under an approved grant that has not ended.

use crate::i18n::msg;
use serde::Serialize;

use crate::db::{Db, DbError, Row};
use crate::ids::new_id;
use crate::time::rfc3339;

/// The longest access a provider may ask for.
pub const MAX_DAYS: i64 = 90;

/// One grant, as either side sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    /// `grt_...`
    pub id: String,
    /// The provider asking.
    pub provider_id: String,
    /// Its name.
    pub provider_name: String,
    /// The customer asked.
    pub client_id: String,
    /// Its name.
    pub client_name: String,
    /// requested, approved, declined or revoked (an approved grant past `expires_at` has
    /// ended: see [`Grant::active`]).
    pub status: String,
    /// Days asked for.
    pub days: i64,
    /// Why.
    pub reason: String,
    /// Asked.
    pub created_at: String,
    /// Ends (set on approval).
    pub expires_at: Option<String>,
}

impl Grant {
    /// Whether the operator may act under it at `now`.
    pub fn active(&self, now: i64) -> bool {
        self.status == "approved"
            && self
                .expires_at
                .as_deref()
                .and_then(crate::time::parse_rfc3339)
                .is_some_and(|end| end > now)
    }

    /// The status in words: an approved grant past its end reads `expired`.
    pub fn state(&self, now: i64) -> &str {
        if self.status == "approved" && !self.active(now) {
            "expired"
        } else {
            &self.status
        }
    }
}

/// The columns [`grant`] reads, over [`FROM`].
pub(crate) const GRANT_COLUMNS: &[&str] = &[
    "g.id",
    "g.provider_id",
    "p.name",
    "g.client_id",
    "c.name",
    "g.status",
    "g.days",
    "g.reason",
    "g.created_at",
    "g.expires_at",
];
const FROM: &str = "access_grants g JOIN accounts p ON p.id = g.provider_id \
                    JOIN accounts c ON c.id = g.client_id";

/// The grants the provider `$1` asked for, newest first.
pub(crate) const PROVIDER_GRANTS: super::lists::List<'static> = super::lists::List {
    columns: GRANT_COLUMNS,
    from: "access_grants g JOIN accounts p ON p.id = g.provider_id \
           JOIN accounts c ON c.id = g.client_id WHERE g.provider_id = $1",
    order_by: "g.created_at DESC, g.id DESC",
    limit: Some("100"),
};

/// Decodes a row of [`GRANT_COLUMNS`].
pub(crate) fn grant(r: &Row) -> Result<Grant, DbError> {
    Ok(Grant {
        id: r.text(0)?,
        provider_id: r.text(1)?,
        provider_name: r.text(2)?,
        client_id: r.text(3)?,
        client_name: r.text(4)?,
        status: r.text(5)?,
        days: r.int(6)?,
        reason: r.text(7)?,
        created_at: r.text(8)?,
        expires_at: r.opt_text(9)?,
    })
}

/// The grants asked of a customer, newest first (at most 100).
pub fn for_client(db: &dyn Db, client_id: &str) -> Result<Vec<Grant>, DbError> {
    db.query(
        &format!(
            "SELECT {} FROM {FROM} WHERE g.client_id = $1
              ORDER BY g.created_at DESC, g.id DESC LIMIT 100",
            GRANT_COLUMNS.join(", ")
        ),
        &[client_id.into()],
    )?
    .iter()
    .map(grant)
    .collect()
}

/// The grants asked of the customer `$1`, newest first.
const CLIENT_GRANTS: super::lists::List<'static> = super::lists::List {
    columns: GRANT_COLUMNS,
    from: "access_grants g JOIN accounts p ON p.id = g.provider_id \
           JOIN accounts c ON c.id = g.client_id WHERE g.client_id = $1",
    order_by: "g.created_at DESC, g.id DESC",
    limit: None,
};

/// A page of the grants asked of a customer, newest first.
pub fn page_for_client(
    db: &dyn Db,
    client_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<Grant>, bool), DbError> {
    super::lists::page(db, CLIENT_GRANTS, &[client_id.into()], page, grant)
}

/// A page of the grants the provider asked for, newest first.
pub fn page_for_provider(
    db: &dyn Db,
    provider_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<Grant>, bool), DbError> {
    super::lists::page(db, PROVIDER_GRANTS, &[provider_id.into()], page, grant)
}

/// An SQL condition: the provider `$1` holds an active grant on the client `c` at `$2`.
pub const ACTIVE_ON_CLIENT: &str = "EXISTS (SELECT 1 FROM access_grants g WHERE g.provider_id = $1 \
     AND g.client_id = c.id AND g.status = 'approved' AND g.expires_at > $2)";

/// A new request: to whom, for how long, why.
pub struct NewRequest<'a> {
    /// The provider asking.
    pub provider_id: &'a str,
    /// Who asks.
    pub user_id: &'a str,
    /// Days of access asked for (1 to [`MAX_DAYS`]).
    pub days: i64,
    /// Why.
    pub reason: &'a str,
}

/// What a request for too few or too many days is told ([`MAX_DAYS`] written out, so the
/// catalog has the sentence whole; a test keeps the two alike).
const DAYS_ASKED: &str = msg("Ask for 1 to 90 days of access.");

/// Checks a request's days and reason, naming each field that is wrong.
pub fn check(days: i64, reason: &str) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    if !(1..=MAX_DAYS).contains(&days) {
        errors.push(("days".to_string(), DAYS_ASKED.to_string()));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.push((
            "reason".to_string(),
            msg("Say in at most 500 characters why you need access; the client's owner reads it.")
                .to_string(),
        ));
    }
    errors
}

/// Asks each customer account that `owner_email` owns (and that no other provider manages)
/// for access; an account with a request pending or access running is not asked again.
/// Returns `(grant id, client id)` for each request made. Call inside a transaction.
pub fn request_by_owner(
    db: &dyn Db,
    new: &NewRequest,
    owner_email: &str,
    now: i64,
) -> Result<Vec<(String, String)>, DbError> {
    let clients = db.query(
        "SELECT a.id FROM accounts a
           JOIN memberships m ON m.account_id = a.id AND m.role = 'owner'
           JOIN users u ON u.id = m.user_id
          WHERE u.email = $1 AND a.kind = 'customer'
            AND (a.provider_id IS NULL OR a.provider_id = $2)
          ORDER BY a.id",
        &[owner_email.into(), new.provider_id.into()],
    )?;
    let mut made = Vec::new();
    for r in &clients {
        let client = r.text(0)?;
        if let Some(id) = request_for_client(db, new, &client, now)? {
            made.push((id, client));
        }
    }
    Ok(made)
}

/// Asks the customer `client_id` for access, unless a request is pending or access is
/// running. Call inside a transaction.
pub fn request_for_client(
    db: &dyn Db,
    new: &NewRequest,
    client_id: &str,
    now: i64,
) -> Result<Option<String>, DbError> {
    let open = db.query_opt(
        "SELECT id FROM access_grants
          WHERE provider_id = $1 AND client_id = $2
            AND (status = 'requested' OR (status = 'approved' AND expires_at > $3))",
        &[
            new.provider_id.into(),
            client_id.into(),
            rfc3339(now).into(),
        ],
    )?;
    if open.is_some() {
        return Ok(None);
    }
    let id = new_id("grt");
    db.execute(
        "INSERT INTO access_grants (id, provider_id, client_id, status, days, reason, requested_by, created_at)
         VALUES ($1, $2, $3, 'requested', $4, $5, $6, $7)",
        &[
            id.as_str().into(),
            new.provider_id.into(),
            client_id.into(),
            new.days.into(),
            new.reason.trim().into(),
            new.user_id.into(),
            rfc3339(now).into(),
        ],
    )?;
    Ok(Some(id))
}

/// Why a decision or revocation was refused, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such grant on this side.
    NotFound,
    /// Its state does not allow it.
    State(String),
}

/// The client's owner approves (`true`) or declines a pending request. Approval starts the
/// access for the days asked and makes the customer the provider's client if it was nobody's;
/// a customer another provider manages is refused. Call inside a transaction.
pub fn decide(
    db: &dyn Db,
    client_id: &str,
    grant_id: &str,
    user_id: &str,
    approve: bool,
    now: i64,
) -> Result<Result<Grant, Refused>, DbError> {
    let Some(r) = db.query_opt(
        &format!(
            "SELECT {}, c.provider_id FROM {FROM} WHERE g.id = $1 AND g.client_id = $2",
            GRANT_COLUMNS.join(", ")
        ),
        &[grant_id.into(), client_id.into()],
    )?
    else {
        return Ok(Err(Refused::NotFound));
    };
    let g = grant(&r)?;
    if g.status != "requested" {
        return Ok(Err(Refused::State(
            match g.status.as_str() {
                "approved" => msg("This request was already approved."),
                "declined" => msg("This request was already declined."),
                _ => msg("This request was already decided."),
            }
            .into(),
        )));
    }
    if approve {
        match r.opt_text(10)? {
            Some(current) if current != g.provider_id => {
                return Ok(Err(Refused::State(
                    msg("Another provider manages this account. Revoke its access first, or ask support to move the account.")
                        .into(),
                )));
            }
            Some(_) => {}
            None => {
                db.execute(
                    "UPDATE accounts SET provider_id = $1 WHERE id = $2 AND provider_id IS NULL",
                    &[g.provider_id.as_str().into(), client_id.into()],
                )?;
            }
        }
    }
    let changed = db.execute(
        "UPDATE access_grants SET status = $1, decided_by = $2, decided_at = $3, expires_at = $4
          WHERE id = $5 AND status = 'requested'",
        &[
            if approve { "approved" } else { "declined" }.into(),
            user_id.into(),
            rfc3339(now).into(),
            approve.then(|| rfc3339(now + g.days * 86_400)).into(),
            grant_id.into(),
        ],
    )?;
    if changed != 1 {
        return Ok(Err(Refused::State(
            msg("This request was just decided.").into(),
        )));
    }
    Ok(Ok(Grant {
        status: if approve { "approved" } else { "declined" }.into(),
        expires_at: approve.then(|| rfc3339(now + g.days * 86_400)),
        ..g
    }))
}

/// Ends a running grant (or withdraws a pending request), from either side: `account_id` is
/// the provider or the client. Call inside a transaction.
pub fn revoke(
    db: &dyn Db,
    account_id: &str,
    grant_id: &str,
    now: i64,
) -> Result<Result<Grant, Refused>, DbError> {
    let Some(r) = db.query_opt(
        &format!(
            "SELECT {} FROM {FROM} WHERE g.id = $1 AND (g.provider_id = $2 OR g.client_id = $2)",
            GRANT_COLUMNS.join(", ")
        ),
        &[grant_id.into(), account_id.into()],
    )?
    else {
        return Ok(Err(Refused::NotFound));
    };
    let g = grant(&r)?;
    if !(g.status == "requested" || g.active(now)) {
        return Ok(Err(Refused::State(
            msg("This access has already ended.").into(),
        )));
    }
    db.execute(
        "UPDATE access_grants SET status = 'revoked', ended_at = $1 WHERE id = $2",
        &[rfc3339(now).into(), grant_id.into()],
    )?;
    Ok(Ok(Grant {
        status: "revoked".into(),
        ..g
    }))
}

/// The client of `provider_id` that owns workspace `tenant_id`, if the provider holds an
/// active grant on it at `now`.
pub fn operated_tenant_client(
    db: &dyn Db,
    provider_id: &str,
    tenant_id: &str,
    now: i64,
) -> Result<Option<String>, DbError> {
    db.query_opt(
        &format!(
            "SELECT c.id FROM tenants t JOIN accounts c ON c.id = t.account_id
              WHERE t.id = $3 AND c.provider_id = $1 AND {ACTIVE_ON_CLIENT}"
        ),
        &[provider_id.into(), rfc3339(now).into(), tenant_id.into()],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Whether `provider_id` holds an active grant on its client `client_id` at `now`.
pub fn operates(
    db: &dyn Db,
    provider_id: &str,
    client_id: &str,
    now: i64,
) -> Result<bool, DbError> {
    Ok(db
        .query_opt(
            &format!(
                "SELECT c.id FROM accounts c WHERE c.id = $3 AND c.provider_id = $1 AND {ACTIVE_ON_CLIENT}"
            ),
            &[provider_id.into(), rfc3339(now).into(), client_id.into()],
        )?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_days_refusal_names_the_limit_in_force() {
        assert!(DAYS_ASKED.contains(&format!("1 to {MAX_DAYS} days")));
        assert_eq!(check(0, "why")[0].1, DAYS_ASKED);
        assert!(check(MAX_DAYS, "why").is_empty());
    }
}
