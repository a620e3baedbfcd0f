//! Each workspace's integrations: on or off, settings, and secrets that are stored for the
//! provisioner but never read back into a page or an API answer.

use std::collections::BTreeMap;

use serde::Serialize;

use super::lists::{List, read};
use super::tenants::{self, Tenant};
use crate::db::{Db, DbError};
use crate::integrations::{self, Entry};
use crate::time::rfc3339;

/// One integration of a workspace as it may be shown: secrets only by name.
#[derive(Debug, Clone, Serialize)]
pub struct State {
    /// Catalog key.
    pub integration: String,
    /// On or off.
    pub enabled: bool,
    /// The non-secret settings.
    pub settings: BTreeMap<String, String>,
    /// The names of the secrets that are set (never their values).
    pub secrets_set: Vec<String>,
    /// Last changed.
    pub updated_at: Option<String>,
}

fn parse(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// The account's workspace `tenant_id` with every catalog entry's state (`None` when it is
/// not the account's), in one statement.
pub fn for_tenant(
    db: &dyn Db,
    account_id: &str,
    tenant_id: &str,
) -> Result<Option<(Tenant, Vec<State>)>, DbError> {
    let [tenant, rows] = read(
        db,
        [
            tenants::ONE_TENANT,
            List {
                columns: &[
                    "ti.integration",
                    "ti.enabled",
                    "ti.settings",
                    "ti.secrets",
                    "ti.updated_at",
                ],
                from: "tenant_integrations ti JOIN tenants t ON t.id = ti.tenant_id \
                       WHERE t.id = $1 AND t.account_id = $2 AND t.status <> 'deleted'",
                order_by: "ti.integration",
                limit: None,
            },
        ],
        &[tenant_id.into(), account_id.into()],
    )?;
    let Some(tenant) = tenant.first().map(tenants::tenant).transpose()? else {
        return Ok(None);
    };
    let mut states = Vec::new();
    for e in integrations::CATALOG {
        let row = rows
            .iter()
            .find(|r| r.text(0).ok().as_deref() == Some(e.key));
        states.push(match row {
            Some(r) => State {
                integration: e.key.to_string(),
                enabled: r.flag(1)?,
                settings: parse(&r.text(2)?),
                secrets_set: parse(&r.text(3)?).into_keys().collect(),
                updated_at: r.opt_text(4)?,
            },
            None => State {
                integration: e.key.to_string(),
                enabled: false,
                settings: BTreeMap::new(),
                secrets_set: Vec::new(),
                updated_at: None,
            },
        });
    }
    Ok(Some((tenant, states)))
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such workspace in the account.
    NotFound,
    /// Each field that is wrong and why.
    Fields(Vec<(String, String)>),
}

/// Configures and turns on `entry` for the workspace (a secret left empty keeps the stored
/// one). Call inside a transaction.
pub fn enable(
    db: &dyn Db,
    account_id: &str,
    tenant_id: &str,
    entry: &Entry,
    input: &BTreeMap<String, String>,
    now: i64,
) -> Result<Result<(), Refused>, DbError> {
    let owned = db
        .query_opt(
            "SELECT 1 FROM tenants WHERE id = $1 AND account_id = $2 AND status <> 'deleted'",
            &[tenant_id.into(), account_id.into()],
        )?
        .is_some();
    if !owned {
        return Ok(Err(Refused::NotFound));
    }
    let stored = db
        .query_opt(
            "SELECT secrets FROM tenant_integrations WHERE tenant_id = $1 AND integration = $2",
            &[tenant_id.into(), entry.key.into()],
        )?
        .map(|r| r.text(0))
        .transpose()?
        .map(|s| parse(&s))
        .unwrap_or_default();
    let (settings, secrets) = match integrations::check(entry, input, &stored) {
        Ok(checked) => checked,
        Err(errors) => return Ok(Err(Refused::Fields(errors))),
    };
    let settings = serde_json::to_string(&settings).unwrap_or_default();
    let secrets = serde_json::to_string(&secrets).unwrap_or_default();
    db.execute(
        "INSERT INTO tenant_integrations (tenant_id, integration, enabled, settings, secrets, updated_at)
         VALUES ($1, $2, 1, $3, $4, $5)
         ON CONFLICT (tenant_id, integration)
         DO UPDATE SET enabled = 1, settings = $3, secrets = $4, updated_at = $5",
        &[
            tenant_id.into(),
            entry.key.into(),
            settings.into(),
            secrets.into(),
            rfc3339(now).into(),
        ],
    )?;
    Ok(Ok(()))
}

/// Turns `entry` off for the workspace, keeping its settings for next time; `false` when it
/// was not on (or the workspace is not the account's).
pub fn disable(
    db: &dyn Db,
    account_id: &str,
    tenant_id: &str,
    entry: &Entry,
    now: i64,
) -> Result<bool, DbError> {
    Ok(db.execute(
        "UPDATE tenant_integrations SET enabled = 0, updated_at = $1
          WHERE tenant_id = $2 AND integration = $3 AND enabled = 1
            AND tenant_id IN (SELECT id FROM tenants WHERE account_id = $4)",
        &[
            rfc3339(now).into(),
            tenant_id.into(),
            entry.key.into(),
            account_id.into(),
        ],
    )? == 1)
}
