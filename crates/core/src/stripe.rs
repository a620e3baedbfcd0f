//! Stripe's webhook signature, exactly as Stripe documents it: the `Stripe-Signature` header
//! holds `t=` (Unix seconds) and one or more `v1=` signatures, each the hex HMAC-SHA256 of
//! `{t}.{raw body}` under the endpoint's signing secret; other schemes (`v0`) are ignored. A
//! timestamp more than five minutes away is refused (the tolerance is a constant, never zero),
//! and several secrets are accepted while one is being rolled.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::token::constant_time_eq;

/// How far the signed timestamp may be from now, either way.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No signing secret is configured.
    #[error("no webhook signing secret is configured")]
    NoSecret,
    /// The header is missing, or has no `t=` timestamp.
    #[error("the Stripe-Signature header is missing or has no timestamp")]
    Malformed,
    /// No `v1=` signature (only other schemes).
    #[error("the Stripe-Signature header has no v1 signature")]
    NoV1,
    /// The timestamp is outside the tolerance.
    #[error("the Stripe-Signature timestamp is more than five minutes from now")]
    Stale,
    /// No `v1` signature matches under any secret.
    #[error("no v1 signature matches the payload")]
    Mismatch,
}

/// The hex HMAC-SHA256 of `{timestamp}.{payload}` under `secret`.
pub fn signature(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Verifies `header` over the raw `payload` under any of `secrets` at `now`; returns the
/// signed timestamp.
pub fn verify(
    secrets: &[&str],
    header: Option<&str>,
    payload: &[u8],
    now: i64,
) -> Result<i64, SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let header = header.ok_or(SignatureError::Malformed)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) if timestamp.is_none() => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(sig),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoV1);
    }
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    // Every comparison runs, so the time taken does not say which secret or signature matched.
    let mut matched = false;
    for secret in secrets {
        let expected = signature(secret, timestamp, payload);
        for sig in &signatures {
            matched |= constant_time_eq(&expected, sig);
        }
    }
    if matched {
        Ok(timestamp)
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The signing secrets a `payment_webhook_secret` value lists (comma-separated, so a new one
/// can be added before the old one is removed).
pub fn secrets(spec: &str) -> Vec<&str> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid"}"#;

    fn header(t: i64, sigs: &[&str]) -> String {
        let mut h = format!("t={t}");
        for s in sigs {
            h.push(',');
            h.push_str(s);
        }
        h
    }

    #[test]
    fn a_v1_signature_under_any_secret_verifies_within_the_tolerance() {
        let good = format!("v1={}", signature(SECRET, 1_000, BODY));
        let h = header(1_000, &["v0=deadbeef", "v1=0000", &good]);
        assert_eq!(verify(&[SECRET], Some(&h), BODY, 1_100), Ok(1_000));
        assert_eq!(
            verify(&["whsec_old", SECRET], Some(&h), BODY, 1_100),
            Ok(1_000)
        );
        assert_eq!(
            verify(&[SECRET], Some(&h), b"{}", 1_100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&[SECRET], Some(&h), BODY, 1_301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&["whsec_other"], Some(&h), BODY, 1_000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn other_schemes_missing_parts_and_no_secret_are_refused() {
        let v0 = format!("v0={}", signature(SECRET, 1_000, BODY));
        assert_eq!(
            verify(&[SECRET], Some(&header(1_000, &[&v0])), BODY, 1_000),
            Err(SignatureError::NoV1)
        );
        assert_eq!(
            verify(&[SECRET], Some("v1=abc"), BODY, 1_000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&[SECRET], None, BODY, 1_000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&[], Some("t=1,v1=a"), BODY, 1),
            Err(SignatureError::NoSecret)
        );
        assert_eq!(secrets(" whsec_a, ,whsec_b "), ["whsec_a", "whsec_b"]);
    }
}
