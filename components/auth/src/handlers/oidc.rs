//! OpenID Connect single sign-on: `/login/sso` sends the browser to the provider with `state`,
//! `nonce` and a PKCE S256 challenge; `/api/auth/oidc/callback` spends the state, exchanges the
//! code, verifies the ID token against the issuer's JWKS and starts a session exactly as the
//! email link does. Every refusal leaves the visitor signed out on a page that says so.

use pulse_core::AppError;
use pulse_core::db::{Db, transaction};
use pulse_core::http::{Cookie, Request, Response};
use pulse_core::i18n::msg;
use pulse_core::kv::{self, Kv};
use pulse_core::oidc::{self, Discovery, Expected, IdClaims, Jwks, OidcError};
use pulse_core::spin::{Ctx, SpinKv};
use pulse_core::store::{sessions, users};
use pulse_core::time::{now_rfc3339, now_unix};
use pulse_core::token::{constant_time_eq, hash_secret};
use pulse_core::views::Nav;
use serde::{Deserialize, Serialize};

use super::{key_ring, safe_next};
use crate::{cookies, views};
use pulse_core::outbound::{self, FetchError};

/// How long a sign-in attempt (its state, nonce and verifier) stays usable.
const ATTEMPT_TTL_SECONDS: i64 = 600;
/// How long a discovery document or JWKS is reused before it is fetched again.
const CACHE_TTL_SECONDS: i64 = 3600;
/// The callback path the provider redirects to.
const CALLBACK_PATH: &str = "/api/auth/oidc/callback";

/// The provider settings, from the `oidc_*` variables.
pub struct Sso {
    issuer: String,
    client_id: String,
    client_secret: String,
}

fn var(name: &str) -> Result<String, AppError> {
    spin_sdk::variables::get(name)
        .map_err(|_| AppError::Unavailable(format!("variable `{name}` is not set")))
}

impl Sso {
    /// The settings, or `None` when `oidc_issuer` is empty (single sign-on is off).
    pub fn load() -> Result<Option<Self>, AppError> {
        let issuer = var("oidc_issuer")?.trim().to_string();
        if issuer.is_empty() {
            return Ok(None);
        }
        let client_id = var("oidc_client_id")?;
        if client_id.is_empty() {
            return Err(AppError::Unavailable(
                "variable `oidc_client_id` is empty while `oidc_issuer` is set".into(),
            ));
        }
        Ok(Some(Self {
            issuer,
            client_id,
            client_secret: var("oidc_client_secret")?,
        }))
    }

    /// Whether the login page offers single sign-on.
    pub fn enabled() -> bool {
        matches!(Self::load(), Ok(Some(_)))
    }
}

/// One sign-in attempt, stored under the hash of its `state`.
#[derive(Serialize, Deserialize)]
struct Attempt {
    nonce: String,
    code_verifier: String,
    next: String,
    /// Hash of the browser-binding cookie set with the redirect.
    binding: String,
    expires_at: i64,
}

/// A cached provider document.
#[derive(Serialize, Deserialize)]
struct Cached<T> {
    fetched_at: i64,
    value: T,
}

fn attempt_key(state: &str) -> String {
    format!("oidc-state:{}", hash_secret(state))
}

/// Why single sign-on did not sign the visitor in, each with its own page.
enum Failure {
    /// The provider did not answer, or answered something unusable (502/503, "Try again").
    Provider { status: u16, log: String },
    /// The attempt is unknown, spent, expired or from another browser (400).
    Attempt(&'static str),
    /// The provider refused, or its ID token failed a check (401).
    Rejected(String),
    /// A valid identity with no verified email to find or create a user by (403).
    NoVerifiedEmail,
    /// The portal's own storage failed: the usual error page.
    App(AppError),
}

impl From<FetchError> for Failure {
    fn from(e: FetchError) -> Self {
        let status = match e {
            FetchError::TooLarge(_) => 502,
            FetchError::BadUrl(_) | FetchError::Failed { .. } => 503,
        };
        Failure::Provider {
            status,
            log: e.to_string(),
        }
    }
}

impl From<OidcError> for Failure {
    fn from(e: OidcError) -> Self {
        match e {
            OidcError::BadResponse(_) => Failure::Provider {
                status: 502,
                log: e.to_string(),
            },
            OidcError::ExchangeRefused(_) | OidcError::UnknownKey(_) | OidcError::Rejected(_) => {
                Failure::Rejected(e.to_string())
            }
        }
    }
}

fn kv_error(e: String) -> AppError {
    AppError::Unavailable(format!("key-value store: {e}"))
}

/// Renders a failure; its details go to the log under the request id, never to the page.
fn failure_page(ctx: &Ctx, req: &Request, failure: Failure, next: &str) -> Response {
    let shell = ctx.shell(Nav::None);
    let id = &req.request_id;
    match failure {
        Failure::Provider { status, log } => {
            eprintln!("request_id={id} oidc provider unavailable: {log}");
            Response::html(status, views::oidc::unavailable(&shell, next, id))
        }
        Failure::Attempt(why) => {
            eprintln!("request_id={id} oidc attempt refused: {why}");
            let reason = msg(
                "This sign-in attempt expired, was already used, or was started in another browser.",
            );
            Response::html(400, views::oidc::failed(&shell, reason, next, id))
        }
        Failure::Rejected(log) => {
            eprintln!("request_id={id} oidc sign-in rejected: {log}");
            let reason = msg(
                "Your identity provider's answer could not be verified, so you are not signed in.",
            );
            Response::html(401, views::oidc::failed(&shell, reason, next, id))
        }
        Failure::NoVerifiedEmail => {
            Response::html(403, views::oidc::no_verified_email(&shell, next))
        }
        Failure::App(e) => e.into_response(req, &shell),
    }
}

/// The issuer's discovery document, from the cache unless it is stale.
fn discovery(store: &dyn Kv, sso: &Sso) -> Result<Discovery, Failure> {
    let key = format!("oidc-discovery:{}", sso.issuer);
    let now = now_unix();
    if let Ok(Some(cached)) = kv::get_json::<Cached<Discovery>>(store, &key)
        && now - cached.fetched_at < CACHE_TTL_SECONDS
        && cached.value.issuer == sso.issuer
    {
        return Ok(cached.value);
    }
    let fetched = outbound::get(&oidc::discovery_url(&sso.issuer))?;
    if fetched.status != 200 {
        return Err(Failure::Provider {
            status: 502,
            log: format!("discovery document answered HTTP {}", fetched.status),
        });
    }
    let doc = oidc::parse_discovery(&fetched.body, &sso.issuer)?;
    // A cache that cannot be written only costs a refetch next time.
    let _ = kv::set_json(
        store,
        &key,
        &Cached {
            fetched_at: now,
            value: doc.clone(),
        },
    );
    Ok(doc)
}

/// The issuer's JWKS: cached, or fetched when `refresh` is asked (an unknown `kid`).
fn jwks(store: &dyn Kv, sso: &Sso, discovery: &Discovery, refresh: bool) -> Result<Jwks, Failure> {
    let key = format!("oidc-jwks:{}", sso.issuer);
    let now = now_unix();
    if !refresh
        && let Ok(Some(cached)) = kv::get_json::<Cached<String>>(store, &key)
        && now - cached.fetched_at < CACHE_TTL_SECONDS
        && let Ok(set) = oidc::parse_jwks(cached.value.as_bytes())
    {
        return Ok(set);
    }
    let fetched = outbound::get(&discovery.jwks_uri)?;
    if fetched.status != 200 {
        return Err(Failure::Provider {
            status: 502,
            log: format!("JWKS answered HTTP {}", fetched.status),
        });
    }
    let set = oidc::parse_jwks(&fetched.body)?;
    if let Ok(text) = String::from_utf8(fetched.body) {
        let _ = kv::set_json(
            store,
            &key,
            &Cached {
                fetched_at: now,
                value: text,
            },
        );
    }
    Ok(set)
}

/// Verifies the ID token, refetching the JWKS once if it names a key not in the cached set.
fn verify(
    store: &dyn Kv,
    sso: &Sso,
    discovery: &Discovery,
    id_token: &str,
    nonce: &str,
) -> Result<IdClaims, Failure> {
    let expected = Expected {
        issuer: &sso.issuer,
        client_id: &sso.client_id,
        nonce,
        now: now_unix(),
    };
    let set = jwks(store, sso, discovery, false)?;
    match oidc::verify_id_token(id_token, &set, &expected) {
        Err(OidcError::UnknownKey(_)) => {
            let fresh = jwks(store, sso, discovery, true)?;
            Ok(oidc::verify_id_token(id_token, &fresh, &expected)?)
        }
        other => Ok(other?),
    }
}

fn binding_cookie_name(ctx: &Ctx) -> &'static str {
    if ctx.config.https() {
        "__Host-pa_sso"
    } else {
        "pa_sso"
    }
}

fn binding_cookie(ctx: &Ctx, value: &str, max_age: i64) -> Cookie {
    Cookie {
        name: binding_cookie_name(ctx).to_string(),
        value: value.to_string(),
        max_age,
        secure: ctx.config.https(),
        http_only: true,
        // Lax: the provider's redirect back is a cross-site top-level GET.
        strict: false,
    }
}

/// `GET /login/sso?next=`: starts an attempt and redirects to the provider.
pub fn start_sign_in(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let sso = Sso::load()?.ok_or(AppError::NotFound)?;
    let next = safe_next(req.query_param("next").as_deref());
    let store = SpinKv::open()?;
    super::login::limit(
        &store,
        &format!("sso-ip:{}", req.client_ip()),
        30,
        now_unix(),
    )?;
    let discovery = match discovery(&store, &sso) {
        Ok(d) => d,
        Err(f) => return Ok(failure_page(ctx, req, f, &next)),
    };
    let state = pulse_core::ids::new_secret();
    let nonce = pulse_core::ids::new_secret();
    let code_verifier = pulse_core::ids::new_secret();
    // One binding per browser, so parallel attempts in two tabs both work.
    let binding = req
        .cookie(binding_cookie_name(ctx))
        .filter(|v| v.len() == 43)
        .map(str::to_string)
        .unwrap_or_else(pulse_core::ids::new_secret);
    kv::set_json(
        &store,
        &attempt_key(&state),
        &Attempt {
            nonce: nonce.clone(),
            code_verifier: code_verifier.clone(),
            next,
            binding: hash_secret(&binding),
            expires_at: now_unix() + ATTEMPT_TTL_SECONDS,
        },
    )
    .map_err(kv_error)?;
    let redirect_uri = format!("{}{CALLBACK_PATH}", ctx.config.public_origin);
    let url = oidc::authorization_url(
        &discovery,
        &oidc::AuthorizationRequest {
            client_id: &sso.client_id,
            redirect_uri: &redirect_uri,
            state: &state,
            nonce: &nonce,
            code_verifier: &code_verifier,
        },
    );
    Ok(Response::found(&url).with_cookie(&binding_cookie(ctx, &binding, ATTEMPT_TTL_SECONDS)))
}

/// Reads and spends the attempt named by `state`: a state works once, even if the rest fails.
fn take_attempt(store: &dyn Kv, state: &str) -> Result<Option<Attempt>, AppError> {
    if state.is_empty() || state.len() > 100 {
        return Ok(None);
    }
    let key = attempt_key(state);
    let attempt: Option<Attempt> = kv::get_json(store, &key).map_err(kv_error)?;
    if attempt.is_some() {
        store.delete(&key).map_err(kv_error)?;
    }
    Ok(attempt.filter(|a| a.expires_at > now_unix()))
}

/// `GET /api/auth/oidc/callback`: the provider's answer.
pub fn callback(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let sso = Sso::load()?.ok_or(AppError::NotFound)?;
    let store = SpinKv::open()?;
    let state = req.query_param("state").unwrap_or_default();
    let Some(attempt) = take_attempt(&store, &state)? else {
        let next = safe_next(None);
        let failure = Failure::Attempt("unknown, spent or expired state");
        return Ok(failure_page(ctx, req, failure, &next));
    };
    let next = attempt.next.clone();
    let bound = req
        .cookie(binding_cookie_name(ctx))
        .is_some_and(|v| constant_time_eq(&hash_secret(v), &attempt.binding));
    let outcome = if bound {
        finish(ctx, req, &sso, &store, &attempt)
    } else {
        Err(Failure::Attempt("state came back to a different browser"))
    };
    let resp = match outcome {
        Ok(resp) => resp,
        Err(Failure::App(e)) => return Err(e),
        Err(f) => failure_page(ctx, req, f, &next),
    };
    Ok(resp.with_cookie(&binding_cookie(ctx, "", 0)))
}

/// Exchanges the code, verifies the ID token, links the identity and starts the session.
fn finish(
    ctx: &Ctx,
    req: &Request,
    sso: &Sso,
    store: &dyn Kv,
    attempt: &Attempt,
) -> Result<Response, Failure> {
    if let Some(error) = req.query_param("error") {
        let error: String = error.chars().take(100).collect();
        return Err(Failure::Rejected(format!(
            "provider answered error {error:?}"
        )));
    }
    // RFC 9207: a provider that names itself must name the configured issuer.
    if let Some(iss) = req.query_param("iss")
        && iss != sso.issuer
    {
        return Err(Failure::Rejected(format!(
            "authorization response from issuer {iss:?}"
        )));
    }
    let code = req
        .query_param("code")
        .filter(|c| !c.is_empty() && c.len() < 2048)
        .ok_or_else(|| Failure::Rejected("no code in the authorization response".into()))?;
    let discovery = discovery(store, sso)?;
    let redirect_uri = format!("{}{CALLBACK_PATH}", ctx.config.public_origin);
    let fetched = outbound::post_form(
        &discovery.token_endpoint,
        &[(
            "authorization",
            &oidc::basic_auth(&sso.client_id, &sso.client_secret),
        )],
        &oidc::token_request_body(&code, &redirect_uri, &attempt.code_verifier),
    )?;
    let id_token = oidc::parse_token_response(fetched.status, &fetched.body)?;
    let claims = verify(store, sso, &discovery, &id_token, &attempt.nonce)?;
    sign_in(ctx, req, sso, &claims, &attempt.next)
}

/// Finds or links the user for `claims`, starts an `oidc` session and sets the cookies.
fn sign_in(
    ctx: &Ctx,
    req: &Request,
    sso: &Sso,
    claims: &IdClaims,
    next: &str,
) -> Result<Response, Failure> {
    let ring = key_ring(ctx).map_err(Failure::App)?;
    let db = ctx.db().map_err(Failure::App)?;
    let user_agent = req.header("user-agent").unwrap_or("unknown");
    let ip = req.client_ip();
    let started = transaction(db, |db| {
        let Some(user_id) = find_or_link(db, &sso.issuer, claims)? else {
            return Ok(None);
        };
        let started = sessions::start(db, &user_id, "oidc", user_agent, &ip, now_unix())?;
        Ok::<_, AppError>(Some((user_id, started)))
    })
    .map_err(Failure::App)?;
    let Some((user_id, started)) = started else {
        return Err(Failure::NoVerifiedEmail);
    };
    Ok(cookies::sign_in(
        Response::see_other(next),
        &ctx.config,
        &ring,
        &user_id,
        &started.session_id,
        &started.refresh_token,
    ))
}

/// The user behind an identity: an existing link (issuer and subject), else the user with the
/// provider-verified email (created on first sign-in, joining what they were invited to), then
/// linked. `None` when the provider vouched for no email address.
fn find_or_link(db: &dyn Db, issuer: &str, claims: &IdClaims) -> Result<Option<String>, AppError> {
    let linked = db
        .query_opt(
            "SELECT user_id FROM oidc_identities WHERE issuer = $1 AND subject = $2",
            &[issuer.into(), claims.sub.as_str().into()],
        )?
        .map(|r| r.text(0))
        .transpose()?;
    let (user_id, new_link) = match linked {
        Some(id) => (id, false),
        None => {
            let email = claims
                .email
                .as_deref()
                .filter(|_| claims.email_verified)
                .and_then(users::normalize_email);
            let Some(email) = email else {
                return Ok(None);
            };
            let id = match users::find_by_email(db, &email)? {
                Some(id) => {
                    users::accept_invitations(db, &id, &email)?;
                    id
                }
                None => {
                    let fallback = email.split('@').next().unwrap_or("New user").to_string();
                    let name = claims.name.clone().unwrap_or(fallback);
                    users::create(db, &email, &name)?
                }
            };
            (id, true)
        }
    };
    if new_link {
        db.execute(
            "INSERT INTO oidc_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)",
            &[
                issuer.into(),
                claims.sub.as_str().into(),
                user_id.as_str().into(),
                now_rfc3339().as_str().into(),
            ],
        )?;
    }
    Ok(Some(user_id))
}
