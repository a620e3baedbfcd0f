//! Cloud tenants: one tenant is one hosted workspace at `{slug}.planapulse.app`.

use serde::Serialize;

use crate::db::{Db, DbError, Row};

/// A hosted tenant.
#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    /// `ten_...`
    pub id: String,
    /// The owning account.
    pub account_id: String,
    /// Workspace slug: the host name's first label.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// provisioning, active, suspended or deleted.
    pub status: String,
    /// Plan name.
    pub plan: String,
    /// Region.
    pub region: String,
    /// Created.
    pub created_at: String,
}

const COLUMNS: &str = "id, account_id, slug, name, status, plan, region, created_at";

fn tenant(r: &Row) -> Result<Tenant, DbError> {
    Ok(Tenant {
        id: r.text(0)?,
        account_id: r.text(1)?,
        slug: r.text(2)?,
        name: r.text(3)?,
        status: r.text(4)?,
        plan: r.text(5)?,
        region: r.text(6)?,
        created_at: r.text(7)?,
    })
}

/// The account's tenants that are not deleted, newest last.
pub fn list_for_account(db: &dyn Db, account_id: &str) -> Result<Vec<Tenant>, DbError> {
    db.query(
        &format!(
            "SELECT {COLUMNS} FROM tenants WHERE account_id = $1 AND status <> 'deleted' ORDER BY created_at"
        ),
        &[account_id.into()],
    )?
    .iter()
    .map(tenant)
    .collect()
}

/// The tenants of every client of an MSP provider.
pub fn list_for_provider(db: &dyn Db, provider_id: &str) -> Result<Vec<Tenant>, DbError> {
    db.query(
        &format!(
            "SELECT {} FROM tenants t JOIN accounts a ON a.id = t.account_id
              WHERE a.provider_id = $1 AND t.status <> 'deleted' ORDER BY t.slug",
            COLUMNS
                .split(", ")
                .map(|c| format!("t.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &[provider_id.into()],
    )?
    .iter()
    .map(tenant)
    .collect()
}

/// Whether a workspace slug belongs to a live tenant (for the BOS catch-all).
pub fn slug_is_live(db: &dyn Db, slug: &str) -> Result<bool, DbError> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM tenants WHERE slug = $1 AND status IN ('active', 'suspended', 'provisioning')",
            &[slug.into()],
        )?
        .is_some())
}

/// Whether `slug` is a well-formed workspace name: a DNS label of lower-case letters, digits
/// and inner hyphens, 3 to 40 characters.
pub fn valid_slug(slug: &str) -> bool {
    (3..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::valid_slug;

    #[test]
    fn slugs_are_dns_labels() {
        assert!(valid_slug("acme"));
        assert!(valid_slug("acme-staging-2"));
        assert!(!valid_slug("ac"));
        assert!(!valid_slug("Acme"));
        assert!(!valid_slug("-acme"));
        assert!(!valid_slug("acme.app"));
    }
}

/// One tenant, only if it belongs to `account_id` (another account's id is `None`, never data).
pub fn find_for_account(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Option<Tenant>, DbError> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM tenants WHERE id = $1 AND account_id = $2 AND status <> 'deleted'"),
        &[id.into(), account_id.into()],
    )?
    .as_ref()
    .map(tenant)
    .transpose()
}

/// A template a tenant can be created from.
#[derive(Debug, Clone, Serialize)]
pub struct Template {
    /// `tpl_...`
    pub id: String,
    /// Display name.
    pub name: String,
    /// basic or pro.
    pub edition: String,
    /// Odoo major version.
    pub odoo_version: String,
}

/// Every template, newest version first.
pub fn templates(db: &dyn Db) -> Result<Vec<Template>, DbError> {
    db.query(
        "SELECT id, name, edition, odoo_version FROM templates ORDER BY odoo_version DESC, edition",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(Template {
            id: r.text(0)?,
            name: r.text(1)?,
            edition: r.text(2)?,
            odoo_version: r.text(3)?,
        })
    })
    .collect()
}

/// The tenant's alias host names.
pub fn aliases(db: &dyn Db, tenant_id: &str) -> Result<Vec<String>, DbError> {
    db.query(
        "SELECT hostname FROM tenant_aliases WHERE tenant_id = $1 ORDER BY hostname",
        &[tenant_id.into()],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}
