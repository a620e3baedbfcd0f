//! Page views: pure functions from loaded data to markup.

pub mod cloud;
pub mod integrations;
pub mod msp;

use maud::{Markup, html};
use pulse_core::i18n::Reader;

/// A translated sentence with `{name}` shown as code: `text` split where the placeholder
/// stands (wherever the translation puts it), `value` in a `<code>` element between.
pub fn with_code(text: &str, name: &str, value: &str) -> Markup {
    match text.split_once(&format!("{{{name}}}")) {
        Some((before, after)) => html! { (before) code { (value) } (after) },
        None => html! { (text) },
    }
}

/// Field errors (field, message) with the messages in the reader's language.
pub fn translated(l: Reader, errors: &[(String, String)]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|(field, why)| (field.clone(), l.tr(why).to_string()))
        .collect()
}
