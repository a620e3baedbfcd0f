//! Outbox delivery through the HTTP mail API, against a stand-in that speaks Postmark's
//! documented `POST /email` wire format (the one external service that cannot run here).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use pulse_tests::app::{Backend, TestApp};
use serde_json::Value;

const TOKEN: &str = "server-token-for-tests";

/// One request the stand-in received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    token: String,
    request_id: String,
    body: Value,
}

/// A Postmark stand-in: answers `200 {"ErrorCode":0,...}` unless told to fail. Like some proxies
/// in front of mail APIs, it answers 411 Length Required to a body sent chunked or without a
/// `content-length` (and does not count it as received), so every delivery test also checks
/// that the portal sends the length.
struct FakePostmark {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    failing: Arc<Mutex<bool>>,
}

impl FakePostmark {
    fn start() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let failing = Arc::new(Mutex::new(false));
        let (r, f) = (received.clone(), failing.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(match stream.try_clone() {
                    Ok(s) => s,
                    Err(_) => continue,
                });
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let (mut length, mut token, mut request_id) =
                    (None::<usize>, String::new(), String::new());
                let mut chunked = false;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                        break;
                    }
                    let (k, v) = header.split_once(':').unwrap_or_default();
                    match k.trim().to_ascii_lowercase().as_str() {
                        "content-length" => length = v.trim().parse().ok(),
                        "transfer-encoding" => {
                            chunked |= v.to_ascii_lowercase().contains("chunked")
                        }
                        "x-postmark-server-token" => token = v.trim().to_string(),
                        "x-request-id" => request_id = v.trim().to_string(),
                        _ => {}
                    }
                }
                let Some(length) = length.filter(|_| !chunked) else {
                    let mut out = stream;
                    let _ = write!(
                        out,
                        "HTTP/1.1 411 Length Required\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    continue;
                };
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let body: Value = serde_json::from_slice(&body).unwrap_or_default();
                let fail = f.lock().map(|g| *g).unwrap_or(false);
                let (status, answer) = if fail {
                    (
                        "500 Internal Server Error",
                        r#"{"ErrorCode":100,"Message":"Maintenance"}"#.to_string(),
                    )
                } else {
                    let to = body["To"].as_str().unwrap_or_default().to_string();
                    (
                        "200 OK",
                        format!(
                            r#"{{"To":"{to}","SubmittedAt":"2026-11-23T14:00:00Z","MessageID":"b7bc2f4a-e38e-4336-af7d-e6c392c2f817","ErrorCode":0,"Message":"OK"}}"#
                        ),
                    )
                };
                if let Ok(mut g) = r.lock() {
                    g.push(Received {
                        path,
                        token,
                        request_id,
                        body,
                    });
                }
                let mut out = stream;
                let _ = write!(
                    out,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        Ok(Self {
            port,
            received,
            failing,
        })
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().map(|g| g.clone()).unwrap_or_default()
    }

    fn fail(&self, on: bool) {
        if let Ok(mut g) = self.failing.lock() {
            *g = on;
        }
    }
}

/// The key a scheduler signs its runs with in these tests.
const SCHEDULER_KEY: &str = "scheduler-key-for-the-mail-tests-0123456789";

fn production_app(test: &str, postmark: &FakePostmark) -> Result<Option<TestApp>> {
    let origin = format!("http://127.0.0.1:{}", postmark.port);
    TestApp::builder(Backend::Sqlite)
        .production()
        .variable("mail_api_url", &format!("{origin}/email"))
        .variable("mail_api_origin", &origin)
        .variable("mail_api_key", TOKEN)
        .variable("mail_from", "Pulse Account <account@my.example>")
        .start(test)
}

/// A scheduler's `POST /api/v1/mail/run`, signed (or not).
fn mail_run(app: &TestApp, signed: bool) -> Result<reqwest::blocking::Response> {
    let at = pulse_tests::stub::now();
    let signature = if signed {
        pulse_tests::stub::signature(SCHEDULER_KEY.as_bytes(), at, b"")
    } else {
        "v1=00".to_string()
    };
    Ok(app
        .host
        .client()
        .post(app.host.url("/api/v1/mail/run"))
        .header("pulse-timestamp", at.to_string())
        .header("pulse-signature", signature)
        .send()?)
}

#[test]
fn mail_any_area_queues_goes_out_on_the_schedulers_run_without_a_sign_in() -> Result<()> {
    let postmark = FakePostmark::start()?;
    // No demo data: its queued export would add a message of its own while this test counts.
    let origin = format!("http://127.0.0.1:{}", postmark.port);
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .without_demo_data()
        .production()
        .variable("mail_api_url", &format!("{origin}/email"))
        .variable("mail_api_origin", &origin)
        .variable("mail_api_key", TOKEN)
        .variable("scheduler_key", SCHEDULER_KEY)
        .start("mail_goes_out_on_the_schedulers_run")?
    else {
        return Ok(());
    };
    // The recovery area queues a confirmation; it cannot reach the mail API itself.
    let asked = app
        .host
        .client()
        .post(app.host.url("/api/v1/requests"))
        .json(&serde_json::json!({ "kind": "support", "email": "cy@acme.example", "message": "Where is my invoice?" }))
        .send()?;
    assert!(asked.status().is_success(), "{}", asked.status());
    let queued = app.sql_count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")?;
    assert!(queued >= 1, "the confirmation is queued");
    assert!(postmark.received().is_empty(), "nothing sent yet");

    // An unsigned run is refused and sends nothing.
    assert_eq!(mail_run(&app, false)?.status(), 403);
    assert!(postmark.received().is_empty());

    let queued = app.sql_count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")?;
    let run = mail_run(&app, true)?;
    assert_eq!(run.status(), 200);
    let body: Value = run.json()?;
    assert_eq!(body["object"], "mail_run");
    assert_eq!(body["sent"], queued);
    assert_eq!(body["failed"], 0);
    let to: Vec<String> = postmark
        .received()
        .iter()
        .filter_map(|r| r.body["To"].as_str().map(str::to_string))
        .collect();
    assert!(to.iter().any(|t| t == "cy@acme.example"), "{to:?}");
    assert_eq!(
        app.sql_count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")?,
        0
    );
    // Nothing left: the next run sends nothing again.
    let again: Value = mail_run(&app, true)?.json()?;
    assert_eq!(again["sent"], 0);
    assert_eq!(postmark.received().len(), to.len());
    Ok(())
}

#[test]
fn sign_in_links_are_delivered_in_postmarks_format() -> Result<()> {
    let postmark = FakePostmark::start()?;
    let Some(app) = production_app("sign_in_links_are_delivered", &postmark)? else {
        return Ok(());
    };
    let resp = app
        .host
        .client()
        .post(app.host.url("/login"))
        .header("x-request-id", "trace-login-1")
        .form(&[("email", "ada@acme.example")])
        .send()?;
    assert_eq!(resp.status(), 200);
    let got = postmark.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(m.path, "/email");
    assert_eq!(
        m.request_id, "trace-login-1",
        "outbound calls carry the request id"
    );
    assert_eq!(m.token, TOKEN);
    assert_eq!(m.body["From"], "Pulse Account <account@my.example>");
    assert_eq!(m.body["To"], "ada@acme.example");
    assert_eq!(m.body["Subject"], "Your Pulse Account sign-in link");
    assert!(
        m.body["TextBody"]
            .as_str()
            .unwrap_or_default()
            .contains("https://my.example/login/verify?token=")
    );
    assert!(
        m.body["HtmlBody"]
            .as_str()
            .unwrap_or_default()
            .contains("<a href=")
    );
    assert_eq!(
        app.sql_count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL")?,
        1
    );
    Ok(())
}

#[test]
fn a_failed_delivery_is_kept_and_retried_later() -> Result<()> {
    let postmark = FakePostmark::start()?;
    let Some(app) = production_app("a_failed_delivery_is_kept_and_retried_later", &postmark)?
    else {
        return Ok(());
    };
    postmark.fail(true);
    assert_eq!(
        app.post_form(&[], "/login", &[("email", "ada@acme.example")])?
            .status(),
        200,
        "the visitor never sees the mail API's failure"
    );
    assert_eq!(postmark.received().len(), 1);
    assert_eq!(
        app.sql_count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts = 1 AND last_error LIKE '%500%'")?,
        1,
        "the message is kept with its failure recorded"
    );
    // Not due yet: the next request does not hammer the API.
    postmark.fail(false);
    app.post_form(&[], "/login", &[("email", "bob@acme.example")])?;
    let to: Vec<String> = postmark
        .received()
        .iter()
        .filter_map(|r| r.body["To"].as_str().map(str::to_string))
        .collect();
    assert_eq!(to, ["ada@acme.example", "bob@acme.example"]);
    // Once due, it goes out with the next delivery.
    app.sql(
        "UPDATE mail_outbox SET next_attempt_at = '2000-01-01T00:00:00Z' WHERE sent_at IS NULL",
    )?;
    app.post_form(&[], "/login", &[("email", "cy@acme.example")])?;
    let to: Vec<String> = postmark
        .received()
        .iter()
        .filter_map(|r| r.body["To"].as_str().map(str::to_string))
        .collect();
    assert!(
        to.iter().filter(|t| *t == "ada@acme.example").count() == 2,
        "{to:?}"
    );
    assert_eq!(
        app.sql_count("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")?,
        0
    );
    assert_eq!(
        app.get("/dev/mailbox")?.status(),
        404,
        "no developer mailbox in production"
    );
    Ok(())
}
