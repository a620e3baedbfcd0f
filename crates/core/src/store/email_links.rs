//! Single-use, expiring links mailed to an address so that it can act on one object and
//! nothing else: managing one subscription without signing in, or proving a new sign-in address
//! belongs to the person who asked for it. The link carries a 256-bit random token; only its
//! hash is stored.

use crate::db::{Db, DbError};
use crate::ids::{new_id, new_secret};
use crate::time::now_rfc3339;
use crate::token::hash_secret;

/// What a link may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Cancel or resume one subscription without signing in (subject: the subscription).
    ManageSubscription,
    /// Make the address it was mailed to the sign-in address of a user (subject: the user).
    ChangeEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::ManageSubscription => "manage_subscription",
            Purpose::ChangeEmail => "change_email",
        }
    }

    /// How long a link stays valid, in seconds.
    pub fn lifetime(self) -> i64 {
        match self {
            Purpose::ManageSubscription | Purpose::ChangeEmail => 24 * 3600,
        }
    }
}

/// An unused, unexpired link.
#[derive(Debug, Clone)]
pub struct Link {
    /// `eml_...`
    pub id: String,
    /// The address it was mailed to.
    pub email: String,
    /// The request or subscription it is for.
    pub subject_id: String,
}

/// Creates a link for `subject_id`, valid from `now` for the purpose's lifetime; returns the
/// token to mail (never stored).
pub fn create(
    db: &dyn Db,
    purpose: Purpose,
    email: &str,
    subject_id: &str,
    now: i64,
) -> Result<String, DbError> {
    let token = new_secret();
    db.execute(
        "INSERT INTO email_links (id, token_hash, purpose, email, subject_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            new_id("eml").into(),
            hash_secret(&token).into(),
            purpose.as_str().into(),
            email.into(),
            subject_id.into(),
            now_rfc3339().into(),
            (now + purpose.lifetime()).into(),
        ],
    )?;
    Ok(token)
}

/// The link `token` opens, if it is unused and unexpired at `now`; uses nothing (a page that
/// shows the step before it is taken calls this).
pub fn peek(db: &dyn Db, purpose: Purpose, token: &str, now: i64) -> Result<Option<Link>, DbError> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    db.query_opt(
        "SELECT id, email, subject_id FROM email_links
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        &[
            hash_secret(token).into(),
            purpose.as_str().into(),
            now.into(),
        ],
    )?
    .map(|r| {
        Ok(Link {
            id: r.text(0)?,
            email: r.text(1)?,
            subject_id: r.text(2)?,
        })
    })
    .transpose()
}

/// Uses the link `token` opens: exactly one caller gets it, even when two use it at once. Call
/// inside the transaction that takes the action, so a failed action leaves the link unused.
pub fn consume(
    db: &dyn Db,
    purpose: Purpose,
    token: &str,
    now: i64,
) -> Result<Option<Link>, DbError> {
    let Some(link) = peek(db, purpose, token, now)? else {
        return Ok(None);
    };
    let used = db.execute(
        "UPDATE email_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
        &[now_rfc3339().into(), link.id.as_str().into()],
    )?;
    Ok((used == 1).then_some(link))
}
