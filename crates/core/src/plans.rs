//! The plans a customer can buy, kept as data: each with its price and the Stripe price
//! `lookup_key` that names it at the payment provider. Plan changes stay within a family and an
//! interval; an expired self-hosted license renews on the plan its label names.

use crate::money::Money;

/// What a plan pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Hosted workspaces.
    Cloud,
    /// A self-hosted license, renewed yearly.
    SelfHosted,
    /// The provider (MSP) plan.
    Msp,
}

/// One plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Stable key (`cloud_pro_month`).
    pub key: &'static str,
    /// The name subscriptions carry.
    pub name: &'static str,
    /// What it pays for.
    pub family: Family,
    /// Price per interval, in minor units.
    pub amount: i64,
    /// ISO 4217.
    pub currency: &'static str,
    /// `month` or `year`.
    pub interval: &'static str,
    /// The Stripe price's lookup key.
    pub lookup_key: &'static str,
    /// For self-hosted plans, the license label it renews (`Pro, 25 seats`).
    pub license_plan: Option<&'static str>,
    /// One line on what it includes.
    pub summary: &'static str,
}

impl Plan {
    /// The price.
    pub fn price(&self) -> Money {
        Money::new(self.amount, self.currency)
    }
}

/// Every plan on sale.
pub const PLANS: &[Plan] = &[
    Plan {
        key: "cloud_basic_month",
        name: "Pulse Cloud Basic",
        family: Family::Cloud,
        amount: 9_900,
        currency: "EUR",
        interval: "month",
        lookup_key: "pulse_cloud_basic_month",
        license_plan: None,
        summary: "One workspace on the Basic template, daily backups.",
    },
    Plan {
        key: "cloud_pro_month",
        name: "Pulse Cloud Pro",
        family: Family::Cloud,
        amount: 24_900,
        currency: "EUR",
        interval: "month",
        lookup_key: "pulse_cloud_pro_month",
        license_plan: None,
        summary: "Up to three workspaces on any template, test copies, hourly backups.",
    },
    Plan {
        key: "cloud_business_month",
        name: "Pulse Cloud Business",
        family: Family::Cloud,
        amount: 59_900,
        currency: "EUR",
        interval: "month",
        lookup_key: "pulse_cloud_business_month",
        license_plan: None,
        summary: "Up to ten workspaces, integrations included, priority support.",
    },
    Plan {
        key: "selfhosted_pro_year",
        name: "Pulse Pro self-hosted, 25 seats",
        family: Family::SelfHosted,
        amount: 180_000,
        currency: "EUR",
        interval: "year",
        lookup_key: "pulse_selfhosted_pro_year",
        license_plan: Some("Pro, 25 seats"),
        summary: "A year's license for 25 seats on up to three installations.",
    },
    Plan {
        key: "selfhosted_lab_year",
        name: "Pulse Pro self-hosted, Lab",
        family: Family::SelfHosted,
        amount: 30_000,
        currency: "EUR",
        interval: "year",
        lookup_key: "pulse_selfhosted_lab_year",
        license_plan: Some("Lab, 5 seats"),
        summary: "A year's license for 5 seats on one installation, for testing.",
    },
    Plan {
        key: "msp_month",
        name: "Pulse MSP",
        family: Family::Msp,
        amount: 99_000,
        currency: "EUR",
        interval: "month",
        lookup_key: "pulse_msp_month",
        license_plan: None,
        summary: "Manage client accounts and their workspaces.",
    },
];

/// The plan with `key`.
pub fn by_key(key: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.key == key)
}

/// The plan a subscription named `name` is on.
pub fn by_name(name: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.name == name)
}

/// The plan that renews a license labelled `label`.
pub fn for_license(label: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.license_plan == Some(label))
}

/// The plans `from` may change to: the same family and interval, not itself.
pub fn changes_from(from: &Plan) -> Vec<&'static Plan> {
    PLANS
        .iter()
        .filter(|p| p.family == from.family && p.interval == from.interval && p.key != from.key)
        .collect()
}

/// Seconds in an interval, on average (a month is a twelfth of a Julian year).
fn interval_seconds(interval: &str) -> i64 {
    if interval == "year" {
        31_557_600
    } else {
        2_629_800
    }
}

/// What moving from `from` to `to` at `now` costs for the rest of a period ending at
/// `period_end`: the unused time of the old price credited, the rest charged at the new one
/// (negative is a credit). What the offline provider charges; Stripe computes its own.
pub fn prorate(from: &Plan, to: &Plan, period_end: i64, now: i64) -> i64 {
    let period = interval_seconds(from.interval);
    let remaining = (period_end - now).clamp(0, period);
    let difference = i128::from(to.amount - from.amount);
    // Rounded half away from zero, as Stripe rounds prorations.
    let scaled = difference * i128::from(remaining);
    let half = i128::from(period) / 2;
    let rounded = if scaled >= 0 {
        (scaled + half) / i128::from(period)
    } else {
        (scaled - half) / i128::from(period)
    };
    i64::try_from(rounded).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_mid_period_charges_the_difference_for_the_time_left() {
        let (basic, pro) = (
            by_key("cloud_basic_month").unwrap_or(&PLANS[0]),
            by_key("cloud_pro_month").unwrap_or(&PLANS[1]),
        );
        let now = 1_000_000_000;
        // Half the period left: half of the €150 difference.
        assert_eq!(prorate(basic, pro, now + 2_629_800 / 2, now), 7_500);
        assert_eq!(prorate(pro, basic, now + 2_629_800 / 2, now), -7_500);
        // Nothing left, nothing owed; more than a period left counts as one period.
        assert_eq!(prorate(basic, pro, now, now), 0);
        assert_eq!(prorate(basic, pro, now + 10 * 2_629_800, now), 15_000);
    }

    #[test]
    fn changes_stay_within_the_family_and_interval() {
        let pro = by_key("cloud_pro_month").unwrap_or(&PLANS[1]);
        let keys: Vec<&str> = changes_from(pro).iter().map(|p| p.key).collect();
        assert_eq!(keys, ["cloud_basic_month", "cloud_business_month"]);
        assert_eq!(
            for_license("Lab, 5 seats").map(|p| p.key),
            Some("selfhosted_lab_year")
        );
        assert!(by_name("Pulse MSP").is_some());
    }
}
