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

/// Why a change did not happen: a refusal to show next to the form (`R`), or a failure.
pub enum Failed<R> {
    /// Refused, with the reason.
    Refused(R),
    /// Failed.
    App(AppError),
}

impl<R> From<pulse_core::db::DbError> for Failed<R> {
    fn from(e: pulse_core::db::DbError) -> Self {
        Failed::App(e.into())
    }
}
