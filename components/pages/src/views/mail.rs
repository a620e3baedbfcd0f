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

/// The link that proves a new sign-in address, mailed to that address.
pub fn confirm_new_email(who: &Identity, new_email: &str, link: &str) -> Mail {
    Mail {
        to: new_email.to_string(),
        subject: "Confirm your new sign-in address for Pulse".into(),
        text: format!(
            "Hello {},\n\nYou asked to sign in to Pulse Account with this address instead of \
             {}.\n\nConfirm it: {link}\n\nThe link works once, for 24 hours. If you did not ask \
             for this, ignore this email: nothing changes.\n",
            who.display_name, who.email
        ),
        html: html! {
            p { "Hello " (who.display_name) "," }
            p { "You asked to sign in to Pulse Account with this address instead of " (who.email) "." }
            p { a href=(link) { "Confirm your new sign-in address" } }
            p { "The link works once, for 24 hours. If you did not ask for this, ignore this email: nothing changes." }
        }
        .into_string(),
    }
}

/// The notice to the previous address once the sign-in address has changed.
pub fn email_changed(old_email: &str, new_email: &str) -> Mail {
    Mail {
        to: old_email.to_string(),
        subject: "Your Pulse sign-in address was changed".into(),
        text: format!(
            "Hello,\n\nThe Pulse Account sign-in address that was {old_email} is now \
             {new_email}. If you did not make this change, contact support at once.\n"
        ),
        html: html! {
            p { "Hello," }
            p { "The Pulse Account sign-in address that was " (old_email) " is now " strong { (new_email) } "." }
            p { "If you did not make this change, contact support at once." }
        }
        .into_string(),
    }
}
