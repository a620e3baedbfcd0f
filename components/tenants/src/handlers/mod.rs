//! Request handlers, one module per resource.

pub mod api;
pub mod cloud;
pub mod create;
pub mod integrations;
pub mod lifecycle;
pub mod msp;
pub mod provisioner;
pub mod settings;
pub mod workspace;

use pulse_core::AppError;

/// Refuses non-provider accounts: MSP views exist only for provider accounts.
pub fn require_provider(who: &pulse_core::identity::Identity) -> Result<(), AppError> {
    if who.account.account_kind != pulse_core::identity::AccountKind::Provider {
        return Err(AppError::NotFound);
    }
    Ok(())
}
