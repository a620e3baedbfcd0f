//! Page and mail views: pure functions from loaded data to markup.

pub mod login;
pub mod mail;
pub mod mailbox;
pub mod oidc;
pub mod security;
pub mod verify;

use maud::{Markup, PreEscaped, html};

/// A translated sentence with markup in it: each `{name}` in `template` (already in the
/// reader's language, so the translation may move the pieces) is replaced by its markup, and
/// the words around them are escaped as text.
pub fn sentence(template: &str, parts: &[(&str, Markup)]) -> Markup {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let found = rest[open + 1..].find('}').and_then(|close| {
            let name = &rest[open + 1..open + 1 + close];
            parts
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, markup)| (close, markup))
        });
        match found {
            Some((close, markup)) => {
                out.push_str(&html! { (&rest[..open]) }.into_string());
                out.push_str(&markup.0);
                rest = &rest[open + close + 2..];
            }
            None => {
                out.push_str(&html! { (&rest[..=open]) }.into_string());
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(&html! { (rest) }.into_string());
    PreEscaped(out)
}

#[cfg(test)]
mod tests {
    use super::sentence;
    use maud::html;

    #[test]
    fn a_sentence_puts_markup_where_its_translation_says() {
        let code = html! { strong { "123456" } };
        let s = sentence("Code {code} <ok> {other}.", &[("code", code)]);
        assert_eq!(
            s.into_string(),
            "Code <strong>123456</strong> &lt;ok&gt; {other}."
        );
    }
}
