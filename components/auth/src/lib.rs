//! The auth area: OpenID Connect single sign-on, email-link sign-in, sessions and their
//! refresh tokens, sign-out, the Security page (sessions and personal API tokens) and, in local
//! mode, the developer mailbox.
#![expect(
    unsafe_code,
    reason = "#[http_component] generates the exported entry point"
)]

mod cookies;
mod handlers;
mod mail;
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

/// The auth route table.
fn route(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    use handlers::*;
    pulse_core::outbound::set_request_id(&req.request_id);
    let segments = req.segments();
    match (&req.method, segments.as_slice()) {
        // Email-link sign-in: ask for a link, confirm it, then start a session.
        (Method::Get | Method::Head, ["login"]) => login::show_login(ctx, req),
        (Method::Post, ["login"]) => login::request_link(ctx, req),
        (Method::Get | Method::Head, ["login", "verify"]) => login::show_verify(ctx, req),
        (Method::Post, ["login", "verify"]) => login::verify_link(ctx, req),
        // A signed hand-off link from the product: land on its page, signing in if needed.
        (Method::Get, ["login", "handoff"]) => handoff::follow_handoff(ctx, req),
        // Single sign-on: redirect to the OpenID provider, then take its answer.
        (Method::Get | Method::Head, ["login", "sso"]) => oidc::start_sign_in(ctx, req),
        (Method::Get, ["api", "auth", "oidc", "callback"]) => oidc::callback(ctx, req),
        // Sign-out revokes the session.
        (Method::Post, ["logout"]) => session::sign_out(ctx, req),
        // Refresh rotates the refresh token and issues a new access token.
        (Method::Get | Method::Post, ["api", "auth", "refresh"]) => session::refresh(ctx, req),
        // Security: sessions and API tokens.
        (Method::Get | Method::Head, ["security"]) => security::show_security(ctx, req),
        (Method::Post, ["security", "sessions", "revoke"]) => security::revoke_session(ctx, req),
        (Method::Post, ["security", "sessions", "revoke-others"]) => {
            security::revoke_other_sessions(ctx, req)
        }
        (Method::Post, ["security", "tokens"]) => security::create_token(ctx, req),
        (Method::Post, ["security", "tokens", "revoke"]) => security::revoke_token(ctx, req),
        // Fresh verification before destructive actions: send a code, then check it.
        (Method::Get | Method::Head, ["security", "verify"]) => verify::show_verify(ctx, req),
        (Method::Post, ["security", "verify", "send"]) => verify::send_code(ctx, req),
        (Method::Post, ["security", "verify"]) => verify::check_code(ctx, req),
        // JSON API.
        (Method::Get, ["api", "v1", "me"]) => api::show_me(ctx, req),
        (Method::Get, ["api", "v1", "sessions"]) => api::list_sessions(ctx, req),
        (Method::Delete, ["api", "v1", "sessions", id]) => api::delete_session(ctx, req, id),
        (Method::Get, ["api", "v1", "api-tokens"]) => api::list_tokens(ctx, req),
        (Method::Post, ["api", "v1", "api-tokens"]) => api::create_token(ctx, req),
        (Method::Delete, ["api", "v1", "api-tokens", id]) => api::delete_token(ctx, req, id),
        // A scheduler's call: deliver the queued mail.
        (Method::Post, ["api", "v1", "mail", "run"]) => outbox::api_run(ctx, req),
        // Local development only: every email the portal would have sent.
        (Method::Get | Method::Head, ["dev", "mailbox"]) if ctx.config.is_local() => {
            mailbox::show_mailbox(ctx, req)
        }
        (
            _,
            ["login"]
            | ["login", "verify"]
            | ["logout"]
            | ["security"]
            | ["api", "v1", "me"]
            | ["api", "v1", "sessions"]
            | ["api", "v1", "api-tokens"]
            | ["api", "v1", "mail", "run"],
        ) => Err(AppError::MethodNotAllowed),
        _ => Err(AppError::NotFound),
    }
}
