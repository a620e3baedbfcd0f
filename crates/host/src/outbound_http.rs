//! Outbound networking policy (`allowed_outbound_hosts`) and the wasi:http `send_request` hook.
//!
//! The allow-list grammar and matching follow Spin's `AllowedHostsConfig`: `scheme://host[:port]`
//! with `*` for any scheme, host or port, `*.domain` subdomain wildcards, CIDR ranges, port
//! ranges `a..b`, default ports per scheme, `{{ var }}` templates (an empty expansion is skipped)
//! and `self` for the app itself. A relative URL (or `http://self.alt`) goes to the address the
//! server is bound to, never to the incoming request's `Host` header (CVE-2024-32980).

use std::net::IpAddr;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use http::uri::{Authority, Scheme};
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// One allowed scheme/host/port triple.
#[derive(Debug, Clone)]
struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    ports: Option<PortPattern>,
}

#[derive(Debug, Clone)]
enum HostPattern {
    Any,
    Subdomain(String),
    ToSelf,
    Literal(url::Host),
    Cidr(IpAddr, u8),
}

#[derive(Debug, Clone)]
enum PortPattern {
    Port(u16),
    Range(u16, u16),
}

/// A component's resolved `allowed_outbound_hosts`.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    hosts: Vec<AllowedHost>,
}

fn well_known_port(scheme: &str) -> Option<u16> {
    match scheme {
        "postgres" => Some(5432),
        "mysql" => Some(3306),
        "redis" => Some(6379),
        "mqtt" => Some(1883),
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl AllowedHosts {
    /// Parses the entries, expanding templates with `expand`. Empty expansions (and a bare
    /// `http://` or `https://`) are skipped, as Spin does for optional endpoints.
    pub fn parse(entries: &[String], expand: impl Fn(&str) -> Result<String>) -> Result<Self> {
        if entries.len() == 1 && entries[0] == "insecure:allow-all" {
            bail!(
                "'insecure:allow-all' is not allowed - use '*://*:*' instead if you really want to allow all outbound traffic'"
            );
        }
        let mut hosts = Vec::new();
        for entry in entries {
            if entry.contains("{{") {
                let resolved = expand(entry)?;
                if resolved.is_empty() || resolved == "http://" || resolved == "https://" {
                    continue;
                }
                hosts.push(parse_one(&resolved).with_context(|| {
                    format!(
                        "allowed_outbound_hosts entry {entry:?} resolves to invalid {resolved:?}"
                    )
                })?);
            } else {
                hosts.push(parse_one(entry)?);
            }
        }
        Ok(Self { hosts })
    }

    /// Whether `url` (parsed with `default_scheme` if it has none) is allowed.
    pub fn check_url(&self, url: &str, default_scheme: &str) -> bool {
        let Some((scheme, host, port)) = parse_outbound_url(url, default_scheme) else {
            tracing::warn!("a component tried to reach a URL that could not be parsed: {url}");
            return false;
        };
        self.hosts.iter().any(|h| {
            h.scheme.as_ref().is_none_or(|s| *s == scheme)
                && host_allows(&h.host, &host)
                && match &h.ports {
                    None => true,
                    Some(p) => match port.or_else(|| well_known_port(&scheme)) {
                        Some(port) => match p {
                            PortPattern::Port(x) => *x == port,
                            PortPattern::Range(a, b) => (*a..*b).contains(&port),
                        },
                        None => false,
                    },
                }
        })
    }

    /// Whether relative (`self`) requests over any of `schemes` are allowed.
    pub fn allows_relative(&self, schemes: &[&str]) -> bool {
        self.hosts.iter().any(|h| {
            schemes
                .iter()
                .any(|s| h.scheme.as_ref().is_none_or(|x| x == s))
                && matches!(h.host, HostPattern::Any | HostPattern::ToSelf)
        })
    }
}

fn host_allows(pattern: &HostPattern, host: &str) -> bool {
    let Ok(host) = url::Host::parse(host) else {
        return false;
    };
    match (pattern, host) {
        (HostPattern::Any, _) => true,
        (HostPattern::Subdomain(suffix), url::Host::Domain(d)) => d.ends_with(suffix.as_str()),
        (HostPattern::Literal(l), h) => *l == h,
        (HostPattern::Cidr(net, bits), url::Host::Ipv4(ip)) => {
            cidr_contains(*net, *bits, ip.into())
        }
        (HostPattern::Cidr(net, bits), url::Host::Ipv6(ip)) => {
            cidr_contains(*net, *bits, ip.into())
        }
        _ => false,
    }
}

fn cidr_contains(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

fn parse_cidr(host: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = match host.split_once('/') {
        Some((ip, bits)) => (ip, bits.parse::<u8>().ok()?),
        None => {
            let ip: IpAddr = host.parse().ok()?;
            return Some((ip, if ip.is_ipv4() { 32 } else { 128 }));
        }
    };
    let ip: IpAddr = ip.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn parse_host(host: &str) -> Result<HostPattern> {
    let host = host.trim();
    if host == "*" {
        return Ok(HostPattern::Any);
    }
    if host == "self" || host == "self.alt" {
        return Ok(HostPattern::ToSelf);
    }
    if host.starts_with('{') {
        bail!("host lists are not yet supported");
    }
    if let Some((ip, bits)) = parse_cidr(host) {
        return Ok(HostPattern::Cidr(ip, bits));
    }
    let host = host.strip_suffix('/').unwrap_or(host);
    if host.contains('/') {
        bail!("must not include a path");
    }
    if let Some(domain) = host.strip_prefix("*.") {
        if domain.contains('*') {
            bail!("wildcards are allowed only as prefixes");
        }
        let url::Host::Domain(domain) = url::Host::parse(domain)
            .with_context(|| format!("invalid wildcard host \"*.{domain}\""))?
        else {
            bail!("wildcard suffix must be a domain");
        };
        return Ok(HostPattern::Subdomain(format!(".{domain}")));
    }
    if host.contains('*') {
        bail!("wildcards are allowed only as subdomains");
    }
    Ok(HostPattern::Literal(url::Host::parse(host)?))
}

fn parse_one(original: &str) -> Result<AllowedHost> {
    let url = original.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        match url {
            "*" | ":" | "" | "?" => bail!(
                "{url:?} is not an allowed outbound host format.\nHosts must be in the form <scheme>://<host>[:<port>], with '*' wildcards allowed for each.\nIf you intended to allow all outbound networking, you can use '*://*:*' - this will obviate all network sandboxing."
            ),
            _ => bail!("{url:?} does not contain a scheme (e.g., 'http://' or '*://')"),
        }
    };
    let (host, port) = match rest.rsplit_once(':') {
        None => (rest, ""),
        Some((h, "")) => (h, ""),
        Some((h, tail)) => {
            if parse_host(rest).is_ok() {
                (rest, "")
            } else {
                let port = match tail.split_once('/') {
                    Some((port, path)) => {
                        if !path.is_empty() {
                            bail!("{url:?} has a path but is not allowed to");
                        }
                        port
                    }
                    None => tail,
                };
                (h, port)
            }
        }
    };
    let ports = if port.is_empty() {
        Some(PortPattern::Port(well_known_port(scheme).ok_or_else(|| {
            anyhow!(
                "Invalid allowed host port \"\": no port was provided and the scheme {scheme:?} does not have a known default port number"
            )
        })?))
    } else if port == "*" {
        None
    } else if port.starts_with('{') {
        bail!("Invalid allowed host port {port:?}: port lists are not yet supported");
    } else if let Some((a, b)) = port.split_once("..") {
        let a = a
            .parse()
            .with_context(|| format!("port range {port:?} contains non-number"))?;
        let b = b
            .parse()
            .with_context(|| format!("port range {port:?} contains non-number"))?;
        Some(PortPattern::Range(a, b))
    } else {
        Some(PortPattern::Port(
            port.parse()
                .with_context(|| format!("port {port:?} is not a number"))?,
        ))
    };
    let scheme = if scheme == "*" {
        None
    } else if scheme.starts_with('{') {
        bail!("Invalid allowed host scheme {scheme:?}: scheme lists are not supported");
    } else if scheme.chars().any(|c| !c.is_alphabetic()) {
        bail!("Invalid allowed host scheme {scheme:?}: only alphabetic characters are allowed");
    } else {
        Some(scheme.to_string())
    };
    let host = parse_host(host).with_context(|| format!("Invalid allowed host {host:?}"))?;
    Ok(AllowedHost {
        scheme,
        host,
        ports,
    })
}

/// Splits a URL into scheme, host and explicit port the way Spin's `OutboundUrl` does, retrying
/// with `default_scheme://` when the text alone has no host.
fn parse_outbound_url(url: &str, default_scheme: &str) -> Option<(String, String, Option<u16>)> {
    let parsed = match url::Url::parse(url) {
        Ok(u) if u.has_host() => u,
        _ => url::Url::parse(&format!("{default_scheme}://{url}")).ok()?,
    };
    Some((
        parsed.scheme().to_string(),
        parsed.host_str()?.to_string(),
        parsed.port(),
    ))
}

/// Where `self` requests go: the address the server actually listens on.
#[derive(Debug, Clone)]
pub struct SelfOrigin {
    /// Always `http` for this host.
    pub scheme: Scheme,
    /// `127.0.0.1:PORT`.
    pub authority: Authority,
}

/// The wasi:http hooks of one instance.
pub struct Hooks {
    allowed: Arc<AllowedHosts>,
    origin: Arc<SelfOrigin>,
    /// Requests the instance sent, permitted or not.
    pub sent: u32,
}

impl Hooks {
    /// Hooks enforcing `allowed` and routing `self` to `origin`.
    pub fn new(allowed: Arc<AllowedHosts>, origin: Arc<SelfOrigin>) -> Self {
        Self {
            allowed,
            origin,
            sent: 0,
        }
    }
}

impl WasiHttpHooks for Hooks {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = std::result::Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = std::result::Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn Future<Output = std::result::Result<(), HttpError>> + Send>,
                    ),
                    HttpError,
                >,
            > + Send,
    > {
        // Nothing useful can be done with the guest's report on consuming the response.
        drop(fut);
        self.sent += 1;
        let allowed = self.allowed.clone();
        let origin = self.origin.clone();
        Box::new(async move {
            use http_body_util::BodyExt;
            let is_self = match request.uri().authority() {
                Some(a) => a.host().is_empty() || a.host() == "self.alt",
                None => true,
            };
            let permitted = if is_self {
                allowed.allows_relative(&["http", "https"])
            } else {
                allowed.check_url(&request.uri().to_string(), "https")
            };
            if !permitted {
                tracing::warn!(
                    "outbound request to {} denied: not in allowed_outbound_hosts",
                    if is_self {
                        "self".to_string()
                    } else {
                        request.uri().to_string()
                    }
                );
                return Err(HttpError::HttpRequestDenied);
            }
            if is_self {
                let mut parts = http::uri::Parts::default();
                parts.scheme = Some(origin.scheme.clone());
                parts.authority = Some(origin.authority.clone());
                parts.path_and_query = request.uri().path_and_query().cloned();
                *request.uri_mut() =
                    http::Uri::from_parts(parts).map_err(|_| HttpError::HttpRequestUriInvalid)?;
            }
            // The Host header always names the server actually contacted, whatever the guest
            // (or a forged incoming header) put there.
            let host = request
                .uri()
                .authority()
                .map(|a| a.as_str().to_string())
                .ok_or(HttpError::HttpRequestUriInvalid)?;
            let value =
                http::HeaderValue::from_str(&host).map_err(|_| HttpError::HttpRequestUriInvalid)?;
            request.headers_mut().insert(http::header::HOST, value);
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = std::result::Result<(), HttpError>> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(entries: &[&str]) -> AllowedHosts {
        let entries: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
        AllowedHosts::parse(&entries, |_| Ok(String::new())).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn default_ports_and_wildcards_match_like_spin() {
        let h = hosts(&[
            "https://example.com",
            "postgres://db.local",
            "http://*.svc:8080",
        ]);
        assert!(h.check_url("https://example.com/x", "https"));
        assert!(h.check_url("https://example.com:443/x", "https"));
        assert!(!h.check_url("https://example.com:8443/x", "https"));
        assert!(!h.check_url("http://example.com/x", "https"));
        assert!(h.check_url("db.local:5432", "postgres"));
        assert!(h.check_url("db.local", "postgres"));
        assert!(!h.check_url("db.local:5433", "postgres"));
        assert!(h.check_url("http://a.svc:8080/", "https"));
        assert!(!h.check_url("http://svc:8080/", "https"));
        assert!(!h.allows_relative(&["http", "https"]));
    }

    #[test]
    fn self_and_any_allow_relative_requests() {
        assert!(hosts(&["http://self"]).allows_relative(&["http", "https"]));
        assert!(hosts(&["*://*:*"]).allows_relative(&["http", "https"]));
        assert!(hosts(&["*://*:*"]).check_url("http://anything:1/", "https"));
    }

    #[test]
    fn empty_template_expansions_are_skipped() {
        let entries = vec!["{{ origin }}".to_string()];
        let h =
            AllowedHosts::parse(&entries, |_| Ok(String::new())).unwrap_or_else(|e| panic!("{e}"));
        assert!(!h.check_url("https://example.com", "https"));
    }

    #[test]
    fn malformed_entries_are_refused() {
        for bad in [
            "example.com",
            "*",
            "https://exa*mple.com",
            "https://example.com/path",
        ] {
            assert!(parse_one(bad).is_err(), "{bad} should be refused");
        }
    }
}
