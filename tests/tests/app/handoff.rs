//! Signed hand-off links from the product into a portal page.

use anyhow::{Context, Result};
use pulse_core::handoff::Handoff;
use pulse_core::http::percent_encode;
use pulse_tests::app::{Backend, Session, TestApp, expect_status};

const KEY: &str = "handoff-test-key-0123456789abcdef";

fn link(to: &str, email: &str, nonce: &str, sig_key: &str) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + 300;
    let h = Handoff {
        to: to.into(),
        email: email.into(),
        exp,
        nonce: nonce.into(),
    };
    format!(
        "/login/handoff?to={}&email={}&exp={exp}&nonce={nonce}&sig={}",
        percent_encode(to),
        percent_encode(email),
        h.sign(sig_key.as_bytes())
    )
}

fn app(test: &str) -> Result<Option<TestApp>> {
    TestApp::builder(Backend::Sqlite)
        .variable("handoff_key", KEY)
        .start(test)
}

#[test]
fn a_hand_off_link_signs_in_by_email_and_lands_on_its_page_once() -> Result<()> {
    let Some(app) = app("hand_off_signs_in")? else {
        return Ok(());
    };
    let url = link(
        "/licenses/lic_demo_pro",
        "ada@acme.example",
        "nonce-0000000000001",
        KEY,
    );
    let body = expect_status(app.get(&url)?, 200)?;
    assert!(body.contains("Check your email"), "{body}");
    let mail = app.mailbox("ada@acme.example")?;
    let sign_in = mail[0]["links"][0].as_str().context("link")?;
    let token = sign_in.split("token=").nth(1).context("token")?;
    let resp = app.post_form(&[], "/login/verify", &[("token", token)])?;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/licenses/lic_demo_pro");
    // The same link again is refused.
    assert_eq!(app.get(&url)?.status(), 400);
    Ok(())
}

#[test]
fn a_signed_in_user_goes_straight_to_the_page() -> Result<()> {
    let Some(app) = app("hand_off_signed_in")? else {
        return Ok(());
    };
    let ada: Session = app.sign_in("ada@acme.example")?;
    let url = link("/billing", "ada@acme.example", "nonce-0000000000002", KEY);
    let resp = app.get_as(&ada, &url)?;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/billing");
    Ok(())
}

#[test]
fn tampered_or_foreign_hand_off_links_are_refused() -> Result<()> {
    let Some(app) = app("hand_off_tampered")? else {
        return Ok(());
    };
    let forged = link(
        "/billing",
        "ada@acme.example",
        "nonce-0000000000003",
        "another-key-0123456789abcdef-xyz",
    );
    assert_eq!(app.get(&forged)?.status(), 400);
    let good = link("/billing", "ada@acme.example", "nonce-0000000000004", KEY);
    let retargeted = good.replace("to=%2Fbilling", "to=%2Fteam");
    assert_eq!(app.get(&retargeted)?.status(), 400);
    assert!(
        app.mailbox("ada@acme.example")?.is_empty(),
        "no email for a refused link"
    );
    Ok(())
}

#[test]
fn hand_off_links_do_not_exist_without_a_key() -> Result<()> {
    let Some(app) = TestApp::start(Backend::Sqlite, "hand_off_disabled")? else {
        return Ok(());
    };
    let url = link("/billing", "ada@acme.example", "nonce-0000000000005", KEY);
    assert_eq!(app.get(&url)?.status(), 404);
    Ok(())
}
