//! Recovery, privacy and support requests. Each is rate-limited, recorded in the same
//! transaction as its confirmation email, and answered identically whether or not the email
//! belongs to an account.

use pulse_core::AppError;
use pulse_core::config::Mode;
use pulse_core::csrf;
use pulse_core::db::transaction;
use pulse_core::error::invalid;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::msg;
use pulse_core::kv;
use pulse_core::license::{LicenseClaims, LicenseKeyRing};
use pulse_core::spin::{Ctx, SpinKv, license_key_ring};
use pulse_core::store::outbox::{self, Mail};
use pulse_core::store::privacy::Kind as DataKind;
use pulse_core::store::requests::{self, Kind};
use pulse_core::store::users::{normalize_email, reader_of};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;
use serde_json::json;

use crate::views;

/// Which form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// Retrieve license keys by email.
    License,
    /// Export personal data.
    Export,
    /// Delete personal data.
    Deletion,
    /// Contact support.
    Support,
}

impl Topic {
    /// The stored request kind.
    pub fn kind(self) -> Kind {
        match self {
            Topic::License => Kind::LicenseRetrieval,
            Topic::Export => Kind::Export,
            Topic::Deletion => Kind::Deletion,
            Topic::Support => Kind::Support,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "license_retrieval" => Topic::License,
            "export" => Topic::Export,
            "deletion" => Topic::Deletion,
            "support" => Topic::Support,
            _ => return None,
        })
    }

    /// Whether the form needs a message.
    pub fn needs_message(self) -> bool {
        matches!(self, Topic::Support)
    }
}

/// Shows the form for a topic.
pub fn show_form(ctx: &Ctx, req: &Request, topic: Topic) -> Result<Response, AppError> {
    let email = ctx
        .identity(req)
        .ok()
        .flatten()
        .map(|w| w.email.clone())
        .unwrap_or_default();
    Ok(Response::html(
        200,
        views::forms::form(&ctx.shell(Nav::Support), topic, &email, "", &[]),
    ))
}

/// Validated input of a request.
pub struct Input {
    /// The address, normalised.
    pub email: String,
    /// The message.
    pub message: String,
}

/// Checks a form's or body's address and message.
pub fn validate(topic: Topic, email: &str, message: &str) -> Result<Input, AppError> {
    let mut errors = Vec::new();
    let normalized = normalize_email(email);
    if normalized.is_none() {
        errors.push((
            "email".to_string(),
            msg("Enter the email address you use with Pulse.").to_string(),
        ));
    }
    let message = message.trim();
    if topic.needs_message() && message.is_empty() {
        errors.push((
            "message".to_string(),
            msg("Tell us what happened so we can help.").to_string(),
        ));
    }
    if message.chars().count() > 5000 {
        errors.push((
            "message".to_string(),
            msg("Keep the message under 5,000 characters.").to_string(),
        ));
    }
    match normalized {
        Some(email) if errors.is_empty() => Ok(Input {
            email,
            message: message.to_string(),
        }),
        _ => Err(AppError::Invalid {
            detail: "Some fields need attention.".into(),
            errors,
        }),
    }
}

/// Limits signed-out requests per address and per email (each an hour's window).
pub fn rate_limit(req: &Request, email: &str) -> Result<(), AppError> {
    let store = SpinKv::open()?;
    let now = now_unix();
    for (key, max) in [
        (format!("recovery-ip:{}", req.client_ip()), 20),
        (format!("recovery-email:{email}"), 5),
    ] {
        match kv::hit(&store, &key, max, 3600, now) {
            Ok(Ok(())) => {}
            Ok(Err(retry_after)) => return Err(AppError::RateLimited { retry_after }),
            Err(e) => return Err(AppError::Unavailable(format!("key-value store: {e}"))),
        }
    }
    Ok(())
}

fn record(ctx: &Ctx, req: &Request, topic: Topic, input: &Input) -> Result<String, AppError> {
    rate_limit(req, &input.email)?;
    // A license retrieval signs each key with billing's ring: read here, on this route only,
    // and before the transaction, so a known and an unknown address cost the same reads.
    let ring = match topic {
        Topic::License => Some(license_key_ring(ctx.config.mode == Mode::Production)?),
        _ => None,
    };
    let sender = ctx.reader(ctx.identity(req).ok().flatten());
    let db = ctx.db()?;
    let origin = ctx.config.public_origin.clone();
    // The same statements whether or not the address is known: record, look up, queue one mail.
    transaction(db, |db| {
        let id = requests::create(db, topic.kind(), &input.email, None, &input.message)?;
        let licenses = match &ring {
            Some(ring) => signed_keys(db, ring, &input.email, &origin)?,
            None => Vec::new(),
        };
        let r = reader_of(db, &input.email, sender)?;
        let mail: Mail = views::mail::confirmation(r, topic, &input.email, &id, &licenses, &origin);
        outbox::enqueue(db, &mail)?;
        Ok::<_, AppError>(id)
    })
}

/// The signed key of each license `email` may retrieve, as billing signs it for the license
/// page (same claims, same ring, same issuer).
fn signed_keys(
    db: &dyn pulse_core::db::Db,
    ring: &LicenseKeyRing,
    email: &str,
    origin: &str,
) -> Result<Vec<views::mail::MailedLicense>, AppError> {
    requests::license_keys_for_email(db, email)?
        .into_iter()
        .map(|(account, license, key_hash)| {
            let claims = LicenseClaims::for_license(&license, &key_hash, origin)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(views::mail::MailedLicense {
                account,
                key: ring.sign(&claims),
                license,
            })
        })
        .collect()
}

/// Records a request from the form and shows the same confirmation to everyone.
pub fn submit_form(ctx: &Ctx, req: &Request, topic: Topic) -> Result<Response, AppError> {
    let who = ctx.identity(req).ok().flatten();
    csrf::check(req, &ctx.config, who)?;
    let form = req.form();
    let email = form.get("email").unwrap_or_default();
    let message = form.get("message").unwrap_or_default();
    let input = match validate(topic, email, message) {
        Ok(input) => input,
        Err(e) => {
            let errors = e.field_errors().to_vec();
            return Ok(Response::html(
                422,
                views::forms::form(&ctx.shell(Nav::Support), topic, email, message, &errors),
            ));
        }
    };
    let id = record(ctx, req, topic, &input)?;
    Ok(Response::html(
        201,
        views::forms::received(&ctx.shell(Nav::Support), topic, &input.email, &id),
    ))
}

/// `POST /api/v1/requests` with `{"kind": "...", "email": "...", "message": "..."}`.
pub fn api_create(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    csrf::check(req, &ctx.config, None)?;
    let body = req.json_body()?;
    let topic = body["kind"]
        .as_str()
        .and_then(Topic::parse)
        .ok_or_else(|| {
            invalid(
                "kind",
                "kind must be one of license_retrieval, export, deletion, support (refunds: POST /api/v1/refunds).",
            )
        })?;
    let input = validate(
        topic,
        body["email"].as_str().unwrap_or_default(),
        body["message"].as_str().unwrap_or_default(),
    )?;
    if matches!(topic, Topic::Export | Topic::Deletion) {
        let kind = if topic == Topic::Export {
            DataKind::Export
        } else {
            DataKind::Deletion
        };
        let id = super::privacy::by_email(ctx, req, kind, &input.email)?;
        return Ok(Response::json(
            201,
            &json!({ "object": "data_request", "id": id, "kind": kind.as_str(), "status": "awaiting_proof" }),
        ));
    }
    let id = record(ctx, req, topic, &input)?;
    Ok(Response::json(
        201,
        &json!({ "object": "request", "id": id, "kind": topic.kind().as_str(), "status": "received" }),
    ))
}
