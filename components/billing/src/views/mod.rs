//! Page views: pure functions from loaded data to markup, in the reader's language.

pub mod billing;
pub mod licenses;
pub mod manage;
pub mod purchases;

use pulse_core::i18n::{Reader, msg};
use pulse_core::store::payment_methods::PaymentMethod;
use pulse_core::time::parse_rfc3339;
use pulse_core::views::status_words;
use pulse_core::zone::Zone;

/// A card as the reader reads it: "Visa ending 4242, expires 12/2026".
pub fn card(r: Reader, m: &PaymentMethod) -> String {
    let mut brand = m.brand.clone();
    if let Some(first) = brand.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let text = msg("{brand} ending {last4}, expires {month}/{year}");
    r.fill(
        text,
        &[
            ("brand", &brand),
            ("last4", &m.last4),
            ("month", &format!("{:02}", m.exp_month)),
            ("year", &m.exp_year.to_string()),
        ],
    )
}

/// Sentences the store and the handlers write in English (refusals, form problems, the
/// descriptions of plans and of reasons to cancel), for the catalog; [`words`] translates them.
#[rustfmt::skip]
const FIXED: &[&str] = &[
    // Refusals of a plan change, a renewal, a payment.
    msg("This subscription has ended. Start a new one from Plans."),
    msg("This subscription is set to end. Resume it before changing its plan."),
    msg("Only a subscription in good standing can change plan. Pay what is due first."),
    msg("Choose one of the plans offered."),
    msg("This license has not expired; it renews with its subscription."),
    // Refusals of ending or resuming a subscription.
    msg("This subscription has ended. Start a new one from the Billing page."),
    msg("This subscription is not set to end, so there is nothing to resume."),
    msg("Choose why the subscription should end."),
    msg("Keep the comment under 1,000 characters."),
    // The billing details form.
    msg("Enter your company's name (at least 2 characters)."),
    msg("Shorten the company name to at most 100 characters."),
    msg("The company name cannot hold line breaks or control characters."),
    msg("Choose the country your company is registered in."),
    msg("Shorten the address to at most 500 characters."),
    msg("Enter the tax id as on your registration: letters, digits and dashes, at most 40."),
    // What each plan includes.
    msg("One workspace on the Basic template, daily backups."),
    msg("Up to three workspaces on any template, test copies, hourly backups."),
    msg("Up to ten workspaces, integrations included, priority support."),
    msg("A year's license for 25 seats on up to three installations."),
    msg("A year's license for 5 seats on one installation, for testing."),
    msg("Manage client accounts and their workspaces."),
    // Why a subscription ends.
    msg("It costs too much"),
    msg("It lacks something we need"),
    msg("We are moving to another service"),
    msg("We no longer use it"),
    msg("Something else"),
];

/// Sentences with values in them, as the store and the handlers write them: [`words`] finds the
/// values by the fixed parts and fills them into the translation.
#[rustfmt::skip]
const PATTERNS: &[&str] = &[
    msg("The account already has a {plan} subscription. Change its plan from the subscription's page instead."),
    msg("{plan} is not on sale any more; contact support to change it."),
    msg("{from} cannot change to {to}: choose a plan of the same kind and billing period."),
    msg("The {label} license is not sold any more; contact support to renew it."),
    msg("Invoice {number} is {status}: only an open invoice can be paid."),
    msg("This subscription already ends on {date}."),
    msg("This is the only payment method and the {plan} subscription is paid with it. Add another card first, or end the subscription."),
];

/// The values of `text` written as `pattern` (`{name}` placeholders between fixed parts), or
/// `None` when it is not written so.
fn values_of<'t>(pattern: &str, text: &'t str) -> Option<Vec<(String, &'t str)>> {
    // Fixed parts and names alternate: fixed, name, fixed, ..., fixed.
    let mut fixed = Vec::new();
    let mut names = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        fixed.push(&rest[..open]);
        names.push(rest[open + 1..close].to_string());
        rest = &rest[close + 1..];
    }
    fixed.push(rest);
    let mut left = text.strip_prefix(fixed.first()?)?;
    let mut values = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let next = fixed.get(i + 1)?;
        let value = if i + 2 == fixed.len() {
            // The last value runs to the final fixed part.
            left.strip_suffix(next)?
        } else {
            &left[..left.find(next)?]
        };
        if value.is_empty() {
            return None;
        }
        left = &left[value.len() + next.len()..];
        values.push((name, value));
    }
    left.is_empty().then_some(values)
}

/// A message the store or a handler wrote in English, in the reader's words: the fixed
/// sentences come from the catalog, the ones with values in them are translated around their
/// values (a date in the reader's way, a status in words); anything else reads as written.
pub fn words(r: Reader, text: &str) -> String {
    if FIXED.contains(&text) {
        return r.tr(text).to_string();
    }
    // The store's dates are calendar dates, the same everywhere.
    let utc = Reader {
        zone: Zone::UTC,
        ..r
    };
    for pattern in PATTERNS {
        let Some(values) = values_of(pattern, text) else {
            continue;
        };
        let shown: Vec<(String, String)> = values
            .into_iter()
            .map(|(name, value)| {
                let shown = match name.as_str() {
                    // A calendar date as the store writes it (`2026-12-31`).
                    "date" => parse_rfc3339(&format!("{value}T00:00:00Z"))
                        .map_or_else(|| value.to_string(), |at| utc.date(at)),
                    "status" => status_words(value, r),
                    _ => value.to_string(),
                };
                (name, shown)
            })
            .collect();
        let pairs: Vec<(&str, &str)> = shown
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        return r.fill(pattern, &pairs);
    }
    text.to_string()
}
