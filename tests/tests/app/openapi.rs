//! The OpenAPI document describes every API route, and every route it describes answers as
//! documented, with bodies that match its schemas.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail, ensure};
use pulse_tests::app::{Backend, TestApp};
use pulse_tests::{stub, workspace_root};
use reqwest::Method;
use serde_json::{Value, json};

const PROVISIONER_KEY: &str = "provisioner-key-for-the-openapi-test-0123";
const WEBHOOK_SECRET: &str = "whsec_for_the_openapi_test";
const SCHEDULER_KEY: &str = "scheduler-key-for-the-openapi-test-012345";

fn document() -> Result<Value> {
    let text = std::fs::read_to_string(workspace_root().join("docs/openapi.json"))?;
    Ok(serde_json::from_str(&text)?)
}

/// Every `$ref` in `v` points at something in `doc`.
fn check_refs(doc: &Value, v: &Value, problems: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let pointer = r.trim_start_matches('#');
                if doc.pointer(pointer).is_none() {
                    problems.push(format!("dangling $ref {r}"));
                }
            }
            map.values().for_each(|x| check_refs(doc, x, problems));
        }
        Value::Array(items) => items.iter().for_each(|x| check_refs(doc, x, problems)),
        _ => {}
    }
}

#[test]
fn the_served_document_is_the_repository_one_and_well_formed() -> Result<()> {
    let doc = document()?;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut problems = Vec::new();
    check_refs(&doc, &doc, &mut problems);
    for (path, item) in doc["paths"].as_object().context("paths")? {
        assert!(path.starts_with("/api/"), "{path} is not under /api/");
        for (method, op) in item.as_object().context("path item")? {
            if op["responses"].as_object().is_none_or(|r| r.is_empty()) {
                problems.push(format!("{method} {path} documents no responses"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    let Some(app) = TestApp::start(Backend::Sqlite, "openapi_served")? else {
        return Ok(());
    };
    let served: Value = app.get("/api/openapi.json")?.json()?;
    assert_eq!(served, doc);
    Ok(())
}

#[test]
fn every_api_route_in_spin_toml_is_documented() -> Result<()> {
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(
        workspace_root().join("spin.toml"),
    )?)?;
    let doc = document()?;
    let documented: Vec<&String> = doc["paths"].as_object().context("paths")?.keys().collect();
    let mut missing = BTreeSet::new();
    for trigger in manifest["trigger"]["http"].as_array().context("triggers")? {
        let route = trigger["route"].as_str().unwrap_or_default();
        if !route.starts_with("/api/") {
            continue;
        }
        let prefix = route.trim_end_matches("/...");
        if !documented
            .iter()
            .any(|p| *p == prefix || p.starts_with(&format!("{prefix}/")))
        {
            missing.insert(route.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "routes with no documented path: {missing:?}"
    );
    Ok(())
}

/// Validates `body` against the document's schema for `op`'s `status` response.
fn validate(doc: &Value, op: &Value, status: u16, body: &Value) -> Result<()> {
    let Some(schema) = op["responses"][status.to_string()]["content"]
        .as_object()
        .and_then(|c| c.values().next())
        .map(|m| m["schema"].clone())
    else {
        return Ok(());
    };
    let root = json!({ "components": doc["components"], "allOf": [schema] });
    let validator =
        jsonschema::validator_for(&root).map_err(|e| anyhow::anyhow!("bad schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if !errors.is_empty() {
        bail!("{errors:?}\nbody: {body}");
    }
    Ok(())
}

#[test]
fn every_documented_operation_answers_as_documented() -> Result<()> {
    let doc = document()?;
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .variable("provisioner_key", PROVISIONER_KEY)
        .variable("payment_webhook_secret", WEBHOOK_SECRET)
        .variable("scheduler_key", SCHEDULER_KEY)
        .start("every_documented_operation_answers_as_documented")?
    else {
        return Ok(());
    };
    // A provisioning job for the demo tenant that is still provisioning, for the provisioner's
    // report to act on.
    app.sql(
        "INSERT INTO provisioning_jobs (id, tenant_id, action, payload, created_at, next_attempt_at, delivered_at)
         VALUES ('job_openapi', 'ten_demo_acmestg', 'create', '{}', '2999-01-01T00:00:00Z',
                 '2999-01-01T00:00:00Z', '2999-01-01T00:00:00Z')",
    )?;
    let ada = app.sign_in("ada@acme.example")?;
    let csrf = app.csrf(&ada)?;
    let token: Value = app
        .as_user(&ada, Method::POST, "/api/v1/api-tokens")
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "openapi", "scope": "write" }))
        .send()?
        .json()?;
    let ada_token = token["token"].as_str().context("token")?.to_string();
    let mia = app.sign_in("mia@northwind.example")?;
    let mia_csrf = app.csrf(&mia)?;
    let mia_token: Value = app
        .as_user(&mia, Method::POST, "/api/v1/api-tokens")
        .header("x-csrf-token", &mia_csrf)
        .json(&json!({ "name": "openapi", "scope": "read" }))
        .send()?
        .json()?;
    let mia_token = mia_token["token"].as_str().context("token")?.to_string();
    let for_refresh = app.sign_in("ada@acme.example")?;
    let spare_session = app.sign_in("ada@acme.example")?;
    let sessions: Value = app.get_as(&spare_session, "/api/v1/sessions")?.json()?;
    let spare_session_id = sessions["data"][0]["id"]
        .as_str()
        .context("session id")?
        .to_string();
    let spare_token: Value = app
        .host
        .client()
        .post(app.host.url("/api/v1/api-tokens"))
        .bearer_auth(&ada_token)
        .json(&json!({ "name": "to-delete" }))
        .send()?
        .json()?;
    let spare_token_id = spare_token["id"].as_str().context("id")?.to_string();
    let spare_invitation: Value = app
        .host
        .client()
        .post(app.host.url("/api/v1/invitations"))
        .bearer_auth(&ada_token)
        .json(&json!({ "email": "spare@example.com", "role": "member" }))
        .send()?
        .json()?;
    let spare_invitation_id = spare_invitation["id"].as_str().context("id")?.to_string();

    // Two workspaces for the lifecycle operations: one to delete and restore, one suspended
    // to resume and suspend again.
    let mut lifecycle = Vec::new();
    for slug in ["doc-lifecycle", "doc-suspended"] {
        let made: Value = app
            .host
            .client()
            .post(app.host.url("/api/v1/tenants"))
            .bearer_auth(&ada_token)
            .json(&json!({ "name": slug, "slug": slug, "template": "tpl_basic_19" }))
            .send()?
            .json()?;
        lifecycle.push(made["id"].as_str().context("tenant id")?.to_string());
    }
    app.sql(&format!(
        "UPDATE tenants SET status = 'suspended' WHERE id = '{}'",
        lifecycle[1]
    ))?;
    let license_key: Value = app
        .get_as(&ada, "/api/v1/licenses/lic_demo_pro/key")?
        .json()?;
    let license_key = license_key["key"]
        .as_str()
        .context("license key")?
        .to_string();
    // An invitation for Ada from another account, made after her sign-ins (which would accept
    // it), for the operation that accepts one.
    app.sql(
        "INSERT INTO invitations (id, account_id, email, role, invited_by, created_at, expires_at)
         VALUES ('ivt_openapi', 'acc_demo_globex', 'ada@acme.example', 'member', 'usr_demo_gus',
                 '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z')",
    )?;
    // A recently paid invoice, for the refund request.
    let paid = pulse_core::time::rfc3339(stub::now() - 86_400);
    app.sql(&format!(
        "INSERT INTO invoices (id, account_id, number, status, currency, subtotal, tax, total, issued_at, due_at, paid_at)
         VALUES ('inv_openapi', 'acc_demo_acme', 'PA-OPENAPI-1', 'paid', 'EUR', 100, 20, 120, '{paid}', '{paid}', '{paid}')"
    ))?;
    // Privacy: an owner's export; two requests made signed out, each with the token its
    // status link was mailed with: one awaiting confirmation, one deletion confirmed (to
    // cancel).
    let owner_export: Value = app
        .host
        .client()
        .post(app.host.url("/api/v1/privacy/requests"))
        .bearer_auth(&ada_token)
        .json(&json!({ "kind": "export" }))
        .send()?
        .json()?;
    let owner_export = owner_export["id"]
        .as_str()
        .context("export id")?
        .to_string();
    let mailed_request = |kind: &str, email: &str| -> Result<(String, String)> {
        app.host
            .client()
            .post(app.host.url("/api/v1/requests"))
            .json(&json!({ "kind": kind, "email": email }))
            .send()?;
        let link = app.mailbox(email)?[0]["links"][0]
            .as_str()
            .context("status link")?
            .to_string();
        let (path, token) = link.split_once("?token=").context("token")?;
        let id = path.rsplit('/').next().context("id")?;
        Ok((id.to_string(), token.to_string()))
    };
    let (to_confirm, confirm_token) = mailed_request("export", "doc-confirm@nowhere.example")?;
    let (to_cancel, cancel_token) = mailed_request("deletion", "doc-cancel@nowhere.example")?;
    let confirmed = app
        .host
        .client()
        .post(
            app.host
                .url(&format!("/api/v1/privacy/requests/{to_cancel}/confirm")),
        )
        .json(&json!({ "token": cancel_token }))
        .send()?;
    ensure!(confirmed.status() == 200, "confirm: {}", confirmed.text()?);
    // A second subscription of Acme's, created after the demo one, so its manage link is the
    // second one mailed.
    app.sql(
        "INSERT INTO subscriptions (id, account_id, plan, status, currency, amount, billing_interval, current_period_end, cancel_at_period_end, created_at)
         VALUES ('sub_openapi', 'acc_demo_acme', 'Documented plan', 'active', 'EUR', 100, 'month', '2999-01-01T00:00:00Z', 0, '2030-01-01T00:00:00Z')",
    )?;
    app.host
        .client()
        .post(app.host.url("/api/v1/requests/subscription-links"))
        .json(&json!({ "email": "bob@acme.example" }))
        .send()?;
    let manage_links: Vec<String> = app.mailbox("bob@acme.example")?[0]["links"]
        .as_array()
        .context("links")?
        .iter()
        .filter_map(Value::as_str)
        .filter(|l| l.contains("/billing/manage/"))
        .map(str::to_string)
        .collect();
    let manage_token = manage_links
        .get(1)
        .and_then(|l| l.rsplit('/').next())
        .context("the second subscription's link")?
        .to_string();
    // A subscription of Acme's for the plan-change operations, apart from the one the cancel
    // and resume operations act on.
    app.sql(
        "INSERT INTO subscriptions (id, account_id, plan, status, currency, amount, billing_interval, current_period_end, cancel_at_period_end, created_at)
         VALUES ('sub_openapi_change', 'acc_demo_acme', 'Pulse Cloud Basic', 'active', 'EUR', 9900, 'month', '2999-01-01T00:00:00Z', 0, '2030-01-02T00:00:00Z')",
    )?;
    // A ready backup of Acme's workspace, to download.
    app.sql(
        "INSERT INTO tenant_backups (id, tenant_id, status, created_at, completed_at, expires_at, size_bytes, archive)
         VALUES ('bak_openapi', 'ten_demo_acme', 'ready', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z',
                 '2999-01-01T00:00:00Z', 22, 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==')",
    )?;
    // Delegated access: a write token of Northwind's owner; three requests of Acme's, one to
    // approve, one to decline, one running to revoke.
    let mia_write: Value = app
        .as_user(&mia, Method::POST, "/api/v1/api-tokens")
        .header("x-csrf-token", &mia_csrf)
        .json(&json!({ "name": "openapi-write", "scope": "write" }))
        .send()?
        .json()?;
    let mia_write = mia_write["token"].as_str().context("token")?.to_string();
    app.sql(
        "INSERT INTO access_grants (id, provider_id, client_id, status, days, reason, requested_by, created_at, decided_at, expires_at)
         VALUES ('grt_doc_approve', 'acc_demo_northwind', 'acc_demo_acme', 'requested', 7, 'Documented', 'usr_demo_mia', '2026-01-01T00:00:00Z', NULL, NULL),
                ('grt_doc_decline', 'acc_demo_northwind', 'acc_demo_acme', 'requested', 7, 'Documented', 'usr_demo_mia', '2026-01-01T00:00:00Z', NULL, NULL),
                ('grt_doc_revoke', 'acc_demo_northwind', 'acc_demo_acme', 'approved', 7, 'Documented', 'usr_demo_mia', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z')",
    )?;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().context("paths")? {
        for (method, op) in item.as_object().context("item")? {
            let concrete = match path.as_str() {
                "/api/v1/tenants/{id}" => "/api/v1/tenants/ten_demo_acme".to_string(),
                "/api/v1/licenses/{id}" => "/api/v1/licenses/lic_demo_pro".to_string(),
                "/api/v1/licenses/{id}/key" => "/api/v1/licenses/lic_demo_pro/key".to_string(),
                "/api/v1/invoices/{id}" => "/api/v1/invoices/inv_demo_0011".to_string(),
                "/api/v1/sessions/{id}" => format!("/api/v1/sessions/{spare_session_id}"),
                "/api/v1/api-tokens/{id}" => format!("/api/v1/api-tokens/{spare_token_id}"),
                "/api/v1/invitations/{id}" => format!("/api/v1/invitations/{spare_invitation_id}"),
                "/api/v1/invitations/{id}/resend" => {
                    "/api/v1/invitations/inv_demo_dee/resend".to_string()
                }
                "/api/v1/members/{id}" => "/api/v1/members/usr_demo_cy".to_string(),
                "/api/v1/subscriptions/{id}/cancel" | "/api/v1/subscriptions/{id}/resume" => {
                    path.replace("{id}", "sub_demo_acme")
                }
                "/api/v1/tenants/{id}/integrations" => {
                    "/api/v1/tenants/ten_demo_acme/integrations".to_string()
                }
                "/api/v1/tenants/{id}/integrations/{key}" => {
                    "/api/v1/tenants/ten_demo_acme/integrations/accounting_export".to_string()
                }
                "/api/v1/tenants/{id}/alias"
                | "/api/v1/tenants/{id}/copies"
                | "/api/v1/tenants/{id}/rename"
                | "/api/v1/tenants/{id}/delete"
                | "/api/v1/tenants/{id}/restore" => path.replace("{id}", &lifecycle[0]),
                "/api/v1/tenants/{id}/resume" | "/api/v1/tenants/{id}/suspend" => {
                    path.replace("{id}", &lifecycle[1])
                }
                "/api/v1/subscriptions/{id}/change-preview" => {
                    "/api/v1/subscriptions/sub_openapi_change/change-preview?plan=cloud_business_month"
                        .to_string()
                }
                "/api/v1/subscriptions/{id}/change-plan" => {
                    "/api/v1/subscriptions/sub_openapi_change/change-plan".to_string()
                }
                "/api/v1/tenants/{id}/backups" => path.replace("{id}", &lifecycle[0]),
                "/api/v1/tenants/{id}/backups/{backup}/download" => {
                    "/api/v1/tenants/ten_demo_acme/backups/bak_openapi/download".to_string()
                }
                "/api/v1/msp/grants/{id}/revoke" => {
                    "/api/v1/msp/grants/grt_demo_initech/revoke".to_string()
                }
                "/api/v1/access-grants/{id}/approve" => {
                    "/api/v1/access-grants/grt_doc_approve/approve".to_string()
                }
                "/api/v1/access-grants/{id}/decline" => {
                    "/api/v1/access-grants/grt_doc_decline/decline".to_string()
                }
                "/api/v1/access-grants/{id}/revoke" => {
                    "/api/v1/access-grants/grt_doc_revoke/revoke".to_string()
                }
                "/api/v1/payment-methods/{id}" => "/api/v1/payment-methods/pm_demo_mastercard".to_string(),
                "/api/v1/invoices/{id}/pay" => "/api/v1/invoices/inv_demo_0011/pay".to_string(),
                "/api/v1/licenses/{id}/renew" => "/api/v1/licenses/lic_demo_lab/renew".to_string(),
                "/api/v1/privacy/requests/{id}" => {
                    format!("/api/v1/privacy/requests/{owner_export}")
                }
                "/api/v1/privacy/requests/{id}/confirm" => {
                    format!("/api/v1/privacy/requests/{to_confirm}/confirm")
                }
                "/api/v1/privacy/requests/{id}/cancel" => {
                    format!("/api/v1/privacy/requests/{to_cancel}/cancel")
                }
                "/api/v1/accounts/invitations/{id}/accept" => {
                    "/api/v1/accounts/invitations/ivt_openapi/accept".to_string()
                }
                p if p.contains('{') => bail!("no concrete value for {p}"),
                p => p.to_string(),
            };
            let bearer = if path == "/api/v1/clients" {
                &mia_token
            } else if path.starts_with("/api/v1/msp/") {
                &mia_write
            } else {
                &ada_token
            };
            let m = Method::from_bytes(method.to_uppercase().as_bytes())?;
            let mut req = app
                .host
                .client()
                .request(m.clone(), app.host.url(&concrete))
                .bearer_auth(bearer);
            req = match (path.as_str(), method.as_str()) {
                ("/api/v1/api-tokens", "post") => req.json(&json!({ "name": "documented" })),
                ("/api/v1/invitations", "post") => {
                    req.json(&json!({ "email": "documented@example.com", "role": "member" }))
                }
                ("/api/v1/members/{id}", "patch") => req.json(&json!({ "role": "billing" })),
                ("/api/v1/tenants/{id}/rename", "post") => req.json(&json!({ "name": "Renamed" })),
                ("/api/v1/tenants/{id}/integrations/{key}", "post") => req.json(
                    &json!({ "enabled": true, "settings": { "email": "books@acme.example", "schedule": "monthly" } }),
                ),
                ("/api/v1/tenants/{id}/alias", "post") => req.json(&json!({ "alias": "doc-alias" })),
                ("/api/v1/subscriptions/{id}/cancel", "post") => {
                    req.json(&json!({ "reason": "other", "comment": "documented" }))
                }
                ("/api/v1/refunds", "post") => {
                    req.json(&json!({ "invoice": "inv_openapi", "reason": "documented" }))
                }
                ("/api/v1/accounts", "post") => {
                    req.json(&json!({ "name": "Documented Ltd", "country": "BG" }))
                }
                ("/api/v1/tenants", "post") => req.json(
                    &json!({ "name": "Documented", "slug": "documented", "template": "tpl_basic_19" }),
                ),
                ("/api/v1/activations" | "/api/v1/activations/validate", _) => app
                    .host
                    .client()
                    .post(app.host.url(&concrete))
                    .json(&json!({ "license_key": license_key, "fingerprint": "fp-2c41", "hostname": "pulse.acme.internal" })),
                ("/api/v1/activations/deactivate", _) => app
                    .host
                    .client()
                    .post(app.host.url(&concrete))
                    .json(&json!({ "license_key": license_key, "fingerprint": "fp-9b07" })),
                ("/api/billing/webhooks/stripe", _) => {
                    let at = stub::now();
                    let body = json!({ "id": "evt_openapi", "type": "customer.created", "created": at, "data": { "object": {} } })
                        .to_string();
                    let v1 = stub::signature(WEBHOOK_SECRET.as_bytes(), at, body.as_bytes());
                    app.host
                        .client()
                        .post(app.host.url(&concrete))
                        .header("content-type", "application/json")
                        .header("stripe-signature", format!("t={at},{v1}"))
                        .body(body)
                }
                ("/api/v1/provisioner/events" | "/api/v1/provisioner/run", _) => {
                    let body = if path.ends_with("/events") {
                        json!({ "id": "evt_openapi", "job": "job_openapi", "tenant": "ten_demo_acmestg", "status": "active" })
                    } else {
                        json!({})
                    }
                    .to_string();
                    let at = stub::now();
                    app.host
                        .client()
                        .post(app.host.url(&concrete))
                        .header("content-type", "application/json")
                        .header("pulse-timestamp", at.to_string())
                        .header(
                            "pulse-signature",
                            stub::signature(PROVISIONER_KEY.as_bytes(), at, body.as_bytes()),
                        )
                        .body(body)
                }
                ("/api/v1/msp/grants", "post") => req.json(
                    &json!({ "client": "acc_demo_globex", "days": 7, "reason": "Documented" }),
                ),
                ("/api/v1/msp/bulk", _) => req.json(
                    &json!({ "action": "resume", "tenants": ["ten_demo_initech", "ten_demo_acme"] }),
                ),
                ("/api/v1/checkout-sessions", _) => req.json(&json!({ "plan": "cloud_business_month" })),
                ("/api/v1/subscriptions/{id}/change-plan", _) => {
                    req.json(&json!({ "plan": "cloud_pro_month" }))
                }
                ("/api/v1/privacy/requests", "post") => req.json(&json!({ "kind": "export" })),
                ("/api/v1/privacy/requests/{id}/confirm", _) => {
                    req.json(&json!({ "token": confirm_token }))
                }
                ("/api/v1/privacy/requests/{id}/cancel", _) => {
                    req.json(&json!({ "token": cancel_token }))
                }
                ("/api/v1/requests/subscription-links", _) => {
                    req.json(&json!({ "email": "ada@acme.example" }))
                }
                ("/api/v1/subscriptions/manage", _) => req.json(
                    &json!({ "token": manage_token, "action": "cancel", "reason": "other" }),
                ),
                ("/api/v1/privacy/run" | "/api/v1/mail/run", _) => {
                    let at = stub::now();
                    app.host
                        .client()
                        .post(app.host.url(&concrete))
                        .header("content-type", "application/json")
                        .header("pulse-timestamp", at.to_string())
                        .header(
                            "pulse-signature",
                            stub::signature(SCHEDULER_KEY.as_bytes(), at, b"{}"),
                        )
                        .body("{}")
                }
                ("/api/v1/requests", "post") => req.json(
                    &json!({ "kind": "support", "email": "ada@acme.example", "message": "hello" }),
                ),
                // Each refresh form spends its own session's token.
                ("/api/auth/refresh", verb) => {
                    let refresh = if verb == "get" {
                        &ada.refresh
                    } else {
                        &for_refresh.refresh
                    };
                    app.host
                        .client()
                        .request(m, app.host.url(&concrete))
                        .header("cookie", format!("pa_refresh={refresh}"))
                }
                _ => req,
            };
            let resp = req.send()?;
            let status = resp.status().as_u16();
            let json = resp
                .headers()
                .get("content-type")
                .is_some_and(|c| c.to_str().is_ok_and(|c| c.contains("json")));
            let text = resp.text()?;
            let documented = op["responses"].as_object().context("responses")?;
            assert!(
                documented.contains_key(&status.to_string()),
                "{method} {concrete} answered {status}, documented: {:?}\n{text}",
                documented.keys().collect::<Vec<_>>()
            );
            let success = documented
                .keys()
                .filter_map(|k| k.parse::<u16>().ok())
                .min()
                .unwrap_or(200);
            assert_eq!(
                status, success,
                "{method} {concrete} should succeed with {success}:\n{text}"
            );
            if json {
                let body: Value = serde_json::from_str(&text)?;
                validate(&doc, op, status, &body)
                    .with_context(|| format!("{method} {concrete}"))?;
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} operations checked");
    Ok(())
}

#[test]
fn problem_bodies_match_the_documented_problem_schema() -> Result<()> {
    let doc = document()?;
    let Some(app) = TestApp::start(Backend::Sqlite, "problem_bodies")? else {
        return Ok(());
    };
    let resp = app.get("/api/v1/tenants")?;
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json()?;
    validate(&doc, &doc["paths"]["/api/v1/tenants"]["get"], 401, &body)
}
