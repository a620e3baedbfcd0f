//! Request handlers, one module per resource.

pub mod accounts;
pub mod activity;
pub mod assets;
pub mod health;
pub mod home;
pub mod invitations;
pub mod landing;
pub mod onboarding;
pub mod profile;
pub mod team;
