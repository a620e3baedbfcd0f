//! Route matching exactly as Spin's HTTP trigger does it: the same `routefinder` version, the
//! same `/...` rewriting, the same duplicate handling (the later route wins and an error naming
//! both is logged) and the same trailing-slash rules for `spin-path-info`.

use std::borrow::Cow;
use std::fmt;

use anyhow::{Result, anyhow};

/// Routes under this prefix are answered by the runtime itself.
pub const WELL_KNOWN_PREFIX: &str = "/.well-known/spin/";

/// What a route maps to.
#[derive(Debug)]
struct Handler {
    /// Index of the serving component in the server's component table.
    component: usize,
    /// The route combined with the (always `/`) base, e.g. `/static/...` or `` for `/`.
    based_route: String,
    /// The route as written in the manifest.
    raw_route: String,
    /// The route without wildcard, for display.
    display: String,
    /// Whether the route ends in a wildcard.
    wildcard: bool,
}

/// The application's router.
pub struct Router {
    inner: routefinder::Router<Handler>,
}

/// A duplicate route, reported at start.
pub struct Duplicate {
    /// The route.
    pub route: String,
    /// The component whose route is ignored.
    pub replaced: String,
    /// The component that serves it.
    pub effective: String,
}

/// A successful match.
pub struct RouteMatch<'r> {
    handler: &'r Handler,
    trailing: Cow<'r, str>,
    named: Vec<(String, String)>,
}

impl Router {
    /// Builds the router from `(component index, component id, raw route)` in manifest order.
    pub fn build<'a>(
        routes: impl IntoIterator<Item = (usize, &'a str, &'a str)>,
    ) -> Result<(Self, Vec<Duplicate>)> {
        // Keyed by raw route, keeping the first position but the last value, like Spin's IndexMap.
        let mut entries: Vec<(&str, usize, &str)> = Vec::new();
        let mut duplicates = Vec::new();
        for (component, id, raw) in routes {
            if let Some(existing) = entries.iter_mut().find(|(r, _, _)| *r == raw) {
                duplicates.push(Duplicate {
                    route: {
                        let based = based_route(raw);
                        if based.is_empty() {
                            "/".to_string()
                        } else {
                            based
                        }
                    },
                    replaced: existing.2.to_string(),
                    effective: id.to_string(),
                });
                existing.1 = component;
                existing.2 = id;
            } else {
                entries.push((raw, component, id));
            }
        }
        let mut inner = routefinder::Router::new();
        for (raw, component, id) in entries {
            let based = based_route(raw);
            let (spec, display, wildcard) = if let Some(prefix) = based.strip_suffix("/...") {
                (format!("{prefix}/*"), prefix.to_string(), true)
            } else if let Some(prefix) = based.strip_suffix("/*") {
                (based.clone(), prefix.to_string(), true)
            } else {
                (based.clone(), based.clone(), false)
            };
            let handler = Handler {
                component,
                based_route: based.clone(),
                raw_route: raw.to_string(),
                display: if display.is_empty() {
                    "/".to_string()
                } else {
                    display
                },
                wildcard,
            };
            inner.add(spec.as_str(), handler).map_err(|e| {
                anyhow!("Error parsing route {based} associated with component {id}: {e}")
            })?;
        }
        Ok((Self { inner }, duplicates))
    }

    /// Routes as `(component index, display route)`, in routefinder's order, for the banner.
    pub fn routes(&self) -> impl Iterator<Item = (usize, RouteDisplay<'_>)> {
        self.inner
            .iter()
            .map(|(_, h)| (h.component, RouteDisplay(h)))
    }

    /// Whether any route is under the reserved `/.well-known/spin/` prefix.
    pub fn contains_reserved_route(&self) -> bool {
        self.inner
            .iter()
            .any(|(_, h)| h.based_route.starts_with(WELL_KNOWN_PREFIX))
    }

    /// The best match for `path`, if any.
    pub fn route<'r>(&'r self, path: &str) -> Option<RouteMatch<'r>> {
        let m = self.inner.best_match(path)?;
        let handler: &'r Handler = m.handler();
        let captures = m.captures();
        // Spin has traditionally kept trailing slashes in the path info; routefinder drops them.
        let trailing: Cow<'r, str> = match captures.wildcard() {
            Some(s) => match (s.is_empty(), path.ends_with('/')) {
                (true, false) => Cow::Borrowed(""),
                (true, true) => Cow::Borrowed("/"),
                (false, false) => Cow::Owned(format!("/{s}")),
                (false, true) => Cow::Owned(format!("/{s}/")),
            },
            None => Cow::Borrowed(""),
        };
        let named = captures
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Some(RouteMatch {
            handler,
            trailing,
            named,
        })
    }
}

/// A route as Spin prints it at start.
pub struct RouteDisplay<'r>(&'r Handler);

impl fmt::Display for RouteDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.wildcard {
            write!(f, "{} (wildcard)", self.0.display)
        } else {
            write!(f, "{}", self.0.display)
        }
    }
}

impl RouteMatch<'_> {
    /// The serving component's index.
    pub fn component(&self) -> usize {
        self.handler.component
    }

    /// `spin-matched-route`: the route with the base, as written (`/foo/...`).
    pub fn based_route(&self) -> &str {
        &self.handler.based_route
    }

    /// `spin-raw-component-route`: the route as written in the manifest.
    pub fn raw_route(&self) -> &str {
        &self.handler.raw_route
    }

    /// `spin-component-route`: the raw route without a trailing `/...`.
    pub fn raw_route_or_prefix(&self) -> &str {
        self.handler
            .raw_route
            .strip_suffix("/...")
            .unwrap_or(&self.handler.raw_route)
    }

    /// `spin-path-info`: the part of the path the wildcard matched.
    pub fn trailing_wildcard(&self) -> &str {
        &self.trailing
    }

    /// Named `:param` captures.
    pub fn named_wildcards(&self) -> &[(String, String)] {
        &self.named
    }
}

/// Spin's `sanitize_with_base("/", route)`: absolutise, then drop one trailing slash from both
/// the base and the route (so `/` becomes the empty string).
fn based_route(raw: &str) -> String {
    let abs = if raw.starts_with('/') {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(format!("/{raw}"))
    };
    abs.strip_suffix('/').unwrap_or(&abs).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        let (r, _) = Router::build(
            routes
                .iter()
                .enumerate()
                .map(|(i, (id, route))| (i, *id, *route)),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        r
    }

    fn id(r: &Router, routes: &[(&str, &str)], path: &str) -> Option<String> {
        r.route(path).map(|m| routes[m.component()].0.to_string())
    }

    #[test]
    fn exact_beats_wildcard_and_longest_prefix_wins() {
        let routes = [
            ("all", "/..."),
            ("foo", "/foo/..."),
            ("foobar", "/foo/bar/..."),
            ("exact", "/foo/bar"),
        ];
        let r = router(&routes);
        assert_eq!(id(&r, &routes, "/foo/bar").as_deref(), Some("exact"));
        assert_eq!(id(&r, &routes, "/foo/bar/baz").as_deref(), Some("foobar"));
        assert_eq!(id(&r, &routes, "/foo/x").as_deref(), Some("foo"));
        assert_eq!(id(&r, &routes, "/other").as_deref(), Some("all"));
        assert_eq!(id(&r, &routes, "/").as_deref(), Some("all"));
    }

    #[test]
    fn path_info_keeps_trailing_slashes_like_spin() {
        let routes = [("foo", "/foo/...")];
        let r = router(&routes);
        let info = |p: &str| r.route(p).map(|m| m.trailing_wildcard().to_string());
        assert_eq!(info("/foo").as_deref(), Some(""));
        assert_eq!(info("/foo/").as_deref(), Some("/"));
        assert_eq!(info("/foo/bar").as_deref(), Some("/bar"));
        assert_eq!(info("/foo/bar/").as_deref(), Some("/bar/"));
    }

    #[test]
    fn root_route_is_based_as_empty_string() {
        let routes = [("root", "/")];
        let r = router(&routes);
        let m = r.route("/").unwrap_or_else(|| panic!("no match"));
        assert_eq!(m.based_route(), "");
        assert_eq!(m.raw_route(), "/");
        assert!(r.route("/x").is_none());
    }

    #[test]
    fn later_duplicate_wins_and_is_reported() {
        let (r, dups) =
            Router::build([(0, "a", "/x"), (1, "b", "/x")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.route("/x").map(|m| m.component()), Some(1));
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].replaced, "a");
        assert_eq!(dups[0].effective, "b");
    }
}
