//! Data export and deletion (GDPR Articles 15, 17 and 20), and managing a subscription by a
//! mailed link: the archive covers every table of the live schema that holds account data,
//! signed-out requests wait for their address to be proven, deletion waits its grace period,
//! can be cancelled, is refused while something still runs, and then leaves no personal data
//! in any text column of any table while the invoices stay.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use pulse_core::store::privacy::{OUTSIDE, TABLES};
use pulse_tests::app::{Session, TestApp, expect_status};
use pulse_tests::{random_suffix, stub};
use reqwest::Method;
use serde_json::Value;

use super::each_backend;

const SCHEDULER_KEY: &str = "scheduler-key-for-privacy-tests-0123456789";

/// The path and query of an absolute link.
fn path_of(link: &str) -> String {
    let rest = link.split_once("://").map_or(link, |(_, r)| r);
    rest.find('/').map_or("/".into(), |i| rest[i..].to_string())
}

/// The links of the newest message to `to` whose subject contains `subject`.
fn links_in(app: &TestApp, to: &str, subject: &str) -> Result<Vec<String>> {
    let mail = app
        .mailbox(to)?
        .into_iter()
        .find(|m| m["subject"].as_str().unwrap_or_default().contains(subject))
        .with_context(|| format!("no mail to {to} about {subject:?}"))?;
    Ok(mail["links"]
        .as_array()
        .context("links")?
        .iter()
        .filter_map(Value::as_str)
        .map(path_of)
        .collect())
}

/// Waits until the status page at `path` (as `who`, or signed out) shows `status`; each visit
/// runs the worker after its response.
fn wait_for(app: &TestApp, who: Option<&Session>, path: &str, status: &str) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let resp = match who {
            Some(s) => app.get_as(s, path)?,
            None => app.get(path)?,
        };
        let page = expect_status(resp, 200)?;
        if page.contains(&format!(">{status}</span>")) {
            return Ok(page);
        }
        if Instant::now() > deadline {
            bail!("{path} never showed {status}: {page}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits until the demo's export, asked for yesterday and queued, is prepared: the first
/// request that touches it sets off the work.
fn demo_export_prepared(app: &TestApp, who: &Session) -> Result<()> {
    wait_for(app, Some(who), "/privacy/requests/drq_demo_export", "ready").map(|_| ())
}

/// Posts `form` (with the session's CSRF token) and returns the redirect's location.
fn post_redirect(
    app: &TestApp,
    who: &Session,
    path: &str,
    form: &[(&str, &str)],
) -> Result<String> {
    let resp = app.post_as(who, path, form)?;
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap_or_default().to_string());
    match location {
        Some(l) if status == 303 => Ok(l),
        _ => bail!("{path} answered {status}: {}", resp.text()?),
    }
}

/// A signed, scheduler's call to the privacy worker.
fn scheduler_run(app: &TestApp) -> Result<Value> {
    let ts = stub::now();
    let resp = app
        .host
        .client()
        .post(app.host.url("/api/v1/privacy/run"))
        .header("pulse-timestamp", ts.to_string())
        .header(
            "pulse-signature",
            stub::signature(SCHEDULER_KEY.as_bytes(), ts, b""),
        )
        .send()?;
    Ok(serde_json::from_str(&expect_status(resp, 200)?)?)
}

#[test]
fn an_owner_exports_the_account_as_a_zip_covering_every_table_of_the_live_schema() -> Result<()> {
    each_backend("privacy_export_by_owner", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        // The demo's export, asked for yesterday, is prepared once a request touches it.
        demo_export_prepared(app, &ada)?;
        let page = expect_status(app.get_as(&ada, "/privacy/export")?, 200)?;
        assert!(page.contains("Prepare the export"), "{page}");

        let status = post_redirect(app, &ada, "/privacy/export", &[])?;
        let id = status
            .strip_prefix("/privacy/requests/")
            .context("status page")?
            .to_string();
        let ready = wait_for(app, Some(&ada), &status, "ready")?;
        assert!(ready.contains("Answer due by"), "{ready}");
        assert!(ready.contains("Download the archive"), "{ready}");
        assert_eq!(
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'privacy.export_requested' AND target = '{id}'"
            ))?,
            1
        );

        // The mailed link downloads it signed out; the owner downloads it signed in.
        let links = links_in(app, "ada@acme.example", "data export is ready")?;
        let download = links
            .iter()
            .find(|l| l.starts_with(&format!("/privacy/requests/{id}/archive?token=")))
            .context("download link")?;
        let resp = app.get(download)?;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/zip");
        let zip = resp.bytes()?.to_vec();
        let signed_in = app.get_as(&ada, &format!("/privacy/requests/{id}/archive"))?;
        assert_eq!(signed_in.status(), 200);
        let files = pulse_tests::unzip(&zip)?;

        // Every table of the live schema is in the archive, or named as holding no account
        // data: a new table without export coverage fails here.
        for table in app.tables()? {
            let outside = OUTSIDE.iter().any(|(t, _)| *t == table);
            let file = format!("{table}.json");
            ensure!(
                outside || files.contains_key(&file),
                "table {table} is neither exported nor listed in privacy::OUTSIDE"
            );
            ensure!(
                !outside || !app.text_columns(&table)?.iter().any(|c| c == "account_id"),
                "{table} has an account_id yet is listed as holding no account data"
            );
            if !outside {
                ensure!(
                    files["README.md"].contains(&file),
                    "the README does not say what {file} holds"
                );
            }
        }
        assert_eq!(
            files.len(),
            TABLES.len() + 2,
            "README, about and one file per table"
        );
        let json = |name: &str| -> Result<Vec<Value>> {
            serde_json::from_str::<Value>(&files[name])?
                .as_array()
                .cloned()
                .context("an array")
        };
        // The rows are the account's own, and all of them.
        let accounts = json("accounts.json")?;
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0]["id"], "acc_demo_acme");
        assert_eq!(accounts[0]["name"], "Acme Robotics");
        let users = json("users.json")?;
        for who in ["ada@acme.example", "bob@acme.example", "cy@acme.example"] {
            assert!(users.iter().any(|u| u["email"] == who), "{who} missing");
        }
        assert!(!users.iter().any(|u| u["email"] == "mia@northwind.example"));
        for (file, table) in [
            ("invoices.json", "invoices"),
            ("licenses.json", "licenses"),
            ("subscriptions.json", "subscriptions"),
            ("tenants.json", "tenants"),
        ] {
            let held = app.sql_count(&format!(
                "SELECT COUNT(*) FROM {table} WHERE account_id = 'acc_demo_acme'"
            ))?;
            assert!(held > 0, "the demo account has {table}");
            assert_eq!(json(file)?.len() as i64, held, "{file}");
        }
        assert!(
            json("mail_outbox.json")?
                .iter()
                .any(|m| m["recipient"] == "ada@acme.example"),
            "the mail sent is in it"
        );
        // Credentials never leave.
        for (name, body) in &files {
            for secret in ["token_hash", "\"secrets\"", "access_hash", "key_hash"] {
                assert!(!body.contains(secret), "{name} holds {secret}");
            }
        }
        let about: Value = serde_json::from_str(&files["about.json"])?;
        for field in ["purposes", "recipients", "retention", "source", "rights"] {
            assert!(
                !about[field].is_null(),
                "about.json says nothing of {field}"
            );
        }

        // Nobody else reaches it: another account's owner, a wrong token, signed out.
        let mia = app.sign_in("mia@northwind.example")?;
        for resp in [
            app.get_as(&mia, &status)?,
            app.get_as(&mia, &format!("/privacy/requests/{id}/archive"))?,
            app.get(&format!("/privacy/requests/{id}?token=wrong"))?,
            app.get(&format!("/privacy/requests/{id}/archive"))?,
        ] {
            let page = expect_status(resp, 404)?;
            assert!(page.contains("This link does not work"), "{page}");
        }
        // Once its period is over, the archive is gone.
        app.sql(&format!(
            "UPDATE data_requests SET archive_expires_at = '2020-01-01T00:00:00Z' WHERE id = '{id}'"
        ))?;
        let gone = expect_status(app.get(download)?, 410)?;
        assert!(gone.contains("Ask for a new export"), "{gone}");
        Ok(())
    })
}

#[test]
fn a_signed_out_request_goes_ahead_only_once_its_address_confirms_it() -> Result<()> {
    each_backend("privacy_signed_out_proof", |app| {
        // The demo's queued export is prepared after the first request that touches data
        // requests; let that happen before comparing the work two requests do.
        let ada = app.sign_in("ada@acme.example")?;
        demo_export_prepared(app, &ada)?;
        // The same answer, and the same work, for a known and an unknown address.
        let known = app.post_form(&[], "/privacy/export", &[("email", "ada@acme.example")])?;
        let known_calls = app.calls(&known)?;
        assert_eq!(known.status(), 201);
        let known_page = known.text()?;
        let unknown = app.post_form(
            &[],
            "/privacy/export",
            &[("email", "nobody@nowhere.example")],
        )?;
        let unknown_calls = app.calls(&unknown)?;
        assert_eq!(unknown.status(), 201);
        let unknown_page = unknown.text()?;
        assert_eq!(known_calls.sql_statements, unknown_calls.sql_statements);
        let strip = |page: &str, email: &str| {
            let page = page.replace(email, "EMAIL");
            page.split("drq_").next().unwrap_or_default().to_string()
        };
        assert_eq!(
            strip(&known_page, "ada@acme.example"),
            strip(&unknown_page, "nobody@nowhere.example")
        );
        // Nothing is queued until the address confirms (the demo's own export aside).
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM data_requests WHERE status <> 'awaiting_proof' AND id <> 'drq_demo_export'")?,
            0
        );

        let link = links_in(app, "ada@acme.example", "Confirm the export")?
            .into_iter()
            .find(|l| l.starts_with("/privacy/requests/"))
            .context("status link")?;
        let (status_path, token) = link.split_once("?token=").context("token")?;
        let page = expect_status(app.get(&link)?, 200)?;
        assert!(
            page.contains("Acme Robotics"),
            "it says what it covers: {page}"
        );
        assert!(page.contains("Confirm the export"), "{page}");
        let confirm_path = format!("{status_path}/confirm");
        let confirmed = app.post_form(&[], &confirm_path, &[("token", token)])?;
        assert_eq!(confirmed.status(), 303);
        assert_eq!(confirmed.headers()["location"], link.as_str());
        // The link confirms once.
        let again = expect_status(app.post_form(&[], &confirm_path, &[("token", token)])?, 410)?;
        assert!(again.contains("already confirmed"), "{again}");
        wait_for(app, None, &link, "ready")?;
        let download = links_in(app, "ada@acme.example", "data export is ready")?
            .into_iter()
            .find(|l| l.contains("/archive?token="))
            .context("download link")?;
        let files = pulse_tests::unzip(&app.get(&download)?.bytes()?)?;
        assert!(files["accounts.json"].contains("acc_demo_acme"));
        assert!(
            !files["accounts.json"].contains("acc_demo_northwind"),
            "ada only administers Northwind; she owns Acme"
        );

        // The unknown address's request, confirmed, covers only what is held about it.
        let link = links_in(app, "nobody@nowhere.example", "Confirm the export")?
            .into_iter()
            .find(|l| l.starts_with("/privacy/requests/"))
            .context("status link")?;
        let (status_path, token) = link.split_once("?token=").context("token")?;
        let page = expect_status(app.get(&link)?, 200)?;
        assert!(page.contains("owns no account"), "{page}");

        // A confirmation link is good for 30 minutes only.
        app.sql(&format!(
            "UPDATE data_requests SET created_at = '2020-01-01T00:00:00Z' WHERE id = '{}'",
            status_path.trim_start_matches("/privacy/requests/")
        ))?;
        let late = expect_status(
            app.post_form(&[], &format!("{status_path}/confirm"), &[("token", token)])?,
            410,
        )?;
        assert!(late.contains("30 minutes"), "{late}");
        assert_eq!(
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM data_requests WHERE id = '{}' AND status = 'awaiting_proof'",
                status_path.trim_start_matches("/privacy/requests/")
            ))?,
            1
        );
        // Asking over and over is limited per address.
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(
                app.post_form(
                    &[],
                    "/privacy/delete",
                    &[("email", "nobody@nowhere.example")],
                )?
                .status()
                .as_u16(),
            );
        }
        assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
        // A wrong token changes nothing.
        expect_status(
            app.post_form(&[], &format!("{status_path}/confirm"), &[("token", "nope")])?,
            404,
        )?;
        Ok(())
    })
}

#[test]
fn deletion_is_refused_while_subscriptions_or_workspaces_run_saying_which() -> Result<()> {
    each_backend("privacy_deletion_blocked", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        let page = expect_status(app.post_as(&ada, "/privacy/delete", &[])?, 409)?;
        assert!(page.contains("Nothing was changed"), "{page}");
        assert!(page.contains("The subscription"), "{page}");
        assert!(page.contains("is active"), "{page}");
        assert!(page.contains("The workspace acme"), "{page}");
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM data_requests WHERE id <> 'drq_demo_export'")?,
            0
        );
        // A member who is not an owner cannot ask for the account.
        let bob = app.sign_in("bob@acme.example")?;
        let csrf = app.csrf(&bob)?;
        let api = app
            .as_user(&bob, Method::POST, "/api/v1/privacy/requests")
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({ "kind": "deletion" }))
            .send()?;
        assert_eq!(api.status(), 403);
        Ok(())
    })
}

#[test]
fn a_deletion_waits_its_grace_period_can_be_cancelled_then_erases_every_personal_field()
-> Result<()> {
    for backend in [
        pulse_tests::app::Backend::Sqlite,
        pulse_tests::app::Backend::Postgres,
    ] {
        let Some(app) = TestApp::builder(backend)
            .variable("scheduler_key", SCHEDULER_KEY)
            .start("privacy_deletion")?
        else {
            continue;
        };
        deletion_erases_everything(&app).map_err(|e| e.context(format!("on {backend:?}")))?;
    }
    Ok(())
}

fn deletion_erases_everything(app: &TestApp) -> Result<()> {
    let tag = random_suffix().to_lowercase();
    let email = format!("erin.{tag}@erasure.example");
    let teammate = format!("finn.{tag}@erasure.example");
    let company = format!("Erasure Test Company {tag}");
    let street = format!("{tag} Unique Street 7");
    // A newcomer starts an account and fills it: billing details, a teammate invited, a
    // support ticket, an API token; and an invoice, as tax law keeps.
    let erin = app.sign_in(&email)?;
    let csrf = app.csrf_on(&erin, "/accounts/new")?;
    let created = app
        .as_user(&erin, Method::POST, "/accounts/new")
        .form(&[
            ("name", company.as_str()),
            ("country", "DE"),
            ("csrf", &csrf),
        ])
        .send()?;
    ensure!(created.status() == 303, "account: {}", created.status());
    let erin = Session {
        account: Session::from_response(&created)?.account,
        ..erin
    };
    let account = erin.account.clone().context("account cookie")?;
    let details = app.post_as(
        &erin,
        "/billing/details",
        &[
            ("name", company.as_str()),
            ("country", "DE"),
            ("address", street.as_str()),
            ("tax_id", "DE123456789"),
        ],
    )?;
    ensure!(details.status() == 303, "details: {}", details.text()?);
    let invited = app.post_as(
        &erin,
        "/team/invitations",
        &[("email", teammate.as_str()), ("role", "member")],
    )?;
    ensure!(invited.status() == 303, "invite: {}", invited.text()?);
    let ticket = app.post_as(
        &erin,
        "/support",
        &[("message", format!("Help {company} at {street}").as_str())],
    )?;
    ensure!(ticket.status().as_u16() < 400, "ticket: {}", ticket.text()?);
    let token = app
        .as_user(&erin, Method::POST, "/api/v1/api-tokens")
        .header("x-csrf-token", app.csrf(&erin)?)
        .json(&serde_json::json!({ "name": format!("{tag} automation"), "scope": "write" }))
        .send()?;
    ensure!(token.status() == 201, "token: {}", token.status());
    let invoice = format!("inv_{tag}");
    app.sql(&format!(
        "INSERT INTO invoices (id, account_id, number, status, currency, subtotal, tax, total, issued_at, due_at, paid_at)
         VALUES ('{invoice}', '{account}', 'PA-{tag}', 'paid', 'EUR', 1000, 190, 1190, '2026-01-01T00:00:00Z', '2026-01-15T00:00:00Z', '2026-01-02T00:00:00Z')"
    ))?;

    // Asked for: scheduled after the grace period, cancellable, then asked for again.
    let status = post_redirect(app, &erin, "/privacy/delete", &[])?;
    let id = status.trim_start_matches("/privacy/requests/").to_string();
    let page = wait_for(app, Some(&erin), &status, "scheduled")?;
    assert!(page.contains("Erasure starts after"), "{page}");
    let after = app.strings(
        &format!("SELECT execute_after FROM data_requests WHERE id = '{id}'"),
        &format!("SELECT execute_after FROM data_requests WHERE id = '{id}'"),
    )?;
    let after = pulse_core::time::parse_rfc3339(after.first().context("execute_after")?)
        .context("a time")?;
    let grace = after - stub::now();
    assert!(
        (14 * 86_400 - 120..=14 * 86_400 + 5).contains(&grace),
        "14 days by default, got {grace} seconds"
    );
    assert_eq!(
        post_redirect(app, &erin, &format!("{status}/cancel"), &[])?,
        status
    );
    wait_for(app, Some(&erin), &status, "cancelled")?;
    // A scheduler run before the grace period is over erases nothing.
    let status = post_redirect(app, &erin, "/privacy/delete", &[])?;
    let id = status.trim_start_matches("/privacy/requests/").to_string();
    let run = scheduler_run(app)?;
    assert_eq!(run["erased"], 0, "{run}");
    assert_eq!(
        app.sql_count(&format!(
            "SELECT COUNT(*) FROM accounts WHERE id = '{account}' AND name = '{company}'"
        ))?,
        1
    );
    // The scheduler's call must be signed.
    let unsigned = app
        .host
        .client()
        .post(app.host.url("/api/v1/privacy/run"))
        .header("pulse-timestamp", stub::now().to_string())
        .header("pulse-signature", "v1=00")
        .send()?;
    assert_eq!(unsigned.status(), 403);

    // The grace period ends: the scheduler's run erases it.
    app.sql(&format!(
        "UPDATE data_requests SET execute_after = '2020-01-01T00:00:00Z' WHERE id = '{id}'"
    ))?;
    let run = scheduler_run(app)?;
    assert_eq!(run["erased"], 1, "{run}");

    // Her people lose access at once: the session is gone, and so is its refresh.
    let home = app.get_as(&erin, "/dashboard")?;
    assert_eq!(home.status(), 303);
    let refresh = home.headers()["location"].to_str()?.to_string();
    assert!(refresh.starts_with("/api/auth/refresh"), "{refresh}");
    let refused = app.get_as(&erin, &refresh)?;
    assert_eq!(refused.status(), 303);
    assert!(
        refused.headers()["location"]
            .to_str()?
            .starts_with("/login"),
        "signed out, not sent to {:?}",
        refused.headers()["location"]
    );
    let api = app.get_as(&erin, "/api/v1/me")?;
    assert_eq!(api.status(), 401);
    // No text column of any table holds the account's names, addresses or emails...
    let needles = [
        email.as_str(),
        teammate.as_str(),
        company.as_str(),
        street.as_str(),
        tag.as_str(),
    ];
    let mut found = Vec::new();
    for table in app.tables()? {
        for column in app.text_columns(&table)? {
            for needle in needles {
                // The invoice's own id and number carry the tag: the kept invoice is the point.
                if table == "invoices" && (column == "id" || column == "number") {
                    continue;
                }
                let n = app.sql_count(&format!(
                    "SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%{needle}%'"
                ))?;
                if n > 0 {
                    found.push(format!("{table}.{column} holds {needle} ({n} rows)"));
                }
            }
        }
    }
    ensure!(found.is_empty(), "personal data left: {found:#?}");
    // ...while its invoice stays, and the activity log says it happened, with no actor.
    assert_eq!(
        app.sql_count(&format!(
            "SELECT COUNT(*) FROM invoices WHERE id = '{invoice}' AND account_id = '{account}' AND total = 1190"
        ))?,
        1
    );
    assert_eq!(
        app.sql_count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE account_id = '{account}' AND action = 'account.erased' AND actor_user_id IS NULL"
        ))?,
        1
    );
    assert_eq!(
        app.sql_count(&format!(
            "SELECT COUNT(*) FROM data_requests WHERE id = '{id}' AND status = 'done'"
        ))?,
        1
    );
    Ok(())
}

#[test]
fn a_mailed_link_manages_one_subscription_once_without_signing_in() -> Result<()> {
    each_backend("manage_subscription_link", |app| {
        // The same answer for an address that may manage subscriptions and one that may not.
        let known = app.post_form(&[], "/recover/manage", &[("email", "bob@acme.example")])?;
        assert_eq!(known.status(), 201);
        let unknown = app.post_form(&[], "/recover/manage", &[("email", "eve@nowhere.example")])?;
        assert_eq!(unknown.status(), 201);
        assert_eq!(
            known.text()?.replace("bob@acme.example", "X"),
            unknown.text()?.replace("eve@nowhere.example", "X")
        );
        assert!(
            links_in(
                app,
                "eve@nowhere.example",
                "Manage your Pulse subscriptions"
            )?
            .iter()
            .all(|l| !l.starts_with("/billing/manage/"))
        );

        let links: Vec<String> =
            links_in(app, "bob@acme.example", "Manage your Pulse subscriptions")?
                .into_iter()
                .filter(|l| l.starts_with("/billing/manage/"))
                .collect();
        let running = app.sql_count(
            "SELECT COUNT(*) FROM subscriptions WHERE account_id = 'acc_demo_acme' AND status <> 'cancelled'",
        )?;
        assert_eq!(links.len() as i64, running, "one link per subscription");
        let link = &links[0];
        let page = expect_status(app.get(link)?, 200)?;
        assert!(page.contains("End at the period"), "{page}");

        // A reason is required; the link survives the refusal.
        let refused = expect_status(app.post_form(&[], link, &[("action", "cancel")])?, 422)?;
        assert!(refused.contains("Choose why"), "{refused}");
        let done = expect_status(
            app.post_form(&[], link, &[("action", "cancel"), ("reason", "unused")])?,
            200,
        )?;
        assert!(done.contains("will end on"), "{done}");
        let ended = app.sql_count(
            "SELECT COUNT(*) FROM subscriptions s JOIN email_links l ON l.subject_id = s.id
              WHERE l.used_at IS NOT NULL AND s.cancel_at_period_end = 1 AND s.cancel_reason = 'unused'",
        )?;
        assert_eq!(ended, 1);
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM audit_log WHERE account_id = 'acc_demo_acme' AND action = 'subscription.cancelled' AND actor_user_id IS NULL"
            )?,
            1
        );
        // Used once: it neither opens nor acts again.
        let gone = expect_status(app.get(link)?, 410)?;
        assert!(gone.contains("Ask for a new link"), "{gone}");
        expect_status(app.post_form(&[], link, &[("action", "resume")])?, 410)?;
        // Expired after a day, and a made-up token opens nothing.
        app.post_form(&[], "/recover/manage", &[("email", "ada@acme.example")])?;
        let fresh = links_in(app, "ada@acme.example", "Manage your Pulse subscriptions")?
            .into_iter()
            .find(|l| l.starts_with("/billing/manage/"))
            .context("ada, an owner, gets a link")?;
        expect_status(app.get(&fresh)?, 200)?;
        app.sql("UPDATE email_links SET expires_at = 0 WHERE used_at IS NULL")?;
        expect_status(app.get(&fresh)?, 410)?;
        expect_status(app.get("/billing/manage/made-up-token")?, 410)?;
        // A cross-site post is refused.
        let forged = app
            .host
            .client()
            .post(app.host.url(link))
            .header("origin", "https://evil.example")
            .form(&[("action", "resume")])
            .send()?;
        assert_eq!(forged.status(), 403);
        Ok(())
    })
}
