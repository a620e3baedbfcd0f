//! Who is calling: the verified identity the session component hands to every area, and the
//! permissions its role grants.

use serde::Serialize;

/// A member's role inside one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including deleting the account and transferring ownership.
    Owner,
    /// Manage team, tenants and licenses.
    Admin,
    /// Manage billing only.
    Billing,
    /// See, and use tenants.
    Member,
}

impl Role {
    /// Parses a stored role name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            "billing" => Role::Billing,
            "member" => Role::Member,
            _ => return None,
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Billing => "billing",
            Role::Member => "member",
        }
    }

    /// What a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Billing => "Billing",
            Role::Member => "Member",
        }
    }

    /// May invite, remove and change members.
    pub fn can_manage_team(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// May change subscriptions, payment methods and see invoices.
    pub fn can_manage_billing(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Billing)
    }

    /// May create, change and delete tenants and activations.
    pub fn can_manage_resources(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// Customer accounts own licenses and tenants; provider accounts (MSPs) manage clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// A customer.
    Customer,
    /// An MSP provider.
    Provider,
}

impl AccountKind {
    /// Parses a stored kind.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "customer" => Some(AccountKind::Customer),
            "provider" => Some(AccountKind::Provider),
            _ => None,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Customer => "customer",
            AccountKind::Provider => "provider",
        }
    }
}

/// One account a user belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Membership {
    /// `acc_...`
    pub account_id: String,
    /// Display name.
    pub account_name: String,
    /// Customer or provider.
    pub account_kind: AccountKind,
    /// The user's role there.
    pub role: Role,
    /// Whether the account holds self-hosted licenses.
    pub has_licenses: bool,
    /// Whether it has Pulse Cloud workspaces (not deleted).
    pub has_tenants: bool,
}

/// How the request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credential {
    /// Browser session cookie.
    Cookie,
    /// Personal API token.
    ApiToken,
}

/// A verified caller acting in one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identity {
    /// `ses_...` (or the API token id).
    pub session_id: String,
    /// `usr_...`
    pub user_id: String,
    /// Verified email.
    pub email: String,
    /// Name to show.
    pub display_name: String,
    /// The language the person chose (`""`: their browser's).
    pub language: String,
    /// The IANA time zone the person chose (`""`: UTC).
    pub time_zone: String,
    /// The account this request acts in.
    pub account: Membership,
    /// Every account the user belongs to.
    pub memberships: Vec<Membership>,
    /// Cookie or API token.
    pub credential: Credential,
    /// Whether writes are allowed (read-only API tokens cannot write).
    pub can_write: bool,
    /// Unix seconds of the last verification.
    pub verified_at: i64,
    /// The token forms echo for state-changing requests.
    #[serde(skip)]
    pub csrf_token: String,
}

impl Identity {
    /// Whether the user verified within the last `max_age` seconds at `now`.
    pub fn recently_verified(&self, now: i64, max_age: i64) -> bool {
        now - self.verified_at <= max_age
    }
}

/// How long a verification counts as fresh for destructive actions.
pub const FRESH_VERIFICATION_SECONDS: u32 = 600;

/// A signed-in person who belongs to no account yet: they may create a customer account or
/// accept an invitation, and nothing else.
#[derive(Debug, Clone, PartialEq)]
pub struct Newcomer {
    /// `ses_...`
    pub session_id: String,
    /// `usr_...`
    pub user_id: String,
    /// Verified email.
    pub email: String,
    /// Name to show.
    pub display_name: String,
    /// The token forms echo for state-changing requests.
    pub csrf_token: String,
}

/// Whoever is signed in, member of an account or not: what the onboarding steps need.
#[derive(Debug, Clone, Copy)]
pub enum Person<'a> {
    /// A member of at least one account.
    Member(&'a Identity),
    /// A member of none.
    Newcomer(&'a Newcomer),
}

impl Person<'_> {
    /// `ses_...` (or the API token id).
    pub fn session_id(&self) -> &str {
        match self {
            Person::Member(id) => &id.session_id,
            Person::Newcomer(n) => &n.session_id,
        }
    }

    /// `usr_...`
    pub fn user_id(&self) -> &str {
        match self {
            Person::Member(id) => &id.user_id,
            Person::Newcomer(n) => &n.user_id,
        }
    }

    /// Verified email.
    pub fn email(&self) -> &str {
        match self {
            Person::Member(id) => &id.email,
            Person::Newcomer(n) => &n.email,
        }
    }

    /// The CSRF token of a cookie session (`None` for an API token).
    pub fn csrf_token(&self) -> Option<&str> {
        match self {
            Person::Member(id) => {
                (id.credential == Credential::Cookie).then_some(id.csrf_token.as_str())
            }
            Person::Newcomer(n) => Some(&n.csrf_token),
        }
    }

    /// Whether writes are allowed (read-only API tokens cannot write).
    pub fn can_write(&self) -> bool {
        match self {
            Person::Member(id) => id.can_write,
            Person::Newcomer(_) => true,
        }
    }
}
