//! Page and mail views: pure functions from loaded data to markup.

pub mod login;
pub mod mail;
pub mod mailbox;
pub mod oidc;
pub mod security;
pub mod verify;
