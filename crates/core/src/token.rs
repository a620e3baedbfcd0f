//! The `pa_token` access token (an HS256 JWT with a key id), HMAC signatures and hashes of
//! stored secrets. Only auth and the session component use this module.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Lifetime of an access token.
pub const ACCESS_TTL_SECONDS: i64 = 15 * 60;
/// Lifetime of a refresh token.
pub const REFRESH_TTL_SECONDS: i64 = 30 * 24 * 3600;
/// The audience every access token is issued for.
pub const AUDIENCE: &str = "pulse-account";

/// A signing key with its id.
#[derive(Clone)]
pub struct SigningKey {
    /// Key id, written into the JWT header.
    pub kid: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, <redacted>)", self.kid)
    }
}

/// Why a key-ring setting (`kid:base64url-key[,kid:key...]`) cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RingSyntax {
    /// No entry at all.
    Empty,
    /// Entry `n` (from 1) is not `kid:base64url`, or its kid has characters other than
    /// letters, digits, `-` and `_`.
    Malformed(usize),
}

/// The `(kid, key bytes)` entries of a key-ring setting, in order: the syntax the session keys
/// and the license keys share; each ring checks its own key lengths.
pub(crate) fn ring_entries(spec: &str) -> Result<Vec<(String, Vec<u8>)>, RingSyntax> {
    let mut entries = Vec::new();
    for (i, entry) in spec
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .enumerate()
    {
        let malformed = RingSyntax::Malformed(i + 1);
        let (kid, key) = entry.split_once(':').ok_or(RingSyntax::Malformed(i + 1))?;
        let kid = kid.trim();
        if kid.is_empty()
            || !kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(malformed);
        }
        let key = URL_SAFE_NO_PAD
            .decode(key.trim().trim_end_matches('='))
            .map_err(|_| malformed)?;
        entries.push((kid.to_string(), key));
    }
    if entries.is_empty() {
        return Err(RingSyntax::Empty);
    }
    Ok(entries)
}

/// The configured keys: the first signs, all verify (so a new key rolls in without signing
/// anyone out).
#[derive(Debug, Clone)]
pub struct KeyRing {
    keys: Vec<SigningKey>,
}

/// A key ring that could not be read from configuration.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeyRingError {
    /// Nothing configured.
    #[error("session_keys is empty: set it to `kid:base64url-secret` (at least 32 bytes)")]
    Empty,
    /// An entry is not `kid:secret`.
    #[error("session_keys entry {0} is not of the form `kid:base64url-secret`")]
    Malformed(usize),
    /// A secret is shorter than 32 bytes.
    #[error("session_keys entry `{0}` is shorter than 32 bytes")]
    TooShort(String),
}

impl KeyRing {
    /// Parses `kid:base64url-secret[,kid:secret...]`.
    pub fn parse(spec: &str) -> Result<Self, KeyRingError> {
        let entries = ring_entries(spec).map_err(|e| match e {
            RingSyntax::Empty => KeyRingError::Empty,
            RingSyntax::Malformed(n) => KeyRingError::Malformed(n),
        })?;
        let keys = entries
            .into_iter()
            .map(|(kid, secret)| {
                if secret.len() < 32 {
                    return Err(KeyRingError::TooShort(kid));
                }
                Ok(SigningKey { kid, secret })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { keys })
    }

    /// The key that signs new tokens.
    pub fn current(&self) -> &SigningKey {
        &self.keys[0]
    }

    /// Whether any key id starts with `dev` (the development key must never serve production).
    pub fn has_development_key(&self) -> bool {
        self.keys.iter().any(|k| k.kid.starts_with("dev"))
    }

    fn find(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// HMAC-SHA256 of `data` under the current key, base64url.
    pub fn mac(&self, purpose: &str, data: &str) -> String {
        mac_with(&self.current().secret, purpose, data)
    }

    /// Checks a MAC made by any key of the ring, in constant time.
    pub fn verify_mac(&self, purpose: &str, data: &str, mac: &str) -> bool {
        self.keys
            .iter()
            .any(|k| constant_time_eq(&mac_with(&k.secret, purpose, data), mac))
    }
}

fn mac_with(secret: &[u8], purpose: &str, data: &str) -> String {
    // HMAC accepts keys of any length, so construction cannot fail.
    let Ok(mut m) = HmacSha256::new_from_slice(secret) else {
        return String::new();
    };
    m.update(purpose.as_bytes());
    m.update(b"\0");
    m.update(data.as_bytes());
    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// Constant-time string comparison.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// SHA-256 of a secret, hex: how refresh tokens, email links and API tokens are stored.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Claims of a `pa_token`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// Issuer: the portal's public origin.
    pub iss: String,
    /// Subject: the user id.
    pub sub: String,
    /// Audience.
    pub aud: String,
    /// Session id.
    pub sid: String,
    /// Issued at.
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

/// Why a token was refused. Every case means "signed out" to the caller.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TokenError {
    /// Not three base64url parts of JSON.
    #[error("malformed token")]
    Malformed,
    /// Not HS256/at+jwt, or an unknown key id.
    #[error("unsupported token header")]
    Header,
    /// The signature does not match.
    #[error("bad signature")]
    Signature,
    /// Expired, not yet valid, or for another issuer or audience.
    #[error("token not valid now or not for us")]
    Claims,
}

/// Signs claims as an HS256 JWT with `typ: at+jwt` and the current key id.
pub fn sign(ring: &KeyRing, claims: &Claims) -> String {
    let key = ring.current();
    let header = Header {
        alg: "HS256".into(),
        typ: "at+jwt".into(),
        kid: key.kid.clone(),
    };
    let enc = |v: &[u8]| URL_SAFE_NO_PAD.encode(v);
    let head = enc(&serde_json::to_vec(&header).unwrap_or_default());
    let body = enc(&serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{head}.{body}");
    let sig = raw_hmac(&key.secret, signing_input.as_bytes());
    format!("{signing_input}.{}", enc(&sig))
}

fn raw_hmac(secret: &[u8], data: &[u8]) -> Vec<u8> {
    let Ok(mut m) = HmacSha256::new_from_slice(secret) else {
        return Vec::new();
    };
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// Verifies a `pa_token`: header (HS256 only, `at+jwt`, known `kid`), signature in constant
/// time, then issuer, audience, `nbf` and `exp` against `now` (30 s leeway).
pub fn verify(ring: &KeyRing, token: &str, issuer: &str, now: i64) -> Result<Claims, TokenError> {
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let dec = |s: &str| URL_SAFE_NO_PAD.decode(s).map_err(|_| TokenError::Malformed);
    let header: Header = serde_json::from_slice(&dec(head)?).map_err(|_| TokenError::Malformed)?;
    if header.alg != "HS256" || header.typ != "at+jwt" {
        return Err(TokenError::Header);
    }
    let key = ring.find(&header.kid).ok_or(TokenError::Header)?;
    let expected = raw_hmac(&key.secret, format!("{head}.{body}").as_bytes());
    let given = dec(sig)?;
    if expected.len() != given.len() || !bool::from(expected.ct_eq(&given)) {
        return Err(TokenError::Signature);
    }
    let claims: Claims = serde_json::from_slice(&dec(body)?).map_err(|_| TokenError::Malformed)?;
    const LEEWAY: i64 = 30;
    if claims.iss != issuer
        || claims.aud != AUDIENCE
        || claims.exp + LEEWAY < now
        || claims.nbf - LEEWAY > now
    {
        return Err(TokenError::Claims);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "a1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const KEY_B: &str = "b2:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA";

    fn claims(now: i64) -> Claims {
        Claims {
            iss: "https://my.example".into(),
            sub: "usr_1".into(),
            aud: AUDIENCE.into(),
            sid: "ses_1".into(),
            iat: now,
            nbf: now,
            exp: now + ACCESS_TTL_SECONDS,
        }
    }

    fn ring(spec: &str) -> KeyRing {
        KeyRing::parse(spec).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_signed_token_verifies_and_an_old_key_still_verifies_after_rotation() {
        let old = ring(KEY_A);
        let token = sign(&old, &claims(1000));
        assert_eq!(
            verify(&old, &token, "https://my.example", 1000),
            Ok(claims(1000))
        );
        let rotated = ring(&format!("{KEY_B},{KEY_A}"));
        assert_eq!(rotated.current().kid, "b2");
        assert!(verify(&rotated, &token, "https://my.example", 1000).is_ok());
        assert_eq!(
            verify(&ring(KEY_B), &token, "https://my.example", 1000),
            Err(TokenError::Header)
        );
    }

    #[test]
    fn expired_foreign_tampered_and_unsigned_tokens_are_refused() {
        let r = ring(KEY_A);
        let token = sign(&r, &claims(1000));
        assert_eq!(
            verify(&r, &token, "https://my.example", 1000 + 901 + 30),
            Err(TokenError::Claims)
        );
        assert_eq!(
            verify(&r, &token, "https://evil.example", 1000),
            Err(TokenError::Claims)
        );
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"iss":"https://my.example","sub":"usr_2","aud":"pulse-account","sid":"ses_1","iat":1000,"nbf":1000,"exp":99999}"#);
        parts[1] = &forged;
        assert_eq!(
            verify(&r, &parts.join("."), "https://my.example", 1000),
            Err(TokenError::Signature)
        );
        let none_head = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt","kid":"a1"}"#);
        let unsigned = format!(
            "{none_head}.{}.",
            token.split('.').nth(1).unwrap_or_default()
        );
        assert_eq!(
            verify(&r, &unsigned, "https://my.example", 1000),
            Err(TokenError::Header)
        );
        assert_eq!(
            verify(&r, "garbage", "https://my.example", 1000),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn key_rings_reject_short_or_malformed_keys() {
        assert_eq!(KeyRing::parse("").err(), Some(KeyRingError::Empty));
        assert_eq!(
            KeyRing::parse("k:c2hvcnQ").err(),
            Some(KeyRingError::TooShort("k".into()))
        );
        assert_eq!(
            KeyRing::parse("nocolon").err(),
            Some(KeyRingError::Malformed(1))
        );
    }

    #[test]
    fn macs_verify_in_constant_time_across_the_ring() {
        let r = ring(&format!("{KEY_B},{KEY_A}"));
        let mac = ring(KEY_A).mac("csrf", "ses_1");
        assert!(r.verify_mac("csrf", "ses_1", &mac));
        assert!(!r.verify_mac("csrf", "ses_2", &mac));
        assert!(!r.verify_mac("handoff", "ses_1", &mac));
    }
}
