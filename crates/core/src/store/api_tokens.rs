//! Personal API tokens: named, read or write scope, shown once, stored hashed, revocable.

use serde::Serialize;

use crate::db::{Db, DbError};
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

/// The user's live tokens.
pub fn list(db: &dyn Db, user_id: &str) -> Result<Vec<ApiToken>, DbError> {
    db.query(
        "SELECT id, name, scope, account_id, created_at, last_used_at FROM api_tokens
          WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC",
        &[user_id.into()],
    )?
    .iter()
    .map(|r| {
        Ok(ApiToken {
            id: r.text(0)?,
            name: r.text(1)?,
            scope: r.text(2)?,
            account_id: r.text(3)?,
            created_at: r.text(4)?,
            last_used_at: r.opt_text(5)?,
        })
    })
    .collect()
}

/// Revokes one of the user's tokens; `false` if it is not theirs or already revoked.
pub fn revoke(db: &dyn Db, user_id: &str, token_id: &str) -> Result<bool, DbError> {
    Ok(db.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        &[now_rfc3339().into(), token_id.into(), user_id.into()],
    )? > 0)
}
