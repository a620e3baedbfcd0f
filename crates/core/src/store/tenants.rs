//! Cloud tenants: one tenant is one hosted workspace at `{slug}.planapulse.app`.

use serde::Serialize;

use super::lists::List;
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
    /// Full host name (`acme.planapulse.app`), which is also the tenant's database name.
    pub hostname: String,
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

/// The columns [`tenant`] reads, over `tenants t`.
pub(crate) const TENANT_COLUMNS: &[&str] = &[
    "t.id",
    "t.account_id",
    "t.slug",
    "t.hostname",
    "t.name",
    "t.status",
    "t.plan",
    "t.region",
    "t.created_at",
];

/// Decodes a row of [`TENANT_COLUMNS`].
pub(crate) fn tenant(r: &Row) -> Result<Tenant, DbError> {
    Ok(Tenant {
        id: r.text(0)?,
        account_id: r.text(1)?,
        slug: r.text(2)?,
        hostname: r.text(3)?,
        name: r.text(4)?,
        status: r.text(5)?,
        plan: r.text(6)?,
        region: r.text(7)?,
        created_at: r.text(8)?,
    })
}

/// The tenants of the account `$1` that are not deleted, oldest first.
pub(crate) const ACCOUNT_TENANTS: List<'static> = List {
    columns: TENANT_COLUMNS,
    from: "tenants t WHERE t.account_id = $1 AND t.status <> 'deleted'",
    order_by: "t.created_at",
    limit: None,
};

/// The tenants of every client of the provider `$1`, by slug.
pub(crate) const PROVIDER_TENANTS: List<'static> = List {
    columns: TENANT_COLUMNS,
    from: "tenants t JOIN accounts c ON c.id = t.account_id \
           WHERE c.provider_id = $1 AND t.status <> 'deleted'",
    order_by: "t.slug",
    limit: None,
};

/// The account's tenants that are not deleted, oldest first.
pub fn list_for_account(db: &dyn Db, account_id: &str) -> Result<Vec<Tenant>, DbError> {
    super::lists::select(db, ACCOUNT_TENANTS, &[account_id.into()], tenant)
}

/// The host name of the live tenant `slug` names, if any (for the BOS catch-all).
pub fn live_hostname(db: &dyn Db, slug: &str) -> Result<Option<String>, DbError> {
    db.query_opt(
        "SELECT hostname FROM tenants WHERE slug = $1 AND status IN ('active', 'suspended', 'provisioning')",
        &[slug.into()],
    )?
    .map(|r| r.text(0))
    .transpose()
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

/// One tenant with its alias host names, only if it belongs to `account_id` (another
/// account's id is `None`, never data), in one statement.
pub fn find_for_account(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Option<(Tenant, Vec<String>)>, DbError> {
    let [tenants, aliases] = super::lists::read(
        db,
        [
            List {
                columns: TENANT_COLUMNS,
                from: "tenants t WHERE t.id = $1 AND t.account_id = $2 AND t.status <> 'deleted'",
                order_by: "t.id",
                limit: None,
            },
            List {
                columns: &["ta.hostname"],
                from: "tenant_aliases ta JOIN tenants t ON t.id = ta.tenant_id \
                       WHERE t.id = $1 AND t.account_id = $2 AND t.status <> 'deleted'",
                order_by: "ta.hostname",
                limit: None,
            },
        ],
        &[id.into(), account_id.into()],
    )?;
    let Some(tenant) = tenants.first().map(tenant).transpose()? else {
        return Ok(None);
    };
    let aliases = aliases
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_, _>>()?;
    Ok(Some((tenant, aliases)))
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
