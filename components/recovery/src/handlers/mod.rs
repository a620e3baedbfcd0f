//! Request handlers.

pub mod index;
pub mod legacy;
pub mod refunds;
pub mod requests;
pub mod support;
