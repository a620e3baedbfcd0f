//! The account's payment methods as the payment provider reports them: brand, last four digits
//! and expiry, never a card number. The last method of an account with a running subscription
//! cannot be removed.

use super::lists::List;
use crate::db::{Db, DbError, Row};
use crate::time::start_of_next_month;

/// One card.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PaymentMethod {
    /// `pm_...` (the provider's id).
    pub id: String,
    /// `visa`, `mastercard`, ...
    pub brand: String,
    /// The last four digits.
    pub last4: String,
    /// Expiry month, 1 to 12.
    pub exp_month: i64,
    /// Expiry year.
    pub exp_year: i64,
    /// Whether invoices are charged to it.
    pub is_default: bool,
}

impl PaymentMethod {
    /// Whether the card stops working within `days` of `now` (it works to the end of its
    /// expiry month), or already has.
    pub fn expires_within(&self, now: i64, days: i64) -> bool {
        start_of_next_month(self.exp_year, self.exp_month) - now <= days * 86_400
    }

    /// `Visa ending 4242, expires 12/2026`.
    pub fn label(&self) -> String {
        let mut brand = self.brand.clone();
        if let Some(first) = brand.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        format!(
            "{brand} ending {}, expires {:02}/{}",
            self.last4, self.exp_month, self.exp_year
        )
    }
}

/// The columns [`payment_method`] reads, over `payment_methods p`.
pub const COLUMNS: &[&str] = &[
    "p.id",
    "p.brand",
    "p.last4",
    "p.exp_month",
    "p.exp_year",
    "p.is_default",
];

/// The account `$1`'s methods, the default first; bounded by `$2` where the caller shares it.
pub const ACCOUNT_METHODS: List<'static> = List {
    columns: COLUMNS,
    from: "payment_methods p WHERE p.account_id = $1",
    order_by: "p.is_default DESC, p.id",
    limit: Some(super::lists::SHOWN),
};

/// Decodes a row of [`COLUMNS`].
pub fn payment_method(r: &Row) -> Result<PaymentMethod, DbError> {
    Ok(PaymentMethod {
        id: r.text(0)?,
        brand: r.text(1)?,
        last4: r.text(2)?,
        exp_month: r.int(3)?,
        exp_year: r.int(4)?,
        is_default: r.flag(5)?,
    })
}

/// Why a method cannot be removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No such method in the account.
    NotFound,
    /// It is the last one and a subscription still runs on it.
    LastOfRunningSubscription(String),
}

/// Checks that the account's method `id` may be removed.
pub fn check_removal(
    db: &dyn Db,
    account_id: &str,
    id: &str,
) -> Result<Result<(), Refused>, DbError> {
    let Some(r) = db.query_opt(
        "SELECT (SELECT COUNT(*) FROM payment_methods WHERE account_id = $1),
                (SELECT plan FROM subscriptions
                  WHERE account_id = $1 AND status IN ('trialing', 'active', 'past_due', 'paused')
                  ORDER BY created_at LIMIT 1)
           FROM payment_methods WHERE id = $2 AND account_id = $1",
        &[account_id.into(), id.into()],
    )?
    else {
        return Ok(Err(Refused::NotFound));
    };
    Ok(match (r.int(0)?, r.opt_text(1)?) {
        (1, Some(plan)) => Err(Refused::LastOfRunningSubscription(format!(
            "This is the only payment method and the {plan} subscription is paid with it. Add another card first, or end the subscription."
        ))),
        _ => Ok(()),
    })
}

/// Removes the account's method `id` (after the provider detached it).
pub fn remove(db: &dyn Db, account_id: &str, id: &str) -> Result<bool, DbError> {
    Ok(db.execute(
        "DELETE FROM payment_methods WHERE id = $1 AND account_id = $2",
        &[id.into(), account_id.into()],
    )? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(exp_month: i64, exp_year: i64) -> PaymentMethod {
        PaymentMethod {
            id: "pm_1".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month,
            exp_year,
            is_default: true,
        }
    }

    #[test]
    fn a_card_works_to_the_end_of_its_expiry_month() {
        // 2026-12-03.
        let now = 1_796_342_400;
        assert!(card(12, 2026).expires_within(now, 30), "ends this month");
        assert!(card(11, 2026).expires_within(now, 30), "already expired");
        assert!(
            !card(1, 2027).expires_within(now, 30),
            "works through January"
        );
        assert!(!card(8, 2030).expires_within(now, 30));
        assert_eq!(card(3, 2027).label(), "Visa ending 4242, expires 03/2027");
    }
}
