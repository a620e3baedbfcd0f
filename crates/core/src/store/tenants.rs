//! Cloud tenants: one tenant is one hosted workspace at `{slug}.planapulse.app`.

use crate::i18n::msg;
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
    /// provisioning, active, suspended, deleting, deleted or failed.
    pub status: String,
    /// Plan name.
    pub plan: String,
    /// Region.
    pub region: String,
    /// Created.
    pub created_at: String,
    /// Provisioned by the portal itself, with no provisioner configured (local mode).
    pub provisioned_locally: bool,
    /// While `deleting`: when the grace period ends and the deletion goes ahead.
    pub delete_after: Option<String>,
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
    "t.provisioned_locally",
    "t.delete_after",
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
        provisioned_locally: r.flag(9)?,
        delete_after: r.opt_text(10)?,
    })
}

/// The tenants of the account `$1` that are not deleted, oldest first.
pub(crate) const ACCOUNT_TENANTS: List<'static> = List {
    columns: TENANT_COLUMNS,
    from: "tenants t WHERE t.account_id = $1 AND t.status <> 'deleted'",
    order_by: "t.created_at",
    limit: Some(super::lists::SHOWN),
};

/// The tenants of every client of the provider `$1`, by slug.
pub(crate) const PROVIDER_TENANTS: List<'static> = List {
    columns: TENANT_COLUMNS,
    from: "tenants t JOIN accounts c ON c.id = t.account_id \
           WHERE c.provider_id = $1 AND t.status <> 'deleted' \
             AND EXISTS (SELECT 1 FROM access_grants g WHERE g.provider_id = $1 \
                         AND g.client_id = c.id AND g.status = 'approved' AND g.expires_at > $2)",
    order_by: "t.slug",
    limit: Some(super::lists::SHOWN),
};

/// The account's tenants that are not deleted, oldest first.
pub fn list_for_account(db: &dyn Db, account_id: &str) -> Result<Vec<Tenant>, DbError> {
    super::lists::select(db, ACCOUNT_TENANTS, &[account_id.into()], tenant)
}

/// A page of the account's tenants that are not deleted, oldest first.
pub fn page_for_account(
    db: &dyn Db,
    account_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<Tenant>, bool), DbError> {
    super::lists::page(db, ACCOUNT_TENANTS, &[account_id.into()], page, tenant)
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

/// Names no workspace may take: backbone host names, the first labels of the template
/// databases' host names, and every first path segment the portal itself routes (a workspace
/// named `billing` would be unreachable at `/billing`).
pub const RESERVED_SLUGS: &[&str] = &[
    // Backbone host names.
    "www",
    "api",
    "admin",
    "auth",
    "mail",
    "my",
    "docs",
    "status",
    "app",
    "portal",
    "support",
    "help",
    "static",
    "cdn",
    "assets",
    "smtp",
    "imap",
    "ns1",
    "ns2",
    "root",
    "pulse",
    // Template databases.
    "basic-template",
    "pro-template",
    "basic-template-18",
    "pro-template-18",
    "basic-template-19",
    "pro-template-19",
    "template",
    // The portal's own routes (spin.toml).
    "accounts",
    "activity",
    "billing",
    "cloud",
    "dashboard",
    "data",
    "dev",
    "healthz",
    "integrations",
    "licenses",
    "login",
    "logout",
    "manage",
    "msp",
    "privacy",
    "profile",
    "recover",
    "refund",
    "retrieve-license",
    "security",
    "team",
    "well-known",
];

/// Why `slug` cannot name a workspace, in words for the person who typed it, or `None` when it
/// can: a DNS label of lower-case letters, digits and inner hyphens, 3 to 63 characters, not
/// reserved. (Whether it is free is the database's to say.)
pub fn slug_problem(slug: &str) -> Option<&'static str> {
    if slug.len() < 3 || slug.len() > 63 {
        return Some(msg("Use 3 to 63 characters."));
    }
    if !slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some(msg(
            "Use only lower-case letters a to z, digits and hyphens.",
        ));
    }
    if slug.starts_with('-') || slug.ends_with('-') {
        return Some(msg("Start and end with a letter or a digit, not a hyphen."));
    }
    if slug.contains("--") {
        return Some(msg(
            "Use single hyphens: a double hyphen is kept for test copies.",
        ));
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Some(msg("This name is reserved by Pulse. Choose another one."));
    }
    None
}

/// Whether `slug` could name a workspace (the catch-all asks before it looks one up).
pub fn valid_slug(slug: &str) -> bool {
    slug_problem(slug).is_none()
}

/// The tenant `$1` if the account `$2` holds it (not deleted).
pub(crate) const ONE_TENANT: List<'static> = List {
    columns: TENANT_COLUMNS,
    from: "tenants t WHERE t.id = $1 AND t.account_id = $2 AND t.status <> 'deleted'",
    order_by: "t.id",
    limit: None,
};

/// The alias host names of that tenant.
const ITS_ALIASES: List<'static> = List {
    columns: &["ta.hostname"],
    from: "tenant_aliases ta JOIN tenants t ON t.id = ta.tenant_id \
           WHERE t.id = $1 AND t.account_id = $2 AND t.status <> 'deleted'",
    order_by: "ta.hostname",
    limit: None,
};

/// One tenant with its alias host names, only if it belongs to `account_id` (another
/// account's id is `None`, never data), in one statement.
pub fn find_for_account(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Option<(Tenant, Vec<String>)>, DbError> {
    let [tenants, aliases] = super::lists::read(
        db,
        [ONE_TENANT, ITS_ALIASES],
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

/// What a workspace's page shows: the workspace, its alias host names and its test copies.
pub struct Detail {
    /// The workspace.
    pub tenant: Tenant,
    /// Alias host names.
    pub aliases: Vec<String>,
    /// Test copies, newest first.
    pub copies: Vec<super::workspace_settings::Copy>,
    /// Backups, newest first.
    pub backups: Vec<super::workspace_settings::Backup>,
}

/// One workspace of the account with its aliases and copies, in one statement (another
/// account's id is `None`, never data).
pub fn find_detail(db: &dyn Db, account_id: &str, id: &str) -> Result<Option<Detail>, DbError> {
    use super::workspace_settings::{BACKUP_COLUMNS, COPY_COLUMNS, backup, copy};
    let [tenants, aliases, copies, backups] = super::lists::read(
        db,
        [
            ONE_TENANT,
            ITS_ALIASES,
            List {
                columns: COPY_COLUMNS,
                from: "tenant_copies c JOIN tenants t ON t.id = c.tenant_id \
                       WHERE t.id = $1 AND t.account_id = $2 AND t.status <> 'deleted'",
                order_by: "c.created_at DESC, c.id DESC",
                limit: Some("20"),
            },
            List {
                columns: BACKUP_COLUMNS,
                from: "tenant_backups b JOIN tenants t ON t.id = b.tenant_id \
                       WHERE t.id = $1 AND t.account_id = $2 AND t.status <> 'deleted'",
                order_by: "b.created_at DESC, b.id DESC",
                limit: Some("10"),
            },
        ],
        &[id.into(), account_id.into()],
    )?;
    let Some(tenant) = tenants.first().map(tenant).transpose()? else {
        return Ok(None);
    };
    Ok(Some(Detail {
        tenant,
        aliases: aliases
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<_, _>>()?,
        copies: copies.iter().map(copy).collect::<Result<_, _>>()?,
        backups: backups.iter().map(backup).collect::<Result<_, _>>()?,
    }))
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
    super::lists::select(db, TEMPLATES, &[], template)
}

/// The templates, newest Odoo version first.
const TEMPLATES: List<'static> = List {
    columns: &["t.id", "t.name", "t.edition", "t.odoo_version"],
    from: "templates t",
    order_by: "t.odoo_version DESC, t.edition",
    limit: None,
};

fn template(r: &Row) -> Result<Template, DbError> {
    Ok(Template {
        id: r.text(0)?,
        name: r.text(1)?,
        edition: r.text(2)?,
        odoo_version: r.text(3)?,
    })
}

/// A page of the templates, newest Odoo version first.
pub fn templates_page(
    db: &dyn Db,
    page: &super::lists::Page,
) -> Result<(Vec<Template>, bool), DbError> {
    super::lists::page(db, TEMPLATES, &[], page, template)
}

/// How many workspaces an account may keep: the largest allowance of its live subscriptions'
/// plans, or [`TRIAL_WORKSPACES`] without one (so a new customer can start).
pub const PLAN_WORKSPACES: &[(&str, i64)] = &[
    ("Pulse Cloud Basic", 1),
    ("Pulse Cloud Pro", 5),
    ("Pulse MSP", 1),
];

/// Workspaces an account with no live Pulse Cloud subscription may keep.
pub const TRIAL_WORKSPACES: i64 = 1;

/// A workspace to create, as the person asked for it.
#[derive(Debug, Clone)]
pub struct NewTenant {
    /// Display name.
    pub name: String,
    /// Workspace slug.
    pub slug: String,
    /// `tpl_...`
    pub template_id: String,
    /// `{workspace_domain}`, such as `planapulse.app`.
    pub domain: String,
}

/// Why a workspace was not created, per field, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateRefused {
    /// Field name and message for each problem in what was typed.
    Fields(Vec<(String, String)>),
    /// The plan's allowance is used up: (allowed, in use).
    Limit(i64, i64),
}

/// Checks the typed name, slug and template, naming each field that is wrong.
pub fn check_new(name: &str, slug: &str, template_id: &str) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        errors.push((
            "name".to_string(),
            msg("Enter a display name of at most 80 characters.").to_string(),
        ));
    }
    if let Some(problem) = slug_problem(slug) {
        errors.push(("slug".to_string(), problem.to_string()));
    }
    if template_id.is_empty() {
        errors.push((
            "template".to_string(),
            msg("Choose the template to start from.").to_string(),
        ));
    }
    errors
}

/// Creates a workspace in `provisioning` and enqueues its `create` job, in one transaction the
/// caller opens. The account row is locked first, so two requests cannot both take the last
/// place the plan allows; the slug's uniqueness is the database's, so two requests for one
/// slug give one workspace and one refusal.
pub fn create(
    db: &dyn Db,
    account_id: &str,
    new: &NewTenant,
    now: i64,
) -> Result<Result<Tenant, CreateRefused>, DbError> {
    let errors = check_new(&new.name, &new.slug, &new.template_id);
    if !errors.is_empty() {
        return Ok(Err(CreateRefused::Fields(errors)));
    }
    db.execute(
        "UPDATE accounts SET name = name WHERE id = $1",
        &[account_id.into()],
    )?;
    let in_use = db
        .query_opt(
            "SELECT COUNT(*) FROM tenants WHERE account_id = $1 AND status <> 'deleted'",
            &[account_id.into()],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let plans = db.query(
        "SELECT plan FROM subscriptions WHERE account_id = $1 AND status IN ('trialing', 'active', 'past_due')",
        &[account_id.into()],
    )?;
    let mut allowed = TRIAL_WORKSPACES;
    for row in &plans {
        let plan = row.text(0)?;
        if let Some((_, n)) = PLAN_WORKSPACES.iter().find(|(p, _)| *p == plan) {
            allowed = allowed.max(*n);
        }
    }
    if in_use >= allowed {
        return Ok(Err(CreateRefused::Limit(allowed, in_use)));
    }
    let Some(template) = db.query_opt(
        "SELECT edition FROM templates WHERE id = $1",
        &[new.template_id.as_str().into()],
    )?
    else {
        return Ok(Err(CreateRefused::Fields(vec![(
            "template".to_string(),
            msg("Choose one of the templates listed.").to_string(),
        )])));
    };
    let plan = match template.text(0)?.as_str() {
        "pro" => "Cloud Pro",
        _ => "Cloud Basic",
    };
    let tenant = Tenant {
        id: crate::ids::new_id("ten"),
        account_id: account_id.to_string(),
        slug: new.slug.clone(),
        hostname: format!("{}.{}", new.slug, new.domain),
        name: new.name.trim().to_string(),
        status: "provisioning".to_string(),
        plan: plan.to_string(),
        region: "eu-central".to_string(),
        created_at: crate::time::rfc3339(now),
        provisioned_locally: false,
        delete_after: None,
    };
    let inserted = db.execute(
        "INSERT INTO tenants (id, account_id, slug, hostname, name, status, template_id, plan, region, created_at)
         VALUES ($1, $2, $3, $4, $5, 'provisioning', $6, $7, $8, $9)",
        &[
            tenant.id.as_str().into(),
            account_id.into(),
            tenant.slug.as_str().into(),
            tenant.hostname.as_str().into(),
            tenant.name.as_str().into(),
            new.template_id.as_str().into(),
            plan.into(),
            tenant.region.as_str().into(),
            tenant.created_at.as_str().into(),
        ],
    );
    match inserted {
        Ok(_) => {}
        Err(DbError::Constraint(_)) => {
            return Ok(Err(CreateRefused::Fields(vec![(
                "slug".to_string(),
                msg("This address is already taken. Choose another name.").to_string(),
            )])));
        }
        Err(other) => return Err(other),
    }
    super::provisioning::enqueue(
        db,
        &tenant.id,
        super::provisioning::Action::Create,
        &serde_json::json!({
            "tenant": tenant.id,
            "slug": tenant.slug,
            "hostname": tenant.hostname,
            "template": new.template_id,
            "plan": plan,
            "region": tenant.region,
        }),
        now,
        now,
    )?;
    Ok(Ok(tenant))
}

/// The running workspace `slug`: its id and account.
pub fn running_by_slug(db: &dyn Db, slug: &str) -> Result<Option<(String, String)>, DbError> {
    db.query_opt(
        "SELECT id, account_id FROM tenants WHERE slug = $1 AND status = 'active'",
        &[slug.into()],
    )?
    .map(|r| Ok((r.text(0)?, r.text(1)?)))
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_dns_labels_that_are_not_reserved() {
        assert_eq!(slug_problem("acme"), None);
        assert_eq!(slug_problem("acme-staging-2"), None);
        assert_eq!(slug_problem(&"a".repeat(63)), None);
        assert!(slug_problem("ac").is_some());
        assert!(slug_problem(&"a".repeat(64)).is_some());
        assert!(slug_problem("Acme").is_some());
        assert!(slug_problem("-acme").is_some());
        assert!(slug_problem("acme-").is_some());
        assert!(slug_problem("acme.app").is_some());
        assert!(slug_problem("acme_app").is_some());
        assert!(slug_problem("acme--test-1").is_some());
        assert!(slug_problem("www").is_some());
        assert!(slug_problem("pro-template-18").is_some());
    }

    #[test]
    fn every_first_path_segment_the_portal_routes_is_reserved() {
        let manifest = include_str!("../../../../spin.toml");
        for line in manifest.lines() {
            let Some(route) = line.strip_prefix("route = \"") else {
                continue;
            };
            let first = route
                .trim_start_matches('/')
                .split(['/', '"'])
                .next()
                .unwrap_or_default()
                .trim_start_matches('.')
                .trim_end_matches(".html");
            if first.is_empty() || first == "..." {
                continue;
            }
            assert!(
                RESERVED_SLUGS.contains(&first) || slug_problem(first).is_some(),
                "route {route} is not reserved as a workspace name"
            );
        }
    }
}
