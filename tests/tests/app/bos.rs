//! `/{workspace-slug}/...` reaches BOS: against a real HTTP server on 127.0.0.1 standing in for
//! BOS, the answer streams back, only safe headers cross in either direction, the caller's
//! identity arrives signed, and an unknown, foreign or stopped workspace, a broken upstream
//! and a slow one each get a clear page.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pulse_tests::app::{Backend, TestApp, expect_status};
use serde_json::Value;

const BOS_KEY: &str = "bos-key-for-the-proxy-tests-0123456789";

/// What the stand-in received: request line and headers (lower-cased), and the body.
#[derive(Debug, Clone, Default)]
struct Seen {
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A BOS stand-in: `/acme/app` streams two chunks 700 ms apart, `/acme/api/save` echoes the
/// body's length with 201, `/acme/slow` waits five seconds, `/acme/broken` hangs up.
fn bos() -> Result<(u16, Arc<Mutex<Vec<Seen>>>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let Ok(copy) = stream.try_clone() else { return };
                let mut reader = BufReader::new(copy);
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let target = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let mut headers = Vec::new();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                    }
                }
                let length: usize = headers
                    .iter()
                    .find(|(k, _)| k == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let seen = Seen {
                    target: target.clone(),
                    headers,
                    body: body.clone(),
                };
                if let Ok(mut l) = log.lock() {
                    l.push(seen);
                }
                let mut out = stream;
                let path = target.split('?').next().unwrap_or_default();
                match path {
                    "/acme/app" => {
                        let _ = write!(
                            out,
                            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\nx-bos: yes\r\n\
                             set-cookie: bos_session=1; Path=/acme; HttpOnly\r\nset-cookie: stray=1; Path=/\r\n\
                             set-cookie: pa_token=forged; Path=/acme\r\nconnection: close\r\n\r\n6\r\nfirst-\r\n"
                        );
                        let _ = out.flush();
                        std::thread::sleep(Duration::from_millis(700));
                        let _ = write!(out, "6\r\nsecond\r\n0\r\n\r\n");
                    }
                    "/acme/api/save" => {
                        let reply = format!("{{\"saved\":{}}}", body.len());
                        let _ = write!(
                            out,
                            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                            reply.len()
                        );
                    }
                    "/acme/slow" => {
                        std::thread::sleep(Duration::from_secs(5));
                        let _ = write!(
                            out,
                            "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        );
                    }
                    _ => {
                        // /acme/broken: hang up without answering.
                    }
                }
            });
        }
    });
    Ok((port, seen))
}

fn last(seen: &Arc<Mutex<Vec<Seen>>>, path: &str) -> Result<Seen> {
    seen.lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .iter()
        .rev()
        .find(|s| s.target.starts_with(path))
        .cloned()
        .with_context(|| format!("BOS never received {path}"))
}

/// The identity header's payload, if its MAC holds under `key` (checked here with ring, apart
/// from the portal's code).
fn identity(header: &str, key: &[u8]) -> Option<Value> {
    let (signed, tag) = header.rsplit_once('.')?;
    let payload = signed.strip_prefix("v1.")?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::verify(&key, signed.as_bytes(), &URL_SAFE_NO_PAD.decode(tag).ok()?).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

#[test]
fn a_workspace_path_reaches_bos_for_its_members_and_no_one_else() -> Result<()> {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (port, seen) = bos()?;
        let origin = format!("http://127.0.0.1:{port}");
        let Some(app) = TestApp::builder(backend)
            .variable("bos_origin", &origin)
            .variable("bos_key", BOS_KEY)
            .variable("bos_timeout_seconds", "2")
            .start("bos_proxy")?
        else {
            continue;
        };
        let app = &app;

        // Signed out, every workspace path asks to sign in, known or not, and BOS hears nothing.
        for path in ["/acme/app", "/no-such-workspace/app"] {
            let resp = app.get(path)?;
            assert_eq!(resp.status(), 303, "{path}");
            assert!(
                resp.headers()["location"]
                    .to_str()?
                    .starts_with("/login?next=%2F"),
                "{path}"
            );
        }
        assert!(seen.lock().map(|s| s.is_empty()).unwrap_or(false));

        // A member: the answer streams back (its head arrives before the body is complete).
        let ada = app.sign_in("ada@acme.example")?;
        let started = Instant::now();
        let mut resp = app
            .as_user(&ada, reqwest::Method::GET, "/acme/app?tab=sales&x=1")
            .header("accept-language", "bg")
            .header("x-forwarded-for", "6.6.6.6")
            .header("pulse-identity", "v1.forged.forged")
            .send()?;
        let head = started.elapsed();
        assert_eq!(resp.status(), 200);
        assert!(
            head < Duration::from_millis(650),
            "head after {head:?}: not streamed"
        );
        let mut body = String::new();
        resp.read_to_string(&mut body)?;
        assert_eq!(body, "first-second");
        assert!(started.elapsed() >= Duration::from_millis(650));
        assert_eq!(resp.headers()["x-bos"], "yes");
        assert!(resp.headers().contains_key("x-request-id"));
        let cookies: Vec<&str> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(
            cookies,
            ["bos_session=1; Path=/acme; HttpOnly"],
            "only the workspace's own cookie"
        );

        let up = last(&seen, "/acme/app")?;
        assert_eq!(up.target, "/acme/app?tab=sales&x=1");
        for gone in ["cookie", "authorization", "spin-full-url", "connection"] {
            assert!(up.header(gone).is_none(), "{gone} reached BOS: {up:?}");
        }
        assert_eq!(up.header("accept-language"), Some("bg"));
        assert_eq!(up.header("x-forwarded-for"), Some("127.0.0.1"));
        assert_eq!(up.header("x-forwarded-proto"), Some("http"));
        assert_eq!(up.header("x-forwarded-prefix"), Some("/acme"));
        let who = identity(
            up.header("pulse-identity").context("identity")?,
            BOS_KEY.as_bytes(),
        )
        .context("the identity is signed with bos_key")?;
        assert_eq!(who["sub"], "usr_demo_ada");
        assert_eq!(who["email"], "ada@acme.example");
        assert_eq!(who["slug"], "acme");
        assert_eq!(who["tenant"], "ten_demo_acme");
        assert_eq!(who["role"], "owner");
        assert_eq!(
            who["exp"].as_i64().unwrap_or(0) - who["iat"].as_i64().unwrap_or(0),
            60
        );
        assert!(
            identity(
                up.header("pulse-identity").unwrap_or_default(),
                b"some-other-key-0123456789-0123456789"
            )
            .is_none()
        );

        // A write with its body; a cross-site one is refused before BOS hears of it.
        let csrf = app.csrf(&ada)?;
        let saved = app
            .as_user(&ada, reqwest::Method::POST, "/acme/api/save")
            .header("content-type", "application/json")
            .header("x-csrf-token", &csrf)
            .body("{\"name\":\"Ada\"}")
            .send()?;
        assert_eq!(saved.status(), 201);
        assert_eq!(saved.text()?, "{\"saved\":14}");
        assert_eq!(last(&seen, "/acme/api/save")?.body, b"{\"name\":\"Ada\"}");
        // A binary upload is the workspace's to read: the portal passes it on as it came.
        let upload: Vec<u8> = vec![0x00, 0xFF, 0xFE, b'=', b'&', 0x07, 0x89, b'P', b'N', b'G'];
        let sent = app
            .as_user(&ada, reqwest::Method::POST, "/acme/api/save")
            .header("content-type", "application/octet-stream")
            .header("x-csrf-token", &csrf)
            .body(upload.clone())
            .send()?;
        assert_eq!(sent.status(), 201);
        assert_eq!(last(&seen, "/acme/api/save")?.body, upload);
        let before = seen.lock().map(|s| s.len()).unwrap_or(0);
        let forged = app
            .as_user(&ada, reqwest::Method::POST, "/acme/api/save")
            .header("sec-fetch-site", "cross-site")
            .body("{}")
            .send()?;
        assert_eq!(forged.status(), 403);
        assert_eq!(seen.lock().map(|s| s.len()).unwrap_or(0), before);

        // Unknown, foreign and not running all get the same 404 page; BOS hears nothing.
        let mia = app.sign_in("mia@northwind.example")?;
        let pages = [
            app.get_as(&ada, "/no-such-workspace/app")?,
            app.get_as(&mia, "/acme/app")?,
            app.get_as(&ada, "/acme-staging/app")?,
        ];
        for resp in pages {
            let page = expect_status(resp, 404)?;
            assert!(page.contains("Page not found"), "{page}");
        }
        assert_eq!(seen.lock().map(|s| s.len()).unwrap_or(0), before);

        // A slow BOS is a 504 after the timeout, a broken one a 502; never a hang.
        let started = Instant::now();
        let slow = expect_status(app.get_as(&ada, "/acme/slow")?, 504)?;
        assert!(slow.contains("taking too long"), "{slow}");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        let broken = expect_status(app.get_as(&ada, "/acme/broken")?, 502)?;
        assert!(broken.contains("not answering"), "{broken}");
    }
    Ok(())
}
