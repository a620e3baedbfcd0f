//! The portal's languages: English, in which every message is written, and Bulgarian, from the
//! gettext catalog `locales/bg.po` (msgid: the English text; msgstr: its translation), compiled
//! into each component. A person's own setting chooses, else their browser's `Accept-Language`.

use std::collections::HashMap;
use std::sync::OnceLock;

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
}
