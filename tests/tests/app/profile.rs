//! The profile: a person changes their name, and their sign-in address through a link mailed
//! to the new address; the old address is told, and every account they belong to records it.

use anyhow::{Context, Result, ensure};
use pulse_tests::app::{TestApp, expect_status, location};
use serde_json::Value;

use super::each_backend;

/// The link in the newest message to `to` whose subject contains `subject`.
fn link_in(app: &TestApp, to: &str, subject: &str) -> Result<String> {
    let mail = app
        .mailbox(to)?
        .into_iter()
        .find(|m| m["subject"].as_str().is_some_and(|s| s.contains(subject)))
        .with_context(|| format!("no message to {to} about {subject}"))?;
    Ok(mail["links"][0].as_str().context("a link")?.to_string())
}

fn email_of(app: &TestApp, user: &str) -> Result<Vec<String>> {
    app.strings(
        &format!("SELECT email FROM users WHERE id = '{user}'"),
        &format!("SELECT email FROM users WHERE id = '{user}'"),
    )
}

#[test]
fn a_person_renames_themselves_and_moves_to_a_new_sign_in_address() -> Result<()> {
    each_backend("a_person_renames_themselves_and_moves", |app| {
        let ada = app.sign_in("ada@acme.example")?;
        let page = expect_status(app.get_as(&ada, "/profile")?, 200)?;
        ensure!(
            page.contains("action=\"/profile/name\"") && page.contains("action=\"/profile/email\"")
        );
        let user = app
            .strings(
                "SELECT id FROM users WHERE email = 'ada@acme.example'",
                "SELECT id FROM users WHERE email = 'ada@acme.example'",
            )?
            .pop()
            .context("ada")?;

        // A name: blank is refused next to the field; a real one is saved and recorded.
        let blank = app.post_as(&ada, "/profile/name", &[("name", "   ")])?;
        ensure!(blank.status() == 422, "{}", blank.status());
        let body = blank.text()?;
        ensure!(
            body.contains("error-summary") && body.contains("id=\"name-error\""),
            "{body}"
        );
        let saved = app.post_as(&ada, "/profile/name", &[("name", "Ada King")])?;
        ensure!(saved.status() == 303 && location(&saved) == "/profile?done=name");
        let page = expect_status(app.get_as(&ada, "/profile?done=name")?, 200)?;
        ensure!(page.contains("value=\"Ada King\"") && page.contains("Your name is changed."));

        // A new address: nonsense, her own and someone else's are refused, changing nothing.
        for (email, status, says) in [
            ("not an address", 422, "Enter an email address"),
            ("ada@acme.example", 422, "already is the address"),
            (
                "bob@acme.example",
                409,
                "Another Pulse sign-in uses this address",
            ),
        ] {
            let refused = app.post_as(&ada, "/profile/email", &[("email", email)])?;
            ensure!(refused.status() == status, "{email}: {}", refused.status());
            let body = refused.text()?;
            ensure!(
                body.contains(says) && body.contains("id=\"email-error\""),
                "{email}: {body}"
            );
        }
        ensure!(email_of(app, &user)? == ["ada@acme.example"]);

        // A free one: a link goes to it, and nothing changes until it is opened.
        let asked = app.post_as(&ada, "/profile/email", &[("email", "Ada.King@Example.com")])?;
        ensure!(asked.status() == 303 && location(&asked) == "/profile?done=email-sent");
        ensure!(email_of(app, &user)? == ["ada@acme.example"]);
        let link = link_in(
            app,
            "ada.king@example.com",
            "Confirm your new sign-in address",
        )?;
        let path = link.trim_start_matches(&app.host.url(""));
        let step = expect_status(app.get(path)?, 200)?;
        ensure!(step.contains("ada.king@example.com") && step.contains("Use this address"));
        ensure!(
            email_of(app, &user)? == ["ada@acme.example"],
            "opening the link changes nothing"
        );
        let token = path.split("token=").nth(1).context("token")?.to_string();

        // Another site cannot take the step for her.
        let forged = app
            .host
            .client()
            .post(app.host.url("/profile/email/confirm"))
            .header("origin", "https://evil.example")
            .form(&[("token", token.as_str())])
            .send()?;
        ensure!(forged.status() == 403, "{}", forged.status());
        ensure!(email_of(app, &user)? == ["ada@acme.example"]);

        let done = app.post_form(&[], "/profile/email/confirm", &[("token", &token)])?;
        let body = expect_status(done, 200)?;
        ensure!(body.contains("You now sign in with") && body.contains("ada.king@example.com"));
        ensure!(email_of(app, &user)? == ["ada.king@example.com"]);
        let told = app
            .mailbox("ada@acme.example")?
            .into_iter()
            .any(|m| m["subject"] == "Your Pulse sign-in address was changed");
        ensure!(told, "the previous address is told");

        // The link works once.
        let again = app.post_form(&[], "/profile/email/confirm", &[("token", &token)])?;
        ensure!(again.status() == 410, "{}", again.status());
        ensure!(app.get(path)?.status() == 410);

        // She signs in with the new address into the same accounts; every account she belongs
        // to has the change in its activity.
        let moved = app.sign_in("ada.king@example.com")?;
        let me: Value = app.get_as(&moved, "/api/v1/me")?.json()?;
        ensure!(
            me["email"] == "ada.king@example.com" && me["display_name"] == "Ada King",
            "{me}"
        );
        let activity = expect_status(app.get_as(&moved, "/activity?kind=profile")?, 200)?;
        ensure!(
            activity
                .contains("Sign-in address changed from ada@acme.example to ada.king@example.com")
                && activity.contains("Name changed from"),
            "{activity}"
        );
        let accounts = app.sql_count(&format!(
            "SELECT COUNT(*) FROM memberships WHERE user_id = '{user}'"
        ))?;
        let recorded = app.sql_count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'profile.email_changed' AND actor_user_id = '{user}'"
        ))?;
        ensure!(
            recorded == accounts,
            "{recorded} entries for {accounts} accounts"
        );
        Ok(())
    })
}

#[test]
fn pages_speak_the_persons_language_else_the_browsers() -> Result<()> {
    each_backend("pages_speak_the_persons_language", |app| {
        let bulgarian = |path: &str| -> Result<(u16, String)> {
            let resp = app
                .host
                .client()
                .get(app.host.url(path))
                .header("accept-language", "bg-BG,bg;q=0.9,en;q=0.5")
                .send()?;
            Ok((resp.status().as_u16(), resp.text()?))
        };
        // Signed out: the browser's language, the page's lang saying so.
        let (status, landing) = bulgarian("/")?;
        ensure!(
            status == 200 && landing.contains("<html lang=\"bg\">") && landing.contains(">Вход<")
        );
        let (status, missing) = bulgarian("/no/such/page")?;
        ensure!(status == 404, "{status}");
        ensure!(
            missing.contains("Страницата не е намерена") && missing.contains("Какво да направите"),
            "{missing}"
        );
        let (status, sign_in) = bulgarian("/login")?;
        ensure!(
            status == 200
                && sign_in.contains("Вход в Pulse Account")
                && sign_in.contains("Служебен имейл")
        );
        let english = expect_status(app.get("/")?, 200)?;
        ensure!(english.contains("<html lang=\"en\">"));

        // Signed in: the browser's language until the person chooses one.
        let ada = app.sign_in("ada@acme.example")?;
        let home = |session| -> Result<String> {
            let resp = app
                .as_user(session, reqwest::Method::GET, "/dashboard")
                .header("accept-language", "bg")
                .send()?;
            expect_status(resp, 200)
        };
        ensure!(home(&ada)?.contains(">Начало<"));
        let refused = app.post_as(&ada, "/profile/language", &[("language", "klingon")])?;
        ensure!(refused.status() == 422, "{}", refused.status());
        let chosen = app.post_as(&ada, "/profile/language", &[("language", "en")])?;
        ensure!(chosen.status() == 303 && location(&chosen) == "/profile?done=language");
        let page = home(&ada)?;
        ensure!(
            page.contains("<html lang=\"en\">") && page.contains(">Home<"),
            "the setting wins"
        );
        let profile = expect_status(app.get_as(&ada, "/profile")?, 200)?;
        ensure!(
            profile.contains("<option value=\"en\" lang=\"en\" selected>English</option>"),
            "{profile}"
        );
        let back = app.post_as(&ada, "/profile/language", &[("language", "")])?;
        ensure!(back.status() == 303);
        ensure!(
            home(&ada)?.contains("<html lang=\"bg\">"),
            "back to the browser's"
        );
        Ok(())
    })
}
