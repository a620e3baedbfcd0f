//! Inviting people to an account, and changing members' roles.
//!
//! An invitation is for one email and one role, lives seven days and carries a single-use
//! link: the link's secret is stored hashed, resending replaces it (the old link stops
//! working), revoking deletes the invitation, and accepting spends it. Owners and admins manage
//! the team; only owners invite, promote to or demote from owner; an account always keeps an
//! owner.

use super::accounts::{self, Invitation, Member};
use crate::db::{Db, DbError};
use crate::i18n::msg;
use crate::identity::{AccountKind, Role};
use crate::ids::{new_id, new_secret};
use crate::time::rfc3339;
use crate::token::hash_secret;

/// How long an invitation link works.
pub const INVITATION_TTL_SECONDS: i64 = 7 * 24 * 3600;

/// An open invitation found by its link.
#[derive(Debug, Clone)]
pub struct Open {
    /// `ivt_...`
    pub id: String,
    /// The inviting account.
    pub account_id: String,
    /// Its name.
    pub account_name: String,
    /// Who is invited.
    pub email: String,
    /// Their role once they accept.
    pub role: Role,
    /// Customer or provider.
    pub account_kind: AccountKind,
}

/// Why a team change was refused, in words for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The actor may not do this.
    NotAllowed(&'static str),
    /// The change conflicts with the team as it is.
    Conflict(&'static str),
    /// No such member or open invitation in this account.
    NotFound,
}

fn may_grant(actor: Role, role: Role) -> Result<(), Refused> {
    if !actor.can_manage_team() {
        return Err(Refused::NotAllowed(msg(
            "Only owners and admins manage the team.",
        )));
    }
    if role == Role::Owner && actor != Role::Owner {
        return Err(Refused::NotAllowed(msg(
            "Only an owner can make someone an owner.",
        )));
    }
    Ok(())
}

/// Invites `email` (already normalised) as `role`, or renews the open invitation for that
/// email with a new link; returns it and the link's secret. Call inside a transaction.
pub fn invite(
    db: &dyn Db,
    account_id: &str,
    actor: (&str, Role),
    email: &str,
    role: Role,
    now: i64,
) -> Result<Result<(Invitation, String), Refused>, DbError> {
    if let Err(refused) = may_grant(actor.1, role) {
        return Ok(Err(refused));
    }
    let member = db.query_opt(
        "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND u.email = $2",
        &[account_id.into(), email.into()],
    )?;
    if member.is_some() {
        return Ok(Err(Refused::Conflict(msg(
            "This person is already a member of the account.",
        ))));
    }
    let secret = new_secret();
    let sent = Invitation {
        id: new_id("ivt"),
        email: email.to_string(),
        role,
        expires_at: rfc3339(now + INVITATION_TTL_SECONDS),
    };
    // One invitation per email and account: a new one replaces an earlier (expired, revoked
    // or accepted and since removed) one, so the unique key never blocks a fresh invite.
    db.execute(
        "DELETE FROM invitations WHERE account_id = $1 AND email = $2",
        &[account_id.into(), email.into()],
    )?;
    db.execute(
        "INSERT INTO invitations (id, account_id, email, role, invited_by, created_at, expires_at, token_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            sent.id.as_str().into(),
            account_id.into(),
            email.into(),
            role.as_str().into(),
            actor.0.into(),
            rfc3339(now).into(),
            sent.expires_at.as_str().into(),
            hash_secret(&secret).into(),
        ],
    )?;
    Ok(Ok((sent, secret)))
}

/// Gives an open invitation a new link and seven more days; the old link stops working.
pub fn resend(
    db: &dyn Db,
    account_id: &str,
    actor: Role,
    id: &str,
    now: i64,
) -> Result<Result<(Invitation, String), Refused>, DbError> {
    let Some(sent) = find_open(db, account_id, id)? else {
        return Ok(Err(Refused::NotFound));
    };
    if let Err(refused) = may_grant(actor, sent.role) {
        return Ok(Err(refused));
    }
    let secret = new_secret();
    let expires_at = rfc3339(now + INVITATION_TTL_SECONDS);
    db.execute(
        "UPDATE invitations SET token_hash = $1, expires_at = $2 WHERE id = $3 AND account_id = $4",
        &[
            hash_secret(&secret).into(),
            expires_at.as_str().into(),
            id.into(),
            account_id.into(),
        ],
    )?;
    Ok(Ok((Invitation { expires_at, ..sent }, secret)))
}

/// Deletes an invitation not yet accepted; its link stops working.
pub fn revoke(
    db: &dyn Db,
    account_id: &str,
    actor: Role,
    id: &str,
) -> Result<Result<Invitation, Refused>, DbError> {
    let Some(sent) = find_open(db, account_id, id)? else {
        return Ok(Err(Refused::NotFound));
    };
    if let Err(refused) = may_grant(actor, sent.role) {
        return Ok(Err(refused));
    }
    db.execute(
        "DELETE FROM invitations WHERE id = $1 AND account_id = $2 AND accepted_at IS NULL",
        &[id.into(), account_id.into()],
    )?;
    Ok(Ok(sent))
}

fn find_open(db: &dyn Db, account_id: &str, id: &str) -> Result<Option<Invitation>, DbError> {
    db.query_opt(
        &format!(
            "SELECT {} FROM invitations i WHERE i.id = $1 AND i.account_id = $2 AND i.accepted_at IS NULL",
            accounts::INVITATION_COLUMNS.join(", ")
        ),
        &[id.into(), account_id.into()],
    )?
    .as_ref()
    .map(accounts::invitation)
    .transpose()
}

/// The open, unexpired invitation a link's secret belongs to.
pub fn by_link(db: &dyn Db, secret: &str, now: i64) -> Result<Option<Open>, DbError> {
    db.query_opt(
        "SELECT i.id, i.account_id, a.name, i.email, i.role, a.kind FROM invitations i
           JOIN accounts a ON a.id = i.account_id
          WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2",
        &[hash_secret(secret).into(), rfc3339(now).into()],
    )?
    .as_ref()
    .map(open)
    .transpose()
}

/// Decodes `(id, account_id, account name, email, role, account kind)`.
fn open(r: &crate::db::Row) -> Result<Open, DbError> {
    let role = r.text(4)?;
    let kind = r.text(5)?;
    Ok(Open {
        id: r.text(0)?,
        account_id: r.text(1)?,
        account_name: r.text(2)?,
        email: r.text(3)?,
        role: Role::parse(&role).ok_or_else(|| DbError::Decode(format!("unknown role {role}")))?,
        account_kind: AccountKind::parse(&kind)
            .ok_or_else(|| DbError::Decode(format!("unknown account kind {kind}")))?,
    })
}

/// Makes `user_id` a member as the invitation says and spends it. Call inside a transaction.
pub fn accept(db: &dyn Db, open: &Open, user_id: &str, now: i64) -> Result<(), DbError> {
    let now = rfc3339(now);
    db.execute(
        "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        &[
            open.account_id.as_str().into(),
            user_id.into(),
            open.role.as_str().into(),
            now.as_str().into(),
        ],
    )?;
    db.execute(
        "UPDATE invitations SET accepted_at = $1, token_hash = NULL WHERE id = $2",
        &[now.as_str().into(), open.id.as_str().into()],
    )?;
    Ok(())
}

/// Changes a member's role: owners and admins manage the team, only owners grant or take the
/// owner role, and the last owner keeps it. Returns the member as they were. Call inside a
/// transaction.
pub fn change_role(
    db: &dyn Db,
    account_id: &str,
    actor: Role,
    target: &str,
    role: Role,
) -> Result<Result<Member, Refused>, DbError> {
    if let Err(refused) = may_grant(actor, role) {
        return Ok(Err(refused));
    }
    let one = super::lists::List {
        from: "memberships m JOIN users u ON u.id = m.user_id \
               WHERE m.account_id = $1 AND u.id = $2",
        ..accounts::MEMBERS
    };
    let Some(member) = super::lists::select(
        db,
        one,
        &[account_id.into(), target.into()],
        accounts::member,
    )?
    .into_iter()
    .next() else {
        return Ok(Err(Refused::NotFound));
    };
    if member.role == Role::Owner && role != Role::Owner {
        if actor != Role::Owner {
            return Ok(Err(Refused::NotAllowed(msg(
                "Only an owner can change an owner's role.",
            ))));
        }
        if accounts::owner_count(db, account_id)? <= 1 {
            return Ok(Err(Refused::Conflict(msg(
                "An account always keeps at least one owner: make someone else an owner first.",
            ))));
        }
    }
    db.execute(
        "UPDATE memberships SET role = $1 WHERE account_id = $2 AND user_id = $3",
        &[role.as_str().into(), account_id.into(), target.into()],
    )?;
    Ok(Ok(member))
}

/// The open, unexpired invitations addressed to `email`, with their account names: what a
/// newcomer is offered before starting an account of their own.
pub fn for_email(db: &dyn Db, email: &str, now: i64) -> Result<Vec<Open>, DbError> {
    db.query(
        "SELECT i.id, i.account_id, a.name, i.email, i.role, a.kind FROM invitations i
           JOIN accounts a ON a.id = i.account_id
          WHERE i.email = $1 AND i.accepted_at IS NULL AND i.expires_at > $2
          ORDER BY a.name LIMIT 100",
        &[email.into(), rfc3339(now).into()],
    )?
    .iter()
    .map(open)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_managers_invite_and_only_owners_grant_owner() {
        assert!(may_grant(Role::Member, Role::Member).is_err());
        assert!(may_grant(Role::Billing, Role::Member).is_err());
        assert!(may_grant(Role::Admin, Role::Admin).is_ok());
        assert_eq!(
            may_grant(Role::Admin, Role::Owner),
            Err(Refused::NotAllowed(
                "Only an owner can make someone an owner."
            ))
        );
        assert!(may_grant(Role::Owner, Role::Owner).is_ok());
    }
}
