//! Money as integer minor units with an ISO 4217 currency.

use std::fmt;

/// An amount in minor units (cents) of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Money {
    /// Integer minor units.
    pub amount: i64,
    /// ISO 4217 code, upper case.
    pub currency: String,
}

impl Money {
    /// An amount of minor units in a currency.
    pub fn new(amount: i64, currency: &str) -> Self {
        Self {
            amount,
            currency: currency.to_ascii_uppercase(),
        }
    }

    fn exponent(&self) -> u32 {
        match self.currency.as_str() {
            "JPY" | "KRW" | "ISK" => 0,
            _ => 2,
        }
    }
}

impl fmt::Display for Money {
    /// `€1,234.50`, `$12.00`, `12.00 CHF`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = self.exponent();
        let scale = 10i64.pow(exp);
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        let major = abs / scale as u64;
        let minor = abs % scale as u64;
        let digits = major.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let number = if exp == 0 {
            grouped
        } else {
            format!("{grouped}.{minor:0width$}", width = exp as usize)
        };
        match self.currency.as_str() {
            "EUR" => write!(f, "{sign}€{number}"),
            "USD" => write!(f, "{sign}${number}"),
            "GBP" => write!(f, "{sign}£{number}"),
            code => write!(f, "{sign}{number} {code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minor_units_with_grouping() {
        assert_eq!(Money::new(123_450, "eur").to_string(), "€1,234.50");
        assert_eq!(Money::new(-5, "USD").to_string(), "-$0.05");
        assert_eq!(Money::new(1200, "CHF").to_string(), "12.00 CHF");
        assert_eq!(Money::new(1200, "JPY").to_string(), "1,200 JPY");
    }
}
