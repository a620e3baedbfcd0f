//! Request handlers, one module per resource.

pub mod api;
pub mod handoff;
pub mod login;
pub mod mailbox;
pub mod oidc;
pub mod outbox;
pub mod security;
pub mod session;
pub mod verify;

use pulse_core::AppError;
use pulse_core::spin::Ctx;
use pulse_core::token::KeyRing;

/// The signing keys; a development key in production is refused (503, nothing signed).
pub fn key_ring(ctx: &Ctx) -> Result<KeyRing, AppError> {
    pulse_core::spin::session_key_ring(ctx.config.mode == pulse_core::config::Mode::Production)
        .map_err(AppError::Unavailable)
}

/// A safe place to return to after sign-in: a local path, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 500 =>
        {
            n.to_string()
        }
        _ => "/dashboard".to_string(),
    }
}
