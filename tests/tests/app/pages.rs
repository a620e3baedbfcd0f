//! Routing between areas, the shell, health and error pages.

use anyhow::Result;
use pulse_tests::app::{Backend, TestApp, expect_status};

fn each_backend(test: &str, f: impl Fn(&TestApp) -> Result<()>) -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(app) = TestApp::start(backend, test)? {
            f(&app).map_err(|e| e.context(format!("on {backend:?}")))?;
        }
    }
    Ok(())
}

#[test]
fn healthz_answers_ok_on_both_backends() -> Result<()> {
    each_backend("healthz_answers_ok_on_both_backends", |app| {
        let body = expect_status(app.get("/healthz")?, 200)?;
        assert_eq!(body, "ok\n");
        Ok(())
    })
}
