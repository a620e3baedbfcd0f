//! Users, found by email or created on their first sign-in (joining what they were invited to).

use crate::db::{Db, DbError};
use crate::i18n::{Locale, Reader};
use crate::ids::new_id;
use crate::time::now_rfc3339;
use crate::zone::Zone;

/// Normalises an email for lookup and storage, or `None` if it is not a plausible address.
pub fn normalize_email(input: &str) -> Option<String> {
    let email = input.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && local.len() <= 64
        && domain.len() >= 3
        && domain.len() <= 253
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && email.matches('@').count() == 1;
    plausible.then_some(email)
}

/// The id of the user with this (normalised) email.
pub fn find_by_email(db: &dyn Db, email: &str) -> Result<Option<String>, DbError> {
    db.query_opt("SELECT id FROM users WHERE email = $1", &[email.into()])?
        .map(|r| r.text(0))
        .transpose()
}

/// Whether an unaccepted, unexpired invitation exists for this email.
pub fn has_invitation(db: &dyn Db, email: &str) -> Result<bool, DbError> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM invitations WHERE email = $1 AND accepted_at IS NULL AND expires_at > $2",
            &[email.into(), now_rfc3339().into()],
        )?
        .is_some())
}

/// Creates the user for a verified email and accepts every open invitation for it, in the
/// caller's transaction. With no invitation the user belongs to no account yet and is offered
/// to start one.
pub fn create(db: &dyn Db, email: &str, display_name: &str) -> Result<String, DbError> {
    let id = new_id("usr");
    let now = now_rfc3339();
    db.execute(
        "INSERT INTO users (id, email, display_name, created_at) VALUES ($1, $2, $3, $4)",
        &[
            id.as_str().into(),
            email.into(),
            display_name.into(),
            now.as_str().into(),
        ],
    )?;
    accept_invitations(db, &id, email)?;
    Ok(id)
}

/// Turns a user's open invitations into memberships.
pub fn accept_invitations(db: &dyn Db, user_id: &str, email: &str) -> Result<(), DbError> {
    let now = now_rfc3339();
    db.execute(
        "INSERT INTO memberships (account_id, user_id, role, created_at)
         SELECT account_id, $1, role, $2 FROM invitations
          WHERE email = $3 AND accepted_at IS NULL AND expires_at > $2
         ON CONFLICT DO NOTHING",
        &[user_id.into(), now.as_str().into(), email.into()],
    )?;
    db.execute(
        "UPDATE invitations SET accepted_at = $1, token_hash = NULL
          WHERE email = $2 AND accepted_at IS NULL AND expires_at > $1",
        &[now.as_str().into(), email.into()],
    )?;
    Ok(())
}

/// The longest display name a person may give.
pub const NAME_MAX: usize = 100;

/// Checks a display name: trimmed, 1 to [`NAME_MAX`] characters, no control characters.
pub fn valid_name(input: &str) -> Option<String> {
    let name = input.trim();
    let fits = !name.is_empty() && name.chars().count() <= NAME_MAX;
    (fits && !name.chars().any(char::is_control)).then(|| name.to_string())
}

/// Sets a user's display name.
pub fn rename(db: &dyn Db, user_id: &str, name: &str) -> Result<(), DbError> {
    db.execute(
        "UPDATE users SET display_name = $1 WHERE id = $2",
        &[name.into(), user_id.into()],
    )?;
    Ok(())
}

/// Sets the language a user reads the portal in (`""`: their browser's).
pub fn set_language(db: &dyn Db, user_id: &str, language: &str) -> Result<(), DbError> {
    db.execute(
        "UPDATE users SET language = $1 WHERE id = $2",
        &[language.into(), user_id.into()],
    )?;
    Ok(())
}

/// Sets the IANA time zone a user reads dates in (`""`: UTC).
pub fn set_time_zone(db: &dyn Db, user_id: &str, zone: &str) -> Result<(), DbError> {
    db.execute(
        "UPDATE users SET time_zone = $1 WHERE id = $2",
        &[zone.into(), user_id.into()],
    )?;
    Ok(())
}

/// How the person who signs in with `email` reads: their chosen language and time zone. Mail
/// to them is written that way, in UTC if they chose no zone (as their pages are); for an
/// address nobody signs in with yet, or a person who chose no language, `fallback` (the
/// sender's) decides.
pub fn reader_of(db: &dyn Db, email: &str, fallback: Reader) -> Result<Reader, DbError> {
    let rows = db.query(
        "SELECT language, time_zone FROM users WHERE email = $1",
        &[email.into()],
    )?;
    let Some(row) = rows.first() else {
        return Ok(fallback);
    };
    let (language, zone) = (row.text(0)?, row.text(1)?);
    Ok(Reader {
        locale: Locale::from_tag(&language).unwrap_or(fallback.locale),
        zone: Zone::from_setting(&zone),
    })
}

/// Why a new sign-in address cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTaken {
    /// Another person signs in with it.
    ByAnother,
    /// It already is this person's address.
    AlreadyYours,
}

/// Whether `email` is free to become `user_id`'s sign-in address.
pub fn email_free_for(
    db: &dyn Db,
    user_id: &str,
    email: &str,
) -> Result<Result<(), EmailTaken>, DbError> {
    Ok(match find_by_email(db, email)? {
        None => Ok(()),
        Some(id) if id == user_id => Err(EmailTaken::AlreadyYours),
        Some(_) => Err(EmailTaken::ByAnother),
    })
}

/// Makes `email` the user's sign-in address; returns the address it replaces. Call inside the
/// transaction that uses the link proving the new address.
pub fn change_email(
    db: &dyn Db,
    user_id: &str,
    email: &str,
) -> Result<Result<String, EmailTaken>, DbError> {
    if let Err(taken) = email_free_for(db, user_id, email)? {
        return Ok(Err(taken));
    }
    let Some(old) = db
        .query_opt("SELECT email FROM users WHERE id = $1", &[user_id.into()])?
        .map(|r| r.text(0))
        .transpose()?
    else {
        return Ok(Err(EmailTaken::ByAnother));
    };
    db.execute(
        "UPDATE users SET email = $1 WHERE id = $2",
        &[email.into(), user_id.into()],
    )?;
    Ok(Ok(old))
}

#[cfg(test)]
mod tests {
    use super::normalize_email;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalize_email("  Ada@Acme.Example "),
            Some("ada@acme.example".into())
        );
        assert_eq!(normalize_email("no-at-sign"), None);
        assert_eq!(normalize_email("a@b"), None);
        assert_eq!(normalize_email("a b@c.de"), None);
        assert_eq!(normalize_email("a@@c.de"), None);
    }
}
