//! Data export and deletion (GDPR Articles 15, 17 and 20): the requests, the catalog of every
//! table that holds account data (what each holds, which rows belong to a subject, how each is
//! erased), the archive an export produces, and the erasure a deletion carries out.

use serde_json::{Map, Value as Json, json};

use crate::db::{Db, DbError, Dialect, Row, Value};
use crate::i18n::Reader;
use crate::ids::{new_id, new_secret};
use crate::time::{parse_rfc3339, rfc3339};
use crate::token::hash_secret;
use crate::views::status_words;

/// Days within which a request is answered (one month, Article 12(3)).
pub const DEADLINE_DAYS: i64 = 30;
/// Days an export archive stays downloadable.
pub const ARCHIVE_DAYS: i64 = 7;
/// Attempts at building an archive before the request is marked failed.
const MAX_ATTEMPTS: i64 = 5;

/// Export or deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A copy of everything held (Articles 15 and 20).
    Export,
    /// Erasure (Article 17).
    Deletion,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Export => "export",
            Kind::Deletion => "deletion",
        }
    }
}

/// A data request as its status page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DataRequest {
    /// `drq_...`
    pub id: String,
    /// export or deletion.
    pub kind: String,
    /// awaiting_proof, queued, ready, scheduled, done, cancelled, failed or expired.
    pub status: String,
    /// Who asked (the address that proved itself, or the signed-in owner's).
    pub email: String,
    /// The accounts it covers.
    pub account_ids: Vec<String>,
    /// When asked.
    pub created_at: String,
    /// When the address was proven (or, signed in, when asked).
    pub confirmed_at: Option<String>,
    /// The date by which it must be answered.
    pub due_by: String,
    /// A deletion's end of grace period: erasure starts after it.
    pub execute_after: Option<String>,
    /// When the archive was ready or the data erased.
    pub completed_at: Option<String>,
    /// The archive's size.
    pub archive_bytes: Option<i64>,
    /// Until when the archive can be downloaded.
    pub archive_expires_at: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

const REQUEST_COLUMNS: &str =
    "id, kind, status, email, account_ids, created_at, confirmed_at, due_by,
     execute_after, completed_at, archive_bytes, archive_expires_at, last_error";

fn data_request(r: &crate::db::Row) -> Result<DataRequest, DbError> {
    Ok(DataRequest {
        id: r.text(0)?,
        kind: r.text(1)?,
        status: r.text(2)?,
        email: r.text(3)?,
        account_ids: split_ids(&r.text(4)?),
        created_at: r.text(5)?,
        confirmed_at: r.opt_text(6)?,
        due_by: r.text(7)?,
        execute_after: r.opt_text(8)?,
        completed_at: r.opt_text(9)?,
        archive_bytes: r.opt_int(10)?,
        archive_expires_at: r.opt_text(11)?,
        last_error: r.opt_text(12)?,
    })
}

fn split_ids(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect()
}

/// A new request: `confirmed` when a signed-in owner asked (or the address is proven), else it
/// awaits the proof link. Returns the request and the token of its status link.
pub struct NewRequest<'a> {
    /// Export or deletion.
    pub kind: Kind,
    /// The requester's address.
    pub email: &'a str,
    /// The signed-in requester.
    pub requested_by: Option<&'a str>,
    /// The accounts covered (fixed now when confirmed, else at confirmation).
    pub account_ids: &'a [String],
    /// Whether the address is already proven.
    pub confirmed: bool,
    /// A deletion's grace period.
    pub grace_days: i64,
}

/// Records a request; returns its id and the token of the requester's status link.
pub fn create(db: &dyn Db, new: &NewRequest, now: i64) -> Result<(String, String), DbError> {
    let id = new_id("drq");
    let access = new_secret();
    db.execute(
        "INSERT INTO data_requests (id, kind, status, email, requested_by, account_ids, access_hash,
                                    created_at, due_by)
         VALUES ($1, $2, 'awaiting_proof', $3, $4, $5, $6, $7, $8)",
        &[
            id.as_str().into(),
            new.kind.as_str().into(),
            new.email.into(),
            new.requested_by.into(),
            new.account_ids.join(",").into(),
            hash_secret(&access).into(),
            rfc3339(now).into(),
            rfc3339(now + DEADLINE_DAYS * 86_400).into(),
        ],
    )?;
    if new.confirmed {
        confirm(db, &id, new.account_ids, new.grace_days, now)?;
    }
    Ok((id, access))
}

/// Moves a request awaiting proof on: an export is queued, a deletion scheduled after its grace
/// period; the accounts it covers are fixed now. False when it was not awaiting proof.
pub fn confirm(
    db: &dyn Db,
    id: &str,
    account_ids: &[String],
    grace_days: i64,
    now: i64,
) -> Result<bool, DbError> {
    let changed = db.execute(
        "UPDATE data_requests
            SET status = CASE kind WHEN 'export' THEN 'queued' ELSE 'scheduled' END,
                execute_after = CASE kind WHEN 'export' THEN NULL ELSE CAST($1 AS TEXT) END,
                account_ids = $2, confirmed_at = $3
          WHERE id = $4 AND status = 'awaiting_proof'",
        &[
            rfc3339(now + grace_days * 86_400).into(),
            account_ids.join(",").into(),
            rfc3339(now).into(),
            id.into(),
        ],
    )?;
    Ok(changed == 1)
}

/// The request `id`.
pub fn get(db: &dyn Db, id: &str) -> Result<Option<DataRequest>, DbError> {
    db.query_opt(
        &format!("SELECT {REQUEST_COLUMNS} FROM data_requests WHERE id = $1"),
        &[id.into()],
    )?
    .as_ref()
    .map(data_request)
    .transpose()
}

/// The request `id` if `token` is its status or download link's token.
pub fn by_token(db: &dyn Db, id: &str, token: &str) -> Result<Option<DataRequest>, DbError> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let hash = hash_secret(token);
    db.query_opt(
        &format!(
            "SELECT {REQUEST_COLUMNS} FROM data_requests
              WHERE id = $1 AND (access_hash = $2 OR download_hash = $2)"
        ),
        &[id.into(), hash.into()],
    )?
    .as_ref()
    .map(data_request)
    .transpose()
}

/// The account's requests, newest first (at most 20).
pub fn for_account(db: &dyn Db, account_id: &str) -> Result<Vec<DataRequest>, DbError> {
    // account_ids is a short comma-separated list; match it as a whole item.
    db.query(
        &format!(
            "SELECT {REQUEST_COLUMNS} FROM data_requests
              WHERE ',' || account_ids || ',' LIKE '%,' || CAST($1 AS TEXT) || ',%'
              ORDER BY created_at DESC, id DESC LIMIT 20"
        ),
        &[account_id.into()],
    )?
    .iter()
    .map(data_request)
    .collect()
}

/// The account `$1`'s requests still in progress (being prepared, ready to download, or a
/// deletion waiting out its grace period), newest first: Home's items.
pub(crate) const IN_PROGRESS: super::lists::List<'static> = super::lists::List {
    from: "data_requests WHERE ',' || account_ids || ',' LIKE '%,' || CAST($1 AS TEXT) || ',%' \
           AND status IN ('queued', 'ready', 'scheduled')",
    limit: Some("5"),
    ..ACCOUNT_REQUESTS
};

/// Decodes a row of [`IN_PROGRESS`].
pub(crate) fn in_progress(r: &crate::db::Row) -> Result<DataRequest, DbError> {
    data_request(r)
}

/// The data requests naming the account `$1`, newest first.
const ACCOUNT_REQUESTS: super::lists::List<'static> = super::lists::List {
    columns: &[
        "id",
        "kind",
        "status",
        "email",
        "account_ids",
        "created_at",
        "confirmed_at",
        "due_by",
        "execute_after",
        "completed_at",
        "archive_bytes",
        "archive_expires_at",
        "last_error",
    ],
    from: "data_requests WHERE ',' || account_ids || ',' LIKE '%,' || CAST($1 AS TEXT) || ',%'",
    order_by: "created_at DESC, id DESC",
    limit: None,
};

/// A page of the data requests naming the account, newest first.
pub fn page_for_account(
    db: &dyn Db,
    account_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<DataRequest>, bool), DbError> {
    super::lists::page(
        db,
        ACCOUNT_REQUESTS,
        &[account_id.into()],
        page,
        data_request,
    )
}

/// The archive of a ready export, if it has not expired at `now`.
pub fn archive(db: &dyn Db, id: &str, now: i64) -> Result<Option<Vec<u8>>, DbError> {
    let Some(r) = db.query_opt(
        "SELECT archive, archive_expires_at FROM data_requests
          WHERE id = $1 AND kind = 'export' AND status = 'ready'",
        &[id.into()],
    )?
    else {
        return Ok(None);
    };
    let live = r
        .opt_text(1)?
        .and_then(|t| parse_rfc3339(&t))
        .is_some_and(|until| until > now);
    Ok(match r.opt_text(0)? {
        Some(b64) if live => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(b64).ok()
        }
        _ => None,
    })
}

/// Cancels a deletion still in its grace period. False when there was none to cancel.
pub fn cancel(db: &dyn Db, id: &str, now: i64) -> Result<bool, DbError> {
    Ok(db.execute(
        "UPDATE data_requests SET status = 'cancelled', completed_at = $1
          WHERE id = $2 AND kind = 'deletion' AND status IN ('scheduled', 'awaiting_proof')",
        &[rfc3339(now).into(), id.into()],
    )? == 1)
}

/// The accounts `email` owns, with their names.
pub fn owned_accounts(db: &dyn Db, email: &str) -> Result<Vec<(String, String)>, DbError> {
    db.query(
        "SELECT a.id, a.name FROM accounts a
           JOIN memberships m ON m.account_id = a.id AND m.role = 'owner'
           JOIN users u ON u.id = m.user_id
          WHERE u.email = $1 ORDER BY a.name, a.id",
        &[email.into()],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?)))
    .collect()
}

/// Something that stops an account's data from being erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// A subscription that still runs.
    Subscription {
        /// Its plan.
        plan: String,
        /// Its status (`active`, `past_due`, ...).
        status: String,
    },
    /// A workspace not yet deleted.
    Workspace {
        /// Its name.
        name: String,
        /// Its status.
        status: String,
    },
}

impl Blocker {
    /// What stops the erasure and what to do, in the reader's language.
    pub fn words(&self, r: Reader) -> String {
        match self {
            Blocker::Subscription { plan, status } => r.fill(
                "The subscription {name} is {status}: cancel it and wait for its period to end.",
                &[("name", plan), ("status", &status_words(status, r))],
            ),
            Blocker::Workspace { name, status } => r.fill(
                "The workspace {name} is {status}: delete it first.",
                &[("name", name), ("status", &status_words(status, r))],
            ),
        }
    }
}

/// Every blocker in the reader's words, one sentence after another.
pub fn blockers_in_words(blockers: &[Blocker], r: Reader) -> Vec<String> {
    blockers.iter().map(|b| b.words(r)).collect()
}

/// What stops the accounts' data from being erased: subscriptions that still run and
/// workspaces not yet deleted.
pub fn blockers(db: &dyn Db, account_ids: &[String]) -> Result<Vec<Blocker>, DbError> {
    let (accounts, mut params) = placeholders(account_ids, 0);
    let (accounts_again, more) = placeholders(account_ids, params.len());
    params.extend(more);
    db.query(
        &format!(
            "SELECT 'subscription', plan, status FROM subscriptions
              WHERE account_id IN {accounts} AND status IN ('trialing', 'active', 'past_due', 'paused')
             UNION ALL
             SELECT 'workspace', slug, status FROM tenants
              WHERE account_id IN {accounts_again} AND status NOT IN ('deleted')
             ORDER BY 1, 2"
        ),
        &params,
    )?
    .iter()
    .map(|r| {
        let (what, name, status) = (r.text(0)?, r.text(1)?, r.text(2)?);
        Ok(match what.as_str() {
            "subscription" => Blocker::Subscription { plan: name, status },
            _ => Blocker::Workspace { name, status },
        })
    })
    .collect()
}

/// `($n, $n+1, ...)` for `ids` (or `(NULL)`, which matches nothing), with their values.
fn placeholders(ids: &[String], offset: usize) -> (String, Vec<Value>) {
    if ids.is_empty() {
        return ("(NULL)".into(), Vec::new());
    }
    let list: Vec<String> = (1..=ids.len())
        .map(|i| format!("${}", offset + i))
        .collect();
    (
        format!("({})", list.join(", ")),
        ids.iter().map(|id| id.as_str().into()).collect(),
    )
}

/// How a table's rows of an erased subject are treated.
#[derive(Debug, Clone, Copy)]
pub enum Erase {
    /// The rows are deleted.
    Delete,
    /// The rows stay with these columns overwritten (an SQL `SET` list).
    Overwrite(&'static str),
    /// The rows stay as they are, for this reason (they hold no personal data).
    Keep(&'static str),
}

/// One table that holds account data.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The table.
    pub name: &'static str,
    /// Which rows belong to the subject: an SQL condition where `{A}` stands for the accounts,
    /// `{U}` for the people, `{E}` for their addresses, and `{E~column}` for "the column
    /// mentions one of the addresses".
    pub rows: &'static str,
    /// What it holds, for the archive's README.
    pub holds: &'static str,
    /// What erasure does to those rows.
    pub erase: Erase,
}

/// Every table that holds account or personal data, in the order erasure visits them (rows
/// that refer to others first).
pub const TABLES: &[Table] = &[
    Table {
        name: "accounts",
        rows: "id IN {A}",
        holds: "The account: name, kind, country, billing address, tax id and its verification status.",
        erase: Erase::Overwrite(
            "name = 'Erased account', country = NULL, billing_address = NULL, tax_id = NULL, tax_id_status = NULL",
        ),
    },
    Table {
        name: "users",
        rows: "id IN {U}",
        holds: "The people of the account: email address and display name.",
        erase: Erase::Overwrite("email = 'erased-' || id || '@erased.invalid', display_name = ''"),
    },
    Table {
        name: "memberships",
        rows: "account_id IN {A} OR user_id IN {U}",
        holds: "Who belongs to which account, with which role.",
        erase: Erase::Delete,
    },
    Table {
        name: "invitations",
        rows: "account_id IN {A} OR email IN {E}",
        holds: "Invitations to join the account: address, role, who invited, when.",
        erase: Erase::Delete,
    },
    Table {
        name: "oidc_identities",
        rows: "user_id IN {U}",
        holds: "Single sign-on identities linked to the people (issuer and subject).",
        erase: Erase::Delete,
    },
    Table {
        name: "refresh_tokens",
        rows: "session_id IN (SELECT id FROM sessions WHERE user_id IN {U})",
        holds: "When each session's refresh credential was issued and used (the credential itself is left out).",
        erase: Erase::Delete,
    },
    Table {
        name: "sessions",
        rows: "user_id IN {U}",
        holds: "Sign-in sessions: when, how, from which address and browser.",
        erase: Erase::Delete,
    },
    Table {
        name: "api_tokens",
        rows: "account_id IN {A} OR user_id IN {U}",
        holds: "API tokens: name, scope, when created and last used (the token itself is left out).",
        erase: Erase::Delete,
    },
    Table {
        name: "tenant_aliases",
        rows: "tenant_id IN (SELECT id FROM tenants WHERE account_id IN {A})",
        holds: "Production aliases of the workspaces.",
        erase: Erase::Delete,
    },
    Table {
        name: "tenant_copies",
        rows: "tenant_id IN (SELECT id FROM tenants WHERE account_id IN {A})",
        holds: "Test copies of the workspaces.",
        erase: Erase::Delete,
    },
    Table {
        name: "tenant_backups",
        rows: "tenant_id IN (SELECT id FROM tenants WHERE account_id IN {A})",
        holds: "Backups of the workspaces: when asked for and made, their size (the files themselves are left out).",
        erase: Erase::Delete,
    },
    Table {
        name: "tenant_integrations",
        rows: "tenant_id IN (SELECT id FROM tenants WHERE account_id IN {A})",
        holds: "Integrations turned on per workspace and their settings (stored secrets are left out).",
        erase: Erase::Delete,
    },
    Table {
        name: "provisioning_jobs",
        rows: "tenant_id IN (SELECT id FROM tenants WHERE account_id IN {A})",
        holds: "The steps sent to the provisioner for the workspaces.",
        erase: Erase::Delete,
    },
    Table {
        name: "provisioner_events",
        rows: "tenant_id IN (SELECT id FROM tenants WHERE account_id IN {A})",
        holds: "What the provisioner reported about the workspaces.",
        erase: Erase::Delete,
    },
    Table {
        name: "tenants",
        rows: "account_id IN {A}",
        holds: "Pulse Cloud workspaces: address, name, template, plan, region, status.",
        erase: Erase::Overwrite("name = 'Erased workspace'"),
    },
    Table {
        name: "activations",
        rows: "license_id IN (SELECT id FROM licenses WHERE account_id IN {A})",
        holds: "Machines that activated the licenses: instance name, fingerprint, last heartbeat.",
        erase: Erase::Delete,
    },
    Table {
        name: "licenses",
        rows: "account_id IN {A}",
        holds: "Self-hosted licenses: product, plan, seats, status, expiry (the key itself is left out).",
        erase: Erase::Keep("a license records a sale and holds no personal data"),
    },
    Table {
        name: "subscriptions",
        rows: "account_id IN {A}",
        holds: "Subscriptions: plan, price, period, status, and why one was ended.",
        erase: Erase::Overwrite("cancel_reason = NULL"),
    },
    Table {
        name: "invoices",
        rows: "account_id IN {A}",
        holds: "Invoices: number, amounts, tax, currency, dates and status.",
        erase: Erase::Keep(
            "tax law requires invoices to be kept (ten years); they hold amounts and dates, and the name and address they were issued to are erased with the account",
        ),
    },
    Table {
        name: "invoice_lines",
        rows: "invoice_id IN (SELECT id FROM invoices WHERE account_id IN {A})",
        holds: "What each invoice is for, line by line, with its tax.",
        erase: Erase::Keep("kept with the invoices, as tax law requires"),
    },
    Table {
        name: "payment_methods",
        rows: "account_id IN {A}",
        holds: "Cards on file: brand, last four digits, expiry (never the number).",
        erase: Erase::Delete,
    },
    Table {
        name: "refunds",
        rows: "account_id IN {A}",
        holds: "Refund requests: invoice, amount, reason, status.",
        erase: Erase::Overwrite("reason = ''"),
    },
    Table {
        name: "requests",
        rows: "account_id IN {A} OR email IN {E}",
        holds: "Requests and support tickets: kind, address, message, status.",
        erase: Erase::Overwrite("email = 'erased@erased.invalid', detail = ''"),
    },
    Table {
        name: "data_requests",
        rows: "email IN {E}",
        holds: "Data export and deletion requests: when asked, confirmed and answered.",
        erase: Erase::Overwrite(
            "email = 'erased@erased.invalid', archive = NULL, archive_bytes = NULL, archive_expires_at = NULL",
        ),
    },
    Table {
        name: "email_links",
        rows: "email IN {E}",
        holds: "Links mailed to prove an address: purpose and when used (the link itself is left out).",
        erase: Erase::Delete,
    },
    Table {
        name: "mail_outbox",
        rows: "recipient IN {E} OR {E~text_body}",
        holds: "Every email sent to the people, or about them to the support team: recipient, subject, text, when sent.",
        erase: Erase::Delete,
    },
    Table {
        name: "idempotency_keys",
        rows: "account_id IN {A}",
        holds: "Answers kept for retried API requests (24 hours).",
        erase: Erase::Delete,
    },
    Table {
        name: "access_grants",
        rows: "provider_id IN {A} OR client_id IN {A}",
        holds: "Access asked of or given to a provider (MSP): who, for how long, why.",
        erase: Erase::Overwrite("reason = ''"),
    },
    Table {
        name: "audit_log",
        rows: "account_id IN {A} OR actor_user_id IN {U}",
        holds: "The activity log: who did what, when, from which address.",
        erase: Erase::Overwrite("detail = '', ip = ''"),
    },
];

/// Tables that hold no account or personal data, and why.
pub const OUTSIDE: &[(&str, &str)] = &[
    ("templates", "the catalog of workspace templates"),
    (
        "webhook_events",
        "ids and outcomes of payment provider events, kept to process each once",
    ),
    ("schema_migrations", "which schema migrations were applied"),
];

/// Columns never exported: credentials and stored secrets, and the archive itself.
const LEFT_OUT: &[&str] = &[
    "token_hash",
    "access_hash",
    "download_hash",
    "key_hash",
    "request_hash",
    "secrets",
    "archive",
    "location",
];

/// Whose data: the accounts, the people and their addresses.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// Accounts.
    pub accounts: Vec<String>,
    /// People (user ids).
    pub users: Vec<String>,
    /// Their addresses.
    pub emails: Vec<String>,
}

impl Subject {
    /// The accounts, and the people of `rows` (`id`, `email`).
    fn of(accounts: &[String], rows: &[Row]) -> Result<Self, DbError> {
        let mut subject = Subject {
            accounts: accounts.to_vec(),
            ..Subject::default()
        };
        for r in rows {
            subject.users.push(r.text(0)?);
            subject.emails.push(r.text(1)?);
        }
        Ok(subject)
    }

    /// `rows` with its markers expanded: `{A}`, `{U}` and `{E}` as lists of the accounts, the
    /// people and the addresses; `{E~column}` as "column mentions one of the addresses".
    fn condition(&self, rows: &str) -> (String, Vec<Value>) {
        let mut sql = String::new();
        let mut params: Vec<Value> = Vec::new();
        let mut rest = rows;
        while let (Some(open), Some(close)) = (rest.find('{'), rest.find('}')) {
            sql.push_str(&rest[..open]);
            let marker = &rest[open + 1..close];
            if let Some(column) = marker.strip_prefix("E~") {
                let mentions: Vec<String> = self
                    .emails
                    .iter()
                    .map(|e| {
                        params.push(format!("%{e}%").into());
                        format!("{column} LIKE ${}", params.len())
                    })
                    .collect();
                if mentions.is_empty() {
                    sql.push_str("(1 = 0)");
                } else {
                    sql.push_str(&format!("({})", mentions.join(" OR ")));
                }
            } else {
                let ids = match marker {
                    "A" => &self.accounts,
                    "U" => &self.users,
                    _ => &self.emails,
                };
                let (list, values) = placeholders(ids, params.len());
                sql.push_str(&list);
                params.extend(values);
            }
            rest = &rest[close + 1..];
        }
        sql.push_str(rest);
        (sql, params)
    }

    /// Adds the addresses the accounts invited that belong to nobody with an account here (the
    /// invitation is all we hold of them, so they are the accounts' data too).
    fn with_invitees(mut self, db: &dyn Db) -> Result<Self, DbError> {
        let (list, params) = placeholders(&self.accounts, 0);
        for r in db.query(
            &format!(
                "SELECT DISTINCT i.email FROM invitations i
                  WHERE i.account_id IN {list}
                    AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = i.email) ORDER BY 1"
            ),
            &params,
        )? {
            let email = r.text(0)?;
            if !self.emails.contains(&email) {
                self.emails.push(email);
            }
        }
        Ok(self)
    }
}

/// The people and addresses of `accounts`, plus `email`'s own: who an export covers.
pub fn export_subject(db: &dyn Db, accounts: &[String], email: &str) -> Result<Subject, DbError> {
    let (list, mut params) = placeholders(accounts, 0);
    params.push(email.into());
    let n = params.len();
    let rows = db.query(
        &format!(
            "SELECT u.id, u.email FROM users u
              WHERE u.email = ${n}
                 OR u.id IN (SELECT m.user_id FROM memberships m WHERE m.account_id IN {list})
              ORDER BY u.id"
        ),
        &params,
    )?;
    let mut subject = Subject::of(accounts, &rows)?;
    if !subject.emails.iter().any(|e| e == email) {
        subject.emails.push(email.to_string());
    }
    subject.with_invitees(db)
}

/// Who an erasure covers: the accounts; the people who belong to no other account (and, when
/// the request came from a proven address rather than a signed-in owner, that person too).
pub fn erasure_subject(
    db: &dyn Db,
    accounts: &[String],
    email: &str,
    include_requester: bool,
) -> Result<Subject, DbError> {
    let (list, mut params) = placeholders(accounts, 0);
    let (list_again, more) = placeholders(accounts, params.len());
    params.extend(more);
    let requester = if include_requester {
        params.push(email.into());
        format!("u.email = ${} OR ", params.len())
    } else {
        String::new()
    };
    let rows = db.query(
        &format!(
            "SELECT u.id, u.email FROM users u
              WHERE {requester}(u.id IN (SELECT m.user_id FROM memberships m WHERE m.account_id IN {list})
                     AND NOT EXISTS (SELECT 1 FROM memberships o
                                      WHERE o.user_id = u.id AND o.account_id NOT IN {list_again}))
              ORDER BY u.id"
        ),
        &params,
    )?;
    let mut subject = Subject::of(accounts, &rows)?;
    if include_requester && !subject.emails.iter().any(|e| e == email) {
        subject.emails.push(email.to_string());
    }
    subject.with_invitees(db)
}

/// The columns of `table` in the live schema, in order.
fn columns(db: &dyn Db, table: &str) -> Result<Vec<String>, DbError> {
    let sql = match db.dialect() {
        Dialect::Sqlite => "SELECT name FROM pragma_table_info($1) ORDER BY cid",
        Dialect::Postgres => {
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    db.query(sql, &[table.into()])?
        .iter()
        .map(|r| r.text(0))
        .collect()
}

/// The subject's rows of every table in [`TABLES`], as JSON arrays of objects by column name.
pub fn export_rows(db: &dyn Db, subject: &Subject) -> Result<Vec<(&'static str, Json)>, DbError> {
    let mut out = Vec::new();
    for table in TABLES {
        let names: Vec<String> = columns(db, table.name)?
            .into_iter()
            .filter(|c| !LEFT_OUT.contains(&c.as_str()))
            .collect();
        let (condition, params) = subject.condition(table.rows);
        let rows = db.query(
            &format!(
                "SELECT {} FROM {} WHERE {condition} ORDER BY 1",
                names.join(", "),
                table.name
            ),
            &params,
        )?;
        let objects: Vec<Json> = rows
            .iter()
            .map(|r| {
                let mut o = Map::new();
                for (name, value) in names.iter().zip(&r.0) {
                    o.insert(name.clone(), value.to_json());
                }
                Json::Object(o)
            })
            .collect();
        out.push((table.name, Json::Array(objects)));
    }
    Ok(out)
}

/// What Article 15 asks to be told besides the data: purposes, recipients, retention, source,
/// and the person's rights.
pub fn about() -> Json {
    json!({
        "controller": "Pulse (planapulse), account@planapulse.ai",
        "purposes": [
            "Providing the account portal: signing in, teams, workspaces, licenses (contract, Article 6(1)(b))",
            "Billing, invoices and refunds (contract and legal obligation, Article 6(1)(b) and (c))",
            "Security: sessions, the activity log and rate limits (legitimate interest, Article 6(1)(f))",
            "Answering support, export and deletion requests (legal obligation, Article 6(1)(c))"
        ],
        "recipients": [
            "Stripe, Inc. (payments: customer, subscription and invoice data)",
            "The email delivery service that sends the portal's mail (recipient, subject and text)",
            "Pulse's hosting provisioner (the workspaces' settings)"
        ],
        "retention": {
            "account, people, memberships, workspaces, licenses, subscriptions": "while the account exists; erased or anonymised on deletion",
            "invoices": "ten years after issue, as tax law requires; kept after deletion without the name and address they were issued to",
            "sessions": "until they expire (30 days) or are revoked",
            "activity log": "while the account exists; on deletion its details and addresses are erased",
            "emails sent": "while the account exists",
            "export archives": "seven days after they are ready"
        },
        "source": "Everything here was given by the account's people or recorded by the portal as they used it; payment status comes from Stripe.",
        "rights": "You may ask for rectification, erasure, restriction or portability, object to processing, and complain to a supervisory authority."
    })
}

/// The export archive's README: what each file holds.
pub fn readme(request_id: &str, email: &str, generated_at: &str) -> String {
    let mut s = format!(
        "# Your Pulse Account data\n\nExport {request_id}, asked for by {email}, made {generated_at}.\n\n\
         Each file is a JSON array of objects, one per row, with the fields as the portal stores them \
         (times in UTC, amounts in minor units of their currency). Credentials — token hashes and \
         stored integration secrets — are left out.\n\n\
         | file | what it holds |\n|---|---|\n"
    );
    for t in TABLES {
        s.push_str(&format!("| {}.json | {} |\n", t.name, t.holds));
    }
    s.push_str(
        "| about.json | Why we hold this data, who receives it, how long we keep it, where it came from and your rights (GDPR Article 15). |\n",
    );
    s
}

/// A request a worker run takes up.
#[derive(Debug, Clone)]
pub struct Due {
    /// The request.
    pub request: DataRequest,
    /// Whether a signed-in owner asked (else a proven address).
    pub signed_in: bool,
    /// Attempts so far.
    pub attempts: i64,
}

/// Exports queued and deletions whose grace period is over at `now`, oldest first.
pub fn due(db: &dyn Db, now: i64, limit: i64) -> Result<Vec<Due>, DbError> {
    db.query(
        &format!(
            "SELECT {REQUEST_COLUMNS}, requested_by, attempts FROM data_requests
              WHERE ((kind = 'export' AND status = 'queued')
                     OR (kind = 'deletion' AND status = 'scheduled' AND execute_after <= $1))
                AND (claimed_until IS NULL OR claimed_until <= $1)
              ORDER BY created_at, id LIMIT $2"
        ),
        &[rfc3339(now).into(), limit.into()],
    )?
    .iter()
    .map(|r| {
        Ok(Due {
            request: data_request(r)?,
            signed_in: r.opt_text(13)?.is_some(),
            attempts: r.int(14)?,
        })
    })
    .collect()
}

/// How long a worker may hold a request before another may take it up.
const CLAIM_SECONDS: i64 = 300;

/// Claims a due request for this worker at `now`: exactly one of several workers that try at
/// once gets it.
pub fn claim(db: &dyn Db, id: &str, now: i64) -> Result<bool, DbError> {
    Ok(db.execute(
        "UPDATE data_requests SET claimed_until = $1
          WHERE id = $2 AND status IN ('queued', 'scheduled')
            AND (claimed_until IS NULL OR claimed_until <= $3)",
        &[
            rfc3339(now + CLAIM_SECONDS).into(),
            id.into(),
            rfc3339(now).into(),
        ],
    )? == 1)
}

/// Stores a ready archive; returns the token of its download link.
pub fn archive_ready(db: &dyn Db, id: &str, zip: &[u8], now: i64) -> Result<String, DbError> {
    use base64::Engine;
    let token = new_secret();
    db.execute(
        "UPDATE data_requests SET status = 'ready', archive = $1, archive_bytes = $2,
                archive_expires_at = $3, completed_at = $4, download_hash = $5, last_error = NULL,
                claimed_until = NULL
          WHERE id = $6 AND status = 'queued'",
        &[
            base64::engine::general_purpose::STANDARD.encode(zip).into(),
            (zip.len() as i64).into(),
            rfc3339(now + ARCHIVE_DAYS * 86_400).into(),
            rfc3339(now).into(),
            hash_secret(&token).into(),
            id.into(),
        ],
    )?;
    Ok(token)
}

/// Removes the archives whose download period is over at `now`; returns how many.
pub fn expire_archives(db: &dyn Db, now: i64) -> Result<u64, DbError> {
    db.execute(
        "UPDATE data_requests SET status = 'expired', archive = NULL
          WHERE status = 'ready' AND archive_expires_at <= $1",
        &[rfc3339(now).into()],
    )
}

/// Records a failed attempt; after a few the request is marked failed.
pub fn attempt_failed(db: &dyn Db, due: &Due, why: &str) -> Result<(), DbError> {
    db.execute(
        "UPDATE data_requests SET attempts = attempts + 1, last_error = $1, claimed_until = NULL,
                status = CASE WHEN attempts + 1 >= $2 THEN 'failed' ELSE status END
          WHERE id = $3",
        &[
            why.into(),
            MAX_ATTEMPTS.into(),
            due.request.id.as_str().into(),
        ],
    )?;
    Ok(())
}

/// Marks a deletion that could not proceed (the reason in words) as failed.
pub fn deletion_refused(db: &dyn Db, id: &str, why: &str, now: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE data_requests SET status = 'failed', last_error = $1, completed_at = $2 WHERE id = $3",
        &[why.into(), rfc3339(now).into(), id.into()],
    )?;
    Ok(())
}

/// Erases the subject's data as [`TABLES`] says, and records it in each account's activity log
/// without personal data. Call inside a transaction.
pub fn erase(db: &dyn Db, request_id: &str, subject: &Subject, now: i64) -> Result<(), DbError> {
    for table in TABLES {
        let (condition, params) = subject.condition(table.rows);
        match table.erase {
            Erase::Delete => {
                db.execute(
                    &format!("DELETE FROM {} WHERE {condition}", table.name),
                    &params,
                )?;
            }
            Erase::Overwrite(set) => {
                db.execute(
                    &format!("UPDATE {} SET {set} WHERE {condition}", table.name),
                    &params,
                )?;
            }
            Erase::Keep(_) => {}
        }
    }
    db.execute(
        "UPDATE data_requests SET status = 'done', completed_at = $1 WHERE id = $2",
        &[rfc3339(now).into(), request_id.into()],
    )?;
    for account in &subject.accounts {
        super::audit::record_by_portal(
            db,
            account,
            "account.erased",
            request_id,
            "The account's personal data was erased on request (GDPR Article 17).",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use crate::zone::Zone;

    #[test]
    fn a_blocker_says_what_stops_the_erasure_in_the_readers_words() {
        let running = Blocker::Subscription {
            plan: "Cloud Pro".into(),
            status: "past_due".into(),
        };
        assert_eq!(
            running.words(Reader::default()),
            "The subscription Cloud Pro is past due: cancel it and wait for its period to end."
        );
        let bg = Reader::new(Locale::Bg, Zone::UTC);
        assert_eq!(
            running.words(bg),
            "Абонаментът Cloud Pro е със състояние „просрочена“: прекратете го и изчакайте да изтече периодът му."
        );
        let workspace = Blocker::Workspace {
            name: "acme".into(),
            status: "active".into(),
        };
        assert_eq!(
            blockers_in_words(&[workspace], bg),
            ["Работното пространство acme е със състояние „активен“: първо го изтрийте."]
        );
    }
}
