//! Single sign-on pages: what a visitor sees when the provider is unavailable, when sign-in was
//! refused, or when the identity has no Pulse Account. Each offers email sign-in instead.

use maud::{Markup, html};
use pulse_core::http::percent_encode;
use pulse_core::i18n::msg;
use pulse_core::views::{Shell, page};

fn retry_href(next: &str) -> String {
    format!("/login/sso?next={}", percent_encode(next))
}

fn email_href(next: &str) -> String {
    format!("/login?next={}", percent_encode(next))
}

/// The provider is down, slow, or answered something unusable.
pub fn unavailable(shell: &Shell, next: &str, request_id: &str) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("Single sign-on is unavailable"),
        html! {
            h1 { (l.tr("Single sign-on is unavailable right now")) }
            p role="alert" {
                (l.tr("Your company's identity provider did not answer properly, so we could not sign you in."))
                " " (l.tr("Nothing was changed."))
            }
            p { a.button href=(retry_href(next)) { (l.tr("Try again")) } }
            p {
                (l.tr("Or")) " " a href=(email_href(next)) { (l.tr("sign in with an email link")) }
                " " (l.tr("instead."))
            }
            p.muted { (l.tr("Request id:")) " " code { (request_id) } }
        },
    )
}

/// The sign-in attempt or its ID token was refused: the visitor is not signed in. `reason` is
/// one of the handler's catalogued explanations, translated here.
pub fn failed(shell: &Shell, reason: &str, next: &str, request_id: &str) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("Sign-in failed"),
        html! {
            h1 { (l.tr("Sign-in failed")) }
            p role="alert" { (l.tr("We could not sign you in with single sign-on.")) " " (l.tr(reason)) }
            p { a.button href=(email_href(next)) { (l.tr("Sign in with an email link")) } }
            p { (l.tr("Or")) " " a href=(retry_href(next)) { (l.tr("start single sign-on again")) } "." }
            p.muted { (l.tr("Request id:")) " " code { (request_id) } }
        },
    )
}

/// The provider signed someone in without vouching for an email address, so no user can be
/// found or created for them.
pub fn no_verified_email(shell: &Shell, next: &str) -> Markup {
    let l = shell.reader;
    page(
        shell,
        msg("No verified email from your identity provider"),
        html! {
            h1 { (l.tr("Sign-in failed: no verified email address")) }
            p role="alert" {
                (l.tr("Your identity provider signed you in but did not confirm an email address, and Pulse Account needs one to find or create your user."))
                " " (l.tr("Sign in with an email link instead, or ask your administrator to release the verified email claim."))
            }
            p { a.button href=(email_href(next)) { (l.tr("Sign in with an email link")) } }
        },
    )
}
