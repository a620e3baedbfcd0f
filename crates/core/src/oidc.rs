//! OpenID Connect for the portal as a relying party: the discovery document, PKCE, the
//! authorization request, the code exchange's request and answer, and ID-token verification
//! against the issuer's JWKS. No I/O here: the auth component fetches, this module decides.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::http::percent_encode;
use crate::token::constant_time_eq;

/// The scopes the portal asks for.
pub const SCOPE: &str = "openid email profile";

/// Clock skew tolerated on `exp` and `iat`, in seconds.
pub const LEEWAY_SECONDS: i64 = 60;

/// The smallest RSA modulus accepted for signatures, in bits.
const MIN_RSA_BITS: usize = 2048;

/// Why the provider's answer or an ID token is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    /// The discovery document, JWKS or token response is not what the specs say.
    #[error("the provider answered something unusable: {0}")]
    BadResponse(String),
    /// The token endpoint refused the code (expired, spent, or a PKCE mismatch).
    #[error("the provider refused the code exchange: {0}")]
    ExchangeRefused(String),
    /// The ID token names a key the JWKS does not hold (refetch the JWKS once, then reject).
    #[error("the ID token is signed with key {0:?}, which the issuer's JWKS does not hold")]
    UnknownKey(String),
    /// The ID token fails a check; the message names which.
    #[error("the ID token was rejected: {0}")]
    Rejected(String),
}

fn rejected(why: impl Into<String>) -> OidcError {
    OidcError::Rejected(why.into())
}

fn bad(why: impl Into<String>) -> OidcError {
    OidcError::BadResponse(why.into())
}

/// The endpoints the portal uses from an issuer's discovery document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Discovery {
    /// Must equal the configured issuer exactly.
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// The issuer's signing keys.
    pub jwks_uri: String,
}

/// The discovery document's URL for `issuer` (OpenID Connect Discovery 1.0, section 4).
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

fn is_http_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > "https://".len()
        && !s.contains(char::is_whitespace)
}

/// Parses a discovery document and checks it belongs to `issuer` (section 4.3: the `issuer`
/// value must be identical to the URL the document was requested for).
pub fn parse_discovery(body: &[u8], issuer: &str) -> Result<Discovery, OidcError> {
    let doc: Discovery = serde_json::from_slice(body)
        .map_err(|e| bad(format!("discovery document is not valid: {e}")))?;
    if doc.issuer != issuer {
        return Err(bad(format!(
            "discovery document names issuer {:?}, expected {issuer:?}",
            doc.issuer
        )));
    }
    for (name, url) in [
        ("authorization_endpoint", &doc.authorization_endpoint),
        ("token_endpoint", &doc.token_endpoint),
        ("jwks_uri", &doc.jwks_uri),
    ] {
        if !is_http_url(url) {
            return Err(bad(format!(
                "discovery document's {name} {url:?} is not a URL"
            )));
        }
    }
    Ok(doc)
}

/// The PKCE S256 challenge for `verifier` (RFC 7636, section 4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// What one authorization request carries.
pub struct AuthorizationRequest<'a> {
    /// The portal's client id at the provider.
    pub client_id: &'a str,
    /// `{public_origin}/api/auth/oidc/callback`.
    pub redirect_uri: &'a str,
    /// Ties the callback to this browser's attempt.
    pub state: &'a str,
    /// Ties the ID token to this attempt.
    pub nonce: &'a str,
    /// The PKCE verifier (only its challenge is sent).
    pub code_verifier: &'a str,
}

/// The URL to send the browser to: authorization code flow with PKCE S256.
pub fn authorization_url(discovery: &Discovery, req: &AuthorizationRequest) -> String {
    let params = [
        ("response_type", "code"),
        ("scope", SCOPE),
        ("client_id", req.client_id),
        ("redirect_uri", req.redirect_uri),
        ("state", req.state),
        ("nonce", req.nonce),
        ("code_challenge", &pkce_challenge(req.code_verifier)),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", percent_encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    let sep = if discovery.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{sep}{params}", discovery.authorization_endpoint)
}

/// The token request's form body (RFC 6749 section 4.1.3, with the PKCE verifier).
pub fn token_request_body(code: &str, redirect_uri: &str, code_verifier: &str) -> String {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", code_verifier),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", percent_encode(v)))
    .collect::<Vec<_>>()
    .join("&")
}

/// The `Authorization` header for `client_secret_basic` (RFC 6749 section 2.3.1: both parts
/// form-encoded before base64).
pub fn basic_auth(client_id: &str, client_secret: &str) -> String {
    let pair = format!(
        "{}:{}",
        percent_encode(client_id),
        percent_encode(client_secret)
    );
    format!("Basic {}", STANDARD.encode(pair))
}

/// The ID token from the token endpoint's answer, or why there is none.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<String, OidcError> {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if (400..500).contains(&status) {
        let code = json
            .as_ref()
            .and_then(|j| j.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("unknown error");
        return Err(OidcError::ExchangeRefused(code.chars().take(100).collect()));
    }
    if status != 200 {
        return Err(bad(format!("token endpoint answered HTTP {status}")));
    }
    let json = json.ok_or_else(|| bad("token endpoint's answer is not JSON"))?;
    json.get("id_token")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| bad("token endpoint's answer has no id_token"))
}

/// One signature key from a JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    /// `kid`, when the key has one.
    pub kid: Option<String>,
    /// The key material.
    pub key: KeyMaterial,
}

/// Public key material for the two accepted algorithms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    /// An RSA key (RS256): modulus and exponent, big-endian.
    Rsa {
        /// `n`
        n: Vec<u8>,
        /// `e`
        e: Vec<u8>,
    },
    /// A P-256 key (ES256): the uncompressed SEC1 point.
    P256(Vec<u8>),
}

impl KeyMaterial {
    fn alg(&self) -> Alg {
        match self {
            KeyMaterial::Rsa { .. } => Alg::Rs256,
            KeyMaterial::P256(_) => Alg::Es256,
        }
    }
}

/// The signing algorithms accepted: never `none`, never a symmetric one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Rs256,
    Es256,
}

/// The issuer's signature keys that the portal can use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jwks {
    /// Usable keys; keys for encryption or other algorithms are left out.
    pub keys: Vec<Jwk>,
}

fn b64url(field: &str, s: &str) -> Result<Vec<u8>, OidcError> {
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| bad(format!("JWKS field {field} is not base64url")))
}

/// Parses a JWKS, keeping the keys usable for RS256 or ES256 signatures.
pub fn parse_jwks(body: &[u8]) -> Result<Jwks, OidcError> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("JWKS is not JSON: {e}")))?;
    let keys = json
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("JWKS has no keys array"))?;
    let mut usable = Vec::new();
    for k in keys {
        let s = |name: &str| k.get(name).and_then(Value::as_str);
        if s("use").is_some_and(|u| u != "sig") {
            continue;
        }
        let key = match (s("kty"), s("alg")) {
            (Some("RSA"), None | Some("RS256")) => match (s("n"), s("e")) {
                (Some(n), Some(e)) => KeyMaterial::Rsa {
                    n: b64url("n", n)?,
                    e: b64url("e", e)?,
                },
                _ => continue,
            },
            (Some("EC"), None | Some("ES256")) if s("crv") == Some("P-256") => {
                match (s("x"), s("y")) {
                    (Some(x), Some(y)) => {
                        let (x, y) = (b64url("x", x)?, b64url("y", y)?);
                        if x.len() != 32 || y.len() != 32 {
                            continue;
                        }
                        let mut point = vec![0x04];
                        point.extend_from_slice(&x);
                        point.extend_from_slice(&y);
                        KeyMaterial::P256(point)
                    }
                    _ => continue,
                }
            }
            _ => continue,
        };
        usable.push(Jwk {
            kid: s("kid").map(str::to_string),
            key,
        });
    }
    Ok(Jwks { keys: usable })
}

/// What the ID token must match.
pub struct Expected<'a> {
    /// The configured issuer.
    pub issuer: &'a str,
    /// The portal's client id.
    pub client_id: &'a str,
    /// The nonce stored with this attempt's state.
    pub nonce: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// The verified identity an ID token asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    /// The subject, unique per issuer.
    pub sub: String,
    /// The email, if the token carries one.
    pub email: Option<String>,
    /// Whether the provider verified that email.
    pub email_verified: bool,
    /// A display name, if any.
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<Value>,
}

/// Verifies an ID token (OpenID Connect Core 1.0, section 3.1.3.7): an RS256 or ES256
/// signature by a key of `jwks`, then `iss`, `aud` (and `azp`), `exp`, `iat`, `nonce` and `sub`.
/// A token without `kid` is checked against the JWKS's only key for its algorithm, and
/// rejected when there are several.
pub fn verify_id_token(
    token: &str,
    jwks: &Jwks,
    expected: &Expected,
) -> Result<IdClaims, OidcError> {
    if token.len() > 16 * 1024 {
        return Err(rejected("token is too large"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(rejected("not a compact JWS"));
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| rejected("header is not base64url JSON"))?;
    let alg = match header.alg.as_deref() {
        Some("RS256") => Alg::Rs256,
        Some("ES256") => Alg::Es256,
        other => {
            return Err(rejected(format!(
                "algorithm {:?} is not allowed (only RS256 and ES256)",
                other.unwrap_or("")
            )));
        }
    };
    if header.crit.is_some() {
        return Err(rejected("critical header parameters are not supported"));
    }
    let key = select_key(jwks, alg, header.kid.as_deref())?;
    let signature = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| rejected("signature is not base64url"))?;
    let signed = &token.as_bytes()[..h.len() + 1 + p.len()];
    verify_signature(&key.key, signed, &signature)?;

    let claims: Value = URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(Value::is_object)
        .ok_or_else(|| rejected("payload is not a JSON object"))?;
    check_claims(&claims, expected)
}

fn select_key<'a>(jwks: &'a Jwks, alg: Alg, kid: Option<&str>) -> Result<&'a Jwk, OidcError> {
    let mut candidates = jwks.keys.iter().filter(|k| k.key.alg() == alg);
    match kid {
        Some(kid) => candidates
            .find(|k| k.kid.as_deref() == Some(kid))
            .ok_or_else(|| OidcError::UnknownKey(kid.chars().take(100).collect())),
        None => match (candidates.next(), candidates.next()) {
            (Some(only), None) => Ok(only),
            (None, _) => Err(rejected("the JWKS holds no key for the token's algorithm")),
            (Some(_), Some(_)) => Err(rejected(
                "the token has no kid and the JWKS holds several keys",
            )),
        },
    }
}

fn verify_signature(key: &KeyMaterial, signed: &[u8], signature: &[u8]) -> Result<(), OidcError> {
    match key {
        KeyMaterial::Rsa { n, e } => {
            use rsa::traits::PublicKeyParts;
            let public = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(n),
                rsa::BigUint::from_bytes_be(e),
            )
            .map_err(|e| rejected(format!("the issuer's RSA key is unusable: {e}")))?;
            if public.n().bits() < MIN_RSA_BITS {
                return Err(rejected("the issuer's RSA key is shorter than 2048 bits"));
            }
            let digest = Sha256::digest(signed);
            public
                .verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
                .map_err(|_| rejected("signature does not verify"))
        }
        KeyMaterial::P256(point) => {
            use p256::ecdsa::signature::Verifier;
            let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| rejected("the issuer's P-256 key is unusable"))?;
            let sig = p256::ecdsa::Signature::from_slice(signature)
                .map_err(|_| rejected("signature is not a P-256 signature"))?;
            vk.verify(signed, &sig)
                .map_err(|_| rejected("signature does not verify"))
        }
    }
}

fn check_claims(claims: &Value, expected: &Expected) -> Result<IdClaims, OidcError> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);

    match text("iss") {
        Some(iss) if iss == expected.issuer => {}
        Some(iss) => {
            return Err(rejected(format!(
                "issuer {iss:?} is not {:?}",
                expected.issuer
            )));
        }
        None => return Err(rejected("iss is missing")),
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => return Err(rejected("aud is missing")),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(rejected("aud does not contain this client"));
    }
    match text("azp") {
        Some(azp) if azp != expected.client_id => {
            return Err(rejected("azp names another client"));
        }
        None if audiences.len() > 1 => {
            return Err(rejected("several audiences but no azp"));
        }
        _ => {}
    }
    let exp = number("exp").ok_or_else(|| rejected("exp is missing"))?;
    if exp + LEEWAY_SECONDS <= expected.now {
        return Err(rejected("the token has expired"));
    }
    let iat = number("iat").ok_or_else(|| rejected("iat is missing"))?;
    if iat > expected.now + LEEWAY_SECONDS {
        return Err(rejected("iat is in the future"));
    }
    match text("nonce") {
        Some(n) if constant_time_eq(n, expected.nonce) => {}
        Some(_) => return Err(rejected("nonce does not match this sign-in attempt")),
        None => return Err(rejected("nonce is missing")),
    }
    let sub = text("sub")
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or_else(|| rejected("sub is missing"))?;
    let email_verified = match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        // Some providers send the boolean as a string.
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    Ok(IdClaims {
        sub: sub.to_string(),
        email: text("email").map(str::to_string),
        email_verified,
        name: text("name")
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.chars().take(100).collect()),
    })
}

#[cfg(test)]
#[expect(
    clippy::expect_used,
    reason = "a failed expectation is the test failing"
)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer;
    use serde_json::json;

    const ISSUER: &str = "https://id.example.com";
    const CLIENT: &str = "pulse";
    const NOW: i64 = 1_800_000_000;

    /// The first prime of the fixed 2048-bit RSA test key, in hex.
    const TEST_RSA_P: &str = "e93cb314b572072a869ed846f7f482df9806a4be1c943a2912f0f65a81853564a051970baae78500d54a3044f3be2f12600240d8140e0d2255fefe37a717d5af710bed417cd8d154a0ed05f3b6320fa8350efdf09435b1950da27d3fb3905e2e4a032e1b121b1cb62215537d4828c968a079534c3b4a6cfd20e21f0a76720a55";
    /// The second prime of the fixed 2048-bit RSA test key, in hex.
    const TEST_RSA_Q: &str = "e5fe6cd26ad2f5836b11df3b126f7a7368cd1341baf42306b831c58530de61b32b21dc8dfca6ebf09dea58843593344bff7952ef5a85ae285c7affcdbe2a2ccba2e07f170ab6eab8621a419f10364d558827c7427f6157235975d47128d16baf0ad0d64be801afa4fe6d616f09b3edea4461160d73b23e36697b619ba00434ad";

    fn ec_key(seed: u8) -> SigningKey {
        let mut bytes = [0u8; 32];
        bytes[31] = seed;
        bytes[0] = 0x11;
        SigningKey::from_bytes(&bytes.into()).expect("a valid scalar")
    }

    fn ec_jwk(key: &SigningKey, kid: Option<&str>) -> Value {
        let point = key.verifying_key().to_encoded_point(false);
        let mut jwk = json!({
            "kty": "EC", "crv": "P-256", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(point.x().expect("x")),
            "y": URL_SAFE_NO_PAD.encode(point.y().expect("y")),
        });
        if let Some(kid) = kid {
            jwk["kid"] = json!(kid);
        }
        jwk
    }

    fn jwks(keys: &[Value]) -> Jwks {
        parse_jwks(json!({ "keys": keys }).to_string().as_bytes()).expect("JWKS parses")
    }

    fn claims() -> Value {
        json!({
            "iss": ISSUER, "aud": CLIENT, "sub": "user-1", "nonce": "n-1",
            "iat": NOW - 10, "exp": NOW + 300,
            "email": "ada@acme.example", "email_verified": true, "name": "Ada",
        })
    }

    fn es256(key: &SigningKey, header: Value, claims: &Value) -> String {
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let p = URL_SAFE_NO_PAD.encode(claims.to_string());
        let sig: p256::ecdsa::Signature = key.sign(format!("{h}.{p}").as_bytes());
        format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: ISSUER,
            client_id: CLIENT,
            nonce: "n-1",
            now: NOW,
        }
    }

    fn verify_with(claims: &Value) -> Result<IdClaims, OidcError> {
        let key = ec_key(1);
        let token = es256(&key, json!({"alg": "ES256", "kid": "k1"}), claims);
        verify_id_token(&token, &jwks(&[ec_jwk(&key, Some("k1"))]), &expected())
    }

    #[test]
    fn a_well_formed_es256_token_yields_its_claims() {
        let got = verify_with(&claims()).expect("accepted");
        assert_eq!(got.sub, "user-1");
        assert_eq!(got.email.as_deref(), Some("ada@acme.example"));
        assert!(got.email_verified);
        assert_eq!(got.name.as_deref(), Some("Ada"));
    }

    #[test]
    fn each_bad_claim_is_rejected() {
        type Mutation = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(&str, Mutation)> = vec![
            (
                "issuer",
                Box::new(|c| c["iss"] = json!("https://evil.example")),
            ),
            (
                "sub",
                Box::new(|c| drop(c.as_object_mut().map(|o| o.remove("sub")))),
            ),
            ("audience", Box::new(|c| c["aud"] = json!("someone-else"))),
            (
                "iat",
                Box::new(|c| drop(c.as_object_mut().map(|o| o.remove("iat")))),
            ),
            ("expired", Box::new(|c| c["exp"] = json!(NOW - 3600))),
            ("nonce", Box::new(|c| c["nonce"] = json!("n-2"))),
            (
                "no nonce",
                Box::new(|c| drop(c.as_object_mut().map(|o| o.remove("nonce")))),
            ),
            ("azp", Box::new(|c| c["aud"] = json!([CLIENT, "other"]))),
            ("other azp", Box::new(|c| c["azp"] = json!("other"))),
        ];
        for (name, mutate) in cases {
            let mut c = claims();
            mutate(&mut c);
            assert!(
                matches!(verify_with(&c), Err(OidcError::Rejected(_))),
                "{name} was accepted"
            );
        }
        let mut several = claims();
        several["aud"] = json!([CLIENT, "other"]);
        several["azp"] = json!(CLIENT);
        assert!(verify_with(&several).is_ok());
    }

    #[test]
    fn a_tampered_signature_or_foreign_key_is_rejected() {
        let key = ec_key(1);
        let set = jwks(&[ec_jwk(&key, Some("k1"))]);
        let token = es256(&key, json!({"alg": "ES256", "kid": "k1"}), &claims());
        let mut tampered = claims();
        tampered["sub"] = json!("admin");
        let (h, _, s) = {
            let mut it = token.split('.');
            (it.next().unwrap_or(""), it.next(), it.next().unwrap_or(""))
        };
        let forged = format!("{h}.{}.{s}", URL_SAFE_NO_PAD.encode(tampered.to_string()));
        assert!(matches!(
            verify_id_token(&forged, &set, &expected()),
            Err(OidcError::Rejected(_))
        ));
        let other = es256(&ec_key(2), json!({"alg": "ES256", "kid": "k1"}), &claims());
        assert!(verify_id_token(&other, &set, &expected()).is_err());
    }

    #[test]
    fn none_and_symmetric_algorithms_are_refused() {
        let key = ec_key(1);
        let set = jwks(&[ec_jwk(&key, Some("k1"))]);
        let p = URL_SAFE_NO_PAD.encode(claims().to_string());
        for alg in ["none", "HS256", "RS384", ""] {
            let h = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "kid": "k1"}).to_string());
            let err = verify_id_token(&format!("{h}.{p}."), &set, &expected());
            assert!(matches!(err, Err(OidcError::Rejected(_))), "{alg}: {err:?}");
        }
    }

    #[test]
    fn an_unknown_kid_asks_for_a_refetch() {
        let key = ec_key(1);
        let token = es256(&key, json!({"alg": "ES256", "kid": "k9"}), &claims());
        let err = verify_id_token(&token, &jwks(&[ec_jwk(&key, Some("k1"))]), &expected());
        assert_eq!(err, Err(OidcError::UnknownKey("k9".into())));
    }

    #[test]
    fn a_token_without_kid_needs_a_single_key() {
        let key = ec_key(1);
        let token = es256(&key, json!({"alg": "ES256"}), &claims());
        let one = jwks(&[ec_jwk(&key, Some("k1"))]);
        assert!(verify_id_token(&token, &one, &expected()).is_ok());
        let two = jwks(&[ec_jwk(&key, Some("k1")), ec_jwk(&ec_key(2), Some("k2"))]);
        assert!(matches!(
            verify_id_token(&token, &two, &expected()),
            Err(OidcError::Rejected(_))
        ));
    }

    #[test]
    fn rs256_signatures_verify_and_altered_ones_do_not() {
        use rsa::BigUint;
        use rsa::traits::PublicKeyParts;
        // A fixed 2048-bit test key (p, q) so the test needs no random key generation.
        let p = BigUint::parse_bytes(TEST_RSA_P.as_bytes(), 16).expect("p");
        let q = BigUint::parse_bytes(TEST_RSA_Q.as_bytes(), 16).expect("q");
        let e = BigUint::from(65_537u32);
        let private =
            rsa::RsaPrivateKey::from_p_q(p, q, e).expect("a valid RSA key from the fixed primes");
        let h = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "kid": "r1"}).to_string());
        let pl = URL_SAFE_NO_PAD.encode(claims().to_string());
        let digest = Sha256::digest(format!("{h}.{pl}").as_bytes());
        let sig = private
            .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest)
            .expect("signs");
        let token = format!("{h}.{pl}.{}", URL_SAFE_NO_PAD.encode(&sig));
        let jwk = json!({
            "kty": "RSA", "kid": "r1", "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
        });
        let set = jwks(&[jwk]);
        assert!(verify_id_token(&token, &set, &expected()).is_ok());
        let mut bad_sig = sig.clone();
        bad_sig[10] ^= 1;
        let forged = format!("{h}.{pl}.{}", URL_SAFE_NO_PAD.encode(&bad_sig));
        assert!(verify_id_token(&forged, &set, &expected()).is_err());
    }

    #[test]
    fn the_discovery_url_follows_the_issuer_path() {
        assert_eq!(
            discovery_url("https://auth.example.com/application/o/pulse/"),
            "https://auth.example.com/application/o/pulse/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("http://127.0.0.1:9000"),
            "http://127.0.0.1:9000/.well-known/openid-configuration"
        );
    }

    #[test]
    fn discovery_must_name_the_configured_issuer() {
        let doc = json!({
            "issuer": ISSUER,
            "authorization_endpoint": "https://id.example.com/auth",
            "token_endpoint": "https://id.example.com/token",
            "jwks_uri": "https://id.example.com/jwks",
        });
        let body = doc.to_string();
        assert!(parse_discovery(body.as_bytes(), ISSUER).is_ok());
        assert!(parse_discovery(body.as_bytes(), "https://other.example").is_err());
        assert!(parse_discovery(b"<html>", ISSUER).is_err());
        let mut no_jwks = doc.clone();
        no_jwks["jwks_uri"] = json!("javascript:alert(1)");
        assert!(parse_discovery(no_jwks.to_string().as_bytes(), ISSUER).is_err());
    }

    #[test]
    fn the_authorization_url_carries_pkce_state_and_nonce() {
        let d = Discovery {
            issuer: ISSUER.into(),
            authorization_endpoint: "https://id.example.com/auth".into(),
            token_endpoint: String::new(),
            jwks_uri: String::new(),
        };
        let url = authorization_url(
            &d,
            &AuthorizationRequest {
                client_id: CLIENT,
                redirect_uri: "http://127.0.0.1:1/api/auth/oidc/callback",
                state: "s",
                nonce: "n",
                code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            },
        );
        assert!(
            url.starts_with(
                "https://id.example.com/auth?response_type=code&scope=openid%20email%20profile"
            ),
            "{url}"
        );
        // RFC 7636 appendix B's example.
        assert!(url.contains("code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(url.contains("code_challenge_method=S256"));
        assert!(
            url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fapi%2Fauth%2Foidc%2Fcallback")
        );
    }

    #[test]
    fn the_token_response_yields_the_id_token_or_a_reason() {
        assert_eq!(
            parse_token_response(200, br#"{"id_token":"a.b.c"}"#),
            Ok("a.b.c".into())
        );
        assert_eq!(
            parse_token_response(400, br#"{"error":"invalid_grant"}"#),
            Err(OidcError::ExchangeRefused("invalid_grant".into()))
        );
        assert!(matches!(
            parse_token_response(502, b"<html>"),
            Err(OidcError::BadResponse(_))
        ));
        assert!(matches!(
            parse_token_response(200, b"{}"),
            Err(OidcError::BadResponse(_))
        ));
    }

    #[test]
    fn basic_auth_form_encodes_both_parts() {
        assert_eq!(
            basic_auth("a b", "c:d"),
            format!("Basic {}", STANDARD.encode("a%20b:c%3Ad"))
        );
    }
}
