//! The stylesheet every page links, under a name that carries a hash of its content: a changed
//! stylesheet gets a new address, so browsers may keep each one for a year (`immutable`), while
//! pages themselves are never cached.

/// The stylesheet.
pub const APP_CSS: &str = include_str!("../../static/app.css");

/// FNV-1a (64-bit) of `bytes`, at compile time.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The hash of [`APP_CSS`].
pub const APP_CSS_HASH: u64 = fnv1a(APP_CSS.as_bytes());

/// `/static/app.{hash}.css`: the stylesheet's address for this content.
pub fn stylesheet_path() -> String {
    format!("/static/app.{:016x}.css", APP_CSS_HASH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_follows_the_content() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a(b"a { color: red }"), fnv1a(b"a { color: blue }"));
        let path = stylesheet_path();
        assert!(path.starts_with("/static/app.") && path.ends_with(".css"));
        assert_eq!(path.len(), "/static/app.".len() + 16 + ".css".len());
    }
}
