//! What an account's invoices and receipts are addressed to: company name, country, billing
//! address and tax id, whose verification status the payment provider reports.

use crate::i18n::{Reader, msg};
use serde::Serialize;

use crate::db::{Db, DbError};

/// The billing details of an account.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BillingDetails {
    /// Company name (the account's name).
    pub name: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: Option<String>,
    /// Postal address, as written.
    pub address: Option<String>,
    /// Tax id (an EU VAT number where the country has one).
    pub tax_id: Option<String>,
    /// unverified, pending, verified or failed.
    pub tax_id_status: Option<String>,
}

/// Reads the account's billing details.
pub fn find(db: &dyn Db, account_id: &str) -> Result<Option<BillingDetails>, DbError> {
    db.query_opt(
        "SELECT name, country, billing_address, tax_id, tax_id_status FROM accounts WHERE id = $1",
        &[account_id.into()],
    )?
    .map(|r| {
        Ok(BillingDetails {
            name: r.text(0)?,
            country: r.opt_text(1)?,
            address: r.opt_text(2)?,
            tax_id: r.opt_text(3)?,
            tax_id_status: r.opt_text(4)?,
        })
    })
    .transpose()
}

/// Checks what was typed: a company name, a real country, an address of at most 500
/// characters, and a tax id that is a well-formed VAT number of an EU country (elsewhere, up to
/// 40 letters, digits and dashes). Each problem names its field; a malformed VAT number is told
/// in `r`'s words.
pub fn check(
    name: &str,
    country: &str,
    address: &str,
    tax_id: &str,
    r: Reader,
) -> Result<BillingDetails, Vec<(String, String)>> {
    let new = super::accounts::NewAccount::parse(name, country);
    let mut errors = new.as_ref().err().cloned().unwrap_or_default();
    let address = address.trim();
    if address.chars().count() > 500 {
        errors.push((
            "address".into(),
            msg("Shorten the address to at most 500 characters.").into(),
        ));
    }
    let tax_id = tax_id.trim();
    let country = country.trim().to_ascii_uppercase();
    let checked_tax_id =
        if tax_id.is_empty() {
            None
        } else if crate::vat::prefix(&country).is_some() {
            match crate::vat::check(&country, tax_id) {
                Ok(v) => Some(v),
                Err(why) => {
                    errors.push(("tax_id".into(), why.words(r)));
                    None
                }
            }
        } else if tax_id.len() <= 40
            && tax_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
        {
            Some(tax_id.to_ascii_uppercase())
        } else {
            errors.push((
            "tax_id".into(),
            msg("Enter the tax id as on your registration: letters, digits and dashes, at most 40.")
                .into(),
        ));
            None
        };
    match new {
        Ok(new) if errors.is_empty() => Ok(BillingDetails {
            name: new.name,
            country: Some(new.country),
            address: (!address.is_empty()).then(|| address.to_string()),
            tax_id: checked_tax_id,
            tax_id_status: None,
        }),
        _ => Err(errors),
    }
}

/// Saves the details; a changed tax id starts again as `unverified`. Call inside a
/// transaction.
pub fn save(db: &dyn Db, account_id: &str, d: &BillingDetails) -> Result<(), DbError> {
    let current = find(db, account_id)?.unwrap_or_default();
    let status = match &d.tax_id {
        None => None,
        Some(new) if current.tax_id.as_ref() == Some(new) => current.tax_id_status,
        Some(_) => Some("unverified".to_string()),
    };
    db.execute(
        "UPDATE accounts SET name = $1, country = $2, billing_address = $3, tax_id = $4,
                tax_id_status = $5
          WHERE id = $6",
        &[
            d.name.as_str().into(),
            d.country.as_deref().into(),
            d.address.as_deref().into(),
            d.tax_id.as_deref().into(),
            status.into(),
            account_id.into(),
        ],
    )?;
    Ok(())
}
