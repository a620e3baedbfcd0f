//! Email-link sign-in. A link is single use, valid for ten minutes, and stored only as a hash;
//! the answer to "send me a link" is the same whether or not the email has an account.

use pulse_core::AppError;
use pulse_core::csrf;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response, percent_encode};
use pulse_core::i18n::msg;
use pulse_core::kv::{self, Kv};
use pulse_core::spin::{Ctx, SpinKv};
use pulse_core::store::{outbox, sessions, users};
use pulse_core::time::now_unix;
use pulse_core::token::hash_secret;
use pulse_core::views::Nav;
use serde::{Deserialize, Serialize};

use super::{key_ring, oidc, safe_next};
use crate::cookies;
use crate::views;

/// How long a sign-in link works.
const LINK_TTL_SECONDS: i64 = 600;

/// What a pending link stands for, stored under the hash of its token.
#[derive(Serialize, Deserialize)]
struct PendingLink {
    email: String,
    next: String,
    expires_at: i64,
}

fn link_key(token: &str) -> String {
    format!("login-link:{}", hash_secret(token))
}

/// `GET /login`: the email form.
pub fn show_login(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let next = safe_next(req.query_param("next").as_deref());
    Ok(Response::html(
        200,
        views::login::form(
            &ctx.shell(Nav::None),
            &next,
            // An invitation link sends the invited address along to fill in.
            &req.query_param("email").unwrap_or_default(),
            &[],
            oidc::Sso::enabled(),
        ),
    ))
}

/// `POST /login`: sends a sign-in link (or, for an unknown address, a note saying there is no
/// account), rate-limited per address and per email.
pub fn request_link(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    csrf::check(req, &ctx.config, None)?;
    let form = req.form();
    let next = safe_next(form.get("next"));
    let raw = form.get("email").unwrap_or_default();
    let Some(email) = users::normalize_email(raw) else {
        let errors = vec![(
            "email".to_string(),
            msg("Enter an email address such as name@company.com.").to_string(),
        )];
        return Ok(Response::html(
            422,
            views::login::form(
                &ctx.shell(Nav::None),
                &next,
                raw,
                &errors,
                oidc::Sso::enabled(),
            ),
        ));
    };
    send_link(ctx, req, &email, &next)
}

/// Sends a sign-in link to `email` that lands on `next` (for an address new to Pulse, a link
/// that starts an account), rate-limited per address and per email, and answers the same page
/// either way. Sign-in requests and signed hand-off links both end here.
pub(crate) fn send_link(
    ctx: &Ctx,
    req: &Request,
    email: &str,
    next: &str,
) -> Result<Response, AppError> {
    let email = email.to_string();
    let next = next.to_string();
    let store = SpinKv::open()?;
    let now = now_unix();
    limit(&store, &format!("login-ip:{}", req.client_ip()), 20, now)?;
    limit(&store, &format!("login-email:{email}"), 5, now)?;

    let db = ctx.db()?;
    let origin = &ctx.config.public_origin;
    // The address may have no user yet: then the mail reads as the asker's browser does.
    let asker = ctx.reader(None);
    transaction(db, |db| {
        let token = pulse_core::ids::new_secret();
        kv::set_json(
            &store,
            &link_key(&token),
            &PendingLink {
                email: email.clone(),
                next: next.clone(),
                expires_at: now + LINK_TTL_SECONDS,
            },
        )
        .map_err(|e| AppError::Unavailable(format!("key-value store: {e}")))?;
        let link = format!("{origin}/login/verify?token={}", percent_encode(&token));
        // Everyone gets a link; an address new to Pulse is told it starts an account.
        let known =
            users::find_by_email(db, &email)?.is_some() || users::has_invitation(db, &email)?;
        let reader = users::reader_of(db, &email, asker)?;
        let mail = if known {
            views::mail::sign_in_link(reader, &email, &link)
        } else {
            views::mail::welcome_link(reader, &email, &link)
        };
        outbox::enqueue(db, &mail)?;
        Ok::<_, AppError>(())
    })?;
    crate::mail::deliver_due(ctx)?;
    Ok(Response::html(
        200,
        views::login::sent(&ctx.shell(Nav::None), &email),
    ))
}

/// Counts an attempt against a rate limit; over it, a 429 with `Retry-After`.
pub(crate) fn limit(store: &dyn Kv, key: &str, max: u32, now: i64) -> Result<(), AppError> {
    match kv::hit(store, key, max, 600, now) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(retry_after)) => Err(AppError::RateLimited { retry_after }),
        Err(e) => Err(AppError::Unavailable(format!("key-value store: {e}"))),
    }
}

fn pending(store: &dyn Kv, token: &str) -> Result<Option<PendingLink>, AppError> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let link: Option<PendingLink> = kv::get_json(store, &link_key(token))
        .map_err(|e| AppError::Unavailable(format!("key-value store: {e}")))?;
    Ok(link.filter(|l| l.expires_at > now_unix()))
}

/// `GET /login/verify?token=`: a confirmation button, so mail scanners that fetch links do not
/// spend the single-use token.
pub fn show_verify(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let token = req.query_param("token").unwrap_or_default();
    let store = SpinKv::open()?;
    match pending(&store, &token)? {
        Some(link) => Ok(Response::html(
            200,
            views::login::confirm(&ctx.shell(Nav::None), &token, &link.email),
        )),
        None => Ok(Response::html(
            400,
            views::login::link_invalid(&ctx.shell(Nav::None)),
        )),
    }
}

/// `POST /login/verify`: spends the token, creates the user on first sign-in (joining what
/// they were invited to; with no invitation they are offered to start an account), starts a
/// session and sets the cookies.
pub fn verify_link(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    csrf::check(req, &ctx.config, None)?;
    let ring = key_ring(ctx)?;
    let form = req.form();
    let token = form.get("token").unwrap_or_default();
    let store = SpinKv::open()?;
    let Some(link) = pending(&store, token)? else {
        return Ok(Response::html(
            400,
            views::login::link_invalid(&ctx.shell(Nav::None)),
        ));
    };
    // Spend the token first: a second use must fail even if the rest fails.
    store
        .delete(&link_key(token))
        .map_err(|e| AppError::Unavailable(format!("key-value store: {e}")))?;
    let db = ctx.db()?;
    let user_agent = req.header("user-agent").unwrap_or("unknown");
    let ip = req.client_ip();
    let started = transaction(db, |db| {
        let user_id = match users::find_by_email(db, &link.email)? {
            Some(id) => {
                users::accept_invitations(db, &id, &link.email)?;
                id
            }
            None => {
                let name = link.email.split('@').next().unwrap_or("New user");
                users::create(db, &link.email, name)?
            }
        };
        let started = sessions::start(db, &user_id, "email", user_agent, &ip, now_unix())?;
        Ok::<_, AppError>((user_id, started))
    })?;
    let (user_id, started) = started;
    let resp = Response::see_other(&link.next);
    Ok(cookies::sign_in(
        resp,
        &ctx.config,
        &ring,
        &user_id,
        &started.session_id,
        &started.refresh_token,
    ))
}
