//! Request handlers, one module per resource.

pub mod activations;
pub mod invoices;
pub mod licenses;
pub mod manage;
pub mod purchases;
pub mod subscriptions;
pub mod webhooks;

use pulse_core::AppError;
use pulse_core::identity::Identity;

/// Billing details are for owners, admins and billing members.
pub fn require_billing(who: &Identity) -> Result<(), AppError> {
    if who.account.role.can_manage_billing() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Billing is visible to the account's owners, admins and billing members. Ask one of them for access.".into(),
        ))
    }
}
