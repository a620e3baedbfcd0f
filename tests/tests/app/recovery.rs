//! Recovery that finishes the job: license retrieval mails each signed key to the purchase
//! address and nothing else shows it, with the same answer and the same work for a known and
//! an unknown address; and the old utility pages (seed 002) redirect to the flows that replaced
//! them, keeping their query strings, without ever reaching the workspace catch-all.

use anyhow::{Context, Result, ensure};
use pulse_tests::app::{Backend, TestApp, expect_status};
use serde_json::Value;

use super::each_backend;
use super::licenses::{JWKS, verify_with_jwks};

/// `body` with `email` and every generated id (`req_…`) replaced, so two answers compare.
fn without_ids(body: &str, email: &str) -> String {
    let body = body.replace(email, "EMAIL");
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(at) = rest.find("req_") {
        out.push_str(&rest[..at]);
        out.push_str("ID");
        rest = rest[at + 4..]
            .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    }
    out.push_str(rest);
    out
}

/// The license keys in a retrieval email's text: the line after each `License key:`.
fn keys_in(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].trim() == "License key:")
        .map(|w| w[1].trim().to_string())
        .collect()
}

/// Posts the license-retrieval form signed out.
fn retrieve(app: &TestApp, email: &str) -> Result<reqwest::blocking::Response> {
    app.post_form(&[], "/recover/license", &[("email", email)])
}

#[test]
fn license_retrieval_mails_verifiable_keys_and_answers_an_unknown_address_the_same() -> Result<()> {
    each_backend(
        "license_retrieval_mails_verifiable_keys_and_answers_an_unknown_address_the_same",
        |app| {
            let jwks: Value = app.get(JWKS)?.json()?;
            let known = retrieve(app, "ada@acme.example")?;
            let known_calls = app.calls(&known)?;
            let known_status = known.status().as_u16();
            let known_body = known.text()?;
            let unknown = retrieve(app, "stranger@else.example")?;
            let unknown_calls = app.calls(&unknown)?;
            let unknown_status = unknown.status().as_u16();
            let unknown_body = unknown.text()?;

            // The same answer, and the same work behind it: the statements, key-value operations
            // and variable reads that timing would otherwise betray.
            assert_eq!(known_status, 201);
            assert_eq!(unknown_status, known_status);
            assert_eq!(
                without_ids(&known_body, "ada@acme.example"),
                without_ids(&unknown_body, "stranger@else.example")
            );
            assert_eq!(
                known_calls, unknown_calls,
                "known and unknown do the same work"
            );

            // One email to the known address, carrying each license's signed key.
            let mail = app.mailbox("ada@acme.example")?;
            ensure!(mail.len() == 1, "one email, got {}", mail.len());
            let text = mail[0]["text"].as_str().context("text")?;
            let keys = keys_in(text);
            ensure!(!keys.is_empty(), "no keys in {text}");
            let mut lids = Vec::new();
            for key in &keys {
                let claims = verify_with_jwks(&jwks, key)?;
                lids.push(claims["lid"].as_str().context("lid")?.to_string());
                // The page never shows a key.
                assert!(!known_body.contains(key.as_str()), "the page shows a key");
            }
            assert!(lids.contains(&"lic_demo_pro".to_string()), "{lids:?}");
            assert!(
                text.contains("/licenses/lic_demo_pro/license.json") && text.contains("/login"),
                "says how to download the file after signing in: {text}"
            );
            let html = mail[0]["html"].as_str().context("html")?;
            assert!(html.contains(keys[0].as_str()), "{html}");
            // Ada's own account only: Globex's licenses are not hers.
            let counted = app.sql_count(
                "SELECT COUNT(*) FROM licenses l JOIN memberships m ON m.account_id = l.account_id \
                 JOIN users u ON u.id = m.user_id \
                 WHERE u.email = 'ada@acme.example' AND m.role IN ('owner', 'admin', 'billing')",
            )?;
            assert_eq!(keys.len() as i64, counted);

            // The unknown address also gets one email, with no key in it; neither page shows one.
            let stranger = app.mailbox("stranger@else.example")?;
            ensure!(stranger.len() == 1, "one email, got {}", stranger.len());
            let text = stranger[0]["text"].as_str().context("text")?;
            assert!(
                text.contains("No licenses") && keys_in(text).is_empty(),
                "{text}"
            );
            for body in [&known_body, &unknown_body] {
                assert!(!body.contains("eyJ"), "a page shows a signed key: {body}");
            }
            Ok(())
        },
    )
}

#[test]
fn license_retrieval_is_rate_limited_per_email_with_retry_after() -> Result<()> {
    each_backend(
        "license_retrieval_is_rate_limited_per_email_with_retry_after",
        |app| {
            for _ in 0..5 {
                expect_status(retrieve(app, "ada@acme.example")?, 201)?;
            }
            let limited = retrieve(app, "ada@acme.example")?;
            assert_eq!(limited.status(), 429);
            let retry: u64 = limited.headers()["retry-after"].to_str()?.parse()?;
            assert!(retry > 0 && retry <= 3600, "retry-after {retry}");
            assert!(
                !limited.text()?.contains("eyJ"),
                "a refusal shows no key either"
            );
            // Only the five accepted requests were mailed.
            assert_eq!(app.mailbox("ada@acme.example")?.len(), 5);
            // Another address is not held back by Ada's limit.
            expect_status(retrieve(app, "stranger@else.example")?, 201)?;
            Ok(())
        },
    )
}

#[test]
fn production_refuses_to_mail_keys_signed_by_a_development_key() -> Result<()> {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .production()
        .start("production_refuses_to_mail_keys_signed_by_a_development_key")?
    else {
        return Ok(());
    };
    // The harness's license key is a development one: no key is signed, nothing is recorded
    // or queued, and the answer is the same 503 for any address.
    for email in ["ada@acme.example", "stranger@else.example"] {
        let resp = retrieve(&app, email)?;
        assert_eq!(resp.status(), 503, "{email}");
        assert!(!resp.text()?.contains("eyJ"));
    }
    assert_eq!(app.sql_count("SELECT COUNT(*) FROM mail_outbox")?, 0);
    assert_eq!(
        app.sql_count("SELECT COUNT(*) FROM requests WHERE kind = 'license_retrieval'")?,
        0
    );
    assert!(
        app.host
            .log()
            .contains("`license_keys` holds a development key"),
        "the log names the problem:\n{}",
        app.host.log()
    );
    // The other forms never read the license keys, so they still work.
    expect_status(
        app.post_form(&[], "/privacy/export", &[("email", "ada@acme.example")])?,
        201,
    )?;
    Ok(())
}

/// The old pages and where each now lives.
const OLD_PAGES: [(&str, &str); 4] = [
    ("/manage", "/recover/manage"),
    ("/retrieve-license", "/recover/license"),
    ("/refund", "/recover/refund"),
    ("/data", "/privacy"),
];

#[test]
fn the_old_utility_pages_redirect_permanently_keeping_their_query() -> Result<()> {
    each_backend(
        "the_old_utility_pages_redirect_permanently_keeping_their_query",
        |app| {
            for (old, new) in OLD_PAGES {
                for path in [old.to_string(), format!("{old}.html")] {
                    for query in ["", "?email=ada%40acme.example&ref=mail&x=a+b"] {
                        let resp = app.get(&format!("{path}{query}"))?;
                        assert_eq!(resp.status(), 301, "{path}{query}");
                        assert_eq!(
                            resp.headers()["location"],
                            format!("{new}{query}").as_str(),
                            "{path}{query}"
                        );
                        // A redirect costs no database and stays within the variable budget.
                        let calls = app.calls(&resp)?;
                        ensure!(
                            calls.sql_opens == 0 && calls.kv_ops == 0 && calls.variable_reads <= 4,
                            "{path} made {calls:?}"
                        );
                    }
                }
            }
            // Every new home answers signed out.
            for (_, new) in OLD_PAGES {
                expect_status(app.get(new)?, 200)?;
            }
            Ok(())
        },
    )
}

#[test]
fn no_old_page_reaches_the_workspace_catch_all_while_paths_below_them_still_do() -> Result<()> {
    each_backend(
        "no_old_page_reaches_the_workspace_catch_all_while_paths_below_them_still_do",
        |app| {
            // Each old path is an exact route of recovery: none answers as a workspace slug.
            for (old, _) in OLD_PAGES {
                for path in [old.to_string(), format!("{old}.html")] {
                    let resp = app.get(&path)?;
                    assert_eq!(resp.status(), 301, "{path} reached another area");
                }
            }
            // Exact routes only: a path below one is still the catch-all's, never a redirect.
            for path in ["/manage/x", "/data/x", "/managed", "/refunds"] {
                let resp = app.get(path)?;
                assert_ne!(resp.status(), 301, "{path} was redirected");
                assert!(resp.headers().get("location").is_none_or(|l| {
                    !OLD_PAGES
                        .iter()
                        .any(|(_, new)| l.to_str().unwrap_or("") == *new)
                }));
            }
            Ok(())
        },
    )
}

#[test]
fn a_signed_in_support_ticket_carries_the_account_context_and_its_status_is_listed() -> Result<()> {
    each_backend(
        "a_signed_in_support_ticket_carries_the_account_context_and_its_status_is_listed",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let page = expect_status(app.get_as(&ada, "/support")?, 200)?;
            assert!(page.contains("Workspace acme.planapulse.app"), "{page}");
            let empty = app.post_as(&ada, "/support", &[("message", " ")])?;
            assert!(expect_status(empty, 422)?.contains("Tell us what you need"));

            let sent = app.post_as(
                &ada,
                "/support",
                &[
                    ("message", "The staging workspace is slow"),
                    ("attach", "ten_demo_acmestg"),
                    ("attach", "lic_demo_pro"),
                    ("attach", "ten_demo_globex"),
                ],
            )?;
            assert_eq!(sent.status(), 303);
            assert_eq!(sent.headers()["location"], "/support?done=sent");
            // The context: account, plan, and only the account's own attachments.
            assert_eq!(
                app.sql_count(
                    "SELECT COUNT(*) FROM requests WHERE kind = 'support' AND account_id = 'acc_demo_acme'
                       AND email = 'ada@acme.example' AND detail LIKE 'The staging workspace is slow%'
                       AND detail LIKE '%Account: Acme Robotics%' AND detail LIKE '%Pulse Cloud Pro%'
                       AND detail LIKE '%acme-staging.planapulse.app%' AND detail LIKE '%lic_demo_pro%'
                       AND detail NOT LIKE '%globex%'"
                )?,
                1
            );
            let support = app.mailbox("support@planapulse.ai")?;
            let subject = support[0]["subject"].as_str().context("subject")?;
            assert!(subject.contains("from ada@acme.example"), "{subject}");
            assert!(
                !app.mailbox("ada@acme.example")?.is_empty(),
                "a confirmation"
            );

            // The ticket is listed with its status, and follows it.
            let page = expect_status(app.get_as(&ada, "/support")?, 200)?;
            assert!(page.contains("The staging workspace is slow"), "{page}");
            assert!(page.contains(">received<"), "{page}");
            app.sql("UPDATE requests SET status = 'resolved' WHERE kind = 'support'")?;
            let page = expect_status(app.get_as(&ada, "/support")?, 200)?;
            assert!(page.contains(">resolved<"), "{page}");
            // Someone else in the account does not see Ada's tickets.
            let bob = app.sign_in("bob@acme.example")?;
            let theirs = expect_status(app.get_as(&bob, "/support")?, 200)?;
            assert!(
                !theirs.contains("The staging workspace is slow"),
                "{theirs}"
            );
            Ok(())
        },
    )
}
