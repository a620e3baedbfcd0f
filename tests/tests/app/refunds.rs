//! Refund requests: an invoice of the caller's own account within the refund window, with a
//! reason; refused outside it with the reason; confirmed by email, listed on Billing, and
//! resolved by Stripe's `charge.refunded`.

use anyhow::{Context, Result};
use pulse_core::time::rfc3339;
use pulse_tests::app::{Backend, TestApp, expect_status};
use pulse_tests::stub;
use serde_json::json;

use super::webhooks::stripe_signature;

const SECRET: &str = "whsec_refund_tests";

/// A paid invoice of Acme's, paid `days` ago.
fn paid_invoice(app: &TestApp, id: &str, number: &str, days: i64) -> Result<()> {
    let at = rfc3339(stub::now() - days * 86_400);
    app.sql(&format!(
        "INSERT INTO invoices (id, account_id, number, status, currency, subtotal, tax, total, issued_at, due_at, paid_at, provider_id)
         VALUES ('{id}', 'acc_demo_acme', '{number}', 'paid', 'EUR', 10000, 2000, 12000, '{at}', '{at}', '{at}', 'in_{id}')"
    ))?;
    Ok(())
}

#[test]
fn a_refund_is_asked_within_the_window_and_resolved_by_the_provider() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::builder(backend)
            .variable("payment_webhook_secret", SECRET)
            .start("refund_requests")?
        else {
            continue;
        };
        let app = &app;
        paid_invoice(app, "inv_recent", "PA-TEST-0001", 2)?;
        let ada = app.sign_in("ada@acme.example")?;

        let page = expect_status(app.get_as(&ada, "/recover/refund")?, 200)?;
        assert!(page.contains("PA-TEST-0001"), "{page}");
        assert!(
            page.contains("Outside the refund window: PA-2026-0009"),
            "{page}"
        );

        // Outside the window, with the reason; no reason; neither records anything.
        let old = app.post_as(
            &ada,
            "/recover/refund",
            &[("invoice", "inv_demo_0008"), ("reason", "Charged twice")],
        )?;
        let body = expect_status(old, 422)?;
        assert!(body.contains("more than 14 days ago"), "{body}");
        let unpaid = app.post_as(
            &ada,
            "/recover/refund",
            &[("invoice", "inv_demo_0011"), ("reason", "Not used")],
        )?;
        assert!(expect_status(unpaid, 422)?.contains("is not paid"));
        let no_reason = app.post_as(
            &ada,
            "/recover/refund",
            &[("invoice", "inv_recent"), ("reason", " ")],
        )?;
        assert!(expect_status(no_reason, 422)?.contains("Tell us why"));
        let foreign = app.post_as(
            &ada,
            "/recover/refund",
            &[("invoice", "inv_demo_n011"), ("reason", "x")],
        )?;
        assert!(expect_status(foreign, 422)?.contains("Choose one of the invoices listed"));
        assert_eq!(app.sql_count("SELECT COUNT(*) FROM refunds")?, 0);

        // Asked: recorded with its amount, confirmed by email, audited, listed on Billing.
        let asked = app.post_as(
            &ada,
            "/recover/refund",
            &[
                ("invoice", "inv_recent"),
                ("reason", "We moved to the yearly plan"),
            ],
        )?;
        assert_eq!(asked.status(), 303);
        assert_eq!(
            asked.headers()["location"],
            "/recover/refund?done=requested"
        );
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM refunds WHERE invoice_id = 'inv_recent' AND status = 'requested' AND amount = 12000 AND currency = 'EUR'")?,
            1
        );
        let mail = app.mailbox("ada@acme.example")?;
        assert_eq!(
            mail[0]["subject"],
            "Refund request for invoice PA-TEST-0001"
        );
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM audit_log WHERE action = 'refund.requested'")?,
            1
        );
        let billing = expect_status(app.get_as(&ada, "/billing")?, 200)?;
        assert!(billing.contains("We moved to the yearly plan"), "{billing}");
        let twice = app.post_as(
            &ada,
            "/recover/refund",
            &[("invoice", "inv_recent"), ("reason", "Again")],
        )?;
        assert!(expect_status(twice, 422)?.contains("already been asked for"));

        // Members without billing rights cannot; signed-out visitors are asked to sign in.
        let cy = app.sign_in("cy@acme.example")?;
        assert_eq!(app.get_as(&cy, "/recover/refund")?.status(), 403);
        let signed_out = expect_status(app.get("/recover/refund")?, 200)?;
        assert!(
            signed_out.contains("Sign in to ask for a refund"),
            "{signed_out}"
        );

        // Stripe refunds the charge: the request is resolved and Ada is told.
        let body = json!({ "id": "evt_refund", "type": "charge.refunded", "created": stub::now(),
            "data": { "object": { "id": "ch_1", "object": "charge", "invoice": "in_inv_recent", "amount_refunded": 12000, "refunded": true } } })
        .to_string();
        let resp = app
            .host
            .client()
            .post(app.host.url("/api/billing/webhooks/stripe"))
            .header(
                "stripe-signature",
                stripe_signature(SECRET, stub::now(), &body),
            )
            .body(body)
            .send()?;
        assert_eq!(resp.status(), 200);
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM refunds WHERE invoice_id = 'inv_recent' AND status = 'refunded' AND resolved_at IS NOT NULL")?,
            1
        );
        let mail = app.mailbox("ada@acme.example")?;
        let subject = mail[0]["subject"].as_str().context("subject")?;
        assert_eq!(
            subject,
            "Your refund for invoice PA-TEST-0001 is on its way"
        );

        // The same through the API.
        let listed: serde_json::Value = app.get_as(&ada, "/api/v1/refunds")?.json()?;
        assert_eq!(listed["data"][0]["status"], "refunded");
    }
    Ok(())
}

#[test]
fn the_refund_window_is_a_setting() -> Result<()> {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .variable("refund_window_days", "1")
        .start("refund_window_setting")?
    else {
        return Ok(());
    };
    paid_invoice(&app, "inv_recent", "PA-TEST-0002", 2)?;
    let ada = app.sign_in("ada@acme.example")?;
    let resp = app.post_as(
        &ada,
        "/recover/refund",
        &[("invoice", "inv_recent"), ("reason", "Too late")],
    )?;
    let body = expect_status(resp, 422)?;
    assert!(body.contains("more than 1 days ago"), "{body}");
    Ok(())
}
