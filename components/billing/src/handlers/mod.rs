//! Request handlers, one module per resource.

pub mod activations;
pub mod invoices;
pub mod licenses;
pub mod manage;
pub mod purchases;
pub mod subscriptions;
pub mod webhooks;

use pulse_core::AppError;
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;

use crate::views;

/// Billing details are for owners, admins and billing members.
pub fn require_billing(who: &Identity) -> Result<(), AppError> {
    if who.account.role.can_manage_billing() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            msg("Billing is visible to the account's owners, admins and billing members. Ask one of them for access.").into(),
        ))
    }
}

/// An error a form or page handler shows as an error page: a refusal with values in it (a
/// plan's name, a date) in the reader's words. The error page translates fixed sentences
/// itself; the API keeps the English.
pub fn on_page(r: Reader, e: AppError) -> AppError {
    match e {
        AppError::Conflict(why) => AppError::Conflict(views::words(r, &why)),
        other => other,
    }
}
