//! Request handlers.

pub mod index;
pub mod legacy;
pub mod manage;
pub mod privacy;
pub mod refunds;
pub mod requests;
pub mod support;
