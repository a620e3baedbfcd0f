//! Money as integer minor units with an ISO 4217 currency.

use std::fmt;

use crate::i18n::Locale;

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

    /// Digits after the decimal point in `currency` (ISO 4217): none for the yen, the won and
    /// the other zero-decimal currencies, three for the dinars and rials that have them.
    fn exponent(&self) -> u32 {
        match self.currency.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }

    /// The amount written for `locale`: digit grouping, decimal sign and where the currency
    /// goes follow the locale (`€1,234.50` in English, `1 234,50 €` in Bulgarian); the number of
    /// decimals follows the currency.
    pub fn format(&self, locale: Locale) -> String {
        let exp = self.exponent();
        let scale = 10u64.pow(exp);
        let abs = self.amount.unsigned_abs();
        let (major, minor) = (abs / scale, abs % scale);
        let (group, decimal) = match locale {
            Locale::En => (",", "."),
            Locale::Bg => ("\u{a0}", ","),
        };
        let mut number = crate::i18n::group_digits(&major.to_string(), group);
        if exp > 0 {
            number.push_str(&format!("{decimal}{minor:0width$}", width = exp as usize));
        }
        let sign = if self.amount < 0 { "-" } else { "" };
        let symbol = match self.currency.as_str() {
            "EUR" => Some("€"),
            "USD" => Some("$"),
            "GBP" => Some("£"),
            "JPY" => Some("¥"),
            "BGN" if locale == Locale::Bg => Some("лв."),
            _ => None,
        };
        match (locale, symbol) {
            (Locale::En, Some(sym)) => format!("{sign}{sym}{number}"),
            (_, Some(sym)) => format!("{sign}{number}\u{a0}{sym}"),
            (_, None) => format!("{sign}{number}\u{a0}{}", self.currency),
        }
    }
}

impl fmt::Display for Money {
    /// In English: `€1,234.50`, `$12.00`, `12.00 CHF`, `¥1,200`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(Locale::En).replace('\u{a0}', " "))
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
        assert_eq!(Money::new(1200, "JPY").to_string(), "¥1,200");
    }

    #[test]
    fn decimals_follow_the_currency() {
        // Zero-decimal currencies count whole units; three-decimal ones thousandths.
        assert_eq!(Money::new(1200, "JPY").format(Locale::En), "¥1,200");
        assert_eq!(
            Money::new(50_000, "KRW").format(Locale::En),
            "50,000\u{a0}KRW"
        );
        assert_eq!(
            Money::new(1_234, "KWD").format(Locale::En),
            "1.234\u{a0}KWD"
        );
        assert_eq!(Money::new(5, "CLP").format(Locale::Bg), "5\u{a0}CLP");
    }

    #[test]
    fn grouping_decimal_sign_and_symbol_follow_the_locale() {
        let m = Money::new(123_450, "EUR");
        assert_eq!(m.format(Locale::En), "€1,234.50");
        assert_eq!(m.format(Locale::Bg), "1\u{a0}234,50\u{a0}€");
        assert_eq!(Money::new(-99, "BGN").format(Locale::Bg), "-0,99\u{a0}лв.");
        assert_eq!(
            Money::new(1_000_000, "USD").format(Locale::Bg),
            "10\u{a0}000,00\u{a0}$"
        );
    }
}
