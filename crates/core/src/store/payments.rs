//! Applying the payment provider's (Stripe's) webhook events. Each event is recorded by its id
//! in the same transaction as its effect, so it takes effect once however often it arrives and
//! a failure leaves nothing behind for the retry to trip over. Objects keep the `created` time
//! of the event that last changed them: an older event never moves one backwards, and an
//! invoice never goes back from paid to open or from open to draft.

use serde_json::Value;

use crate::db::{Db, DbError};
use crate::ids::new_id;
use crate::time::rfc3339;

/// What became of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its change was made.
    Applied,
    /// Seen before, by its id: nothing changed.
    Duplicate,
    /// Older than the object's last change, or it would move it backwards: nothing changed.
    Stale,
    /// Not about anything the portal keeps (another type, an unknown customer).
    Ignored,
}

impl Outcome {
    /// The stored and reported name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::Stale => "stale",
            Outcome::Ignored => "ignored",
        }
    }
}

/// Applies one event (`id`, `type`, `created`, `data.object`). Call inside a transaction.
pub fn apply_event(db: &dyn Db, event: &Value, now: i64) -> Result<Outcome, DbError> {
    let id = event["id"].as_str().unwrap_or_default();
    let kind = event["type"].as_str().unwrap_or_default();
    let created = event["created"].as_i64().unwrap_or_default();
    let recorded = db.execute(
        "INSERT INTO webhook_events (id, type, created, outcome, received_at)
         VALUES ($1, $2, $3, 'received', $4) ON CONFLICT DO NOTHING",
        &[id.into(), kind.into(), created.into(), rfc3339(now).into()],
    )?;
    if recorded == 0 {
        return Ok(Outcome::Duplicate);
    }
    let object = &event["data"]["object"];
    let outcome = match kind {
        "checkout.session.completed" => checkout_completed(db, object, now)?,
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted"
        | "customer.subscription.paused"
        | "customer.subscription.resumed" => subscription_changed(db, kind, object, created)?,
        "invoice.created" | "invoice.finalized" | "invoice.paid" | "invoice.payment_failed" => {
            invoice_changed(db, object, created)?
        }
        "charge.refunded" => charge_refunded(db, object, now)?,
        "customer.tax_id.created" | "customer.tax_id.updated" => tax_id_checked(db, object)?,
        "payment_method.attached"
        | "payment_method.updated"
        | "payment_method.automatically_updated" => payment_method_saved(db, object, created)?,
        "payment_method.detached" => payment_method_detached(db, object)?,
        "customer.updated" => default_payment_method(db, object)?,
        _ => Outcome::Ignored,
    };
    db.execute(
        "UPDATE webhook_events SET outcome = $1 WHERE id = $2",
        &[outcome.as_str().into(), id.into()],
    )?;
    Ok(outcome)
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// The account a Stripe customer belongs to.
fn account_of_customer(db: &dyn Db, customer: &str) -> Result<Option<String>, DbError> {
    if customer.is_empty() {
        return Ok(None);
    }
    db.query_opt(
        "SELECT id FROM accounts WHERE provider_customer_id = $1",
        &[customer.into()],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// A finished Checkout: links the customer to the account the session was made for
/// (`client_reference_id`) and records the new subscription until its own events fill it in.
fn checkout_completed(db: &dyn Db, session: &Value, now: i64) -> Result<Outcome, DbError> {
    let account = text(session, "client_reference_id");
    let customer = text(session, "customer");
    if account.is_empty() || customer.is_empty() {
        return Ok(Outcome::Ignored);
    }
    let linked = db.execute(
        "UPDATE accounts SET provider_customer_id = $1
          WHERE id = $2 AND (provider_customer_id IS NULL OR provider_customer_id = $1)",
        &[customer.into(), account.into()],
    )?;
    if linked == 0 {
        return Ok(Outcome::Ignored);
    }
    // A renewal: the license it was for runs another year.
    let license = session["metadata"]["license_id"]
        .as_str()
        .unwrap_or_default();
    if !license.is_empty() {
        super::purchases::renew_license(db, account, license, now)?;
    }
    let subscription = text(session, "subscription");
    if !subscription.is_empty() {
        db.execute(
            "INSERT INTO subscriptions (id, account_id, plan, status, currency, amount, billing_interval,
                                        current_period_end, created_at, provider_id)
             VALUES ($1, $2, $3, 'active', $4, $5, 'month', $6, $6, $7)
             ON CONFLICT DO NOTHING",
            &[
                new_id("sub").into(),
                account.into(),
                session["metadata"]["plan"]
                    .as_str()
                    .unwrap_or("Pulse Cloud Basic")
                    .into(),
                text(session, "currency").to_ascii_uppercase().into(),
                session["amount_total"].as_i64().unwrap_or_default().into(),
                rfc3339(now).into(),
                subscription.into(),
            ],
        )?;
    }
    Ok(Outcome::Applied)
}

/// The portal's name for a Stripe subscription status.
fn subscription_status(kind: &str, stripe: &str) -> &'static str {
    match (kind, stripe) {
        ("customer.subscription.deleted", _) => "cancelled",
        ("customer.subscription.paused", _) | (_, "paused") => "paused",
        (_, "trialing") => "trialing",
        (_, "past_due" | "unpaid" | "incomplete") => "past_due",
        (_, "canceled" | "incomplete_expired") => "cancelled",
        _ => "active",
    }
}

fn subscription_changed(
    db: &dyn Db,
    kind: &str,
    sub: &Value,
    created: i64,
) -> Result<Outcome, DbError> {
    let provider_id = text(sub, "id");
    let item = &sub["items"]["data"][0];
    let price = &item["price"];
    // Newer API versions keep the period on the item.
    let period_end = sub["current_period_end"]
        .as_i64()
        .or_else(|| item["current_period_end"].as_i64())
        .unwrap_or(created);
    let status = subscription_status(kind, text(sub, "status"));
    let interval = match price["recurring"]["interval"].as_str() {
        Some("year") => "year",
        _ => "month",
    };
    let plan = sub["metadata"]["plan"]
        .as_str()
        .or_else(|| price["nickname"].as_str())
        .unwrap_or("Pulse Cloud Basic");
    let existing = db.query_opt(
        "SELECT provider_updated FROM subscriptions WHERE provider_id = $1",
        &[provider_id.into()],
    )?;
    match existing {
        Some(row) if created < row.int(0)? => Ok(Outcome::Stale),
        Some(_) => {
            db.execute(
                "UPDATE subscriptions SET status = $1, current_period_end = $2, cancel_at_period_end = $3,
                        amount = $4, currency = $5, billing_interval = $6, plan = $7, provider_updated = $8
                  WHERE provider_id = $9",
                &[
                    status.into(),
                    rfc3339(period_end).into(),
                    sub["cancel_at_period_end"].as_bool().unwrap_or(false).into(),
                    price["unit_amount"].as_i64().unwrap_or_default().into(),
                    text(price, "currency").to_ascii_uppercase().into(),
                    interval.into(),
                    plan.into(),
                    created.into(),
                    provider_id.into(),
                ],
            )?;
            Ok(Outcome::Applied)
        }
        None => {
            let Some(account) = account_of_customer(db, text(sub, "customer"))? else {
                return Ok(Outcome::Ignored);
            };
            db.execute(
                "INSERT INTO subscriptions (id, account_id, plan, status, currency, amount, billing_interval,
                                            current_period_end, cancel_at_period_end, created_at,
                                            provider_id, provider_updated)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                &[
                    new_id("sub").into(),
                    account.into(),
                    plan.into(),
                    status.into(),
                    text(price, "currency").to_ascii_uppercase().into(),
                    price["unit_amount"].as_i64().unwrap_or_default().into(),
                    interval.into(),
                    rfc3339(period_end).into(),
                    sub["cancel_at_period_end"].as_bool().unwrap_or(false).into(),
                    rfc3339(sub["created"].as_i64().unwrap_or(created)).into(),
                    provider_id.into(),
                    created.into(),
                ],
            )?;
            Ok(Outcome::Applied)
        }
    }
}

/// How far along an invoice status is; an invoice never moves to a lower rank.
fn invoice_rank(status: &str) -> i64 {
    match status {
        "draft" => 0,
        "open" => 1,
        _ => 2,
    }
}

/// An invoice event: the invoice itself, then (when it was applied) its lines as Stripe lists
/// them now.
fn invoice_changed(db: &dyn Db, inv: &Value, created: i64) -> Result<Outcome, DbError> {
    let outcome = invoice_row_changed(db, inv, created)?;
    if outcome == Outcome::Applied
        && let Some(lines) = inv["lines"]["data"].as_array()
    {
        let Some(id) = db
            .query_opt(
                "SELECT id FROM invoices WHERE provider_id = $1",
                &[text(inv, "id").into()],
            )?
            .map(|r| r.text(0))
            .transpose()?
        else {
            return Ok(outcome);
        };
        db.execute(
            "DELETE FROM invoice_lines WHERE invoice_id = $1",
            &[id.as_str().into()],
        )?;
        for (position, line) in lines.iter().enumerate() {
            let amount = line["amount"].as_i64().unwrap_or_default();
            // Newer API versions list `taxes`, older ones `tax_amounts`.
            let tax: i64 = ["taxes", "tax_amounts"]
                .iter()
                .filter_map(|k| line[*k].as_array())
                .flatten()
                .filter_map(|t| t["amount"].as_i64())
                .sum();
            let quantity = line["quantity"].as_i64().unwrap_or(1).max(1);
            let unit = line["pricing"]["unit_amount_decimal"]
                .as_str()
                .and_then(|d| d.split('.').next()?.parse::<i64>().ok())
                .or_else(|| line["price"]["unit_amount"].as_i64())
                .unwrap_or(amount / quantity);
            let rate = (tax != 0 && amount != 0).then(|| (tax * 10_000 + amount / 2) / amount);
            db.execute(
                "INSERT INTO invoice_lines (id, invoice_id, position, description, quantity, unit_amount,
                                            amount, tax_amount, tax_rate_bp, period_start, period_end)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    new_id("il").into(),
                    id.as_str().into(),
                    (position as i64 + 1).into(),
                    text(line, "description").into(),
                    quantity.into(),
                    unit.into(),
                    amount.into(),
                    tax.into(),
                    rate.into(),
                    line["period"]["start"].as_i64().map(rfc3339).into(),
                    line["period"]["end"].as_i64().map(rfc3339).into(),
                ],
            )?;
        }
    }
    Ok(outcome)
}

/// A card the customer saved or Stripe updated: kept by its id, never moved back by an older
/// event.
fn payment_method_saved(db: &dyn Db, pm: &Value, created: i64) -> Result<Outcome, DbError> {
    let card = &pm["card"];
    let Some(account) = account_of_customer(db, text(pm, "customer"))? else {
        return Ok(Outcome::Ignored);
    };
    if card.is_null() {
        return Ok(Outcome::Ignored);
    }
    let id = text(pm, "id");
    let updated = db.execute(
        "UPDATE payment_methods SET brand = $1, last4 = $2, exp_month = $3, exp_year = $4,
                provider_updated = $5
          WHERE id = $6 AND account_id = $7 AND provider_updated <= $5",
        &[
            text(card, "brand").into(),
            text(card, "last4").into(),
            card["exp_month"].as_i64().unwrap_or_default().into(),
            card["exp_year"].as_i64().unwrap_or_default().into(),
            created.into(),
            id.into(),
            account.as_str().into(),
        ],
    )?;
    if updated == 0 {
        db.execute(
            "INSERT INTO payment_methods (id, account_id, brand, last4, exp_month, exp_year, is_default,
                                          created_at, provider_updated)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)
             ON CONFLICT DO NOTHING",
            &[
                id.into(),
                account.as_str().into(),
                text(card, "brand").into(),
                text(card, "last4").into(),
                card["exp_month"].as_i64().unwrap_or_default().into(),
                card["exp_year"].as_i64().unwrap_or_default().into(),
                rfc3339(pm["created"].as_i64().unwrap_or(created)).into(),
                created.into(),
            ],
        )?;
    }
    Ok(Outcome::Applied)
}

/// A card the customer removed at Stripe.
fn payment_method_detached(db: &dyn Db, pm: &Value) -> Result<Outcome, DbError> {
    let removed = db.execute(
        "DELETE FROM payment_methods WHERE id = $1",
        &[text(pm, "id").into()],
    )?;
    Ok(if removed > 0 {
        Outcome::Applied
    } else {
        Outcome::Ignored
    })
}

/// The customer's default card for invoices.
fn default_payment_method(db: &dyn Db, customer: &Value) -> Result<Outcome, DbError> {
    let Some(account) = account_of_customer(db, text(customer, "id"))? else {
        return Ok(Outcome::Ignored);
    };
    let default = customer["invoice_settings"]["default_payment_method"]
        .as_str()
        .unwrap_or_default();
    db.execute(
        "UPDATE payment_methods SET is_default = CASE WHEN id = $1 THEN 1 ELSE 0 END WHERE account_id = $2",
        &[default.into(), account.into()],
    )?;
    Ok(Outcome::Applied)
}

fn invoice_row_changed(db: &dyn Db, inv: &Value, created: i64) -> Result<Outcome, DbError> {
    let provider_id = text(inv, "id");
    let status = match text(inv, "status") {
        s @ ("draft" | "open" | "paid" | "void" | "uncollectible") => s,
        _ => return Ok(Outcome::Ignored),
    };
    let subtotal = inv["subtotal"].as_i64().unwrap_or_default();
    let total = inv["total"].as_i64().unwrap_or_default();
    // Older API versions report `tax`; newer ones a list of `total_taxes`.
    let tax = inv["tax"].as_i64().unwrap_or_else(|| {
        inv["total_taxes"]
            .as_array()
            .map(|t| t.iter().filter_map(|x| x["amount"].as_i64()).sum())
            .unwrap_or(total - subtotal)
    });
    let paid_at = inv["status_transitions"]["paid_at"].as_i64().map(rfc3339);
    let existing = db.query_opt(
        "SELECT provider_updated, status FROM invoices WHERE provider_id = $1",
        &[provider_id.into()],
    )?;
    match existing {
        Some(row)
            if created < row.int(0)? || invoice_rank(status) < invoice_rank(&row.text(1)?) =>
        {
            Ok(Outcome::Stale)
        }
        Some(_) => {
            db.execute(
                "UPDATE invoices SET status = $1, subtotal = $2, tax = $3, total = $4,
                        paid_at = COALESCE($5, paid_at), provider_updated = $6,
                        number = COALESCE($7, number)
                  WHERE provider_id = $8",
                &[
                    status.into(),
                    subtotal.into(),
                    tax.into(),
                    total.into(),
                    paid_at.into(),
                    created.into(),
                    inv["number"].as_str().into(),
                    provider_id.into(),
                ],
            )?;
            Ok(Outcome::Applied)
        }
        None => {
            let Some(account) = account_of_customer(db, text(inv, "customer"))? else {
                return Ok(Outcome::Ignored);
            };
            let subscription = db
                .query_opt(
                    "SELECT id FROM subscriptions WHERE provider_id = $1 AND account_id = $2",
                    &[text(inv, "subscription").into(), account.as_str().into()],
                )?
                .map(|r| r.text(0))
                .transpose()?;
            let issued = inv["created"].as_i64().unwrap_or(created);
            db.execute(
                "INSERT INTO invoices (id, account_id, subscription_id, number, status, currency, subtotal,
                                       tax, total, issued_at, due_at, paid_at, provider_id, provider_updated)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                &[
                    new_id("inv").into(),
                    account.into(),
                    subscription.into(),
                    inv["number"].as_str().unwrap_or(provider_id).into(),
                    status.into(),
                    text(inv, "currency").to_ascii_uppercase().into(),
                    subtotal.into(),
                    tax.into(),
                    total.into(),
                    rfc3339(issued).into(),
                    rfc3339(inv["due_date"].as_i64().unwrap_or(issued)).into(),
                    paid_at.into(),
                    provider_id.into(),
                    created.into(),
                ],
            )?;
            Ok(Outcome::Applied)
        }
    }
}

/// A refund: the invoice's refunded amount only ever grows; the open refund request of the
/// invoice is resolved and whoever asked is told by email.
fn charge_refunded(db: &dyn Db, charge: &Value, now: i64) -> Result<Outcome, DbError> {
    let refunded = charge["amount_refunded"].as_i64().unwrap_or_default();
    let invoice = text(charge, "invoice");
    let changed = db.execute(
        "UPDATE invoices SET amount_refunded = $1 WHERE provider_id = $2 AND amount_refunded < $1",
        &[refunded.into(), invoice.into()],
    )?;
    if changed != 1 {
        return Ok(Outcome::Ignored);
    }
    if let Some(mail) = super::refunds::resolve_refunded(db, invoice, now)? {
        super::outbox::enqueue(db, &mail)?;
    }
    Ok(Outcome::Applied)
}

/// Stripe's verification of a tax id (`verification.status`: pending, verified, unverified or
/// unavailable) for the account's current tax id.
fn tax_id_checked(db: &dyn Db, tax_id: &Value) -> Result<Outcome, DbError> {
    let status = match tax_id["verification"]["status"].as_str() {
        Some("verified") => "verified",
        Some("pending") => "pending",
        Some("unverified") => "failed",
        _ => return Ok(Outcome::Ignored),
    };
    let value: String = text(tax_id, "value")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let changed = db.execute(
        "UPDATE accounts SET tax_id_status = $1 WHERE provider_customer_id = $2 AND tax_id = $3",
        &[status.into(), text(tax_id, "customer").into(), value.into()],
    )?;
    Ok(if changed == 1 {
        Outcome::Applied
    } else {
        Outcome::Ignored
    })
}
