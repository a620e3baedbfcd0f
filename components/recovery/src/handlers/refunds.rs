//! Refund requests: for one of the account's paid invoices, within the refund window (the
//! `refund_window_days` setting) after payment, with a reason; confirmed by email, listed with
//! their status here and on the Billing page, and resolved when the payment provider reports
//! the charge refunded.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::{Reader, msg};
use pulse_core::identity::Identity;
use pulse_core::spin::Ctx;
use pulse_core::store::refunds::{self, Refund, Refused};
use pulse_core::store::users::reader_of;
use pulse_core::store::{audit, idempotency, outbox};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;
use serde_json::json;

use crate::views;
use crate::views::refunds::RefundForm;

/// The refund window when `refund_window_days` is not set.
const DEFAULT_WINDOW_DAYS: i64 = 14;

/// Days after payment within which a refund may be asked for.
fn window_days() -> Result<i64, AppError> {
    let raw = spin_sdk::variables::get("refund_window_days").unwrap_or_default();
    if raw.trim().is_empty() {
        return Ok(DEFAULT_WINDOW_DAYS);
    }
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (0..=365).contains(d))
        .ok_or_else(|| {
            AppError::Unavailable(
                "variable `refund_window_days` must be a whole number of days from 0 to 365".into(),
            )
        })
}

fn require_billing(who: &Identity) -> Result<(), AppError> {
    if who.account.role.can_manage_billing() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            msg("Refunds are asked for by the account's owners, admins and billing members.")
                .into(),
        ))
    }
}

fn render(
    ctx: &Ctx,
    who: &Identity,
    status: u16,
    form: &RefundForm<'_>,
) -> Result<Response, AppError> {
    let window = window_days()?;
    let (invoices, list) = refunds::page(ctx.db()?, &who.account.account_id, window, now_unix())?;
    Ok(Response::html(
        status,
        views::refunds::page_for(
            &ctx.shell(Nav::Support),
            who,
            window,
            &invoices,
            &list,
            form,
        ),
    ))
}

/// `GET /recover/refund`.
pub fn show_refund(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let Some(who) = ctx.identity(req)? else {
        // A newcomer is led to start an account; anyone signed out is asked to sign in.
        return match ctx.require(req) {
            Err(AppError::NoAccount) => Err(AppError::NoAccount),
            _ => Ok(Response::html(
                200,
                views::refunds::sign_in_first(&ctx.shell(Nav::Support)),
            )),
        };
    };
    require_billing(who)?;
    let done = req.query_param("done");
    render(
        ctx,
        who,
        200,
        &RefundForm {
            done: done
                .as_deref()
                .filter(|d| *d == "requested")
                .map(|_| "requested"),
            ..RefundForm::default()
        },
    )
}

/// Checks the reason as typed.
fn reason_of(reason: &str) -> Result<String, (String, String)> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err((
            "reason".into(),
            msg("Tell us why you are asking for the refund.").into(),
        ));
    }
    if reason.chars().count() > 2000 {
        return Err((
            "reason".into(),
            msg("Keep the reason under 2,000 characters.").into(),
        ));
    }
    Ok(reason.to_string())
}

/// Records the request with its confirmation email and audit entry, all or nothing; a refusal
/// is worded for `refusal_reader`.
fn request(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    invoice: &str,
    reason: &str,
    refusal_reader: Reader,
) -> Result<Result<Refund, Refused>, AppError> {
    let window = window_days()?;
    let origin = ctx.config.public_origin.clone();
    let sender = ctx.reader(Some(who));
    transaction(ctx.db()?, |db| {
        let made = refunds::request(
            db,
            &who.account.account_id,
            &who.user_id,
            invoice,
            reason,
            window,
            now_unix(),
            refusal_reader,
        )?;
        let Ok(refund) = made else {
            return Ok(made);
        };
        outbox::enqueue(
            db,
            &views::mail::refund_requested(
                reader_of(db, &who.email, sender)?,
                &who.email,
                &refund,
                window,
                &origin,
            ),
        )?;
        audit::record(
            db,
            &audit::Entry {
                account_id: &who.account.account_id,
                actor_user_id: &who.user_id,
                action: "refund.requested",
                target: &refund.id,
                detail: &format!("{} for invoice {}", refund.amount, refund.invoice_number),
                ip: &req.client_ip(),
            },
        )?;
        Ok::<_, AppError>(Ok(refund))
    })
}

/// `POST /recover/refund` (form: `invoice`, `reason`).
pub fn submit_refund(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    require_billing(who)?;
    let form = req.form();
    let (invoice, reason) = (
        form.get("invoice").unwrap_or_default(),
        form.get("reason").unwrap_or_default(),
    );
    let refused = |errors| RefundForm {
        invoice,
        reason,
        errors,
        done: None,
    };
    let checked = match reason_of(reason) {
        Ok(r) => r,
        Err(e) => return render(ctx, who, 422, &refused(vec![e])),
    };
    match request(ctx, req, who, invoice, &checked, ctx.reader(Some(who)))? {
        Ok(_) => Ok(Response::see_other("/recover/refund?done=requested")),
        Err(Refused::NotFound) => render(
            ctx,
            who,
            422,
            &refused(vec![(
                "invoice".into(),
                msg("Choose one of the invoices listed.").into(),
            )]),
        ),
        Err(Refused::Invoice(why)) => {
            render(ctx, who, 422, &refused(vec![("invoice".into(), why)]))
        }
    }
}

/// `GET /api/v1/refunds`: the account's refund requests.
pub fn api_list(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let (data, more) = refunds::page_for_account(ctx.db()?, &who.account.account_id, &req.page()?)?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `POST /api/v1/refunds` with `{"invoice", "reason"}` and an optional `Idempotency-Key`: 201
/// with the request.
pub fn api_create(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    require_billing(who)?;
    idempotency::once(ctx.db()?, &who.account.account_id, req, || {
        let body = req.json_body()?;
        let reason = reason_of(body["reason"].as_str().unwrap_or_default()).map_err(|(f, m)| {
            AppError::Invalid {
                detail: m.clone(),
                errors: vec![(f, m)],
            }
        })?;
        match request(
            ctx,
            req,
            who,
            body["invoice"].as_str().unwrap_or_default(),
            &reason,
            Reader::default(),
        )? {
            Ok(refund) => Ok(Response::json(201, &refund)),
            Err(Refused::NotFound) => Err(AppError::NotFound),
            Err(Refused::Invoice(why)) => Err(AppError::Invalid {
                detail: why.clone(),
                errors: vec![("invoice".into(), why)],
            }),
        }
    })
}
