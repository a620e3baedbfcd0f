//! Production mode never serves on an unsafe configuration.

use anyhow::Result;
use pulse_tests::app::{Backend, TEST_SESSION_KEYS, TestApp};

fn assert_unavailable(app: &TestApp, why: &str) -> Result<()> {
    for path in [
        "/healthz",
        "/",
        "/login",
        "/dashboard",
        "/api/v1/me",
        "/recover",
    ] {
        let resp = app.get(path)?;
        assert_eq!(resp.status(), 503, "{path} must refuse: {why}");
        let body = resp.text()?;
        assert!(!body.contains("Acme"), "{path} shows no data");
    }
    assert!(
        app.host.log().contains(why),
        "the log names the problem `{why}`:\n{}",
        app.host.log()
    );
    Ok(())
}

#[test]
fn production_refuses_the_development_signing_key() -> Result<()> {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .production()
        .variable("session_keys", TEST_SESSION_KEYS)
        .start("production_refuses_the_development_signing_key")?
    else {
        return Ok(());
    };
    assert_unavailable(&app, "development key")
}

#[test]
fn production_refuses_a_plain_http_origin() -> Result<()> {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .production()
        .variable("public_origin", "http://my.example")
        .start("production_refuses_a_plain_http_origin")?
    else {
        return Ok(());
    };
    assert_unavailable(&app, "public_origin")
}

#[test]
fn production_with_a_safe_configuration_serves_and_hides_the_mailbox() -> Result<()> {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .production()
        .start("production_with_a_safe_configuration_serves_and_hides_the_mailbox")?
    else {
        return Ok(());
    };
    assert_eq!(app.get("/healthz")?.status(), 200);
    let resp = app.get("/")?;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["strict-transport-security"]
            .to_str()?
            .contains("max-age=")
    );
    assert_eq!(app.get("/dev/mailbox")?.status(), 404);
    Ok(())
}

#[test]
fn an_unreachable_database_answers_503_with_a_readable_body() -> Result<()> {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .variable(
            "db_url",
            "postgres://postgres@127.0.0.1:1/nothing?sslmode=disable",
        )
        .variable("db_host", "127.0.0.1:1")
        .start("an_unreachable_database_answers_503_with_a_readable_body")?
    else {
        return Ok(());
    };
    let resp = app.get("/healthz")?;
    assert_eq!(resp.status(), 503);
    assert!(resp.text()?.contains("temporarily unavailable"));
    let api = app
        .host
        .client()
        .get(app.host.url("/api/v1/tenants"))
        .bearer_auth("pat_x")
        .send()?;
    assert_eq!(api.status(), 503);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    Ok(())
}
