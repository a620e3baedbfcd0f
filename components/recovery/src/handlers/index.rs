//! The recovery and privacy hubs.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::views::Nav;

use crate::views;

/// `GET /recover`.
pub fn show_recover(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    // Resolved only so the shell shows a signed-in caller; the page is the same for everyone.
    let _ = ctx.identity(req);
    Ok(Response::html(
        200,
        views::index::recover(&ctx.shell(Nav::Support)),
    ))
}

/// `GET /privacy`.
pub fn show_privacy(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    // Resolved only so the shell shows a signed-in caller; the page is the same for everyone.
    let _ = ctx.identity(req);
    Ok(Response::html(
        200,
        views::index::privacy(&ctx.shell(Nav::Support)),
    ))
}
