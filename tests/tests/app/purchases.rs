//! Buying and changing: subscribing to a plan, changing plan with the provider's proration,
//! the Billing Portal, paying an open invoice and renewing an expired license — completed by
//! the offline provider of local mode, and sent to a stand-in that speaks Stripe's documented
//! formats when a Stripe key is set; on both databases.

use anyhow::{Context, Result};
use pulse_core::money::Money;
use pulse_core::plans;
use pulse_tests::app::{Backend, TestApp, expect_status, location};
use pulse_tests::stripe::{self, PRORATION_LINES, field};
use pulse_tests::stub;
use serde_json::json;

use super::webhooks::stripe_signature;

const WEBHOOK_SECRET: &str = "whsec_purchase_tests";

#[test]
fn offline_the_portal_completes_purchases_changes_payments_and_renewals() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::start(backend, "purchases_offline")? else {
            continue;
        };
        let app = &app;
        let ada = app.sign_in("ada@acme.example")?;

        // Plans: the one Acme runs is marked; another is bought at once.
        let page = expect_status(app.get_as(&ada, "/billing/plans")?, 200)?;
        assert!(page.contains("Your account has this plan."), "{page}");
        assert!(page.contains("Subscribe to Pulse Cloud Basic"), "{page}");
        let bought = app.post_as(&ada, "/billing/checkout", &[("plan", "cloud_basic_month")])?;
        assert_eq!(bought.status(), 303);
        assert_eq!(location(&bought), "/billing?done=subscribed");
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM subscriptions WHERE account_id = 'acc_demo_acme' AND plan = 'Pulse Cloud Basic'
                   AND status = 'active' AND amount = 9900 AND billing_interval = 'month'"
            )?,
            1
        );
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM audit_log WHERE action = 'subscription.started'")?,
            1
        );
        // The same plan twice is refused, saying why.
        let again = expect_status(
            app.post_as(&ada, "/billing/checkout", &[("plan", "cloud_basic_month")])?,
            409,
        )?;
        assert!(again.contains("already has a Pulse Cloud Basic"), "{again}");

        // A plan change shows what it costs for the rest of the period, then applies it.
        let period_end = app.strings(
            "SELECT current_period_end FROM subscriptions WHERE id = 'sub_demo_acme'",
            "SELECT current_period_end FROM subscriptions WHERE id = 'sub_demo_acme'",
        )?;
        let period_end = pulse_core::time::parse_rfc3339(period_end.first().context("period")?)
            .context("time")?;
        let sub = expect_status(
            app.get_as(&ada, "/billing/subscriptions/sub_demo_acme")?,
            200,
        )?;
        assert!(sub.contains("/change?plan=cloud_business_month"), "{sub}");
        assert!(
            !sub.contains("/change?plan=selfhosted"),
            "only plans of the same kind: {sub}"
        );
        let preview = expect_status(
            app.get_as(
                &ada,
                "/billing/subscriptions/sub_demo_acme/change?plan=cloud_business_month",
            )?,
            200,
        )?;
        let (pro, business) = (
            plans::by_key("cloud_pro_month").context("pro")?,
            plans::by_key("cloud_business_month").context("business")?,
        );
        // Within the seconds the test takes, the prorated amount moves by at most a cent.
        let now = stub::now();
        let expected: Vec<String> = (0..3)
            .map(|d| {
                Money::new(plans::prorate(pro, business, period_end, now - d), "EUR").to_string()
            })
            .collect();
        assert!(
            expected.iter().any(|m| preview.contains(m.as_str())),
            "{expected:?} in {preview}"
        );
        assert!(preview.contains("charged now"), "{preview}");
        let date = now.to_string();
        let changed = app.post_as(
            &ada,
            "/billing/subscriptions/sub_demo_acme/change",
            &[("plan", "cloud_business_month"), ("proration_date", &date)],
        )?;
        assert_eq!(
            location(&changed),
            "/billing/subscriptions/sub_demo_acme?done=changed"
        );
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM subscriptions WHERE id = 'sub_demo_acme' AND plan = 'Pulse Cloud Business' AND amount = 59900"
            )?,
            1
        );
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'subscription.plan_changed' AND target = 'sub_demo_acme'"
            )?,
            1
        );
        // Another kind of plan is refused.
        expect_status(
            app.get_as(
                &ada,
                "/billing/subscriptions/sub_demo_acme/change?plan=selfhosted_pro_year",
            )?,
            409,
        )?;

        // An open invoice is paid; a paid one cannot be paid again.
        let paid = app.post_as(&ada, "/billing/invoices/inv_demo_0011/pay", &[])?;
        assert_eq!(location(&paid), "/billing/invoices/inv_demo_0011?done=paid");
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM invoices WHERE id = 'inv_demo_0011' AND status = 'paid' AND paid_at IS NOT NULL"
            )?,
            1
        );
        expect_status(
            app.post_as(&ada, "/billing/invoices/inv_demo_0011/pay", &[])?,
            409,
        )?;

        // The expired license renews for a year; a live one does not.
        let license = expect_status(app.get_as(&ada, "/licenses/lic_demo_lab")?, 200)?;
        assert!(license.contains("Renew for a year"), "{license}");
        let renewed = app.post_as(&ada, "/licenses/lic_demo_lab/renew", &[])?;
        assert_eq!(location(&renewed), "/licenses/lic_demo_lab?done=renewed");
        let expires = app.strings(
            "SELECT expires_at FROM licenses WHERE id = 'lic_demo_lab' AND status = 'active'",
            "SELECT expires_at FROM licenses WHERE id = 'lic_demo_lab' AND status = 'active'",
        )?;
        let expires =
            pulse_core::time::parse_rfc3339(expires.first().context("renewed")?).context("time")?;
        assert!(
            (expires - stub::now() - 365 * 86_400).abs() < 120,
            "a year from now"
        );
        expect_status(app.post_as(&ada, "/licenses/lic_demo_pro/renew", &[])?, 409)?;

        // Offline, there are no cards to manage.
        let portal = app.post_as(&ada, "/billing/portal", &[])?;
        assert_eq!(location(&portal), "/billing?done=offline");

        // A member without billing rights buys nothing; another account's objects are 404.
        let cy = app.sign_in("cy@acme.example")?;
        expect_status(
            app.post_as(&cy, "/billing/checkout", &[("plan", "cloud_pro_month")])?,
            403,
        )?;
        let mia = app.sign_in("mia@northwind.example")?;
        expect_status(
            app.post_as(&mia, "/billing/invoices/inv_demo_0010/pay", &[])?,
            404,
        )?;
        expect_status(app.post_as(&mia, "/licenses/lic_demo_lab/renew", &[])?, 404)?;
    }
    Ok(())
}

#[test]
fn with_stripe_each_step_goes_to_stripe_as_its_api_documents() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let stripe = stripe::start()?;
        let Some(app) = TestApp::builder(backend)
            .variable("stripe_api_key", "sk_test_purchases")
            .variable("stripe_api_base", &stripe.url(""))
            .variable("payment_webhook_secret", WEBHOOK_SECRET)
            .start("purchases_stripe")?
        else {
            continue;
        };
        let app = &app;
        let ada = app.sign_in("ada@acme.example")?;
        let subscriptions = app.sql_count("SELECT COUNT(*) FROM subscriptions")?;

        // A purchase goes to a Checkout Session; nothing is recorded until Stripe reports it.
        let bought = app.post_as(&ada, "/billing/checkout", &[("plan", "cloud_basic_month")])?;
        assert_eq!(bought.status(), 303);
        assert_eq!(
            location(&bought),
            "https://checkout.stripe.com/c/pay/cs_test_a1"
        );
        let calls = stripe.received();
        let session = calls
            .iter()
            .find(|r| r.method == "POST" && r.path == "/v1/checkout/sessions")
            .context("a Checkout Session")?;
        assert_eq!(session.headers["authorization"], "Bearer sk_test_purchases");
        assert!(session.headers.contains_key("idempotency-key"));
        let fields = stripe::form(session);
        assert_eq!(field(&fields, "mode"), Some("subscription"));
        assert_eq!(
            field(&fields, "line_items[0][price]"),
            Some("price_pulse_cloud_basic_month")
        );
        assert_eq!(field(&fields, "client_reference_id"), Some("acc_demo_acme"));
        assert_eq!(field(&fields, "metadata[plan]"), Some("Pulse Cloud Basic"));
        assert!(
            field(&fields, "success_url").is_some_and(|u| u.ends_with("/billing?done=subscribed"))
        );
        assert!(
            calls.iter().any(|r| r.method == "GET"
                && r.path.contains("lookup_keys%5B%5D=pulse_cloud_basic_month")),
            "the price is found by its lookup key"
        );
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM subscriptions")?,
            subscriptions
        );

        // A plan change: Stripe previews the proration, then the update carries the same date.
        app.sql(
            "UPDATE subscriptions SET provider_id = 'sub_stripe_acme' WHERE id = 'sub_demo_acme'",
        )?;
        let preview = expect_status(
            app.get_as(
                &ada,
                "/billing/subscriptions/sub_demo_acme/change?plan=cloud_business_month",
            )?,
            200,
        )?;
        let prorated = Money::new(PRORATION_LINES.iter().sum(), "EUR").to_string();
        assert!(preview.contains(&prorated), "{prorated} in {preview}");
        let marker = "name=\"proration_date\" value=\"";
        let at = preview.find(marker).context("proration date")? + marker.len();
        let date = &preview[at..at + preview[at..].find('"').context("end")?];
        let previewed = stripe::received_form(&stripe, "/v1/invoices/create_preview")?;
        assert_eq!(field(&previewed, "subscription"), Some("sub_stripe_acme"));
        assert_eq!(
            field(&previewed, "subscription_details[items][0][id]"),
            Some("si_test_1")
        );
        assert_eq!(
            field(&previewed, "subscription_details[items][0][price]"),
            Some("price_pulse_cloud_business_month")
        );
        assert_eq!(
            field(&previewed, "subscription_details[proration_date]"),
            Some(date)
        );

        // Stripe declining leaves everything as it was.
        stripe.answer(402);
        let declined = app.post_as(
            &ada,
            "/billing/subscriptions/sub_demo_acme/change",
            &[("plan", "cloud_business_month"), ("proration_date", date)],
        )?;
        assert_eq!(declined.status(), 503);
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM subscriptions WHERE id = 'sub_demo_acme' AND plan = 'Pulse Cloud Pro'")?,
            1
        );
        stripe.answer(200);
        let changed = app.post_as(
            &ada,
            "/billing/subscriptions/sub_demo_acme/change",
            &[("plan", "cloud_business_month"), ("proration_date", date)],
        )?;
        assert_eq!(
            location(&changed),
            "/billing/subscriptions/sub_demo_acme?done=changed"
        );
        let update = stripe::received_form(&stripe, "/v1/subscriptions/sub_stripe_acme")?;
        assert_eq!(field(&update, "items[0][id]"), Some("si_test_1"));
        assert_eq!(
            field(&update, "items[0][price]"),
            Some("price_pulse_cloud_business_month")
        );
        assert_eq!(
            field(&update, "proration_behavior"),
            Some("create_prorations")
        );
        assert_eq!(field(&update, "proration_date"), Some(date));
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM subscriptions WHERE id = 'sub_demo_acme' AND plan = 'Pulse Cloud Business'")?,
            1
        );

        // Cards: the Billing Portal, once the account is a Stripe customer.
        expect_status(app.post_as(&ada, "/billing/portal", &[])?, 409)?;
        app.sql(
            "UPDATE accounts SET provider_customer_id = 'cus_test_acme' WHERE id = 'acc_demo_acme'",
        )?;
        let portal = app.post_as(&ada, "/billing/portal", &[])?;
        assert_eq!(
            location(&portal),
            "https://billing.stripe.com/p/session/test_1"
        );
        let portal_fields = stripe::received_form(&stripe, "/v1/billing_portal/sessions")?;
        assert_eq!(field(&portal_fields, "customer"), Some("cus_test_acme"));
        assert!(field(&portal_fields, "return_url").is_some_and(|u| u.ends_with("/billing")));

        // An open invoice Stripe knows is paid on Stripe's hosted page.
        app.sql("UPDATE invoices SET provider_id = 'in_test_0011' WHERE id = 'inv_demo_0011'")?;
        let pay = app.post_as(&ada, "/billing/invoices/inv_demo_0011/pay", &[])?;
        assert_eq!(
            location(&pay),
            "https://invoice.stripe.com/i/acct_test/in_test_0011"
        );

        // A renewal goes through Checkout and is applied when Stripe reports it completed.
        let renew = app.post_as(&ada, "/licenses/lic_demo_lab/renew", &[])?;
        assert_eq!(
            location(&renew),
            "https://checkout.stripe.com/c/pay/cs_test_a1"
        );
        let sessions: Vec<_> = stripe
            .received()
            .into_iter()
            .filter(|r| r.path == "/v1/checkout/sessions")
            .collect();
        let renewal = stripe::form(sessions.last().context("renewal session")?);
        assert_eq!(
            field(&renewal, "metadata[license_id]"),
            Some("lic_demo_lab")
        );
        assert_eq!(field(&renewal, "customer"), Some("cus_test_acme"));
        assert_eq!(
            field(&renewal, "line_items[0][price]"),
            Some("price_pulse_selfhosted_lab_year")
        );
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM licenses WHERE id = 'lic_demo_lab' AND status = 'expired'"
            )?,
            1
        );
        let now = stub::now();
        let event = json!({
            "id": "evt_renewal_1",
            "object": "event",
            "type": "checkout.session.completed",
            "created": now,
            "data": { "object": {
                "id": "cs_test_a1", "object": "checkout.session", "mode": "subscription",
                "client_reference_id": "acc_demo_acme", "customer": "cus_test_acme",
                "subscription": "sub_stripe_lab", "currency": "eur", "amount_total": 30000,
                "metadata": { "license_id": "lic_demo_lab", "plan": "Pulse Pro self-hosted, Lab" }
            } }
        })
        .to_string();
        let delivered = app
            .host
            .client()
            .post(app.host.url("/api/billing/webhooks/stripe"))
            .header("content-type", "application/json")
            .header(
                "stripe-signature",
                stripe_signature(WEBHOOK_SECRET, now, &event),
            )
            .body(event)
            .send()?;
        assert_eq!(delivered.status(), 200);
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM licenses WHERE id = 'lic_demo_lab' AND status = 'active'"
            )?,
            1
        );
    }
    Ok(())
}

#[test]
fn invoices_show_their_lines_and_tax_and_cards_follow_stripe() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::builder(backend)
            .variable("payment_webhook_secret", WEBHOOK_SECRET)
            .start("invoice_lines_cards")?
        else {
            continue;
        };
        let app = &app;
        let ada = app.sign_in("ada@acme.example")?;

        // Lines, tax by rate and totals, on the page and in the API.
        let page = expect_status(app.get_as(&ada, "/billing/invoices/inv_demo_0010")?, 200)?;
        assert!(page.contains("Pulse Cloud Pro, monthly"), "{page}");
        assert!(page.contains("VAT 19% on €249.00: €47.31"), "{page}");
        let api: serde_json::Value = app.get_as(&ada, "/api/v1/invoices/inv_demo_0010")?.json()?;
        assert_eq!(api["lines"][0]["amount"]["amount"], 24_900);
        assert_eq!(api["lines"][0]["tax_rate_bp"], 1900);
        assert_eq!(api["tax_lines"][0]["tax"]["amount"], 4_731);
        let reverse = expect_status(
            app.get_as(
                &app.sign_in("mia@northwind.example")?,
                "/billing/invoices/inv_demo_n011",
            )?,
            200,
        )?;
        assert!(reverse.contains("No VAT on €990.00"), "{reverse}");

        // Cards: Home warns about the one that expires this month; Billing lists both.
        let home = expect_status(app.get_as(&ada, "/dashboard")?, 200)?;
        assert!(home.contains("The card Visa ending 4242"), "{home}");
        let billing = expect_status(app.get_as(&ada, "/billing")?, 200)?;
        assert!(
            billing.contains("Mastercard ending 4444, expires 08/2030"),
            "{billing}"
        );
        // A member without billing rights is not told about cards.
        let cy = app.sign_in("cy@acme.example")?;
        let cy_home = expect_status(app.get_as(&cy, "/dashboard")?, 200)?;
        assert!(!cy_home.contains("Visa ending"), "{cy_home}");

        // The spare card can go; the last one cannot while a subscription runs on it.
        let removed = app.post_as(
            &ada,
            "/billing/payment-methods/pm_demo_mastercard/remove",
            &[],
        )?;
        assert_eq!(removed.status(), 303);
        assert_eq!(location(&removed), "/billing?done=card-removed");
        let kept = expect_status(
            app.post_as(&ada, "/billing/payment-methods/pm_demo_visa/remove", &[])?,
            409,
        )?;
        assert!(kept.contains("only payment method"), "{kept}");
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM payment_methods WHERE account_id = 'acc_demo_acme'"
            )?,
            1
        );
        let mia = app.sign_in("mia@northwind.example")?;
        expect_status(
            app.post_as(&mia, "/billing/payment-methods/pm_demo_visa/remove", &[])?,
            404,
        )?;

        // Stripe's events: a new card, then the default moves to it, then lines of an invoice.
        app.sql(
            "UPDATE accounts SET provider_customer_id = 'cus_lines' WHERE id = 'acc_demo_acme'",
        )?;
        let deliver = |id: &str, kind: &str, object: serde_json::Value| -> Result<u16> {
            let now = stub::now();
            let body = json!({ "id": id, "object": "event", "type": kind, "created": now, "data": { "object": object } })
                .to_string();
            Ok(app
                .host
                .client()
                .post(app.host.url("/api/billing/webhooks/stripe"))
                .header("content-type", "application/json")
                .header(
                    "stripe-signature",
                    stripe_signature(WEBHOOK_SECRET, now, &body),
                )
                .body(body)
                .send()?
                .status()
                .as_u16())
        };
        assert_eq!(
            deliver(
                "evt_pm_1",
                "payment_method.attached",
                json!({ "id": "pm_new", "object": "payment_method", "customer": "cus_lines", "type": "card",
                        "card": { "brand": "amex", "last4": "0005", "exp_month": 4, "exp_year": 2031 } })
            )?,
            200
        );
        assert_eq!(
            deliver(
                "evt_cus_1",
                "customer.updated",
                json!({ "id": "cus_lines", "object": "customer", "invoice_settings": { "default_payment_method": "pm_new" } })
            )?,
            200
        );
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM payment_methods WHERE id = 'pm_new' AND is_default = 1 AND brand = 'amex' AND last4 = '0005'"
            )?,
            1
        );
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM payment_methods WHERE id = 'pm_demo_visa' AND is_default = 0"
            )?,
            1
        );
        let now = stub::now();
        assert_eq!(
            deliver(
                "evt_inv_lines",
                "invoice.finalized",
                json!({
                    "id": "in_lines", "object": "invoice", "customer": "cus_lines", "status": "open",
                    "number": "PA-LINES-1", "currency": "eur", "subtotal": 30000, "total": 35700, "created": now,
                    "total_taxes": [{ "amount": 5700 }],
                    "lines": { "object": "list", "data": [
                        { "id": "il_1", "object": "line_item", "amount": 20000, "currency": "eur", "quantity": 2,
                          "description": "2 × Extra workspace", "pricing": { "unit_amount_decimal": "10000" },
                          "taxes": [{ "amount": 3800, "type": "tax_rate_details" }],
                          "period": { "start": now, "end": now + 2_592_000 } },
                        { "id": "il_2", "object": "line_item", "amount": 10000, "currency": "eur", "quantity": 1,
                          "description": "Onboarding", "taxes": [{ "amount": 1900 }],
                          "period": { "start": now, "end": now } }
                    ] }
                })
            )?,
            200
        );
        let id = app.strings(
            "SELECT id FROM invoices WHERE provider_id = 'in_lines'",
            "SELECT id FROM invoices WHERE provider_id = 'in_lines'",
        )?;
        let id = id.first().context("the invoice")?;
        let page = expect_status(app.get_as(&ada, &format!("/billing/invoices/{id}"))?, 200)?;
        assert!(page.contains("2 × Extra workspace"), "{page}");
        assert!(page.contains("VAT 19% on €300.00: €57.00"), "{page}");
        assert_eq!(
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM invoice_lines WHERE invoice_id = '{id}' AND quantity = 2 AND unit_amount = 10000 AND tax_rate_bp = 1900"
            ))?,
            1
        );
        // The card removed at Stripe goes.
        assert_eq!(
            deliver(
                "evt_pm_2",
                "payment_method.detached",
                json!({ "id": "pm_new", "object": "payment_method", "customer": null })
            )?,
            200
        );
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM payment_methods WHERE id = 'pm_new'")?,
            0
        );
    }
    Ok(())
}

#[test]
fn creating_requests_replay_their_first_answer_for_the_same_idempotency_key() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::start(backend, "purchase_idempotency")? else {
            continue;
        };
        let app = &app;
        let ada = app.sign_in("ada@acme.example")?;
        let csrf = app.csrf(&ada)?;
        // The status and the JSON answer (compared as JSON: a replay may order keys otherwise).
        let post =
            |path: &str, key: &str, body: serde_json::Value| -> Result<(u16, serde_json::Value)> {
                let resp = app
                    .as_user(&ada, reqwest::Method::POST, path)
                    .header("x-csrf-token", &csrf)
                    .header("idempotency-key", key)
                    .json(&body)
                    .send()?;
                Ok((resp.status().as_u16(), resp.json()?))
            };
        let first = post(
            "/api/v1/checkout-sessions",
            "buy-basic-1",
            json!({ "plan": "cloud_basic_month" }),
        )?;
        assert_eq!(first.0, 201, "{}", first.1);
        let again = post(
            "/api/v1/checkout-sessions",
            "buy-basic-1",
            json!({ "plan": "cloud_basic_month" }),
        )?;
        assert_eq!(again, first, "the same answer, replayed");
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM subscriptions WHERE plan = 'Pulse Cloud Basic'")?,
            1,
            "bought once"
        );
        let other = post(
            "/api/v1/checkout-sessions",
            "buy-basic-1",
            json!({ "plan": "cloud_business_month" }),
        )?;
        assert_eq!(other.0, 422, "{}", other.1);

        let paid = pulse_core::time::rfc3339(stub::now() - 86_400);
        app.sql(&format!(
            "INSERT INTO invoices (id, account_id, number, status, currency, subtotal, tax, total, issued_at, due_at, paid_at)
             VALUES ('inv_idem', 'acc_demo_acme', 'PA-IDEM-1', 'paid', 'EUR', 100, 20, 120, '{paid}', '{paid}', '{paid}')"
        ))?;
        let body = json!({ "invoice": "inv_idem", "reason": "Bought twice by mistake" });
        let refund = post("/api/v1/refunds", "refund-1", body.clone())?;
        assert_eq!(refund.0, 201, "{}", refund.1);
        assert_eq!(post("/api/v1/refunds", "refund-1", body)?, refund);
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM refunds WHERE invoice_id = 'inv_idem'")?,
            1
        );
    }
    Ok(())
}
