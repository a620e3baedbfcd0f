//! Subscriptions and invoices.

use serde::Serialize;

use super::lists::List;
use crate::db::{Db, DbError, Row};
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

/// The columns [`subscription`] reads, over `subscriptions s`.
pub(crate) const SUBSCRIPTION_COLUMNS: &[&str] = &[
    "s.id",
    "s.plan",
    "s.status",
    "s.currency",
    "s.amount",
    "s.billing_interval",
    "s.current_period_end",
    "s.cancel_at_period_end",
    // Last, only to order a bounded list by.
    "s.created_at",
];

/// Decodes a row of [`SUBSCRIPTION_COLUMNS`].
pub(crate) fn subscription(r: &Row) -> Result<Subscription, DbError> {
    Ok(Subscription {
        id: r.text(0)?,
        plan: r.text(1)?,
        status: r.text(2)?,
        price: Money::new(r.int(4)?, &r.text(3)?),
        interval: r.text(5)?,
        current_period_end: r.text(6)?,
        cancel_at_period_end: r.flag(7)?,
    })
}

/// The columns [`invoice`] reads, over `invoices i`.
pub(crate) const INVOICE_COLUMNS: &[&str] = &[
    "i.id",
    "i.number",
    "i.status",
    "i.currency",
    "i.total",
    "i.issued_at",
    "i.due_at",
];
/// Newest first; the id breaks ties so the cursor is exact.
pub(crate) const INVOICE_ORDER: &str = "i.issued_at DESC, i.id DESC";

/// Decodes a row of [`INVOICE_COLUMNS`].
pub(crate) fn invoice(r: &Row) -> Result<Invoice, DbError> {
    Ok(Invoice {
        id: r.text(0)?,
        number: r.text(1)?,
        status: r.text(2)?,
        total: Money::new(r.int(4)?, &r.text(3)?),
        issued_at: r.text(5)?,
        due_at: r.text(6)?,
    })
}

/// The subscriptions of the account `$1`, oldest first, those not cancelled before the
/// cancelled ones, so the bound never hides one that runs.
pub(crate) const SUBSCRIPTIONS: List<'static> = List {
    columns: SUBSCRIPTION_COLUMNS,
    from: "subscriptions s WHERE s.account_id = $1",
    order_by: "CASE s.status WHEN 'cancelled' THEN 1 ELSE 0 END, s.created_at",
    limit: Some(super::lists::SHOWN),
};

/// The account's subscriptions.
pub fn subscriptions(db: &dyn Db, account_id: &str) -> Result<Vec<Subscription>, DbError> {
    super::lists::select(db, SUBSCRIPTIONS, &[account_id.into()], subscription)
}

/// A page of the account's subscriptions, oldest first.
pub fn subscriptions_page(
    db: &dyn Db,
    account_id: &str,
    page: &super::lists::Page,
) -> Result<(Vec<Subscription>, bool), DbError> {
    super::lists::page(db, SUBSCRIPTIONS, &[account_id.into()], page, subscription)
}

/// A page of invoices, newest first, after the cursor `starting_after` (an invoice id), and
/// whether more follow.
pub fn invoices_page(
    db: &dyn Db,
    account_id: &str,
    limit: i64,
    starting_after: Option<&str>,
) -> Result<(Vec<Invoice>, bool), DbError> {
    let mut params = vec![account_id.into(), (limit + 1).into()];
    params.extend(starting_after.map(Into::into));
    let rows = db.query(
        &format!(
            "SELECT {} FROM {} ORDER BY {INVOICE_ORDER} LIMIT $2",
            INVOICE_COLUMNS.join(", "),
            invoices_after(starting_after.is_some())
        ),
        &params,
    )?;
    page(&rows, limit)
}

/// The account `$1`'s invoices, after the invoice `$3` when `cursor` (the cursor must be the
/// account's own, or nothing follows it).
pub(crate) fn invoices_after(cursor: bool) -> &'static str {
    if cursor {
        "invoices i JOIN invoices c ON c.id = $3 AND c.account_id = $1 \
         WHERE i.account_id = $1 AND (i.issued_at < c.issued_at OR (i.issued_at = c.issued_at AND i.id < c.id))"
    } else {
        "invoices i WHERE i.account_id = $1"
    }
}

/// Decodes up to `limit` invoices of rows read with `limit + 1`, and whether more follow.
pub(crate) fn page(rows: &[Row], limit: i64) -> Result<(Vec<Invoice>, bool), DbError> {
    let mut invoices = rows.iter().map(invoice).collect::<Result<Vec<_>, _>>()?;
    let has_more = invoices.len() as i64 > limit;
    invoices.truncate(usize::try_from(limit).unwrap_or(0));
    Ok((invoices, has_more))
}

/// One line of an invoice: what was sold, before tax, and the tax on it.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceLine {
    /// What it is for.
    pub description: String,
    /// How many.
    pub quantity: i64,
    /// Price of one.
    pub unit_amount: Money,
    /// Before tax.
    pub amount: Money,
    /// The tax on it.
    pub tax: Money,
    /// The tax rate in basis points (1900 is 19%), when known.
    pub tax_rate_bp: Option<i64>,
    /// The period it covers.
    pub period_start: Option<String>,
    /// The period's end.
    pub period_end: Option<String>,
}

/// A tax total of an invoice: every line taxed at one rate.
#[derive(Debug, Clone, Serialize)]
pub struct TaxLine {
    /// Basis points, or `None` for lines without tax (reverse charge, exempt).
    pub rate_bp: Option<i64>,
    /// The amount taxed.
    pub taxable: Money,
    /// The tax.
    pub tax: Money,
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
    /// Refunded so far.
    pub refunded: Money,
    /// Who it is addressed to (the account's billing details as they are now).
    pub billed_to: super::billing_details::BillingDetails,
    /// What it is for, line by line.
    pub lines: Vec<InvoiceLine>,
    /// Its tax, by rate.
    pub tax_lines: Vec<TaxLine>,
}

/// The lines' taxes grouped by rate, lowest rate first.
fn tax_lines(lines: &[InvoiceLine], currency: &str) -> Vec<TaxLine> {
    let mut by_rate: std::collections::BTreeMap<Option<i64>, (i64, i64)> = Default::default();
    for l in lines {
        let entry = by_rate.entry(l.tax_rate_bp).or_default();
        entry.0 += l.amount.amount;
        entry.1 += l.tax.amount;
    }
    by_rate
        .into_iter()
        .map(|(rate_bp, (taxable, tax))| TaxLine {
            rate_bp,
            taxable: Money::new(taxable, currency),
            tax: Money::new(tax, currency),
        })
        .collect()
}

/// One invoice of the account, with its lines, in one statement.
pub fn find_invoice(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Option<InvoiceDetail>, DbError> {
    let [head, lines] = super::lists::read(
        db,
        [
            List {
                columns: &[
                    "i.id",
                    "i.number",
                    "i.status",
                    "i.currency",
                    "i.total",
                    "i.issued_at",
                    "i.due_at",
                    "i.subtotal",
                    "i.tax",
                    "i.paid_at",
                    "i.amount_refunded",
                    "a.name",
                    "a.country",
                    "a.billing_address",
                    "a.tax_id",
                    "a.tax_id_status",
                ],
                from: "invoices i JOIN accounts a ON a.id = i.account_id WHERE i.id = $1 AND i.account_id = $2",
                order_by: "i.id",
                limit: None,
            },
            List {
                columns: &[
                    "l.description",
                    "l.quantity",
                    "l.unit_amount",
                    "l.amount",
                    "l.tax_amount",
                    "l.tax_rate_bp",
                    "l.period_start",
                    "l.period_end",
                    "l.position",
                    "l.id",
                ],
                from: "invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
                       WHERE l.invoice_id = $1 AND i.account_id = $2",
                order_by: "l.position, l.id",
                limit: None,
            },
        ],
        &[id.into(), account_id.into()],
    )?;
    let Some(r) = head.first() else {
        return Ok(None);
    };
    let currency = r.text(3)?;
    let lines = lines
        .iter()
        .map(|l| {
            Ok(InvoiceLine {
                description: l.text(0)?,
                quantity: l.int(1)?,
                unit_amount: Money::new(l.int(2)?, &currency),
                amount: Money::new(l.int(3)?, &currency),
                tax: Money::new(l.int(4)?, &currency),
                tax_rate_bp: l.opt_int(5)?,
                period_start: l.opt_text(6)?,
                period_end: l.opt_text(7)?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
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
        refunded: Money::new(r.int(10)?, &currency),
        billed_to: super::billing_details::BillingDetails {
            name: r.text(11)?,
            country: r.opt_text(12)?,
            address: r.opt_text(13)?,
            tax_id: r.opt_text(14)?,
            tax_id_status: r.opt_text(15)?,
        },
        tax_lines: tax_lines(&lines, &currency),
        lines,
    }))
}

/// The subscription `id` with its account's id and name, whichever account holds it: for a
/// link that was mailed for this one subscription.
pub fn subscription_by_id(
    db: &dyn Db,
    id: &str,
) -> Result<Option<(String, String, Subscription)>, DbError> {
    let n = SUBSCRIPTION_COLUMNS.len();
    db.query_opt(
        &format!(
            "SELECT {}, a.id, a.name FROM subscriptions s JOIN accounts a ON a.id = s.account_id
              WHERE s.id = $1",
            SUBSCRIPTION_COLUMNS.join(", ")
        ),
        &[id.into()],
    )?
    .map(|r| Ok((r.text(n)?, r.text(n + 1)?, subscription(&r)?)))
    .transpose()
}

/// The subscriptions `email` may manage by a mailed link — those not ended, of accounts where
/// it is an owner or billing member — with their account's name.
pub fn manageable_by_email(
    db: &dyn Db,
    email: &str,
) -> Result<Vec<(String, Subscription)>, DbError> {
    let n = SUBSCRIPTION_COLUMNS.len();
    db.query(
        &format!(
            "SELECT {}, a.name FROM subscriptions s
               JOIN accounts a ON a.id = s.account_id
               JOIN memberships m ON m.account_id = a.id AND m.role IN ('owner', 'billing')
               JOIN users u ON u.id = m.user_id
              WHERE u.email = $1 AND s.status <> 'cancelled'
              ORDER BY a.name, s.created_at, s.id LIMIT {}",
            SUBSCRIPTION_COLUMNS.join(", "),
            // One mail's worth: the links a request mails are bounded like a page's list.
            super::lists::SHOWN
        ),
        &[email.into()],
    )?
    .iter()
    .map(|r| Ok((r.text(n)?, subscription(r)?)))
    .collect()
}
