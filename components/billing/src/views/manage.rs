//! The step a mailed subscription link opens, its outcome, and the page for a link that no
//! longer works.

use maud::{Markup, html};
use pulse_core::i18n::msg;
use pulse_core::store::billing::Subscription;
use pulse_core::views::relative::day;
use pulse_core::views::{Badge, Shell, page};

use super::words;
use pulse_core::views::fill_html;
use pulse_core::views::partials::per_interval;

/// The cancel or resume step of one subscription.
pub fn step(
    shell: &Shell,
    token: &str,
    account: &str,
    s: &Subscription,
    problem: Option<&str>,
) -> Markup {
    let l = shell.reader;
    let action = format!("/billing/manage/{token}");
    let end = day(l, &s.current_period_end);
    let sign_in = html! { a href="/login" { (l.tr("sign in")) } };
    page(
        shell,
        msg("Manage your subscription"),
        html! {
            h1 { (s.plan) " " (Badge(&s.status, l)) }
            p {
                (fill_html(l, msg("A subscription of {account}, {price} {per}."), &[
                    ("account", html! { strong { (account) } }),
                    ("price", html! { (l.money(&s.price)) }),
                    ("per", html! { (l.tr(per_interval(&s.interval))) }),
                ]))
            }
            @if let Some(why) = problem {
                div.error-summary role="alert" aria-labelledby="manage-problem" {
                    h2 id="manage-problem" { (l.tr("Nothing was changed")) }
                    p { (words(l, why)) }
                }
            }
            @if s.cancel_at_period_end {
                form.panel method="post" action=(action) {
                    input type="hidden" name="action" value="resume";
                    p { (fill_html(l, msg("It is set to end on {date}. Resume it to keep it renewing."), &[("date", end)])) }
                    button type="submit" { (l.tr("Resume subscription")) }
                }
            } @else {
                form.panel method="post" action=(action) novalidate {
                    input type="hidden" name="action" value="cancel";
                    (super::billing::cancel_fields(l))
                    p.muted { (fill_html(l, msg("It keeps working until {date} and is not renewed after that."), &[("date", end)])) }
                    button.danger type="submit" { (l.tr("End at the period's end")) }
                }
            }
            p.muted { (fill_html(l, msg("This link works once and for a day. To do more, {sign_in}."), &[("sign_in", sign_in)])) }
        },
    )
}

/// What the link did.
pub fn done(shell: &Shell, account: &str, s: &Subscription) -> Markup {
    let l = shell.reader;
    let values = [
        ("plan", html! { (s.plan) }),
        ("account", html! { (account) }),
        ("date", day(l, &s.current_period_end)),
    ];
    let ask = html! { a href="/recover/manage" { (l.tr("Ask for a new one")) } };
    let sign_in = html! { a href="/login" { (l.tr("sign in")) } };
    page(
        shell,
        msg("Subscription updated"),
        html! {
            h1 { (l.tr("Subscription updated")) }
            p role="status" {
                @if s.cancel_at_period_end {
                    (fill_html(l, msg("The {plan} subscription of {account} will end on {date} and not renew."), &values))
                } @else {
                    (fill_html(l, msg("The {plan} subscription of {account} renews again on {date}."), &values))
                }
            }
            p { (fill_html(l, msg("The link you used no longer works. {ask} or {sign_in} to change it again."), &[("ask", ask), ("sign_in", sign_in)])) }
        },
    )
}

/// A link that is wrong, used or expired.
pub fn link_gone(shell: &Shell) -> Markup {
    let l = shell.reader;
    let ask = html! { a href="/recover/manage" { (l.tr("Ask for a new link")) } };
    let sign_in = html! { a href="/login" { (l.tr("sign in")) } };
    page(
        shell,
        msg("This link no longer works"),
        html! {
            h1 { (l.tr("This link no longer works")) }
            p { (l.tr("Links to manage a subscription work once, for a day after we send them. This one has been used, has expired, or was not copied whole.")) }
            p { (fill_html(l, msg("{ask} or {sign_in} to manage subscriptions from Billing."), &[("ask", ask), ("sign_in", sign_in)])) }
        },
    )
}
