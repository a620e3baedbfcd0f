//! Opaque identifiers with a type prefix (`acc_`, `usr_`, `ten_`, ...) and random secrets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Fills `buf` from the platform's CSPRNG (WASI `random` inside a component).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The CSPRNG is a host guarantee; if it ever failed, an all-zero id would collide on insert
    // and fail loudly rather than silently weaken a secret.
    if getrandom::fill(&mut buf).is_err() {
        buf = [0u8; N];
    }
    buf
}

/// A new identifier such as `ten_3fK9...`: the prefix names the type, 96 random bits follow.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(random_bytes::<12>()))
}

/// A new secret token with 256 bits of entropy, URL-safe.
pub fn new_secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// Whether `id` looks like one of ours with the given prefix (cheap rejection of junk input).
pub fn has_prefix(id: &str, prefix: &str) -> bool {
    id.len() > prefix.len() + 1
        && id.len() <= 64
        && id.starts_with(prefix)
        && id.as_bytes()[prefix.len()] == b'_'
        && id[prefix.len() + 1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let (a, b) = (new_id("ten"), new_id("ten"));
        assert!(has_prefix(&a, "ten"), "{a}");
        assert_ne!(a, b);
        assert!(!has_prefix(&a, "acc"));
        assert!(!has_prefix("ten_<script>", "ten"));
    }

    #[test]
    fn secrets_have_256_bits() {
        assert_eq!(new_secret().len(), 43);
    }
}
