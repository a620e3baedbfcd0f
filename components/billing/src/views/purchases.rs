//! Plans on sale, and the confirmation of a plan change with what it costs now.

use maud::{Markup, html};
use pulse_core::identity::Identity;
use pulse_core::money::Money;
use pulse_core::plans::{Family, PLANS, Plan};
use pulse_core::store::billing::Subscription;
use pulse_core::store::purchases::Changing;
use pulse_core::views::relative::full_date;
use pulse_core::views::{Shell, csrf_field, page};

fn family_name(f: Family) -> &'static str {
    match f {
        Family::Cloud => "Pulse Cloud",
        Family::SelfHosted => "Self-hosted licenses",
        Family::Msp => "For providers (MSP)",
    }
}

/// `/billing/plans`.
pub fn plans(
    shell: &Shell,
    who: &Identity,
    running: &[Subscription],
    problem: Option<&str>,
) -> Markup {
    let runs = |p: &Plan| {
        running
            .iter()
            .any(|s| s.plan == p.name && s.status != "cancelled")
    };
    page(
        shell,
        "Plans",
        html! {
            p { a href="/billing" { "← Billing" } }
            h1 { "Plans" }
            @if let Some(why) = problem {
                div.error-summary role="alert" aria-labelledby="plans-problem" {
                    h2 id="plans-problem" { "Nothing was bought" }
                    p { (why) }
                }
            }
            p { "Prices exclude VAT, which is added for your country on each invoice. Payment is by card through Stripe; you can end a subscription at the end of any period." }
            @for family in [Family::Cloud, Family::SelfHosted, Family::Msp] {
                h2 { (family_name(family)) }
                ul.plain.plans {
                    @for p in PLANS.iter().filter(|p| p.family == family) {
                        li.panel {
                            h3 { (p.name) }
                            p { strong { (p.price()) } " per " (p.interval) }
                            p.muted { (p.summary) }
                            @if runs(p) {
                                p { "Your account has this plan." }
                            } @else if family != Family::SelfHosted {
                                form method="post" action="/billing/checkout" {
                                    (csrf_field(Some(who)))
                                    input type="hidden" name="plan" value=(p.key);
                                    button type="submit" { "Subscribe to " (p.name) }
                                }
                            } @else {
                                p.muted { "Renew an expired license from its page under Licenses." }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The plans a subscription can change to, linking to each change's confirmation.
pub fn change_options(s: &Subscription) -> Markup {
    let options: Vec<&Plan> = pulse_core::plans::by_name(&s.plan)
        .map(pulse_core::plans::changes_from)
        .unwrap_or_default();
    html! {
        @if !options.is_empty() && s.status == "active" && !s.cancel_at_period_end {
            section aria-labelledby="change-plan" {
                h2 id="change-plan" { "Change plan" }
                ul.plain {
                    @for p in options {
                        li {
                            a href={ "/billing/subscriptions/" (s.id) "/change?plan=" (p.key) } { (p.name) }
                            " — " (p.price()) " per " (p.interval) ". " span.muted { (p.summary) }
                        }
                    }
                }
            }
        }
    }
}

/// The confirmation of a plan change: what it costs (or credits) now for the rest of the
/// period, as the payment provider computed it.
pub fn change(
    shell: &Shell,
    who: &Identity,
    c: &Changing,
    from: &Plan,
    to: &Plan,
    due: &Money,
    now: i64,
) -> Markup {
    let credit = due.amount < 0;
    let shown = Money::new(due.amount.abs(), &due.currency);
    page(
        shell,
        "Change plan",
        html! {
            p { a href={ "/billing/subscriptions/" (c.id) } { "← " (from.name) } }
            h1 { "Change to " (to.name) }
            dl {
                dt { "Now" } dd { (from.name) ", " (from.price()) " per " (from.interval) }
                dt { "After the change" } dd { (to.name) ", " (to.price()) " per " (to.interval) }
                dt { "For the rest of this period (until " (full_date(c.period_end)) ")" }
                dd {
                    @if credit { strong { (shown) } " credited to your next invoice" }
                    @else if due.amount == 0 { "Nothing" }
                    @else { strong { (shown) } " charged now" }
                }
            }
            p.muted { "The amount is prorated for the days left in the period, as the payment provider computed it. From the next period the new price applies." }
            form method="post" action={ "/billing/subscriptions/" (c.id) "/change" } {
                (csrf_field(Some(who)))
                input type="hidden" name="plan" value=(to.key);
                input type="hidden" name="proration_date" value=(now);
                button type="submit" { "Change to " (to.name) }
            }
        },
    )
}
