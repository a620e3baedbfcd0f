//! Page and mail views.

pub mod forms;
pub mod index;
pub mod mail;
pub mod privacy;
pub mod refunds;
pub mod support;

use maud::{Markup, PreEscaped, html};
use pulse_core::i18n::Reader;

/// `msgid` translated, its text escaped, and each `{name}` in it replaced by the markup given
/// for it, so a sentence with a link or emphasis inside can be reordered by the translation.
pub fn rich(r: Reader, msgid: &str, values: &[(&str, Markup)]) -> Markup {
    let mut out = String::new();
    let mut rest = r.tr(msgid);
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + len];
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => {
                out.push_str(&html! { (rest[..open]) }.into_string());
                out.push_str(&value.0);
            }
            None => out.push_str(&html! { (rest[..open + len + 1]) }.into_string()),
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(&html! { (rest) }.into_string());
    PreEscaped(out)
}

/// Field errors as the reader reads them (the handlers keep them in English, marked `msg`).
pub fn translated(r: Reader, errors: &[(String, String)]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|(field, message)| (field.clone(), r.tr(message).to_string()))
        .collect()
}
