//! Page and mail views.

pub mod forms;
pub mod index;
pub mod mail;
pub mod privacy;
pub mod refunds;
pub mod support;
