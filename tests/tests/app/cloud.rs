//! Starting out and creating workspaces: a newcomer creates a customer account and a first
//! workspace; slugs are checked and unique under concurrency; the plan's allowance holds under
//! concurrency; jobs reach a provisioner as signed requests that are retried until acknowledged,
//! and its signed reports are applied once and never move a tenant backwards.

use std::thread;

use anyhow::{Context, Result, ensure};
use pulse_tests::app::{Backend, Session, TestApp, expect_status};
use pulse_tests::stub::{self, Stub, now};
use reqwest::Method;
use serde_json::{Value, json};

use super::each_backend;

const PROVISIONER_KEY: &str = "provisioner-key-for-tests-0123456789abcdef";

fn post(
    app: &TestApp,
    who: &Session,
    csrf: &str,
    path: &str,
    form: &[(&str, &str)],
) -> Result<reqwest::blocking::Response> {
    let mut fields = form.to_vec();
    fields.push(("csrf", csrf));
    Ok(app.as_user(who, Method::POST, path).form(&fields).send()?)
}

/// `session` acting in the account the response's `pa_account` cookie selects.
fn with_account(session: &Session, resp: &reqwest::blocking::Response) -> Result<Session> {
    let chosen = Session::from_response(resp)?
        .account
        .context("no pa_account cookie")?;
    Ok(Session {
        account: Some(chosen),
        ..session.clone()
    })
}

#[test]
fn a_newcomer_starts_an_account_and_a_first_workspace() -> Result<()> {
    each_backend(
        "a_newcomer_starts_an_account_and_a_first_workspace",
        |app| {
            let link = app.request_link("nina@bistro.example")?;
            ensure!(link.contains("/login/verify?token="), "{link}");
            let nina = app.sign_in("nina@bistro.example")?;

            // No account yet: every page leads to the start, the API says so.
            let home = app.get_as(&nina, "/dashboard")?;
            assert_eq!(home.status(), 303);
            assert_eq!(home.headers()["location"], "/accounts/new");
            let me: Value = app.get_as(&nina, "/api/v1/me")?.json()?;
            assert_eq!(me["email"], "nina@bistro.example");
            assert!(me["account"].is_null(), "{me}");
            let tenants = app.get_as(&nina, "/api/v1/tenants")?;
            assert_eq!(tenants.status(), 403);
            let problem: Value = tenants.json()?;
            assert!(
                problem["type"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with("/no-account"),
                "{problem}"
            );

            // A wrong form keeps what was typed and says why, next to each field.
            let csrf = app.csrf_on(&nina, "/accounts/new")?;
            let accounts_before = app.sql_count("SELECT COUNT(*) FROM accounts")?;
            let refused = post(
                app,
                &nina,
                &csrf,
                "/accounts/new",
                &[("name", "B"), ("country", "XX")],
            )?;
            let page = expect_status(refused, 422)?;
            assert!(page.contains("at least 2 characters"), "{page}");
            assert!(page.contains("Choose the country"), "{page}");
            assert!(page.contains("value=\"B\""), "{page}");
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM accounts")?,
                accounts_before,
                "a refused form creates nothing"
            );

            // Created: owner of it, audited, led on to the first workspace.
            let created = post(
                app,
                &nina,
                &csrf,
                "/accounts/new",
                &[("name", "Bistro Ltd"), ("country", "BG")],
            )?;
            assert_eq!(created.status(), 303);
            assert_eq!(created.headers()["location"], "/cloud/new?welcome=1");
            let nina = with_account(&nina, &created)?;
            let account = nina.account.clone().context("account")?;
            assert_eq!(
                app.sql_count(&format!(
                    "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
                      JOIN accounts a ON a.id = m.account_id
                     WHERE u.email = 'nina@bistro.example' AND m.role = 'owner'
                       AND a.id = '{account}' AND a.name = 'Bistro Ltd' AND a.country = 'BG'"
                ))?,
                1
            );
            assert_eq!(
                app.sql_count(&format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = 'account.created' AND account_id = '{account}'"
                ))?,
                1
            );
            let start = expect_status(app.get_as(&nina, "/cloud/new?welcome=1")?, 200)?;
            assert!(start.contains("Bistro Ltd is ready"), "{start}");
            assert!(start.contains("Pro v19"), "the whole catalog: {start}");

            // Slug rules, each refusal next to the field with what was typed.
            let csrf = app.csrf_on(&nina, "/cloud/new")?;
            for (slug, why) in [
                ("www", "reserved"),
                ("billing", "reserved"),
                ("Bistro_HQ", "lower-case letters"),
                ("ab", "3 to 63"),
                ("-bistro", "not a hyphen"),
                ("acme", "already taken"),
            ] {
                let resp = post(
                    app,
                    &nina,
                    &csrf,
                    "/cloud/new",
                    &[
                        ("name", "Bistro"),
                        ("slug", slug),
                        ("template", "tpl_basic_19"),
                    ],
                )?;
                let page = expect_status(resp, 422).context(slug.to_string())?;
                assert!(page.contains(why), "{slug}: {page}");
                assert!(page.contains(&format!("value=\"{slug}\"")), "{slug} kept");
            }

            // Created and, with no provisioner configured, completed by the portal itself.
            let resp = post(
                app,
                &nina,
                &csrf,
                "/cloud/new",
                &[
                    ("name", "Bistro"),
                    ("slug", "bistro"),
                    ("template", "tpl_basic_19"),
                ],
            )?;
            assert_eq!(resp.status(), 303);
            let location = resp.headers()["location"].to_str()?.to_string();
            ensure!(location.ends_with("?done=created"), "{location}");
            let detail = expect_status(app.get_as(&nina, &location)?, 200)?;
            assert!(detail.contains("Provisioned locally"), "{detail}");
            assert!(detail.contains("bistro.planapulse.app"), "{detail}");
            assert_eq!(
                app.sql_count(&format!(
                    "SELECT COUNT(*) FROM tenants WHERE account_id = '{account}' AND slug = 'bistro'
                       AND status = 'active' AND provisioned_locally = 1 AND plan = 'Cloud Basic'"
                ))?,
                1
            );
            assert_eq!(
                app.sql_count(
                    "SELECT COUNT(*) FROM provisioning_jobs j JOIN tenants t ON t.id = j.tenant_id
                      WHERE t.slug = 'bistro' AND j.action = 'create' AND j.delivered_at IS NOT NULL"
                )?,
                1
            );

            // Without a subscription the allowance is one workspace.
            let resp = post(
                app,
                &nina,
                &csrf,
                "/cloud/new",
                &[
                    ("name", "Second"),
                    ("slug", "bistro-two"),
                    ("template", "tpl_basic_19"),
                ],
            )?;
            let page = expect_status(resp, 422)?;
            assert!(page.contains("allows 1 workspace,"), "{page}");
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenants WHERE slug = 'bistro-two'")?,
                0
            );
            expect_status(app.get_as(&nina, "/dashboard")?, 200)?;
            Ok(())
        },
    )
}

#[test]
fn a_newcomer_is_offered_the_invitations_for_their_address_first() -> Result<()> {
    each_backend(
        "a_newcomer_is_offered_the_invitations_for_their_address_first",
        |app| {
            let olga = app.sign_in("olga@bistro.example")?;
            // Invited after signing in: the start page offers it.
            let ada = app.sign_in("ada@acme.example")?;
            let invited = app.post_as(
                &ada,
                "/team/invitations",
                &[("email", "olga@bistro.example"), ("role", "billing")],
            )?;
            assert_eq!(invited.status(), 303);
            let offers: Value = app.get_as(&olga, "/api/v1/accounts")?.json()?;
            assert_eq!(offers["data"], json!([]));
            let invitation = offers["invitations"][0]["id"]
                .as_str()
                .context("an offer")?
                .to_string();
            assert_eq!(offers["invitations"][0]["account_name"], "Acme Robotics");
            let page = expect_status(app.get_as(&olga, "/accounts/new")?, 200)?;
            assert!(page.contains("Join Acme Robotics"), "{page}");

            // Someone else's invitation id is not theirs to accept.
            let csrf = app.csrf_on(&olga, "/accounts/new")?;
            let foreign = post(
                app,
                &olga,
                &csrf,
                "/accounts/join",
                &[("invitation", "inv_demo_dee")],
            )?;
            assert_eq!(foreign.status(), 404);

            let joined = post(
                app,
                &olga,
                &csrf,
                "/accounts/join",
                &[("invitation", &invitation)],
            )?;
            assert_eq!(joined.status(), 303);
            assert_eq!(joined.headers()["location"], "/dashboard");
            let olga = with_account(&olga, &joined)?;
            let me: Value = app.get_as(&olga, "/api/v1/me")?.json()?;
            assert_eq!(me["account"]["account_name"], "Acme Robotics");
            assert_eq!(me["account"]["role"], "billing");
            Ok(())
        },
    )
}

#[test]
fn the_api_starts_an_account_for_a_newcomer() -> Result<()> {
    let Some(app) = TestApp::start(Backend::Sqlite, "api_starts_an_account")? else {
        return Ok(());
    };
    let pia = app.sign_in("pia@bistro.example")?;
    let csrf = app.csrf_on(&pia, "/accounts/new")?;
    let bad = app
        .as_user(&pia, Method::POST, "/api/v1/accounts")
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "Pia GmbH", "country": "Germany" }))
        .send()?;
    assert_eq!(bad.status(), 422);
    let problem: Value = bad.json()?;
    assert_eq!(problem["errors"][0]["field"], "country", "{problem}");
    let no_csrf = app
        .as_user(&pia, Method::POST, "/api/v1/accounts")
        .json(&json!({ "name": "Pia GmbH", "country": "DE" }))
        .send()?;
    assert_eq!(no_csrf.status(), 403);
    let created = app
        .as_user(&pia, Method::POST, "/api/v1/accounts")
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "Pia GmbH", "country": "de" }))
        .send()?;
    assert_eq!(created.status(), 201);
    let account: Value = created.json()?;
    assert_eq!(account["role"], "owner");
    assert_eq!(account["kind"], "customer");
    let listed: Value = app.get_as(&pia, "/api/v1/accounts")?.json()?;
    assert_eq!(listed["data"][0]["id"], account["id"]);
    Ok(())
}

/// Sends `requests` at once and returns their statuses.
fn at_once(app: &TestApp, who: &Session, csrf: &str, bodies: Vec<Value>) -> Result<Vec<u16>> {
    let handles: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let req = app
                .as_user(who, Method::POST, "/api/v1/tenants")
                .header("x-csrf-token", csrf)
                .json(&body);
            thread::spawn(move || req.send().map(|r| r.status().as_u16()))
        })
        .collect();
    handles
        .into_iter()
        .map(|h| {
            h.join()
                .map_err(|_| anyhow::anyhow!("request thread panicked"))?
                .map_err(Into::into)
        })
        .collect()
}

#[test]
fn one_slug_and_the_plans_allowance_hold_under_concurrency() -> Result<()> {
    each_backend(
        "one_slug_and_the_plans_allowance_hold_under_concurrency",
        |app| {
            // Acme's Cloud Pro allows five workspaces and two are in use.
            let ada = app.sign_in("ada@acme.example")?;
            let csrf = app.csrf(&ada)?;
            let same: Vec<Value> = (0..6)
                .map(|i| json!({ "name": format!("Race {i}"), "slug": "acme-race", "template": "tpl_pro_19" }))
                .collect();
            let mut statuses = at_once(app, &ada, &csrf, same)?;
            statuses.sort_unstable();
            assert_eq!(statuses, [201, 422, 422, 422, 422, 422]);
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenants WHERE slug = 'acme-race'")?,
                1
            );

            // Two places are left: eight different slugs at once give exactly two.
            let many: Vec<Value> = (0..8)
                .map(|i| json!({ "name": format!("Many {i}"), "slug": format!("acme-many-{i}"), "template": "tpl_basic_18" }))
                .collect();
            let statuses = at_once(app, &ada, &csrf, many)?;
            assert_eq!(
                statuses.iter().filter(|s| **s == 201).count(),
                2,
                "{statuses:?}"
            );
            assert_eq!(
                statuses.iter().filter(|s| **s == 409).count(),
                6,
                "{statuses:?}"
            );
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenants WHERE account_id = 'acc_demo_acme' AND status <> 'deleted'")?,
                5
            );
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM provisioning_jobs")?,
                3,
                "one job per workspace created, none for a refusal"
            );
            Ok(())
        },
    )
}

fn sign(timestamp: i64, body: &[u8]) -> String {
    stub::signature(PROVISIONER_KEY.as_bytes(), timestamp, body)
}

/// POSTs `body` to a provisioner route, signed at `timestamp` (or with `signature`).
fn signed(
    app: &TestApp,
    path: &str,
    body: &Value,
    timestamp: i64,
    signature: Option<&str>,
) -> Result<reqwest::blocking::Response> {
    let raw = body.to_string();
    let sig = signature.map_or_else(|| sign(timestamp, raw.as_bytes()), str::to_string);
    Ok(app
        .host
        .client()
        .post(app.host.url(path))
        .header("content-type", "application/json")
        .header("pulse-timestamp", timestamp.to_string())
        .header("pulse-signature", sig)
        .body(raw)
        .send()?)
}

fn status_of(app: &TestApp, slug: &str) -> Result<String> {
    for status in [
        "provisioning",
        "active",
        "failed",
        "suspended",
        "deleting",
        "deleted",
    ] {
        let n = app.sql_count(&format!(
            "SELECT COUNT(*) FROM tenants WHERE slug = '{slug}' AND status = '{status}'"
        ))?;
        if n == 1 {
            return Ok(status.to_string());
        }
    }
    anyhow::bail!("no tenant {slug}")
}

#[test]
fn jobs_reach_the_provisioner_signed_and_its_reports_apply_once_and_only_forwards() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let provisioner = Stub::start(503)?;
        let Some(app) = TestApp::builder(backend)
            .variable("provisioner_url", &provisioner.url("/jobs"))
            .variable("provisioner_origin", &provisioner.url(""))
            .variable("provisioner_key", PROVISIONER_KEY)
            .start("provisioner_jobs_and_events")?
        else {
            continue;
        };
        let ada = app.sign_in("ada@acme.example")?;
        let csrf = app.csrf(&ada)?;
        let created = app
            .as_user(&ada, Method::POST, "/api/v1/tenants")
            .header("x-csrf-token", &csrf)
            .json(&json!({ "name": "Lab", "slug": "acme-lab", "template": "tpl_pro_19" }))
            .send()?;
        let tenant: Value = created.json()?;
        assert_eq!(tenant["status"], "provisioning", "{tenant}");
        let tenant_id = tenant["id"].as_str().context("id")?.to_string();

        // The provisioner was down: the job is kept with its error, to be retried.
        assert_eq!(provisioner.received().len(), 1);
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM provisioning_jobs WHERE delivered_at IS NULL AND attempts = 1 AND last_error LIKE '%503%'")?,
            1
        );

        // A scheduler's run must be signed; a signed one delivers the due job.
        let unsigned = signed(
            &app,
            "/api/v1/provisioner/run",
            &json!({}),
            now(),
            Some("v1=00"),
        )?;
        assert_eq!(unsigned.status(), 403);
        app.sql("UPDATE provisioning_jobs SET next_attempt_at = '2000-01-01T00:00:00Z'")?;
        provisioner.answer(202);
        let run: Value =
            signed(&app, "/api/v1/provisioner/run", &json!({}), now(), None)?.json()?;
        assert_eq!(run["delivered"], 1, "{run}");
        let received = provisioner.received();
        let job = received.last().context("a delivery")?;
        assert_eq!(job.method, "POST");
        assert_eq!(job.path, "/jobs");
        let ts: i64 = job.headers["pulse-timestamp"].parse()?;
        assert_eq!(
            job.headers["pulse-signature"],
            sign(ts, &job.body),
            "signed over the raw body"
        );
        let payload: Value = serde_json::from_slice(&job.body)?;
        assert_eq!(payload["action"], "create");
        assert_eq!(payload["tenant"], tenant_id.as_str());
        assert_eq!(payload["data"]["hostname"], "acme-lab.planapulse.app");
        let job_id = payload["job"].as_str().context("job id")?.to_string();
        assert_eq!(job.headers["idempotency-key"], job_id);
        assert_eq!(
            status_of(&app, "acme-lab")?,
            "provisioning",
            "acknowledged is not done"
        );

        // Reports: refused unsigned or stale, applied once, replays and regressions ignored.
        let active =
            json!({ "id": "evt_1", "job": job_id, "tenant": tenant_id, "status": "active" });
        let forged = signed(
            &app,
            "/api/v1/provisioner/events",
            &active,
            now(),
            Some(&sign(now(), b"{}")),
        )?;
        assert_eq!(forged.status(), 403);
        let stale = signed(
            &app,
            "/api/v1/provisioner/events",
            &active,
            now() - 600,
            None,
        )?;
        assert_eq!(stale.status(), 403);
        assert_eq!(status_of(&app, "acme-lab")?, "provisioning");
        let applied: Value =
            signed(&app, "/api/v1/provisioner/events", &active, now(), None)?.json()?;
        assert_eq!(applied["outcome"], "applied", "{applied}");
        assert_eq!(status_of(&app, "acme-lab")?, "active");
        let replay: Value =
            signed(&app, "/api/v1/provisioner/events", &active, now(), None)?.json()?;
        assert_eq!(replay["outcome"], "duplicate");
        let late_failure =
            json!({ "id": "evt_2", "job": job_id, "tenant": tenant_id, "status": "failed" });
        let ignored: Value = signed(
            &app,
            "/api/v1/provisioner/events",
            &late_failure,
            now(),
            None,
        )?
        .json()?;
        assert_eq!(ignored["outcome"], "ignored");
        assert_eq!(status_of(&app, "acme-lab")?, "active", "never backwards");
        let foreign = json!({ "id": "evt_3", "job": job_id, "tenant": "ten_demo_globex", "status": "active" });
        assert_eq!(
            signed(&app, "/api/v1/provisioner/events", &foreign, now(), None)?.status(),
            404
        );
        assert_eq!(app.sql_count("SELECT COUNT(*) FROM provisioner_events")?, 2);
    }
    Ok(())
}

#[test]
fn a_workspace_is_suspended_resumed_and_deleted_after_a_grace_period_that_can_be_undone()
-> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::builder(backend)
            .variable("provisioner_key", PROVISIONER_KEY)
            .start("workspace_lifecycle")?
        else {
            continue;
        };
        let app = &app;
        let ada = app.sign_in("ada@acme.example")?;
        let csrf = app.csrf(&ada)?;
        let created: Value = app
            .as_user(&ada, Method::POST, "/api/v1/tenants")
            .header("x-csrf-token", &csrf)
            .json(&json!({ "name": "Trial", "slug": "acme-trial", "template": "tpl_basic_19" }))
            .send()?
            .json()?;
        assert_eq!(created["status"], "active", "{created}");
        let id = created["id"].as_str().context("id")?.to_string();
        let page = expect_status(app.get_as(&ada, &format!("/cloud/{id}"))?, 200)?;
        assert!(page.contains(&format!("/cloud/{id}/suspend")), "{page}");

        // Suspend after a confirmation page, then resume.
        let confirm = expect_status(app.get_as(&ada, &format!("/cloud/{id}/suspend"))?, 200)?;
        assert!(confirm.contains("Suspend workspace"), "{confirm}");
        let resp = app.post_as(&ada, &format!("/cloud/{id}/suspend"), &[])?;
        assert_eq!(resp.status(), 303);
        assert_eq!(
            resp.headers()["location"],
            format!("/cloud/{id}?done=suspend").as_str()
        );
        assert_eq!(status_of(app, "acme-trial")?, "suspended");
        assert_eq!(
            app.get("/acme-trial")?.status(),
            302,
            "a suspended workspace keeps its address"
        );
        let again = app.post_as(&ada, &format!("/cloud/{id}/suspend"), &[])?;
        let body = expect_status(again, 409)?;
        assert!(body.contains("already suspended"), "{body}");
        let resp = app.post_as(&ada, &format!("/cloud/{id}/resume"), &[])?;
        assert_eq!(resp.status(), 303);
        assert_eq!(status_of(app, "acme-trial")?, "active");

        // Deleting needs a fresh verification and the address typed.
        app.sql(
            "UPDATE sessions SET verified_at = verified_at - 3600 WHERE user_id = 'usr_demo_ada'",
        )?;
        let stale = app.post_as(
            &ada,
            &format!("/cloud/{id}/delete"),
            &[("confirm", "acme-trial")],
        )?;
        assert_eq!(stale.status(), 303);
        ensure!(
            stale.headers()["location"]
                .to_str()?
                .starts_with("/security/verify"),
            "{:?}",
            stale.headers()["location"]
        );
        assert_eq!(status_of(app, "acme-trial")?, "active");
        let ada = app.sign_in("ada@acme.example")?;
        let wrong = app.post_as(&ada, &format!("/cloud/{id}/delete"), &[("confirm", "acme")])?;
        let body = expect_status(wrong, 422)?;
        assert!(body.contains("Type acme-trial to confirm"), "{body}");
        assert_eq!(status_of(app, "acme-trial")?, "active");

        let deleted = app.post_as(
            &ada,
            &format!("/cloud/{id}/delete"),
            &[("confirm", "acme-trial")],
        )?;
        assert_eq!(deleted.status(), 303);
        assert_eq!(status_of(app, "acme-trial")?, "deleting");
        assert_eq!(app.get("/acme-trial")?.status(), 404, "stops at once");
        assert_eq!(
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM provisioning_jobs WHERE tenant_id = '{id}' AND action = 'delete'
                   AND delivered_at IS NULL AND next_attempt_at > '{}'",
                pulse_core::time::rfc3339(now() + 6 * 86_400)
            ))?,
            1,
            "the deletion waits for the grace period"
        );
        let detail = expect_status(app.get_as(&ada, &format!("/cloud/{id}"))?, 200)?;
        assert!(detail.contains("Waiting for deletion on"), "{detail}");

        // Restored within the grace period: back as it was, the deletion job gone.
        let restored = app.post_as(&ada, &format!("/cloud/{id}/restore"), &[])?;
        assert_eq!(restored.status(), 303);
        assert_eq!(status_of(app, "acme-trial")?, "active");
        assert_eq!(
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM provisioning_jobs WHERE tenant_id = '{id}' AND action = 'delete'"
            ))?,
            0
        );

        // Deleted again; when the grace period is over the worker completes it.
        let deleted = app.post_as(
            &ada,
            &format!("/cloud/{id}/delete"),
            &[("confirm", "acme-trial")],
        )?;
        assert_eq!(deleted.status(), 303);
        app.sql("UPDATE provisioning_jobs SET next_attempt_at = '2000-01-01T00:00:00Z' WHERE action = 'delete'")?;
        let run: Value = signed(app, "/api/v1/provisioner/run", &json!({}), now(), None)?.json()?;
        assert_eq!(run["completed_locally"], 1, "{run}");
        assert_eq!(status_of(app, "acme-trial")?, "deleted");
        assert_eq!(
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM tenants WHERE id = '{id}' AND deleted_at IS NOT NULL"
            ))?,
            1
        );
        let too_late = app.post_as(&ada, &format!("/cloud/{id}/restore"), &[])?;
        assert_eq!(too_late.status(), 404);

        // A workspace a live subscription pays for is not deleted, and the refusal says which.
        let paid = app.post_as(&ada, "/cloud/ten_demo_acme/delete", &[("confirm", "acme")])?;
        let body = expect_status(paid, 409)?;
        assert!(
            body.contains("Pulse Cloud Pro subscription (sub_demo_acme)"),
            "{body}"
        );
        assert_eq!(status_of(app, "acme")?, "active");

        // The API takes the same steps, and refuses what does not fit the state.
        let csrf = app.csrf(&ada)?;
        let busy = app
            .as_user(
                &ada,
                Method::POST,
                "/api/v1/tenants/ten_demo_acmestg/suspend",
            )
            .header("x-csrf-token", &csrf)
            .send()?;
        assert_eq!(busy.status(), 409);
        let problem: Value = busy.json()?;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("still being created"),
            "{problem}"
        );
        assert_eq!(
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE target = '{id}' AND action LIKE 'tenant.%'"
            ))?,
            6,
            "created, suspended, resumed, deleted, restored, deleted"
        );
    }
    Ok(())
}

#[test]
fn a_workspace_is_renamed_gets_a_production_alias_and_test_copies() -> Result<()> {
    each_backend(
        "a_workspace_is_renamed_gets_a_production_alias_and_test_copies",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let page = expect_status(app.get_as(&ada, "/cloud/ten_demo_acme")?, 200)?;
            assert!(
                page.contains("value=\"acme\""),
                "the current alias label: {page}"
            );

            // Rename: the display name only.
            let renamed =
                app.post_as(&ada, "/cloud/ten_demo_acme/rename", &[("name", "Acme HQ")])?;
            assert_eq!(renamed.status(), 303);
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenants WHERE id = 'ten_demo_acme' AND name = 'Acme HQ' AND slug = 'acme'")?,
                1
            );
            let empty = app.post_as(&ada, "/cloud/ten_demo_acme/rename", &[("name", " ")])?;
            assert!(expect_status(empty, 422)?.contains("display name of at most 80"));

            // The alias replaces the previous one; a reserved or taken name is refused.
            let reserved =
                app.post_as(&ada, "/cloud/ten_demo_acme/alias", &[("alias", "admin")])?;
            let body = expect_status(reserved, 422)?;
            assert!(body.contains("reserved"), "{body}");
            assert!(body.contains("value=\"admin\""), "what was typed is kept");
            let set = app.post_as(
                &ada,
                "/cloud/ten_demo_acme/alias",
                &[("alias", "acme-prod")],
            )?;
            assert_eq!(set.status(), 303);
            assert_eq!(
                app.sql_count(
                    "SELECT COUNT(*) FROM tenant_aliases WHERE tenant_id = 'ten_demo_acme'"
                )?,
                1
            );
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenant_aliases WHERE hostname = 'acme-prod.planapulse.online'")?,
                1
            );
            app.sql("INSERT INTO tenant_aliases (hostname, tenant_id, created_at) VALUES ('taken.planapulse.online', 'ten_demo_globex', '2026-01-01T00:00:00Z')")?;
            let taken = app.post_as(&ada, "/cloud/ten_demo_acme/alias", &[("alias", "taken")])?;
            assert!(expect_status(taken, 422)?.contains("already taken"));
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenant_aliases WHERE hostname = 'acme-prod.planapulse.online'")?,
                1,
                "a refusal keeps the alias as it was"
            );
            let removed = app.post_as(&ada, "/cloud/ten_demo_acme/alias", &[("alias", "")])?;
            assert_eq!(removed.status(), 303);
            assert_eq!(
                app.sql_count(
                    "SELECT COUNT(*) FROM tenant_aliases WHERE tenant_id = 'ten_demo_acme'"
                )?,
                0
            );

            // Test copies: mail off, 15 days, at most five; each a job completed locally.
            for n in 1..=5 {
                let made = app.post_as(&ada, "/cloud/ten_demo_acme/copies", &[])?;
                assert_eq!(made.status(), 303, "copy {n}");
            }
            let sixth = app.post_as(&ada, "/cloud/ten_demo_acme/copies", &[])?;
            assert!(expect_status(sixth, 422)?.contains("at most 5 test copies"));
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenant_copies WHERE tenant_id = 'ten_demo_acme' AND status = 'ready' AND mail_enabled = 0")?,
                5
            );
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenant_copies WHERE hostname = 'acme--test-1.planapulse.app'")?,
                1
            );
            let page = expect_status(app.get_as(&ada, "/cloud/ten_demo_acme")?, 200)?;
            assert!(page.contains("acme--test-5.planapulse.app"), "{page}");
            assert!(page.contains("outgoing mail off"), "{page}");
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM provisioning_jobs WHERE tenant_id = 'ten_demo_acme' AND action IN ('alias', 'copy') AND delivered_at IS NOT NULL")?,
                7
            );
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM audit_log WHERE target = 'ten_demo_acme' AND action IN ('tenant.renamed', 'tenant.alias', 'tenant.copied')")?,
                8
            );

            // Members without the right see the copies but no settings.
            let cy = app.sign_in("cy@acme.example")?;
            let page = expect_status(app.get_as(&cy, "/cloud/ten_demo_acme")?, 200)?;
            assert!(!page.contains("/cloud/ten_demo_acme/rename"), "{page}");
            let refused = app.post_as(&cy, "/cloud/ten_demo_acme/rename", &[("name", "Mine")])?;
            assert_eq!(refused.status(), 403);
            Ok(())
        },
    )
}

#[test]
fn integrations_are_turned_on_per_workspace_with_secrets_never_shown_again() -> Result<()> {
    each_backend(
        "integrations_are_turned_on_per_workspace_with_secrets_never_shown_again",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let catalog = expect_status(app.get_as(&ada, "/integrations")?, 200)?;
            assert!(
                catalog.contains("/cloud/ten_demo_acme/integrations"),
                "{catalog}"
            );
            let path = "/cloud/ten_demo_acme/integrations/matrix";

            // Every field is required; what was typed comes back, the secret never does.
            let refused = app.post_as(
                &ada,
                path,
                &[
                    ("action", "enable"),
                    ("homeserver", "http://matrix.acme.example"),
                    ("room", "!ops:acme"),
                    ("access_token", ""),
                ],
            )?;
            let page = expect_status(refused, 422)?;
            assert!(page.contains("must be an https:// address"), "{page}");
            assert!(page.contains("Enter the access token"), "{page}");
            assert!(page.contains("value=\"!ops:acme\""), "{page}");
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenant_integrations")?,
                0
            );

            let on = app.post_as(
                &ada,
                path,
                &[
                    ("action", "enable"),
                    ("homeserver", "https://matrix.acme.example"),
                    ("room", "!ops:acme"),
                    ("access_token", "syt_secret_token_1"),
                ],
            )?;
            assert_eq!(on.status(), 303);
            let page = expect_status(app.get_as(&ada, "/cloud/ten_demo_acme/integrations")?, 200)?;
            assert!(page.contains("https://matrix.acme.example"), "{page}");
            assert!(
                !page.contains("syt_secret_token_1"),
                "a secret is never shown again"
            );
            assert!(page.contains("Stored: leave empty to keep it"), "{page}");
            let api: Value = app
                .get_as(&ada, "/api/v1/tenants/ten_demo_acme/integrations")?
                .json()?;
            assert!(!api.to_string().contains("syt_secret_token_1"), "{api}");
            assert_eq!(api["data"][0]["secrets_set"], json!(["access_token"]));

            // Saving again with the secret left empty keeps it.
            let saved = app.post_as(
                &ada,
                path,
                &[
                    ("action", "enable"),
                    ("homeserver", "https://matrix.acme.example"),
                    ("room", "!support:acme"),
                    ("access_token", ""),
                ],
            )?;
            assert_eq!(saved.status(), 303);
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenant_integrations WHERE integration = 'matrix' AND enabled = 1 AND secrets LIKE '%syt_secret_token_1%' AND settings LIKE '%!support:acme%'")?,
                1
            );

            // Off, settings kept; another account's workspace is not there.
            let off = app.post_as(&ada, path, &[("action", "disable")])?;
            assert_eq!(off.status(), 303);
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM tenant_integrations WHERE integration = 'matrix' AND enabled = 0 AND settings LIKE '%!support:acme%'")?,
                1
            );
            let foreign = app.post_as(
                &ada,
                "/cloud/ten_demo_globex/integrations/matrix",
                &[
                    ("action", "enable"),
                    ("homeserver", "https://m.example"),
                    ("room", "!r:x"),
                    ("access_token", "t"),
                ],
            )?;
            assert_eq!(foreign.status(), 404);
            assert_eq!(
                app.get_as(&ada, "/cloud/ten_demo_globex/integrations")?
                    .status(),
                404
            );
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'integration.%' AND target = 'ten_demo_acme' AND detail = 'Matrix'")?,
                3
            );
            Ok(())
        },
    )
}
