//! Licenses, billing, tenants, MSP and recovery: each scoped to the caller's account and role.

use anyhow::{Context, Result};
use pulse_tests::app::{Backend, TestApp, expect_status};
use serde_json::{Value, json};

use super::each_backend;

#[test]
fn an_id_from_another_account_is_a_404_never_data() -> Result<()> {
    each_backend("an_id_from_another_account_is_a_404_never_data", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        expect_status(app.get_as(&ada, "/cloud/ten_demo_acme")?, 200)?;
        for path in [
            "/cloud/ten_demo_globex",
            "/api/v1/tenants/ten_demo_globex",
            "/billing/invoices/inv_demo_n011",
            "/api/v1/invoices/inv_demo_n011",
            "/licenses/lic_unknown",
        ] {
            let resp = app.get_as(&ada, path)?;
            assert_eq!(resp.status(), 404, "{path}");
            assert!(!resp.text()?.contains("Globex"), "{path} leaks data");
        }
        Ok(())
    })
}

#[test]
fn licenses_show_seats_activations_and_expiry() -> Result<()> {
    each_backend("licenses_show_seats_activations_and_expiry", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        let page = expect_status(app.get_as(&ada, "/licenses/lic_demo_pro")?, 200)?;
        assert!(
            page.contains("pulse.acme.internal") && page.contains("2 of 3"),
            "{page}"
        );
        let list: Value = app.get_as(&ada, "/api/v1/licenses")?.json()?;
        let pro = &list["data"][0];
        assert_eq!(pro["id"], "lic_demo_pro");
        assert_eq!(pro["active_activations"], 2);
        assert_eq!(pro["key_hint"], "9RTA");
        assert!(
            !list.to_string().contains("PULSE-PRO-7Q2M"),
            "keys are never returned"
        );
        Ok(())
    })
}

#[test]
fn invoices_paginate_by_cursor_newest_first_with_money_in_minor_units() -> Result<()> {
    each_backend(
        "invoices_paginate_by_cursor_newest_first_with_money_in_minor_units",
        |app| {
            let bob = app.sign_in("bob@acme.example")?;
            let first: Value = app.get_as(&bob, "/api/v1/invoices?limit=3")?.json()?;
            let ids: Vec<&str> = first["data"]
                .as_array()
                .context("data")?
                .iter()
                .filter_map(|i| i["id"].as_str())
                .collect();
            assert_eq!(ids, ["inv_demo_0011", "inv_demo_0010", "inv_demo_0009"]);
            assert_eq!(first["has_more"], true);
            assert_eq!(
                first["data"][0]["total"],
                json!({ "amount": 29631, "currency": "EUR" })
            );
            let next: Value = app
                .get_as(
                    &bob,
                    "/api/v1/invoices?limit=3&starting_after=inv_demo_0009",
                )?
                .json()?;
            let ids: Vec<&str> = next["data"]
                .as_array()
                .context("data")?
                .iter()
                .filter_map(|i| i["id"].as_str())
                .collect();
            assert_eq!(ids, ["inv_demo_0008"]);
            assert_eq!(next["has_more"], false);
            let bad = app.get_as(&bob, "/api/v1/invoices?limit=0")?;
            assert_eq!(bad.status(), 422);
            let problem: Value = bad.json()?;
            assert_eq!(problem["errors"][0]["field"], "limit");
            Ok(())
        },
    )
}

#[test]
fn billing_is_hidden_from_plain_members() -> Result<()> {
    each_backend("billing_is_hidden_from_plain_members", |app| {
        let cy = app.sign_in("cy@acme.example")?;
        assert_eq!(app.get_as(&cy, "/billing")?.status(), 403);
        assert_eq!(app.get_as(&cy, "/api/v1/invoices")?.status(), 403);
        let home = expect_status(app.get_as(&cy, "/dashboard")?, 200)?;
        assert!(
            !home.contains("PA-2026-0011"),
            "members do not see invoices on Home"
        );
        expect_status(app.get_as(&cy, "/licenses")?, 200)?;
        Ok(())
    })
}

#[test]
fn the_msp_view_is_only_for_provider_accounts() -> Result<()> {
    each_backend("the_msp_view_is_only_for_provider_accounts", |app| {
        let mia = app.sign_in("mia@northwind.example")?;
        let page = expect_status(app.get_as(&mia, "/msp")?, 200)?;
        assert!(page.contains("Globex Dental") && page.contains("initech.planapulse.app"));
        let clients: Value = app.get_as(&mia, "/api/v1/clients")?.json()?;
        assert_eq!(clients["data"].as_array().map(Vec::len), Some(2));
        expect_status(app.get_as(&mia, "/msp/clients/acc_demo_globex")?, 200)?;
        assert_eq!(
            app.get_as(&mia, "/msp/clients/acc_demo_acme")?.status(),
            404
        );
        let gus = app.sign_in("gus@globex.example")?;
        assert_eq!(app.get_as(&gus, "/msp")?.status(), 404);
        Ok(())
    })
}

#[test]
fn recovery_requests_are_recorded_and_confirmed_by_email_for_anyone() -> Result<()> {
    each_backend(
        "recovery_requests_are_recorded_and_confirmed_by_email_for_anyone",
        |app| {
            let known = expect_status(
                app.post_form(&[], "/recover/license", &[("email", "ada@acme.example")])?,
                201,
            )?;
            let unknown = expect_status(
                app.post_form(
                    &[],
                    "/recover/license",
                    &[("email", "stranger@else.example")],
                )?,
                201,
            )?;
            let strip = |s: &str, email: &str| -> String {
                let s = s.replace(email, "EMAIL");
                s.split("<code>").next().unwrap_or_default().to_string()
            };
            assert_eq!(
                strip(&known, "ada@acme.example"),
                strip(&unknown, "stranger@else.example")
            );
            let mail = app.mailbox("ada@acme.example")?;
            let text = mail[0]["text"].as_str().unwrap_or_default();
            assert!(text.contains("License key:"), "{text}");
            assert!(!text.contains("PULSE-PRO-7Q2M"), "never the key itself");
            let stranger = app.mailbox("stranger@else.example")?;
            assert!(
                stranger[0]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("No licenses")
            );
            Ok(())
        },
    )
}

#[test]
fn a_request_with_missing_fields_is_refused_and_records_nothing() -> Result<()> {
    let Some(app) = TestApp::start(Backend::Sqlite, "request_missing_fields")? else {
        return Ok(());
    };
    let body = expect_status(
        app.post_form(
            &[],
            "/support",
            &[("email", "ada@acme.example"), ("message", "  ")],
        )?,
        422,
    )?;
    assert!(body.contains("id=\"message-error\""), "{body}");
    assert!(app.mailbox("ada@acme.example")?.is_empty());
    let api = app
        .host
        .client()
        .post(app.host.url("/api/v1/requests"))
        .json(&json!({ "kind": "teleport", "email": "ada@acme.example" }))
        .send()?;
    assert_eq!(api.status(), 422);
    let problem: Value = api.json()?;
    assert_eq!(problem["errors"][0]["field"], "kind");
    let ok = app
        .host
        .client()
        .post(app.host.url("/api/v1/requests"))
        .json(&json!({ "kind": "support", "email": "ada@acme.example", "message": "Help" }))
        .send()?;
    let created: Value = serde_json::from_str(&expect_status(ok, 201)?)?;
    assert!(
        created["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("req_"))
    );
    // An export is a data request, waiting for the address to confirm it.
    let export = app
        .host
        .client()
        .post(app.host.url("/api/v1/requests"))
        .json(&json!({ "kind": "export", "email": "ada@acme.example" }))
        .send()?;
    let created: Value = serde_json::from_str(&expect_status(export, 201)?)?;
    assert_eq!(created["object"], "data_request");
    assert_eq!(created["status"], "awaiting_proof");
    assert!(
        created["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("drq_"))
    );
    Ok(())
}
