//! The signed-in user's profile.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::spin::Ctx;
use pulse_core::views::Nav;

use crate::views;

/// Shows who the user is and the accounts they belong to.
pub fn show_profile(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    Ok(Response::html(
        200,
        views::profile::page(&ctx.shell(Nav::Account), who),
    ))
}
