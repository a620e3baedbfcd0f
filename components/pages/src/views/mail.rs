//! Emails the pages area sends.

use maud::html;
use pulse_core::identity::Identity;
use pulse_core::store::accounts::Invitation;
use pulse_core::store::outbox::Mail;

/// The invitation, with its single-use link.
pub fn invitation(from: &Identity, sent: &Invitation, link: &str) -> Mail {
    let account = &from.account.account_name;
    let role = sent.role.label();
    let expires = pulse_core::time::date_part(&sent.expires_at);
    Mail {
        to: sent.email.clone(),
        subject: format!("{} invited you to {account} on Pulse", from.display_name),
        text: format!(
            "Hello,\n\n{} ({}) invited you to join {account} on Pulse Account as {role}.\n\n\
             Accept the invitation: {link}\n\nThe link works once, until {expires}. If you did \
             not expect this, ignore this email.\n",
            from.display_name, from.email
        ),
        html: html! {
            p { "Hello," }
            p { (from.display_name) " (" (from.email) ") invited you to join " strong { (account) } " on Pulse Account as " (role) "." }
            p { a href=(link) { "Accept the invitation" } }
            p { "The link works once, until " (expires) ". If you did not expect this, ignore this email." }
        }
        .into_string(),
    }
}
