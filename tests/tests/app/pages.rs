//! Routing between areas, the shell, health, static assets and error pages.

use anyhow::{Context, Result};
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
fn the_stylesheet_has_a_content_hashed_name_cached_for_good_and_pages_are_not_cached() -> Result<()>
{
    each_backend("static_assets_are_served_with_a_cache_lifetime", |app| {
        // Pages link the stylesheet by the hash of its content, and are never cached.
        let page = app.get("/login")?;
        assert_eq!(page.headers()["cache-control"], "no-store");
        let html = page.text()?;
        let href = pulse_core::views::assets::stylesheet_path();
        assert!(html.contains(&format!("href=\"{href}\"")), "{html}");
        let resp = app.get(&href)?;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "text/css; charset=utf-8");
        assert_eq!(
            resp.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let css = resp.text()?;
        assert!(css.contains("--accent") && css.contains("prefers-color-scheme: dark"));
        // The name is the content's: another hash is not found, the plain name is short-lived.
        assert_eq!(app.get("/static/app.0000000000000000.css")?.status(), 404);
        let plain = app.get("/static/app.css")?;
        assert_eq!(plain.headers()["cache-control"], "public, max-age=300");
        assert_eq!(plain.text()?, css);
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

/// The problem+json body `resp` carries, after checking its status and that its request id is
/// the response's.
fn problem(resp: reqwest::blocking::Response, status: u16) -> Result<serde_json::Value> {
    assert_eq!(resp.status().as_u16(), status);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let request_id = resp.headers()["x-request-id"].to_str()?.to_string();
    let body: serde_json::Value = resp.json()?;
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["request_id"], request_id.as_str(), "{body}");
    Ok(body)
}

/// The text of `body` at `key`, or "".
fn text<'a>(body: &'a serde_json::Value, key: &str) -> &'a str {
    body[key].as_str().unwrap_or_default()
}

#[test]
fn a_member_without_billing_rights_is_told_why_and_who_grants_access() -> Result<()> {
    each_backend(
        "a_member_without_billing_rights_is_told_why_and_who_grants_access",
        |app| {
            let cy = app.sign_in("cy@acme.example")?;
            let page = expect_status(app.get_as(&cy, "/billing")?, 403)?;
            for words in [
                "have access to this",
                "owners, admins and billing members. Ask one of them for access.",
                "You are signed in to <strong>Acme Robotics</strong>",
                "<strong>Member</strong>",
                "ask an owner or admin of this account: they can change your role on the Team page",
                "href=\"/team\"",
            ] {
                assert!(page.contains(words), "403 page lacks {words:?}: {page}");
            }
            let body = problem(app.get_as(&cy, "/api/v1/invoices")?, 403)?;
            assert_eq!(body["title"], "You don't have access to this");
            assert!(text(&body, "detail").contains("owners, admins and billing members"));
            assert!(text(&body, "next").contains("ask an owner or admin"));
            assert!(text(&body, "type").ends_with("/forbidden"));
            Ok(())
        },
    )
}

#[test]
fn an_unknown_path_or_another_accounts_id_is_a_404_saying_what_to_check() -> Result<()> {
    each_backend(
        "an_unknown_path_or_another_accounts_id_is_a_404_saying_what_to_check",
        |app| {
            let page = expect_status(app.get("/no/such/page")?, 404)?;
            assert!(page.contains("Page not found") && page.contains("Check the address"));
            assert!(
                page.contains("href=\"/login\""),
                "signed out: a way to sign in"
            );
            let ada = app.sign_in("ada@acme.example")?;
            // Globex's workspace exists, but not in Ada's account: no hint that it does.
            let page = expect_status(app.get_as(&ada, "/cloud/ten_demo_globex")?, 404)?;
            for words in [
                "Page not found",
                "or it belongs to an account you are not signed in to",
                "Check the address, or go back to your account home",
                "Go to your account home",
                "Request id",
            ] {
                assert!(page.contains(words), "404 page lacks {words:?}: {page}");
            }
            assert!(!page.contains("Globex"), "{page}");
            let body = problem(app.get_as(&ada, "/api/v1/tenants/ten_demo_globex")?, 404)?;
            assert_eq!(body["title"], "Page not found");
            assert!(text(&body, "next").starts_with("Check the address"));
            assert_eq!(body["instance"], "/api/v1/tenants/ten_demo_globex");
            Ok(())
        },
    )
}

#[test]
fn signing_out_a_session_twice_is_a_409_saying_it_was_already_signed_out() -> Result<()> {
    each_backend(
        "signing_out_a_session_twice_is_a_409_saying_it_was_already_signed_out",
        |app| {
            let laptop = app.sign_in("ada@acme.example")?;
            let list: serde_json::Value = app.get_as(&laptop, "/api/v1/sessions")?.json()?;
            let laptop_id = text(&list["data"][0], "id").to_string();
            assert!(laptop_id.starts_with("ses_"), "{list}");
            let phone = app.sign_in("ada@acme.example")?;
            let first = app.post_as(
                &phone,
                "/security/sessions/revoke",
                &[("session", &laptop_id)],
            )?;
            assert_eq!(first.status(), 303);
            // The same click again, from a tab that still showed the laptop.
            let again = app.post_as(
                &phone,
                "/security/sessions/revoke",
                &[("session", &laptop_id)],
            )?;
            let page = expect_status(again, 409)?;
            for words in [
                "be done right now",
                "That session was already signed out",
                "Reload the page to see the current state",
            ] {
                assert!(page.contains(words), "409 page lacks {words:?}: {page}");
            }
            let csrf = app.csrf(&phone)?;
            let api = app
                .as_user(
                    &phone,
                    reqwest::Method::DELETE,
                    &format!("/api/v1/sessions/{laptop_id}"),
                )
                .header("x-csrf-token", csrf)
                .send()?;
            let body = problem(api, 409)?;
            assert_eq!(body["title"], "That can't be done right now");
            assert!(text(&body, "detail").contains("already signed out"));
            assert!(text(&body, "next").starts_with("Reload the page"));
            assert!(text(&body, "type").ends_with("/conflict"));
            // An id that was never Ada's stays a 404.
            let unknown = app.post_as(
                &phone,
                "/security/sessions/revoke",
                &[("session", "ses_nothing")],
            )?;
            assert_eq!(unknown.status(), 404);
            Ok(())
        },
    )
}

#[test]
fn too_many_sign_in_requests_are_a_429_saying_how_long_to_wait() -> Result<()> {
    each_backend(
        "too_many_sign_in_requests_are_a_429_saying_how_long_to_wait",
        |app| {
            for _ in 0..5 {
                let resp = app.post_form(&[], "/login", &[("email", "bob@acme.example")])?;
                assert_eq!(resp.status(), 200);
            }
            let limited = app.post_form(&[], "/login", &[("email", "bob@acme.example")])?;
            assert_eq!(limited.status(), 429);
            let retry: u64 = limited.headers()["retry-after"].to_str()?.parse()?;
            let page = limited.text()?;
            let wait = pulse_core::error::wait_words(retry);
            for words in [
                "Too many attempts".to_string(),
                "we paused them to keep the account safe".to_string(),
                format!("Please wait {wait} and try again."),
            ] {
                assert!(page.contains(&words), "429 page lacks {words:?}: {page}");
            }
            let api = app
                .host
                .client()
                .post(app.host.url("/login"))
                .header("accept", "application/json")
                .form(&[("email", "bob@acme.example")])
                .send()?;
            let header: u64 = api.headers()["retry-after"].to_str()?.parse()?;
            let body = problem(api, 429)?;
            assert_eq!(body["title"], "Too many attempts");
            assert_eq!(body["retry_after"], header);
            assert!((1..=600).contains(&header), "{header}");
            assert_eq!(
                text(&body, "next"),
                format!(
                    "Please wait {} and try again.",
                    pulse_core::error::wait_words(header)
                )
            );
            Ok(())
        },
    )
}

#[test]
fn an_unreachable_database_is_a_503_asking_to_retry_with_a_request_id() -> Result<()> {
    let test = "an_unreachable_database_is_a_503_asking_to_retry_with_a_request_id";
    for backend in [
        pulse_tests::app::Backend::Sqlite,
        pulse_tests::app::Backend::Postgres,
    ] {
        let Some(app) = pulse_tests::app::TestApp::builder(backend)
            .variable(
                "db_url",
                "postgres://postgres@127.0.0.1:1/nothing?sslmode=disable",
            )
            .variable("db_host", "127.0.0.1:1")
            .start(test)?
        else {
            continue;
        };
        // A person asking for a sign-in link while the database is down.
        let resp = app.post_form(&[], "/login", &[("email", "ada@acme.example")])?;
        assert_eq!(resp.status(), 503, "on {backend:?}");
        let request_id = resp.headers()["x-request-id"].to_str()?.to_string();
        let page = resp.text()?;
        for words in [
            "Pulse Account is temporarily unavailable",
            "Nothing was changed",
            "Please try again in a minute",
            "quote the request id",
            request_id.as_str(),
        ] {
            assert!(
                page.contains(words),
                "503 page on {backend:?} lacks {words:?}: {page}"
            );
        }
        assert!(!page.contains("127.0.0.1"), "no internals: {page}");
        let api = app
            .host
            .client()
            .get(app.host.url("/api/v1/tenants"))
            .bearer_auth("pat_x")
            .send()?;
        let body = problem(api, 503)?;
        assert_eq!(body["title"], "Pulse Account is temporarily unavailable");
        assert!(text(&body, "next").contains("try again in a minute"));
        assert!(text(&body, "type").ends_with("/unavailable"));
        assert!(!body.to_string().contains("127.0.0.1"), "{body}");
    }
    Ok(())
}

#[test]
fn home_words_due_dates_and_expiries_relative_to_today() -> Result<()> {
    each_backend(
        "home_words_due_dates_and_expiries_relative_to_today",
        |app| {
            // The demo data is dated from the day it was loaded: one invoice due in five days,
            // one 25 days overdue, a license expiring in 24 days and one expired 90 days ago.
            let ada = app.sign_in("ada@acme.example")?;
            let home = expect_status(app.get_as(&ada, "/dashboard")?, 200)?;
            let attention = home
                .split("Needs your attention")
                .nth(1)
                .and_then(|rest| rest.split("</section>").next())
                .unwrap_or_default();
            // What a person reads: the text without its tags.
            let words = attention
                .split('<')
                .map(|piece| piece.split_once('>').map_or(piece, |(_, text)| text))
                .collect::<String>();
            // (Loaded just before midnight UTC and read just after, every count is a day less.)
            let either = |a: &str, b: &str| words.contains(a) || words.contains(b);
            assert!(words.contains("is overdue since "), "{words}");
            assert!(either("is due in 5 days", "is due in 4 days"), "{words}");
            assert!(
                either("expires in 24 days", "expires in 23 days"),
                "{words}"
            );
            assert!(words.contains("expired 3 months ago"), "{words}");
            assert!(!home.contains("is due on"), "{home}");
            // The overdue invoice comes first, and each item links to where it is fixed.
            let overdue = attention.find("PA-2026-0010").unwrap_or(usize::MAX);
            let due_soon = attention.find("PA-2026-0011").unwrap_or(0);
            assert!(overdue < due_soon, "{attention}");
            assert!(attention.contains("href=\"/billing/invoices/inv_demo_0010\""));
            assert!(attention.contains("href=\"/licenses/lic_demo_pro\""));
            // The absolute date stays available, machine-readable and on hover.
            assert!(
                attention.contains("<time datetime=\"") && attention.contains(" title=\""),
                "{attention}"
            );
            // A current mix of workspaces: one active, one being set up.
            assert!(home.contains("Acme staging") && home.contains("provisioning"));
            assert!(home.contains(">active<"), "{home}");
            Ok(())
        },
    )
}

#[test]
fn home_gathers_what_needs_doing_from_every_area_most_urgent_first() -> Result<()> {
    each_backend(
        "home_gathers_what_needs_doing_from_every_area_most_urgent_first",
        |app| {
            // A failed payment, a workspace that failed and one stuck in provisioning, a
            // license with every activation in use, and a refund on its way.
            app.sql("UPDATE subscriptions SET status = 'past_due' WHERE id = 'sub_demo_acme'")?;
            app.sql("UPDATE tenants SET status = 'failed' WHERE id = 'ten_demo_acme'")?;
            app.sql("UPDATE tenants SET created_at = '2020-01-01T00:00:00Z' WHERE id = 'ten_demo_acmestg'")?;
            app.sql("UPDATE licenses SET max_activations = 2 WHERE id = 'lic_demo_pro'")?;
            app.sql(
                "INSERT INTO refunds (id, account_id, invoice_id, requested_by, reason, status, amount, currency, created_at)
                 VALUES ('ref_home', 'acc_demo_acme', 'inv_demo_0009', 'usr_demo_ada', 'Moved plans', 'requested', 29631, 'EUR', '2026-01-01T00:00:00Z')",
            )?;
            let ada = app.sign_in("ada@acme.example")?;
            let home = expect_status(app.get_as(&ada, "/dashboard")?, 200)?;
            let attention = home
                .split("Needs your attention")
                .nth(1)
                .and_then(|rest| rest.split("</section>").next())
                .unwrap_or_default();
            let at = |needle: &str| {
                attention
                    .find(needle)
                    .with_context(|| format!("{needle} is not on Home: {attention}"))
            };
            let payment = at("The last payment for Pulse Cloud Pro failed")?;
            let failed = at("could not be set up")?;
            let stuck = at("in provisioning for over an hour")?;
            let activations = at("All 2 activations of license")?;
            let refund = at("is being processed")?;
            assert!(payment < failed && failed < stuck, "{attention}");
            assert!(stuck < activations && activations < refund, "{attention}");
            assert!(attention.contains("href=\"/cloud/ten_demo_acme\""));
            // A member without billing rights sees no money matters.
            let cy = app.sign_in("cy@acme.example")?;
            let theirs = expect_status(app.get_as(&cy, "/dashboard")?, 200)?;
            assert!(!theirs.contains("is being processed"), "{theirs}");
            assert!(!theirs.contains("The last payment"), "{theirs}");
            Ok(())
        },
    )
}

#[test]
fn the_activity_log_is_filtered_paged_and_exported_for_owners_and_admins() -> Result<()> {
    each_backend(
        "the_activity_log_is_filtered_paged_and_exported_for_owners_and_admins",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            for n in 0..55 {
                let name = format!("=Name {n}");
                let renamed = app.post_as(
                    &ada,
                    "/cloud/ten_demo_acme/rename",
                    &[("name", name.as_str())],
                )?;
                assert_eq!(renamed.status(), 303);
            }
            let invited = app.post_as(
                &ada,
                "/team/invitations",
                &[("email", "eve@acme.example"), ("role", "member")],
            )?;
            assert_eq!(invited.status(), 303);

            // Page one: 50 entries, newest first, with a link to older ones.
            let page = expect_status(app.get_as(&ada, "/activity")?, 200)?;
            assert_eq!(
                page.matches("<tr>").count(),
                51,
                "a header row and 50 entries"
            );
            let marker = "href=\"/activity?";
            let older = page
                .rfind(marker)
                .map(|i| &page[i + 6..])
                .and_then(|rest| rest.split('"').next())
                .context("a link to older entries")?
                .replace("&amp;", "&");
            assert!(older.contains("before=aud_"), "{older}");
            let page_two = expect_status(app.get_as(&ada, &older)?, 200)?;
            assert!(page_two.matches("<tr>").count() >= 6, "{page_two}");

            // Filtered by kind and person; exported as JSON and CSV.
            let json: serde_json::Value = app
                .get_as(
                    &ada,
                    "/activity?kind=tenant&person=ada%40acme.example&format=json",
                )?
                .json()?;
            let data = json["data"].as_array().context("data")?;
            assert_eq!(data.len(), 55);
            assert!(data.iter().all(|e| e["action"] == "tenant.renamed"));
            let times: Vec<&str> = data
                .iter()
                .filter_map(|e| e["created_at"].as_str())
                .collect();
            assert!(
                times.windows(2).all(|w| w[0] >= w[1]),
                "newest first: {times:?}"
            );
            let all: serde_json::Value = app.get_as(&ada, "/activity?format=json")?.json()?;
            assert!(
                all["data"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|e| e["action"] == "invitation.sent")),
                "{all}"
            );
            let csv = app
                .get_as(&ada, "/activity?kind=tenant&format=csv")?
                .text()?;
            assert!(
                csv.starts_with("created_at,actor,action,target,detail,ip\r\n"),
                "{csv}"
            );
            assert_eq!(csv.lines().count(), 56);
            assert!(csv.contains(",Display name: =Name 0,"), "{csv}");
            let none = app
                .get_as(&ada, "/activity?kind=refund&format=json")?
                .json::<serde_json::Value>()?;
            assert_eq!(none["data"], serde_json::json!([]));
            assert_eq!(app.get_as(&ada, "/activity?from=yesterday")?.status(), 422);

            // Members who do not manage the team, and other accounts, see none of it.
            let cy = app.sign_in("cy@acme.example")?;
            assert_eq!(app.get_as(&cy, "/activity")?.status(), 403);
            let mia = app.sign_in("mia@northwind.example")?;
            let theirs = expect_status(app.get_as(&mia, "/activity")?, 200)?;
            assert!(!theirs.contains("tenant.renamed"), "{theirs}");
            Ok(())
        },
    )
}

#[test]
fn the_navigation_shows_only_what_the_account_has_and_the_person_may_see() -> Result<()> {
    each_backend("navigation_by_account_and_role", |app| {
        let nav = |html: &str| -> Vec<&'static str> {
            [
                ("/licenses", "Licenses"),
                ("/cloud", "Pulse Cloud"),
                ("/billing", "Billing"),
                ("/msp", "MSP"),
            ]
            .into_iter()
            .filter(|(href, label)| html.contains(&format!("href=\"{href}\">{label}<")))
            .map(|(_, label)| label)
            .collect()
        };
        // An owner of a customer with licenses and workspaces sees both, and Billing.
        let ada = app.sign_in("ada@acme.example")?;
        let html = expect_status(app.get_as(&ada, "/team")?, 200)?;
        assert_eq!(nav(&html), ["Licenses", "Pulse Cloud", "Billing"], "{html}");
        // A member without billing rights has no Billing.
        let cy = app.sign_in("cy@acme.example")?;
        let html = expect_status(app.get_as(&cy, "/team")?, 200)?;
        assert_eq!(nav(&html), ["Licenses", "Pulse Cloud"]);
        // A customer with workspaces and no licenses has no Licenses section.
        let gus = app.sign_in("gus@globex.example")?;
        let html = expect_status(app.get_as(&gus, "/team")?, 200)?;
        assert_eq!(nav(&html), ["Pulse Cloud", "Billing"]);
        // Licenses only: no Pulse Cloud section.
        app.sql("UPDATE tenants SET status = 'deleted' WHERE account_id = 'acc_demo_acme'")?;
        let html = expect_status(app.get_as(&ada, "/team")?, 200)?;
        assert_eq!(nav(&html), ["Licenses", "Billing"]);
        // A provider has the MSP section, no customer sections.
        let mia = app.sign_in("mia@northwind.example")?;
        let html = expect_status(app.get_as(&mia, "/team")?, 200)?;
        assert_eq!(nav(&html), ["Billing", "MSP"]);
        Ok(())
    })
}

#[test]
fn sign_ins_are_in_the_activity_of_every_account_the_person_belongs_to() -> Result<()> {
    each_backend("sign_ins_in_activity", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        let log: serde_json::Value = app
            .get_as(&ada, "/activity?kind=session&format=json")?
            .json()?;
        let entries = log["data"].as_array().cloned().unwrap_or_default();
        assert!(
            entries.iter().any(|e| e["action"] == "session.signed_in"
                && e["detail"] == "Signed in with an email link"),
            "{log}"
        );
        assert!(
            entries.iter().all(|e| e["action"] == "session.signed_in"),
            "the filter keeps sign-ins only: {log}"
        );
        // Ada is also an admin of Northwind: the sign-in is in its log too, and not in a
        // stranger's.
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'session.signed_in' AND account_id = 'acc_demo_northwind'"
            )?,
            1
        );
        assert_eq!(
            app.sql_count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'session.signed_in' AND account_id = 'acc_demo_globex'"
            )?,
            0
        );
        Ok(())
    })
}
