//! Forwarding a request to an upstream and streaming its answer back as it arrives: how a
//! workspace path reaches BOS. Only the headers the caller names go up, hop-by-hop headers never
//! cross in either direction, and an upstream that refuses, breaks or is slow is a 502 or 504
//! page, never a hang (connect, first-byte and between-bytes timeouts).

use spin_sdk::http as sh;
use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{
    ErrorCode, Fields, Method as WasiMethod, OutgoingBody, OutgoingRequest, OutgoingResponse,
    RequestOptions, ResponseOutparam, Scheme,
};
use wasi::io::streams::StreamError;

use crate::error::AppError;
use crate::http::Method;
use crate::upstream::passes_back;

/// Nanoseconds per second (wasi durations are in nanoseconds).
const SECOND: u64 = 1_000_000_000;

/// A request to send upstream.
#[derive(Debug, Clone)]
pub struct Forward {
    /// `scheme://authority/path?query`.
    pub url: String,
    /// The method.
    pub method: Method,
    /// Every header sent (the caller has filtered and added them).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Seconds to wait for the connection, the answer's first byte, and between its bytes.
    pub timeout_seconds: u64,
    /// A `Set-Cookie` from upstream passes only when scoped to a path under this one.
    pub cookie_path: String,
}

/// What a route answers: a response, or a request to forward with its answer streamed back.
pub enum Outcome {
    /// Answer here.
    Respond(crate::http::Response),
    /// Forward upstream.
    Forward(Forward),
}

fn method(m: &Method) -> WasiMethod {
    match m {
        Method::Get => WasiMethod::Get,
        Method::Head => WasiMethod::Head,
        Method::Post => WasiMethod::Post,
        Method::Put => WasiMethod::Put,
        Method::Patch => WasiMethod::Patch,
        Method::Delete => WasiMethod::Delete,
        Method::Other(o) => WasiMethod::Other(o.clone()),
    }
}

fn timed_out(e: &ErrorCode) -> bool {
    matches!(
        e,
        ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::HttpResponseTimeout
            | ErrorCode::ConnectionWriteTimeout
    )
}

/// Sends `f` and streams the answer into `out`. Without an answer's head (refused, broken or
/// too slow), nothing is sent and `out` comes back with the error to answer instead.
pub fn forward(
    f: &Forward,
    out: sh::ResponseOutparam,
    request_id: &str,
) -> Result<(), (AppError, sh::ResponseOutparam)> {
    let bad = |why: String| AppError::BadGateway(why);
    let (scheme, rest) = match f.url.split_once("://") {
        Some(("https", rest)) => (Scheme::Https, rest),
        Some(("http", rest)) => (Scheme::Http, rest),
        _ => return Err((bad(format!("bad upstream URL {}", f.url)), out)),
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut list: Vec<(String, Vec<u8>)> = f
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
        .collect();
    if !f.body.is_empty() {
        list.push((
            "content-length".into(),
            f.body.len().to_string().into_bytes(),
        ));
    }
    let Ok(fields) = Fields::from_list(&list) else {
        return Err((bad("request headers".into()), out));
    };
    let request = OutgoingRequest::new(fields);
    let set = request.set_method(&method(&f.method)).is_ok()
        && request.set_scheme(Some(&scheme)).is_ok()
        && request.set_authority(Some(authority)).is_ok()
        && request.set_path_with_query(Some(path)).is_ok();
    if !set {
        return Err((bad(format!("bad upstream URL {}", f.url)), out));
    }
    let body = if f.body.is_empty() {
        None
    } else {
        request.body().ok()
    };
    let options = RequestOptions::new();
    let t = f.timeout_seconds.max(1) * SECOND;
    let _ = options.set_connect_timeout(Some(t.min(5 * SECOND)));
    let _ = options.set_first_byte_timeout(Some(t));
    let _ = options.set_between_bytes_timeout(Some(t));
    let pending = match outgoing_handler::handle(request, Some(options)) {
        Ok(p) => p,
        Err(e) if timed_out(&e) => return Err((AppError::GatewayTimeout(format!("{e:?}")), out)),
        Err(e) => return Err((bad(format!("{e:?}")), out)),
    };
    if let Some(body) = body {
        if let Ok(stream) = body.write() {
            for chunk in f.body.chunks(4096) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
        }
        let _ = OutgoingBody::finish(body, None);
    }
    pending.subscribe().block();
    let upstream = match pending.get() {
        Some(Ok(Ok(r))) => r,
        Some(Ok(Err(e))) if timed_out(&e) => {
            return Err((AppError::GatewayTimeout(format!("{e:?}")), out));
        }
        Some(Ok(Err(e))) => return Err((bad(format!("{e:?}")), out)),
        Some(Err(())) | None => return Err((bad("no answer".into()), out)),
    };
    let status = upstream.status();
    let mut headers: Vec<(String, Vec<u8>)> = upstream
        .headers()
        .entries()
        .into_iter()
        .filter(|(k, v)| {
            let name = k.to_ascii_lowercase();
            passes_back(&name, &String::from_utf8_lossy(v), &f.cookie_path)
        })
        .collect();
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-request-id"));
    headers.push(("x-request-id".into(), request_id.as_bytes().to_vec()));
    headers.push(("x-content-type-options".into(), b"nosniff".to_vec()));
    let Ok(incoming) = upstream.consume() else {
        return Err((bad("answer body unavailable".into()), out));
    };
    let Ok(input) = incoming.stream() else {
        return Err((bad("answer body unavailable".into()), out));
    };
    let Ok(fields) = Fields::from_list(&headers) else {
        return Err((bad("answer headers".into()), out));
    };
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(status);
    let Ok(out_body) = response.body() else {
        return Err((bad("answer body unavailable".into()), out));
    };
    ResponseOutparam::set(out.into_inner(), Ok(response));
    // From here the answer has started: copy it through as it arrives.
    if let Ok(output) = out_body.write() {
        loop {
            match input.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    let sent = chunk
                        .chunks(4096)
                        .all(|part| output.blocking_write_and_flush(part).is_ok());
                    if !sent {
                        break;
                    }
                }
                Err(StreamError::Closed) => break,
                Err(e) => {
                    eprintln!("request_id={request_id} upstream answer broke off: {e:?}");
                    break;
                }
            }
        }
    }
    let _ = OutgoingBody::finish(out_body, None);
    Ok(())
}
