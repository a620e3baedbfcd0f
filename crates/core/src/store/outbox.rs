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
