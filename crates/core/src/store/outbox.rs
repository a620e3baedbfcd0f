//! The mail outbox: every email is written here in the same transaction as the change that
//! causes it, then delivered with retries (or kept for the developer mailbox locally).

use serde::Serialize;

use crate::db::{Db, DbError};
use crate::ids::new_id;
use crate::time::{now_millis, now_rfc3339};

/// A message to send.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

/// Queues a message; call inside the transaction that makes the change it reports.
pub fn enqueue(db: &dyn Db, mail: &Mail) -> Result<String, DbError> {
    // Ids sort by creation time (milliseconds first), so the newest message is always last
    // in id order even within one second.
    let id = format!("msg_{:013}{}", now_millis(), &new_id("x")[2..]);
    let now = now_rfc3339();
    db.execute(
        "INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
        &[
            id.as_str().into(),
            mail.to.as_str().into(),
            mail.subject.as_str().into(),
            mail.text.as_str().into(),
            mail.html.as_str().into(),
            now.into(),
        ],
    )?;
    Ok(id)
}

/// A queued or sent message, as the developer mailbox shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// `msg_...`
    pub id: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// Queued at.
    pub created_at: String,
    /// Every http(s) link in the text body.
    pub links: Vec<String>,
}

/// The newest messages first.
pub fn recent(db: &dyn Db, limit: i64) -> Result<Vec<Message>, DbError> {
    db.query(
        "SELECT id, recipient, subject, text_body, html_body, created_at FROM mail_outbox
          ORDER BY id DESC LIMIT $1",
        &[limit.into()],
    )?
    .iter()
    .map(|r| {
        let text = r.text(3)?;
        Ok(Message {
            links: links(&text),
            id: r.text(0)?,
            to: r.text(1)?,
            subject: r.text(2)?,
            html: r.text(4)?,
            created_at: r.text(5)?,
            text,
        })
    })
    .collect()
}

/// Extracts `http://` and `https://` links from text.
pub fn links(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ')', '>']).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn links_are_found_in_text() {
        assert_eq!(
            super::links("Open https://x.example/a?b=1. Or http://y.example/."),
            vec!["https://x.example/a?b=1", "http://y.example/"]
        );
    }
}

/// A message waiting for delivery.
#[derive(Debug, Clone)]
pub struct Pending {
    /// `msg_...`
    pub id: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The message.
    pub mail: Mail,
}

/// Give up after this many failed attempts (about a day of back-off).
pub const MAX_ATTEMPTS: i64 = 10;

/// Messages due for (another) delivery attempt at `now`, oldest first.
pub fn due(db: &dyn Db, now: &str, limit: i64) -> Result<Vec<Pending>, DbError> {
    db.query(
        "SELECT id, attempts, recipient, subject, text_body, html_body FROM mail_outbox
          WHERE sent_at IS NULL AND attempts < $1 AND next_attempt_at <= $2
          ORDER BY id LIMIT $3",
        &[MAX_ATTEMPTS.into(), now.into(), limit.into()],
    )?
    .iter()
    .map(|r| {
        Ok(Pending {
            id: r.text(0)?,
            attempts: r.int(1)?,
            mail: Mail {
                to: r.text(2)?,
                subject: r.text(3)?,
                text: r.text(4)?,
                html: r.text(5)?,
            },
        })
    })
    .collect()
}

/// Records a delivered message.
pub fn mark_sent(db: &dyn Db, id: &str, now: &str) -> Result<(), DbError> {
    db.execute(
        "UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2",
        &[now.into(), id.into()],
    )?;
    Ok(())
}

/// Records a failed attempt and schedules the next one with exponential back-off
/// (1, 2, 4, ... minutes, at most 4 hours apart).
pub fn mark_failed(db: &dyn Db, p: &Pending, now: i64, error: &str) -> Result<(), DbError> {
    let delay = (60i64 << p.attempts.clamp(0, 8)).min(4 * 3600);
    db.execute(
        "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3",
        &[
            crate::time::rfc3339(now + delay).into(),
            error.chars().take(500).collect::<String>().into(),
            p.id.as_str().into(),
        ],
    )?;
    Ok(())
}
