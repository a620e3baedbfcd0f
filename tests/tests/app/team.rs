//! Team management and the fresh verification destructive actions require.

use anyhow::{Context, Result};
use pulse_tests::app::{Session, TestApp, expect_status};
use serde_json::Value;

use super::each_backend;

fn members(app: &TestApp, who: &Session) -> Result<Vec<String>> {
    let list: Value = app.get_as(who, "/api/v1/members")?.json()?;
    Ok(list["data"]
        .as_array()
        .context("data")?
        .iter()
        .filter_map(|m| m["email"].as_str().map(str::to_string))
        .collect())
}

/// Makes every session of the user look verified an hour ago.
fn age_verification(app: &TestApp, user_id: &str) -> Result<()> {
    app.sql(&format!(
        "UPDATE sessions SET verified_at = verified_at - 3600 WHERE user_id = '{user_id}'"
    ))?;
    Ok(())
}

#[test]
fn removing_a_member_right_after_sign_in_needs_no_extra_step() -> Result<()> {
    each_backend(
        "removing_a_member_right_after_sign_in_needs_no_extra_step",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let resp = app.post_as(&ada, "/team/members/remove", &[("user", "usr_demo_cy")])?;
            assert_eq!(resp.status(), 303);
            assert_eq!(resp.headers()["location"], "/team?done=removed");
            assert!(!members(app, &ada)?.contains(&"cy@acme.example".to_string()));
            assert_eq!(
            app.sql_count("SELECT COUNT(*) FROM audit_log WHERE action = 'member.removed' AND target = 'usr_demo_cy'")?,
            1
        );
            Ok(())
        },
    )
}

#[test]
fn a_stale_verification_sends_the_user_to_confirm_by_email_code_first() -> Result<()> {
    each_backend(
        "a_stale_verification_sends_the_user_to_confirm_by_email_code_first",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            age_verification(app, "usr_demo_ada")?;
            let csrf = app.csrf(&ada)?;
            let resp = app
                .as_user(&ada, reqwest::Method::POST, "/team/members/remove")
                .header("referer", app.host.url("/team"))
                .form(&[("user", "usr_demo_cy"), ("csrf", csrf.as_str())])
                .send()?;
            assert_eq!(resp.status(), 303);
            assert_eq!(resp.headers()["location"], "/security/verify?next=%2Fteam");
            assert!(
                members(app, &ada)?.contains(&"cy@acme.example".to_string()),
                "nothing removed yet"
            );

            let sent = app.post_as(&ada, "/security/verify/send", &[("next", "/team")])?;
            assert_eq!(sent.status(), 303);
            let mail = app.mailbox("ada@acme.example")?;
            let subject = mail[0]["subject"].as_str().context("subject")?;
            let code = subject
                .split_whitespace()
                .next()
                .context("code")?
                .to_string();
            assert_eq!(code.len(), 6, "{subject}");

            let wrong = if code == "000000" { "111111" } else { "000000" };
            let bad = app.post_as(
                &ada,
                "/security/verify",
                &[("code", wrong), ("next", "/team")],
            )?;
            assert_eq!(bad.status(), 422);
            let ok = app.post_as(
                &ada,
                "/security/verify",
                &[("code", &code), ("next", "/team")],
            )?;
            assert_eq!(ok.status(), 303);
            assert_eq!(ok.headers()["location"], "/team");
            // A code works once.
            assert_eq!(
                app.post_as(
                    &ada,
                    "/security/verify",
                    &[("code", &code), ("next", "/team")]
                )?
                .status(),
                422
            );

            let removed = app.post_as(&ada, "/team/members/remove", &[("user", "usr_demo_cy")])?;
            assert_eq!(removed.status(), 303);
            assert!(!members(app, &ada)?.contains(&"cy@acme.example".to_string()));
            Ok(())
        },
    )
}

#[test]
fn a_verification_code_stops_working_after_five_wrong_tries() -> Result<()> {
    let Some(app) = TestApp::start(pulse_tests::app::Backend::Sqlite, "five_wrong_tries")? else {
        return Ok(());
    };
    let ada = app.sign_in("ada@acme.example")?;
    app.post_as(&ada, "/security/verify/send", &[("next", "/team")])?;
    let mail = app.mailbox("ada@acme.example")?;
    let code = mail[0]["subject"]
        .as_str()
        .context("subject")?
        .split_whitespace()
        .next()
        .context("code")?
        .to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(
            app.post_as(&ada, "/security/verify", &[("code", wrong)])?
                .status(),
            422
        );
    }
    let late = app.post_as(&ada, "/security/verify", &[("code", &code)])?;
    assert_eq!(late.status(), 422, "the right code no longer works");
    assert!(late.text()?.contains("expired or was tried too often"));
    Ok(())
}

#[test]
fn team_rules_keep_an_owner_and_limit_who_removes_whom() -> Result<()> {
    each_backend(
        "team_rules_keep_an_owner_and_limit_who_removes_whom",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            // Nobody removes themselves, and the last owner stays.
            assert_eq!(
                app.post_as(&ada, "/team/members/remove", &[("user", "usr_demo_ada")])?
                    .status(),
                403
            );
            // A billing member cannot manage the team.
            let bob = app.sign_in("bob@acme.example")?;
            assert_eq!(
                app.post_as(&bob, "/team/members/remove", &[("user", "usr_demo_cy")])?
                    .status(),
                403
            );
            // Someone from another account is not found here.
            assert_eq!(
                app.post_as(&ada, "/team/members/remove", &[("user", "usr_demo_gus")])?
                    .status(),
                404
            );
            // An admin (ada at Northwind) cannot remove the owner.
            let switched = app.post_as(
                &ada,
                "/accounts/switch",
                &[("account", "acc_demo_northwind")],
            )?;
            let at_northwind = Session {
                account: Session::from_response(&switched)?.account,
                ..ada.clone()
            };
            assert_eq!(
                app.post_as(
                    &at_northwind,
                    "/team/members/remove",
                    &[("user", "usr_demo_mia")]
                )?
                .status(),
                403
            );
            let page = expect_status(app.get_as(&ada, "/team")?, 200)?;
            assert!(page.contains("Cy Young") && page.contains("action=\"/team/members/remove\""));
            Ok(())
        },
    )
}
