//! Delegated MSP access: a provider asks, a client's owner approves or declines, access ends by
//! itself or when either side revokes it; under running access the provider's operators see
//! and run the client's workspaces (one at a time or many at once, a result for each), and
//! without it they see nothing of them; each step is in both accounts' activity logs.

use anyhow::{Context, Result};
use pulse_tests::app::{TestApp, expect_status, location};
use reqwest::Method;
use serde_json::{Value, json};

use super::each_backend;

fn audited(app: &TestApp, account: &str, action: &str) -> Result<i64> {
    app.sql_count(&format!(
        "SELECT COUNT(*) FROM audit_log WHERE account_id = '{account}' AND action = '{action}'"
    ))
}

#[test]
fn a_provider_operates_a_client_only_while_the_client_gives_access() -> Result<()> {
    each_backend("msp_delegated_access", |app| {
        let mia = app.sign_in("mia@northwind.example")?;
        // Initech gave access (demo data); Globex did not: its workspaces stay out of sight.
        let msp = expect_status(app.get_as(&mia, "/msp")?, 200)?;
        assert!(msp.contains("initech.planapulse.app"), "{msp}");
        assert!(!msp.contains("globex.planapulse.app"), "{msp}");
        let globex = expect_status(app.get_as(&mia, "/msp/clients/acc_demo_globex")?, 200)?;
        assert!(globex.contains("You have no access"), "{globex}");
        assert!(!globex.contains("globex.planapulse.app"), "{globex}");
        let refused = app.post_as(
            &mia,
            "/msp/clients/acc_demo_globex/tenants/ten_demo_globex/suspend",
            &[],
        )?;
        assert_eq!(refused.status(), 409);
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM tenants WHERE id = 'ten_demo_globex' AND status = 'active'"
            )?,
            1
        );

        // Mia asks Globex's owner by email; an unknown address is answered the same.
        for email in ["gus@globex.example", "nobody@nowhere.example"] {
            let asked = app.post_as(
                &mia,
                "/msp/access",
                &[
                    ("email", email),
                    ("days", "7"),
                    ("reason", "Quarterly upgrade of the clinic workspace"),
                ],
            )?;
            assert_eq!(location(&asked), "/msp?done=requested");
        }
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM access_grants WHERE status = 'requested'")?,
            1
        );
        assert_eq!(audited(app, "acc_demo_northwind", "access.requested")?, 1);
        assert_eq!(audited(app, "acc_demo_globex", "access.requested")?, 1);
        let mail = app.mailbox("gus@globex.example")?;
        assert!(
            mail.iter().any(|m| m["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("Northwind MSP asks for access")),
            "{mail:?}"
        );
        let bad = expect_status(
            app.post_as(
                &mia,
                "/msp/access",
                &[
                    ("email", "gus@globex.example"),
                    ("days", "900"),
                    ("reason", ""),
                ],
            )?,
            422,
        )?;
        assert!(bad.contains("1 to 90 days"), "{bad}");

        // Globex's owner approves; now Mia sees and runs its workspaces.
        let gus = app.sign_in("gus@globex.example")?;
        let home = expect_status(app.get_as(&gus, "/dashboard")?, 200)?;
        assert!(
            home.contains("Northwind MSP asks for 7 days of access"),
            "{home}"
        );
        let access = expect_status(app.get_as(&gus, "/cloud/access")?, 200)?;
        assert!(
            access.contains("Northwind MSP") && access.contains("Quarterly upgrade"),
            "{access}"
        );
        let grant = app.strings(
            "SELECT id FROM access_grants WHERE client_id = 'acc_demo_globex'",
            "SELECT id FROM access_grants WHERE client_id = 'acc_demo_globex'",
        )?;
        let grant = grant.first().context("grant")?.clone();
        let approved = app.post_as(&gus, &format!("/cloud/access/{grant}/approve"), &[])?;
        assert_eq!(location(&approved), "/cloud/access?done=approve");
        assert_eq!(
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM access_grants WHERE id = '{grant}' AND status = 'approved' AND decided_by = 'usr_demo_gus'"
            ))?,
            1
        );
        let globex = expect_status(app.get_as(&mia, "/msp/clients/acc_demo_globex")?, 200)?;
        assert!(globex.contains("globex.planapulse.app"), "{globex}");
        let entered = app.post_as(&mia, "/msp/clients/acc_demo_globex/enter", &[])?;
        assert_eq!(
            location(&entered),
            "/msp/clients/acc_demo_globex?done=entered"
        );
        assert_eq!(audited(app, "acc_demo_northwind", "operator.entered")?, 1);
        assert_eq!(audited(app, "acc_demo_globex", "operator.entered")?, 1);

        let suspended = app.post_as(
            &mia,
            "/msp/clients/acc_demo_globex/tenants/ten_demo_globex/suspend",
            &[],
        )?;
        assert_eq!(suspended.status(), 303);
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM tenants WHERE id = 'ten_demo_globex' AND status = 'suspended'"
            )?,
            1
        );
        assert_eq!(audited(app, "acc_demo_globex", "tenant.suspend")?, 1);

        // One action on many clients' workspaces, a result for each; a foreign one is refused.
        let csrf = app.csrf(&mia)?;
        let bulk: Value = serde_json::from_str(&expect_status(
            app.as_user(&mia, Method::POST, "/api/v1/msp/bulk")
                .header("x-csrf-token", &csrf)
                .json(&json!({ "action": "resume", "tenants": ["ten_demo_globex", "ten_demo_initech", "ten_demo_acme"] }))
                .send()?,
            200,
        )?)?;
        let results = bulk["results"].as_array().context("results")?;
        assert_eq!(results.len(), 3);
        assert_eq!(results[0]["outcome"], "done");
        assert_eq!(results[0]["detail"], "active");
        assert_eq!(
            results[1]["outcome"], "done",
            "Initech's was suspended in the demo"
        );
        assert_eq!(results[2]["outcome"], "refused");
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM tenants WHERE id IN ('ten_demo_globex', 'ten_demo_initech') AND status = 'active'")?,
            2
        );
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM tenants WHERE id = 'ten_demo_acme' AND status = 'active'"
            )?,
            1,
            "another account's workspace is untouched"
        );

        // A workspace for the client, within the client's plan.
        let full = expect_status(
            app.post_as(
                &mia,
                "/msp/clients/acc_demo_globex/tenants",
                &[
                    ("name", "Globex training"),
                    ("slug", "globex-training"),
                    ("template", "tpl_basic_19"),
                ],
            )?,
            409,
        )?;
        assert!(full.contains("client's plan allows 1"), "{full}");
        app.sql(
            "INSERT INTO subscriptions (id, account_id, plan, status, currency, amount, billing_interval, current_period_end, cancel_at_period_end, created_at)
             VALUES ('sub_globex_pro', 'acc_demo_globex', 'Pulse Cloud Pro', 'active', 'EUR', 24900, 'month', '2999-01-01T00:00:00Z', 0, '2026-01-01T00:00:00Z')",
        )?;
        let made = app.post_as(
            &mia,
            "/msp/clients/acc_demo_globex/tenants",
            &[
                ("name", "Globex training"),
                ("slug", "globex-training"),
                ("template", "tpl_basic_19"),
            ],
        )?;
        assert_eq!(
            location(&made),
            "/msp/clients/acc_demo_globex?done=created",
            "{}",
            made.status()
        );
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM tenants WHERE slug = 'globex-training' AND account_id = 'acc_demo_globex'")?,
            1
        );

        // The client ends the access: Mia sees and runs nothing of Globex any more.
        let ended = app.post_as(&gus, &format!("/cloud/access/{grant}/revoke"), &[])?;
        assert_eq!(ended.status(), 303);
        let globex = expect_status(app.get_as(&mia, "/msp/clients/acc_demo_globex")?, 200)?;
        assert!(!globex.contains("globex.planapulse.app"), "{globex}");
        expect_status(
            app.post_as(
                &mia,
                "/msp/clients/acc_demo_globex/tenants/ten_demo_globex/suspend",
                &[],
            )?,
            409,
        )?;
        expect_status(
            app.post_as(&mia, "/msp/clients/acc_demo_globex/enter", &[])?,
            403,
        )?;

        // Access ends by itself: Initech's grant past its end shows nothing either.
        app.sql("UPDATE access_grants SET expires_at = '2020-01-01T00:00:00Z' WHERE id = 'grt_demo_initech'")?;
        let msp = expect_status(app.get_as(&mia, "/msp")?, 200)?;
        assert!(!msp.contains("initech.planapulse.app"), "{msp}");
        assert!(msp.contains("expired"), "{msp}");

        // Only a client's owner decides; a customer sees no MSP pages.
        let ada = app.sign_in("ada@acme.example")?;
        expect_status(app.get_as(&ada, "/cloud/access")?, 200)?;
        let cy = app.sign_in("cy@acme.example")?;
        expect_status(
            app.post_as(&cy, &format!("/cloud/access/{grant}/approve"), &[])?,
            403,
        )?;
        expect_status(app.get_as(&gus, "/msp")?, 404)?;
        Ok(())
    })
}
