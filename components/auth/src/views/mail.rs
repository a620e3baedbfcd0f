//! Email templates: an HTML part rendered with maud and a plain-text part.

use maud::html;
use pulse_core::store::outbox::Mail;

/// The sign-in link.
pub fn sign_in_link(to: &str, link: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: "Your Pulse Account sign-in link".into(),
        text: format!(
            "Hello,\n\nUse this link to sign in to Pulse Account. It works once and expires in ten minutes:\n\n{link}\n\nIf you did not ask to sign in, ignore this email.\n"
        ),
        html: html! {
            p { "Hello," }
            p { "Use this link to sign in to Pulse Account. It works once and expires in ten minutes:" }
            p { a href=(link) { "Sign in to Pulse Account" } }
            p { "If you did not ask to sign in, ignore this email." }
        }
        .into_string(),
    }
}

/// The link sent to an address with no user yet: the web answer is the same either way, and
/// only the mailbox owner learns that following it starts a new account.
pub fn welcome_link(to: &str, link: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: "Your link to start with Pulse Account".into(),
        text: format!(
            "Hello,\n\nThis address has no Pulse Account yet. Use this link to sign in and set one up for your company. It works once and expires in ten minutes:\n\n{link}\n\nIf your company already uses Pulse, ask one of its account owners to invite this address instead, so you join their account.\nIf you did not ask for this, ignore this email: nothing is created until the link is used.\n"
        ),
        html: html! {
            p { "Hello," }
            p { "This address has no Pulse Account yet. Use this link to sign in and set one up for your company. It works once and expires in ten minutes:" }
            p { a href=(link) { "Start with Pulse Account" } }
            p { "If your company already uses Pulse, ask one of its account owners to invite this address instead, so you join their account." }
            p { "If you did not ask for this, ignore this email: nothing is created until the link is used." }
        }
        .into_string(),
    }
}

/// The step-up verification code.
pub fn verification_code(to: &str, code: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: format!("{code} is your Pulse Account verification code"),
        text: format!(
            "Hello,\n\nYour verification code is {code}. It works for ten minutes.\n\nIf you did not ask for it, someone may be using your session: sign out everywhere from the Security page.\n"
        ),
        html: html! {
            p { "Hello," }
            p { "Your verification code is " strong { (code) } ". It works for ten minutes." }
            p { "If you did not ask for it, someone may be using your session: sign out everywhere from the Security page." }
        }
        .into_string(),
    }
}
