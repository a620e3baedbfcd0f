//! Personal API tokens: named, read or write scope, shown once, stored hashed, revocable.

use serde::Serialize;

use super::lists::List;
use crate::db::{Db, DbError, Row};
use crate::identity::Identity;
use crate::ids::{new_id, new_secret};
use crate::time::now_rfc3339;
use crate::token::hash_secret;

/// A token as listed (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    /// `tok_...`
    pub id: String,
    /// The user's name for it.
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// The account it acts in.
    pub account_id: String,
    /// Created.
    pub created_at: String,
    /// Last used.
    pub last_used_at: Option<String>,
}

/// Creates a token; returns its listing and the secret, which is never shown again.
pub fn create(
    db: &dyn Db,
    user_id: &str,
    account_id: &str,
    name: &str,
    scope: &str,
) -> Result<(ApiToken, String), DbError> {
    let secret = format!("pat_{}", new_secret());
    let token = ApiToken {
        id: new_id("tok"),
        name: name.to_string(),
        scope: scope.to_string(),
        account_id: account_id.to_string(),
        created_at: now_rfc3339(),
        last_used_at: None,
    };
    db.execute(
        "INSERT INTO api_tokens (id, user_id, account_id, name, token_hash, scope, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            token.id.as_str().into(),
            user_id.into(),
            account_id.into(),
            name.into(),
            hash_secret(&secret).into(),
            scope.into(),
            token.created_at.as_str().into(),
        ],
    )?;
    Ok((token, secret))
}

/// The columns [`token`] reads, over `api_tokens k`.
pub(crate) const TOKEN_COLUMNS: &[&str] = &[
    "k.id",
    "k.name",
    "k.scope",
    "k.account_id",
    "k.created_at",
    "k.last_used_at",
];
/// The live tokens of the user `$1`, newest first.
pub(crate) const USER_TOKENS: List<'static> = List {
    columns: TOKEN_COLUMNS,
    from: "api_tokens k WHERE k.user_id = $1 AND k.revoked_at IS NULL",
    order_by: "k.created_at DESC",
    limit: Some(super::lists::SHOWN),
};

/// Decodes a row of [`TOKEN_COLUMNS`].
pub(crate) fn token(r: &Row) -> Result<ApiToken, DbError> {
    Ok(ApiToken {
        id: r.text(0)?,
        name: r.text(1)?,
        scope: r.text(2)?,
        account_id: r.text(3)?,
        created_at: r.text(4)?,
        last_used_at: r.opt_text(5)?,
    })
}

/// The user's live tokens, newest first.
pub fn list(db: &dyn Db, user_id: &str) -> Result<Vec<ApiToken>, DbError> {
    super::lists::select(db, USER_TOKENS, &[user_id.into()], token)
}

/// A page of the user's live tokens, newest first.
pub fn page(
    db: &dyn Db,
    user_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<ApiToken>, bool), DbError> {
    super::lists::page(db, USER_TOKENS, &[user_id.into()], page, token)
}

/// Creates a token for the caller in the account they act in, with its entry in that
/// account's activity, together.
pub fn issue(
    db: &dyn Db,
    who: &Identity,
    ip: &str,
    name: &str,
    scope: &str,
) -> Result<(ApiToken, String), DbError> {
    crate::db::transaction(db, |db| {
        let created = create(db, &who.user_id, &who.account.account_id, name, scope)?;
        super::audit::record_by(
            db,
            who,
            ip,
            "api_token.created",
            &created.0.id,
            &format!("API token “{name}” ({scope} scope)"),
        )?;
        Ok(created)
    })
}

/// Revokes one of the caller's tokens, with its entry in the activity of the account it acted
/// in; `false` if it is not theirs or already revoked.
pub fn withdraw(db: &dyn Db, who: &Identity, ip: &str, token_id: &str) -> Result<bool, DbError> {
    crate::db::transaction(db, |db| {
        let account: Option<String> = db
            .query_opt(
                "SELECT account_id FROM api_tokens WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
                &[token_id.into(), who.user_id.as_str().into()],
            )?
            .map(|r| r.text(0))
            .transpose()?;
        let Some(account) = account else {
            return Ok(false);
        };
        if !revoke(db, &who.user_id, token_id)? {
            return Ok(false);
        }
        super::audit::record(
            db,
            &super::audit::Entry {
                account_id: &account,
                actor_user_id: &who.user_id,
                action: "api_token.revoked",
                target: token_id,
                detail: "API token revoked",
                ip,
            },
        )?;
        Ok(true)
    })
}

/// Revokes one of the user's tokens; `false` if it is not theirs or already revoked.
pub fn revoke(db: &dyn Db, user_id: &str, token_id: &str) -> Result<bool, DbError> {
    Ok(db.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        &[now_rfc3339().into(), token_id.into(), user_id.into()],
    )? > 0)
}

/// The user and account behind a live token.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    /// `tok_...`
    pub token_id: String,
    /// Whether the token may write.
    pub can_write: bool,
    /// `usr_...`
    pub user_id: String,
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// The language the person chose (`""`: none).
    pub language: String,
    /// The time zone the person chose (`""`: UTC).
    pub time_zone: String,
    /// The one account the token acts in, with the user's current role there.
    pub membership: crate::identity::Membership,
    /// When the token was last used, if ever.
    pub last_used_at: Option<String>,
}

impl TokenHolder {
    /// The caller, acting in the token's account only; API tokens never count as a fresh
    /// verification and need no CSRF token.
    pub fn into_identity(self) -> crate::identity::Identity {
        crate::identity::Identity {
            session_id: self.token_id,
            user_id: self.user_id,
            email: self.email,
            display_name: self.display_name,
            language: self.language,
            time_zone: self.time_zone,
            account: self.membership.clone(),
            memberships: vec![self.membership],
            credential: crate::identity::Credential::ApiToken,
            can_write: self.can_write,
            verified_at: 0,
            csrf_token: String::new(),
        }
    }
}

/// How stale `last_used_at` may grow before a request refreshes it: the listing shows the day,
/// so one write every few minutes is enough and most API calls add no statement.
const LAST_USED_GRANULARITY_SECONDS: i64 = 300;

/// Looks up a live token by its hash, with its user and their membership in the token's
/// account, in one statement: a revoked token or a removed membership finds nothing.
pub fn holder(db: &dyn Db, token_hash: &str) -> Result<Option<TokenHolder>, DbError> {
    let rows = db.query(
        &format!(
            "SELECT t.id, t.scope, u.id, u.email, u.display_name, t.last_used_at, u.language, u.time_zone, {}
           FROM api_tokens t
           JOIN users u ON u.id = t.user_id
           JOIN memberships m ON m.user_id = u.id AND m.account_id = t.account_id
           JOIN accounts a ON a.id = t.account_id
          WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
            super::accounts::MEMBERSHIP_COLUMNS
        ),
        &[token_hash.into()],
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(TokenHolder {
        token_id: row.text(0)?,
        can_write: row.text(1)? == "write",
        user_id: row.text(2)?,
        email: row.text(3)?,
        display_name: row.text(4)?,
        language: row.text(6)?,
        time_zone: row.text(7)?,
        membership: super::accounts::membership(row, 8)?,
        last_used_at: row.opt_text(5)?,
    }))
}

/// Records that the token was used at `now` (Unix seconds), unless it already was within the
/// last few minutes; returns whether a write was needed.
pub fn touch(db: &dyn Db, holder: &TokenHolder, now: i64) -> Result<bool, DbError> {
    let recent = holder
        .last_used_at
        .as_deref()
        .and_then(crate::time::parse_rfc3339)
        .is_some_and(|at| now - at < LAST_USED_GRANULARITY_SECONDS);
    if recent {
        return Ok(false);
    }
    db.execute(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
        &[
            crate::time::rfc3339(now).into(),
            holder.token_id.as_str().into(),
        ],
    )?;
    Ok(true)
}
