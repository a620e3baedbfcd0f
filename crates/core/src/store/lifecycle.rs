//! A workspace's lifecycle after creation: suspend, resume, delete (after a grace period during
//! which it can be restored). Each step changes the tenant and enqueues its provisioning job in
//! one transaction the caller opens; a step that does not fit the tenant's state is refused
//! with the reason, and a workspace a live subscription pays for is never deleted.

use crate::i18n::{Reader, msg};
use serde_json::json;

use super::provisioning::{self, Action};
use super::tenants::{self, Tenant};
use crate::db::{Db, DbError};
use crate::time::rfc3339;

/// How long a deleted workspace can be restored.
pub const GRACE_SECONDS: i64 = 7 * 86_400;

/// A lifecycle step a person asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Stop serving the workspace, keeping its data.
    Suspend,
    /// Serve a suspended workspace again.
    Resume,
    /// Delete it once the grace period is over.
    Delete,
    /// Undo a deletion during the grace period.
    Restore,
}

impl Step {
    /// The step a path segment names.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "suspend" => Some(Step::Suspend),
            "resume" => Some(Step::Resume),
            "delete" => Some(Step::Delete),
            "restore" => Some(Step::Restore),
            _ => None,
        }
    }

    /// The path segment and audit verb.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Suspend => "suspend",
            Step::Resume => "resume",
            Step::Delete => "delete",
            Step::Restore => "restore",
        }
    }

    /// Whether the step needs a verification from the last ten minutes (restoring only undoes).
    pub fn needs_fresh_verification(self) -> bool {
        self != Step::Restore
    }

    /// The statuses the step starts from.
    fn from(self) -> &'static [&'static str] {
        match self {
            Step::Suspend => &["active"],
            Step::Resume => &["suspended"],
            Step::Delete => &["active", "suspended", "failed"],
            Step::Restore => &["deleting"],
        }
    }
}

/// Why a step was refused, in words for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such workspace in the account.
    NotFound,
    /// The workspace's state does not allow the step.
    State(String),
    /// A subscription that still runs pays for the workspace.
    PaidFor {
        /// The subscription's plan.
        plan: String,
        /// `sub_...`
        subscription: String,
    },
}

impl Refused {
    /// Why the step was refused and what to do, in the reader's words.
    pub fn words(&self, r: Reader) -> String {
        match self {
            Refused::NotFound => r.tr("No such workspace.").to_string(),
            Refused::State(why) => r.tr(why).to_string(),
            Refused::PaidFor { plan, subscription } => r.fill(
                "The {plan} subscription ({subscription}) pays for this workspace and is still active. Cancel it on the Billing page first, then delete the workspace.",
                &[("plan", plan), ("subscription", subscription)],
            ),
        }
    }
}

fn refused_state(step: Step, status: &str) -> Refused {
    let why = match (step, status) {
        (Step::Suspend, "suspended") => msg("The workspace is already suspended.").to_string(),
        (Step::Resume, "active") => msg("The workspace is already running.").to_string(),
        (Step::Restore, _) => {
            msg("Only a workspace waiting for deletion can be restored.").to_string()
        }
        (_, "provisioning") => {
            msg("The workspace is still being created. Try again once it is active.").to_string()
        }
        (_, "deleting") => {
            msg("The workspace is waiting for deletion. Restore it first to change it.").to_string()
        }
        (Step::Suspend, _) => msg("The workspace cannot be suspended now.").to_string(),
        (Step::Resume, _) => msg("The workspace cannot be resumed now.").to_string(),
        (Step::Delete, _) => msg("The workspace cannot be deleted now.").to_string(),
    };
    Refused::State(why)
}

/// Applies `step` to the account's workspace `tenant_id` at `now`. Call inside a transaction.
pub fn apply(
    db: &dyn Db,
    account_id: &str,
    tenant_id: &str,
    step: Step,
    now: i64,
) -> Result<Result<Tenant, Refused>, DbError> {
    let Some((tenant, _)) = tenants::find_for_account(db, account_id, tenant_id)? else {
        return Ok(Err(Refused::NotFound));
    };
    if !step.from().contains(&tenant.status.as_str()) {
        return Ok(Err(refused_state(step, &tenant.status)));
    }
    let (to, delete_after) = match step {
        Step::Suspend => ("suspended", None),
        Step::Resume => ("active", None),
        Step::Delete => {
            if let Some(paying) = db.query_opt(
                "SELECT id, plan FROM subscriptions
                  WHERE tenant_id = $1 AND status IN ('trialing', 'active', 'past_due')",
                &[tenant_id.into()],
            )? {
                return Ok(Err(Refused::PaidFor {
                    plan: paying.text(1)?,
                    subscription: paying.text(0)?,
                }));
            }
            ("deleting", Some(now + GRACE_SECONDS))
        }
        Step::Restore => {
            // The deletion job waits for the grace period; once it has gone out, it is too late.
            let Some(job) = db.query_opt(
                "SELECT id, payload FROM provisioning_jobs
                  WHERE tenant_id = $1 AND action = 'delete' AND delivered_at IS NULL",
                &[tenant_id.into()],
            )?
            else {
                return Ok(Err(Refused::State(
                    msg("The deletion has already started and can no longer be undone.").into(),
                )));
            };
            db.execute(
                "DELETE FROM provisioning_jobs WHERE id = $1",
                &[job.text(0)?.into()],
            )?;
            let payload: serde_json::Value =
                serde_json::from_str(&job.text(1)?).unwrap_or_default();
            let before = match payload["from"].as_str() {
                Some("suspended") => "suspended",
                Some("failed") => "failed",
                _ => "active",
            };
            (before, None)
        }
    };
    let changed = db.execute(
        "UPDATE tenants SET status = $1, delete_after = $2 WHERE id = $3 AND status = $4",
        &[
            to.into(),
            delete_after.map(rfc3339).into(),
            tenant_id.into(),
            tenant.status.as_str().into(),
        ],
    )?;
    if changed != 1 {
        // Changed by someone else since it was read: the step no longer fits.
        return Ok(Err(refused_state(step, "changed")));
    }
    let job = match step {
        Step::Suspend => Some((Action::Suspend, now)),
        Step::Resume => Some((Action::Resume, now)),
        Step::Delete => Some((Action::Delete, now + GRACE_SECONDS)),
        Step::Restore => None,
    };
    if let Some((action, due)) = job {
        provisioning::enqueue(
            db,
            tenant_id,
            action,
            &json!({ "tenant": tenant.id, "hostname": tenant.hostname, "from": tenant.status }),
            now,
            due,
        )?;
    }
    Ok(Ok(Tenant {
        status: to.to_string(),
        delete_after: delete_after.map(rfc3339),
        ..tenant
    }))
}
