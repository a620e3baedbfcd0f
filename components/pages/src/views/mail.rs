//! Emails the pages area sends, each written in its recipient's language.

use maud::html;
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::store::accounts::Invitation;
use pulse_core::store::outbox::Mail;

use pulse_core::views::fill_html;

/// The invitation, with its single-use link, as `r` (the invited person) reads it.
pub fn invitation(r: Reader, from: &Identity, sent: &Invitation, link: &str) -> Mail {
    let account = &from.account.account_name;
    let role = r.tr(sent.role.label());
    let expires = r.day(&sent.expires_at);
    let hello = r.tr("Hello,");
    let sender = format!("{} ({})", from.display_name, from.email);
    let invited = r.fill(
        "{who} invited you to join {account} on Pulse Account as {role}.",
        &[("who", &sender), ("account", account), ("role", role)],
    );
    let accept = r.tr("Accept the invitation");
    let once = r.fill(
        "The link works once, until {date}. If you did not expect this, ignore this email.",
        &[("date", &expires)],
    );
    Mail {
        to: sent.email.clone(),
        subject: r.fill(
            "{who} invited you to {account} on Pulse",
            &[("who", &from.display_name), ("account", account)],
        ),
        text: format!("{hello}\n\n{invited}\n\n{accept}: {link}\n\n{once}\n"),
        html: html! {
            p { (hello) }
            p {
                (fill_html(r, msg("{who} invited you to join {account} on Pulse Account as {role}."), &[
                    ("who", html! { (sender) }),
                    ("account", html! { strong { (account) } }),
                    ("role", html! { (role) }),
                ]))
            }
            p { a href=(link) { (accept) } }
            p { (once) }
        }
        .into_string(),
    }
}

/// The link that proves a new sign-in address, mailed to that address, as `r` (the person who
/// asked) reads it.
pub fn confirm_new_email(r: Reader, who: &Identity, new_email: &str, link: &str) -> Mail {
    let hello = r.fill("Hello {name},", &[("name", &who.display_name)]);
    let asked = r.fill(
        "You asked to sign in to Pulse Account with this address instead of {email}.",
        &[("email", &who.email)],
    );
    let confirm = r.tr("Confirm it");
    let once = r.tr(
        "The link works once, for 24 hours. If you did not ask for this, ignore this email: nothing changes.",
    );
    Mail {
        to: new_email.to_string(),
        subject: r
            .tr("Confirm your new sign-in address for Pulse")
            .to_string(),
        text: format!("{hello}\n\n{asked}\n\n{confirm}: {link}\n\n{once}\n"),
        html: html! {
            p { (hello) }
            p { (asked) }
            p { a href=(link) { (r.tr("Confirm your new sign-in address")) } }
            p { (once) }
        }
        .into_string(),
    }
}

/// The notice to the previous address once the sign-in address has changed, as `r` (the same
/// person) reads it.
pub fn email_changed(r: Reader, old_email: &str, new_email: &str) -> Mail {
    let hello = r.tr("Hello,");
    let changed = r.fill(
        "The Pulse Account sign-in address that was {old} is now {new}.",
        &[("old", old_email), ("new", new_email)],
    );
    let contact = r.tr("If you did not make this change, contact support at once.");
    Mail {
        to: old_email.to_string(),
        subject: r.tr("Your Pulse sign-in address was changed").to_string(),
        text: format!("{hello}\n\n{changed} {contact}\n"),
        html: html! {
            p { (hello) }
            p {
                (fill_html(r, msg("The Pulse Account sign-in address that was {old} is now {new}."), &[
                    ("old", html! { (old_email) }),
                    ("new", html! { strong { (new_email) } }),
                ]))
            }
            p { (contact) }
        }
        .into_string(),
    }
}
