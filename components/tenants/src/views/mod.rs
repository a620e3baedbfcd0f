//! Page views: pure functions from loaded data to markup.

pub mod cloud;
pub mod integrations;
pub mod msp;
