//! What each page shows, read in one statement: every page that lists several kinds of thing
//! asks for all of them at once (see [`super::lists`]), so a signed-in page costs the session
//! check and this one statement.

use super::accounts::{self, Client, Invitation, Member};
use super::api_tokens::{self, ApiToken};
use super::billing::{self, Invoice, Subscription};
use super::licenses::{self, License};
use super::lists::{List, read};
use super::payment_methods::{self, PaymentMethod};
use super::refunds;
use super::sessions::{self, SessionSummary};
use super::tenants::{self, Tenant};
use crate::db::{Db, DbError, Row};

fn all<T>(rows: &[Row], decode: fn(&Row) -> Result<T, DbError>) -> Result<Vec<T>, DbError> {
    rows.iter().map(decode).collect()
}

/// Home for a customer account.
#[derive(Debug, Clone)]
pub struct CustomerHome {
    /// Self-hosted licenses.
    pub licenses: Vec<License>,
    /// Hosted tenants.
    pub tenants: Vec<Tenant>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// The most recent invoices (empty for members without billing rights).
    pub invoices: Vec<Invoice>,
    /// Recent refund requests (empty for members without billing rights).
    pub refunds: Vec<refunds::Refund>,
    /// Payment methods (empty for members without billing rights).
    pub payment_methods: Vec<PaymentMethod>,
    /// Providers' requests for access waiting for a decision.
    pub access_requests: Vec<super::grants::Grant>,
    /// Invitations not yet accepted (oldest first).
    pub invitations: Vec<Invitation>,
    /// Data exports and deletions in progress.
    pub data_requests: Vec<super::privacy::DataRequest>,
}

/// Home for a customer account as of `now`; `invoices` recent invoices are read only when
/// asked for.
pub fn customer_home(
    db: &dyn Db,
    account_id: &str,
    invoices: i64,
    now: &str,
) -> Result<CustomerHome, DbError> {
    let [l, t, s, i, r, p, g, v, d] = read(
        db,
        [
            List {
                columns: licenses::LICENSE_COLUMNS,
                from: "licenses l WHERE l.account_id = $1",
                order_by: licenses::LICENSE_ORDER,
                limit: Some(super::lists::SHOWN),
            },
            tenants::ACCOUNT_TENANTS,
            billing::SUBSCRIPTIONS,
            List {
                columns: billing::INVOICE_COLUMNS,
                from: "invoices i WHERE i.account_id = $1",
                order_by: billing::INVOICE_ORDER,
                limit: Some("$2"),
            },
            List {
                limit: Some("$2"),
                ..refunds::REFUNDS
            },
            List {
                limit: Some("$2"),
                ..payment_methods::ACCOUNT_METHODS
            },
            List {
                from: "access_grants g JOIN accounts p ON p.id = g.provider_id \
                       JOIN accounts c ON c.id = g.client_id \
                       WHERE g.client_id = $1 AND g.status = 'requested'",
                ..super::grants::PROVIDER_GRANTS
            },
            List {
                from: "invitations i WHERE i.account_id = $1 AND i.accepted_at IS NULL AND i.expires_at > $3",
                limit: Some("5"),
                ..accounts::OPEN_INVITATIONS
            },
            super::privacy::IN_PROGRESS,
        ],
        &[account_id.into(), invoices.max(0).into(), now.into()],
    )?;
    Ok(CustomerHome {
        licenses: all(&l, licenses::license)?,
        tenants: all(&t, tenants::tenant)?,
        subscriptions: all(&s, billing::subscription)?,
        invoices: all(&i, billing::invoice)?,
        refunds: all(&r, refunds::refund)?,
        payment_methods: all(&p, payment_methods::payment_method)?,
        access_requests: all(&g, super::grants::grant)?,
        invitations: all(&v, accounts::invitation)?,
        data_requests: all(&d, super::privacy::in_progress)?,
    })
}

/// Home for an MSP provider account.
#[derive(Debug, Clone)]
pub struct ProviderHome {
    /// Client accounts.
    pub clients: Vec<Client>,
    /// Every client's tenants.
    pub tenants: Vec<Tenant>,
    /// The provider's own subscriptions.
    pub subscriptions: Vec<Subscription>,
}

/// Home for a provider account: the workspaces of the clients it holds access to at `now`.
pub fn provider_home(db: &dyn Db, provider_id: &str, now: &str) -> Result<ProviderHome, DbError> {
    let [c, t, s] = read(
        db,
        [
            accounts::CLIENTS,
            tenants::PROVIDER_TENANTS,
            billing::SUBSCRIPTIONS,
        ],
        &[provider_id.into(), now.into()],
    )?;
    Ok(ProviderHome {
        clients: all(&c, accounts::client)?,
        tenants: all(&t, tenants::tenant)?,
        subscriptions: all(&s, billing::subscription)?,
    })
}

/// What the MSP page shows.
pub struct MspPage {
    /// The provider's clients.
    pub clients: Vec<Client>,
    /// The workspaces of the clients it holds access to.
    pub tenants: Vec<Tenant>,
    /// The access it asked for, newest first.
    pub grants: Vec<super::grants::Grant>,
}

/// The MSP page at `now`: a provider's clients, the workspaces of those it holds access to, and
/// its access requests, in one statement.
pub fn msp(db: &dyn Db, provider_id: &str, now: &str) -> Result<MspPage, DbError> {
    let [c, t, g] = read(
        db,
        [
            accounts::CLIENTS,
            tenants::PROVIDER_TENANTS,
            super::grants::PROVIDER_GRANTS,
        ],
        &[provider_id.into(), now.into()],
    )?;
    Ok(MspPage {
        clients: all(&c, accounts::client)?,
        tenants: all(&t, tenants::tenant)?,
        grants: all(&g, super::grants::grant)?,
    })
}

/// One client as its provider sees it.
pub struct MspClient {
    /// The client.
    pub client: Client,
    /// Its workspaces, while the provider holds access.
    pub tenants: Vec<Tenant>,
    /// The access asked of it, newest first.
    pub grants: Vec<super::grants::Grant>,
}

/// One client of a provider at `now`: its workspaces (only while the provider holds access)
/// and the access asked of it; `None` for an account that is not the provider's client.
pub fn msp_client(
    db: &dyn Db,
    provider_id: &str,
    client_id: &str,
    now: &str,
) -> Result<Option<MspClient>, DbError> {
    let [c, t, g] = read(
        db,
        [
            List {
                from: "accounts c WHERE c.provider_id = $1 AND c.id = $3",
                ..accounts::CLIENTS
            },
            List {
                from: "tenants t JOIN accounts c ON c.id = t.account_id \
                       WHERE c.provider_id = $1 AND c.id = $3 AND t.status <> 'deleted' \
                         AND EXISTS (SELECT 1 FROM access_grants g WHERE g.provider_id = $1 \
                             AND g.client_id = c.id AND g.status = 'approved' AND g.expires_at > $2)",
                ..tenants::PROVIDER_TENANTS
            },
            List {
                from: "access_grants g JOIN accounts p ON p.id = g.provider_id \
                       JOIN accounts c ON c.id = g.client_id \
                       WHERE g.provider_id = $1 AND g.client_id = $3",
                ..super::grants::PROVIDER_GRANTS
            },
        ],
        &[provider_id.into(), now.into(), client_id.into()],
    )?;
    let Some(client) = c.first().map(accounts::client).transpose()? else {
        return Ok(None);
    };
    Ok(Some(MspClient {
        client,
        tenants: all(&t, tenants::tenant)?,
        grants: all(&g, super::grants::grant)?,
    }))
}

/// The billing page: subscriptions and the first `limit` invoices, and whether more follow.
pub fn billing(db: &dyn Db, account_id: &str, limit: i64) -> Result<BillingPage, DbError> {
    let [s, i, r, p] = read(
        db,
        [
            billing::SUBSCRIPTIONS,
            List {
                columns: billing::INVOICE_COLUMNS,
                from: billing::invoices_after(false),
                order_by: billing::INVOICE_ORDER,
                limit: Some("$2"),
            },
            refunds::REFUNDS,
            payment_methods::ACCOUNT_METHODS,
        ],
        &[account_id.into(), (limit + 1).into()],
    )?;
    let (invoices, has_more) = billing::page(&i, limit)?;
    Ok(BillingPage {
        subscriptions: all(&s, billing::subscription)?,
        invoices,
        has_more,
        refunds: all(&r, refunds::refund)?,
        payment_methods: all(&p, payment_methods::payment_method)?,
    })
}

/// What the billing page shows.
pub struct BillingPage {
    /// Every subscription.
    pub subscriptions: Vec<Subscription>,
    /// The newest invoices.
    pub invoices: Vec<Invoice>,
    /// Whether older invoices follow.
    pub has_more: bool,
    /// Refund requests, newest first.
    pub refunds: Vec<refunds::Refund>,
    /// Payment methods, the default first.
    pub payment_methods: Vec<PaymentMethod>,
}

/// The team page: members, owners first, and invitations still open at `now`.
pub fn team(
    db: &dyn Db,
    account_id: &str,
    now: &str,
) -> Result<(Vec<Member>, Vec<Invitation>), DbError> {
    let [m, i] = read(
        db,
        [accounts::MEMBERS, accounts::OPEN_INVITATIONS],
        &[account_id.into(), now.into()],
    )?;
    Ok((all(&m, accounts::member)?, all(&i, accounts::invitation)?))
}

/// The security page: the user's live sessions at `now` and their API tokens.
pub fn security(
    db: &dyn Db,
    user_id: &str,
    now: &str,
) -> Result<(Vec<SessionSummary>, Vec<ApiToken>), DbError> {
    let [s, k] = read(
        db,
        [sessions::LIVE_SESSIONS, api_tokens::USER_TOKENS],
        &[user_id.into(), now.into()],
    )?;
    Ok((all(&s, sessions::summary)?, all(&k, api_tokens::token)?))
}
