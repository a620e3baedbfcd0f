//! Page views: pure functions from loaded data to markup.

pub mod activity;
pub mod home;
pub mod landing;
pub mod mail;
pub mod onboarding;
pub mod profile;
pub mod team;

use pulse_core::i18n::{Reader, msg};

/// Sentences the core writes in English and these pages show (refusals of the store, form
/// problems, the activity log's kinds), for the catalog; [`words`] translates them.
#[rustfmt::skip]
const FIXED: &[&str] = &[
    // Refusals when inviting, changing a role or removing a member.
    msg("Only owners and admins manage the team."),
    msg("Only an owner can make someone an owner."),
    msg("This person is already a member of the account."),
    msg("Only an owner can change an owner's role."),
    msg("An account always keeps at least one owner: make someone else an owner first."),
    msg("You can't remove yourself; ask another owner or admin."),
    msg("Only an owner can remove an owner."),
    msg("An account always keeps at least one owner."),
    // A new account's form.
    msg("Enter your company's name (at least 2 characters)."),
    msg("Shorten the company name to at most 100 characters."),
    msg("The company name cannot hold line breaks or control characters."),
    msg("Choose the country your company is registered in."),
    // The activity log's kinds.
    msg("Sign-ins"),
    msg("API tokens"),
    msg("Profiles"),
    msg("Account"),
    msg("Team members"),
    msg("Invitations"),
    msg("Workspaces"),
    msg("Integrations"),
    msg("License activations"),
    msg("Subscriptions"),
    msg("Billing details"),
    msg("Refunds"),
    msg("Invoices"),
    msg("Cards"),
    msg("Licenses"),
    msg("Privacy requests"),
    msg("Provider access"),
    msg("Provider operators"),
];

/// A text the core wrote in English, in the reader's words when it is one of [`FIXED`]; any
/// other text (names, data) as it is.
pub fn words(r: Reader, text: &str) -> &str {
    if FIXED.contains(&text) {
        r.tr(text)
    } else {
        text
    }
}
