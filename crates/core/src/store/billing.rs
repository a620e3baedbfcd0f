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
    Ok(invoices_page(db, account_id, limit, None)?.0)
}

/// A page of invoices, newest first, after the cursor `starting_after` (an invoice id).
pub fn invoices_page(
    db: &dyn Db,
    account_id: &str,
    limit: i64,
    starting_after: Option<&str>,
) -> Result<(Vec<Invoice>, bool), DbError> {
    let rows = match starting_after {
        Some(cursor) => db.query(
            "SELECT i.id, i.number, i.status, i.currency, i.total, i.issued_at, i.due_at
               FROM invoices i JOIN invoices c ON c.id = $2 AND c.account_id = $1
              WHERE i.account_id = $1 AND (i.issued_at < c.issued_at OR (i.issued_at = c.issued_at AND i.id < c.id))
              ORDER BY i.issued_at DESC, i.id DESC LIMIT $3",
            &[account_id.into(), cursor.into(), (limit + 1).into()],
        )?,
        None => db.query(
            "SELECT id, number, status, currency, total, issued_at, due_at
               FROM invoices WHERE account_id = $1 ORDER BY issued_at DESC, id DESC LIMIT $2",
            &[account_id.into(), (limit + 1).into()],
        )?,
    };
    let mut invoices = rows
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
        .collect::<Result<Vec<_>, DbError>>()?;
    let has_more = invoices.len() as i64 > limit;
    invoices.truncate(limit as usize);
    Ok((invoices, has_more))
}

/// An invoice with its amounts, only if it belongs to `account_id`.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceDetail {
    /// The listing fields.
    #[serde(flatten)]
    pub invoice: Invoice,
    /// Before tax.
    pub subtotal: Money,
    /// Tax.
    pub tax: Money,
    /// When paid.
    pub paid_at: Option<String>,
}

/// One invoice of the account.
pub fn find_invoice(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Option<InvoiceDetail>, DbError> {
    let Some(r) = db.query_opt(
        "SELECT id, number, status, currency, total, issued_at, due_at, subtotal, tax, paid_at
           FROM invoices WHERE id = $1 AND account_id = $2",
        &[id.into(), account_id.into()],
    )?
    else {
        return Ok(None);
    };
    let currency = r.text(3)?;
    Ok(Some(InvoiceDetail {
        invoice: Invoice {
            id: r.text(0)?,
            number: r.text(1)?,
            status: r.text(2)?,
            total: Money::new(r.int(4)?, &currency),
            issued_at: r.text(5)?,
            due_at: r.text(6)?,
        },
        subtotal: Money::new(r.int(7)?, &currency),
        tax: Money::new(r.int(8)?, &currency),
        paid_at: r.opt_text(9)?,
    }))
}
