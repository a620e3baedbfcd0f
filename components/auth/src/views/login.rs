//! Sign-in pages.

use maud::{Markup, html};
use pulse_core::http::percent_encode;
use pulse_core::views::{Shell, field_error, page};

/// The email form, and the single sign-on button when a provider is configured.
pub fn form(
    shell: &Shell,
    next: &str,
    email: &str,
    errors: &[(String, String)],
    sso: bool,
) -> Markup {
    let has_error = !errors.is_empty();
    let l = shell.reader;
    let errors: Vec<(String, String)> = errors
        .iter()
        .map(|(f, m)| (f.clone(), l.tr(m).to_string()))
        .collect();
    page(
        shell,
        "Sign in",
        html! {
            h1 { (l.tr("Sign in to Pulse Account")) }
            @if sso {
                p {
                    a.button href={ "/login/sso?next=" (percent_encode(next)) } {
                        (l.tr("Sign in with single sign-on"))
                    }
                }
                p.muted { (l.tr("Or get a sign-in link by email:")) }
            }
            form.panel method="post" action="/login" novalidate {
                input type="hidden" name="next" value=(next);
                label for="email" { (l.tr("Work email")) }
                (field_error(&errors, "email"))
                input type="email" id="email" name="email" value=(email) autocomplete="email" required
                    aria-invalid=[has_error.then_some("true")]
                    aria-describedby=[has_error.then_some("email-error")];
                p.muted { (l.tr("We'll email you a sign-in link that works once, for ten minutes.")) }
                button type="submit" { (l.tr("Email me a sign-in link")) }
            }
            p { a href="/recover" { (l.tr("Can't get into your email or lost a license key?")) } }
        },
    )
}

/// The answer to every link request, known address or not.
pub fn sent(shell: &Shell, email: &str) -> Markup {
    let l = shell.reader;
    page(
        shell,
        "Check your email",
        html! {
            h1 { (l.tr("Check your email")) }
            p role="status" {
                (l.tr("If")) " " strong { (email) } " " (l.tr("can sign in to Pulse Account, a link is on its way. It works once and expires in ten minutes."))
            }
            p { (l.tr("Nothing arrived? Check spam, or")) " " a href="/login" { (l.tr("try again")) } "." }
        },
    )
}

/// Confirmation before the single-use token is spent.
pub fn confirm(shell: &Shell, token: &str, email: &str) -> Markup {
    let l = shell.reader;
    page(
        shell,
        "Confirm sign-in",
        html! {
            h1 { (l.tr("Continue signing in")) }
            form.panel method="post" action="/login/verify" {
                input type="hidden" name="token" value=(token);
                p { (l.tr("Sign in as")) " " strong { (email) } "?" }
                button type="submit" { (l.tr("Sign in")) }
            }
        },
    )
}

/// An expired, spent or unknown link.
pub fn link_invalid(shell: &Shell) -> Markup {
    let l = shell.reader;
    page(
        shell,
        "Link expired",
        html! {
            h1 { (l.tr("This sign-in link no longer works")) }
            p { (l.tr("Links work once and expire after ten minutes. Ask for a new one and use the newest email.")) }
            p { a.button href="/login" { (l.tr("Get a new link")) } }
        },
    )
}

/// A hand-off link that is expired, tampered with or already used.
pub fn handoff_invalid(shell: &Shell) -> Markup {
    let l = shell.reader;
    page(
        shell,
        "Link expired",
        html! {
            h1 { (l.tr("This link no longer works")) }
            p { (l.tr("Links from Pulse into your account work once and only for a few minutes. Go back to Pulse and follow the link again, or sign in here.")) }
            p { a.button href="/login" { (l.tr("Sign in")) } }
        },
    )
}
