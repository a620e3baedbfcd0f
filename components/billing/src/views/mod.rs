//! Page views: pure functions from loaded data to markup.

pub mod billing;
pub mod licenses;
pub mod manage;
pub mod purchases;
