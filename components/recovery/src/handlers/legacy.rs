//! The old standalone utility pages of seed 002 (`/manage.html`, `/retrieve-license.html`,
//! `/refund.html`, `/data.html`, and the same paths without `.html`): links in old emails and
//! bookmarks land on the flow that replaced each, with their query parameters kept.
//!
//! The answer is a `301 Moved Permanently` for every method: every browser and mail client
//! follows it, GET stays GET, and the old pages' form posts become a GET of the new form, which
//! is what a person needs (the new forms require their own CSRF token, so a replayed body could
//! never be accepted; a `308` would only repeat a POST that must fail). The target does not
//! depend on who asks, because permanent redirects are cached: `/manage` always goes to
//! `/recover/manage`, which mails a link for each subscription of the address and points a
//! signed-in person to Billing.

use pulse_core::http::{Request, Response};

/// Where an old page's path now lives, or `None` for any other path.
pub fn target(page: &str) -> Option<&'static str> {
    Some(match page.strip_suffix(".html").unwrap_or(page) {
        "manage" => "/recover/manage",
        "retrieve-license" => "/recover/license",
        "refund" => "/recover/refund",
        "data" => "/privacy",
        _ => return None,
    })
}

/// The permanent redirect from an old page to `target`, keeping the query string as received.
pub fn redirect(req: &Request, target: &str) -> Response {
    let location = if req.query.is_empty() {
        target.to_string()
    } else {
        format!("{target}?{}", req.query)
    };
    Response {
        status: 301,
        headers: vec![
            ("location".into(), location),
            ("cache-control".into(), "public, max-age=86400".into()),
        ],
        body: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn each_old_page_with_or_without_html_has_its_new_home() {
        for (old, new) in [
            ("manage", "/billing"),
            ("retrieve-license", "/recover/license"),
            ("refund", "/recover/refund"),
            ("data", "/privacy"),
        ] {
            assert_eq!(target(old), Some(new));
            assert_eq!(target(&format!("{old}.html")), Some(new));
        }
        assert_eq!(target("manage.htm"), None);
        assert_eq!(target("acme"), None);
    }
}
