//! Accounts, users, memberships and invitations.

use crate::i18n::msg;
use serde::Serialize;

use super::lists::List;
use crate::db::{Db, DbError, Row};
use crate::identity::{AccountKind, Membership, Role};

/// A member of an account, as the team page lists them.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// `usr_...`
    pub user_id: String,
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role in this account.
    pub role: Role,
    /// When they joined.
    pub joined_at: String,
}

/// An invitation not yet accepted.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    /// `inv_...`
    pub id: String,
    /// Invited email.
    pub email: String,
    /// Role on acceptance.
    pub role: Role,
    /// Expiry.
    pub expires_at: String,
}

/// A client account of an MSP provider.
#[derive(Debug, Clone, Serialize)]
pub struct Client {
    /// `acc_...`
    pub id: String,
    /// Name.
    pub name: String,
    /// Country code.
    pub country: Option<String>,
    /// Tenants the client owns (not deleted).
    pub tenant_count: i64,
}

fn role(row: &Row, i: usize) -> Result<Role, DbError> {
    let s = row.text(i)?;
    Role::parse(&s).ok_or_else(|| DbError::Decode(format!("unknown role {s}")))
}

/// The columns [`membership`] reads, over `accounts a` and `memberships m`: the account, the
/// role, and whether the account holds licenses and workspaces (which sections the navigation
/// shows).
pub const MEMBERSHIP_COLUMNS: &str = "a.id, a.name, a.kind, m.role, \
     EXISTS (SELECT 1 FROM licenses ml WHERE ml.account_id = a.id), \
     EXISTS (SELECT 1 FROM tenants mt WHERE mt.account_id = a.id AND mt.status <> 'deleted')";

/// Reads a membership row of [`MEMBERSHIP_COLUMNS`] starting at column `at`.
pub fn membership(row: &Row, at: usize) -> Result<Membership, DbError> {
    let kind = row.text(at + 2)?;
    Ok(Membership {
        account_id: row.text(at)?,
        account_name: row.text(at + 1)?,
        account_kind: AccountKind::parse(&kind)
            .ok_or_else(|| DbError::Decode(format!("unknown account kind {kind}")))?,
        role: role(row, at + 3)?,
        has_licenses: row.flag(at + 4)?,
        has_tenants: row.flag(at + 5)?,
    })
}

/// The columns [`member`] reads, over `memberships m JOIN users u`.
pub(crate) const MEMBER_COLUMNS: &[&str] = &[
    "u.id",
    "u.email",
    "u.display_name",
    "m.role",
    "m.created_at",
];
/// The members of the account `$1`, owners first, then by name.
pub(crate) const MEMBERS: List<'static> = List {
    columns: MEMBER_COLUMNS,
    from: "memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = $1",
    order_by: "CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 \
               WHEN 'billing' THEN 2 ELSE 3 END, u.display_name",
    limit: Some(super::lists::SHOWN),
};

/// Decodes a row of [`MEMBER_COLUMNS`].
pub(crate) fn member(r: &Row) -> Result<Member, DbError> {
    Ok(Member {
        user_id: r.text(0)?,
        email: r.text(1)?,
        display_name: r.text(2)?,
        role: role(r, 3)?,
        joined_at: r.text(4)?,
    })
}

/// The members of an account, owners first.
pub fn members(db: &dyn Db, account_id: &str) -> Result<Vec<Member>, DbError> {
    super::lists::select(db, MEMBERS, &[account_id.into()], member)
}

/// A page of an account's members, owners first.
pub fn members_page(
    db: &dyn Db,
    account_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<Member>, bool), DbError> {
    super::lists::page(db, MEMBERS, &[account_id.into()], page, member)
}

/// The columns [`invitation`] reads, over `invitations i`.
/// (`i.created_at`, last, only orders a bounded list.)
pub(crate) const INVITATION_COLUMNS: &[&str] =
    &["i.id", "i.email", "i.role", "i.expires_at", "i.created_at"];

/// The invitations of the account `$1` still open at `$2`, oldest first.
pub(crate) const OPEN_INVITATIONS: List<'static> = List {
    columns: INVITATION_COLUMNS,
    from: "invitations i WHERE i.account_id = $1 AND i.accepted_at IS NULL AND i.expires_at > $2",
    order_by: "i.created_at",
    limit: Some(super::lists::SHOWN),
};

/// A page of the account's invitations still open at `now`, oldest first.
pub fn open_invitations_page(
    db: &dyn Db,
    account_id: &str,
    now: &str,
    page: &super::lists::Page,
) -> Result<(Vec<Invitation>, bool), DbError> {
    super::lists::page(
        db,
        OPEN_INVITATIONS,
        &[account_id.into(), now.into()],
        page,
        invitation,
    )
}

/// Decodes a row of [`INVITATION_COLUMNS`].
pub(crate) fn invitation(r: &Row) -> Result<Invitation, DbError> {
    Ok(Invitation {
        id: r.text(0)?,
        email: r.text(1)?,
        role: role(r, 2)?,
        expires_at: r.text(3)?,
    })
}

/// The columns [`client`] reads, over `accounts c`.
pub(crate) const CLIENT_COLUMNS: &[&str] = &[
    "c.id",
    "c.name",
    "c.country",
    "(SELECT COUNT(*) FROM tenants t WHERE t.account_id = c.id AND t.status <> 'deleted')",
];

/// Decodes a row of [`CLIENT_COLUMNS`].
pub(crate) fn client(r: &Row) -> Result<Client, DbError> {
    Ok(Client {
        id: r.text(0)?,
        name: r.text(1)?,
        country: r.opt_text(2)?,
        tenant_count: r.int(3)?,
    })
}

/// The clients of the provider `$1`, by name.
pub(crate) const CLIENTS: List<'static> = List {
    columns: CLIENT_COLUMNS,
    from: "accounts c WHERE c.provider_id = $1",
    order_by: "c.name",
    limit: Some(super::lists::SHOWN),
};

/// The clients of an MSP provider account with their tenant counts.
pub fn clients(db: &dyn Db, provider_id: &str) -> Result<Vec<Client>, DbError> {
    super::lists::select(db, CLIENTS, &[provider_id.into()], client)
}

/// A page of an MSP provider's clients, by name.
pub fn clients_page(
    db: &dyn Db,
    provider_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<Client>, bool), DbError> {
    super::lists::page(db, CLIENTS, &[provider_id.into()], page, client)
}

/// How many owners the account has.
pub fn owner_count(db: &dyn Db, account_id: &str) -> Result<i64, DbError> {
    Ok(db
        .query_opt(
            "SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND role = 'owner'",
            &[account_id.into()],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

/// Why a member cannot be removed.
#[derive(Debug, PartialEq, Eq)]
pub enum RemovalRefused {
    /// Not a member of this account.
    NotAMember,
    /// The actor's role may not remove this member.
    NotAllowed(&'static str),
}

/// Removes `target` from the account when `actor` (with `actor_role`) may do so: owners and
/// admins manage the team, only owners remove owners, nobody removes themselves here, and the
/// last owner always stays. Call inside a transaction.
pub fn remove_member(
    db: &dyn Db,
    account_id: &str,
    actor: &str,
    actor_role: Role,
    target: &str,
) -> Result<Result<Member, RemovalRefused>, DbError> {
    if !actor_role.can_manage_team() {
        return Ok(Err(RemovalRefused::NotAllowed(msg(
            "Only owners and admins manage the team.",
        ))));
    }
    let Some(member) = members(db, account_id)?
        .into_iter()
        .find(|m| m.user_id == target)
    else {
        return Ok(Err(RemovalRefused::NotAMember));
    };
    if target == actor {
        return Ok(Err(RemovalRefused::NotAllowed(msg(
            "You can't remove yourself; ask another owner or admin.",
        ))));
    }
    if member.role == Role::Owner {
        if actor_role != Role::Owner {
            return Ok(Err(RemovalRefused::NotAllowed(msg(
                "Only an owner can remove an owner.",
            ))));
        }
        if owner_count(db, account_id)? <= 1 {
            return Ok(Err(RemovalRefused::NotAllowed(msg(
                "An account always keeps at least one owner.",
            ))));
        }
    }
    db.execute(
        "DELETE FROM memberships WHERE account_id = $1 AND user_id = $2",
        &[account_id.into(), target.into()],
    )?;
    // Their API tokens for this account stop working with the membership.
    db.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND user_id = $3 AND revoked_at IS NULL",
        &[crate::time::now_rfc3339().into(), account_id.into(), target.into()],
    )?;
    Ok(Ok(member))
}

/// What a newcomer enters to start a customer account, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccount {
    /// Company name, trimmed.
    pub name: String,
    /// ISO 3166-1 alpha-2 code, upper-case.
    pub country: String,
}

impl NewAccount {
    /// Checks a company name and country code, naming each field that is wrong and why.
    pub fn parse(name: &str, country: &str) -> Result<Self, Vec<(String, String)>> {
        let name = name.trim();
        let country = country.trim().to_ascii_uppercase();
        let mut errors = Vec::new();
        if name.chars().count() < 2 {
            errors.push((
                "name".to_string(),
                msg("Enter your company's name (at least 2 characters).").to_string(),
            ));
        } else if name.chars().count() > 100 {
            errors.push((
                "name".to_string(),
                msg("Shorten the company name to at most 100 characters.").to_string(),
            ));
        } else if name.chars().any(char::is_control) {
            errors.push((
                "name".to_string(),
                msg("The company name cannot hold line breaks or control characters.").to_string(),
            ));
        }
        if crate::countries::name(&country).is_none() {
            errors.push((
                "country".to_string(),
                msg("Choose the country your company is registered in.").to_string(),
            ));
        }
        if errors.is_empty() {
            Ok(Self {
                name: name.to_string(),
                country,
            })
        } else {
            Err(errors)
        }
    }
}

/// Creates a customer account with `user_id` as its owner and records it in the audit log.
/// Call inside a transaction. Returns the new account's id.
pub fn create_customer(
    db: &dyn Db,
    new: &NewAccount,
    user_id: &str,
    ip: &str,
) -> Result<String, DbError> {
    let id = crate::ids::new_id("acc");
    let now = crate::time::now_rfc3339();
    db.execute(
        "INSERT INTO accounts (id, name, kind, country, created_at) VALUES ($1, $2, 'customer', $3, $4)",
        &[
            id.as_str().into(),
            new.name.as_str().into(),
            new.country.as_str().into(),
            now.as_str().into(),
        ],
    )?;
    db.execute(
        "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)",
        &[id.as_str().into(), user_id.into(), now.as_str().into()],
    )?;
    super::audit::record(
        db,
        &super::audit::Entry {
            account_id: &id,
            actor_user_id: user_id,
            action: "account.created",
            target: &id,
            detail: &format!("Customer account created ({})", new.country),
            ip,
        },
    )?;
    Ok(id)
}

/// How many accounts `user_id` has started since `since` (RFC 3339), from the audit log.
pub fn started_since(db: &dyn Db, user_id: &str, since: &str) -> Result<i64, DbError> {
    db.query_opt(
        "SELECT COUNT(*) FROM audit_log WHERE actor_user_id = $1 AND action = 'account.created' AND created_at > $2",
        &[user_id.into(), since.into()],
    )?
    .map(|r| r.int(0))
    .transpose()
    .map(Option::unwrap_or_default)
}

#[cfg(test)]
mod new_account_tests {
    use super::NewAccount;

    #[test]
    fn a_new_account_needs_a_name_and_a_real_country() {
        assert_eq!(
            NewAccount::parse("  Bistro Ltd ", "bg"),
            Ok(NewAccount {
                name: "Bistro Ltd".into(),
                country: "BG".into()
            })
        );
        let errors = NewAccount::parse("x", "ZZ").err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["name", "country"]);
        assert!(NewAccount::parse(&"a".repeat(101), "DE").is_err());
        assert!(NewAccount::parse("Line\nbreak", "DE").is_err());
    }
}
