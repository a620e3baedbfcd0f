//! OpenID Connect single sign-on end to end: the portal under the host against a real OpenID
//! provider (the certified `oidc-provider` package under Node.js) on 127.0.0.1. The success
//! path, then every negative case of the OpenID conformance suite's relying-party plan, each
//! through a real code exchange, each refused without a 5xx and without a session.

mod oidc {
    pub mod provider;
}

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use oidc::provider::{self, Setup};
use pulse_tests::app::{Backend, Session, TestApp, expect_status};
use reqwest::blocking::Response;

/// Checks a successful sign-in: a redirect to `next` with the session cookies.
fn signed_in(resp: Response, next: &str) -> Result<Session> {
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let session = Session::from_response(&resp)?;
    ensure!(
        status == 303,
        "expected a 303 after sign-in, got {status}: {}",
        resp.text().unwrap_or_default()
    );
    ensure!(location == next, "redirected to {location:?}, not {next:?}");
    ensure!(!session.access.is_empty(), "no pa_token cookie was set");
    ensure!(!session.refresh.is_empty(), "no pa_refresh cookie was set");
    Ok(session)
}

/// Checks a refusal: a page (never a 5xx) saying sign-in failed, offering email sign-in, and
/// no session cookie.
fn refused(resp: Response, status: u16) -> Result<String> {
    let session = Session::from_response(&resp)?;
    ensure!(session.access.is_empty(), "a pa_token cookie was set");
    let body = expect_status(resp, status)?;
    ensure!(
        body.contains("Sign-in failed"),
        "page does not say sign-in failed: {body}"
    );
    ensure!(
        body.contains("/login?next="),
        "page offers no email sign-in: {body}"
    );
    Ok(body)
}

/// The portal's SQLite database, to check what sign-in recorded.
fn db(setup: &Setup) -> Result<rusqlite::Connection> {
    Ok(rusqlite::Connection::open(
        setup.app.host.state_dir().join("sqlite_db.db"),
    )?)
}

fn count(setup: &Setup, sql: &str) -> Result<i64> {
    Ok(db(setup)?.query_row(sql, [], |r| r.get(0))?)
}

/// Runs one refusal case: the provider in `mode` alters the ID token (or the exchange) and the
/// portal must refuse with `status`, logging `reason` (so the refusal is the one meant).
fn refuses_mode(test: &str, keys: &str, mode: &str, status: u16, reason: &str) -> Result<()> {
    let Some(setup) = Setup::start(test, keys)? else {
        return Ok(());
    };
    setup.provider.configure(mode, "ada")?;
    refused(provider::sign_in(&setup)?, status)?;
    ensure!(
        count(
            &setup,
            "SELECT COUNT(*) FROM sessions WHERE method = 'oidc'"
        )? == 0,
        "a session was started"
    );
    ensure!(
        count(&setup, "SELECT COUNT(*) FROM oidc_identities")? == 0,
        "an identity was linked"
    );
    let log = setup.app.host.log();
    ensure!(
        log.contains(reason),
        "the log does not say {reason:?}:\n{log}"
    );
    Ok(())
}

#[test]
fn sso_is_hidden_and_answers_404_when_no_issuer_is_configured() -> Result<()> {
    let Some(app) = TestApp::start(Backend::Sqlite, "sso_hidden")? else {
        return Ok(());
    };
    let body = expect_status(app.get("/login")?, 200)?;
    assert!(!body.contains("single sign-on"), "{body}");
    expect_status(app.get("/login/sso")?, 404)?;
    expect_status(app.get("/api/auth/oidc/callback?state=x&code=y")?, 404)?;
    Ok(())
}

#[test]
fn sso_signs_a_demo_user_in_and_later_matches_issuer_and_subject() -> Result<()> {
    let test = "sso_success";
    let Some(setup) = Setup::start(test, "rsa")? else {
        return Ok(());
    };
    let login = expect_status(setup.app.get("/login")?, 200)?;
    assert!(login.contains("Sign in with single sign-on"), "{login}");
    assert!(login.contains("/login/sso?next=%2Fdashboard"), "{login}");

    let session = signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    let home = expect_status(setup.app.get_as(&session, "/dashboard")?, 200)?;
    assert!(home.contains("Ada"), "dashboard does not show Ada: {home}");
    let ada: String = db(&setup)?.query_row(
        "SELECT user_id FROM oidc_identities WHERE issuer = ?1 AND subject = 'ada'",
        [&setup.provider.issuer],
        |r| r.get(0),
    )?;
    let by_email: String = db(&setup)?.query_row(
        "SELECT id FROM users WHERE email = 'ada@acme.example'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(ada, by_email, "the identity is linked to the demo user");
    assert_eq!(
        count(
            &setup,
            "SELECT COUNT(*) FROM sessions WHERE method = 'oidc'"
        )?,
        1
    );

    // The second sign-in finds the link by issuer and subject, even when the provider no
    // longer vouches for the email.
    setup.provider.configure("normal", "ada")?;
    db(&setup)?.execute(
        "UPDATE users SET email = 'ada.renamed@acme.example' WHERE id = ?1",
        [&ada],
    )?;
    let again = signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    expect_status(setup.app.get_as(&again, "/dashboard")?, 200)?;
    assert_eq!(count(&setup, "SELECT COUNT(*) FROM oidc_identities")?, 1);
    assert_eq!(
        count(
            &setup,
            "SELECT COUNT(*) FROM sessions WHERE method = 'oidc'"
        )?,
        2
    );
    // The discovery document and the JWKS were fetched once and then reused from the cache.
    let stats = setup.provider.stats()?;
    assert_eq!(stats["discovery"], 1, "{stats}");
    assert_eq!(stats["jwks"], 1, "{stats}");
    Ok(())
}

#[test]
fn sso_signs_in_on_postgres_with_redis_too() -> Result<()> {
    let test = "sso_postgres";
    let Some(setup) = Setup::start_with(test, "rsa", TestApp::builder(Backend::Postgres))? else {
        return Ok(());
    };
    let session = signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    expect_status(setup.app.get_as(&session, "/dashboard")?, 200)?;
    let again = signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    expect_status(setup.app.get_as(&again, "/dashboard")?, 200)?;
    let pg = setup
        .app
        .postgres
        .as_ref()
        .context("no Postgres database")?;
    let linked: i64 = pg
        .client()?
        .query_one(
            "SELECT COUNT(*) FROM oidc_identities WHERE subject = 'ada'",
            &[],
        )?
        .get(0);
    assert_eq!(linked, 1);
    // A spent state stays spent in Redis too.
    let authorized = provider::authorize(&setup, "/dashboard")?;
    signed_in(provider::callback(&authorized)?, "/dashboard")?;
    refused(provider::callback(&authorized)?, 400)?;
    Ok(())
}

#[test]
fn sso_works_with_a_provider_that_refuses_chunked_request_bodies() -> Result<()> {
    let Some(setup) = Setup::start("sso_content_length", "rsa")? else {
        return Ok(());
    };
    setup.provider.require_content_length()?;
    signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    let stats = setup.provider.stats()?;
    assert_eq!(stats["token"], 1, "{stats}");
    assert_eq!(
        stats["length_required"],
        0,
        "a request went out chunked or without a content-length: {stats}\n{}",
        setup.provider.log()
    );
    Ok(())
}

#[test]
fn sso_returns_to_the_page_asked_for() -> Result<()> {
    let Some(setup) = Setup::start("sso_next", "rsa")? else {
        return Ok(());
    };
    let authorized = provider::authorize(&setup, "/team")?;
    signed_in(provider::callback(&authorized)?, "/team")?;
    let evil = provider::authorize(&setup, "//evil.example/")?;
    signed_in(provider::callback(&evil)?, "/dashboard")?;
    Ok(())
}

#[test]
fn sso_accepts_es256_id_tokens() -> Result<()> {
    let Some(setup) = Setup::start("sso_es256", "ec")? else {
        return Ok(());
    };
    signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    Ok(())
}

#[test]
fn a_token_without_kid_is_accepted_when_the_jwks_holds_one_key() -> Result<()> {
    let Some(setup) = Setup::start("sso_no_kid_one_key", "rsa")? else {
        return Ok(());
    };
    setup.provider.configure("no_kid", "ada")?;
    signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    Ok(())
}

#[test]
fn a_token_without_kid_is_refused_when_the_jwks_holds_several_keys() -> Result<()> {
    refuses_mode(
        "sso_no_kid_two_keys",
        "rsa,rsa",
        "no_kid",
        401,
        "several keys",
    )
}

#[test]
fn an_issuer_mismatch_is_refused() -> Result<()> {
    refuses_mode(
        "sso_wrong_issuer",
        "rsa",
        "wrong_issuer",
        401,
        "issuer \"http://127.0.0.1:1/not-the-issuer\" is not",
    )
}

#[test]
fn a_token_without_sub_is_refused() -> Result<()> {
    refuses_mode("sso_no_sub", "rsa", "no_sub", 401, "sub is missing")
}

#[test]
fn a_token_for_another_audience_is_refused() -> Result<()> {
    refuses_mode(
        "sso_wrong_audience",
        "rsa",
        "wrong_audience",
        401,
        "aud does not contain this client",
    )
}

#[test]
fn several_audiences_without_azp_are_refused() -> Result<()> {
    refuses_mode(
        "sso_no_azp",
        "rsa",
        "extra_audience_no_azp",
        401,
        "several audiences but no azp",
    )
}

#[test]
fn a_token_without_iat_is_refused() -> Result<()> {
    refuses_mode("sso_no_iat", "rsa", "no_iat", 401, "iat is missing")
}

#[test]
fn an_expired_token_is_refused() -> Result<()> {
    refuses_mode(
        "sso_expired",
        "rsa",
        "expired",
        401,
        "the token has expired",
    )
}

#[test]
fn a_bad_signature_is_refused() -> Result<()> {
    refuses_mode(
        "sso_bad_signature",
        "rsa",
        "bad_signature",
        401,
        "signature does not verify",
    )
}

#[test]
fn an_unsigned_alg_none_token_is_refused() -> Result<()> {
    refuses_mode(
        "sso_alg_none",
        "rsa",
        "alg_none",
        401,
        "algorithm \"none\" is not allowed",
    )
}

#[test]
fn an_hs256_token_signed_with_the_client_secret_is_refused() -> Result<()> {
    refuses_mode(
        "sso_alg_hs256",
        "rsa",
        "alg_hs256",
        401,
        "algorithm \"HS256\" is not allowed",
    )
}

#[test]
fn a_wrong_nonce_is_refused() -> Result<()> {
    refuses_mode(
        "sso_wrong_nonce",
        "ec",
        "wrong_nonce",
        401,
        "nonce does not match",
    )
}

#[test]
fn a_wrong_code_verifier_is_refused_by_the_provider_and_shown_as_failed() -> Result<()> {
    refuses_mode(
        "sso_wrong_verifier",
        "rsa",
        "wrong_verifier",
        401,
        "refused the code exchange: invalid_grant",
    )
}

#[test]
fn an_unknown_kid_refetches_the_jwks_once_then_is_refused() -> Result<()> {
    let Some(setup) = Setup::start("sso_unknown_kid", "rsa")? else {
        return Ok(());
    };
    // A first sign-in caches the JWKS.
    signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    assert_eq!(setup.provider.stats()?["jwks"], 1);
    setup.provider.configure("unknown_kid", "ada")?;
    refused(provider::sign_in(&setup)?, 401)?;
    let stats = setup.provider.stats()?;
    assert_eq!(stats["jwks"], 2, "exactly one refetch: {stats}");
    Ok(())
}

#[test]
fn a_key_rotated_in_after_caching_is_fetched_and_accepted() -> Result<()> {
    let Some(setup) = Setup::start("sso_rotated_kid", "rsa")? else {
        return Ok(());
    };
    signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    setup.provider.configure("rotated_kid", "ada")?;
    signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    assert_eq!(setup.provider.stats()?["jwks"], 2);
    Ok(())
}

#[test]
fn a_tampered_state_is_refused_and_a_state_works_only_once() -> Result<()> {
    let Some(setup) = Setup::start("sso_state", "rsa")? else {
        return Ok(());
    };
    let mut authorized = provider::authorize(&setup, "/dashboard")?;
    let original = authorized.callback.clone();
    let (before, after) = original.split_once("state=").context("no state")?;
    authorized.callback = format!("{before}state=X{after}");
    refused(provider::callback(&authorized)?, 400)?;
    // The untouched answer still works, once.
    authorized.callback = original;
    signed_in(provider::callback(&authorized)?, "/dashboard")?;
    refused(provider::callback(&authorized)?, 400)?;
    Ok(())
}

#[test]
fn a_callback_in_another_browser_is_refused() -> Result<()> {
    let Some(setup) = Setup::start("sso_binding", "rsa")? else {
        return Ok(());
    };
    let mut authorized = provider::authorize(&setup, "/dashboard")?;
    authorized.binding = "someone-elses-browser".into();
    refused(provider::callback(&authorized)?, 400)?;
    Ok(())
}

#[test]
fn a_verified_email_without_an_account_signs_in_and_is_offered_to_start_one() -> Result<()> {
    let Some(setup) = Setup::start("sso_stranger", "rsa")? else {
        return Ok(());
    };
    setup.provider.configure("normal", "stranger")?;
    let session = signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    let home = setup.app.get_as(&session, "/dashboard")?;
    assert_eq!(home.status(), 303);
    assert_eq!(home.headers()["location"], "/accounts/new");
    let page = expect_status(setup.app.get_as(&session, "/accounts/new")?, 200)?;
    assert!(page.contains("Create a customer account"), "{page}");
    assert!(page.contains("stranger@nowhere.example"), "{page}");
    assert_eq!(
        count(
            &setup,
            "SELECT COUNT(*) FROM oidc_identities i JOIN users u ON u.id = i.user_id
              WHERE i.subject = 'stranger' AND u.email = 'stranger@nowhere.example'
                AND u.display_name = 'A Stranger'"
        )?,
        1
    );
    assert_eq!(
        count(
            &setup,
            "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE u.email = 'stranger@nowhere.example'"
        )?,
        0
    );
    Ok(())
}

#[test]
fn a_first_sign_in_accepts_a_pending_invitation_by_verified_email() -> Result<()> {
    let Some(setup) = Setup::start("sso_invitation", "rsa")? else {
        return Ok(());
    };
    setup.provider.configure("normal", "dee")?;
    let session = signed_in(provider::sign_in(&setup)?, "/dashboard")?;
    expect_status(setup.app.get_as(&session, "/dashboard")?, 200)?;
    assert_eq!(
        count(
            &setup,
            "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE u.email = 'dee@acme.example' AND u.display_name = 'Dee Invited'"
        )?,
        1
    );
    assert_eq!(
        count(
            &setup,
            "SELECT COUNT(*) FROM oidc_identities WHERE subject = 'dee'"
        )?,
        1
    );
    Ok(())
}

#[test]
fn an_unverified_email_is_never_linked() -> Result<()> {
    let Some(setup) = Setup::start("sso_unverified", "rsa")? else {
        return Ok(());
    };
    setup.provider.configure("normal", "unverified")?;
    expect_status(provider::sign_in(&setup)?, 403)?;
    assert_eq!(count(&setup, "SELECT COUNT(*) FROM oidc_identities")?, 0);
    Ok(())
}

#[test]
fn a_failing_token_endpoint_gives_a_retry_page() -> Result<()> {
    let Some(setup) = Setup::start("sso_token_error", "rsa")? else {
        return Ok(());
    };
    setup.provider.configure("token_error", "ada")?;
    let body = expect_status(provider::sign_in(&setup)?, 502)?;
    assert!(body.contains("Try again"), "{body}");
    Ok(())
}

#[test]
fn a_provider_error_in_the_callback_is_shown_as_failed() -> Result<()> {
    let Some(setup) = Setup::start("sso_access_denied", "rsa")? else {
        return Ok(());
    };
    let mut authorized = provider::authorize(&setup, "/dashboard")?;
    let state = authorized
        .callback
        .split("state=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .context("no state")?
        .to_string();
    authorized.callback = setup.app.host.url(&format!(
        "/api/auth/oidc/callback?error=access_denied&state={state}"
    ));
    refused(provider::callback(&authorized)?, 401)?;
    Ok(())
}

/// The portal configured for an issuer at `issuer` with no real provider behind it.
fn app_for_issuer(test: &str, issuer: &str) -> Result<Option<TestApp>> {
    TestApp::builder(Backend::Sqlite)
        .variable("oidc_issuer", issuer)
        .variable("oidc_origin", issuer)
        .variable("oidc_client_id", provider::CLIENT_ID)
        .variable("oidc_client_secret", provider::CLIENT_SECRET)
        .start(test)
}

/// Serves every connection on a free port with `answer` (or holds it open when `None`).
fn fake_provider(answer: Option<&'static str>) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let issuer = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            match answer {
                Some(a) => {
                    let _ = stream.write_all(a.as_bytes());
                }
                None => held.push(stream),
            }
        }
    });
    Ok(issuer)
}

#[test]
fn a_provider_that_is_down_gives_a_retry_page() -> Result<()> {
    let issuer = format!("http://127.0.0.1:{}", pulse_tests::free_port());
    let Some(app) = app_for_issuer("sso_down", &issuer)? else {
        return Ok(());
    };
    let body = expect_status(app.get("/login/sso?next=%2Fdashboard")?, 503)?;
    assert!(body.contains("Try again"), "{body}");
    assert!(body.contains("/login/sso?next=%2Fdashboard"), "{body}");
    Ok(())
}

#[test]
fn a_provider_answering_nonsense_gives_a_retry_page() -> Result<()> {
    let issuer = fake_provider(Some(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 17\r\nconnection: close\r\n\r\n<html>oops</html>",
    ))?;
    let Some(app) = app_for_issuer("sso_nonsense", &issuer)? else {
        return Ok(());
    };
    let body = expect_status(app.get("/login/sso")?, 502)?;
    assert!(body.contains("Try again"), "{body}");
    Ok(())
}

#[test]
fn a_provider_that_never_answers_gives_a_retry_page_within_seconds() -> Result<()> {
    let issuer = fake_provider(None)?;
    let Some(app) = app_for_issuer("sso_slow", &issuer)? else {
        return Ok(());
    };
    let started = Instant::now();
    let body = expect_status(app.get("/login/sso")?, 503)?;
    assert!(body.contains("Try again"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    Ok(())
}
