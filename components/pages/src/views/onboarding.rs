//! The first steps of someone who belongs to no account yet: join what they are invited to, or
//! start a customer account of their own.

use maud::{Markup, html};
use pulse_core::countries::choices;
use pulse_core::i18n::msg;
use pulse_core::store::invitations::Open;
use pulse_core::views::{Shell, field_error, page as layout};

use pulse_core::views::{fill_html, translated_errors};

/// The new-account form as the person filled it, with what to fix.
#[derive(Debug, Default)]
pub struct AccountForm<'a> {
    /// The company name typed.
    pub name: &'a str,
    /// The country code chosen.
    pub country: &'a str,
    /// Field name and message for each problem.
    pub errors: Vec<(String, String)>,
}

/// The start page: invitations first, then the form that creates a customer account, in the
/// shell's language. `csrf` is the token of the person's session; `member` says whether they
/// already belong to an account (then this adds another one).
pub fn page(
    shell: &Shell,
    email: &str,
    csrf: &str,
    member: bool,
    invitations: &[Open],
    form: &AccountForm<'_>,
) -> Markup {
    let l = shell.reader;
    let name_error = form.errors.iter().any(|(f, _)| f == "name");
    let country_error = form.errors.iter().any(|(f, _)| f == "country");
    let errors = translated_errors(l, &form.errors);
    let countries = choices(l);
    layout(
        shell,
        if member {
            msg("New account")
        } else {
            msg("Welcome")
        },
        html! {
            @if member {
                h1 { (l.tr("Start another customer account")) }
            } @else {
                h1 { (l.tr("Welcome to Pulse Account")) }
                p { (fill_html(l, msg("You are signed in as {email}, and no Pulse account has this address as a member yet."), &[
                    ("email", html! { strong { (email) } }),
                ])) }
            }
            @if !errors.is_empty() {
                div.error-summary role="alert" aria-labelledby="account-problems" {
                    h2 id="account-problems" { (l.tr("The account was not created")) }
                    ul { @for (field, msg) in &errors { li { a href={ "#account-" (field) } { (msg) } } } }
                }
            }
            @if !invitations.is_empty() {
                section aria-labelledby="offers-title" {
                    h2 id="offers-title" { (l.tr("You are invited")) }
                    p { (l.tr("Join your company's account rather than starting a new one:")) }
                    ul.plain {
                        @for i in invitations {
                            li {
                                form.inline method="post" action="/accounts/join" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input type="hidden" name="invitation" value=(i.id);
                                    (l.fill("{account} invites you as {role}.", &[("account", &i.account_name), ("role", l.tr(i.role.label()))])) " "
                                    button type="submit" { (l.fill("Join {account}", &[("account", &i.account_name)])) }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="create-title" {
                h2 id="create-title" { (l.tr("Create a customer account")) }
                p { (l.tr("You become its owner. Next you can start your first Pulse Cloud workspace, and invite your team whenever you like.")) }
                form.panel method="post" action="/accounts/new" novalidate {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="account-name" { (l.tr("Company name")) }
                    (field_error(&errors, "name"))
                    input type="text" id="account-name" name="name" value=(form.name) autocomplete="organization"
                        maxlength="100" required
                        aria-invalid=[name_error.then_some("true")]
                        aria-describedby=[name_error.then_some("name-error")];
                    label for="account-country" { (l.tr("Country")) }
                    (field_error(&errors, "country"))
                    select id="account-country" name="country" autocomplete="country" required
                        aria-invalid=[country_error.then_some("true")]
                        aria-describedby=[country_error.then_some("country-error")] {
                        option value="" selected[form.country.is_empty()] { (l.tr("Choose a country")) }
                        @for (code, name) in countries {
                            option value=(code) selected[form.country.eq_ignore_ascii_case(code)] { (name) }
                        }
                    }
                    button type="submit" { (l.tr("Create account")) }
                }
            }
            @if !member {
                form method="post" action="/logout" {
                    input type="hidden" name="csrf" value=(csrf);
                    p { (l.tr("Not you?")) " " button.link type="submit" { (l.tr("Sign out")) } }
                }
            }
        },
    )
}
