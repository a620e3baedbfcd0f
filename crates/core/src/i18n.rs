//! The portal's languages: English, in which every message is written, and Bulgarian, from the
//! gettext catalog `locales/bg.po` (msgid: the English text; msgstr: its translation), compiled
//! into each component. A person's own setting chooses, else their browser's `Accept-Language`.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::money::Money;
use crate::time::{civil_date, parse_rfc3339};
use crate::zone::Zone;

/// A language the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// English, the source language.
    #[default]
    En,
    /// Bulgarian.
    Bg,
}

/// Every language, in the order the language setting offers them.
pub const LOCALES: [Locale; 2] = [Locale::En, Locale::Bg];

/// The Bulgarian catalog, as shipped.
pub const BG_CATALOG: &str = include_str!("../../../locales/bg.po");

impl Locale {
    /// The BCP 47 tag (`lang` attribute, `Content-Language`, the stored setting).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Bg => "bg",
        }
    }

    /// The language's own name, for the setting's choices.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Bg => "Български",
        }
    }

    /// The language a tag names (`bg`, `bg-BG`, `en-GB`, case-insensitive).
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "bg" => Some(Locale::Bg),
            _ => None,
        }
    }

    /// The person's setting (`""`: follow the browser), else the first language of
    /// `Accept-Language`, by quality, that the portal speaks, else English.
    pub fn negotiate(setting: &str, accept_language: Option<&str>) -> Self {
        if let Some(chosen) = Locale::from_tag(setting) {
            return chosen;
        }
        let mut offered: Vec<(f32, Locale)> = accept_language
            .unwrap_or_default()
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let locale = Locale::from_tag(pieces.next()?)?;
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (quality > 0.0).then_some((quality, locale))
            })
            .collect();
        // Stable: among equal qualities the header's order decides.
        offered.sort_by(|a, b| b.0.total_cmp(&a.0));
        offered.first().map_or(Locale::En, |(_, l)| *l)
    }

    /// `msgid` in this language: the catalog's translation, or the English text itself when
    /// the catalog has none (the catalog test keeps that from happening for the portal's own
    /// messages).
    pub fn tr(self, msgid: &str) -> &str {
        match self {
            Locale::En => msgid,
            Locale::Bg => bg().get(msgid).map_or(msgid, String::as_str),
        }
    }

    /// Whether this language's catalog has `msgid` (English has every message it writes).
    pub fn translates(self, msgid: &str) -> bool {
        match self {
            Locale::En => true,
            Locale::Bg => bg().contains_key(msgid),
        }
    }

    /// A wait in words: "2 minutes", "2 минути".
    pub fn wait_words(self, seconds: u64) -> String {
        match self {
            Locale::En => crate::error::wait_words(seconds),
            Locale::Bg => match seconds {
                0..=1 => "секунда".into(),
                2..=59 => format!("{seconds} секунди"),
                _ => match seconds.div_ceil(60) {
                    1 => "1 минута".into(),
                    m => format!("{m} минути"),
                },
            },
        }
    }
}

/// How one person reads the portal: their language and their time zone. Every word, date,
/// number and amount a page or an email shows to a person goes through here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reader {
    /// The language.
    pub locale: Locale,
    /// The time zone dates and times are shown in.
    pub zone: Zone,
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_BG: [&str; 12] = [
    "януари",
    "февруари",
    "март",
    "април",
    "май",
    "юни",
    "юли",
    "август",
    "септември",
    "октомври",
    "ноември",
    "декември",
];

impl Reader {
    /// A reader of `locale` in `zone`.
    pub fn new(locale: Locale, zone: Zone) -> Self {
        Self { locale, zone }
    }

    /// `msgid` in the reader's language (see [`Locale::tr`]).
    pub fn tr(self, msgid: &str) -> &str {
        self.locale.tr(msgid)
    }

    /// The language's BCP 47 tag.
    pub fn tag(self) -> &'static str {
        self.locale.tag()
    }

    /// `msgid` translated, then each `{name}` in it replaced by the value paired with `name`
    /// in `values`. The translation may put the names in another order.
    pub fn fill(self, msgid: &str, values: &[(&str, &str)]) -> String {
        substitute(self.tr(msgid), values)
    }

    /// A wait in words (see [`Locale::wait_words`]).
    pub fn wait_words(self, seconds: u64) -> String {
        self.locale.wait_words(seconds)
    }

    /// The reader's calendar date (year, month, day) at Unix second `at`.
    pub fn civil(self, at: i64) -> (i64, i64, i64) {
        civil_date(self.zone.local(at))
    }

    fn month(self, m: i64) -> &'static str {
        let i = (m - 1).clamp(0, 11) as usize;
        match self.locale {
            Locale::En => MONTHS_EN[i],
            Locale::Bg => MONTHS_BG[i],
        }
    }

    /// The date of `at` with its year: "25 Nov 2026", "25 ноември 2026 г.".
    pub fn date(self, at: i64) -> String {
        let (y, m, d) = self.civil(at);
        match self.locale {
            Locale::En => format!("{d} {} {y}", self.month(m)),
            Locale::Bg => format!("{d} {} {y} г.", self.month(m)),
        }
    }

    /// The date of `at`, with the year only when it is not `now`'s: "25 Nov", "25 ноември".
    pub fn short_date(self, at: i64, now: i64) -> String {
        let (y, m, d) = self.civil(at);
        if y == self.civil(now).0 {
            format!("{d} {}", self.month(m))
        } else {
            self.date(at)
        }
    }

    /// The date and wall-clock time of `at` in the reader's zone: "25 Nov 2026, 14:05 EET".
    pub fn date_time(self, at: i64) -> String {
        let local = self.zone.local(at).rem_euclid(86_400);
        format!(
            "{}, {:02}:{:02} {}",
            self.date(at),
            local / 3600,
            (local % 3600) / 60,
            self.zone.abbreviation(at)
        )
    }

    /// The date of a stored RFC 3339 timestamp ([`Reader::date`]); other text as it is.
    pub fn day(self, ts: &str) -> String {
        parse_rfc3339(ts).map_or_else(|| ts.to_string(), |at| self.date(at))
    }

    /// The date and time of a stored RFC 3339 timestamp ([`Reader::date_time`]); other text as
    /// it is.
    pub fn moment(self, ts: &str) -> String {
        parse_rfc3339(ts).map_or_else(|| ts.to_string(), |at| self.date_time(at))
    }

    /// An amount of money in the reader's way of writing it: "€1,234.50", "1 234,50 €".
    pub fn money(self, money: &Money) -> String {
        money.format(self.locale)
    }

    /// A whole number with the reader's digit grouping: "12,500", "12 500".
    pub fn count(self, n: i64) -> String {
        let group = match self.locale {
            Locale::En => ",",
            Locale::Bg => "\u{a0}",
        };
        let digits = n.unsigned_abs().to_string();
        let sign = if n < 0 { "-" } else { "" };
        // Bulgarian groups only from five digits on ("1000", "12 500").
        if self.locale == Locale::Bg && digits.len() <= 4 {
            return format!("{sign}{digits}");
        }
        format!("{sign}{}", group_digits(&digits, group))
    }
}

/// `digits` with `separator` between each group of three from the right ("1234567" with ","
/// is "1,234,567").
pub fn group_digits(digits: &str, separator: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// `text` with each `{name}` that `values` names replaced by its value, in one pass: a value
/// that itself holds `{name}` (a workspace someone called "{days}") stays as it is, and braces
/// no value names are kept.
pub fn substitute(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let value = rest.find('}').and_then(|close| {
            let name = &rest[1..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (close, *v))
        });
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &rest[close + 1..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Marks a message kept in a constant or a variable and translated later with [`Reader::tr`],
/// so the catalog test finds it as it finds `tr("…")` (gettext's `N_`).
pub const fn msg(text: &'static str) -> &'static str {
    text
}

fn bg() -> &'static HashMap<String, String> {
    static CATALOG: OnceLock<HashMap<String, String>> = OnceLock::new();
    CATALOG.get_or_init(|| parse_po(BG_CATALOG).into_iter().collect())
}

/// The `(msgid, msgstr)` pairs of a gettext catalog with a translation (the header, whose
/// msgid is empty, and untranslated entries left out). Strings may continue on following
/// `"..."` lines and use the C escapes `\"`, `\\`, `\n` and `\t`.
pub fn parse_po(text: &str) -> Vec<(String, String)> {
    #[derive(PartialEq)]
    enum Field {
        None,
        Id,
        Str,
    }
    let mut pairs = Vec::new();
    let (mut id, mut translated, mut field) = (String::new(), String::new(), Field::None);
    let mut flush = |id: &mut String, translated: &mut String| {
        if !id.is_empty() && !translated.is_empty() {
            pairs.push((std::mem::take(id), std::mem::take(translated)));
        }
        id.clear();
        translated.clear();
    };
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("msgid ") {
            flush(&mut id, &mut translated);
            id.push_str(&unquote(rest));
            field = Field::Id;
        } else if let Some(rest) = line.strip_prefix("msgstr ") {
            translated.push_str(&unquote(rest));
            field = Field::Str;
        } else if line.starts_with('"') {
            match field {
                Field::Id => id.push_str(&unquote(line)),
                Field::Str => translated.push_str(&unquote(line)),
                Field::None => {}
            }
        } else if line.is_empty() || line.starts_with('#') {
            field = Field::None;
        }
    }
    flush(&mut id, &mut translated);
    pairs
}

fn unquote(quoted: &str) -> String {
    let inner = quoted
        .trim()
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_default();
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_wins_then_the_browser_by_quality_then_english() {
        assert_eq!(Locale::negotiate("bg", Some("en-GB")), Locale::Bg);
        assert_eq!(Locale::negotiate("en", Some("bg")), Locale::En);
        assert_eq!(
            Locale::negotiate("", Some("bg-BG,bg;q=0.9,en;q=0.8")),
            Locale::Bg
        );
        assert_eq!(
            Locale::negotiate("", Some("de-DE, en;q=0.5, bg;q=0.7")),
            Locale::Bg
        );
        assert_eq!(Locale::negotiate("", Some("bg;q=0, en")), Locale::En);
        assert_eq!(Locale::negotiate("", Some("fr, de")), Locale::En);
        assert_eq!(Locale::negotiate("", None), Locale::En);
        assert_eq!(Locale::negotiate("xx", Some("nonsense;;q=abc")), Locale::En);
    }

    #[test]
    fn catalogs_parse_with_continuations_and_escapes() {
        let po = "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n\
                  # a comment\nmsgid \"Say \\\"hi\\\"\"\nmsgstr \"Кажи \"\n\"\\\"здравей\\\"\"\n\n\
                  msgid \"Untranslated\"\nmsgstr \"\"\n";
        assert_eq!(
            parse_po(po),
            [("Say \"hi\"".to_string(), "Кажи \"здравей\"".to_string())]
        );
    }

    #[test]
    fn bulgarian_comes_from_the_catalog_and_english_is_the_source() {
        assert_eq!(Locale::En.tr("Home"), "Home");
        assert_eq!(Locale::Bg.tr("Home"), "Начало");
        assert_eq!(Locale::Bg.tr("no such message"), "no such message");
        assert_eq!(Locale::Bg.wait_words(90), "2 минути");
    }

    #[test]
    fn a_reader_writes_numbers_amounts_and_dates_its_languages_way() {
        let en = Reader::default();
        let bg = Reader::new(Locale::Bg, Zone::from_setting("Europe/Sofia"));
        assert_eq!(en.count(12_500), "12,500");
        assert_eq!(en.count(-1_000), "-1,000");
        assert_eq!(bg.count(1_000), "1000");
        assert_eq!(bg.count(12_500), "12\u{a0}500");
        assert_eq!(en.money(&Money::new(123_450, "EUR")), "€1,234.50");
        assert_eq!(
            bg.money(&Money::new(123_450, "EUR")),
            "1\u{a0}234,50\u{a0}€"
        );
        // 23:30 UTC on 31 December is already the new year in Sofia.
        let at = parse_rfc3339("2026-12-31T23:30:00Z").unwrap_or_default();
        assert_eq!(en.moment("2026-12-31T23:30:00Z"), "31 Dec 2026, 23:30 UTC");
        assert_eq!(bg.date_time(at), "1 януари 2027 г., 01:30 EET");
        assert_eq!(bg.day("not a date"), "not a date");
    }

    #[test]
    fn fill_translates_then_puts_the_values_where_the_translation_wants_them() {
        let en = Reader::default();
        assert_eq!(
            en.fill("{used} of {max}", &[("used", "2"), ("max", "5")]),
            "2 of 5"
        );
        let bg = Reader::new(Locale::Bg, Zone::UTC);
        assert_eq!(
            bg.fill("{used} of {max}", &[("used", "2"), ("max", "5")]),
            "2 от 5"
        );
        assert_eq!(
            bg.fill("No such message {x}", &[("x", "1")]),
            "No such message 1"
        );
        // One pass: a value holding a placeholder's name is shown as it is.
        assert_eq!(
            en.fill("{used} of {max}", &[("used", "{max}"), ("max", "5")]),
            "{max} of 5"
        );
    }
}
