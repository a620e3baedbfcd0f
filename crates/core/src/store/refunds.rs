//! Refund requests: the account's own paid invoice, within the refund window after payment,
//! with a reason. A request is resolved when the payment provider reports the charge refunded
//! (`charge.refunded`), and the person who asked is told by email.

use serde::Serialize;

use super::lists::List;
use super::outbox::Mail;
use crate::db::{Db, DbError, Row};
use crate::i18n::Reader;
use crate::ids::new_id;
use crate::money::Money;
use crate::time::{parse_rfc3339, rfc3339};

/// A refund request.
#[derive(Debug, Clone, Serialize)]
pub struct Refund {
    /// `ref_...`
    pub id: String,
    /// `inv_...`
    pub invoice_id: String,
    /// The invoice's number.
    pub invoice_number: String,
    /// Why.
    pub reason: String,
    /// requested, refunded or rejected.
    pub status: String,
    /// The amount asked back.
    pub amount: Money,
    /// Asked.
    pub created_at: String,
    /// Resolved.
    pub resolved_at: Option<String>,
}

/// The columns [`refund`] reads, over `refunds r JOIN invoices i`.
pub(crate) const REFUND_COLUMNS: &[&str] = &[
    "r.id",
    "r.invoice_id",
    "i.number",
    "r.reason",
    "r.status",
    "r.amount",
    "r.currency",
    "r.created_at",
    "r.resolved_at",
];

/// Decodes a row of [`REFUND_COLUMNS`].
pub(crate) fn refund(r: &Row) -> Result<Refund, DbError> {
    Ok(Refund {
        id: r.text(0)?,
        invoice_id: r.text(1)?,
        invoice_number: r.text(2)?,
        reason: r.text(3)?,
        status: r.text(4)?,
        amount: Money::new(r.int(5)?, &r.text(6)?),
        created_at: r.text(7)?,
        resolved_at: r.opt_text(8)?,
    })
}

/// The refund requests of the account `$1`, newest first.
pub(crate) const REFUNDS: List<'static> = List {
    columns: REFUND_COLUMNS,
    from: "refunds r JOIN invoices i ON i.id = r.invoice_id WHERE r.account_id = $1",
    order_by: "r.created_at DESC, r.id DESC",
    limit: Some("50"),
};

/// The account's refund requests, newest first.
pub fn list_for_account(db: &dyn Db, account_id: &str) -> Result<Vec<Refund>, DbError> {
    super::lists::select(db, REFUNDS, &[account_id.into()], refund)
}

/// A page of the account's refund requests, newest first.
pub fn page_for_account(
    db: &dyn Db,
    account_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<Refund>, bool), DbError> {
    super::lists::page(db, REFUNDS, &[account_id.into()], page, refund)
}

/// A paid invoice a refund could be asked for, and until when.
#[derive(Debug, Clone, Serialize)]
pub struct Refundable {
    /// `inv_...`
    pub id: String,
    /// Number.
    pub number: String,
    /// Total paid.
    pub total: Money,
    /// Paid.
    pub paid_at: String,
    /// The last moment a refund may be asked for.
    pub window_ends_at: String,
    /// Whether that moment is still ahead.
    pub within_window: bool,
}

/// The account's paid invoices of the last year (newest first, each with its refund window)
/// and its refund requests, in one statement: what the refund page shows.
pub fn page(
    db: &dyn Db,
    account_id: &str,
    window_days: i64,
    now: i64,
) -> Result<(Vec<Refundable>, Vec<Refund>), DbError> {
    let [paid, asked] = super::lists::read(
        db,
        [
            List {
                columns: &["i.id", "i.number", "i.total", "i.currency", "i.paid_at"],
                from: "invoices i WHERE i.account_id = $1 AND i.status = 'paid' \
                       AND i.paid_at IS NOT NULL AND i.paid_at > $2",
                order_by: "i.paid_at DESC, i.id DESC",
                limit: Some("50"),
            },
            REFUNDS,
        ],
        &[account_id.into(), rfc3339(now - 365 * 86_400).into()],
    )?;
    let invoices = paid
        .iter()
        .map(|r| {
            let paid_at = r.text(4)?;
            let ends = parse_rfc3339(&paid_at).unwrap_or(0) + window_days * 86_400;
            Ok(Refundable {
                id: r.text(0)?,
                number: r.text(1)?,
                total: Money::new(r.int(2)?, &r.text(3)?),
                paid_at,
                window_ends_at: rfc3339(ends),
                within_window: ends >= now,
            })
        })
        .collect::<Result<_, DbError>>()?;
    let refunds = asked.iter().map(refund).collect::<Result<_, _>>()?;
    Ok((invoices, refunds))
}

/// Why a refund request was refused, in words for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such invoice in the account.
    NotFound,
    /// Not paid, outside the window, or already asked for.
    Invoice(String),
}

/// Records a refund request for the account's invoice `invoice_id`; a refusal says why in
/// `r`'s words. Call inside a transaction.
#[allow(clippy::too_many_arguments)]
pub fn request(
    db: &dyn Db,
    account_id: &str,
    user_id: &str,
    invoice_id: &str,
    reason: &str,
    window_days: i64,
    now: i64,
    r: Reader,
) -> Result<Result<Refund, Refused>, DbError> {
    let Some(inv) = db.query_opt(
        "SELECT number, status, paid_at, total, currency, amount_refunded FROM invoices
          WHERE id = $1 AND account_id = $2",
        &[invoice_id.into(), account_id.into()],
    )?
    else {
        return Ok(Err(Refused::NotFound));
    };
    let number = inv.text(0)?;
    let paid_at = inv.opt_text(2)?;
    let is_paid = inv.text(1)? == "paid";
    let Some(paid) = paid_at.as_deref().filter(|_| is_paid) else {
        return Ok(Err(Refused::Invoice(r.fill(
            "Invoice {number} is not paid, so there is nothing to refund.",
            &[("number", &number)],
        ))));
    };
    let ends = parse_rfc3339(paid).unwrap_or(0) + window_days * 86_400;
    if ends < now {
        return Ok(Err(Refused::Invoice(r.fill(
            "Invoice {number} was paid on {date}, more than {days} days ago: refunds can be asked for within {days} days of payment. Contact support if something went wrong.",
            &[
                ("number", &number),
                ("date", &r.day(paid)),
                ("days", &window_days.to_string()),
            ],
        ))));
    }
    let amount = inv.int(3)? - inv.int(5)?;
    if amount <= 0 {
        return Ok(Err(Refused::Invoice(r.fill(
            "Invoice {number} has already been refunded in full.",
            &[("number", &number)],
        ))));
    }
    let id = new_id("ref");
    let inserted = db.execute(
        "INSERT INTO refunds (id, account_id, invoice_id, requested_by, reason, status, amount, currency, created_at)
         VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $8)",
        &[
            id.as_str().into(),
            account_id.into(),
            invoice_id.into(),
            user_id.into(),
            reason.into(),
            amount.into(),
            inv.text(4)?.into(),
            rfc3339(now).into(),
        ],
    );
    match inserted {
        Ok(_) => {}
        Err(DbError::Constraint(_)) => {
            return Ok(Err(Refused::Invoice(r.fill(
                "A refund of invoice {number} has already been asked for; its status is below.",
                &[("number", &number)],
            ))));
        }
        Err(e) => return Err(e),
    }
    Ok(Ok(Refund {
        id,
        invoice_id: invoice_id.to_string(),
        invoice_number: number,
        reason: reason.to_string(),
        status: "requested".into(),
        amount: Money::new(amount, &inv.text(4)?),
        created_at: rfc3339(now),
        resolved_at: None,
    }))
}

/// Resolves the open refund request of the invoice the provider knows as `provider_invoice`,
/// and returns the email telling whoever asked. Call inside the transaction that records the
/// refund.
pub fn resolve_refunded(
    db: &dyn Db,
    provider_invoice: &str,
    now: i64,
) -> Result<Option<Mail>, DbError> {
    let Some(open) = db.query_opt(
        "SELECT r.id, u.email, i.number, r.amount, r.currency FROM refunds r
           JOIN invoices i ON i.id = r.invoice_id
           JOIN users u ON u.id = r.requested_by
          WHERE i.provider_id = $1 AND r.status = 'requested'",
        &[provider_invoice.into()],
    )?
    else {
        return Ok(None);
    };
    db.execute(
        "UPDATE refunds SET status = 'refunded', resolved_at = $1 WHERE id = $2",
        &[rfc3339(now).into(), open.text(0)?.into()],
    )?;
    let number = open.text(2)?;
    let amount = Money::new(open.int(3)?, &open.text(4)?);
    let text = format!(
        "Hello,\n\nYour refund of {amount} for invoice {number} has been paid back to the card or account it was charged to. Banks usually show it within 5 to 10 days.\n"
    );
    Ok(Some(Mail {
        to: open.text(1)?,
        subject: format!("Your refund for invoice {number} is on its way"),
        html: maud::html! {
            p { "Hello," }
            p { "Your refund of " (amount) " for invoice " (number) " has been paid back to the card or account it was charged to. Banks usually show it within 5 to 10 days." }
        }
        .into_string(),
        text,
    }))
}
