//! Framework-neutral requests and responses: what handlers see, independent of the Spin SDK,
//! plus cookies, forms, and the security headers every response carries.

use maud::Markup;
use serde::Serialize;

/// The request methods handlers distinguish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// HEAD
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// Anything else.
    Other(String),
}

impl Method {
    /// Whether the method changes state (and so needs CSRF protection).
    pub fn is_unsafe(&self) -> bool {
        !matches!(self, Method::Get | Method::Head)
    }
}

/// An incoming request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path, percent-encoded as received.
    pub path: String,
    /// The raw query string without `?`.
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The request id: the incoming `x-request-id` if it is sane, else a new one.
    pub request_id: String,
}

impl Request {
    /// Builds a request, assigning its request id.
    pub fn new(
        method: Method,
        path: &str,
        query: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Self {
        let incoming = headers
            .iter()
            .find(|(k, _)| k == "x-request-id")
            .map(|(_, v)| v.as_str())
            .filter(|v| {
                !v.is_empty()
                    && v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        let request_id = incoming.map_or_else(|| crate::ids::new_id("req"), str::to_string);
        Self {
            method,
            path: path.to_string(),
            query: query.to_string(),
            headers,
            body,
            request_id,
        }
    }

    /// A header's value (name lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A cookie's value.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "cookie")
            .find_map(|(_, v)| cookie_in(v, name))
    }

    /// A query parameter, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        parse_urlencoded(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The page of a list the query asks for (`limit`, 1 to 100 and 100 when absent, and
    /// `starting_after`); a bad `limit` is a 422 naming it.
    pub fn page(&self) -> Result<crate::store::lists::Page, crate::AppError> {
        use crate::store::lists::{PAGE_MAX, Page};
        Page::from_query(
            self.query_param("limit").as_deref(),
            self.query_param("starting_after"),
            PAGE_MAX,
            PAGE_MAX,
        )
    }

    /// The body parsed as an `application/x-www-form-urlencoded` form.
    pub fn form(&self) -> Form {
        Form(parse_urlencoded(&String::from_utf8_lossy(&self.body)))
    }

    /// The body as JSON, or a 422 saying why it is not. A string holding a NUL (`\u0000`),
    /// which no database column keeps, is refused the same way, naming its field.
    pub fn json_body(&self) -> Result<serde_json::Value, crate::AppError> {
        let value: serde_json::Value =
            serde_json::from_slice(&self.body).map_err(|e| crate::AppError::Invalid {
                detail: format!("The body must be JSON: {e}"),
                errors: Vec::new(),
            })?;
        match json_nul(&value, "") {
            None => Ok(value),
            Some(field) => Err(crate::AppError::Invalid {
                detail: "The body holds a NUL character (\\u0000), which is not text, so nothing was changed.".into(),
                errors: vec![(
                    shown_name(&field),
                    "Remove the NUL character and send the request again.".into(),
                )],
            }),
        }
    }

    /// Refuses a form body no browser sends: a field name or value whose bytes are not UTF-8,
    /// or that holds a NUL or another control character (tabs and line breaks aside). Nothing
    /// such can be typed into a page, and it would be stored mangled or not at all; a 422 names
    /// the field instead. Bodies that are JSON are left to [`Request::json_body`].
    pub fn check_form_text(&self) -> Result<(), crate::AppError> {
        if self.body.is_empty()
            || self
                .header("content-type")
                .is_some_and(|t| t.to_ascii_lowercase().contains("json"))
        {
            return Ok(());
        }
        let bad = self
            .body
            .split(|b| *b == b'&')
            .filter(|pair| !pair.is_empty())
            .find_map(|pair| {
                let mut parts = pair.splitn(2, |b| *b == b'=');
                let name = percent_decode_bytes(parts.next().unwrap_or_default());
                let value = percent_decode_bytes(parts.next().unwrap_or_default());
                (!is_text(&name) || !is_text(&value))
                    .then(|| String::from_utf8_lossy(&name).into_owned())
            });
        match bad {
            None => Ok(()),
            Some(name) => Err(crate::AppError::Invalid {
                detail: "The form holds characters that are not text (a NUL or control character, or bytes that are not UTF-8), so nothing was saved.".into(),
                errors: vec![(
                    shown_name(&name),
                    "Type this field again without the characters that are not text, then send the form again.".into(),
                )],
            }),
        }
    }

    /// Whether the caller wants JSON: API paths, or an `Accept` preferring JSON.
    pub fn wants_json(&self) -> bool {
        self.path.starts_with("/api/")
            || self.header("accept").is_some_and(|a| {
                a.contains("application/json") || a.contains("application/problem+json")
            })
    }

    /// The client address Spin reports (`spin-client-addr`), without the port.
    pub fn client_ip(&self) -> String {
        let addr = self.header("spin-client-addr").unwrap_or("unknown");
        match addr.rsplit_once(':') {
            Some((ip, port)) if port.bytes().all(|b| b.is_ascii_digit()) => {
                ip.trim_matches(['[', ']']).to_string()
            }
            _ => addr.to_string(),
        }
    }

    /// The path split into its non-empty segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// A cookie's value in one `Cookie` header value.
pub fn cookie_in<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A decoded form body.
#[derive(Debug, Clone, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// A field's value, trimmed; `None` when absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    }

    /// Every value of a repeated field (checkboxes), trimmed.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .collect()
    }
}

/// A CSV field: quoted when it must be, and never read as a formula by a spreadsheet (a
/// leading `=`, `+`, `-`, `@`, tab or carriage return is escaped with an apostrophe).
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Decodes `a=1&b=two+words` into pairs (percent-decoding, `+` as space).
pub fn parse_urlencoded(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Whether decoded form bytes are text a person can type: UTF-8 without NUL or other control
/// characters, tabs and line breaks aside.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| {
        !s.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    })
}

/// A field name as an error shows it: printable, and short.
fn shown_name(name: &str) -> String {
    let printable: String = name
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .take(40)
        .collect();
    if printable.is_empty() {
        "body".into()
    } else {
        printable
    }
}

/// The first string in `value` (key or value) that holds a NUL, as the path to its field.
fn json_nul(value: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value as J;
    match value {
        J::String(s) if s.contains('\0') => Some(at.to_string()),
        J::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| json_nul(v, &format!("{at}[{i}]"))),
        J::Object(map) => map.iter().find_map(|(k, v)| {
            let field = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(field)
            } else {
                json_nul(v, &field)
            }
        }),
        _ => None,
    }
}

/// Percent-decodes, treating `+` as a space; invalid escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s.as_bytes())).into_owned()
}

/// [`percent_decode`] to bytes, before any UTF-8 is made of them.
fn percent_decode_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Percent-encodes a query value.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A cookie to set.
#[derive(Debug, Clone)]
pub struct Cookie {
    /// Name (already `__Host-` prefixed where wanted).
    pub name: String,
    /// Value.
    pub value: String,
    /// Lifetime in seconds; 0 deletes the cookie.
    pub max_age: i64,
    /// `Secure` (HTTPS origins).
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite=Strict` instead of `Lax`.
    pub strict: bool,
}

impl Cookie {
    /// The `Set-Cookie` header value: host-only (no `Domain`), `Path=/`.
    pub fn header_value(&self) -> String {
        let mut v = format!(
            "{}={}; Path=/; Max-Age={}; SameSite={}",
            self.name,
            self.value,
            self.max_age,
            if self.strict { "Strict" } else { "Lax" }
        );
        if self.http_only {
            v.push_str("; HttpOnly");
        }
        if self.secure {
            v.push_str("; Secure");
        }
        v
    }
}

/// An outgoing response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Response {
    /// An HTML page.
    pub fn html(status: u16, markup: Markup) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
            body: markup.into_string().into_bytes(),
        }
    }

    /// A JSON body.
    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        Self::json_typed(status, "application/json", value)
    }

    /// A JSON body with a specific media type (`application/problem+json`).
    pub fn json_typed<T: Serialize>(status: u16, content_type: &str, value: &T) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()),
        }
    }

    /// Plain text.
    pub fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// A `303 See Other` to `location` (after a form POST) .
    pub fn see_other(location: &str) -> Self {
        Self {
            status: 303,
            headers: vec![("location".into(), location.into())],
            body: Vec::new(),
        }
    }

    /// A `302 Found` to `location`.
    pub fn found(location: &str) -> Self {
        Self {
            status: 302,
            headers: vec![("location".into(), location.into())],
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds a `Set-Cookie`.
    pub fn with_cookie(self, cookie: &Cookie) -> Self {
        let v = cookie.header_value();
        self.with_header("set-cookie", &v)
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Adds the headers every response carries: request id, CSP and the usual hardening, and
    /// `no-store` unless the handler chose a cache policy.
    pub fn finish(mut self, request_id: &str, https: bool) -> Self {
        let mut add = |k: &str, v: &str| {
            if self.header(k).is_none() {
                self.headers.push((k.to_string(), v.to_string()));
            }
        };
        add("x-request-id", request_id);
        add(
            "content-security-policy",
            "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        );
        add("x-content-type-options", "nosniff");
        add("x-frame-options", "DENY");
        add("referrer-policy", "same-origin");
        add(
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        );
        add("cross-origin-opener-policy", "same-origin");
        add("cache-control", "no-store");
        if https {
            add(
                "strict-transport-security",
                "max-age=63072000; includeSubDomains",
            );
        }
        self
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        use super::csv_field;
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
        assert_eq!(csv_field("\t=1+2"), "'\t=1+2");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
    }
    use super::*;

    fn req(headers: &[(&str, &str)]) -> Request {
        Request::new(
            Method::Get,
            "/x",
            "a=1&b=two+words&c=%C3%A9%2",
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            Vec::new(),
        )
    }

    #[test]
    fn cookies_queries_and_client_addresses_parse() {
        let r = req(&[
            ("cookie", "a=1; pa_token=abc.def; z=9"),
            ("spin-client-addr", "127.0.0.1:5555"),
        ]);
        assert_eq!(r.cookie("pa_token"), Some("abc.def"));
        assert_eq!(r.cookie("missing"), None);
        assert_eq!(r.query_param("b").as_deref(), Some("two words"));
        assert_eq!(r.query_param("c").as_deref(), Some("é%2"));
        assert_eq!(r.client_ip(), "127.0.0.1");
    }

    fn post(content_type: &str, body: &str) -> Request {
        Request::new(
            Method::Post,
            "/x",
            "",
            vec![("content-type".into(), content_type.into())],
            body.as_bytes().to_vec(),
        )
    }

    #[test]
    fn form_bodies_that_are_not_text_are_refused_naming_the_field() {
        let form = "application/x-www-form-urlencoded";
        assert!(
            post(form, "name=Ada+L%C3%B6we&note=a%0D%0Ab%09c")
                .check_form_text()
                .is_ok()
        );
        assert!(post(form, "").check_form_text().is_ok());
        for (body, field) in [
            ("name=a%00b", "name"),
            ("name=ok&note=%FF%FE", "note"),
            ("na%FFme=x", "na\u{FFFD}me"),
            ("bell=%07", "bell"),
        ] {
            match post(form, body).check_form_text() {
                Err(crate::AppError::Invalid { errors, .. }) => {
                    assert_eq!(
                        errors.first().map(|(f, _)| f.as_str()),
                        Some(field),
                        "{body}"
                    );
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(
            post("application/json", "name=%00")
                .check_form_text()
                .is_ok()
        );
    }

    #[test]
    fn json_strings_holding_a_nul_are_refused() {
        let ok = post("application/json", r#"{"name": "Ada", "tags": ["x"]}"#);
        assert!(ok.json_body().is_ok());
        let nul = post("application/json", r#"{"a": {"tags": ["x", "y\u0000"]}}"#);
        match nul.json_body() {
            Err(crate::AppError::Invalid { errors, .. }) => {
                assert_eq!(errors.first().map(|(f, _)| f.as_str()), Some("a.tags[1]"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_ids_are_kept_only_when_sane() {
        assert_eq!(req(&[("x-request-id", "abc-123")]).request_id, "abc-123");
        assert!(
            req(&[("x-request-id", "<bad>")])
                .request_id
                .starts_with("req_")
        );
    }

    #[test]
    fn cookies_are_host_only_and_flagged() {
        let c = Cookie {
            name: "__Host-pa_token".into(),
            value: "v".into(),
            max_age: 900,
            secure: true,
            http_only: true,
            strict: false,
        };
        assert_eq!(
            c.header_value(),
            "__Host-pa_token=v; Path=/; Max-Age=900; SameSite=Lax; HttpOnly; Secure"
        );
    }
}
