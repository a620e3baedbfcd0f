//! The activation API of self-hosted installations: the limit holds under concurrency on both
//! databases, re-activation is idempotent, heartbeats return a lease that verifies with the
//! published keys, bad and expired keys are refused, calls are rate-limited, and the customer
//! frees a place from the license page.

use std::thread;

use anyhow::{Context, Result};
use pulse_tests::app::{Session, TestApp, expect_status};
use serde_json::{Value, json};

use super::each_backend;
use super::licenses::{JWKS, verify_with_jwks};

fn key_of(app: &TestApp, who: &Session, license: &str) -> Result<String> {
    let key: Value = app
        .get_as(who, &format!("/api/v1/licenses/{license}/key"))?
        .json()?;
    Ok(key["key"].as_str().context("key")?.to_string())
}

fn call(app: &TestApp, path: &str, body: &Value) -> Result<(u16, Value)> {
    let resp = app
        .host
        .client()
        .post(app.host.url(path))
        .json(body)
        .send()?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().unwrap_or_default()))
}

/// Activates each of `fingerprints` at once; returns the statuses.
fn at_once(app: &TestApp, key: &str, fingerprints: &[&str]) -> Result<Vec<u16>> {
    let handles: Vec<_> = fingerprints
        .iter()
        .map(|fp| {
            let req = app
                .host
                .client()
                .post(app.host.url("/api/v1/activations"))
                .json(&json!({ "license_key": key, "fingerprint": fp, "hostname": format!("{fp}.example") }));
            thread::spawn(move || req.send().map(|r| r.status().as_u16()))
        })
        .collect();
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.join().map_err(|_| anyhow::anyhow!("thread panicked"))??);
    }
    statuses.sort_unstable();
    Ok(statuses)
}

fn live(app: &TestApp) -> Result<i64> {
    app.sql_count(
        "SELECT COUNT(*) FROM activations WHERE license_id = 'lic_demo_pro' AND deactivated_at IS NULL",
    )
}

#[test]
fn the_activation_limit_holds_under_concurrency_and_reactivation_is_idempotent() -> Result<()> {
    each_backend(
        "the_activation_limit_holds_under_concurrency_and_reactivation_is_idempotent",
        |app| {
            // Pro allows three installations; two are active.
            let ada = app.sign_in("ada@acme.example")?;
            let key = key_of(app, &ada, "lic_demo_pro")?;
            let statuses = at_once(
                app,
                &key,
                &["inst-a", "inst-b", "inst-c", "inst-d", "inst-e", "inst-f"],
            )?;
            assert_eq!(statuses, [201, 409, 409, 409, 409, 409]);
            assert_eq!(live(app)?, 3);
            let (status, refusal) = call(
                app,
                "/api/v1/activations",
                &json!({ "license_key": key, "fingerprint": "fp-z", "hostname": "z.example" }),
            )?;
            assert_eq!(status, 409);
            assert!(
                refusal["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("All 3 activations")),
                "{refusal}"
            );

            // The winner activating again is the same activation.
            let winner = app.sql_count(
                "SELECT COUNT(*) FROM activations WHERE license_id = 'lic_demo_pro' AND deactivated_at IS NULL AND fingerprint LIKE 'inst-%'",
            )?;
            assert_eq!(winner, 1);
            let (status, _) = call(
                app,
                "/api/v1/activations/deactivate",
                &json!({ "license_key": key, "fingerprint": "fp-2c41" }),
            )?;
            assert_eq!(status, 200, "the demo installation frees its place");
            let statuses = at_once(app, &key, &["inst-same"; 5])?;
            assert_eq!(statuses, [200, 200, 200, 200, 201]);
            assert_eq!(live(app)?, 3);
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM activations WHERE fingerprint = 'inst-same'")?,
                1
            );

            // A heartbeat returns the entitlements and a lease signed with the published keys.
            let (status, beat) = call(
                app,
                "/api/v1/activations/validate",
                &json!({ "license_key": key, "fingerprint": "inst-same" }),
            )?;
            assert_eq!(status, 200, "{beat}");
            assert_eq!(beat["entitlements"]["limits"]["activations"], 3);
            let jwks: Value = app.get(JWKS)?.json()?;
            let lease = verify_with_jwks(&jwks, beat["lease"].as_str().context("lease")?)?;
            assert_eq!(lease["fingerprint"], "inst-same");
            assert_eq!(lease["lid"], "lic_demo_pro");
            let ttl =
                lease["exp"].as_i64().context("exp")? - lease["iat"].as_i64().context("iat")?;
            assert!(ttl > 0 && ttl <= 72 * 3600, "lease lives {ttl} s");
            let (status, _) = call(
                app,
                "/api/v1/activations/validate",
                &json!({ "license_key": key, "fingerprint": "fp-never" }),
            )?;
            assert_eq!(status, 409, "not activated");
            Ok(())
        },
    )
}

#[test]
fn bad_and_expired_keys_are_refused_and_calls_are_rate_limited() -> Result<()> {
    each_backend(
        "bad_and_expired_keys_are_refused_and_calls_are_rate_limited",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let key = key_of(app, &ada, "lic_demo_pro")?;
            let mut forged = key.clone();
            let last = forged.pop().context("empty key")?;
            forged.push(if last == 'A' { 'B' } else { 'A' });
            let (status, problem) = call(
                app,
                "/api/v1/activations",
                &json!({ "license_key": forged, "fingerprint": "fp-x", "hostname": "x.example" }),
            )?;
            assert_eq!(status, 403, "{problem}");
            let lab = key_of(app, &ada, "lic_demo_lab")?;
            let (status, problem) = call(
                app,
                "/api/v1/activations",
                &json!({ "license_key": lab, "fingerprint": "fp-x", "hostname": "x.example" }),
            )?;
            assert_eq!(status, 403);
            assert!(
                problem["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("expired")),
                "{problem}"
            );
            let (status, problem) =
                call(app, "/api/v1/activations", &json!({ "license_key": key }))?;
            assert_eq!(status, 422);
            assert_eq!(problem["errors"][0]["field"], "fingerprint", "{problem}");
            assert_eq!(live(app)?, 2, "nothing activated");

            // Sixty calls per license in ten minutes; then a 429 with Retry-After.
            let mut limited = None;
            for n in 0..70 {
                let resp = app
                    .host
                    .client()
                    .post(app.host.url("/api/v1/activations/validate"))
                    .json(&json!({ "license_key": key, "fingerprint": "fp-2c41" }))
                    .send()?;
                if resp.status() == 429 {
                    limited = Some((n, resp.headers().get("retry-after").is_some()));
                    break;
                }
            }
            // Two calls with this key above count too (the forged one never reaches the limit).
            let (n, retry_after) = limited.context("never rate-limited")?;
            assert!((55..=60).contains(&n), "limited after {n} calls");
            assert!(retry_after);
            Ok(())
        },
    )
}

#[test]
fn the_customer_deactivates_an_installation_and_sees_stale_ones() -> Result<()> {
    each_backend(
        "the_customer_deactivates_an_installation_and_sees_stale_ones",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            app.sql("UPDATE activations SET last_seen_at = '2020-01-01T00:00:00Z' WHERE id = 'act_demo_2'")?;
            let page = expect_status(app.get_as(&ada, "/licenses/lic_demo_pro")?, 200)?;
            assert!(page.contains("Stale: no heartbeat"), "{page}");
            let cy = app.sign_in("cy@acme.example")?;
            let refused = app.post_as(
                &cy,
                "/licenses/lic_demo_pro/activations/deactivate",
                &[("activation", "act_demo_2")],
            )?;
            assert_eq!(refused.status(), 403);
            let done = app.post_as(
                &ada,
                "/licenses/lic_demo_pro/activations/deactivate",
                &[("activation", "act_demo_2")],
            )?;
            assert_eq!(done.status(), 303);
            assert_eq!(live(app)?, 1);
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM audit_log WHERE action = 'activation.deactivated' AND target = 'act_demo_2'")?,
                1
            );
            let again = app.post_as(
                &ada,
                "/licenses/lic_demo_pro/activations/deactivate",
                &[("activation", "act_demo_2")],
            )?;
            assert_eq!(again.status(), 404);
            Ok(())
        },
    )
}
