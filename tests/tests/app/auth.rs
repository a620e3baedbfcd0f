//! Sign-in by email link, sessions, refresh rotation, sign-out, CSRF, API tokens and rate
//! limits.

use anyhow::{Context, Result};
use pulse_tests::app::{Backend, Session, TestApp, cookie_header, expect_status};
use reqwest::Method;
use serde_json::{Value, json};

use super::each_backend;

#[test]
fn signing_in_by_email_link_opens_home_for_the_account() -> Result<()> {
    each_backend(
        "signing_in_by_email_link_opens_home_for_the_account",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let body = expect_status(app.get_as(&ada, "/dashboard")?, 200)?;
            assert!(body.contains("<h1>Acme Robotics</h1>"), "{body}");
            assert!(body.contains("PA-2026-0011"), "recent invoices are listed");
            assert!(body.contains("acme.planapulse.app"), "tenants are listed");
            assert!(
                body.contains("Needs your attention"),
                "the open invoice needs attention"
            );
            Ok(())
        },
    )
}

#[test]
fn the_access_cookie_is_http_only_and_never_readable_by_scripts() -> Result<()> {
    let Some(app) = TestApp::start(Backend::Sqlite, "cookie_flags")? else {
        return Ok(());
    };
    let link = app.request_link("ada@acme.example")?;
    let token = link.split("token=").nth(1).context("token")?;
    let resp = app.post_form(&[], "/login/verify", &[("token", token)])?;
    let cookies: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let access = cookies
        .iter()
        .find(|c| c.starts_with("pa_token="))
        .context("pa_token set")?;
    assert!(
        access.contains("HttpOnly")
            && access.contains("SameSite=Lax")
            && access.contains("Max-Age=900"),
        "{access}"
    );
    assert!(!access.contains("Domain="), "host-only: {access}");
    let refresh = cookies
        .iter()
        .find(|c| c.starts_with("pa_refresh="))
        .context("pa_refresh set")?;
    assert!(
        refresh.contains("HttpOnly") && refresh.contains("Max-Age=2592000"),
        "{refresh}"
    );
    Ok(())
}

#[test]
fn known_and_unknown_emails_get_the_same_answer() -> Result<()> {
    each_backend("known_and_unknown_emails_get_the_same_answer", |app| {
        let known = expect_status(
            app.post_form(&[], "/login", &[("email", "ada@acme.example")])?,
            200,
        )?;
        let unknown = expect_status(
            app.post_form(&[], "/login", &[("email", "nobody@else.example")])?,
            200,
        )?;
        assert_eq!(
            known.replace("ada@acme.example", "EMAIL"),
            unknown.replace("nobody@else.example", "EMAIL"),
            "the page must not reveal whether an account exists"
        );
        // Only the mailbox owner learns the difference: a new address is told that its link
        // starts an account, and nothing is created until the link is used.
        let to_unknown = app.mailbox("nobody@else.example")?;
        assert_eq!(to_unknown.len(), 1);
        let text = to_unknown[0]["text"].as_str().unwrap_or_default();
        assert!(text.contains("has no Pulse Account yet"), "{text}");
        assert!(text.contains("/login/verify?token="), "{text}");
        let to_known = app.mailbox("ada@acme.example")?;
        let known_text = to_known[0]["text"].as_str().unwrap_or_default();
        assert!(!known_text.contains("no Pulse Account"), "{known_text}");
        assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM users WHERE email = 'nobody@else.example'")?,
            0
        );
        Ok(())
    })
}

#[test]
fn a_sign_in_link_works_only_once() -> Result<()> {
    each_backend("a_sign_in_link_works_only_once", |app| {
        let link = app.request_link("bob@acme.example")?;
        let token = link.split("token=").nth(1).context("token")?;
        assert_eq!(
            app.post_form(&[], "/login/verify", &[("token", token)])?
                .status(),
            303
        );
        let again = app.post_form(&[], "/login/verify", &[("token", token)])?;
        assert_eq!(again.status(), 400);
        assert!(again.text()?.contains("no longer works"));
        assert_eq!(
            app.post_form(&[], "/login/verify", &[("token", "forged")])?
                .status(),
            400
        );
        Ok(())
    })
}

#[test]
fn an_invalid_email_is_refused_with_a_field_error() -> Result<()> {
    let Some(app) = TestApp::start(Backend::Sqlite, "invalid_email")? else {
        return Ok(());
    };
    let body = expect_status(
        app.post_form(&[], "/login", &[("email", "not-an-email")])?,
        422,
    )?;
    assert!(body.contains("id=\"email-error\""), "{body}");
    assert!(body.contains("aria-invalid=\"true\""), "{body}");
    assert!(app.mailbox("not-an-email")?.is_empty());
    Ok(())
}

#[test]
fn a_malformed_or_tampered_token_means_signed_out_never_an_error() -> Result<()> {
    each_backend(
        "a_malformed_or_tampered_token_means_signed_out_never_an_error",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let mut parts: Vec<String> = ada.access.split('.').map(str::to_string).collect();
            parts[1] = parts[1].chars().rev().collect();
            for bad in ["garbage", "a.b.c", &parts.join(".")] {
                let forged = Session {
                    access: bad.to_string(),
                    refresh: String::new(),
                    account: None,
                };
                let resp = app.get_as(&forged, "/dashboard")?;
                assert_eq!(resp.status(), 303, "{bad}");
                let api = app.get_as(&forged, "/api/v1/me")?;
                assert_eq!(api.status(), 401, "{bad}");
            }
            Ok(())
        },
    )
}

#[test]
fn refresh_rotates_the_token_and_reuse_revokes_the_family() -> Result<()> {
    each_backend(
        "refresh_rotates_the_token_and_reuse_revokes_the_family",
        |app| {
            let first = app.sign_in("ada@acme.example")?;
            let resp = app
                .host
                .client()
                .get(app.host.url("/api/auth/refresh?next=/team"))
                .header("cookie", cookie_header(&[("pa_refresh", &first.refresh)]))
                .send()?;
            assert_eq!(resp.status(), 303);
            assert_eq!(resp.headers()["location"], "/team");
            let second = Session::from_response(&resp)?;
            assert!(!second.access.is_empty() && second.refresh != first.refresh);
            expect_status(app.get_as(&second, "/team")?, 200)?;

            // The spent token comes back: the whole session is revoked.
            let reuse = app
                .host
                .client()
                .get(app.host.url("/api/auth/refresh?next=/team"))
                .header("cookie", cookie_header(&[("pa_refresh", &first.refresh)]))
                .send()?;
            assert_eq!(reuse.status(), 303);
            assert!(reuse.headers()["location"].to_str()?.starts_with("/login"));
            assert_eq!(
                app.get_as(&second, "/api/v1/me")?.status(),
                401,
                "the rotated session is revoked too"
            );
            let retry = app
                .host
                .client()
                .post(app.host.url("/api/auth/refresh"))
                .header("cookie", cookie_header(&[("pa_refresh", &second.refresh)]))
                .send()?;
            assert_eq!(
                retry.status(),
                401,
                "its newest refresh token is dead as well"
            );
            Ok(())
        },
    )
}

#[test]
fn an_expired_access_token_with_a_live_refresh_cookie_goes_through_refresh() -> Result<()> {
    let Some(app) = TestApp::start(Backend::Sqlite, "expired_access_refresh")? else {
        return Ok(());
    };
    let ada = app.sign_in("ada@acme.example")?;
    let stale = Session {
        access: String::new(),
        ..ada
    };
    let resp = app.get_as(&stale, "/billing")?;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"],
        "/api/auth/refresh?next=%2Fbilling"
    );
    Ok(())
}

#[test]
fn signing_out_revokes_the_session() -> Result<()> {
    each_backend("signing_out_revokes_the_session", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        let resp = app.post_as(&ada, "/logout", &[])?;
        assert_eq!(resp.status(), 303);
        let cleared = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter(|v| v.contains("Max-Age=0"))
            .count();
        assert_eq!(cleared, 2, "both cookies are cleared");
        // The old access token no longer works even though it has not expired.
        assert_eq!(app.get_as(&ada, "/api/v1/me")?.status(), 401);
        Ok(())
    })
}

#[test]
fn a_state_changing_request_without_the_csrf_token_is_refused() -> Result<()> {
    each_backend(
        "a_state_changing_request_without_the_csrf_token_is_refused",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let no_token = app.as_user(&ada, Method::POST, "/logout").send()?;
            assert_eq!(no_token.status(), 403);
            let wrong = app
                .as_user(&ada, Method::POST, "/logout")
                .form(&[("csrf", "nope")])
                .send()?;
            assert_eq!(wrong.status(), 403);
            let csrf = app.csrf(&ada)?;
            let cross_site = app
                .as_user(&ada, Method::POST, "/logout")
                .header("origin", "https://evil.example")
                .form(&[("csrf", csrf.as_str())])
                .send()?;
            assert_eq!(cross_site.status(), 403);
            // Still signed in: nothing was changed.
            expect_status(app.get_as(&ada, "/api/v1/me")?, 200)?;
            Ok(())
        },
    )
}

#[test]
fn a_session_revoked_from_the_security_page_is_signed_out() -> Result<()> {
    each_backend(
        "a_session_revoked_from_the_security_page_is_signed_out",
        |app| {
            let laptop = app.sign_in("ada@acme.example")?;
            let phone = app.sign_in("ada@acme.example")?;
            let sessions: Value = app.get_as(&laptop, "/api/v1/sessions")?.json()?;
            let ids: Vec<String> = sessions["data"]
                .as_array()
                .context("list")?
                .iter()
                .filter_map(|s| s["id"].as_str().map(str::to_string))
                .collect();
            assert!(ids.len() >= 2);
            let page = expect_status(app.get_as(&laptop, "/security")?, 200)?;
            assert!(page.contains("This session"));
            let resp = app.post_as(&laptop, "/security/sessions/revoke-others", &[])?;
            assert_eq!(resp.status(), 303);
            assert_eq!(app.get_as(&phone, "/api/v1/me")?.status(), 401);
            expect_status(app.get_as(&laptop, "/api/v1/me")?, 200)?;
            Ok(())
        },
    )
}

#[test]
fn api_tokens_authenticate_within_their_scope_and_stop_when_revoked() -> Result<()> {
    each_backend(
        "api_tokens_authenticate_within_their_scope_and_stop_when_revoked",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let csrf = app.csrf(&ada)?;
            let create = |name: &str, scope: &str| -> Result<Value> {
                let resp = app
                    .as_user(&ada, Method::POST, "/api/v1/api-tokens")
                    .header("x-csrf-token", &csrf)
                    .json(&json!({ "name": name, "scope": scope }))
                    .send()?;
                Ok(serde_json::from_str(&expect_status(resp, 201)?)?)
            };
            let read = create("reporting", "read")?;
            let write = create("automation", "write")?;
            let read_token = read["token"].as_str().context("token shown once")?;
            let write_token = write["token"].as_str().context("token")?;
            let bearer = |t: &str, m: Method, path: &str| {
                app.host
                    .client()
                    .request(m, app.host.url(path))
                    .bearer_auth(t)
            };
            let me: Value = bearer(read_token, Method::GET, "/api/v1/me")
                .send()?
                .json()?;
            assert_eq!(me["email"], "ada@acme.example");
            assert_eq!(me["credential"], "api-token");
            assert_eq!(
                bearer(read_token, Method::GET, "/api/v1/licenses")
                    .send()?
                    .status(),
                200
            );
            let denied = bearer(read_token, Method::POST, "/api/v1/api-tokens")
                .json(&json!({ "name": "x" }))
                .send()?;
            assert_eq!(denied.status(), 403);
            let allowed = bearer(write_token, Method::POST, "/api/v1/api-tokens")
                .json(&json!({ "name": "child" }))
                .send()?;
            assert_eq!(allowed.status(), 201);
            // The listing never shows a secret.
            let list = expect_status(app.get_as(&ada, "/api/v1/api-tokens")?, 200)?;
            assert!(!list.contains(read_token) && list.contains("reporting"));
            let id = read["id"].as_str().context("id")?;
            let revoke = app
                .as_user(&ada, Method::DELETE, &format!("/api/v1/api-tokens/{id}"))
                .header("x-csrf-token", &csrf)
                .send()?;
            assert_eq!(revoke.status(), 200);
            assert_eq!(
                bearer(read_token, Method::GET, "/api/v1/me")
                    .send()?
                    .status(),
                401
            );
            assert_eq!(
                bearer("pat_forged", Method::GET, "/api/v1/me")
                    .send()?
                    .status(),
                401
            );
            Ok(())
        },
    )
}

#[test]
fn link_requests_are_rate_limited_per_email_with_retry_after() -> Result<()> {
    each_backend(
        "link_requests_are_rate_limited_per_email_with_retry_after",
        |app| {
            for _ in 0..5 {
                assert_eq!(
                    app.post_form(&[], "/login", &[("email", "cy@acme.example")])?
                        .status(),
                    200
                );
            }
            let limited = app.post_form(&[], "/login", &[("email", "cy@acme.example")])?;
            assert_eq!(limited.status(), 429);
            let retry: u64 = limited.headers()["retry-after"].to_str()?.parse()?;
            assert!((1..=600).contains(&retry), "{retry}");
            assert_eq!(
                app.mailbox("cy@acme.example")?.len(),
                5,
                "no sixth email went out"
            );
            // Another address is unaffected.
            assert_eq!(
                app.post_form(&[], "/login", &[("email", "bob@acme.example")])?
                    .status(),
                200
            );
            Ok(())
        },
    )
}

#[test]
fn an_invited_email_becomes_a_member_on_first_sign_in() -> Result<()> {
    each_backend(
        "an_invited_email_becomes_a_member_on_first_sign_in",
        |app| {
            let dee = app.sign_in("dee@acme.example")?;
            let me: Value = app.get_as(&dee, "/api/v1/me")?.json()?;
            assert_eq!(me["account"]["account_id"], "acc_demo_acme");
            assert_eq!(me["account"]["role"], "member");
            Ok(())
        },
    )
}

#[test]
fn the_account_switcher_acts_only_among_the_users_own_accounts() -> Result<()> {
    each_backend(
        "the_account_switcher_acts_only_among_the_users_own_accounts",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let resp = app.post_as(
                &ada,
                "/accounts/switch",
                &[("account", "acc_demo_northwind")],
            )?;
            assert_eq!(resp.status(), 303);
            let switched = Session {
                account: Session::from_response(&resp)?.account,
                ..ada.clone()
            };
            assert_eq!(switched.account.as_deref(), Some("acc_demo_northwind"));
            let msp = expect_status(app.get_as(&switched, "/msp")?, 200)?;
            assert!(msp.contains("Globex Dental") && msp.contains("Initech Logistics"));
            // A foreign account id is refused and changes nothing.
            assert_eq!(
                app.post_as(&ada, "/accounts/switch", &[("account", "acc_demo_globex")])?
                    .status(),
                422
            );
            let forged = Session {
                account: Some("acc_demo_globex".into()),
                ..ada
            };
            let me: Value = app.get_as(&forged, "/api/v1/me")?.json()?;
            assert_ne!(me["account"]["account_id"], "acc_demo_globex");
            Ok(())
        },
    )
}

#[test]
fn the_developer_mailbox_lists_messages_as_json() -> Result<()> {
    let Some(app) = TestApp::start(Backend::Sqlite, "mailbox_json")? else {
        return Ok(());
    };
    app.request_link("ada@acme.example")?;
    let messages = app.mailbox("ada@acme.example")?;
    let m = messages.first().context("one message")?;
    assert_eq!(m["to"], "ada@acme.example");
    assert_eq!(m["subject"], "Your Pulse Account sign-in link");
    assert!(m["html"].as_str().unwrap_or_default().contains("<a href="));
    assert!(
        m["links"][0]
            .as_str()
            .unwrap_or_default()
            .contains("/login/verify?token=")
    );
    Ok(())
}
