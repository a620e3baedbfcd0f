//! The signed-out landing page at `/`.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::views::Nav;

use crate::views;

/// Shows the landing page; a signed-in visitor gets a link to their account instead of
/// sign-in prompts.
pub fn show_landing(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    // A broken or expired cookie on the public page means signed out, never an error.
    let who = ctx.identity(req).ok().flatten();
    Ok(Response::html(
        200,
        views::landing::page(&ctx.shell(Nav::None), who.is_some()),
    ))
}
