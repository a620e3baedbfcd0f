//! Request handlers.

pub mod index;
pub mod legacy;
pub mod requests;
