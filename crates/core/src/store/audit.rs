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

/// Records something a person did to themselves (their name, their sign-in address) in the
/// activity of every account they belong to: each account's owners see who its people are.
pub fn record_for_person(
    db: &dyn Db,
    user_id: &str,
    ip: &str,
    action: &str,
    detail: &str,
) -> Result<(), DbError> {
    let id = new_id("aud");
    db.execute(
        "INSERT INTO audit_log (id, account_id, actor_user_id, action, target, detail, ip, created_at)
         SELECT $1 || '_' || m.account_id, m.account_id, $2, $3, $2, $4, $5, $6
           FROM memberships m WHERE m.user_id = $2",
        &[
            id.as_str().into(),
            user_id.into(),
            action.into(),
            detail.into(),
            ip.into(),
            now_rfc3339().into(),
        ],
    )?;
    Ok(())
}

/// Records what `who` did, from the address `ip`, in the account they act in.
pub fn record_by(
    db: &dyn Db,
    who: &crate::identity::Identity,
    ip: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), DbError> {
    record(
        db,
        &Entry {
            account_id: &who.account.account_id,
            actor_user_id: &who.user_id,
            action,
            target,
            detail,
            ip,
        },
    )
}

/// Records an entry made by the portal itself (no person acted, no address).
pub fn record_by_portal(
    db: &dyn Db,
    account_id: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO audit_log (id, account_id, actor_user_id, action, target, detail, ip, created_at)
         VALUES ($1, $2, NULL, $3, $4, $5, '', $6)",
        &[
            new_id("aud").into(),
            account_id.into(),
            action.into(),
            target.into(),
            detail.into(),
            now_rfc3339().into(),
        ],
    )?;
    Ok(())
}

/// One entry as the activity page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Activity {
    /// `aud_...`
    pub id: String,
    /// When.
    pub created_at: String,
    /// What (`tenant.created`, ...).
    pub action: String,
    /// Who acted (their email), if a person did.
    pub actor: Option<String>,
    /// The object's id.
    pub target: String,
    /// Human detail.
    pub detail: String,
    /// The actor's address.
    pub ip: String,
}

/// What the activity log is narrowed to; empty fields narrow nothing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The first part of the action (`tenant`, `member`, ...).
    pub kind: String,
    /// The actor's email.
    pub person: String,
    /// From this day (`YYYY-MM-DD`), inclusive.
    pub from: String,
    /// To this day, inclusive.
    pub to: String,
}

/// The kinds of entry the filter offers, by the first part of their action.
pub const KINDS: &[(&str, &str)] = &[
    ("session", "Sign-ins"),
    ("api_token", "API tokens"),
    ("profile", "Profiles"),
    ("account", "Account"),
    ("member", "Team members"),
    ("invitation", "Invitations"),
    ("tenant", "Workspaces"),
    ("integration", "Integrations"),
    ("activation", "License activations"),
    ("subscription", "Subscriptions"),
    ("billing", "Billing details"),
    ("refund", "Refunds"),
    ("invoice", "Invoices"),
    ("payment_method", "Cards"),
    ("license", "Licenses"),
    ("privacy", "Privacy requests"),
    ("access", "Provider access"),
    ("operator", "Provider operators"),
];

/// A page of the account's activity, newest first, narrowed by `filter`, after the entry
/// `before` (its id, a cursor), up to `limit` entries, and whether more follow. One statement.
pub fn page(
    db: &dyn Db,
    account_id: &str,
    filter: &Filter,
    before: Option<&str>,
    limit: i64,
) -> Result<(Vec<Activity>, bool), DbError> {
    let to = if filter.to.is_empty() {
        String::new()
    } else {
        format!("{}T23:59:59Z", filter.to)
    };
    let rows = db.query(
        "SELECT l.id, l.created_at, l.action, u.email, l.target, l.detail, l.ip
           FROM audit_log l LEFT JOIN users u ON u.id = l.actor_user_id
          WHERE l.account_id = $1
            AND ($2 = '' OR l.action LIKE $2 || '.%')
            AND ($3 = '' OR u.email = $3)
            AND ($4 = '' OR l.created_at >= $4)
            AND ($5 = '' OR l.created_at <= $5)
            AND ($6 = '' OR (l.created_at, l.id) < (SELECT c.created_at, c.id FROM audit_log c
                                                      WHERE c.id = $6 AND c.account_id = $1))
          ORDER BY l.created_at DESC, l.id DESC
          LIMIT $7",
        &[
            account_id.into(),
            filter.kind.as_str().into(),
            filter.person.as_str().into(),
            filter.from.as_str().into(),
            to.into(),
            before.unwrap_or_default().into(),
            (limit + 1).into(),
        ],
    )?;
    let mut entries = rows
        .iter()
        .map(|r| {
            Ok(Activity {
                id: r.text(0)?,
                created_at: r.text(1)?,
                action: r.text(2)?,
                actor: r.opt_text(3)?,
                target: r.text(4)?,
                detail: r.text(5)?,
                ip: r.text(6)?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    let more = entries.len() as i64 > limit;
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    Ok((entries, more))
}
