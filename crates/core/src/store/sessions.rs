//! Browser sessions and their refresh tokens.
//!
//! A session row is the server-side truth behind a `pa_token`: revoking it signs the browser
//! out at its next request even though the JWT itself has not expired.

use serde::Serialize;

use super::lists::List;
use crate::db::{Db, DbError, Row, transaction};
use crate::identity::Membership;
use crate::ids::{new_id, new_secret};
use crate::time::{now_rfc3339, rfc3339};
use crate::token::{REFRESH_TTL_SECONDS, hash_secret};

/// The user and account memberships behind a live session.
#[derive(Debug, Clone)]
pub struct LiveSession {
    /// `usr_...`
    pub user_id: String,
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Unix seconds of the last verification.
    pub verified_at: i64,
    /// The language the person chose (`""`: their browser's).
    pub language: String,
    /// The time zone the person chose (`""`: UTC).
    pub time_zone: String,
    /// Every account the user belongs to, by name.
    pub memberships: Vec<Membership>,
}

impl LiveSession {
    /// The caller acting in the account `hint` names if they belong to it, else in their first
    /// account; a newcomer when they belong to none.
    pub fn into_identity(
        self,
        session_id: &str,
        csrf_token: &str,
        hint: Option<&str>,
    ) -> Result<crate::identity::Identity, crate::identity::Newcomer> {
        let Some(account) = hint
            .and_then(|h| self.memberships.iter().find(|m| m.account_id == h))
            .or_else(|| self.memberships.first())
            .cloned()
        else {
            return Err(crate::identity::Newcomer {
                session_id: session_id.to_string(),
                user_id: self.user_id,
                email: self.email,
                display_name: self.display_name,
                csrf_token: csrf_token.to_string(),
            });
        };
        Ok(crate::identity::Identity {
            session_id: session_id.to_string(),
            user_id: self.user_id,
            email: self.email,
            display_name: self.display_name,
            language: self.language,
            time_zone: self.time_zone,
            account,
            memberships: self.memberships,
            credential: crate::identity::Credential::Cookie,
            can_write: true,
            verified_at: self.verified_at,
            csrf_token: csrf_token.to_string(),
        })
    }
}

/// Looks up a session that is neither revoked nor expired, with the user's memberships (none
/// for a newcomer), in one query.
pub fn live(
    db: &dyn Db,
    session_id: &str,
    user_id: &str,
    now: &str,
) -> Result<Option<LiveSession>, DbError> {
    let rows = db.query(
        &format!(
            "SELECT u.id, u.email, u.display_name, s.verified_at, u.language, u.time_zone, {}
           FROM sessions s
           JOIN users u ON u.id = s.user_id
           LEFT JOIN memberships m ON m.user_id = u.id
           LEFT JOIN accounts a ON a.id = m.account_id
          WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3
          ORDER BY a.name",
            super::accounts::MEMBERSHIP_COLUMNS
        ),
        &[session_id.into(), user_id.into(), now.into()],
    )?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(LiveSession {
        user_id: first.text(0)?,
        email: first.text(1)?,
        display_name: first.text(2)?,
        verified_at: first.int(3)?,
        language: first.text(4)?,
        time_zone: first.text(5)?,
        // A person who belongs to no account yet has one row with no account in it.
        memberships: rows
            .iter()
            .filter(|r| r.opt_text(6).is_ok_and(|account| account.is_some()))
            .map(|r| super::accounts::membership(r, 6))
            .collect::<Result<_, _>>()?,
    }))
}

/// A new session and its first refresh token.
#[derive(Debug)]
pub struct Started {
    /// `ses_...`
    pub session_id: String,
    /// The opaque refresh token (only its hash is stored).
    pub refresh_token: String,
}

/// Starts a session for a user who just proved who they are. Call it inside the transaction
/// that also records how they proved it.
pub fn start(
    db: &dyn Db,
    user_id: &str,
    method: &str,
    user_agent: &str,
    ip: &str,
    now: i64,
) -> Result<Started, DbError> {
    let session_id = new_id("ses");
    let refresh_token = new_secret();
    let now_s = rfc3339(now);
    let expires = rfc3339(now + REFRESH_TTL_SECONDS);
    {
        db.execute(
            "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, verified_at, method, user_agent, ip)
             VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8)",
            &[
                session_id.as_str().into(),
                user_id.into(),
                now_s.as_str().into(),
                expires.as_str().into(),
                now.into(),
                method.into(),
                truncate(user_agent, 200).into(),
                ip.into(),
            ],
        )?;
        db.execute(
            "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            &[
                hash_secret(&refresh_token).into(),
                session_id.as_str().into(),
                now_s.as_str().into(),
                expires.as_str().into(),
            ],
        )?;
        // The sign-in, in the activity log of every account the person belongs to.
        db.execute(
            "INSERT INTO audit_log (id, account_id, actor_user_id, action, target, detail, ip, created_at)
             SELECT 'aud_' || $1 || '_' || m.account_id, m.account_id, $2, 'session.signed_in', $1,
                    CASE $3 WHEN 'oidc' THEN 'Signed in with single sign-on' ELSE 'Signed in with an email link' END,
                    $4, $5
               FROM memberships m WHERE m.user_id = $2",
            &[
                session_id.as_str().into(),
                user_id.into(),
                method.into(),
                ip.into(),
                now_s.as_str().into(),
            ],
        )?;
    }
    Ok(Started {
        session_id,
        refresh_token,
    })
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Refreshed {
    /// Rotated: the old token is spent, here is the new one.
    Rotated {
        /// Session id.
        session_id: String,
        /// User id.
        user_id: String,
        /// The next refresh token.
        refresh_token: String,
    },
    /// The token was already spent: its whole family (the session) is now revoked.
    ReuseDetected,
    /// Unknown, expired, or its session is revoked.
    Invalid,
}

/// Rotates a refresh token. Reusing a spent token revokes the session it belongs to.
pub fn refresh(db: &dyn Db, token: &str, now: i64) -> Result<Refreshed, DbError> {
    let now_s = rfc3339(now);
    transaction(db, |db| {
        let Some(row) = db.query_opt(
            "SELECT r.session_id, r.used_at, r.expires_at, s.user_id, s.revoked_at
               FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id
              WHERE r.token_hash = $1",
            &[hash_secret(token).into()],
        )?
        else {
            return Ok(Refreshed::Invalid);
        };
        let session_id = row.text(0)?;
        if row.opt_text(4)?.is_some() || row.text(2)? <= now_s {
            return Ok(Refreshed::Invalid);
        }
        if row.opt_text(1)?.is_some() {
            revoke(db, &session_id, &now_s)?;
            return Ok(Refreshed::ReuseDetected);
        }
        let next = new_secret();
        db.execute(
            "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2",
            &[now_s.as_str().into(), hash_secret(token).into()],
        )?;
        db.execute(
            "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            &[
                hash_secret(&next).into(),
                session_id.as_str().into(),
                now_s.as_str().into(),
                rfc3339(now + REFRESH_TTL_SECONDS).into(),
            ],
        )?;
        db.execute(
            "UPDATE sessions SET last_used_at = $1 WHERE id = $2",
            &[now_s.as_str().into(), session_id.as_str().into()],
        )?;
        Ok(Refreshed::Rotated {
            session_id,
            user_id: row.text(3)?,
            refresh_token: next,
        })
    })
}

/// Revokes a session (sign-out, reuse detection, "sign out everywhere").
pub fn revoke(db: &dyn Db, session_id: &str, now: &str) -> Result<u64, DbError> {
    db.execute(
        "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        &[now.into(), session_id.into()],
    )
}

/// A session as the Security page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    /// `ses_...`
    pub id: String,
    /// Browser.
    pub user_agent: String,
    /// Address.
    pub ip: String,
    /// How it signed in.
    pub method: String,
    /// Started.
    pub created_at: String,
    /// Last refreshed.
    pub last_used_at: String,
}

/// The columns [`summary`] reads, over `sessions s`.
pub(crate) const SESSION_COLUMNS: &[&str] = &[
    "s.id",
    "s.user_agent",
    "s.ip",
    "s.method",
    "s.created_at",
    "s.last_used_at",
];
/// The live sessions of the user `$1` at `$2`, most recently used first.
pub(crate) const LIVE_SESSIONS: List<'static> = List {
    columns: SESSION_COLUMNS,
    from: "sessions s WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2",
    order_by: "s.last_used_at DESC",
    limit: Some(super::lists::SHOWN),
};

/// Decodes a row of [`SESSION_COLUMNS`].
pub(crate) fn summary(r: &Row) -> Result<SessionSummary, DbError> {
    Ok(SessionSummary {
        id: r.text(0)?,
        user_agent: r.text(1)?,
        ip: r.text(2)?,
        method: r.text(3)?,
        created_at: r.text(4)?,
        last_used_at: r.text(5)?,
    })
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A page of the user's live sessions, most recently used first.
pub fn live_page(
    db: &dyn Db,
    user_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<SessionSummary>, bool), DbError> {
    super::lists::page(
        db,
        LIVE_SESSIONS,
        &[user_id.into(), now_rfc3339().into()],
        page,
        summary,
    )
}

/// Revokes one of the user's own sessions; `false` if it is not theirs or already revoked.
pub fn revoke_own(db: &dyn Db, user_id: &str, session_id: &str) -> Result<bool, DbError> {
    Ok(db.execute(
        "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        &[now_rfc3339().into(), session_id.into(), user_id.into()],
    )? > 0)
}

/// Whether `session_id` is one of the user's own sessions that was already revoked: after
/// [`revoke_own`] changed nothing, this tells a repeated sign-out (a conflict with the current
/// state) from an id that is not theirs.
pub fn was_revoked_own(db: &dyn Db, user_id: &str, session_id: &str) -> Result<bool, DbError> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NOT NULL",
            &[session_id.into(), user_id.into()],
        )?
        .is_some())
}

/// Revokes every session of the user except `keep`.
pub fn revoke_others(db: &dyn Db, user_id: &str, keep: &str) -> Result<u64, DbError> {
    db.execute(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL",
        &[now_rfc3339().into(), user_id.into(), keep.into()],
    )
}
