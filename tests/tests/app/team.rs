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

/// The invitation link in the newest message to `to`.
fn invitation_link(app: &TestApp, to: &str) -> Result<String> {
    let messages = app.mailbox(to)?;
    let newest = messages.first().context("no message")?;
    anyhow::ensure!(
        newest["subject"]
            .as_str()
            .unwrap_or_default()
            .contains("invited you"),
        "newest message is not an invitation: {newest}"
    );
    newest["links"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .find(|u| u.contains("/team/invitations/accept?token="))
        })
        .map(str::to_string)
        .context("no invitation link")
}

/// The path and query of an absolute link to the portal.
fn path_of(link: &str) -> String {
    let after_scheme = link.split("://").nth(1).unwrap_or(link);
    after_scheme[after_scheme.find('/').unwrap_or(0)..].to_string()
}

#[test]
fn an_invited_person_who_signs_in_by_email_link_joins_and_the_link_is_spent() -> Result<()> {
    each_backend(
        "an_invited_person_who_signs_in_by_email_link_joins_and_the_link_is_spent",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let resp = app.post_as(
                &ada,
                "/team/invitations",
                &[("email", "Eve@Example.com"), ("role", "admin")],
            )?;
            assert_eq!(resp.status(), 303);
            assert_eq!(resp.headers()["location"], "/team?done=invited");
            let link = path_of(&invitation_link(app, "eve@example.com")?);
            // Signed out, the link says who invites whom and asks to sign in with that address.
            let page = expect_status(app.get(&link)?, 200)?;
            assert!(page.contains("Join Acme Robotics"), "{page}");
            assert!(page.contains("eve@example.com"), "{page}");
            assert!(page.contains("/login?email=eve@example.com"), "{page}");
            // Signing in by email link creates the person and makes them a member.
            let eve = app.sign_in("eve@example.com")?;
            let me: Value = app.get_as(&eve, "/api/v1/me")?.json()?;
            assert_eq!(me["account"]["account_id"], "acc_demo_acme", "{me}");
            assert_eq!(me["account"]["role"], "admin", "{me}");
            // The link was single use.
            let spent = expect_status(app.get(&link)?, 404)?;
            assert!(spent.contains("no longer works"), "{spent}");
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM audit_log WHERE action = 'invitation.sent'")?,
                1
            );
            Ok(())
        },
    )
}

#[test]
fn a_signed_in_person_accepts_an_invitation_for_their_own_address_only() -> Result<()> {
    each_backend(
        "a_signed_in_person_accepts_an_invitation_for_their_own_address_only",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let mia = app.sign_in("mia@northwind.example")?;
            let resp = app.post_as(
                &ada,
                "/team/invitations",
                &[("email", "mia@northwind.example"), ("role", "member")],
            )?;
            assert_eq!(resp.status(), 303);
            let link = path_of(&invitation_link(app, "mia@northwind.example")?);
            let token = link.split("token=").nth(1).context("token")?.to_string();
            // Someone else signed in sees whom it is for and cannot accept it.
            let page = expect_status(app.get_as(&ada, &link)?, 200)?;
            assert!(page.contains("for someone else"), "{page}");
            let refused = app.post_as(&ada, "/team/invitations/accept", &[("token", &token)])?;
            assert_eq!(refused.status(), 403);
            // The invited person joins with one click.
            let page = expect_status(app.get_as(&mia, &link)?, 200)?;
            assert!(page.contains("Join Acme Robotics"), "{page}");
            let joined = app.post_as(&mia, "/team/invitations/accept", &[("token", &token)])?;
            assert_eq!(joined.status(), 303);
            assert_eq!(
                joined.headers()["location"],
                "/dashboard?account=acc_demo_acme"
            );
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM memberships WHERE account_id = 'acc_demo_acme' AND user_id = 'usr_demo_mia' AND role = 'member'")?,
                1
            );
            // A second use finds nothing.
            let again = app.post_as(&mia, "/team/invitations/accept", &[("token", &token)])?;
            assert_eq!(again.status(), 404);
            Ok(())
        },
    )
}

#[test]
fn resending_replaces_the_link_and_revoking_kills_it() -> Result<()> {
    each_backend("resending_replaces_the_link_and_revoking_kills_it", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        let csrf = app.csrf(&ada)?;
        let created = app
            .as_user(&ada, reqwest::Method::POST, "/api/v1/invitations")
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({ "email": "zed@example.com", "role": "billing" }))
            .send()?;
        let created: Value = serde_json::from_str(&expect_status(created, 201)?)?;
        let id = created["id"].as_str().context("id")?.to_string();
        assert!(
            created.get("token").is_none(),
            "the link never leaves by API"
        );
        let first = path_of(&invitation_link(app, "zed@example.com")?);
        let resent = app
            .as_user(
                &ada,
                reqwest::Method::POST,
                &format!("/api/v1/invitations/{id}/resend"),
            )
            .header("x-csrf-token", &csrf)
            .send()?;
        expect_status(resent, 200)?;
        let second = path_of(&invitation_link(app, "zed@example.com")?);
        assert_ne!(first, second);
        assert_eq!(
            app.get(&first)?.status(),
            404,
            "the old link stopped working"
        );
        assert_eq!(app.get(&second)?.status(), 200);
        let revoked = app
            .as_user(
                &ada,
                reqwest::Method::DELETE,
                &format!("/api/v1/invitations/{id}"),
            )
            .header("x-csrf-token", &csrf)
            .send()?;
        expect_status(revoked, 200)?;
        assert_eq!(
            app.get(&second)?.status(),
            404,
            "a revoked link stops working"
        );
        let list: Value = app.get_as(&ada, "/api/v1/invitations")?.json()?;
        let open: Vec<&str> = list["data"]
            .as_array()
            .context("data")?
            .iter()
            .filter_map(|i| i["email"].as_str())
            .collect();
        assert!(!open.contains(&"zed@example.com"), "{list}");
        // Another account's manager cannot touch this account's invitations.
        let mia = app.sign_in("mia@northwind.example")?;
        let foreign = app
            .as_user(
                &mia,
                reqwest::Method::DELETE,
                &format!("/api/v1/invitations/{id}"),
            )
            .header("x-csrf-token", &app.csrf(&mia)?)
            .send()?;
        assert_eq!(foreign.status(), 404);
        Ok(())
    })
}

#[test]
fn roles_change_within_the_rules_and_the_last_owner_stays_owner() -> Result<()> {
    each_backend(
        "roles_change_within_the_rules_and_the_last_owner_stays_owner",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let csrf = app.csrf(&ada)?;
            let patch = |who: &pulse_tests::app::Session, csrf: &str, user: &str, role: &str| {
                app.as_user(
                    who,
                    reqwest::Method::PATCH,
                    &format!("/api/v1/members/{user}"),
                )
                .header("x-csrf-token", csrf)
                .json(&serde_json::json!({ "role": role }))
                .send()
            };
            // The only owner cannot demote herself.
            let last = patch(&ada, &csrf, "usr_demo_ada", "admin")?;
            assert_eq!(last.status(), 409);
            assert!(last.text()?.contains("at least one owner"));
            // Bob becomes an admin through the form; the change is audited.
            let resp = app.post_as(
                &ada,
                "/team/members/role",
                &[("user", "usr_demo_bob"), ("role", "admin")],
            )?;
            assert_eq!(resp.status(), 303);
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM audit_log WHERE action = 'member.role_changed' AND target = 'usr_demo_bob'")?,
                1
            );
            // An admin manages the team but cannot make anyone an owner.
            let bob = app.sign_in("bob@acme.example")?;
            let bob_csrf = app.csrf(&bob)?;
            assert_eq!(
                patch(&bob, &bob_csrf, "usr_demo_cy", "owner")?.status(),
                403
            );
            let ok = patch(&bob, &bob_csrf, "usr_demo_cy", "billing")?;
            let member: Value = serde_json::from_str(&expect_status(ok, 200)?)?;
            assert_eq!(member["role"], "billing");
            // A plain member cannot invite.
            let cy = app.sign_in("cy@acme.example")?;
            let resp = app.post_as(
                &cy,
                "/team/invitations",
                &[("email", "x@example.com"), ("role", "member")],
            )?;
            assert_eq!(resp.status(), 403, "refused next to the form");
            Ok(())
        },
    )
}

#[test]
fn a_refused_invitation_says_why_next_to_the_field_and_keeps_what_was_typed() -> Result<()> {
    each_backend(
        "a_refused_invitation_says_why_next_to_the_field_and_keeps_what_was_typed",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let bad = app.post_as(
                &ada,
                "/team/invitations",
                &[("email", "not-an-address"), ("role", "member")],
            )?;
            let page = expect_status(bad, 422)?;
            assert!(page.contains("Enter an email address"), "{page}");
            assert!(page.contains("value=\"not-an-address\""), "{page}");
            let member = app.post_as(
                &ada,
                "/team/invitations",
                &[("email", "cy@acme.example"), ("role", "admin")],
            )?;
            let page = expect_status(member, 409)?;
            assert!(page.contains("already a member"), "{page}");
            assert!(page.contains("value=\"cy@acme.example\""), "{page}");
            assert_eq!(
                app.sql_count("SELECT COUNT(*) FROM invitations WHERE email = 'cy@acme.example'")?,
                0
            );
            Ok(())
        },
    )
}

#[test]
fn an_idempotency_key_replays_the_first_invitation_and_refuses_another_body() -> Result<()> {
    each_backend(
        "an_idempotency_key_replays_the_first_invitation_and_refuses_another_body",
        |app| {
            let ada = app.sign_in("ada@acme.example")?;
            let csrf = app.csrf(&ada)?;
            let send = |key: &str, email: &str| {
                app.as_user(&ada, reqwest::Method::POST, "/api/v1/invitations")
                    .header("x-csrf-token", &csrf)
                    .header("idempotency-key", key)
                    .json(&serde_json::json!({ "email": email, "role": "member" }))
                    .send()
            };
            let first: Value =
                serde_json::from_str(&expect_status(send("k-1", "ivy@example.com")?, 201)?)?;
            let retry = send("k-1", "ivy@example.com")?;
            assert_eq!(retry.headers()["idempotent-replayed"], "true");
            let again: Value = serde_json::from_str(&expect_status(retry, 201)?)?;
            assert_eq!(
                first["id"], again["id"],
                "the retry replays the first answer"
            );
            assert_eq!(
                app.mailbox("ivy@example.com")?.len(),
                1,
                "one invitation, one email"
            );
            let other = send("k-1", "ursula@example.com")?;
            assert_eq!(other.status(), 422);
            assert!(other.text()?.contains("different request"));
            assert!(app.mailbox("ursula@example.com")?.is_empty());
            // A refused request frees its key: the fixed retry goes through.
            assert_eq!(send("k-2", "not-an-address")?.status(), 422);
            expect_status(send("k-2", "nora@example.com")?, 201)?;
            Ok(())
        },
    )
}
