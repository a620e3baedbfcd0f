//! The profile page, and the steps of changing the sign-in address.

use maud::{Markup, html};
use pulse_core::i18n::{LOCALES, msg};
use pulse_core::identity::Identity;
use pulse_core::time::now_unix;
use pulse_core::views::{Shell, csrf_field, field_error, flash, page as layout};
use pulse_core::zone::Zone;

/// The profile forms as shown: the current values, or what was typed with what to fix.
pub struct ProfileForm {
    /// The name field.
    pub name: String,
    /// The new-address field.
    pub email: String,
    /// `(field, message)` for each problem.
    pub errors: Vec<(String, String)>,
}

impl ProfileForm {
    /// The forms filled with who the person is now.
    pub fn current(who: &Identity) -> Self {
        Self {
            name: who.display_name.clone(),
            email: String::new(),
            errors: Vec::new(),
        }
    }
}

fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "name" => msg("Your name is changed."),
        "language" => msg("Your language is saved."),
        "time-zone" => msg("Your time zone is saved."),
        "email-sent" => msg(
            "We emailed a link to the new address. Your sign-in address changes when you open it (within 24 hours).",
        ),
        _ => return None,
    })
}

/// Who the user is, the forms to change their name, language and sign-in address, and their
/// accounts, in the shell's language.
pub fn page(shell: &Shell, who: &Identity, form: &ProfileForm, done: Option<&str>) -> Markup {
    let l = shell.reader;
    let name_error = form.errors.iter().any(|(f, _)| f == "name");
    let email_error = form.errors.iter().any(|(f, _)| f == "email");
    let zone_error = form.errors.iter().any(|(f, _)| f == "time_zone");
    let errors: Vec<(String, String)> = form
        .errors
        .iter()
        .map(|(f, m)| (f.clone(), l.tr(m).to_string()))
        .collect();
    layout(
        shell,
        msg("Profile"),
        html! {
            h1 { (l.tr("Profile")) }
            (flash(done_message(done).map(|m| l.tr(m))))
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="profile-problems" {
                    h2 #profile-problems { (l.tr("Please check")) }
                    ul { @for (field, msg) in &errors { li { a href={ "#profile-" (field) } { (msg) } } } }
                }
            }
            section aria-labelledby="name-title" {
                h2 #name-title { (l.tr("Your name")) }
                form.panel method="post" action="/profile/name" novalidate {
                    (csrf_field(Some(who)))
                    label for="profile-name" { (l.tr("Name")) }
                    (field_error(&errors, "name"))
                    input type="text" id="profile-name" name="name" value=(form.name) autocomplete="name" required maxlength="100"
                        aria-invalid=[name_error.then_some("true")]
                        aria-describedby=[name_error.then_some("name-error")];
                    button type="submit" { (l.tr("Save name")) }
                }
            }
            section aria-labelledby="language-title" {
                h2 #language-title { (l.tr("Language")) }
                form.panel method="post" action="/profile/language" {
                    (csrf_field(Some(who)))
                    label for="profile-language" { (l.tr("Read the portal in")) }
                    (field_error(&errors, "language"))
                    select id="profile-language" name="language" {
                        option value="" selected[who.language.is_empty()] { (l.tr("My browser's language")) }
                        @for l in LOCALES {
                            option value=(l.tag()) lang=(l.tag()) selected[who.language == l.tag()] { (l.native_name()) }
                        }
                    }
                    button type="submit" { (l.tr("Save language")) }
                }
            }
            section aria-labelledby="time-zone-title" {
                h2 #time-zone-title { (l.tr("Time zone")) }
                form.panel method="post" action="/profile/time-zone" {
                    (csrf_field(Some(who)))
                    label for="profile-time_zone" { (l.tr("Show dates and times in")) }
                    (field_error(&errors, "time_zone"))
                    select id="profile-time_zone" name="time_zone"
                        aria-invalid=[zone_error.then_some("true")]
                        aria-describedby=(if zone_error { "time_zone-error time-zone-now" } else { "time-zone-now" }) {
                        @for zone in Zone::all() {
                            option value=(zone.name()) selected[zone == l.zone] { (zone.name().replace('_', " ")) }
                        }
                    }
                    p.muted #time-zone-now { (l.fill("It is now {time}.", &[("time", &l.date_time(now_unix()))])) }
                    button type="submit" { (l.tr("Save time zone")) }
                }
            }
            section aria-labelledby="email-title" {
                h2 #email-title { (l.tr("Sign-in address")) }
                p { (l.tr("You sign in with")) " " strong { (who.email) } ". " (l.tr("To change it, enter the new address: we email it a link, and the change takes effect when you open it. We tell your current address too.")) }
                form.panel method="post" action="/profile/email" novalidate {
                    (csrf_field(Some(who)))
                    label for="profile-email" { (l.tr("New email address")) }
                    (field_error(&errors, "email"))
                    input type="email" id="profile-email" name="email" value=(form.email) autocomplete="email" required
                        aria-invalid=[email_error.then_some("true")]
                        aria-describedby=[email_error.then_some("email-error")];
                    button type="submit" { (l.tr("Send the link")) }
                }
            }
            h2 { (l.tr("Your accounts")) }
            ul.plain {
                @for m in &who.memberships {
                    li { (m.account_name) " — " (l.tr(m.role.label())) @if m.account_id == who.account.account_id { " (" (l.tr("current")) ")" } }
                }
            }
            p { a href="/security" { (l.tr("Sessions and API tokens")) } }
        },
    )
}

/// The last step: the new address, and the button that makes it the sign-in address.
pub fn confirm(shell: &Shell, email: &str, token: &str) -> Markup {
    let l = shell.reader;
    layout(
        shell,
        msg("Confirm your new sign-in address"),
        html! {
            h1 { (l.tr("Confirm your new sign-in address")) }
            p { (l.tr("From now on you will sign in with")) " " strong { (email) } "." }
            form.panel method="post" action="/profile/email/confirm" {
                input type="hidden" name="token" value=(token);
                button type="submit" { (l.tr("Use this address")) }
            }
        },
    )
}

/// The change is made.
pub fn email_changed(shell: &Shell, email: &str) -> Markup {
    let l = shell.reader;
    layout(
        shell,
        msg("Sign-in address changed"),
        html! {
            h1 { (l.tr("Sign-in address changed")) }
            p { (l.tr("You now sign in with")) " " strong { (email) } ". " (l.tr("We told your previous address.")) }
            p { a href="/profile" { (l.tr("Back to your profile")) } }
        },
    )
}
