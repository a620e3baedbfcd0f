//! Ending a subscription at the end of its period (with the reason recorded), and resuming it
//! before then. The payment provider is told first (see the billing area); this records it.

use crate::db::{Db, DbError};
use crate::i18n::msg;
use crate::time::{parse_rfc3339, rfc3339};

/// Why someone ends a subscription: the choices the form offers.
pub const CANCEL_REASONS: &[(&str, &str)] = &[
    ("too_expensive", "It costs too much"),
    ("missing_features", "It lacks something we need"),
    ("switched_service", "We are moving to another service"),
    ("unused", "We no longer use it"),
    ("other", "Something else"),
];

/// A subscription as a change needs it.
#[derive(Debug, Clone)]
pub struct Target {
    /// `sub_...`
    pub id: String,
    /// Plan.
    pub plan: String,
    /// The payment provider's id, when the provider manages it.
    pub provider_id: Option<String>,
}

/// Why a change was refused, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such subscription in the account.
    NotFound,
    /// The subscription's state does not allow it.
    State(String),
}

/// Checks that the account's subscription `id` can be set to end (`cancel`) or resumed, at
/// `now`; returns it.
pub fn check(
    db: &dyn Db,
    account_id: &str,
    id: &str,
    cancel: bool,
    now: i64,
) -> Result<Result<Target, Refused>, DbError> {
    let Some(r) = db.query_opt(
        "SELECT id, plan, status, cancel_at_period_end, current_period_end, provider_id
           FROM subscriptions WHERE id = $1 AND account_id = $2",
        &[id.into(), account_id.into()],
    )?
    else {
        return Ok(Err(Refused::NotFound));
    };
    let (status, ending) = (r.text(2)?, r.flag(3)?);
    let period_end = r.text(4)?;
    let over = parse_rfc3339(&period_end).is_some_and(|end| end <= now);
    let refusal = if status == "cancelled" || over {
        Some(msg("This subscription has ended. Start a new one from the Billing page.").to_string())
    } else if cancel && ending {
        Some(format!(
            "This subscription already ends on {}.",
            crate::time::date_part(&period_end)
        ))
    } else if !cancel && !ending {
        Some(msg("This subscription is not set to end, so there is nothing to resume.").to_string())
    } else {
        None
    };
    if let Some(why) = refusal {
        return Ok(Err(Refused::State(why)));
    }
    Ok(Ok(Target {
        id: r.text(0)?,
        plan: r.text(1)?,
        provider_id: r.opt_text(5)?,
    }))
}

/// Records that the subscription ends at its period's end for `reason` (or, with `None`, that
/// it renews again). Call inside a transaction, after the provider agreed.
pub fn set_cancel(db: &dyn Db, id: &str, reason: Option<&str>, now: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE subscriptions SET cancel_at_period_end = $1, cancel_reason = $2,
                cancel_requested_at = $3 WHERE id = $4",
        &[
            reason.is_some().into(),
            reason.into(),
            reason.map(|_| rfc3339(now)).into(),
            id.into(),
        ],
    )?;
    Ok(())
}
