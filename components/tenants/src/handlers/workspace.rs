//! The catch-all `/{workspace-slug}/...`: known portal paths never get here (Spin routes them
//! to their areas first). With `bos_origin` set, a running workspace the caller belongs to is
//! reached through the portal: the request goes to BOS with its method, path, query and body,
//! only safe headers, `X-Forwarded-*` and a signed `Pulse-Identity`, and the answer streams
//! back. An unknown, foreign or stopped workspace gets the same 404 page, so slugs cannot be
//! probed; signed out, every workspace path asks to sign in, known or not. Without
//! `bos_origin` (local mode), `/{slug}` is sent on to the workspace's own host name.

use pulse_core::AppError;
use pulse_core::csrf;
use pulse_core::forward::{Forward, Outcome};
use pulse_core::http::{Request, Response, percent_encode};
use pulse_core::spin::Ctx;
use pulse_core::store::tenants;
use pulse_core::time::now_unix;
use pulse_core::upstream::{self, Caller, IDENTITY_SECONDS};

/// Seconds BOS may take to connect and to answer when `bos_timeout_seconds` is not set.
const DEFAULT_TIMEOUT_SECONDS: u64 = 30;

fn variable(name: &str) -> String {
    spin_sdk::variables::get(name)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Answers a workspace path.
pub fn open(ctx: &Ctx, req: &Request) -> Result<Outcome, AppError> {
    let segments = req.segments();
    let Some(slug) = segments.first().copied() else {
        return Err(AppError::NotFound);
    };
    if !tenants::valid_slug(slug) || req.path.starts_with("/api/") {
        return Err(AppError::NotFound);
    }
    let origin = variable("bos_origin");
    if origin.is_empty() {
        return redirect(ctx, req, slug, segments.len()).map(Outcome::Respond);
    }
    // Cross-site writes never reach a workspace on the strength of the portal's cookie; the
    // body (an upload, say) is the workspace's to read, not the portal's.
    csrf::check_origin(req, &ctx.config)?;
    let Some(who) = ctx.identity(req)? else {
        if req.wants_json() {
            return Err(AppError::Unauthenticated);
        }
        let next = if req.query.is_empty() {
            req.path.clone()
        } else {
            format!("{}?{}", req.path, req.query)
        };
        return Ok(Outcome::Respond(Response::see_other(&format!(
            "/login?next={}",
            percent_encode(&next)
        ))));
    };
    let (tenant, account) = tenants::running_by_slug(ctx.db()?, slug)?.ok_or(AppError::NotFound)?;
    let membership = who
        .memberships
        .iter()
        .find(|m| m.account_id == account)
        .ok_or(AppError::NotFound)?;
    let key = variable("bos_key");
    if key.len() < 32 {
        return Err(AppError::Unavailable(
            "variable `bos_key` is not set (32 bytes or more)".into(),
        ));
    }
    let now = now_unix();
    let caller = Caller {
        iss: ctx.config.public_origin.clone(),
        sub: who.user_id.clone(),
        email: who.email.clone(),
        account,
        role: membership.role.as_str().to_string(),
        tenant,
        slug: slug.to_string(),
        iat: now,
        exp: now + IDENTITY_SECONDS,
    };
    let mut headers = upstream::request_headers(&req.headers);
    let host = ctx
        .config
        .public_origin
        .split_once("://")
        .map_or(ctx.config.public_origin.as_str(), |(_, h)| h)
        .to_string();
    headers.extend([
        ("x-forwarded-for".to_string(), req.client_ip()),
        (
            "x-forwarded-proto".to_string(),
            if ctx.config.https() { "https" } else { "http" }.to_string(),
        ),
        ("x-forwarded-host".to_string(), host),
        ("x-forwarded-prefix".to_string(), format!("/{slug}")),
        ("x-request-id".to_string(), req.request_id.clone()),
        (
            "pulse-identity".to_string(),
            upstream::sign(key.as_bytes(), &caller),
        ),
    ]);
    let timeout = variable("bos_timeout_seconds")
        .parse::<u64>()
        .ok()
        .filter(|t| (1..=300).contains(t))
        .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    let query = if req.query.is_empty() {
        String::new()
    } else {
        format!("?{}", req.query)
    };
    Ok(Outcome::Forward(Forward {
        url: format!("{}{}{query}", origin.trim_end_matches('/'), req.path),
        method: req.method.clone(),
        headers,
        body: req.body.clone(),
        timeout_seconds: timeout,
        cookie_path: format!("/{slug}"),
    }))
}

/// Local mode: `/{slug}` goes to the workspace's own host name.
fn redirect(ctx: &Ctx, req: &Request, slug: &str, depth: usize) -> Result<Response, AppError> {
    if depth != 1
        || !matches!(
            req.method,
            pulse_core::http::Method::Get | pulse_core::http::Method::Head
        )
    {
        return Err(AppError::NotFound);
    }
    let hostname = tenants::live_hostname(ctx.db()?, slug)?.ok_or(AppError::NotFound)?;
    let target = format!("https://{hostname}/");
    Ok(Response::found(&target).with_header("cache-control", "private, max-age=60"))
}
