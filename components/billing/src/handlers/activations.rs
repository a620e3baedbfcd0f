//! The activation API for self-hosted installations, authenticated by the license key itself:
//! activate (fingerprint and host name), validate (a heartbeat answered with the entitlements
//! and a short-lived signed lease) and deactivate. Rate-limited per license and per address.
//! The customer also deactivates a machine from the license page.

use pulse_core::AppError;
use pulse_core::config::Mode;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::kv;
use pulse_core::license::{self, LEASE_SECONDS, Lease, LicenseClaims};
use pulse_core::spin::{Ctx, SpinKv, license_key_ring};
use pulse_core::store::licenses::{Activation, License};
use pulse_core::store::{activations, audit};
use pulse_core::time::{now_unix, parse_rfc3339};
use serde_json::{Value, json};

/// Calls one license may make per ten minutes, and one address.
const PER_LICENSE: u32 = 60;
const PER_ADDRESS: u32 = 120;

/// What an installation sent, checked.
struct Call {
    claims: LicenseClaims,
    fingerprint: String,
    hostname: Option<String>,
}

fn limit(store: &SpinKv, key: &str, max: u32) -> Result<(), AppError> {
    match kv::hit(store, key, max, 600, now_unix()) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(retry_after)) => Err(AppError::RateLimited { retry_after }),
        Err(e) => Err(AppError::Unavailable(format!("key-value store: {e}"))),
    }
}

/// Reads the body, rate-limits, and verifies the license key's signature.
fn read_call(ctx: &Ctx, req: &Request, need_hostname: bool) -> Result<Call, AppError> {
    pulse_core::csrf::check(req, &ctx.config, None)?;
    let store = SpinKv::open()?;
    limit(
        &store,
        &format!("activation-ip:{}", req.client_ip()),
        PER_ADDRESS,
    )?;
    let body = req.json_body()?;
    let field = |name: &str, max: usize| {
        body[name]
            .as_str()
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= max && !v.chars().any(char::is_control))
            .map(str::to_string)
    };
    let mut errors = Vec::new();
    let key = field("license_key", 4096);
    if key.is_none() {
        errors.push(("license_key".into(), "Send the license key.".into()));
    }
    let fingerprint = field("fingerprint", 200);
    if fingerprint.is_none() {
        errors.push((
            "fingerprint".into(),
            "Send the installation's fingerprint (1 to 200 characters).".into(),
        ));
    }
    let hostname = field("hostname", 253);
    if need_hostname && hostname.is_none() {
        errors.push((
            "hostname".into(),
            "Send the installation's host name (1 to 253 characters).".into(),
        ));
    }
    let (Some(key), Some(fingerprint)) = (key, fingerprint) else {
        return Err(AppError::Invalid {
            detail: "Check the fields named below.".into(),
            errors,
        });
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid {
            detail: "Check the fields named below.".into(),
            errors,
        });
    }
    let ring = license_key_ring(ctx.config.mode == Mode::Production)?;
    let claims = license::verify(&ring.jwks(), &key).map_err(|e| {
        AppError::Forbidden(format!(
            "This license key is not valid ({e}). Copy it again from the license page or the license file."
        ))
    })?;
    limit(
        &store,
        &format!("activation-license:{}", claims.lid),
        PER_LICENSE,
    )?;
    Ok(Call {
        claims,
        fingerprint,
        hostname,
    })
}

/// The license the key names, if the key is current and the license active and unexpired.
fn usable_license(ctx: &Ctx, call: &Call) -> Result<License, AppError> {
    let (license, _) = activations::license_for_key(ctx.db()?, &call.claims.lid, &call.claims.jti)?
        .ok_or_else(|| {
            AppError::Forbidden(
                "This license key was replaced by a newer one. Download the current license file from the license page."
                    .into(),
            )
        })?;
    let expired = parse_rfc3339(&license.expires_at).is_none_or(|exp| exp <= now_unix());
    if license.status != "active" || expired {
        return Err(AppError::Forbidden(format!(
            "This license is {} (it ran until {}). Renew it on the license page, then try again.",
            if expired {
                "expired"
            } else {
                license.status.as_str()
            },
            pulse_core::time::date_part(&license.expires_at)
        )));
    }
    Ok(license)
}

/// The answer for an activation: entitlements, expiry and a fresh lease.
fn answer(ctx: &Ctx, call: &Call, license: &License, a: &Activation) -> Result<Value, AppError> {
    let ring = license_key_ring(ctx.config.mode == Mode::Production)?;
    let now = now_unix();
    let license_exp = parse_rfc3339(&license.expires_at).unwrap_or(now);
    let lease = Lease {
        iss: ctx.config.public_origin.clone(),
        sub: a.id.clone(),
        lid: license.id.clone(),
        fingerprint: call.fingerprint.clone(),
        iat: now,
        exp: (now + LEASE_SECONDS).min(license_exp),
        license_exp,
        entitlements: call.claims.entitlements.clone(),
    };
    Ok(json!({
        "object": "activation",
        "id": a.id,
        "license_id": license.id,
        "fingerprint": call.fingerprint,
        "hostname": a.instance_name,
        "activated_at": a.activated_at,
        "last_seen_at": a.last_seen_at,
        "license_expires_at": license.expires_at,
        "entitlements": call.claims.entitlements,
        "lease": ring.sign_lease(&lease),
        "lease_expires_at": pulse_core::time::rfc3339(lease.exp),
    }))
}

/// `POST /api/v1/activations` with `{license_key, fingerprint, hostname}`: 201 for a new
/// activation, 200 when the fingerprint was already active, 409 when all are in use.
pub fn activate(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let call = read_call(ctx, req, true)?;
    let license = usable_license(ctx, &call)?;
    let hostname = call.hostname.clone().unwrap_or_default();
    let outcome = transaction(ctx.db()?, |db| {
        activations::activate(db, &license, &call.fingerprint, &hostname, now_unix())
    })?;
    match outcome {
        Ok((activation, new)) => Ok(Response::json(
            if new { 201 } else { 200 },
            &answer(ctx, &call, &license, &activation)?,
        )),
        Err(allowed) => Err(AppError::Conflict(format!(
            "All {allowed} activations of this license are in use. Deactivate an installation on {}/licenses/{}, then try again.",
            ctx.config.public_origin, license.id
        ))),
    }
}

/// `POST /api/v1/activations/validate` with `{license_key, fingerprint}`: the heartbeat.
pub fn validate(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let call = read_call(ctx, req, false)?;
    let license = usable_license(ctx, &call)?;
    let activation = activations::heartbeat(
        ctx.db()?,
        &license.id,
        &call.fingerprint,
        call.hostname.as_deref(),
        now_unix(),
    )?
    .ok_or_else(|| {
        AppError::Conflict(
            "This installation is not activated (or was deactivated). Activate it again.".into(),
        )
    })?;
    Ok(Response::json(
        200,
        &answer(ctx, &call, &license, &activation)?,
    ))
}

/// `POST /api/v1/activations/deactivate` with `{license_key, fingerprint}`: frees the place.
pub fn deactivate(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let call = read_call(ctx, req, false)?;
    let (license, _) = activations::license_for_key(ctx.db()?, &call.claims.lid, &call.claims.jti)?
        .ok_or_else(|| {
            AppError::Forbidden("This license key was replaced by a newer one.".into())
        })?;
    let done = activations::deactivate(ctx.db()?, &license.id, &call.fingerprint, now_unix())?;
    if !done {
        return Err(AppError::NotFound);
    }
    Ok(Response::json(
        200,
        &json!({ "object": "activation", "license_id": license.id, "fingerprint": call.fingerprint, "deactivated": true }),
    ))
}

/// `POST /licenses/{id}/activations/deactivate` (form: `activation`): the customer frees a
/// machine's place; it needs a verification from the last ten minutes and is audited.
pub fn deactivate_from_portal(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    if !who.account.role.can_manage_resources() {
        return Err(AppError::Forbidden(
            pulse_core::i18n::msg("Only owners and admins deactivate installations.").into(),
        ));
    }
    ctx.require_fresh_verification(who)?;
    let activation = req.form().get("activation").unwrap_or_default().to_string();
    transaction(ctx.db()?, |db| {
        let Some(host) = activations::deactivate_for_account(
            db,
            &who.account.account_id,
            id,
            &activation,
            now_unix(),
        )?
        else {
            return Err(AppError::NotFound);
        };
        audit::record_by(
            db,
            who,
            &req.client_ip(),
            "activation.deactivated",
            &activation,
            &format!("{host} ({id})"),
        )?;
        Ok(())
    })?;
    Ok(Response::see_other(&format!(
        "/licenses/{id}?done=deactivated"
    )))
}
