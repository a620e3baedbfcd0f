//! EU VAT numbers, format-checked per country as the European Commission's VIES describes
//! them: the country prefix, then the national pattern. A number in the right format is not yet
//! a verified one; verification is the payment provider's to report.

use crate::i18n::Reader;

/// Why a VAT number is not well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformed {
    /// The country has no EU VAT number.
    OutsideTheArea {
        /// Its ISO code.
        country: String,
    },
    /// The number does not start with the country's prefix.
    Prefix {
        /// The prefix it should start with.
        prefix: &'static str,
        /// A well-formed number of the country.
        example: String,
    },
    /// The national part does not match the country's format.
    Format {
        /// The country's prefix.
        prefix: &'static str,
        /// A well-formed number of the country.
        example: String,
    },
}

impl Malformed {
    /// What is wrong and what a right one looks like, in the reader's words.
    pub fn words(&self, r: Reader) -> String {
        match self {
            Malformed::OutsideTheArea { country } => r.fill(
                "{country} is not in the EU VAT area.",
                &[("country", country)],
            ),
            Malformed::Prefix { prefix, example } => r.fill(
                "A VAT number of this country starts with {prefix}, such as {example}.",
                &[("prefix", prefix), ("example", example)],
            ),
            Malformed::Format { prefix, example } => r.fill(
                "This is not the format of a {prefix} VAT number, which looks like {example}.",
                &[("prefix", prefix), ("example", example)],
            ),
        }
    }
}

/// Each country's prefix and its patterns: `9` a digit, `A` a letter, `X` a letter or digit,
/// anything else itself.
const FORMATS: &[(&str, &[&str])] = &[
    ("AT", &["U99999999"]),
    ("BE", &["0999999999", "1999999999"]),
    ("BG", &["999999999", "9999999999"]),
    ("CY", &["99999999A"]),
    ("CZ", &["99999999", "999999999", "9999999999"]),
    ("DE", &["999999999"]),
    ("DK", &["99999999"]),
    ("EE", &["999999999"]),
    ("EL", &["999999999"]),
    ("ES", &["X9999999X"]),
    ("FI", &["99999999"]),
    ("FR", &["XX999999999"]),
    ("HR", &["99999999999"]),
    ("HU", &["99999999"]),
    ("IE", &["9999999A", "9999999AA", "9X99999A"]),
    ("IT", &["99999999999"]),
    ("LT", &["999999999", "999999999999"]),
    ("LU", &["99999999"]),
    ("LV", &["99999999999"]),
    ("MT", &["99999999"]),
    ("NL", &["999999999B99"]),
    ("PL", &["9999999999"]),
    ("PT", &["999999999"]),
    (
        "RO",
        &[
            "99",
            "999",
            "9999",
            "99999",
            "999999",
            "9999999",
            "99999999",
            "999999999",
            "9999999999",
        ],
    ),
    ("SE", &["999999999901"]),
    ("SI", &["99999999"]),
    ("SK", &["9999999999"]),
    ("XI", &["999999999", "999999999999", "GD999", "HA999"]),
];

fn matches(pattern: &str, value: &str) -> bool {
    pattern.len() == value.len()
        && pattern.bytes().zip(value.bytes()).all(|(p, c)| match p {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_uppercase(),
            b'X' => c.is_ascii_uppercase() || c.is_ascii_digit(),
            literal => literal == c,
        })
}

/// The VAT prefix of an ISO country code (Greece is `EL`, Northern Ireland `XI`), for EU
/// countries only.
pub fn prefix(country: &str) -> Option<&'static str> {
    let code = if country == "GR" { "EL" } else { country };
    FORMATS.iter().find(|(p, _)| *p == code).map(|(p, _)| *p)
}

/// The number written without spaces, dots or dashes and upper-cased, if it is a well-formed
/// VAT number of `country` (ISO code); otherwise why not.
pub fn check(country: &str, input: &str) -> Result<String, Malformed> {
    let Some(prefix) = prefix(country) else {
        return Err(Malformed::OutsideTheArea {
            country: country.to_string(),
        });
    };
    let value: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect::<String>()
        .to_ascii_uppercase();
    let national = value
        .strip_prefix(prefix)
        .ok_or_else(|| Malformed::Prefix {
            prefix,
            example: format!("{prefix}{}", example(prefix)),
        })?;
    let ok = FORMATS
        .iter()
        .find(|(p, _)| *p == prefix)
        .is_some_and(|(_, patterns)| patterns.iter().any(|p| matches(p, national)));
    if ok {
        Ok(value)
    } else {
        Err(Malformed::Format {
            prefix,
            example: format!("{prefix}{}", example(prefix)),
        })
    }
}

fn example(prefix: &str) -> String {
    FORMATS
        .iter()
        .find(|(p, _)| *p == prefix)
        .and_then(|(_, patterns)| patterns.last())
        .map(|p| p.replace('A', "X").replace('9', "1"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn vat_numbers_are_checked_per_country() {
        assert_eq!(check("DE", "de 123 456 789"), Ok("DE123456789".into()));
        assert_eq!(check("BG", "BG175074752"), Ok("BG175074752".into()));
        assert_eq!(check("NL", "NL123456789B01"), Ok("NL123456789B01".into()));
        assert_eq!(check("GR", "EL123456789"), Ok("EL123456789".into()));
        assert_eq!(check("AT", "ATU12345678"), Ok("ATU12345678".into()));
        assert!(check("DE", "DE12345678").is_err(), "one digit short");
        assert!(
            check("DE", "FR12345678901").is_err(),
            "another country's prefix"
        );
        assert!(check("NL", "NL123456789A01").is_err());
        assert!(check("US", "US123").is_err(), "outside the EU");
        assert!(check("FR", "FRXX123456789").is_ok());
    }
}
