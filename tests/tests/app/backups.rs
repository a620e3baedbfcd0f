//! Workspace backups: asked for by an owner or admin, made by the provisioner (which reports
//! where the file is) or, in local mode, by the portal itself, downloadable for seven days by
//! the workspace's managers only; on both databases.

use anyhow::{Context, Result};
use pulse_tests::app::{Backend, TestApp, expect_status};
use pulse_tests::stub::{self, Stub};
use reqwest::Method;
use serde_json::{Value, json};

const PROVISIONER_KEY: &str = "provisioner-key-for-backup-tests-0123456";

/// The download link on the workspace's page.
fn download_link(page: &str) -> Result<String> {
    let start = page
        .find("/cloud/ten_demo_acme/backups/")
        .context("no download link")?;
    let end = page[start..].find('"').context("unterminated link")?;
    Ok(page[start..start + end].to_string())
}

#[test]
fn in_local_mode_the_portal_makes_the_backup_and_it_downloads_until_it_expires() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::start(backend, "backups_local")? else {
            continue;
        };
        let app = &app;
        let ada = app.sign_in("ada@acme.example")?;
        let made = app.post_as(&ada, "/cloud/ten_demo_acme/backups", &[])?;
        assert_eq!(made.status(), 303);
        let page = expect_status(app.get_as(&ada, "/cloud/ten_demo_acme")?, 200)?;
        assert!(page.contains("Back up now"), "{page}");
        let link = download_link(&page)?;
        let resp = app.get_as(&ada, &link)?;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/zip");
        let files = pulse_tests::unzip(&resp.bytes()?)?;
        assert!(files["README.md"].contains("local mode"));
        assert!(files["workspace.json"].contains("acme.planapulse.app"));
        assert!(files.contains_key("integrations.json"));
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM audit_log WHERE action = 'tenant.backup_requested' AND target = 'ten_demo_acme'")?,
            1
        );

        // One at a time.
        app.sql("UPDATE tenant_backups SET status = 'creating'")?;
        let busy = expect_status(app.post_as(&ada, "/cloud/ten_demo_acme/backups", &[])?, 422)?;
        assert!(busy.contains("is being made"), "{busy}");
        app.sql("UPDATE tenant_backups SET status = 'ready'")?;

        // Only the workspace's managers download it; another account's owner sees nothing.
        let cy = app.sign_in("cy@acme.example")?;
        expect_status(app.get_as(&cy, &link)?, 403)?;
        let mia = app.sign_in("mia@northwind.example")?;
        expect_status(app.get_as(&mia, &link)?, 404)?;

        // The link expires with the backup.
        app.sql("UPDATE tenant_backups SET expires_at = '2020-01-01T00:00:00Z'")?;
        let gone = expect_status(app.get_as(&ada, &link)?, 410)?;
        assert!(gone.contains("download period is over"), "{gone}");

        // The API asks for one too.
        let csrf = app.csrf(&ada)?;
        let api: Value = serde_json::from_str(&expect_status(
            app.as_user(&ada, Method::POST, "/api/v1/tenants/ten_demo_acme/backups")
                .header("x-csrf-token", &csrf)
                .send()?,
            201,
        )?)?;
        assert_eq!(api["status"], "creating");
        assert!(api["id"].as_str().is_some_and(|id| id.starts_with("bak_")));
        // The same Idempotency-Key gets the first answer, not a second backup.
        let keyed = |key: &str| -> Result<Value> {
            Ok(serde_json::from_str(&expect_status(
                app.as_user(&ada, Method::POST, "/api/v1/tenants/ten_demo_acme/backups")
                    .header("x-csrf-token", &csrf)
                    .header("idempotency-key", key)
                    .send()?,
                201,
            )?)?)
        };
        app.sql("UPDATE tenant_backups SET status = 'ready'")?;
        let first = keyed("backup-once")?;
        assert_eq!(keyed("backup-once")?["id"], first["id"]);
        assert_eq!(
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM tenant_backups WHERE id = '{}'",
                first["id"].as_str().unwrap_or_default()
            ))?,
            1
        );
    }
    Ok(())
}

#[test]
fn the_provisioner_makes_the_backup_and_the_download_goes_where_it_reports() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let provisioner = Stub::start(202)?;
        let Some(app) = TestApp::builder(backend)
            .variable("provisioner_url", &provisioner.url("/jobs"))
            .variable("provisioner_origin", &provisioner.url(""))
            .variable("provisioner_key", PROVISIONER_KEY)
            .start("backups_provisioner")?
        else {
            continue;
        };
        let app = &app;
        let ada = app.sign_in("ada@acme.example")?;
        let csrf = app.csrf(&ada)?;
        let backup: Value = serde_json::from_str(&expect_status(
            app.as_user(&ada, Method::POST, "/api/v1/tenants/ten_demo_acme/backups")
                .header("x-csrf-token", &csrf)
                .send()?,
            201,
        )?)?;
        let backup_id = backup["id"].as_str().context("id")?.to_string();
        let received = provisioner.received();
        let job: Value = serde_json::from_slice(&received.last().context("a job")?.body)?;
        assert_eq!(job["action"], "backup");
        assert_eq!(job["data"]["backup"], backup_id.as_str());
        let job_id = job["job"].as_str().context("job")?.to_string();

        let report = |event: &Value| -> Result<Value> {
            let body = event.to_string();
            let ts = stub::now();
            Ok(app
                .host
                .client()
                .post(app.host.url("/api/v1/provisioner/events"))
                .header("content-type", "application/json")
                .header("pulse-timestamp", ts.to_string())
                .header(
                    "pulse-signature",
                    stub::signature(PROVISIONER_KEY.as_bytes(), ts, body.as_bytes()),
                )
                .body(body)
                .send()?
                .json()?)
        };
        // A location that is not https is not taken.
        let plain = report(
            &json!({ "id": "evt_b0", "job": job_id, "tenant": "ten_demo_acme", "status": "ready",
                                     "location": "http://backups.example/acme.zip", "size": 5 }),
        )?;
        assert_eq!(plain["outcome"], "ignored", "{plain}");
        let location = "https://backups.example/acme/2026-12-03.zip?signature=abc";
        let ready = report(
            &json!({ "id": "evt_b1", "job": job_id, "tenant": "ten_demo_acme", "status": "ready",
                                     "location": location, "size": 123_456 }),
        )?;
        assert_eq!(ready["outcome"], "applied", "{ready}");
        let again = report(
            &json!({ "id": "evt_b1", "job": job_id, "tenant": "ten_demo_acme", "status": "failed" }),
        )?;
        assert_eq!(again["outcome"], "duplicate");
        let page = expect_status(app.get_as(&ada, "/cloud/ten_demo_acme")?, 200)?;
        assert!(page.contains("123456 bytes"), "{page}");
        let link = download_link(&page)?;
        let resp = app.get_as(&ada, &link)?;
        assert_eq!(resp.status(), 303);
        assert_eq!(resp.headers()["location"], location);
        // A later failure report for the same backup changes nothing.
        let late = report(
            &json!({ "id": "evt_b2", "job": job_id, "tenant": "ten_demo_acme", "status": "failed" }),
        )?;
        assert_eq!(late["outcome"], "ignored");
    }
    Ok(())
}
