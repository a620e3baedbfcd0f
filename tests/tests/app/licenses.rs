//! License keys that verify offline: the published JWKS verifies every downloaded key with an
//! Ed25519 implementation independent of the portal's (ring), altered or foreign keys fail, the
//! claims are the license row's, and only the account's billing people ever see a key.

use anyhow::{Context, Result, ensure};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pulse_tests::app::{Backend, TestApp};
use ring::signature::{ED25519, Ed25519KeyPair, UnparsedPublicKey};
use serde_json::Value;

use super::each_backend;

pub(crate) const JWKS: &str = "/.well-known/pulse-license-keys.json";

/// Verifies a compact JWS against the JWKS with ring: `Ok(payload)` or why not.
pub(crate) fn verify_with_jwks(jwks: &Value, token: &str) -> Result<Value> {
    let parts: Vec<&str> = token.split('.').collect();
    ensure!(parts.len() == 3, "not a compact JWS: {token}");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0])?)?;
    ensure!(header["alg"] == "EdDSA", "alg is {}", header["alg"]);
    let kid = header["kid"].as_str().context("no kid")?;
    let jwk = jwks["keys"]
        .as_array()
        .context("keys")?
        .iter()
        .find(|k| k["kid"] == kid)
        .with_context(|| format!("kid {kid} is not published"))?;
    let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().context("x")?)?;
    let sig = URL_SAFE_NO_PAD.decode(parts[2])?;
    UnparsedPublicKey::new(&ED25519, &x)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .map_err(|_| anyhow::anyhow!("signature does not verify"))?;
    Ok(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1])?)?)
}

/// `token` with its payload replaced by `payload`, keeping header and signature.
fn with_payload(token: &str, payload: &Value) -> Result<String> {
    let parts: Vec<&str> = token.split('.').collect();
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload)?);
    Ok(format!("{}.{body}.{}", parts[0], parts[2]))
}

/// `token`'s header and payload signed again by another Ed25519 key.
fn signed_by_another_key(token: &str) -> Result<String> {
    let parts: Vec<&str> = token.split('.').collect();
    let other =
        Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).map_err(|_| anyhow::anyhow!("seed"))?;
    let input = format!("{}.{}", parts[0], parts[1]);
    let sig = other.sign(input.as_bytes());
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
}

#[test]
fn a_downloaded_license_file_verifies_with_the_published_key_and_carries_the_license_row()
-> Result<()> {
    each_backend(
        "a_downloaded_license_file_verifies_with_the_published_key_and_carries_the_license_row",
        |app| {
            // The public keys, for anyone, as RFC 8037 JWKs.
            let resp = app.get(JWKS)?;
            ensure!(resp.status() == 200, "{JWKS} answered {}", resp.status());
            assert_eq!(resp.headers()["content-type"], "application/jwk-set+json");
            let jwks: Value = resp.json()?;
            let key = &jwks["keys"][0];
            assert_eq!(key["kty"], "OKP");
            assert_eq!(key["crv"], "Ed25519");
            assert_eq!(key["alg"], "EdDSA");
            assert_eq!(key["use"], "sig");
            assert_eq!(key["kid"], "dev-license1");
            assert!(!jwks.to_string().contains("\"d\""), "no private part");

            // The license page offers the key and the file to the owner.
            let ada = app.sign_in("ada@acme.example")?;
            let page = app.get_as(&ada, "/licenses/lic_demo_pro")?.text()?;
            assert!(
                page.contains("/licenses/lic_demo_pro/license.json"),
                "{page}"
            );
            assert!(page.contains("/licenses/lic_demo_pro/key"), "{page}");

            // The file is an attachment holding the signed key and its readable fields.
            let resp = app.get_as(&ada, "/licenses/lic_demo_pro/license.json")?;
            ensure!(
                resp.status() == 200,
                "license.json answered {}",
                resp.status()
            );
            let disposition = resp.headers()["content-disposition"].to_str()?.to_string();
            assert!(
                disposition.starts_with("attachment;")
                    && disposition.contains("pulse-license-lic_demo_pro.json"),
                "{disposition}"
            );
            let file: Value = resp.json()?;
            assert_eq!(file["format"], "pulse-license/1");
            let token = file["key"].as_str().context("key")?;
            let claims = verify_with_jwks(&jwks, token)?;

            // The claims are the license row's.
            let api: Value = app.get_as(&ada, "/api/v1/licenses/lic_demo_pro")?.json()?;
            let row = &api["license"];
            assert_eq!(claims["lid"], "lic_demo_pro");
            assert_eq!(claims["sub"], "lic_demo_pro");
            assert_eq!(claims["aud"], "pulse-self-hosted");
            assert_eq!(claims["iss"], app.host.url(""));
            assert_eq!(claims["product"], row["product"]);
            assert_eq!(claims["plan"], row["plan"]);
            assert_eq!(claims["edition"], "Pro");
            assert_eq!(claims["seats"], row["seats"]);
            assert_eq!(claims["status"], row["status"]);
            assert_eq!(claims["entitlements"]["limits"]["seats"], row["seats"]);
            assert_eq!(
                claims["entitlements"]["limits"]["activations"],
                row["max_activations"]
            );
            assert!(
                claims["entitlements"]["features"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|x| x == "sso"))
            );
            let expiry =
                pulse_core::time::parse_rfc3339(row["expires_at"].as_str().context("exp")?);
            assert_eq!(claims["exp"].as_i64(), expiry);
            let issued = pulse_core::time::parse_rfc3339(row["issued_at"].as_str().context("iat")?);
            assert_eq!(claims["iat"].as_i64(), issued);
            let jti = claims["jti"].as_str().context("jti")?;
            assert_eq!(
                app.sql_count(&format!(
                    "SELECT COUNT(*) FROM licenses WHERE id = 'lic_demo_pro' AND key_hash = '{jti}'"
                ))?,
                1,
                "jti is the row's key serial"
            );
            assert_eq!(file["license_id"], "lic_demo_pro");
            assert_eq!(file["seats"], claims["seats"]);
            assert_eq!(file["entitlements"], claims["entitlements"]);
            assert_eq!(file["keys_url"], app.host.url(JWKS));

            // Altered, or signed by another key: refused.
            let mut more_seats = claims.clone();
            more_seats["seats"] = 1000.into();
            more_seats["entitlements"]["limits"]["seats"] = 1000.into();
            assert!(verify_with_jwks(&jwks, &with_payload(token, &more_seats)?).is_err());
            assert!(verify_with_jwks(&jwks, &signed_by_another_key(token)?).is_err());

            // The key page and the API give the same key (it is derived, deterministically).
            let key_page = app.get_as(&ada, "/licenses/lic_demo_pro/key")?;
            ensure!(
                key_page.status() == 200,
                "key page answered {}",
                key_page.status()
            );
            assert!(key_page.text()?.contains(token));
            let api_key: Value = app
                .get_as(&ada, "/api/v1/licenses/lic_demo_pro/key")?
                .json()?;
            assert_eq!(api_key["object"], "license_key");
            assert_eq!(api_key["key"], token);
            assert_eq!(api_key["claims"], claims);
            Ok(())
        },
    )
}

#[test]
fn another_accounts_license_key_is_a_404_and_members_without_billing_rights_never_see_one()
-> Result<()> {
    each_backend(
        "another_accounts_license_key_is_a_404_and_members_without_billing_rights_never_see_one",
        |app| {
            let paths = [
                "/licenses/lic_demo_pro/key",
                "/licenses/lic_demo_pro/license.json",
                "/api/v1/licenses/lic_demo_pro/key",
            ];
            // Mia's account is Northwind: Acme's license does not exist for her.
            let mia = app.sign_in("mia@northwind.example")?;
            for path in paths {
                let resp = app.get_as(&mia, path)?;
                assert_eq!(resp.status(), 404, "{path} for another account");
                assert!(!resp.text()?.contains("eyJ"), "{path} leaks no key");
            }
            // Cy is a plain member at Acme: no key, and no offer of one.
            let cy = app.sign_in("cy@acme.example")?;
            for path in paths {
                let resp = app.get_as(&cy, path)?;
                assert_eq!(resp.status(), 403, "{path} for a plain member");
                assert!(!resp.text()?.contains("eyJ"), "{path} leaks no key");
            }
            let page = app.get_as(&cy, "/licenses/lic_demo_pro")?.text()?;
            assert!(!page.contains("license.json"), "{page}");
            // Bob, Acme's billing member, may.
            let bob = app.sign_in("bob@acme.example")?;
            for path in paths {
                assert_eq!(app.get_as(&bob, path)?.status(), 200, "{path} for billing");
            }
            // Signed out: sign in first.
            assert_eq!(app.get(paths[1])?.status(), 303);
            Ok(())
        },
    )
}

#[test]
fn signing_routes_cost_one_sql_open_two_statements_and_one_more_variable_read() -> Result<()> {
    each_backend(
        "signing_routes_cost_one_sql_open_two_statements_and_one_more_variable_read",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            for path in [
                "/licenses/lic_demo_pro/key",
                "/licenses/lic_demo_pro/license.json",
                "/api/v1/licenses/lic_demo_pro/key",
            ] {
                let resp = app.get_as(&ada, path)?;
                ensure!(resp.status() == 200, "{path} answered {}", resp.status());
                let calls = app.calls(&resp)?;
                ensure!(
                    calls.sql_opens == 1 && calls.sql_statements <= 2 && calls.kv_ops == 0,
                    "{path} made {calls:?}"
                );
                // mode, public_origin, session_keys, db_url, and the signing keys.
                ensure!(calls.variable_reads <= 5, "{path} made {calls:?}");
            }
            // The JWKS opens nothing; signed out in local mode it reads mode,
            // public_origin and the keys.
            let resp = app.get(JWKS)?;
            let calls = app.calls(&resp)?;
            ensure!(
                calls.sql_opens == 0 && calls.kv_ops == 0 && calls.variable_reads <= 3,
                "{JWKS} made {calls:?}"
            );
            Ok(())
        },
    )
}

#[test]
fn a_rotated_key_ring_signs_with_the_first_key_and_publishes_both() -> Result<()> {
    let new = format!("l2:{}", URL_SAFE_NO_PAD.encode([2u8; 32]));
    let old = format!("l1:{}", URL_SAFE_NO_PAD.encode([1u8; 32]));
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .variable("license_keys", &format!("{new},{old}"))
        .start("a_rotated_key_ring_signs_with_the_first_key_and_publishes_both")?
    else {
        return Ok(());
    };
    let jwks: Value = app.get(JWKS)?.json()?;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .context("keys")?
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert_eq!(kids, ["l2", "l1"]);
    let ada = app.sign_in("ada@acme.example")?;
    let file: Value = app
        .get_as(&ada, "/licenses/lic_demo_lab/license.json")?
        .json()?;
    assert_eq!(file["kid"], "l2");
    let claims = verify_with_jwks(&jwks, file["key"].as_str().context("key")?)?;
    assert_eq!(claims["lid"], "lic_demo_lab");
    assert_eq!(claims["status"], "expired");
    Ok(())
}

#[test]
fn production_refuses_a_development_license_key() -> Result<()> {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .production()
        .start("production_refuses_a_development_license_key")?
    else {
        return Ok(());
    };
    // The harness's license key is a development one: nothing is published or signed.
    let resp = app.get(JWKS)?;
    assert_eq!(resp.status(), 503);
    assert!(!resp.text()?.contains("OKP"));
    assert!(
        app.host
            .log()
            .contains("`license_keys` holds a development key"),
        "the log names the problem:\n{}",
        app.host.log()
    );
    // The rest of the portal serves.
    assert_eq!(app.get("/healthz")?.status(), 200);
    drop(app);

    let Some(app) = TestApp::builder(Backend::Sqlite)
        .production()
        .variable(
            "license_keys",
            &format!("l2026a:{}", URL_SAFE_NO_PAD.encode([9u8; 32])),
        )
        .start("production_publishes_a_production_license_key")?
    else {
        return Ok(());
    };
    let jwks: Value = app.get(JWKS)?.json()?;
    assert_eq!(jwks["keys"][0]["kid"], "l2026a");
    Ok(())
}
