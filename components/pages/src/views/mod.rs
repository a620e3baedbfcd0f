//! Page views: pure functions from loaded data to markup.

pub mod activity;
pub mod home;
pub mod landing;
pub mod mail;
pub mod onboarding;
pub mod profile;
pub mod team;
