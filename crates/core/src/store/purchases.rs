//! Buying and changing plans: a new subscription, a plan change, paying an open invoice and
//! renewing an expired license, as the portal records them. The payment provider is asked
//! first (see the billing area); with the offline provider of local mode these complete here.

use crate::db::{Db, DbError};
use crate::i18n::msg;
use crate::ids::new_id;
use crate::plans::Plan;
use crate::time::{parse_rfc3339, rfc3339};

/// Why a purchase or change was refused, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such object in the account.
    NotFound,
    /// Its state does not allow it.
    State(String),
}

/// The account's customer id at the payment provider, if it has one.
pub fn customer(db: &dyn Db, account_id: &str) -> Result<Option<String>, DbError> {
    Ok(db
        .query_opt(
            "SELECT provider_customer_id FROM accounts WHERE id = $1",
            &[account_id.into()],
        )?
        .map(|r| r.opt_text(0))
        .transpose()?
        .flatten())
}

/// Refuses a new subscription to a plan the account already runs.
pub fn check_new(
    db: &dyn Db,
    account_id: &str,
    plan: &Plan,
) -> Result<Result<(), Refused>, DbError> {
    let running = db.query_opt(
        "SELECT id FROM subscriptions
          WHERE account_id = $1 AND plan = $2 AND status IN ('trialing', 'active', 'past_due', 'paused')",
        &[account_id.into(), plan.name.into()],
    )?;
    Ok(match running {
        Some(_) => Err(Refused::State(format!(
            "The account already has a {} subscription. Change its plan from the subscription's page instead.",
            plan.name
        ))),
        None => Ok(()),
    })
}

/// Records a subscription the offline provider started at `now`; returns its id.
pub fn start_locally(
    db: &dyn Db,
    account_id: &str,
    plan: &Plan,
    now: i64,
) -> Result<String, DbError> {
    let id = new_id("sub");
    let period = if plan.interval == "year" { 365 } else { 30 } * 86_400;
    db.execute(
        "INSERT INTO subscriptions (id, account_id, plan, status, currency, amount, billing_interval,
                                    current_period_end, cancel_at_period_end, created_at)
         VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, 0, $8)",
        &[
            id.as_str().into(),
            account_id.into(),
            plan.name.into(),
            plan.currency.into(),
            plan.amount.into(),
            plan.interval.into(),
            rfc3339(now + period).into(),
            rfc3339(now).into(),
        ],
    )?;
    Ok(id)
}

/// A subscription as a plan change needs it.
#[derive(Debug, Clone)]
pub struct Changing {
    /// `sub_...`
    pub id: String,
    /// The plan's name now.
    pub plan: String,
    /// The provider's id.
    pub provider_id: Option<String>,
    /// The current period's end, Unix seconds.
    pub period_end: i64,
}

/// Checks that the account's subscription `id` can change plan at `now`.
pub fn check_change(
    db: &dyn Db,
    account_id: &str,
    id: &str,
    now: i64,
) -> Result<Result<Changing, Refused>, DbError> {
    let Some(r) = db.query_opt(
        "SELECT id, plan, status, cancel_at_period_end, current_period_end, provider_id
           FROM subscriptions WHERE id = $1 AND account_id = $2",
        &[id.into(), account_id.into()],
    )?
    else {
        return Ok(Err(Refused::NotFound));
    };
    let status = r.text(2)?;
    let period_end = parse_rfc3339(&r.text(4)?).unwrap_or_default();
    let refusal = if status == "cancelled" || period_end <= now {
        Some(msg(
            "This subscription has ended. Start a new one from Plans.",
        ))
    } else if r.flag(3)? {
        Some(msg(
            "This subscription is set to end. Resume it before changing its plan.",
        ))
    } else if status != "active" && status != "trialing" {
        Some(msg(
            "Only a subscription in good standing can change plan. Pay what is due first.",
        ))
    } else {
        None
    };
    if let Some(why) = refusal {
        return Ok(Err(Refused::State(why.to_string())));
    }
    Ok(Ok(Changing {
        id: r.text(0)?,
        plan: r.text(1)?,
        provider_id: r.opt_text(5)?,
        period_end,
    }))
}

/// Records the new plan of a subscription (after the provider agreed).
pub fn set_plan(db: &dyn Db, id: &str, plan: &Plan) -> Result<(), DbError> {
    db.execute(
        "UPDATE subscriptions SET plan = $1, amount = $2, currency = $3, billing_interval = $4 WHERE id = $5",
        &[
            plan.name.into(),
            plan.amount.into(),
            plan.currency.into(),
            plan.interval.into(),
            id.into(),
        ],
    )?;
    Ok(())
}

/// An open invoice of the account, with its provider id, to pay.
pub fn open_invoice(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Result<(String, Option<String>), Refused>, DbError> {
    let Some(r) = db.query_opt(
        "SELECT number, status, provider_id FROM invoices WHERE id = $1 AND account_id = $2",
        &[id.into(), account_id.into()],
    )?
    else {
        return Ok(Err(Refused::NotFound));
    };
    let (number, status) = (r.text(0)?, r.text(1)?);
    if status != "open" {
        return Ok(Err(Refused::State(format!(
            "Invoice {number} is {status}: only an open invoice can be paid."
        ))));
    }
    Ok(Ok((number, r.opt_text(2)?)))
}

/// Marks an open invoice paid (the offline provider's payment). False if it was not open.
pub fn paid_locally(db: &dyn Db, id: &str, now: i64) -> Result<bool, DbError> {
    Ok(db.execute(
        "UPDATE invoices SET status = 'paid', paid_at = $1 WHERE id = $2 AND status = 'open'",
        &[rfc3339(now).into(), id.into()],
    )? == 1)
}

/// An expired license of the account that can be renewed, with its label.
pub fn expired_license(
    db: &dyn Db,
    account_id: &str,
    id: &str,
    now: i64,
) -> Result<Result<String, Refused>, DbError> {
    let Some(r) = db.query_opt(
        "SELECT plan, status, expires_at FROM licenses WHERE id = $1 AND account_id = $2",
        &[id.into(), account_id.into()],
    )?
    else {
        return Ok(Err(Refused::NotFound));
    };
    let (label, status) = (r.text(0)?, r.text(1)?);
    let expired = status == "expired" || parse_rfc3339(&r.text(2)?).is_some_and(|at| at <= now);
    if !expired {
        return Ok(Err(Refused::State(
            msg("This license has not expired; it renews with its subscription.").into(),
        )));
    }
    Ok(Ok(label))
}

/// Renews the account's license for a year from `now` (or from its expiry, if later): what a
/// renewal does offline and what a finished renewal Checkout does. False when the account has
/// no such license.
pub fn renew_license(
    db: &dyn Db,
    account_id: &str,
    license_id: &str,
    now: i64,
) -> Result<bool, DbError> {
    let Some(r) = db.query_opt(
        "SELECT expires_at FROM licenses WHERE id = $1 AND account_id = $2",
        &[license_id.into(), account_id.into()],
    )?
    else {
        return Ok(false);
    };
    let from = parse_rfc3339(&r.text(0)?).unwrap_or(now).max(now);
    Ok(db.execute(
        "UPDATE licenses SET status = 'active', expires_at = $1, cancel_at_period_end = 0 WHERE id = $2",
        &[rfc3339(from + 365 * 86_400).into(), license_id.into()],
    )? == 1)
}
