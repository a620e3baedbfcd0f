//! The "confirm it's you" page.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::identity::Identity;
use pulse_core::views::{Shell, csrf_field, field_error, page as layout};

use pulse_core::views::fill_html;

/// Offers to send a code and, once sent, asks for it.
pub fn page(
    shell: &Shell,
    who: &Identity,
    next: &str,
    sent: bool,
    errors: &[(String, String)],
) -> Markup {
    let has_error = !errors.is_empty();
    let l = shell.reader;
    let errors: Vec<(String, String)> = errors
        .iter()
        .map(|(f, m)| (f.clone(), l.tr(m).to_string()))
        .collect();
    layout(
        shell,
        msg("Confirm it's you"),
        html! {
            h1 { (l.tr("Confirm it's you")) }
            p {
                (fill_html(l, msg("Some actions — deleting a workspace, removing a member, cancelling, erasing data — need a fresh check that it's really you. We'll email a six-digit code to {email}."), &[
                    ("email", html! { strong { (who.email) } }),
                ]))
            }
            @if sent {
                form.panel method="post" action="/security/verify" {
                    (csrf_field(Some(who)))
                    input type="hidden" name="next" value=(next);
                    label for="code" { (l.tr("Code from the email")) }
                    (field_error(&errors, "code"))
                    input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="7" required
                        aria-invalid=[has_error.then_some("true")] aria-describedby=[has_error.then_some("code-error")];
                    p { button type="submit" { (l.tr("Confirm")) } }
                }
            }
            form method="post" action="/security/verify/send" {
                (csrf_field(Some(who)))
                input type="hidden" name="next" value=(next);
                button type="submit" { @if sent { (l.tr("Send a new code")) } @else { (l.tr("Email me a code")) } }
            }
        },
    )
}
