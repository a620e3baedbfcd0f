//! Round-trip budgets, counted by the host for every instance (the composed session component
//! included) and read from its log line: what real Spin charges per connection, statement and
//! variable read is what these keep small.

use anyhow::{Result, ensure};
use pulse_tests::app::{Calls, TestApp};

use super::each_backend;

/// Most variable reads any request may make.
const MAX_VARIABLE_READS: u32 = 4;

fn get_counted(
    app: &TestApp,
    session: Option<&pulse_tests::app::Session>,
    path: &str,
) -> Result<Calls> {
    let resp = match session {
        Some(s) => app.get_as(s, path)?,
        None => app.get(path)?,
    };
    ensure!(
        resp.status().as_u16() == 200,
        "{path} answered {}",
        resp.status()
    );
    app.calls(&resp)
}

#[test]
fn every_signed_in_page_costs_one_sql_open_and_at_most_two_statements() -> Result<()> {
    each_backend(
        "every_signed_in_page_costs_one_sql_open_and_at_most_two_statements",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let mia = app.sign_in("mia@northwind.example")?;
            let pages = [
                (&ada, "/dashboard"),
                (&ada, "/licenses"),
                (&ada, "/licenses/lic_demo_pro"),
                (&ada, "/billing"),
                (&ada, "/billing/invoices/inv_demo_0008"),
                (&ada, "/cloud"),
                (&ada, "/cloud/ten_demo_acme"),
                (&ada, "/cloud/new"),
                (&ada, "/integrations"),
                (&ada, "/team"),
                (&ada, "/profile"),
                (&ada, "/security"),
                (&ada, "/api/v1/me"),
                (&ada, "/api/v1/licenses"),
                (&ada, "/api/v1/invoices"),
                (&ada, "/api/v1/tenants"),
                (&ada, "/api/v1/members"),
                (&ada, "/api/v1/sessions"),
                (&ada, "/api/v1/accounts"),
                (&ada, "/accounts/new"),
                (&ada, "/activity"),
                (&ada, "/cloud/ten_demo_acme/integrations"),
                (&ada, "/cloud/ten_demo_acme/suspend"),
                (&ada, "/billing/details"),
                (&ada, "/billing/subscriptions/sub_demo_acme"),
                (&ada, "/support"),
                (&mia, "/dashboard"),
                (&mia, "/msp"),
                (&mia, "/msp/clients/acc_demo_globex"),
                (&mia, "/api/v1/clients"),
            ];
            for (who, path) in pages {
                let calls = get_counted(app, Some(who), path)?;
                ensure!(
                    calls.sql_opens == 1 && calls.sql_statements <= 2,
                    "{path} made {calls:?}: a signed-in page may open the database once and run at most two statements"
                );
                ensure!(
                    calls.variable_reads <= MAX_VARIABLE_READS,
                    "{path} read {} variables ({calls:?})",
                    calls.variable_reads
                );
                ensure!(calls.kv_ops == 0, "{path} used key-value ({calls:?})");
            }
            // The refund page also reads its one setting, the refund window.
            let calls = get_counted(app, Some(&ada), "/recover/refund")?;
            ensure!(
                calls.sql_opens == 1
                    && calls.sql_statements <= 2
                    && calls.variable_reads <= MAX_VARIABLE_READS + 1
                    && calls.kv_ops == 0,
                "/recover/refund made {calls:?}"
            );
            Ok(())
        },
    )
}

#[test]
fn the_landing_page_static_files_and_liveness_touch_no_database() -> Result<()> {
    each_backend(
        "the_landing_page_static_files_and_liveness_touch_no_database",
        |app| {
            for path in ["/", "/static/app.css", "/healthz/live", "/login"] {
                let calls = get_counted(app, None, path)?;
                ensure!(
                    calls.sql_opens == 0 && calls.sql_statements == 0 && calls.kv_ops == 0,
                    "{path} made {calls:?}"
                );
                ensure!(
                    calls.variable_reads <= MAX_VARIABLE_READS,
                    "{path} read {} variables",
                    calls.variable_reads
                );
            }
            // Readiness is the one check that does ask the database and the key-value store
            // (opened, then one read).
            let ready = get_counted(app, None, "/healthz")?;
            ensure!(
                ready.sql_opens == 1 && ready.sql_statements == 1 && ready.kv_ops == 2,
                "/healthz made {ready:?}"
            );
            Ok(())
        },
    )
}

#[test]
fn signing_out_or_losing_a_membership_takes_effect_on_the_next_request() -> Result<()> {
    each_backend(
        "signing_out_or_losing_a_membership_takes_effect_on_the_next_request",
        |app| {
            // A removed membership: the token is still valid, the next request is signed out.
            let cy = app.sign_in("cy@acme.example")?;
            assert_eq!(app.get_as(&cy, "/dashboard")?.status().as_u16(), 200);
            app.sql("DELETE FROM memberships WHERE user_id = 'usr_demo_cy'")?;
            assert_eq!(app.get_as(&cy, "/dashboard")?.status().as_u16(), 303);
            // A revoked session, likewise.
            let bob = app.sign_in("bob@acme.example")?;
            assert_eq!(app.get_as(&bob, "/billing")?.status().as_u16(), 200);
            app.sql("UPDATE sessions SET revoked_at = '2026-01-01T00:00:00Z' WHERE user_id = 'usr_demo_bob'")?;
            assert_eq!(app.get_as(&bob, "/billing")?.status().as_u16(), 303);
            Ok(())
        },
    )
}
