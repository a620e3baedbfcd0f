//! Accounts the user belongs to, and switching between them.

use pulse_core::AppError;
use pulse_core::error::invalid;
use pulse_core::http::{Cookie, Request, Response};
use pulse_core::spin::Ctx;
use serde_json::json;

/// `POST /accounts/switch`: act in another of the user's accounts (remembered in a cookie that
/// only selects among the session's own memberships, so it grants nothing by itself).
pub fn switch_account(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let target = form.get("account").unwrap_or_default();
    if !who.memberships.iter().any(|m| m.account_id == target) {
        return Err(invalid("account", "Choose one of your own accounts."));
    }
    let cookie = Cookie {
        name: "pa_account".into(),
        value: target.to_string(),
        max_age: 60 * 60 * 24 * 365,
        secure: ctx.config.https(),
        http_only: true,
        strict: false,
    };
    Ok(Response::see_other("/dashboard").with_cookie(&cookie))
}

/// `GET /api/v1/accounts`: the caller's accounts and roles.
pub fn list_accounts(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let data: Vec<_> = who
        .memberships
        .iter()
        .map(|m| {
            json!({
                "object": "account",
                "id": m.account_id,
                "name": m.account_name,
                "kind": m.account_kind,
                "role": m.role,
                "current": m.account_id == who.account.account_id,
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": false }),
    ))
}
