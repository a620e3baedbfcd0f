//! Routing between areas, the shell, health, static assets and error pages.

use anyhow::Result;
use pulse_tests::app::expect_status;

use super::each_backend;

#[test]
fn healthz_answers_ok_on_both_backends() -> Result<()> {
    each_backend("healthz_answers_ok_on_both_backends", |app| {
        assert_eq!(expect_status(app.get("/healthz")?, 200)?, "ok\n");
        let json: serde_json::Value = app
            .host
            .client()
            .get(app.host.url("/healthz"))
            .header("accept", "application/json")
            .send()?
            .json()?;
        let expected = match app.backend {
            pulse_tests::app::Backend::Sqlite => "sqlite",
            pulse_tests::app::Backend::Postgres => "postgres",
        };
        assert_eq!(json["database"], expected);
        Ok(())
    })
}

#[test]
fn known_portal_paths_never_reach_the_workspace_catch_all() -> Result<()> {
    each_backend(
        "known_portal_paths_never_reach_the_workspace_catch_all",
        |app| {
            // Signed out, each area answers its own page or sends the visitor to sign in; none is
            // redirected to a workspace host.
            for (path, status) in [
                ("/", 200),
                ("/login", 200),
                ("/recover", 200),
                ("/privacy", 200),
                ("/support", 200),
                ("/dashboard", 303),
                ("/team", 303),
                ("/licenses", 303),
                ("/billing", 303),
                ("/cloud", 303),
                ("/msp", 303),
                ("/integrations", 303),
            ] {
                let resp = app.get(path)?;
                assert_eq!(resp.status().as_u16(), status, "{path}");
                if status == 303 {
                    let location = resp.headers()["location"].to_str()?.to_string();
                    assert!(location.starts_with("/login?next="), "{path} -> {location}");
                }
            }
            Ok(())
        },
    )
}

#[test]
fn a_workspace_slug_reaches_its_workspace_and_an_unknown_one_is_a_404_page() -> Result<()> {
    each_backend(
        "a_workspace_slug_reaches_its_workspace_and_an_unknown_one_is_a_404_page",
        |app| {
            let resp = app.get("/acme")?;
            assert_eq!(resp.status(), 302);
            assert_eq!(resp.headers()["location"], "https://acme.planapulse.app/");
            let resp = app.get("/no-such-workspace")?;
            assert_eq!(resp.status(), 404);
            assert!(
                resp.headers()["content-type"]
                    .to_str()?
                    .starts_with("text/html")
            );
            let body = resp.text()?;
            assert!(body.contains("Page not found"), "{body}");
            assert!(body.contains("Request id"), "{body}");
            Ok(())
        },
    )
}

#[test]
fn unknown_api_paths_answer_problem_json() -> Result<()> {
    each_backend("unknown_api_paths_answer_problem_json", |app| {
        let resp = app.get("/api/v1/nothing-here")?;
        assert_eq!(resp.status(), 404);
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let request_id = resp.headers()["x-request-id"].to_str()?.to_string();
        let body: serde_json::Value = resp.json()?;
        assert_eq!(body["status"], 404);
        assert_eq!(body["title"], "Page not found");
        assert_eq!(body["request_id"], request_id.as_str());
        assert!(
            body["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("/not-found"))
        );
        Ok(())
    })
}

#[test]
fn every_page_carries_the_security_headers_and_a_request_id() -> Result<()> {
    each_backend(
        "every_page_carries_the_security_headers_and_a_request_id",
        |app| {
            for path in ["/", "/login", "/recover", "/nope", "/healthz"] {
                let resp = app.get(path)?;
                let h = resp.headers();
                let csp = h["content-security-policy"].to_str()?;
                assert!(
                    csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
                    "{path}: {csp}"
                );
                assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
                assert_eq!(h["x-frame-options"], "DENY", "{path}");
                assert!(h["x-request-id"].to_str()?.starts_with("req_"), "{path}");
            }
            // A sane incoming request id is echoed back.
            let resp = app
                .host
                .client()
                .get(app.host.url("/"))
                .header("x-request-id", "trace-123")
                .send()?;
            assert_eq!(resp.headers()["x-request-id"], "trace-123");
            Ok(())
        },
    )
}

#[test]
fn static_assets_are_served_with_a_cache_lifetime() -> Result<()> {
    each_backend("static_assets_are_served_with_a_cache_lifetime", |app| {
        let resp = app.get("/static/app.css")?;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "text/css; charset=utf-8");
        assert_eq!(resp.headers()["cache-control"], "public, max-age=3600");
        assert!(resp.text()?.contains("--accent"));
        assert_eq!(app.get("/static/missing.js")?.status(), 404);
        Ok(())
    })
}

#[test]
fn the_landing_page_links_to_sign_in_when_signed_out() -> Result<()> {
    each_backend("the_landing_page_links_to_sign_in_when_signed_out", |app| {
        let body = expect_status(app.get("/")?, 200)?;
        assert!(body.contains("href=\"/login\""));
        assert!(body.contains("<main id=\"main\""));
        assert!(body.contains("lang=\"en\""));
        Ok(())
    })
}

#[test]
fn a_wrong_method_on_a_known_route_is_405() -> Result<()> {
    each_backend("a_wrong_method_on_a_known_route_is_405", |app| {
        let resp = app
            .host
            .client()
            .delete(app.host.url("/dashboard"))
            .send()?;
        assert_eq!(resp.status(), 405);
        Ok(())
    })
}
