//! Stripe webhooks against events signed here exactly as Stripe documents it (the payment
//! provider's servers cannot run here): the signature, rotation, tolerance and schemes; each
//! event applied once even when delivered simultaneously; out-of-order events never moving an
//! object backwards; a failed event leaving nothing behind.

use std::thread;

use anyhow::Result;
use pulse_tests::app::{Backend, TestApp};
use pulse_tests::stub;
use serde_json::{Value, json};

const OLD_SECRET: &str = "whsec_old_secret_for_tests";
const NEW_SECRET: &str = "whsec_new_secret_for_tests";
const PATH: &str = "/api/billing/webhooks/stripe";

fn start(backend: Backend, test: &str) -> Result<Option<TestApp>> {
    TestApp::builder(backend)
        .variable(
            "payment_webhook_secret",
            &format!("{OLD_SECRET},{NEW_SECRET}"),
        )
        .start(test)
}

/// `t=...,v1=...` over `body` under `secret` at `t`.
pub(crate) fn stripe_signature(secret: &str, t: i64, body: &str) -> String {
    let v1 = stub::signature(secret.as_bytes(), t, body.as_bytes());
    format!("t={t},{v1}")
}

fn deliver(
    app: &TestApp,
    body: &str,
    signature: Option<&str>,
) -> Result<reqwest::blocking::Response> {
    let mut req = app
        .host
        .client()
        .post(app.host.url(PATH))
        .header("content-type", "application/json");
    if let Some(sig) = signature {
        req = req.header("stripe-signature", sig);
    }
    Ok(req.body(body.to_string()).send()?)
}

/// Delivers `event` signed with the current secret; returns the status and the outcome.
fn send(app: &TestApp, event: &Value) -> Result<(u16, String)> {
    let body = event.to_string();
    let resp = deliver(
        app,
        &body,
        Some(&stripe_signature(NEW_SECRET, stub::now(), &body)),
    )?;
    let status = resp.status().as_u16();
    let answer: Value = resp.json().unwrap_or_default();
    Ok((
        status,
        answer["outcome"].as_str().unwrap_or_default().to_string(),
    ))
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({ "id": id, "object": "event", "type": kind, "created": created, "data": { "object": object } })
}

#[test]
fn stripe_signatures_are_checked_exactly_as_stripe_documents() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = start(backend, "stripe_signatures")? else {
            continue;
        };
        let now = stub::now();
        let body = event(
            "evt_sig_1",
            "customer.created",
            now,
            json!({ "id": "cus_x" }),
        )
        .to_string();
        let good = stub::signature(NEW_SECRET.as_bytes(), now, body.as_bytes());
        let wrong = stub::signature(b"whsec_somebody_else", now, body.as_bytes());
        let v0 = good.replace("v1=", "v0=");
        let refused = [
            ("no header", None),
            ("only v0", Some(format!("t={now},{v0}"))),
            ("another secret", Some(format!("t={now},{wrong}"))),
            (
                "six minutes old",
                Some(stripe_signature(NEW_SECRET, now - 360, &body)),
            ),
            ("no timestamp", Some(good.clone())),
        ];
        for (why, header) in refused {
            let resp = deliver(&app, &body, header.as_deref())?;
            assert_eq!(resp.status(), 400, "{why}");
            let problem: Value = resp.json()?;
            assert!(
                problem["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("Nothing was recorded")),
                "{why}: {problem}"
            );
        }
        let tampered = deliver(
            &app,
            &body.replace("cus_x", "cus_y"),
            Some(&format!("t={now},{good}")),
        )?;
        assert_eq!(tampered.status(), 400, "the raw bytes are signed");
        assert_eq!(app.sql_count("SELECT COUNT(*) FROM webhook_events")?, 0);

        // Several v1 signatures, one of them right; the old secret during a rotation.
        let several = deliver(&app, &body, Some(&format!("t={now},{wrong},{v0},{good}")))?;
        assert_eq!(several.status(), 200);
        let body2 = event(
            "evt_sig_2",
            "customer.created",
            now,
            json!({ "id": "cus_x" }),
        )
        .to_string();
        let old2 = stub::signature(OLD_SECRET.as_bytes(), now, body2.as_bytes());
        assert_eq!(
            deliver(&app, &body2, Some(&format!("t={now},{old2}")))?.status(),
            200
        );
        // An event the portal does not act on is acknowledged without effect.
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM webhook_events WHERE outcome = 'ignored'")?,
            2
        );
    }
    Ok(())
}

#[test]
fn subscriptions_and_invoices_follow_stripe_once_and_never_backwards() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = start(backend, "stripe_events")? else {
            continue;
        };
        let app = &app;
        let t = stub::now() - 100;

        // Checkout links Globex to its Stripe customer and records the subscription.
        let checkout = event(
            "evt_1",
            "checkout.session.completed",
            t,
            json!({ "id": "cs_1", "object": "checkout.session", "client_reference_id": "acc_demo_globex",
                    "customer": "cus_globex", "subscription": "sub_stripe_1", "amount_total": 4900,
                    "currency": "eur", "metadata": { "plan": "Pulse Cloud Basic" } }),
        );
        assert_eq!(send(app, &checkout)?, (200, "applied".into()));
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM accounts WHERE id = 'acc_demo_globex' AND provider_customer_id = 'cus_globex'")?,
            1
        );
        let subscription = |created: i64, status: &str| {
            json!({ "id": "sub_stripe_1", "object": "subscription", "customer": "cus_globex", "status": status,
                    "created": t, "current_period_end": created + 30 * 86_400, "cancel_at_period_end": false,
                    "metadata": { "plan": "Pulse Cloud Basic" },
                    "items": { "data": [ { "price": { "unit_amount": 4900, "currency": "eur", "recurring": { "interval": "month" } } } ] } })
        };
        // Out of order: the later event (past due) arrives first; the earlier one is stale.
        let later = event(
            "evt_2",
            "customer.subscription.updated",
            t + 20,
            subscription(t + 20, "past_due"),
        );
        let earlier = event(
            "evt_3",
            "customer.subscription.updated",
            t + 10,
            subscription(t + 10, "active"),
        );
        assert_eq!(send(app, &later)?, (200, "applied".into()));
        assert_eq!(send(app, &earlier)?, (200, "stale".into()));
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM subscriptions WHERE provider_id = 'sub_stripe_1' AND status = 'past_due' AND account_id = 'acc_demo_globex'")?,
            1
        );

        // An invoice paid, then its older "finalized" event: it stays paid.
        let invoice = |status: &str| {
            json!({ "id": "in_1", "object": "invoice", "customer": "cus_globex", "subscription": "sub_stripe_1",
                    "number": "GLOBEX-0001", "status": status, "currency": "eur", "subtotal": 4900, "tax": 980,
                    "total": 5880, "created": t, "due_date": t + 14 * 86_400,
                    "status_transitions": { "paid_at": if status == "paid" { json!(t + 30) } else { Value::Null } } })
        };
        assert_eq!(
            send(
                app,
                &event("evt_4", "invoice.paid", t + 30, invoice("paid"))
            )?,
            (200, "applied".into())
        );
        assert_eq!(
            send(
                app,
                &event("evt_5", "invoice.finalized", t + 25, invoice("open"))
            )?,
            (200, "stale".into())
        );
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM invoices WHERE provider_id = 'in_1' AND status = 'paid' AND total = 5880 AND tax = 980 AND currency = 'EUR' AND paid_at IS NOT NULL AND subscription_id IS NOT NULL")?,
            1
        );

        // The same event delivered six times at once takes effect once.
        let twice = event(
            "evt_6",
            "invoice.created",
            t + 40,
            json!({ "id": "in_2", "object": "invoice", "customer": "cus_globex", "subscription": "sub_stripe_1",
                    "number": null, "status": "draft", "currency": "eur", "subtotal": 4900, "tax": 980,
                    "total": 5880, "created": t + 40 }),
        );
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let body = twice.to_string();
                let sig = stripe_signature(NEW_SECRET, stub::now(), &body);
                let req = app
                    .host
                    .client()
                    .post(app.host.url(PATH))
                    .header("stripe-signature", sig)
                    .body(body);
                thread::spawn(move || -> Result<(u16, String)> {
                    let resp = req.send()?;
                    let status = resp.status().as_u16();
                    let answer: Value = resp.json().unwrap_or_default();
                    Ok((
                        status,
                        answer["outcome"].as_str().unwrap_or_default().to_string(),
                    ))
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for h in handles {
            outcomes.push(h.join().map_err(|_| anyhow::anyhow!("thread panicked"))??);
        }
        assert!(outcomes.iter().all(|(s, _)| *s == 200), "{outcomes:?}");
        assert_eq!(
            outcomes.iter().filter(|(_, o)| o == "applied").count(),
            1,
            "{outcomes:?}"
        );
        assert_eq!(
            outcomes.iter().filter(|(_, o)| o == "duplicate").count(),
            5,
            "{outcomes:?}"
        );
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM invoices WHERE provider_id = 'in_2' AND number = 'in_2'"
            )?,
            1
        );

        // Refunds only grow.
        let refund = |id: &str, amount: i64| {
            event(
                id,
                "charge.refunded",
                t + 50,
                json!({ "id": "ch_1", "object": "charge", "invoice": "in_1", "amount_refunded": amount, "refunded": false }),
            )
        };
        assert_eq!(send(app, &refund("evt_7", 1000))?, (200, "applied".into()));
        assert_eq!(send(app, &refund("evt_8", 500))?, (200, "ignored".into()));
        assert_eq!(
            app.sql_count("SELECT amount_refunded FROM invoices WHERE provider_id = 'in_1'")?,
            1000
        );

        // Cancelled at last.
        let deleted = event(
            "evt_9",
            "customer.subscription.deleted",
            t + 60,
            subscription(t + 60, "canceled"),
        );
        assert_eq!(send(app, &deleted)?, (200, "applied".into()));
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM subscriptions WHERE provider_id = 'sub_stripe_1' AND status = 'cancelled'")?,
            1
        );

        // A failure leaves nothing behind: not the event, not half of its effect.
        let clash = event(
            "evt_10",
            "invoice.created",
            t + 70,
            json!({ "id": "in_bad", "object": "invoice", "customer": "cus_globex", "number": "PA-2026-0008",
                    "status": "open", "currency": "eur", "subtotal": 1, "tax": 0, "total": 1, "created": t + 70 }),
        );
        let (status, _) = send(app, &clash)?;
        assert!(status >= 400, "{status}");
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM webhook_events WHERE id = 'evt_10'")?,
            0
        );
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM invoices WHERE provider_id = 'in_bad'")?,
            0
        );
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM webhook_events")?,
            9,
            "every accepted event recorded once"
        );
    }
    Ok(())
}

#[test]
fn billing_details_are_checked_shown_on_invoices_and_the_tax_id_verified_by_stripe() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = start(backend, "billing_details")? else {
            continue;
        };
        let app = &app;
        let ada = app.sign_in("ada@acme.example")?;
        let bad = app.post_as(
            &ada,
            "/billing/details",
            &[
                ("name", "Acme Robotics GmbH"),
                ("country", "DE"),
                ("address", "Hauptstr. 1\n10115 Berlin"),
                ("tax_id", "DE12345"),
            ],
        )?;
        let page = bad.text()?;
        assert!(page.contains("not the format of a DE VAT number"), "{page}");
        assert!(page.contains("value=\"DE12345\""), "what was typed is kept");
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM accounts WHERE id = 'acc_demo_acme' AND tax_id IS NOT NULL"
            )?,
            0
        );
        let saved = app.post_as(
            &ada,
            "/billing/details",
            &[
                ("name", "Acme Robotics GmbH"),
                ("country", "DE"),
                ("address", "Hauptstr. 1\n10115 Berlin"),
                ("tax_id", "de 123 456 789"),
            ],
        )?;
        assert_eq!(saved.status(), 303);
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM accounts WHERE id = 'acc_demo_acme' AND tax_id = 'DE123456789' AND tax_id_status = 'unverified' AND name = 'Acme Robotics GmbH'")?,
            1
        );
        let receipt = app
            .get_as(&ada, "/billing/invoices/inv_demo_0008")?
            .text()?;
        assert!(
            receipt.contains("Acme Robotics GmbH") && receipt.contains("10115 Berlin"),
            "{receipt}"
        );
        assert!(receipt.contains("Tax id DE123456789"), "{receipt}");
        assert!(receipt.contains(">unverified<"), "{receipt}");

        // Stripe reports the tax id verified.
        app.sql(
            "UPDATE accounts SET provider_customer_id = 'cus_acme' WHERE id = 'acc_demo_acme'",
        )?;
        let verified = event(
            "evt_tax",
            "customer.tax_id.updated",
            stub::now(),
            json!({ "id": "txi_1", "object": "tax_id", "customer": "cus_acme", "type": "eu_vat", "value": "DE123456789", "verification": { "status": "verified" } }),
        );
        assert_eq!(send(app, &verified)?, (200, "applied".into()));
        let receipt = app
            .get_as(&ada, "/billing/invoices/inv_demo_0008")?
            .text()?;
        assert!(receipt.contains(">verified<"), "{receipt}");
        // A new number starts again unverified.
        let changed = app.post_as(
            &ada,
            "/billing/details",
            &[
                ("name", "Acme Robotics GmbH"),
                ("country", "DE"),
                ("address", "Hauptstr. 1"),
                ("tax_id", "DE999999999"),
            ],
        )?;
        assert_eq!(changed.status(), 303);
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM accounts WHERE id = 'acc_demo_acme' AND tax_id_status = 'unverified'")?,
            1
        );
    }
    Ok(())
}
