//! Accounts the user belongs to, and switching between them.

use pulse_core::AppError;
use pulse_core::error::invalid;
use pulse_core::http::{Cookie, Request, Response};
use pulse_core::i18n::msg;
use pulse_core::identity::Person;
use pulse_core::spin::Ctx;
use pulse_core::store::invitations;
use pulse_core::time::now_unix;
use serde_json::json;

/// `POST /accounts/switch`: act in another of the user's accounts (remembered in a cookie that
/// only selects among the session's own memberships, so it grants nothing by itself).
pub fn switch_account(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let target = form.get("account").unwrap_or_default();
    if !who.memberships.iter().any(|m| m.account_id == target) {
        return Err(invalid("account", msg("Choose one of your own accounts.")));
    }
    Ok(Response::see_other("/dashboard").with_cookie(&account_cookie(ctx, target)))
}

/// The cookie that makes the session act in `account_id` (it only selects among the session's
/// own memberships, so it grants nothing by itself).
pub fn account_cookie(ctx: &Ctx, account_id: &str) -> Cookie {
    Cookie {
        name: "pa_account".into(),
        value: account_id.to_string(),
        max_age: 60 * 60 * 24 * 365,
        secure: ctx.config.https(),
        http_only: true,
        strict: false,
    }
}

/// `GET /api/v1/accounts`: the caller's accounts and roles (none for a newcomer), a page at a
/// time, and the invitations addressed to them that they may accept (at most 100). The
/// memberships are the ones the session already read, so the page is cut from them.
pub fn list_accounts(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let page = req.page()?;
    let person = ctx.require_person(req)?;
    let (memberships, more) = match &person {
        Person::Member(who) => {
            pulse_core::store::lists::page_of(who.memberships.iter().collect(), &page, |m| {
                m.account_id.as_str()
            })
        }
        Person::Newcomer(_) => (Vec::new(), false),
    };
    let data: Vec<_> = match person {
        Person::Member(who) => memberships
            .into_iter()
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
            .collect(),
        Person::Newcomer(_) => Vec::new(),
    };
    let offers: Vec<_> = invitations::for_email(ctx.db()?, person.email(), now_unix())?
        .into_iter()
        .map(|o| {
            json!({
                "object": "invitation_offer",
                "id": o.id,
                "account_id": o.account_id,
                "account_name": o.account_name,
                "kind": o.account_kind,
                "role": o.role,
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more, "invitations": offers }),
    ))
}
