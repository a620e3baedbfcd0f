//! What crosses between the portal and a workspace's server (BOS) when a workspace path is
//! forwarded: the request headers that may go up, the answer headers that may come back, and
//! the short-lived signed header that tells BOS who is calling.
//!
//! The identity header is `Pulse-Identity: v1.{payload}.{mac}`: `payload` is the base64url
//! (no padding) of a JSON object (`iss`, `sub` the user id, `email`, `account`, `role`,
//! `tenant`, `slug`, `iat`, `exp`), `mac` the base64url HMAC-SHA256 of `v1.{payload}` under the
//! shared `bos_key`. It is valid for a minute; BOS checks the MAC in constant time and `exp`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Headers that describe one connection, not the message: never forwarded (RFC 9110 7.6.1).
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The caller's headers that go up; everything else (cookies and credentials of the portal,
/// the runtime's own `spin-*` headers, any `x-forwarded-*` or identity the caller made up)
/// stays behind.
pub const FORWARDED_REQUEST_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "content-type",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "range",
    "user-agent",
    "x-requested-with",
];

/// How long an identity header is good for.
pub const IDENTITY_SECONDS: i64 = 60;

/// Who is calling, as BOS is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// The portal's origin.
    pub iss: String,
    /// User id.
    pub sub: String,
    /// Their email.
    pub email: String,
    /// The account the workspace belongs to.
    pub account: String,
    /// Their role in it.
    pub role: String,
    /// The workspace id.
    pub tenant: String,
    /// The workspace slug.
    pub slug: String,
    /// Issued, Unix seconds.
    pub iat: i64,
    /// Expires, Unix seconds.
    pub exp: i64,
}

fn mac(key: &[u8], data: &str) -> Option<Vec<u8>> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).ok()?;
    m.update(data.as_bytes());
    Some(m.finalize().into_bytes().to_vec())
}

/// The `Pulse-Identity` header value for `caller`.
pub fn sign(key: &[u8], caller: &Caller) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(caller).unwrap_or_default());
    let signed = format!("v1.{payload}");
    let tag = mac(key, &signed).unwrap_or_default();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// The caller a `Pulse-Identity` value names, if its MAC holds (constant time) and it has not
/// expired at `now`: what BOS does with it.
pub fn verify(key: &[u8], header: &str, now: i64) -> Option<Caller> {
    let (signed, tag) = header.rsplit_once('.')?;
    let payload = signed.strip_prefix("v1.")?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    let mut m = Hmac::<Sha256>::new_from_slice(key).ok()?;
    m.update(signed.as_bytes());
    m.verify_slice(&tag).ok()?;
    let caller: Caller = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (caller.exp > now).then_some(caller)
}

/// The caller's headers that may go up, as they came (names lower-cased).
pub fn request_headers(incoming: &[(String, String)]) -> Vec<(String, String)> {
    incoming
        .iter()
        .filter(|(k, _)| FORWARDED_REQUEST_HEADERS.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// Whether an upstream answer header may pass back to the caller: no hop-by-hop header, and a
/// `Set-Cookie` only when scoped to a path under `cookie_path` and not named like the portal's.
pub fn passes_back(name: &str, value: &str, cookie_path: &str) -> bool {
    if HOP_BY_HOP.contains(&name) {
        return false;
    }
    if name == "set-cookie" {
        let cookie_name = value.split('=').next().unwrap_or_default().trim();
        let path = value
            .split(';')
            .filter_map(|a| a.trim().split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case("path"))
            .map(|(_, v)| v.trim());
        return !cookie_name.starts_with("pa_")
            && path.is_some_and(|p| p == cookie_path || p.starts_with(&format!("{cookie_path}/")));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(exp: i64) -> Caller {
        Caller {
            iss: "https://my.planapulse.ai".into(),
            sub: "usr_1".into(),
            email: "ada@acme.example".into(),
            account: "acc_1".into(),
            role: "owner".into(),
            tenant: "ten_1".into(),
            slug: "acme".into(),
            iat: exp - IDENTITY_SECONDS,
            exp,
        }
    }

    #[test]
    fn the_identity_verifies_with_the_key_only_and_expires() {
        let key = b"bos-key-for-the-unit-test-0123456789";
        let header = sign(key, &caller(1_000));
        assert_eq!(verify(key, &header, 999), Some(caller(1_000)));
        assert_eq!(verify(key, &header, 1_000), None, "expired");
        assert_eq!(
            verify(b"another-key-0123456789-0123456789", &header, 999),
            None
        );
        let tampered = header.replacen("v1.", "v1.e", 1);
        assert_eq!(verify(key, &tampered, 999), None);
    }

    #[test]
    fn only_safe_headers_cross() {
        let incoming = vec![
            ("cookie".to_string(), "pa_token=secret".to_string()),
            ("authorization".into(), "Bearer pat_x".into()),
            ("accept".into(), "text/html".into()),
            ("x-forwarded-for".into(), "6.6.6.6".into()),
            ("pulse-identity".into(), "forged".into()),
            ("spin-full-url".into(), "http://x/acme".into()),
            ("connection".into(), "keep-alive".into()),
        ];
        assert_eq!(
            request_headers(&incoming),
            vec![("accept".to_string(), "text/html".to_string())]
        );
        let path = "/acme";
        assert!(passes_back("content-type", "text/html", path));
        assert!(!passes_back("connection", "close", path));
        assert!(!passes_back("transfer-encoding", "chunked", path));
        assert!(passes_back(
            "set-cookie",
            "bos=1; Path=/acme; HttpOnly",
            path
        ));
        assert!(passes_back("set-cookie", "bos=1; Path=/acme/app", path));
        assert!(!passes_back("set-cookie", "bos=1; Path=/", path));
        assert!(!passes_back("set-cookie", "bos=1; Path=/acmex", path));
        assert!(!passes_back("set-cookie", "bos=1", path));
        assert!(!passes_back("set-cookie", "pa_token=x; Path=/acme", path));
    }
}
