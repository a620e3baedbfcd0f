//! Ending a subscription at the period's end with a reason, and resuming it: offline, and
//! through a Stripe stand-in that records the REST calls as Stripe documents them.

use anyhow::Result;
use pulse_tests::app::{Backend, TestApp, expect_status};
use pulse_tests::stub::Stub;

use super::each_backend;

fn ending(app: &TestApp) -> Result<i64> {
    app.sql_count("SELECT cancel_at_period_end FROM subscriptions WHERE id = 'sub_demo_acme'")
}

#[test]
fn a_subscription_ends_at_the_period_end_with_a_reason_and_can_be_resumed() -> Result<()> {
    each_backend(
        "a_subscription_ends_at_the_period_end_with_a_reason_and_can_be_resumed",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let page = expect_status(
                app.get_as(&ada, "/billing/subscriptions/sub_demo_acme")?,
                200,
            )?;
            assert!(page.contains("It costs too much"), "{page}");
            let path = "/billing/subscriptions/sub_demo_acme/cancel";
            let no_reason = app.post_as(&ada, path, &[("comment", "x")])?;
            assert!(expect_status(no_reason, 422)?.contains("Choose why"));
            assert_eq!(ending(app)?, 0);

            let cancelled = app.post_as(
                &ada,
                path,
                &[("reason", "too_expensive"), ("comment", "Budget cuts")],
            )?;
            assert_eq!(cancelled.status(), 303);
            assert_eq!(ending(app)?, 1);
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM subscriptions WHERE id = 'sub_demo_acme' AND cancel_reason = 'too_expensive: Budget cuts' AND cancel_requested_at IS NOT NULL")?,
                1
            );
            let again = app.post_as(&ada, path, &[("reason", "unused")])?;
            assert!(expect_status(again, 409)?.contains("already ends"));

            let resumed = app.post_as(&ada, "/billing/subscriptions/sub_demo_acme/resume", &[])?;
            assert_eq!(resumed.status(), 303);
            assert_eq!(ending(app)?, 0);
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM audit_log WHERE target = 'sub_demo_acme' AND action IN ('subscription.cancelled', 'subscription.resumed')")?,
                2
            );

            // A stale verification is asked to confirm first; no billing rights, no access.
            app.sql("UPDATE sessions SET verified_at = verified_at - 3600 WHERE user_id = 'usr_demo_ada'")?;
            let stale = app.post_as(&ada, path, &[("reason", "unused")])?;
            assert_eq!(stale.status(), 303);
            assert_eq!(ending(app)?, 0);
            let cy = app.sign_in("cy@acme.example")?;
            assert_eq!(
                app.get_as(&cy, "/billing/subscriptions/sub_demo_acme")?
                    .status(),
                403
            );
            assert_eq!(
                app.get_as(&ada, "/billing/subscriptions/sub_demo_northwind")?
                    .status(),
                404
            );
            Ok(())
        },
    )
}

#[test]
fn with_stripe_configured_the_change_goes_to_stripe_first() -> Result<()> {
    let stripe = Stub::start(200)?;
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .variable("stripe_api_key", "sk_test_portal")
        .variable("stripe_api_base", &stripe.url(""))
        .start("stripe_subscription_changes")?
    else {
        return Ok(());
    };
    app.sql("UPDATE subscriptions SET provider_id = 'sub_stripe_acme' WHERE id = 'sub_demo_acme'")?;
    let ada = app.sign_in("ada@acme.example")?;
    let cancelled = app.post_as(
        &ada,
        "/billing/subscriptions/sub_demo_acme/cancel",
        &[("reason", "switched_service")],
    )?;
    assert_eq!(cancelled.status(), 303);
    let calls = stripe.received();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.method, "POST");
    assert_eq!(call.path, "/v1/subscriptions/sub_stripe_acme");
    assert_eq!(call.headers["authorization"], "Bearer sk_test_portal");
    assert_eq!(
        call.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert!(call.headers.contains_key("idempotency-key"));
    assert_eq!(
        String::from_utf8_lossy(&call.body),
        "cancel_at_period_end=true"
    );
    assert_eq!(ending(&app)?, 1);

    // Stripe refuses: nothing is recorded, and the person is told the service is unavailable.
    stripe.answer(402);
    let resumed = app.post_as(&ada, "/billing/subscriptions/sub_demo_acme/resume", &[])?;
    assert_eq!(resumed.status(), 503);
    assert_eq!(
        String::from_utf8_lossy(&stripe.received()[1].body),
        "cancel_at_period_end=false"
    );
    assert_eq!(ending(&app)?, 1);
    Ok(())
}
