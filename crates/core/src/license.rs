//! License keys that verify offline: a license key is a compact JWS (RFC 7515) signed with
//! EdDSA over Ed25519 (RFC 8037), carrying the license's id, product, edition, seats, expiry and
//! entitlements. The private keys are the `license_keys` ring (`kid:key[,kid:key...]`, each
//! key a 32-byte Ed25519 seed in base64url): the first signs, every one is published as a JWKS
//! (RFC 7517) so a self-hosted install checks a key with nothing but the public key, and a new
//! key rolls in without invalidating the files already handed out.
//!
//! The key is derived from the license row whenever it is asked for, never stored: Ed25519 is
//! deterministic and every claim comes from the row, so the same row under the same signing key
//! gives the same key byte for byte. The row's `key_hash` is the license key's serial: the
//! token carries it as `jti`, and giving the license a new `key_hash` (and `key_hint`) retires
//! every key issued before, whatever key signed it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::store::licenses::License;

/// The `typ` header of every license key, so no other JWT passes for one.
pub const TOKEN_TYPE: &str = "pulse-license+jwt";
/// The audience of every license key: the self-hosted product.
pub const AUDIENCE: &str = "pulse-self-hosted";
/// Where the public keys are published, under the portal's origin.
pub const KEYS_PATH: &str = "/.well-known/pulse-license-keys.json";
/// The `format` of a downloaded license file.
pub const FILE_FORMAT: &str = "pulse-license/1";

/// A license key that could not be made, or a key ring that could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LicenseKeyError {
    /// Nothing configured.
    #[error(
        "license_keys is empty: set it to `kid:base64url-ed25519-seed` (32 bytes) to sign license keys"
    )]
    Empty,
    /// An entry is not `kid:seed`.
    #[error("license_keys entry {0} is not of the form `kid:base64url-ed25519-seed`")]
    Malformed(usize),
    /// A seed is not 32 bytes.
    #[error("license_keys entry `{0}` is not a 32-byte Ed25519 seed")]
    WrongLength(String),
    /// A license's date is not RFC 3339.
    #[error("license {0} has an unreadable date `{1}`")]
    BadDate(String, String),
}

/// Why a license key was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LicenseTokenError {
    /// Not three base64url parts of JSON.
    #[error("malformed license key")]
    Malformed,
    /// Not EdDSA, not a license key, or signed by a key that is not published.
    #[error("not a license key signed by a published key")]
    Header,
    /// The signature does not match.
    #[error("bad signature")]
    Signature,
}

struct RingKey {
    kid: String,
    key: SigningKey,
}

/// The license signing keys: the first signs, all are published.
pub struct LicenseKeyRing {
    keys: Vec<RingKey>,
}

impl std::fmt::Debug for LicenseKeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|k| k.kid.as_str()).collect();
        write!(f, "LicenseKeyRing({kids:?}, <redacted>)")
    }
}

impl LicenseKeyRing {
    /// Parses `kid:base64url-seed[,kid:seed...]`.
    pub fn parse(spec: &str) -> Result<Self, LicenseKeyError> {
        let entries = crate::token::ring_entries(spec).map_err(|e| match e {
            crate::token::RingSyntax::Empty => LicenseKeyError::Empty,
            crate::token::RingSyntax::Malformed(n) => LicenseKeyError::Malformed(n),
        })?;
        let keys = entries
            .into_iter()
            .map(|(kid, seed)| {
                let seed: [u8; 32] = seed
                    .try_into()
                    .map_err(|_| LicenseKeyError::WrongLength(kid.clone()))?;
                Ok(RingKey {
                    kid,
                    key: SigningKey::from_bytes(&seed),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { keys })
    }

    /// The id of the key that signs.
    pub fn current_kid(&self) -> &str {
        &self.keys[0].kid
    }

    /// Whether any key id starts with `dev` (a development key must never sign in production).
    pub fn has_development_key(&self) -> bool {
        self.keys.iter().any(|k| k.kid.starts_with("dev"))
    }

    /// Every key's public half, as the JWKS published at [`KEYS_PATH`].
    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: self
                .keys
                .iter()
                .map(|k| Jwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    x: URL_SAFE_NO_PAD.encode(k.key.verifying_key().as_bytes()),
                    kid: k.kid.clone(),
                    alg: "EdDSA".into(),
                    key_use: "sig".into(),
                })
                .collect(),
        }
    }

    /// Signs `claims` with the current key: `base64url(header).base64url(claims).base64url(sig)`.
    pub fn sign(&self, claims: &LicenseClaims) -> String {
        self.sign_typed(TOKEN_TYPE, claims)
    }

    /// Signs an activation's lease with the current key (`typ` [`LEASE_TYPE`]).
    pub fn sign_lease(&self, lease: &Lease) -> String {
        self.sign_typed(LEASE_TYPE, lease)
    }

    fn sign_typed<T: Serialize>(&self, typ: &str, claims: &T) -> String {
        let key = &self.keys[0];
        let header = Header {
            alg: "EdDSA".into(),
            typ: typ.into(),
            kid: key.kid.clone(),
        };
        let enc = |v: &[u8]| URL_SAFE_NO_PAD.encode(v);
        // Both are plain structs of strings and numbers: serialising them cannot fail.
        let head = enc(&serde_json::to_vec(&header).unwrap_or_default());
        let body = enc(&serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{head}.{body}");
        let sig = key.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", enc(&sig.to_bytes()))
    }
}

/// The `typ` of an activation lease.
pub const LEASE_TYPE: &str = "pulse-lease+jwt";

/// How long a lease lets an installation run without reaching the portal.
pub const LEASE_SECONDS: i64 = 72 * 3600;

/// A short-lived, signed statement that one installation may run: what a heartbeat returns,
/// verifiable offline with the same public keys as the license key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Lease {
    /// Issuer: the portal's public origin.
    pub iss: String,
    /// Subject: the activation id.
    pub sub: String,
    /// The license id.
    pub lid: String,
    /// The installation's fingerprint.
    pub fingerprint: String,
    /// Issued (Unix seconds).
    pub iat: i64,
    /// The lease's own expiry (Unix seconds), at most [`LEASE_SECONDS`] away and never after
    /// the license's.
    pub exp: i64,
    /// The license's expiry (Unix seconds).
    pub license_exp: i64,
    /// Features and limits.
    pub entitlements: Entitlements,
}

/// A JSON Web Key Set of Ed25519 public keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// One Ed25519 public key as a JWK (RFC 8037).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// Key id, as in the license key's header.
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub key_use: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

/// What a license key says: the license as it stands in the portal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LicenseClaims {
    /// Issuer: the portal's public origin.
    pub iss: String,
    /// Subject: the license id.
    pub sub: String,
    /// Audience: [`AUDIENCE`].
    pub aud: String,
    /// The key's serial (the license row's `key_hash`).
    pub jti: String,
    /// The license id (`lic_...`).
    pub lid: String,
    /// Product name.
    pub product: String,
    /// Edition (the plan's first part, such as `Pro`).
    pub edition: String,
    /// The plan as sold.
    pub plan: String,
    /// Seats.
    pub seats: i64,
    /// Issued (Unix seconds): when the license was issued.
    pub iat: i64,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// The license's status when the key was made (active, expired or cancelled).
    pub status: String,
    /// Features and limits.
    pub entitlements: Entitlements,
}

/// What a license allows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entitlements {
    /// Features switched on, by name.
    pub features: Vec<String>,
    /// Numeric limits.
    pub limits: Limits,
}

/// A license's limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Limits {
    /// Named users.
    pub seats: i64,
    /// Installations activated at once.
    pub activations: i64,
}

/// The edition of a plan such as `Pro, 25 seats`: its first part.
pub fn edition(plan: &str) -> &str {
    plan.split(',').next().unwrap_or(plan).trim()
}

/// The features an edition includes.
pub fn features(edition: &str) -> &'static [&'static str] {
    match edition.to_ascii_lowercase().as_str() {
        "enterprise" => &[
            "core",
            "sso",
            "scim",
            "audit-log",
            "high-availability",
            "priority-support",
        ],
        "pro" => &["core", "sso", "audit-log", "priority-support"],
        "lab" => &["core", "sso", "non-production"],
        _ => &["core"],
    }
}

impl LicenseClaims {
    /// The claims of `license`'s key, whose serial is `key_hash`, issued by `issuer`.
    pub fn for_license(
        license: &License,
        key_hash: &str,
        issuer: &str,
    ) -> Result<Self, LicenseKeyError> {
        let time = |s: &str| {
            crate::time::parse_rfc3339(s)
                .ok_or_else(|| LicenseKeyError::BadDate(license.id.clone(), s.to_string()))
        };
        let edition = edition(&license.plan).to_string();
        Ok(Self {
            iss: issuer.to_string(),
            sub: license.id.clone(),
            aud: AUDIENCE.into(),
            jti: key_hash.to_string(),
            lid: license.id.clone(),
            product: license.product.clone(),
            plan: license.plan.clone(),
            seats: license.seats,
            iat: time(&license.issued_at)?,
            exp: time(&license.expires_at)?,
            status: license.status.clone(),
            entitlements: Entitlements {
                features: features(&edition).iter().map(|f| f.to_string()).collect(),
                limits: Limits {
                    seats: license.seats,
                    activations: license.max_activations,
                },
            },
            edition,
        })
    }
}

/// Checks a license key against published public keys (header, key id, signature) and returns
/// its claims; whether it has expired is the caller's question (`exp`).
pub fn verify(keys: &Jwks, token: &str) -> Result<LicenseClaims, LicenseTokenError> {
    let mut parts = token.trim().split('.');
    let (Some(head), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(LicenseTokenError::Malformed);
    };
    let dec = |s: &str| {
        URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| LicenseTokenError::Malformed)
    };
    let header: Header =
        serde_json::from_slice(&dec(head)?).map_err(|_| LicenseTokenError::Malformed)?;
    if header.alg != "EdDSA" || header.typ != TOKEN_TYPE {
        return Err(LicenseTokenError::Header);
    }
    let jwk = keys
        .keys
        .iter()
        .find(|k| k.kid == header.kid && k.kty == "OKP" && k.crv == "Ed25519")
        .ok_or(LicenseTokenError::Header)?;
    let public: [u8; 32] = dec(&jwk.x)?
        .try_into()
        .map_err(|_| LicenseTokenError::Header)?;
    let public = VerifyingKey::from_bytes(&public).map_err(|_| LicenseTokenError::Header)?;
    let sig: [u8; 64] = dec(sig)?
        .try_into()
        .map_err(|_| LicenseTokenError::Signature)?;
    public
        .verify(
            format!("{head}.{body}").as_bytes(),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| LicenseTokenError::Signature)?;
    serde_json::from_slice(&dec(body)?).map_err(|_| LicenseTokenError::Malformed)
}

/// A downloadable license file: the signed key, which is all that counts, beside its claims
/// in readable form and where to find the public keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LicenseFile {
    /// [`FILE_FORMAT`].
    pub format: String,
    /// The license id.
    pub license_id: String,
    /// Product name.
    pub product: String,
    /// Edition.
    pub edition: String,
    /// Seats.
    pub seats: i64,
    /// Issued, RFC 3339.
    pub issued_at: String,
    /// Expiry, RFC 3339.
    pub expires_at: String,
    /// Features and limits.
    pub entitlements: Entitlements,
    /// The signing key's id.
    pub kid: String,
    /// The JWKS that verifies `key`.
    pub keys_url: String,
    /// The license key: a compact JWS, EdDSA over `header.claims`.
    pub key: String,
}

impl LicenseFile {
    /// The file for `license`, whose key `token` carries `claims` and was signed by `kid`.
    pub fn new(license: &License, claims: &LicenseClaims, kid: &str, token: String) -> Self {
        Self {
            format: FILE_FORMAT.into(),
            license_id: license.id.clone(),
            product: license.product.clone(),
            edition: claims.edition.clone(),
            seats: license.seats,
            issued_at: license.issued_at.clone(),
            expires_at: license.expires_at.clone(),
            entitlements: claims.entitlements.clone(),
            kid: kid.to_string(),
            keys_url: format!("{}{KEYS_PATH}", claims.iss),
            key: token,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Seeds of 32 bytes: all zeroes, and all 0x01 (`AQEB...`).
    const KEY_A: &str = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const KEY_B: &str = "k2:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE";

    fn ring(spec: &str) -> LicenseKeyRing {
        LicenseKeyRing::parse(spec).unwrap_or_else(|e| panic!("{e}"))
    }

    fn license() -> License {
        License {
            id: "lic_1".into(),
            product: "Pulse Pro".into(),
            plan: "Pro, 25 seats".into(),
            key_hint: "9RTA".into(),
            seats: 25,
            max_activations: 3,
            active_activations: 1,
            status: "active".into(),
            issued_at: "2025-03-01T00:00:00Z".into(),
            expires_at: "2027-03-01T00:00:00Z".into(),
            cancel_at_period_end: false,
        }
    }

    fn claims() -> LicenseClaims {
        LicenseClaims::for_license(&license(), "serial", "https://my.example")
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn claims_carry_the_license_row() {
        let c = claims();
        assert_eq!((c.sub.as_str(), c.lid.as_str()), ("lic_1", "lic_1"));
        assert_eq!((c.edition.as_str(), c.seats), ("Pro", 25));
        assert_eq!(c.exp, 1_803_859_200);
        assert_eq!(c.entitlements.limits.activations, 3);
        assert!(c.entitlements.features.contains(&"sso".to_string()));
        assert_eq!(c.jti, "serial");
    }

    #[test]
    fn a_signed_key_verifies_with_the_published_keys_and_is_deterministic() {
        let r = ring(KEY_A);
        let token = r.sign(&claims());
        assert_eq!(token, r.sign(&claims()));
        assert_eq!(verify(&r.jwks(), &token), Ok(claims()));
        // After a rotation the old key is still published, so old files still verify.
        let rotated = ring(&format!("{KEY_B},{KEY_A}"));
        assert_eq!(rotated.current_kid(), "k2");
        assert_eq!(rotated.jwks().keys.len(), 2);
        assert!(verify(&rotated.jwks(), &token).is_ok());
        assert!(verify(&rotated.jwks(), &rotated.sign(&claims())).is_ok());
    }

    #[test]
    fn altered_foreign_and_unsigned_keys_are_refused() {
        let r = ring(KEY_A);
        let token = r.sign(&claims());
        let mut forged = claims();
        forged.seats = 1000;
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap_or_default());
        let parts: Vec<&str> = token.split('.').collect();
        let altered = format!("{}.{body}.{}", parts[0], parts[2]);
        assert_eq!(
            verify(&r.jwks(), &altered),
            Err(LicenseTokenError::Signature)
        );
        // Signed by another key under the same id.
        let other = ring("k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE");
        assert_eq!(
            verify(&r.jwks(), &other.sign(&claims())),
            Err(LicenseTokenError::Signature)
        );
        // Signed by an unpublished key id.
        assert_eq!(
            verify(&r.jwks(), &ring(KEY_B).sign(&claims())),
            Err(LicenseTokenError::Header)
        );
        let none =
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"pulse-license+jwt","kid":"k1"}"#);
        assert_eq!(
            verify(&r.jwks(), &format!("{none}.{}.", parts[1])),
            Err(LicenseTokenError::Header)
        );
        assert_eq!(verify(&r.jwks(), "x.y"), Err(LicenseTokenError::Malformed));
    }

    #[test]
    fn key_rings_reject_malformed_or_short_seeds_and_spot_development_keys() {
        assert_eq!(
            LicenseKeyRing::parse(" ").err(),
            Some(LicenseKeyError::Empty)
        );
        assert_eq!(
            LicenseKeyRing::parse("k:c2hvcnQ").err(),
            Some(LicenseKeyError::WrongLength("k".into()))
        );
        assert_eq!(
            LicenseKeyRing::parse("nocolon").err(),
            Some(LicenseKeyError::Malformed(1))
        );
        assert!(!ring(KEY_A).has_development_key());
        assert!(ring(&format!("{KEY_A},dev1:{}", &KEY_B[3..])).has_development_key());
        let jwk = &ring(KEY_A).jwks().keys[0];
        assert_eq!(
            (jwk.kty.as_str(), jwk.crv.as_str(), jwk.alg.as_str()),
            ("OKP", "Ed25519", "EdDSA")
        );
        // The all-zero seed's public key, as any Ed25519 implementation derives it.
        assert_eq!(jwk.x, "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik");
    }
}
