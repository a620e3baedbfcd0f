//! A recording HTTP endpoint on 127.0.0.1 that stands in for a peer the portal calls out to:
//! it keeps every request (method, path, headers, body) and answers each with the status it is
//! currently set to.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Result;

/// One request the endpoint received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `POST`, ...
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    /// The raw body.
    pub body: Vec<u8>,
}

/// The endpoint; it stops with the test process.
pub struct Stub {
    /// Its port.
    pub port: u16,
    received: Arc<Mutex<Vec<Recorded>>>,
    status: Arc<AtomicU16>,
}

impl Stub {
    /// Starts answering `status` (with `{}`) to everything.
    pub fn start(status: u16) -> Result<Self> {
        Self::serve(status, |_, status| (status, "{}".to_string()))
    }

    /// Starts answering each request with what `answer` makes of it and the status the stub
    /// is set to (initially `status`): `(status, JSON body)`.
    pub fn serve(
        status: u16,
        answer: impl Fn(&Recorded, u16) -> (u16, String) + Send + 'static,
    ) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(status));
        let (log, current) = (received.clone(), status.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let Ok(copy) = stream.try_clone() else {
                    continue;
                };
                let Some(request) = read_request(BufReader::new(copy)) else {
                    continue;
                };
                let (code, body) = answer(&request, current.load(Ordering::SeqCst));
                if let Ok(mut list) = log.lock() {
                    list.push(request);
                }
                let mut out = stream;
                let _ = write!(
                    out,
                    "HTTP/1.1 {code} Stub\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Ok(Self {
            port,
            received,
            status,
        })
    }

    /// Answers `status` from now on.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// `http://127.0.0.1:{port}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every request so far, oldest first.
    pub fn received(&self) -> Vec<Recorded> {
        self.received.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn read_request(mut reader: impl BufRead) -> Option<Recorded> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

/// A signed request's `v1=` signature: the hex HMAC-SHA256 of `{timestamp}.{body}` under
/// `key`, computed here independently of the portal's own code.
pub fn signature(key: &[u8], timestamp: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let mut message = timestamp.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    let tag = ring::hmac::sign(&key, &message);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
