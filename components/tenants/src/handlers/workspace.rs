//! The catch-all `/{workspace-slug}`: known portal paths never get here (Spin routes them to
//! their areas first); a live tenant's slug is sent on to its workspace, anything else is a 404.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::store::tenants;

use super::workspace_domain;

/// Redirects to `https://{slug}.{workspace_domain}/` for a live tenant.
pub fn open_workspace(ctx: &Ctx, req: &Request, slug: &str) -> Result<Response, AppError> {
    if !tenants::valid_slug(slug) || req.path.starts_with("/api/") {
        return Err(AppError::NotFound);
    }
    if !tenants::slug_is_live(ctx.db()?, slug)? {
        return Err(AppError::NotFound);
    }
    let target = format!("https://{slug}.{}/", workspace_domain());
    Ok(Response::found(&target).with_header("cache-control", "private, max-age=60"))
}
