//! Dates as a person reads them relative to today ("due in 5 days", "overdue since 25 Nov",
//! "expired 3 months ago"), in their language and counted in their time zone's calendar days,
//! with the absolute date kept in a `<time>` element's `datetime` and `title`. The wording is
//! pure: every function takes `now` (Unix seconds), so a page reads the clock once and the
//! tests pin it.

use maud::{Markup, Render, html};

use crate::i18n::{Locale, Reader};
use crate::time::parse_rfc3339;

/// Whole calendar days, in the reader's zone, from `now`'s date to `at`'s date: 0 today, 1
/// tomorrow, -1 yesterday, whatever the time of day.
pub fn days_between(r: Reader, now: i64, at: i64) -> i64 {
    r.zone.local(at).div_euclid(86_400) - r.zone.local(now).div_euclid(86_400)
}

/// A length of `days` (sign ignored) in the largest unit that reads naturally: days up to six
/// weeks, then months, then years ("1 day", "12 days", "3 months", "2 years").
pub fn span(r: Reader, days: i64) -> String {
    let d = days.abs();
    let (n, unit) = if d < 45 {
        (d, 0)
    } else if d < 335 {
        // Rounded to the nearest month of 30.44 days.
        ((d * 100 + 1522) / 3044, 1)
    } else {
        // Rounded to the nearest year of 365.25 days.
        ((d * 100 + 18_262) / 36_525, 2)
    };
    let (one, many) = match (r.locale, unit) {
        (Locale::En, 0) => ("day", "days"),
        (Locale::En, 1) => ("month", "months"),
        (Locale::En, _) => ("year", "years"),
        (Locale::Bg, 0) => ("ден", "дни"),
        (Locale::Bg, 1) => ("месец", "месеца"),
        (Locale::Bg, _) => ("година", "години"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// When something unpaid is due: "due today", "due tomorrow", "due in 5 days", or once the day
/// has passed "overdue since 25 Nov".
pub fn due(r: Reader, at: i64, now: i64) -> String {
    let days = days_between(r, now, at);
    match (r.locale, days) {
        (Locale::En, d) if d < 0 => format!("overdue since {}", r.short_date(at, now)),
        (Locale::En, 0) => "due today".into(),
        (Locale::En, 1) => "due tomorrow".into(),
        (Locale::En, d) => format!("due in {}", span(r, d)),
        (Locale::Bg, d) if d < 0 => format!("просрочено от {}", r.short_date(at, now)),
        (Locale::Bg, 0) => "дължимо днес".into(),
        (Locale::Bg, 1) => "дължимо утре".into(),
        (Locale::Bg, d) => format!("дължимо след {}", span(r, d)),
    }
}

/// When something ends: "expires in 12 days", "expires tomorrow", "expires today", "expired
/// today", "expired yesterday", "expired 3 months ago".
pub fn expiry(r: Reader, at: i64, now: i64) -> String {
    let days = days_between(r, now, at);
    let ended = at <= now;
    match (r.locale, days) {
        (Locale::En, d) if d < -1 => format!("expired {} ago", span(r, d)),
        (Locale::En, -1) => "expired yesterday".into(),
        (Locale::En, 0) if ended => "expired today".into(),
        (Locale::En, 0) => "expires today".into(),
        (Locale::En, 1) => "expires tomorrow".into(),
        (Locale::En, d) => format!("expires in {}", span(r, d)),
        (Locale::Bg, d) if d < -1 => format!("изтекъл преди {}", span(r, d)),
        (Locale::Bg, -1) => "изтекъл вчера".into(),
        (Locale::Bg, 0) if ended => "изтекъл днес".into(),
        (Locale::Bg, 0) => "изтича днес".into(),
        (Locale::Bg, 1) => "изтича утре".into(),
        (Locale::Bg, d) => format!("изтича след {}", span(r, d)),
    }
}

/// Whether `at` falls within the next `days` calendar days (today included) and not before now.
pub fn within_days(r: Reader, at: i64, now: i64, days: i64) -> bool {
    at > now && days_between(r, now, at) <= days
}

/// Renders `phrase(at, now)` in a `<time>` whose `datetime` is the stored timestamp and whose
/// `title` is the full date; text that is not a timestamp is shown as stored.
fn time_element(r: Reader, ts: &str, now: i64, phrase: fn(Reader, i64, i64) -> String) -> Markup {
    match parse_rfc3339(ts) {
        Some(at) => html! { time datetime=(ts) title=(r.date(at)) { (phrase(r, at, now)) } },
        None => html! { time datetime=(ts) { (ts) } },
    }
}

/// A due date as [`due`] words it: `Due { at: &invoice.due_at, now, reader }`.
pub struct Due<'a> {
    /// The RFC 3339 due date.
    pub at: &'a str,
    /// Now, in Unix seconds.
    pub now: i64,
    /// Who reads it.
    pub reader: Reader,
}

impl Render for Due<'_> {
    fn render(&self) -> Markup {
        time_element(self.reader, self.at, self.now, due)
    }
}

/// An expiry as [`expiry`] words it: `Expiry { at: &license.expires_at, now, reader }`.
pub struct Expiry<'a> {
    /// The RFC 3339 expiry.
    pub at: &'a str,
    /// Now, in Unix seconds.
    pub now: i64,
    /// Who reads it.
    pub reader: Reader,
}

impl Render for Expiry<'_> {
    fn render(&self) -> Markup {
        time_element(self.reader, self.at, self.now, expiry)
    }
}

/// A stored timestamp as a `<time>` element showing its date and time in the reader's zone.
pub fn moment(r: Reader, ts: &str) -> Markup {
    html! { time datetime=(ts) { (r.moment(ts)) } }
}

/// A stored timestamp as a `<time>` element showing its date in the reader's zone.
pub fn day(r: Reader, ts: &str) -> Markup {
    html! { time datetime=(ts) { (r.day(ts)) } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::Zone;

    const EN: Reader = Reader {
        locale: Locale::En,
        zone: Zone::UTC,
    };

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
        assert_eq!(days_between(EN, now(), at("2026-12-02T00:00:00Z")), 0);
        assert_eq!(days_between(EN, now(), at("2026-12-02T23:59:59Z")), 0);
        assert_eq!(days_between(EN, now(), at("2026-12-03T00:00:00Z")), 1);
        assert_eq!(days_between(EN, now(), at("2026-12-01T23:59:59Z")), -1);
        assert_eq!(days_between(EN, now(), at("2027-01-01T00:00:00Z")), 30);
    }

    #[test]
    fn a_due_date_today_or_tomorrow_says_so() {
        assert_eq!(due(EN, at("2026-12-02T00:00:00Z"), now()), "due today");
        assert_eq!(due(EN, at("2026-12-02T23:00:00Z"), now()), "due today");
        assert_eq!(due(EN, at("2026-12-03T00:00:00Z"), now()), "due tomorrow");
        assert_eq!(due(EN, at("2026-12-07T00:00:00Z"), now()), "due in 5 days");
    }

    #[test]
    fn a_past_due_date_is_overdue_since_that_day() {
        assert_eq!(
            due(EN, at("2026-11-25T00:00:00Z"), now()),
            "overdue since 25 Nov"
        );
        assert_eq!(
            due(EN, at("2026-12-01T23:59:59Z"), now()),
            "overdue since 1 Dec"
        );
        assert_eq!(
            due(EN, at("2025-12-20T00:00:00Z"), now()),
            "overdue since 20 Dec 2025"
        );
    }

    #[test]
    fn expiries_read_forwards_and_backwards() {
        assert_eq!(
            expiry(EN, at("2026-12-14T00:00:00Z"), now()),
            "expires in 12 days"
        );
        assert_eq!(
            expiry(EN, at("2026-12-03T08:00:00Z"), now()),
            "expires tomorrow"
        );
        assert_eq!(
            expiry(EN, at("2026-12-02T18:00:00Z"), now()),
            "expires today"
        );
        assert_eq!(
            expiry(EN, at("2026-12-02T09:00:00Z"), now()),
            "expired today"
        );
        assert_eq!(
            expiry(EN, at("2026-12-01T09:00:00Z"), now()),
            "expired yesterday"
        );
        assert_eq!(
            expiry(EN, at("2026-11-30T09:00:00Z"), now()),
            "expired 2 days ago"
        );
        assert_eq!(
            expiry(EN, at("2026-09-01T00:00:00Z"), now()),
            "expired 3 months ago"
        );
    }

    #[test]
    fn long_spans_turn_into_months_then_years() {
        assert_eq!(span(EN, 1), "1 day");
        assert_eq!(span(EN, -44), "44 days");
        assert_eq!(span(EN, 45), "1 month");
        assert_eq!(span(EN, 61), "2 months");
        assert_eq!(span(EN, 334), "11 months");
        assert_eq!(span(EN, 335), "1 year");
        assert_eq!(span(EN, 365), "1 year");
        assert_eq!(span(EN, 730), "2 years");
        assert_eq!(
            expiry(EN, at("2025-09-01T00:00:00Z"), now()),
            "expired 1 year ago"
        );
        assert_eq!(
            expiry(EN, at("2029-03-01T00:00:00Z"), now()),
            "expires in 2 years"
        );
        assert_eq!(
            due(EN, at("2027-03-01T00:00:00Z"), now()),
            "due in 3 months"
        );
    }

    #[test]
    fn dates_carry_the_year_only_when_it_differs() {
        assert_eq!(EN.short_date(at("2026-01-05T00:00:00Z"), now()), "5 Jan");
        assert_eq!(
            EN.short_date(at("2027-01-05T00:00:00Z"), now()),
            "5 Jan 2027"
        );
        assert_eq!(EN.date(at("2026-11-25T00:00:00Z")), "25 Nov 2026");
    }

    #[test]
    fn within_days_counts_only_the_future() {
        assert!(within_days(EN, at("2026-12-20T00:00:00Z"), now(), 30));
        assert!(within_days(EN, at("2027-01-01T00:00:00Z"), now(), 30));
        assert!(!within_days(EN, at("2027-01-02T00:00:00Z"), now(), 30));
        assert!(!within_days(EN, at("2026-12-01T00:00:00Z"), now(), 30));
    }

    #[test]
    fn the_element_keeps_the_absolute_date_in_datetime_and_title() {
        let html = Due {
            at: "2026-11-25T00:00:00Z",
            now: now(),
            reader: EN,
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
            reader: EN,
        }
        .render()
        .into_string();
        assert_eq!(odd, r#"<time datetime="someday">someday</time>"#);
    }

    #[test]
    fn bulgarian_reads_the_same_dates_in_its_own_words() {
        let bg = Reader {
            locale: Locale::Bg,
            zone: Zone::UTC,
        };
        assert_eq!(
            due(bg, at("2026-11-25T00:00:00Z"), now()),
            "просрочено от 25 ноември"
        );
        assert_eq!(due(bg, at("2026-12-03T00:00:00Z"), now()), "дължимо утре");
        assert_eq!(
            due(bg, at("2026-12-07T00:00:00Z"), now()),
            "дължимо след 5 дни"
        );
        assert_eq!(
            expiry(bg, at("2026-12-14T00:00:00Z"), now()),
            "изтича след 12 дни"
        );
        assert_eq!(
            expiry(bg, at("2026-09-01T00:00:00Z"), now()),
            "изтекъл преди 3 месеца"
        );
        assert_eq!(
            expiry(bg, at("2025-09-01T00:00:00Z"), now()),
            "изтекъл преди 1 година"
        );
        assert_eq!(bg.date(at("2025-12-20T00:00:00Z")), "20 декември 2025 г.");
    }

    #[test]
    fn days_are_counted_on_the_readers_own_calendar() {
        // 22:30 UTC on 2 December is already 3 December in Sofia, and still 2 December in
        // New York.
        let late = at("2026-12-02T22:30:00Z");
        let sofia = Reader::new(Locale::En, Zone::from_setting("Europe/Sofia"));
        let new_york = Reader::new(Locale::En, Zone::from_setting("America/New_York"));
        let due_at = at("2026-12-03T12:00:00Z");
        assert_eq!(due(sofia, due_at, late), "due today");
        assert_eq!(due(new_york, due_at, late), "due tomorrow");
        assert_eq!(sofia.date_time(late), "3 Dec 2026, 00:30 EET");
        assert_eq!(new_york.date_time(late), "2 Dec 2026, 17:30 EST");
        assert_eq!(EN.date_time(late), "2 Dec 2026, 22:30 UTC");
    }
}
