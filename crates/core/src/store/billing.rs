//! Subscriptions and invoices.

use serde::Serialize;

use crate::db::{Db, DbError};
use crate::money::Money;

/// A subscription.
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    /// `sub_...`
    pub id: String,
    /// Plan name.
    pub plan: String,
    /// trialing, active, past_due or cancelled.
    pub status: String,
    /// Price per interval.
    pub price: Money,
    /// month or year.
    pub interval: String,
    /// End of the paid period.
    pub current_period_end: String,
    /// Ends at the period end.
    pub cancel_at_period_end: bool,
}

/// An invoice.
#[derive(Debug, Clone, Serialize)]
pub struct Invoice {
    /// `inv_...`
    pub id: String,
    /// Human number.
    pub number: String,
    /// draft, open, paid, void or uncollectible.
    pub status: String,
    /// Total including tax.
    pub total: Money,
    /// Issued.
    pub issued_at: String,
    /// Due.
    pub due_at: String,
}

/// The account's subscriptions.
pub fn subscriptions(db: &dyn Db, account_id: &str) -> Result<Vec<Subscription>, DbError> {
    db.query(
        "SELECT id, plan, status, currency, amount, billing_interval, current_period_end, cancel_at_period_end
           FROM subscriptions WHERE account_id = $1 ORDER BY created_at",
        &[account_id.into()],
    )?
    .iter()
    .map(|r| {
        Ok(Subscription {
            id: r.text(0)?,
            plan: r.text(1)?,
            status: r.text(2)?,
            price: Money::new(r.int(4)?, &r.text(3)?),
            interval: r.text(5)?,
            current_period_end: r.text(6)?,
            cancel_at_period_end: r.flag(7)?,
        })
    })
    .collect()
}

/// The account's most recent invoices, newest first.
pub fn recent_invoices(db: &dyn Db, account_id: &str, limit: i64) -> Result<Vec<Invoice>, DbError> {
    db.query(
        "SELECT id, number, status, currency, total, issued_at, due_at
           FROM invoices WHERE account_id = $1 ORDER BY issued_at DESC, id DESC LIMIT $2",
        &[account_id.into(), limit.into()],
    )?
    .iter()
    .map(|r| {
        Ok(Invoice {
            id: r.text(0)?,
            number: r.text(1)?,
            status: r.text(2)?,
            total: Money::new(r.int(4)?, &r.text(3)?),
            issued_at: r.text(5)?,
            due_at: r.text(6)?,
        })
    })
    .collect()
}
