//! Email templates: an HTML part rendered with maud and a plain-text part, both in the
//! recipient's language.

use maud::html;
use pulse_core::i18n::Reader;
use pulse_core::store::outbox::Mail;

use pulse_core::views::fill_html;

/// The sign-in link.
pub fn sign_in_link(r: Reader, to: &str, link: &str) -> Mail {
    let hello = r.tr("Hello,");
    let use_it = r
        .tr("Use this link to sign in to Pulse Account. It works once and expires in ten minutes:");
    let not_you = r.tr("If you did not ask to sign in, ignore this email.");
    Mail {
        to: to.to_string(),
        subject: r.tr("Your Pulse Account sign-in link").into(),
        text: format!("{hello}\n\n{use_it}\n\n{link}\n\n{not_you}\n"),
        html: html! {
            p { (hello) }
            p { (use_it) }
            p { a href=(link) { (r.tr("Sign in to Pulse Account")) } }
            p { (not_you) }
        }
        .into_string(),
    }
}

/// The link sent to an address with no user yet: the web answer is the same either way, and
/// only the mailbox owner learns that following it starts a new account.
pub fn welcome_link(r: Reader, to: &str, link: &str) -> Mail {
    let hello = r.tr("Hello,");
    let use_it = r.tr(
        "This address has no Pulse Account yet. Use this link to sign in and set one up for your company. It works once and expires in ten minutes:",
    );
    let join = r.tr(
        "If your company already uses Pulse, ask one of its account owners to invite this address instead, so you join their account.",
    );
    let not_you = r.tr(
        "If you did not ask for this, ignore this email: nothing is created until the link is used.",
    );
    Mail {
        to: to.to_string(),
        subject: r.tr("Your link to start with Pulse Account").into(),
        text: format!("{hello}\n\n{use_it}\n\n{link}\n\n{join}\n{not_you}\n"),
        html: html! {
            p { (hello) }
            p { (use_it) }
            p { a href=(link) { (r.tr("Start with Pulse Account")) } }
            p { (join) }
            p { (not_you) }
        }
        .into_string(),
    }
}

/// The step-up verification code.
pub fn verification_code(r: Reader, to: &str, code: &str) -> Mail {
    let hello = r.tr("Hello,");
    let your_code = r.tr("Your verification code is {code}. It works for ten minutes.");
    let not_you = r.tr(
        "If you did not ask for it, someone may be using your session: sign out everywhere from the Security page.",
    );
    Mail {
        to: to.to_string(),
        subject: r.fill(
            "{code} is your Pulse Account verification code",
            &[("code", code)],
        ),
        text: format!(
            "{hello}\n\n{}\n\n{not_you}\n",
            your_code.replace("{code}", code)
        ),
        html: html! {
            p { (hello) }
            p { (fill_html(r, your_code, &[("code", html! { strong { (code) } })])) }
            p { (not_you) }
        }
        .into_string(),
    }
}
