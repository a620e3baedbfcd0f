//! The JSON API for the caller, their sessions and their API tokens.

use pulse_core::AppError;
use pulse_core::http::{Request, Response};
use pulse_core::identity::Person;
use pulse_core::spin::Ctx;
use pulse_core::store::{api_tokens, sessions};
use serde_json::json;

use super::security::token_input;

/// `GET /api/v1/me`: the caller, with the account the request acts in (`null` for someone who
/// belongs to no account yet).
pub fn show_me(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = match ctx.require_person(req)? {
        Person::Member(who) => who,
        Person::Newcomer(n) => {
            return Ok(Response::json(
                200,
                &json!({
                    "object": "user",
                    "id": n.user_id,
                    "email": n.email,
                    "display_name": n.display_name,
                    "account": null,
                    "memberships": [],
                    "credential": "cookie",
                    "can_write": true,
                }),
            ));
        }
    };
    Ok(Response::json(
        200,
        &json!({
            "object": "user",
            "id": who.user_id,
            "email": who.email,
            "display_name": who.display_name,
            "account": who.account,
            "memberships": who.memberships,
            "credential": who.credential,
            "can_write": who.can_write,
        }),
    ))
}

/// `GET /api/v1/sessions`.
pub fn list_sessions(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (data, more) = sessions::live_page(ctx.db()?, &who.user_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `DELETE /api/v1/sessions/{id}`.
pub fn delete_session(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let db = ctx.db()?;
    if !sessions::revoke_own(db, &who.user_id, id)? {
        return Err(super::security::not_revoked(db, &who.user_id, id)?);
    }
    Ok(Response::json(
        200,
        &json!({ "object": "session", "id": id, "revoked": true }),
    ))
}

/// `GET /api/v1/api-tokens`.
pub fn list_tokens(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (data, more) = api_tokens::page(ctx.db()?, &who.user_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `POST /api/v1/api-tokens` with `{"name": "...", "scope": "read"|"write"}`: the secret is in
/// this response only.
pub fn create_token(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let body = req.json_body()?;
    let (name, scope) = token_input(body["name"].as_str(), body["scope"].as_str())?;
    let (token, secret) = api_tokens::issue(ctx.db()?, who, &req.client_ip(), &name, &scope)?;
    Ok(Response::json(
        201,
        &json!({ "object": "api_token", "id": token.id, "name": token.name, "scope": token.scope,
                 "account_id": token.account_id, "created_at": token.created_at, "token": secret }),
    ))
}

/// `DELETE /api/v1/api-tokens/{id}`.
pub fn delete_token(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    if !api_tokens::withdraw(ctx.db()?, who, &req.client_ip(), id)? {
        return Err(AppError::NotFound);
    }
    Ok(Response::json(
        200,
        &json!({ "object": "api_token", "id": id, "revoked": true }),
    ))
}
