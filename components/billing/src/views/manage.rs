//! The step a mailed subscription link opens, its outcome, and the page for a link that no
//! longer works.

use maud::{Markup, html};
use pulse_core::store::billing::Subscription;
use pulse_core::views::{Badge, Date, Shell, page};

/// The cancel or resume step of one subscription.
pub fn step(
    shell: &Shell,
    token: &str,
    account: &str,
    s: &Subscription,
    problem: Option<&str>,
) -> Markup {
    let action = format!("/billing/manage/{token}");
    page(
        shell,
        "Manage your subscription",
        html! {
            h1 { (s.plan) " " (Badge(&s.status)) }
            p { "A subscription of " strong { (account) } ", " (s.price) " per " (s.interval) "." }
            @if let Some(why) = problem {
                div.error-summary role="alert" aria-labelledby="manage-problem" {
                    h2 id="manage-problem" { "Nothing was changed" }
                    p { (why) }
                }
            }
            @if s.cancel_at_period_end {
                form.panel method="post" action=(action) {
                    input type="hidden" name="action" value="resume";
                    p { "It is set to end on " (Date(&s.current_period_end)) ". Resume it to keep it renewing." }
                    button type="submit" { "Resume subscription" }
                }
            } @else {
                form.panel method="post" action=(action) novalidate {
                    input type="hidden" name="action" value="cancel";
                    (super::billing::cancel_fields())
                    p.muted { "It keeps working until " (Date(&s.current_period_end)) " and is not renewed after that." }
                    button.danger type="submit" { "End at the period's end" }
                }
            }
            p.muted { "This link works once and for a day. To do more, " a href="/login" { "sign in" } "." }
        },
    )
}

/// What the link did.
pub fn done(shell: &Shell, account: &str, s: &Subscription) -> Markup {
    page(
        shell,
        "Subscription updated",
        html! {
            h1 { "Subscription updated" }
            p role="status" {
                "The " (s.plan) " subscription of " (account)
                @if s.cancel_at_period_end {
                    " will end on " (Date(&s.current_period_end)) " and not renew."
                } @else {
                    " renews again on " (Date(&s.current_period_end)) "."
                }
            }
            p { "The link you used no longer works. " a href="/recover/manage" { "Ask for a new one" } " or " a href="/login" { "sign in" } " to change it again." }
        },
    )
}

/// A link that is wrong, used or expired.
pub fn link_gone(shell: &Shell) -> Markup {
    page(
        shell,
        "This link no longer works",
        html! {
            h1 { "This link no longer works" }
            p { "Links to manage a subscription work once, for a day after we send them. This one has been used, has expired, or was not copied whole." }
            p { a href="/recover/manage" { "Ask for a new link" } " or " a href="/login" { "sign in" } " to manage subscriptions from Billing." }
        },
    )
}
