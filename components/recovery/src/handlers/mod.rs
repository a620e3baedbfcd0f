//! Request handlers.

pub mod index;
pub mod requests;
