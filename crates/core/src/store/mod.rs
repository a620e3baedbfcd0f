//! Data access: every query the areas run, written once for both dialects and always scoped to
//! the caller's account.

pub mod accounts;
pub mod activations;
pub mod api_tokens;
pub mod audit;
pub mod billing;
pub mod billing_details;
pub mod email_links;
pub mod grants;
pub mod idempotency;
pub mod integrations;
pub mod invitations;
pub mod licenses;
pub mod lifecycle;
pub mod lists;
pub mod outbox;
pub mod overview;
pub mod payment_methods;
pub mod payments;
pub mod privacy;
pub mod provisioning;
pub mod purchases;
pub mod refunds;
pub mod requests;
pub mod sessions;
pub mod subscriptions;
pub mod tenants;
pub mod users;
pub mod workspace_settings;
