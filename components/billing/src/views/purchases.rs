//! Plans on sale, and the confirmation of a plan change with what it costs now.

use maud::{Markup, html};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::money::Money;
use pulse_core::plans::{Family, PLANS, Plan};
use pulse_core::store::billing::Subscription;
use pulse_core::store::purchases::Changing;
use pulse_core::views::{Shell, csrf_field, page};

use super::words;
use pulse_core::views::fill_html;
use pulse_core::views::partials::per_interval;

fn family_name(f: Family) -> &'static str {
    match f {
        Family::Cloud => msg("Pulse Cloud"),
        Family::SelfHosted => msg("Self-hosted licenses"),
        Family::Msp => msg("For providers (MSP)"),
    }
}

/// A plan's price and interval: "€19.00 per month".
fn price(r: Reader, p: &Plan) -> String {
    format!("{} {}", r.money(&p.price()), r.tr(per_interval(p.interval)))
}

/// `/billing/plans`.
pub fn plans(
    shell: &Shell,
    who: &Identity,
    running: &[Subscription],
    problem: Option<&str>,
) -> Markup {
    let l = shell.reader;
    let runs = |p: &Plan| {
        running
            .iter()
            .any(|s| s.plan == p.name && s.status != "cancelled")
    };
    page(
        shell,
        msg("Plans"),
        html! {
            p { a href="/billing" { "← " (l.tr("Billing")) } }
            h1 { (l.tr("Plans")) }
            @if let Some(why) = problem {
                div.error-summary role="alert" aria-labelledby="plans-problem" {
                    h2 id="plans-problem" { (l.tr("Nothing was bought")) }
                    p { (words(l, why)) }
                }
            }
            p { (l.tr("Prices exclude VAT, which is added for your country on each invoice. Payment is by card through Stripe; you can end a subscription at the end of any period.")) }
            @for family in [Family::Cloud, Family::SelfHosted, Family::Msp] {
                h2 { (l.tr(family_name(family))) }
                ul.plain.plans {
                    @for p in PLANS.iter().filter(|p| p.family == family) {
                        li.panel {
                            h3 { (p.name) }
                            p { strong { (l.money(&p.price())) } " " (l.tr(per_interval(p.interval))) }
                            p.muted { (words(l, p.summary)) }
                            @if runs(p) {
                                p { (l.tr("Your account has this plan.")) }
                            } @else if family != Family::SelfHosted {
                                form method="post" action="/billing/checkout" {
                                    (csrf_field(Some(who)))
                                    input type="hidden" name="plan" value=(p.key);
                                    button type="submit" { (l.fill("Subscribe to {plan}", &[("plan", p.name)])) }
                                }
                            } @else {
                                p.muted { (l.tr("Renew an expired license from its page under Licenses.")) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The plans a subscription can change to, linking to each change's confirmation.
pub fn change_options(r: Reader, s: &Subscription) -> Markup {
    let options: Vec<&Plan> = pulse_core::plans::by_name(&s.plan)
        .map(pulse_core::plans::changes_from)
        .unwrap_or_default();
    html! {
        @if !options.is_empty() && s.status == "active" && !s.cancel_at_period_end {
            section aria-labelledby="change-plan" {
                h2 id="change-plan" { (r.tr("Change plan")) }
                ul.plain {
                    @for p in options {
                        li {
                            a href={ "/billing/subscriptions/" (s.id) "/change?plan=" (p.key) } { (p.name) }
                            " — " (price(r, p)) ". " span.muted { (words(r, p.summary)) }
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
    let l = shell.reader;
    let credit = due.amount < 0;
    let shown = html! { strong { (l.money(&Money::new(due.amount.abs(), &due.currency))) } };
    let title = l.fill("Change to {plan}", &[("plan", to.name)]);
    page(
        shell,
        msg("Change plan"),
        html! {
            p { a href={ "/billing/subscriptions/" (c.id) } { "← " (from.name) } }
            h1 { (title) }
            dl {
                dt { (l.tr("Now")) } dd { (from.name) ", " (price(l, from)) }
                dt { (l.tr("After the change")) } dd { (to.name) ", " (price(l, to)) }
                dt { (l.fill("For the rest of this period (until {date})", &[("date", &l.date(c.period_end))])) }
                dd {
                    @if credit { (fill_html(l, msg("{amount} credited to your next invoice"), &[("amount", shown)])) }
                    @else if due.amount == 0 { (l.tr("Nothing")) }
                    @else { (fill_html(l, msg("{amount} charged now"), &[("amount", shown)])) }
                }
            }
            p.muted { (l.tr("The amount is prorated for the days left in the period, as the payment provider computed it. From the next period the new price applies.")) }
            form method="post" action={ "/billing/subscriptions/" (c.id) "/change" } {
                (csrf_field(Some(who)))
                input type="hidden" name="plan" value=(to.key);
                input type="hidden" name="proration_date" value=(now);
                button type="submit" { (title) }
            }
        },
    )
}
