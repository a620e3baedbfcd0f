//! The pages area: the signed-out landing, the shell, Home, team, profile, account switching,
//! static assets, the OpenAPI document and `/healthz`.

#![expect(
    unsafe_code,
    reason = "#[http_component] generates the exported entry point"
)]

mod handlers;
mod views;

use pulse_core::AppError;
use pulse_core::http::{Method, Request, Response};
use pulse_core::spin::{Ctx, serve};
use spin_sdk::http_component;

/// Spin entry point.
#[http_component]
async fn handle(req: spin_sdk::http::IncomingRequest, out: spin_sdk::http::ResponseOutparam) {
    serve(req, out, route).await
}

/// The pages route table.
fn route(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    use handlers::*;
    let get = matches!(req.method, Method::Get | Method::Head);
    match (req.path.as_str(), get) {
        // Readiness: configuration, signing keys and database all answer.
        ("/healthz", true) => health::show_health(ctx, req),
        // Liveness: configuration and signing keys, no database.
        ("/healthz/live", true) => health::show_liveness(ctx, req),
        // The signed-out landing page (signed-in visitors see a way in).
        ("/", true) => landing::show_landing(ctx, req),
        // Home: the account summary.
        ("/dashboard", true) => home::show_home(ctx, req),
        // Team members and invitations; removing a member needs a fresh verification.
        ("/team", true) => team::show_team(ctx, req),
        ("/team/members/remove", false) => team::remove_member(ctx, req),
        // The signed-in user's profile.
        ("/profile", true) => profile::show_profile(ctx, req),
        // Switch the account the session acts in.
        ("/accounts/switch", false) => accounts::switch_account(ctx, req),
        // JSON: accounts the caller belongs to; members of the current account.
        ("/api/v1/accounts", true) => accounts::list_accounts(ctx, req),
        ("/api/v1/members", true) => team::list_members(ctx, req),
        // The OpenAPI document for every route.
        ("/api/openapi.json", true) => assets::openapi(),
        (path, true) if path.starts_with("/static/") => assets::show_asset(path),
        (
            "/healthz" | "/healthz/live" | "/" | "/dashboard" | "/team" | "/profile"
            | "/api/v1/accounts" | "/api/v1/members" | "/api/openapi.json",
            false,
        )
        | ("/accounts/switch" | "/team/members/remove", true) => Err(AppError::MethodNotAllowed),
        _ => Err(AppError::NotFound),
    }
}
