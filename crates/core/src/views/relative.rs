//! Dates as a person reads them relative to today ("due in 5 days", "overdue since 25 Nov",
//! "expired 3 months ago"), with the absolute date kept in a `<time>` element's `datetime`
//! and `title`. The wording is pure: every function takes `now` (Unix seconds), so a page
//! reads the clock once and the tests pin it.

use maud::{Markup, Render, html};

use crate::time::{civil_date, date_part, parse_rfc3339};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Whole calendar days (UTC) from `now`'s date to `at`'s date: 0 today, 1 tomorrow, -1
/// yesterday, whatever the time of day.
pub fn days_between(now: i64, at: i64) -> i64 {
    at.div_euclid(86_400) - now.div_euclid(86_400)
}

/// A length of `days` (sign ignored) in the largest unit that reads naturally: days up to six
/// weeks, then months, then years ("1 day", "12 days", "3 months", "2 years").
pub fn span(days: i64) -> String {
    let d = days.abs();
    let (n, unit) = if d < 45 {
        (d, "day")
    } else if d < 335 {
        // Rounded to the nearest month of 30.44 days.
        ((d * 100 + 1522) / 3044, "month")
    } else {
        // Rounded to the nearest year of 365.25 days.
        ((d * 100 + 18_262) / 36_525, "year")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The date of `at` as "25 Nov", with the year when it is not `now`'s ("25 Nov 2025").
pub fn short_date(at: i64, now: i64) -> String {
    let (y, m, d) = civil_date(at);
    let month = MONTHS[(m - 1).clamp(0, 11) as usize];
    if y == civil_date(now).0 {
        format!("{d} {month}")
    } else {
        format!("{d} {month} {y}")
    }
}

/// The date of `at` with its year, always ("25 Nov 2026"): the absolute date behind a phrase.
pub fn full_date(at: i64) -> String {
    let (y, m, d) = civil_date(at);
    format!("{d} {} {y}", MONTHS[(m - 1).clamp(0, 11) as usize])
}

/// When something unpaid is due: "due today", "due tomorrow", "due in 5 days", or once the day
/// has passed "overdue since 25 Nov".
pub fn due(at: i64, now: i64) -> String {
    match days_between(now, at) {
        d if d < 0 => format!("overdue since {}", short_date(at, now)),
        0 => "due today".into(),
        1 => "due tomorrow".into(),
        d => format!("due in {}", span(d)),
    }
}

/// When something ends: "expires in 12 days", "expires tomorrow", "expires today", "expired
/// today", "expired yesterday", "expired 3 months ago".
pub fn expiry(at: i64, now: i64) -> String {
    match days_between(now, at) {
        d if d < -1 => format!("expired {} ago", span(d)),
        -1 => "expired yesterday".into(),
        0 if at <= now => "expired today".into(),
        0 => "expires today".into(),
        1 => "expires tomorrow".into(),
        d => format!("expires in {}", span(d)),
    }
}

/// Whether `at` falls within the next `days` calendar days (today included) and not before now.
pub fn within_days(at: i64, now: i64, days: i64) -> bool {
    at > now && days_between(now, at) <= days
}

/// Renders `phrase(at, now)` in a `<time>` whose `datetime` is the stored timestamp and whose
/// `title` is the full date; text that is not a timestamp is shown as stored.
fn time_element(ts: &str, now: i64, phrase: fn(i64, i64) -> String) -> Markup {
    match parse_rfc3339(ts) {
        Some(at) => html! { time datetime=(ts) title=(full_date(at)) { (phrase(at, now)) } },
        None => html! { time datetime=(ts) { (date_part(ts)) } },
    }
}

/// A due date as [`due`] words it: `Due { at: &invoice.due_at, now }`.
pub struct Due<'a> {
    /// The RFC 3339 due date.
    pub at: &'a str,
    /// Now, in Unix seconds.
    pub now: i64,
}

impl Render for Due<'_> {
    fn render(&self) -> Markup {
        time_element(self.at, self.now, due)
    }
}

/// An expiry as [`expiry`] words it: `Expiry { at: &license.expires_at, now }`.
pub struct Expiry<'a> {
    /// The RFC 3339 expiry.
    pub at: &'a str,
    /// Now, in Unix seconds.
    pub now: i64,
}

impl Render for Expiry<'_> {
    fn render(&self) -> Markup {
        time_element(self.at, self.now, expiry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ts: &str) -> i64 {
        // An invalid test timestamp reads as the epoch and fails its assertion.
        parse_rfc3339(ts).unwrap_or_default()
    }

    /// Wednesday 2 December 2026, 13:37 UTC.
    fn now() -> i64 {
        at("2026-12-02T13:37:00Z")
    }

    #[test]
    fn days_count_calendar_days_not_hours() {
        assert_eq!(days_between(now(), at("2026-12-02T00:00:00Z")), 0);
        assert_eq!(days_between(now(), at("2026-12-02T23:59:59Z")), 0);
        assert_eq!(days_between(now(), at("2026-12-03T00:00:00Z")), 1);
        assert_eq!(days_between(now(), at("2026-12-01T23:59:59Z")), -1);
        assert_eq!(days_between(now(), at("2027-01-01T00:00:00Z")), 30);
    }

    #[test]
    fn a_due_date_today_or_tomorrow_says_so() {
        assert_eq!(due(at("2026-12-02T00:00:00Z"), now()), "due today");
        assert_eq!(due(at("2026-12-02T23:00:00Z"), now()), "due today");
        assert_eq!(due(at("2026-12-03T00:00:00Z"), now()), "due tomorrow");
        assert_eq!(due(at("2026-12-07T00:00:00Z"), now()), "due in 5 days");
    }

    #[test]
    fn a_past_due_date_is_overdue_since_that_day() {
        assert_eq!(
            due(at("2026-11-25T00:00:00Z"), now()),
            "overdue since 25 Nov"
        );
        assert_eq!(
            due(at("2026-12-01T23:59:59Z"), now()),
            "overdue since 1 Dec"
        );
        assert_eq!(
            due(at("2025-12-20T00:00:00Z"), now()),
            "overdue since 20 Dec 2025"
        );
    }

    #[test]
    fn expiries_read_forwards_and_backwards() {
        assert_eq!(
            expiry(at("2026-12-14T00:00:00Z"), now()),
            "expires in 12 days"
        );
        assert_eq!(
            expiry(at("2026-12-03T08:00:00Z"), now()),
            "expires tomorrow"
        );
        assert_eq!(expiry(at("2026-12-02T18:00:00Z"), now()), "expires today");
        assert_eq!(expiry(at("2026-12-02T09:00:00Z"), now()), "expired today");
        assert_eq!(
            expiry(at("2026-12-01T09:00:00Z"), now()),
            "expired yesterday"
        );
        assert_eq!(
            expiry(at("2026-11-30T09:00:00Z"), now()),
            "expired 2 days ago"
        );
        assert_eq!(
            expiry(at("2026-09-01T00:00:00Z"), now()),
            "expired 3 months ago"
        );
    }

    #[test]
    fn long_spans_turn_into_months_then_years() {
        assert_eq!(span(1), "1 day");
        assert_eq!(span(-44), "44 days");
        assert_eq!(span(45), "1 month");
        assert_eq!(span(61), "2 months");
        assert_eq!(span(334), "11 months");
        assert_eq!(span(335), "1 year");
        assert_eq!(span(365), "1 year");
        assert_eq!(span(730), "2 years");
        assert_eq!(
            expiry(at("2025-09-01T00:00:00Z"), now()),
            "expired 1 year ago"
        );
        assert_eq!(
            expiry(at("2029-03-01T00:00:00Z"), now()),
            "expires in 2 years"
        );
        assert_eq!(due(at("2027-03-01T00:00:00Z"), now()), "due in 3 months");
    }

    #[test]
    fn dates_carry_the_year_only_when_it_differs() {
        assert_eq!(short_date(at("2026-01-05T00:00:00Z"), now()), "5 Jan");
        assert_eq!(short_date(at("2027-01-05T00:00:00Z"), now()), "5 Jan 2027");
        assert_eq!(full_date(at("2026-11-25T00:00:00Z")), "25 Nov 2026");
    }

    #[test]
    fn within_days_counts_only_the_future() {
        assert!(within_days(at("2026-12-20T00:00:00Z"), now(), 30));
        assert!(within_days(at("2027-01-01T00:00:00Z"), now(), 30));
        assert!(!within_days(at("2027-01-02T00:00:00Z"), now(), 30));
        assert!(!within_days(at("2026-12-01T00:00:00Z"), now(), 30));
    }

    #[test]
    fn the_element_keeps_the_absolute_date_in_datetime_and_title() {
        let html = Due {
            at: "2026-11-25T00:00:00Z",
            now: now(),
        }
        .render()
        .into_string();
        assert_eq!(
            html,
            r#"<time datetime="2026-11-25T00:00:00Z" title="25 Nov 2026">overdue since 25 Nov</time>"#
        );
        let odd = Expiry {
            at: "someday",
            now: now(),
        }
        .render()
        .into_string();
        assert_eq!(odd, r#"<time datetime="someday">someday</time>"#);
    }
}
