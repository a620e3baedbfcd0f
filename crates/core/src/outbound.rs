//! Blocking outbound HTTP (the OpenID provider, the mail API, the provisioner), straight on
//! `wasi:http` so every call has connect, first-byte and between-bytes timeouts and a size cap:
//! a peer that is down or slow costs the visitor seconds, not minutes. A body is always sent
//! with its `content-length` (never chunked, which some servers and proxies refuse with 411),
//! and a request without one carries no body at all.

use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{
    Fields, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};

/// Nanoseconds per second (wasi durations are in nanoseconds).
const SECOND: u64 = 1_000_000_000;
/// The largest answer read from a provider.
const MAX_BODY_BYTES: usize = 512 * 1024;

/// Why a call to the provider produced no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL cannot be requested (a bad discovery document or configuration).
    #[error("invalid URL {0:?}")]
    BadUrl(String),
    /// Refused, denied by `allowed_outbound_hosts`, timed out or broken mid-way.
    #[error("request to {url} failed: {reason}")]
    Failed {
        /// The URL requested.
        url: String,
        /// What the runtime reported.
        reason: String,
    },
    /// The answer is larger than any discovery document, JWKS or token response.
    #[error("answer from {0} is too large")]
    TooLarge(String),
}

/// A provider's answer.
pub struct Fetched {
    /// HTTP status.
    pub status: u16,
    /// The body, at most [`MAX_BODY_BYTES`].
    pub body: Vec<u8>,
}

/// `GET url` accepting JSON.
pub fn get(url: &str) -> Result<Fetched, FetchError> {
    send(Method::Get, url, &[("accept", "application/json")], None)
}

/// `GET url` accepting JSON, with extra headers.
pub fn get_with(url: &str, headers: &[(&str, &str)]) -> Result<Fetched, FetchError> {
    let mut all = vec![("accept", "application/json")];
    all.extend_from_slice(headers);
    send(Method::Get, url, &all, None)
}

/// `POST url` with a form body and extra headers.
pub fn post_form(url: &str, headers: &[(&str, &str)], body: &str) -> Result<Fetched, FetchError> {
    let mut all = vec![
        ("accept", "application/json"),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    all.extend_from_slice(headers);
    send(Method::Post, url, &all, Some(body.as_bytes()))
}

/// `POST url` with a JSON body and extra headers.
pub fn post_json(url: &str, headers: &[(&str, &str)], body: &str) -> Result<Fetched, FetchError> {
    let mut all = vec![
        ("accept", "application/json"),
        ("content-type", "application/json"),
    ];
    all.extend_from_slice(headers);
    send(Method::Post, url, &all, Some(body.as_bytes()))
}

fn split_url(url: &str) -> Option<(Scheme, &str, &str)> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (Scheme::Https, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (Scheme::Http, rest)
    } else {
        return None;
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let valid = !authority.is_empty() && !authority.contains(['@', ' ', '#']);
    valid.then_some((scheme, authority, path))
}

/// The id of the request this instance serves: one instance serves one request, so a
/// process-wide cell is exactly per-request.
static REQUEST_ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Records the incoming request's id for the outbound calls it causes.
pub fn set_request_id(id: &str) {
    let _ = REQUEST_ID.set(id.to_string());
}

fn send(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Fetched, FetchError> {
    let bad_url = || FetchError::BadUrl(url.chars().take(200).collect());
    let failed = |reason: String| FetchError::Failed {
        url: url.chars().take(200).collect(),
        reason,
    };
    let (scheme, authority, path) = split_url(url).ok_or_else(bad_url)?;
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    let mut list: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    // The incoming request's id travels with every call it causes, for tracing across logs.
    if let Some(id) = REQUEST_ID.get() {
        list.push(("x-request-id".into(), id.as_bytes().to_vec()));
    }
    // The body is known in full: send its length, so it does not go out chunked.
    if let Some(body) = body
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        list.push(("content-length".into(), body.len().to_string().into_bytes()));
    }
    let fields = Fields::from_list(&list).map_err(|e| failed(format!("headers: {e:?}")))?;
    let request = OutgoingRequest::new(fields);
    request.set_method(&method).map_err(|_| bad_url())?;
    request.set_scheme(Some(&scheme)).map_err(|_| bad_url())?;
    request
        .set_authority(Some(authority))
        .map_err(|_| bad_url())?;
    request
        .set_path_with_query(Some(&path))
        .map_err(|_| bad_url())?;
    // Without a body, none is opened: the request then goes out with no body at all rather
    // than an empty chunked one.
    let outgoing_body = match body {
        Some(_) => Some(
            request
                .body()
                .map_err(|_| failed("request body unavailable".into()))?,
        ),
        None => None,
    };

    let options = RequestOptions::new();
    // The runtime may not support a timeout; the request then simply runs without it.
    let _ = options.set_connect_timeout(Some(5 * SECOND));
    let _ = options.set_first_byte_timeout(Some(8 * SECOND));
    let _ = options.set_between_bytes_timeout(Some(5 * SECOND));
    let pending =
        outgoing_handler::handle(request, Some(options)).map_err(|e| failed(format!("{e:?}")))?;

    if let (Some(outgoing_body), Some(body)) = (outgoing_body, body) {
        {
            let stream = outgoing_body
                .write()
                .map_err(|_| failed("request body unwritable".into()))?;
            for chunk in body.chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| failed(format!("writing the request: {e:?}")))?;
            }
        }
        OutgoingBody::finish(outgoing_body, None).map_err(|e| failed(format!("{e:?}")))?;
    }

    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(e))) => return Err(failed(format!("{e:?}"))),
        Some(Err(())) | None => return Err(failed("no response".into())),
    };
    let status = response.status();
    let incoming = response
        .consume()
        .map_err(|_| failed("response body unavailable".into()))?;
    let mut data = Vec::new();
    {
        let stream = incoming
            .stream()
            .map_err(|_| failed("response body unavailable".into()))?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    data.extend_from_slice(&chunk);
                    if data.len() > MAX_BODY_BYTES {
                        return Err(FetchError::TooLarge(url.chars().take(200).collect()));
                    }
                }
                Err(wasi::io::streams::StreamError::Closed) => break,
                Err(e) => return Err(failed(format!("reading the answer: {e:?}"))),
            }
        }
    }
    drop(incoming);
    Ok(Fetched { status, body: data })
}
