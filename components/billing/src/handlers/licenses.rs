//! Self-hosted licenses.

use pulse_core::AppError;
use pulse_core::config::Mode;
use pulse_core::http::{Request, Response};
use pulse_core::license::{LicenseClaims, LicenseFile};
use pulse_core::spin::{Ctx, license_key_ring};
use pulse_core::store::licenses;
use pulse_core::views::Nav;
use serde_json::json;

use crate::views;

/// `GET /licenses`.
pub fn list_licenses(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let list = licenses::list_for_account(ctx.db()?, &who.account.account_id)?;
    Ok(Response::html(
        200,
        views::licenses::list(
            &ctx.shell(Nav::Licenses),
            &list,
            pulse_core::time::now_unix(),
        ),
    ))
}

/// `GET /licenses/{id}`: another account's license is a 404.
pub fn show_license(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (license, activations) =
        licenses::find_for_account(ctx.db()?, &who.account.account_id, id)?
            .ok_or(AppError::NotFound)?;
    let options = views::licenses::DetailOptions {
        can_see_key: who.account.role.can_manage_billing(),
        can_deactivate: who.account.role.can_manage_resources(),
        done: req.query_param("done").as_deref().map(|d| match d {
            "deactivated" => "deactivated",
            "renewed" => "renewed",
            _ => "",
        }),
        now: pulse_core::time::now_unix(),
    };
    Ok(Response::html(
        200,
        views::licenses::detail(&ctx.shell(Nav::Licenses), &license, &activations, &options),
    ))
}

/// `GET /api/v1/licenses`.
pub fn api_list_licenses(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (data, more) =
        licenses::page_for_account(ctx.db()?, &who.account.account_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `GET /api/v1/licenses/{id}`.
pub fn api_show_license(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let (license, activations) =
        licenses::find_for_account(ctx.db()?, &who.account.account_id, id)?
            .ok_or(AppError::NotFound)?;
    Ok(Response::json(
        200,
        &json!({ "object": "license", "license": license, "activations": activations }),
    ))
}

/// The license (of the caller's account) and its signed key: billing rights required, another
/// account's id is a 404. The only routes that read the signing keys.
fn signed_key(ctx: &Ctx, req: &Request, id: &str) -> Result<SignedKey, AppError> {
    let who = ctx.require(req)?;
    super::require_billing(who)?;
    let (license, key_hash) =
        licenses::find_key_for_account(ctx.db()?, &who.account.account_id, id)?
            .ok_or(AppError::NotFound)?;
    let ring = license_key_ring(ctx.config.mode == Mode::Production)?;
    let claims = LicenseClaims::for_license(&license, &key_hash, &ctx.config.public_origin)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let token = ring.sign(&claims);
    let file = LicenseFile::new(&license, &claims, ring.current_kid(), token);
    Ok(SignedKey {
        license,
        claims,
        file,
    })
}

struct SignedKey {
    license: licenses::License,
    claims: LicenseClaims,
    file: LicenseFile,
}

/// `GET /licenses/{id}/key`: the license key, to copy.
pub fn show_license_key(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let signed = signed_key(ctx, req, id)?;
    Ok(Response::html(
        200,
        views::licenses::key(&ctx.shell(Nav::Licenses), &signed.license, &signed.file),
    ))
}

/// `GET /licenses/{id}/license.json`: the license file, as a download.
pub fn download_license_file(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let signed = signed_key(ctx, req, id)?;
    let mut body =
        serde_json::to_vec_pretty(&signed.file).map_err(|e| AppError::Internal(e.to_string()))?;
    body.push(b'\n');
    Ok(Response {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            (
                "content-disposition".into(),
                format!(
                    "attachment; filename=\"pulse-license-{}.json\"",
                    signed.license.id
                ),
            ),
        ],
        body,
    })
}

/// `GET /api/v1/licenses/{id}/key`: the license key with its claims and the file's fields.
pub fn api_show_license_key(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let signed = signed_key(ctx, req, id)?;
    Ok(Response::json(
        200,
        &json!({
            "object": "license_key",
            "license_id": signed.license.id,
            "kid": signed.file.kid,
            "key": signed.file.key,
            "claims": signed.claims,
            "keys_url": signed.file.keys_url,
            "file": signed.file,
        }),
    ))
}

/// `GET /.well-known/pulse-license-keys.json`: every license signing key's public half (JWKS),
/// for anyone; cacheable for five minutes, so a rotation shows within that.
pub fn show_license_keys(ctx: &Ctx) -> Result<Response, AppError> {
    let ring = license_key_ring(ctx.config.mode == Mode::Production)?;
    Ok(
        Response::json_typed(200, "application/jwk-set+json", &ring.jwks())
            .with_header("cache-control", "public, max-age=300")
            .with_header("access-control-allow-origin", "*"),
    )
}
