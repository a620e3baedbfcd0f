//! The catch-all `/{workspace-slug}`: known portal paths never get here (Spin routes them to
//! their areas first); a live tenant's slug is sent on to its workspace, anything else is a 404.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::tenants;

/// Redirects to the live tenant's own host name (`https://{slug}.planapulse.app/`).
pub fn open_workspace(ctx: &Ctx, req: &Request, slug: &str) -> Result<Response, AppError> {
    if !tenants::valid_slug(slug) || req.path.starts_with("/api/") {
        return Err(AppError::NotFound);
    }
    let hostname = tenants::live_hostname(ctx.db()?, slug)?.ok_or(AppError::NotFound)?;
    let target = format!("https://{hostname}/");
    Ok(Response::found(&target).with_header("cache-control", "private, max-age=60"))
}
