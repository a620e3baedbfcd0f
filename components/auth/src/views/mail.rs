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

/// The note sent when an address with no account asks for a link: the web answer is the same
/// either way, and only the mailbox owner learns there is no account.
pub fn no_account(to: &str, origin: &str) -> Mail {
    Mail {
        to: to.to_string(),
        subject: "Sign-in attempt at Pulse Account".into(),
        text: format!(
            "Hello,\n\nSomeone asked to sign in to Pulse Account with this address, but it has no account.\nIf your company uses Pulse, ask an account owner to invite you, or recover access at {origin}/recover\n"
        ),
        html: html! {
            p { "Hello," }
            p { "Someone asked to sign in to Pulse Account with this address, but it has no account." }
            p { "If your company uses Pulse, ask an account owner to invite you, or "
                a href={ (origin) "/recover" } { "recover access" } "." }
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
