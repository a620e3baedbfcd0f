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
    let post = req.method == Method::Post;
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
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
        ("/team/members/remove", false) if post => team::remove_member(ctx, req),
        ("/team/members/role", false) if post => invitations::change_role(ctx, req),
        ("/team/invitations", false) if post => invitations::invite_member(ctx, req),
        ("/team/invitations/resend", false) if post => invitations::resend_invitation(ctx, req),
        ("/team/invitations/revoke", false) if post => invitations::revoke_invitation(ctx, req),
        // An invitation link: see it, then accept it signed in as the invited address.
        ("/team/invitations/accept", true) => invitations::show_invitation(ctx, req),
        ("/team/invitations/accept", false) if post => invitations::accept_invitation(ctx, req),
        // The account's activity log.
        ("/activity", true) => activity::show_activity(ctx, req),
        // The signed-in user's profile; a new sign-in address is confirmed from a mailed link.
        ("/profile", true) => profile::show_profile(ctx, req),
        ("/profile/name", false) if post => profile::change_name(ctx, req),
        ("/profile/language", false) if post => profile::change_language(ctx, req),
        ("/profile/time-zone", false) if post => profile::change_time_zone(ctx, req),
        ("/profile/email", false) if post => profile::request_email_change(ctx, req),
        ("/profile/email/confirm", true) => profile::show_email_confirmation(ctx, req),
        ("/profile/email/confirm", false) if post => profile::confirm_email_change(ctx, req),
        // Switch the account the session acts in.
        ("/accounts/switch", false) if post => accounts::switch_account(ctx, req),
        // Start a customer account, or join one the caller's address is invited to.
        ("/accounts/new", true) => onboarding::show_new_account(ctx, req),
        ("/accounts/new", false) if post => onboarding::create_account(ctx, req),
        ("/accounts/join", false) if post => onboarding::join_account(ctx, req),
        ("/api/v1/accounts", false) if post => onboarding::api_create_account(ctx, req),
        // JSON: accounts the caller belongs to; members and invitations of the current account.
        ("/api/v1/accounts", true) => accounts::list_accounts(ctx, req),
        ("/api/v1/members", true) => team::list_members(ctx, req),
        ("/api/v1/invitations", true) => invitations::api_list_invitations(ctx, req),
        ("/api/v1/invitations", false) if post => invitations::api_create_invitation(ctx, req),
        // The OpenAPI document for every route.
        ("/api/openapi.json", true) => assets::openapi(),
        (path, true) if path.starts_with("/static/") => assets::show_asset(path),
        _ => match (req.method.clone(), segments.as_slice()) {
            (Method::Patch, ["api", "v1", "members", id]) => {
                invitations::api_change_role(ctx, req, id)
            }
            (Method::Post, ["api", "v1", "invitations", id, "resend"]) => {
                invitations::api_resend_invitation(ctx, req, id)
            }
            (Method::Post, ["api", "v1", "accounts", "invitations", id, "accept"]) => {
                onboarding::api_join_account(ctx, req, id)
            }
            (Method::Delete, ["api", "v1", "invitations", id]) => {
                invitations::api_revoke_invitation(ctx, req, id)
            }
            (
                _,
                [
                    "healthz" | "dashboard" | "team" | "profile" | "accounts" | "activity" | "api",
                    ..,
                ]
                | [""],
            ) if known(&req.path) => Err(AppError::MethodNotAllowed),
            _ => Err(AppError::NotFound),
        },
    }
}

/// The paths this area answers, whatever the method.
fn known(path: &str) -> bool {
    matches!(
        path,
        "/healthz"
            | "/healthz/live"
            | "/"
            | "/dashboard"
            | "/team"
            | "/profile"
            | "/profile/name"
            | "/profile/language"
            | "/profile/time-zone"
            | "/profile/email"
            | "/profile/email/confirm"
            | "/activity"
            | "/api/v1/accounts"
            | "/api/v1/members"
            | "/api/v1/invitations"
            | "/api/openapi.json"
            | "/accounts/switch"
            | "/accounts/new"
            | "/accounts/join"
            | "/team/members/remove"
            | "/team/members/role"
            | "/team/invitations"
            | "/team/invitations/resend"
            | "/team/invitations/revoke"
            | "/team/invitations/accept"
    ) || path.starts_with("/api/v1/invitations/")
        || path.starts_with("/api/v1/accounts/invitations/")
        || path.starts_with("/api/v1/members/")
}
