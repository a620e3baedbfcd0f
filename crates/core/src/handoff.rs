//! Signed hand-off links: the product (a tenant, a self-hosted install) sends a user to a
//! portal page with a short-lived link signed with the shared `handoff_key`:
//!
//! `/login/handoff?to=/licenses/lic_1&email=ada%40acme.example&exp=1795443000&nonce=N&sig=S`
//!
//! where `S` is base64url(HMAC-SHA256(key, "pulse-handoff\0{to}\n{email}\n{exp}\n{nonce}")).
//! The portal accepts a link once, until `exp`, for at most [`MAX_LIFETIME_SECONDS`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::token::constant_time_eq;

/// The longest a hand-off link may live.
pub const MAX_LIFETIME_SECONDS: i64 = 15 * 60;

/// The claims of a hand-off link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// The local path to land on.
    pub to: String,
    /// Who the link is for.
    pub email: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// A unique value making the link single-use.
    pub nonce: String,
}

/// Why a hand-off link was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandoffError {
    /// A field is missing or malformed.
    #[error("the link is incomplete")]
    Malformed,
    /// The signature does not match.
    #[error("the link's signature does not match")]
    Signature,
    /// Expired, or valid for longer than allowed.
    #[error("the link has expired")]
    Expired,
}

impl Handoff {
    fn message(&self) -> String {
        format!("{}\n{}\n{}\n{}", self.to, self.email, self.exp, self.nonce)
    }

    /// The signature for these claims under `key`.
    pub fn sign(&self, key: &[u8]) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
            return String::new();
        };
        mac.update(b"pulse-handoff\0");
        mac.update(self.message().as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Checks the signature (constant time), the destination and the lifetime at `now`.
    pub fn verify(&self, key: &[u8], sig: &str, now: i64) -> Result<(), HandoffError> {
        let local =
            self.to.starts_with('/') && !self.to.starts_with("//") && !self.to.contains('\\');
        if !local || self.nonce.len() < 16 || self.nonce.len() > 100 || self.email.is_empty() {
            return Err(HandoffError::Malformed);
        }
        if key.len() < 32 || !constant_time_eq(&self.sign(key), sig) {
            return Err(HandoffError::Signature);
        }
        if self.exp <= now || self.exp - now > MAX_LIFETIME_SECONDS {
            return Err(HandoffError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn link() -> Handoff {
        Handoff {
            to: "/licenses/lic_demo_pro".into(),
            email: "ada@acme.example".into(),
            exp: 1_000_600,
            nonce: "n0nce-n0nce-n0nce".into(),
        }
    }

    #[test]
    fn a_signed_link_verifies_until_it_expires() {
        let sig = link().sign(KEY);
        assert_eq!(link().verify(KEY, &sig, 1_000_000), Ok(()));
        assert_eq!(
            link().verify(KEY, &sig, 1_000_600),
            Err(HandoffError::Expired)
        );
    }

    #[test]
    fn tampering_foreign_destinations_and_long_lifetimes_are_refused() {
        let sig = link().sign(KEY);
        let other = Handoff {
            to: "/billing".into(),
            ..link()
        };
        assert_eq!(
            other.verify(KEY, &sig, 1_000_000),
            Err(HandoffError::Signature)
        );
        let away = Handoff {
            to: "//evil.example/".into(),
            ..link()
        };
        assert_eq!(
            away.verify(KEY, &away.sign(KEY), 1_000_000),
            Err(HandoffError::Malformed)
        );
        let long = Handoff {
            exp: 1_000_000 + MAX_LIFETIME_SECONDS + 1,
            ..link()
        };
        assert_eq!(
            long.verify(KEY, &long.sign(KEY), 1_000_000),
            Err(HandoffError::Expired)
        );
        assert_eq!(
            link().verify(b"short", &link().sign(b"short"), 1_000_000),
            Err(HandoffError::Signature)
        );
    }
}
