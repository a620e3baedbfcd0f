//! The security review as tests, one named test per control, mapped to OWASP ASVS 5.0 level 2:
//! V3 web frontend security (security headers, cookie flags), V7 session management, V8
//! authorization, V9 self-contained tokens, V16 security logging, and CSRF (V3.5). The
//! state-changing routes and the id-bearing routes are read from the route tables (the OpenAPI
//! document and the forms of the rendered pages), never listed by hand.

use std::collections::BTreeSet;

use anyhow::{Context, Result, ensure};
use pulse_tests::app::{Backend, Session, TEST_SESSION_KEYS, TestApp, expect_status};
use pulse_tests::forms::{Snapshots, changed_rows};
use pulse_tests::workspace_root;
use reqwest::Method;
use reqwest::blocking::Response;
use serde_json::{Value, json};

use super::each_backend;

/// The signed-in pages whose forms make up the HTML route table, and who sees them.
const FORM_PAGES: [(&str, &str); 13] = [
    ("/dashboard", ADA),
    ("/accounts/new", ADA),
    ("/cloud/new", ADA),
    ("/team", ADA),
    ("/security", ADA),
    ("/licenses", ADA),
    ("/billing", ADA),
    ("/cloud", ADA),
    ("/msp", MIA),
    ("/profile", ADA),
    ("/recover", ADA),
    ("/privacy", ADA),
    ("/support", ADA),
];

const ADA: &str = "ada@acme.example";
const MIA: &str = "mia@northwind.example";

/// A cross-site site trying its luck.
const EVIL: &str = "https://evil.example";

fn openapi() -> Result<Value> {
    let text = std::fs::read_to_string(workspace_root().join("docs/openapi.json"))?;
    Ok(serde_json::from_str(&text)?)
}

/// The document's operations as `(METHOD, path)`.
fn operations(doc: &Value) -> Result<Vec<(Method, String)>> {
    Ok(public_and_other_operations(doc)?
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect())
}

/// The document's operations as `(METHOD, path, public)`, where `public` marks an operation
/// documented with `security: []` (it needs no session: the cookie grants it nothing).
fn public_and_other_operations(doc: &Value) -> Result<Vec<(Method, String, bool)>> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().context("paths")? {
        for (method, op) in item.as_object().context("path item")? {
            if let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) {
                let public = op["security"].as_array().is_some_and(Vec::is_empty);
                ops.push((m, path.clone(), public));
            }
        }
    }
    Ok(ops)
}

/// An attribute's value in one start tag (`name="value"`), with `&amp;` undone.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')?;
    Some(tag[start..start + end].replace("&amp;", "&"))
}

/// The action of every `<form method="post">` on `html` (a form without an action posts to
/// the page itself).
fn post_actions(html: &str, page: &str) -> Vec<String> {
    html.match_indices("<form")
        .filter_map(|(i, _)| {
            let tag = &html[i..i + html[i..].find('>')?];
            let method = attribute(tag, "method")?;
            method
                .eq_ignore_ascii_case("post")
                .then(|| attribute(tag, "action").unwrap_or_else(|| page.to_string()))
        })
        .collect()
}

/// The id of the session's own session row (from the API).
fn own_session_id(app: &TestApp, session: &Session) -> Result<String> {
    let sessions: Value = app.get_as(session, "/api/v1/sessions")?.json()?;
    Ok(sessions["data"][0]["id"]
        .as_str()
        .context("session id")?
        .to_string())
}

/// An id of Acme's for the collection a path's `{id}` names (from migrations/demo.sql).
fn acme_id(path: &str) -> Option<&'static str> {
    let collection = path.split("/{id}").next()?.rsplit('/').next()?;
    Some(match collection {
        "tenants" | "cloud" => "ten_demo_acme",
        "licenses" => "lic_demo_pro",
        "invoices" => "inv_demo_0008",
        "clients" => "acc_demo_acme",
        "invitations" => "inv_demo_dee",
        "members" => "usr_demo_bob",
        // A data request of Acme's, made by the test (the demo data holds none).
        "requests" => "drq_acme_export",
        "subscriptions" => "sub_demo_acme",
        _ => return None,
    })
}

/// ASVS V3.5.1–3.5.3: every state-changing route refuses a cross-site post and a post without
/// the CSRF token, with 403, and changes nothing.
#[test]
fn every_state_changing_route_refuses_a_cross_site_form_post() -> Result<()> {
    each_backend(
        "every_state_changing_route_refuses_a_cross_site_form_post",
        |app| {
            let ada = app.sign_in(ADA)?;
            let mia = app.sign_in(MIA)?;
            let session_of = |who: &str| if who == MIA { &mia } else { &ada };

            // (session, method, path, public) for every state-changing operation.
            let mut targets: BTreeSet<(&str, String, String, bool)> = BTreeSet::new();
            for (page, who) in FORM_PAGES {
                let html = expect_status(app.get_as(session_of(who), page)?, 200)
                    .with_context(|| format!("GET {page}"))?;
                let actions = post_actions(&html, page);
                ensure!(!actions.is_empty(), "{page} has no post form to check");
                for action in actions {
                    targets.insert((who, "POST".into(), action, false));
                }
            }
            let ada_session_id = own_session_id(app, &ada)?;
            for (method, path, public) in public_and_other_operations(&openapi()?)? {
                if matches!(method, Method::POST | Method::PATCH | Method::DELETE) {
                    let id = if path.starts_with("/api/v1/sessions/") {
                        ada_session_id.as_str()
                    } else {
                        acme_id(&path).unwrap_or("pat_unknown")
                    };
                    targets.insert((ADA, method.to_string(), path.replace("{id}", id), public));
                }
            }
            ensure!(targets.len() > 10, "too few routes found: {targets:?}");

            let mut snapshots = Snapshots::open(app)?;
            let before = snapshots.rows()?;
            let mut accepted = Vec::new();
            for (who, method, path, public) in &targets {
                let session = session_of(who);
                let csrf = app.csrf(session)?;
                let method = Method::from_bytes(method.as_bytes())?;
                // A public operation (`security: []`) grants the session nothing, and the
                // refresh route's caller has no access token and so no CSRF token: only the
                // origin layer applies to them.
                let attempts = [
                    (
                        "a foreign Origin",
                        app.as_user(session, method.clone(), path)
                            .header("origin", EVIL)
                            .header("x-csrf-token", &csrf)
                            .form(&[("csrf", csrf.as_str())]),
                    ),
                    (
                        "Sec-Fetch-Site: cross-site",
                        app.as_user(session, method.clone(), path)
                            .header("sec-fetch-site", "cross-site")
                            .form(&[("csrf", csrf.as_str())]),
                    ),
                    (
                        "no CSRF token",
                        app.as_user(session, method.clone(), path)
                            .form(&[("name", "csrf-probe")]),
                    ),
                ];
                for (how, request) in attempts {
                    if *public && how == "no CSRF token" {
                        continue;
                    }
                    let status = request.send()?.status().as_u16();
                    if status != 403 {
                        accepted.push(format!("{method} {path} as {who} with {how}: {status}"));
                    }
                }
                let still = app.get_as(session, "/api/v1/me")?.status();
                ensure!(
                    still == 200,
                    "{who} is signed out ({still}) after {method} {path}; so far: {accepted:#?}"
                );
            }
            assert!(accepted.is_empty(), "not refused with 403: {accepted:#?}");
            let after = snapshots.rows()?;
            let changed = changed_rows(&before, &after);
            assert!(
                changed.is_empty(),
                "refused requests changed rows: {changed:#?}"
            );
            expect_status(app.get_as(&ada, "/api/v1/me")?, 200)?;
            Ok(())
        },
    )
}

/// ASVS V8.2.2 (object-level authorization): every id-bearing GET route answers 404 for an id
/// of another account, and shows none of its data.
#[test]
fn every_id_bearing_route_answers_404_for_another_accounts_id() -> Result<()> {
    each_backend(
        "every_id_bearing_route_answers_404_for_another_accounts_id",
        |app| {
            let ada = app.sign_in(ADA)?;
            let mia = app.sign_in(MIA)?;
            app.sql(
                "INSERT INTO data_requests (id, kind, status, email, requested_by, account_ids, access_hash, created_at, due_by, completed_at)
                 VALUES ('drq_acme_export', 'export', 'expired', 'ada@acme.example', 'usr_demo_ada', 'acc_demo_acme',
                         'not-a-token-hash', '2026-01-01T00:00:00Z', '2026-01-31T00:00:00Z', '2026-01-02T00:00:00Z')",
            )?;
            app.sql(
                "INSERT INTO tenant_backups (id, tenant_id, status, created_at, completed_at, expires_at, size_bytes, archive)
                 VALUES ('bak_acme_test', 'ten_demo_acme', 'ready', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z',
                         '2999-01-01T00:00:00Z', 22, 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==')",
            )?;
            let mut paths: Vec<String> = operations(&openapi()?)?
                .into_iter()
                .filter(|(m, p)| *m == Method::GET && p.contains("{id}"))
                .map(|(_, p)| p)
                .collect();
            let api_routes = paths.len();
            ensure!(api_routes >= 3, "too few API routes with ids: {paths:?}");
            paths.extend(
                [
                    "/licenses/{id}",
                    "/billing/invoices/{id}",
                    "/cloud/{id}",
                    "/msp/clients/{id}",
                    "/privacy/requests/{id}",
                ]
                .map(String::from),
            );
            let mut leaks = Vec::new();
            for route in &paths {
                let id = acme_id(route).with_context(|| format!("no Acme id for {route}"))?;
                let mut path = route
                    .replace("{id}", id)
                    .replace("{backup}", "bak_acme_test");
                // A preview needs the plan it previews.
                if route.ends_with("/change-preview") {
                    path.push_str("?plan=cloud_business_month");
                }
                // The route serves real ids: Ada (Acme's owner) sees Acme's; Acme is no one's
                // client, so a provider's client route is shown working with Mia's own client.
                let (owner, own_path) = if route.contains("clients") {
                    (&mia, route.replace("{id}", "acc_demo_globex"))
                } else {
                    (&ada, path.clone())
                };
                let own_status = app.get_as(owner, &own_path)?.status();
                ensure!(
                    own_status == 200,
                    "{own_path} answers its owner {own_status}"
                );
                let resp = app.get_as(&mia, &path)?;
                let status = resp.status().as_u16();
                let body = resp.text()?;
                if status != 404 || body.contains("Acme") {
                    leaks.push(format!("{path}: {status}"));
                }
            }
            assert!(leaks.is_empty(), "another account's objects: {leaks:#?}");
            Ok(())
        },
    )
}

/// ASVS V16.2.5 / V7.1: no secret variable, token, cookie value or email body is ever written
/// to the log, over a whole flow (sign-in by link, an API token made and used, sign-out).
#[test]
fn no_secret_token_or_email_body_appears_in_the_log() -> Result<()> {
    each_backend("no_secret_token_or_email_body_appears_in_the_log", |app| {
        let link = app.request_link(ADA)?;
        let link_token = link.split("token=").nth(1).context("link token")?;
        let message = app.mailbox(ADA)?.first().cloned().context("no message")?;
        let verify = app.post_form(&[], "/login/verify", &[("token", link_token)])?;
        ensure!(
            verify.status() == 303,
            "verify answered {}",
            verify.status()
        );
        let ada = Session::from_response(&verify)?;
        let csrf = app.csrf(&ada)?;
        let created: Value = app
            .as_user(&ada, Method::POST, "/api/v1/api-tokens")
            .header("x-csrf-token", &csrf)
            .json(&json!({ "name": "log-check", "scope": "read" }))
            .send()?
            .json()?;
        let api_token = created["token"].as_str().context("token")?.to_string();
        let me = app
            .host
            .client()
            .get(app.host.url("/api/v1/me"))
            .bearer_auth(&api_token)
            .send()?;
        expect_status(me, 200)?;
        let out = app.post_as(&ada, "/logout", &[])?;
        ensure!(out.status() == 303, "logout answered {}", out.status());
        // Let the last request's log line land.
        std::thread::sleep(std::time::Duration::from_millis(300));

        let key = TEST_SESSION_KEYS.split_once(':').context("key id")?.1;
        let mut secrets = vec![
            ("session_keys", key.to_string()),
            ("pa_token", ada.access.clone()),
            ("pa_refresh", ada.refresh.clone()),
            ("API token", api_token),
            ("sign-in link token", link_token.to_string()),
            ("CSRF token", csrf),
        ];
        // Each line of the email's body that is long enough to be its own.
        for (field, value) in message.as_object().context("message")? {
            if let Some(text) = value
                .as_str()
                .filter(|_| field != "to" && field != "subject")
            {
                for line in text.lines().map(str::trim).filter(|l| l.len() >= 24) {
                    secrets.push(("email body", line.to_string()));
                }
            }
        }
        ensure!(
            secrets.iter().any(|(what, _)| *what == "email body"),
            "the message has no body to look for: {message}"
        );
        let log = app.host.log();
        ensure!(log.contains("x-request-id="), "the host logged nothing");
        let found: Vec<_> = secrets
            .iter()
            .filter(|(_, v)| !v.is_empty() && log.contains(v.as_str()))
            .map(|(what, _)| *what)
            .collect();
        assert!(found.is_empty(), "the log shows {found:?}:\n{log}");
        Ok(())
    })
}

/// The `Set-Cookie` value of `name` on `resp`.
fn set_cookie(resp: &Response, name: &str) -> Result<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
        .with_context(|| format!("no {name} cookie set"))
}

/// The cookie's attributes, lower-cased, without its value.
fn cookie_attributes(cookie: &str) -> Vec<String> {
    cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

/// ASVS V3.3.1–3.3.4: the access cookie is HttpOnly, SameSite=Lax, Path=/ and host-only.
#[test]
fn the_access_cookie_is_host_only_http_only_and_same_site_on_plain_http() -> Result<()> {
    each_backend(
        "the_access_cookie_is_host_only_http_only_and_same_site_on_plain_http",
        |app| {
            let link = app.request_link(ADA)?;
            let token = link.split("token=").nth(1).context("link token")?;
            let resp = app.post_form(&[], "/login/verify", &[("token", token)])?;
            let cookie = set_cookie(&resp, "pa_token")?;
            let attrs = cookie_attributes(&cookie);
            for want in ["httponly", "samesite=lax", "path=/"] {
                assert!(attrs.iter().any(|a| a == want), "{cookie} lacks {want}");
            }
            assert!(
                !attrs.iter().any(|a| a.starts_with("domain")),
                "{cookie} has a Domain"
            );
            Ok(())
        },
    )
}

/// ASVS V3.3.1: on an HTTPS origin the access cookie is `__Host-` prefixed and Secure, and
/// responses carry Strict-Transport-Security.
#[test]
fn on_https_the_access_cookie_is_host_prefixed_and_secure() -> Result<()> {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .variable("public_origin", "https://my.example")
        .start("on_https_the_access_cookie_is_host_prefixed_and_secure")?
    else {
        return Ok(());
    };
    let link = app.request_link(ADA)?;
    let token = link.split("token=").nth(1).context("link token")?;
    let resp = app
        .host
        .client()
        .post(app.host.url("/login/verify"))
        .header("origin", "https://my.example")
        .form(&[("token", token)])
        .send()?;
    ensure!(resp.status() == 303, "verify answered {}", resp.status());
    assert!(
        resp.headers()
            .get("strict-transport-security")
            .context("no HSTS on https")?
            .to_str()?
            .contains("max-age="),
    );
    let cookie = set_cookie(&resp, "__Host-pa_token")?;
    let attrs = cookie_attributes(&cookie);
    for want in ["secure", "httponly", "samesite=lax", "path=/"] {
        assert!(attrs.iter().any(|a| a == want), "{cookie} lacks {want}");
    }
    assert!(
        !attrs.iter().any(|a| a.starts_with("domain")),
        "{cookie} has a Domain"
    );
    assert!(
        set_cookie(&resp, "pa_token").is_err(),
        "no unprefixed cookie on https"
    );
    Ok(())
}

/// The security headers one response lacks (empty when it has them all).
fn missing_security_headers(resp: &Response, signed_in: bool) -> Vec<String> {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
    };
    let mut missing = Vec::new();
    let csp = header("content-security-policy").unwrap_or_default();
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .map(str::to_string)
    };
    match directive("script-src").or_else(|| directive("default-src")) {
        Some(scripts) if !scripts.contains("'unsafe-inline'") && !scripts.contains('*') => {}
        other => missing.push(format!("a CSP limiting scripts (got {other:?})")),
    }
    if directive("frame-ancestors").as_deref() != Some("frame-ancestors 'none'")
        && header("x-frame-options").as_deref() != Some("deny")
    {
        missing.push("frame-ancestors 'none' or X-Frame-Options DENY".into());
    }
    if directive("base-uri").is_none() {
        missing.push("CSP base-uri".into());
    }
    if header("x-content-type-options").as_deref() != Some("nosniff") {
        missing.push("X-Content-Type-Options: nosniff".into());
    }
    if !header("referrer-policy").is_some_and(|p| {
        ["no-referrer", "same-origin", "strict-origin"]
            .iter()
            .any(|ok| p.starts_with(ok))
    }) {
        missing.push("a Referrer-Policy".into());
    }
    for name in [
        "x-request-id",
        "permissions-policy",
        "cross-origin-opener-policy",
    ] {
        if header(name).is_none() {
            missing.push(name.into());
        }
    }
    if signed_in && !header("cache-control").is_some_and(|c| c.contains("no-store")) {
        missing.push("Cache-Control: no-store".into());
    }
    missing
}

/// ASVS V3.4.1–3.4.6 (security headers): a sample of every area's pages, the error pages and
/// the JSON API all carry the security headers; signed-in answers are never cached.
#[test]
fn every_response_carries_the_security_headers() -> Result<()> {
    each_backend("every_response_carries_the_security_headers", |app| {
        let ada = app.sign_in(ADA)?;
        let mia = app.sign_in(MIA)?;
        let mut checked = 0;
        let mut problems = Vec::new();
        let mut check = |what: String, resp: Response, signed_in: bool| {
            checked += 1;
            let missing = missing_security_headers(&resp, signed_in);
            if !missing.is_empty() {
                problems.push(format!("{what} ({}): {missing:?}", resp.status()));
            }
        };
        // Public documents, the same for everyone, may be cached.
        for path in [
            "/",
            "/login",
            "/recover",
            "/privacy",
            "/healthz",
            "/nope",
            "/api/openapi.json",
        ] {
            check(format!("GET {path} signed out"), app.get(path)?, false);
        }
        for path in [
            "/dashboard",
            "/team",
            "/security",
            "/licenses",
            "/licenses/lic_demo_pro",
            "/billing",
            "/billing/invoices/inv_demo_0008",
            "/cloud",
            "/cloud/ten_demo_acme",
            "/profile",
            "/recover",
            "/privacy",
            "/support",
            "/no-such-page",
            "/api/v1/me",
            "/api/v1/licenses",
            "/api/v1/licenses/lic_nope",
        ] {
            check(format!("GET {path} as Ada"), app.get_as(&ada, path)?, true);
        }
        for path in [
            "/msp",
            "/licenses/lic_demo_pro",
            "/api/v1/invoices/inv_demo_0008",
        ] {
            check(format!("GET {path} as Mia"), app.get_as(&mia, path)?, true);
        }
        let forbidden = app.as_user(&ada, Method::POST, "/logout").send()?;
        ensure!(
            forbidden.status() == 403,
            "a post without CSRF token is 403"
        );
        check("POST /logout without token".into(), forbidden, true);
        let unauthorized = app.get("/api/v1/me")?;
        ensure!(unauthorized.status() == 401, "signed out API is 401");
        check("GET /api/v1/me signed out".into(), unauthorized, false);
        assert!(checked >= 29, "only {checked} responses checked");
        assert!(problems.is_empty(), "{problems:#?}");
        Ok(())
    })
}

/// Sends `head` (and then `body`) on a fresh connection, as a client that does not wait for
/// the answer, and returns the whole answer.
fn raw_exchange(app: &TestApp, head: &str, body: &[u8]) -> Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", app.host.port))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut answer = Vec::new();
    // The server may close as soon as it has answered; what it sent is what counts.
    let _ = stream.read_to_end(&mut answer);
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// Request bodies are capped per route: 64 KiB for forms and the API, 512 KiB for the payment
/// provider's and the provisioner's events; a larger body is refused with 413 before anything
/// is loaded, whether its length is declared (and then not read at all) or it arrives chunked.
#[test]
fn request_bodies_are_capped_per_route_with_a_413() -> Result<()> {
    let Some(app) = TestApp::start(Backend::Sqlite, "request_bodies_are_capped")? else {
        return Ok(());
    };
    let declared = |path: &str, content_type: &str, length: usize| {
        raw_exchange(
            &app,
            &format!(
                "POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
            ),
            b"",
        )
    };
    let form = declared("/login", "application/x-www-form-urlencoded", 100 * 1024)?;
    assert!(form.starts_with("HTTP/1.1 413"), "{form}");
    assert!(form.contains("larger than the 64 KiB"), "{form}");
    let api = declared("/api/v1/requests", "application/json", 100 * 1024)?;
    assert!(api.starts_with("HTTP/1.1 413"), "{api}");
    assert!(api.contains("/problems/too-large"), "{api}");
    let webhook = declared(
        "/api/billing/webhooks/stripe",
        "application/json",
        600 * 1024,
    )?;
    assert!(webhook.starts_with("HTTP/1.1 413"), "{webhook}");

    // Within its own cap a route reads the body (here the webhook then wants a signature).
    let allowed = app
        .host
        .client()
        .post(app.host.url("/api/billing/webhooks/stripe"))
        .header("stripe-signature", "t=1,v1=00")
        .body("a".repeat(100 * 1024))
        .send()?;
    assert_ne!(allowed.status(), 413, "the provider's events may be longer");

    // A chunked body declares no length: it is counted as it arrives.
    let big = "a".repeat(100 * 1024);
    let mut body = format!("{:x}\r\n", big.len()).into_bytes();
    body.extend_from_slice(big.as_bytes());
    body.extend_from_slice(b"\r\n0\r\n\r\n");
    let chunked = raw_exchange(
        &app,
        "POST /api/v1/requests HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        &body,
    )?;
    assert!(chunked.starts_with("HTTP/1.1 413"), "{chunked}");
    expect_status(app.get("/healthz/live")?, 200)?;
    Ok(())
}

/// Every write counts against its account's allowance and its client address's (five times
/// the account's): over either, a 429 with `Retry-After` that changed nothing. Signed-out
/// writes count against the address too.
#[test]
fn writes_are_rate_limited_per_account_and_per_address() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::builder(backend)
            .variable("write_limit_per_minute", "3")
            .start("writes_are_rate_limited")?
        else {
            continue;
        };
        let create = |who: &Session, csrf: &str, name: &str| -> Result<Response> {
            Ok(app
                .as_user(who, Method::POST, "/api/v1/api-tokens")
                .header("x-csrf-token", csrf)
                .json(&json!({ "name": name, "scope": "read" }))
                .send()?)
        };
        let tokens = |name: &str| {
            app.sql_count(&format!(
                "SELECT COUNT(*) FROM api_tokens WHERE name LIKE '{name}%'"
            ))
        };
        let ada = app.sign_in(ADA)?;
        let ada_csrf = app.csrf(&ada)?;
        for n in 0..3 {
            expect_status(create(&ada, &ada_csrf, &format!("acme-{n}"))?, 201)?;
        }
        let limited = create(&ada, &ada_csrf, "acme-over")?;
        assert_eq!(
            limited.status(),
            429,
            "the account's fourth write in a minute"
        );
        let retry: u64 = limited.headers()["retry-after"].to_str()?.parse()?;
        assert!((1..=60).contains(&retry), "Retry-After {retry}");
        let problem: Value = limited.json()?;
        assert_eq!(problem["status"], 429);
        assert_eq!(tokens("acme-over")?, 0, "the refused write changed nothing");

        // Another account from the same address still has its own allowance...
        let mia = app.sign_in(MIA)?;
        let mia_csrf = app.csrf(&mia)?;
        for n in 0..3 {
            expect_status(create(&mia, &mia_csrf, &format!("northwind-{n}"))?, 201)?;
        }
        // ...until the address has used its own (15 a minute), signed-out writes included:
        // signing out has no limit of its own, so its 429 is the address's.
        let mut statuses = Vec::new();
        for _ in 0..15 {
            let status = app.post_form(&[], "/logout", &[])?.status().as_u16();
            statuses.push(status);
            if status == 429 {
                break;
            }
        }
        assert_eq!(
            statuses.last(),
            Some(&429),
            "the address's allowance ran out: {statuses:?}"
        );
        assert!(
            statuses[..statuses.len() - 1].iter().all(|s| *s < 400),
            "{statuses:?}"
        );
        let page = app.post_form(&[], "/logout", &[])?;
        assert_eq!(page.status(), 429);
        assert!(page.headers().contains_key("retry-after"));
        let body = page.text()?;
        assert!(
            body.contains("Too many attempts") && body.contains("try again"),
            "{body}"
        );
        // Reading is never limited.
        expect_status(app.get_as(&mia, "/dashboard")?, 200)?;
    }
    Ok(())
}

/// File handling (ASVS V5): every download is an attachment with its real type and a plain
/// file name, never sniffed or cached; a spreadsheet opening the activity export never runs a
/// value someone typed as a formula.
#[test]
fn downloads_are_typed_attachments_and_exports_carry_no_formulas() -> Result<()> {
    each_backend("downloads_are_typed_attachments", |app| {
        let ada = app.sign_in(ADA)?;
        let csrf = app.csrf(&ada)?;
        let formula = "=HYPERLINK(\"https://evil.example\",\"open\")";
        let created = app
            .as_user(&ada, Method::POST, "/api/v1/api-tokens")
            .header("x-csrf-token", &csrf)
            .json(&json!({ "name": formula, "scope": "read" }))
            .send()?;
        expect_status(created, 201)?;
        for (path, content_type) in [
            ("/licenses/lic_demo_pro/license.json", "application/json"),
            ("/activity?format=csv", "text/csv; charset=utf-8"),
            ("/activity?format=json", "application/json"),
        ] {
            let resp = app.get_as(&ada, path)?;
            ensure!(resp.status() == 200, "{path}: {}", resp.status());
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            ensure!(
                header("content-type") == content_type,
                "{path}: {}",
                header("content-type")
            );
            let disposition = header("content-disposition");
            let name = disposition
                .strip_prefix("attachment; filename=\"")
                .and_then(|n| n.strip_suffix('"'))
                .unwrap_or_default();
            ensure!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
                "{path}: {disposition}"
            );
            ensure!(header("x-content-type-options") == "nosniff", "{path}");
            ensure!(header("cache-control").contains("no-store"), "{path}");
            if path.ends_with("csv") {
                let csv = resp.text()?;
                ensure!(
                    csv.contains("HYPERLINK"),
                    "the token's name is in the log: {csv}"
                );
                for field in csv.split([',', '\n']) {
                    let field = field.trim_start_matches('"');
                    ensure!(
                        !field.starts_with(['=', '+', '@', '\t']),
                        "a field a spreadsheet would run: {field}"
                    );
                }
            }
        }
        Ok(())
    })
}

/// Mail to other people's addresses is an allowance of its own: thirty messages an hour per
/// account (invitations here), so the portal cannot be used to spam; the refused one is not
/// sent and not recorded.
#[test]
fn an_account_sends_at_most_thirty_messages_to_others_an_hour() -> Result<()> {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .variable("write_limit_per_minute", "1000")
        .start("an_account_sends_at_most_thirty_messages")?
    else {
        return Ok(());
    };
    let ada = app.sign_in(ADA)?;
    let csrf = app.csrf(&ada)?;
    let invite = |n: usize| -> Result<Response> {
        Ok(app
            .as_user(&ada, Method::POST, "/api/v1/invitations")
            .header("x-csrf-token", &csrf)
            .json(&json!({ "email": format!("new{n}@example.com"), "role": "member" }))
            .send()?)
    };
    let mail_before = app.sql_count("SELECT COUNT(*) FROM mail_outbox")?;
    for n in 0..30 {
        expect_status(invite(n)?, 201)?;
    }
    let refused = invite(30)?;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        app.sql_count("SELECT COUNT(*) FROM invitations WHERE email = 'new30@example.com'")?,
        0
    );
    assert_eq!(
        app.sql_count("SELECT COUNT(*) FROM mail_outbox")? - mail_before,
        30
    );
    // The form says so in the page.
    let page = app.post_as(
        &ada,
        "/team/invitations",
        &[("email", "new31@example.com"), ("role", "member")],
    )?;
    assert_eq!(page.status(), 429);
    assert!(page.text()?.contains("Too many attempts"));
    Ok(())
}
