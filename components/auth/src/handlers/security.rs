//! The Security page: the user's sessions (revoke one or all others) and personal API tokens
//! (create, shown once; revoke).

use pulse_core::AppError;
use pulse_core::error::invalid;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::msg;
use pulse_core::identity::Credential;
use pulse_core::spin::Ctx;
use pulse_core::store::{api_tokens, overview, sessions};
use pulse_core::time::now_rfc3339;
use pulse_core::views::Nav;

use crate::views;

fn cookie_session<'a>(
    ctx: &'a Ctx,
    req: &Request,
) -> Result<&'a pulse_core::identity::Identity, AppError> {
    let who = ctx.require_writer(req)?;
    if who.credential != Credential::Cookie {
        return Err(AppError::Forbidden(
            msg("Manage sessions and tokens from the Security page or the sessions API.").into(),
        ));
    }
    Ok(who)
}

/// `GET /security`.
pub fn show_security(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let flash = req.query_param("done");
    let (sessions, tokens) = overview::security(ctx.db()?, &who.user_id, &now_rfc3339())?;
    Ok(Response::html(
        200,
        views::security::page(
            &ctx.shell(Nav::Account),
            who,
            &sessions,
            &tokens,
            flash.as_deref(),
            None,
        ),
    ))
}

/// `POST /security/sessions/revoke` (`session`): signs that session out.
pub fn revoke_session(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = cookie_session(ctx, req)?;
    let id = req.form().get("session").unwrap_or_default().to_string();
    let db = ctx.db()?;
    if !sessions::revoke_own(db, &who.user_id, &id)? {
        return Err(not_revoked(db, &who.user_id, &id)?);
    }
    Ok(Response::see_other("/security?done=session-revoked"))
}

/// Why a session could not be signed out: already signed out (from another tab or device) is
/// a conflict with the current state; an id that is not the user's is not found.
pub(crate) fn not_revoked(
    db: &dyn pulse_core::db::Db,
    user_id: &str,
    session_id: &str,
) -> Result<AppError, AppError> {
    Ok(if sessions::was_revoked_own(db, user_id, session_id)? {
        AppError::Conflict(
            msg("That session was already signed out, perhaps from another tab or device, so there was nothing left to sign out.").into(),
        )
    } else {
        AppError::NotFound
    })
}

/// `POST /security/sessions/revoke-others`: signs out every other device.
pub fn revoke_other_sessions(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = cookie_session(ctx, req)?;
    sessions::revoke_others(ctx.db()?, &who.user_id, &who.session_id)?;
    Ok(Response::see_other("/security?done=others-revoked"))
}

/// Validates a token name and scope from a form or JSON body.
pub fn token_input(name: Option<&str>, scope: Option<&str>) -> Result<(String, String), AppError> {
    let name = name.unwrap_or_default().trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(invalid(
            "name",
            msg("Give the token a name of 1 to 60 characters, such as \"CI deploys\"."),
        ));
    }
    let scope = scope.unwrap_or("read");
    if scope != "read" && scope != "write" {
        return Err(invalid("scope", msg("Scope must be `read` or `write`.")));
    }
    Ok((name.to_string(), scope.to_string()))
}

/// `POST /security/tokens` (`name`, `scope`): creates a token and shows it once.
pub fn create_token(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = cookie_session(ctx, req)?;
    let form = req.form();
    let (name, scope) = token_input(form.get("name"), form.get("scope"))?;
    let db = ctx.db()?;
    let (_, secret) = api_tokens::issue(db, who, &req.client_ip(), &name, &scope)?;
    let (sessions, tokens) = overview::security(db, &who.user_id, &now_rfc3339())?;
    Ok(Response::html(
        201,
        views::security::page(
            &ctx.shell(Nav::Account),
            who,
            &sessions,
            &tokens,
            None,
            Some(&secret),
        ),
    ))
}

/// `POST /security/tokens/revoke` (`token`).
pub fn revoke_token(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = cookie_session(ctx, req)?;
    let id = req.form().get("token").unwrap_or_default().to_string();
    if !api_tokens::withdraw(ctx.db()?, who, &req.client_ip(), &id)? {
        return Err(AppError::NotFound);
    }
    Ok(Response::see_other("/security?done=token-revoked"))
}
