//! Buying and changing: a new subscription through Stripe Checkout (or at once, offline), a
//! plan change with the proration the provider computes, the Billing Portal for cards, paying
//! an open invoice, and renewing an expired license. The provider is asked first; the portal
//! records a change only once the provider accepted it.

use pulse_core::AppError;
use pulse_core::db::transaction;
use pulse_core::http::{Request, Response};
use pulse_core::i18n::msg;
use pulse_core::identity::Identity;
use pulse_core::money::Money;
use pulse_core::plans::{self, Plan};
use pulse_core::spin::Ctx;
use pulse_core::store::purchases::{self, Refused};
use pulse_core::store::{audit, billing, idempotency};
use pulse_core::time::now_unix;
use pulse_core::views::Nav;
use serde_json::json;

use super::{on_page, require_billing};
use crate::provider::{Checkout, Provider, Purchase};
use crate::views;

fn provider_error(req: &Request, why: String) -> AppError {
    eprintln!("request_id={} payment provider: {why}", req.request_id);
    AppError::Unavailable("the payment provider did not accept the request".into())
}

fn refused(r: Refused) -> AppError {
    match r {
        Refused::NotFound => AppError::NotFound,
        Refused::State(why) => AppError::Conflict(why),
    }
}

/// `GET /billing/plans`: every plan on sale, the ones the account runs marked.
pub fn show_plans(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let running = billing::subscriptions(ctx.db()?, &who.account.account_id)?;
    Ok(Response::html(
        200,
        views::purchases::plans(&ctx.shell(Nav::Billing), who, &running, None),
    ))
}

/// What a purchase led to.
enum Bought {
    /// Go to the provider's page.
    Redirect(String),
    /// Done here (offline): the new subscription.
    Subscription(String),
}

/// Starts buying `plan` (or renewing `license` on it).
fn buy(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    plan: &Plan,
    license: Option<&str>,
) -> Result<Result<Bought, Refused>, AppError> {
    require_billing(who)?;
    let db = ctx.db()?;
    let account = &who.account.account_id;
    if license.is_none()
        && let Err(r) = purchases::check_new(db, account, plan)?
    {
        return Ok(Err(r));
    }
    let customer = purchases::customer(db, account)?;
    let origin = &ctx.config.public_origin;
    let (success, cancel) = match license {
        Some(id) => (
            format!("{origin}/licenses/{id}?done=renewed"),
            format!("{origin}/licenses/{id}"),
        ),
        None => (
            format!("{origin}/billing?done=subscribed"),
            format!("{origin}/billing/plans"),
        ),
    };
    let provider = Provider::configured();
    let step = provider
        .checkout(
            &Purchase {
                plan,
                account_id: account,
                customer: customer.as_deref(),
                success_url: &success,
                cancel_url: &cancel,
                renews_license: license,
            },
            &format!("checkout-{account}-{}-{}", plan.key, req.request_id),
        )
        .map_err(|why| provider_error(req, why))?;
    match step {
        Checkout::Redirect(url) => Ok(Ok(Bought::Redirect(url))),
        Checkout::Completed => {
            let now = now_unix();
            transaction(db, |db| {
                let id = match license {
                    Some(license) => {
                        purchases::renew_license(db, account, license, now)?;
                        audit::record_by(
                            db,
                            who,
                            &req.client_ip(),
                            "license.renewed",
                            license,
                            &format!("Renewed for a year on {}", plan.name),
                        )?;
                        license.to_string()
                    }
                    None => {
                        let id = purchases::start_locally(db, account, plan, now)?;
                        audit::record_by(
                            db,
                            who,
                            &req.client_ip(),
                            "subscription.started",
                            &id,
                            &format!(
                                "Subscribed to {} ({} per {})",
                                plan.name,
                                plan.price(),
                                plan.interval
                            ),
                        )?;
                        id
                    }
                };
                Ok::<_, AppError>(Ok(Bought::Subscription(id)))
            })
        }
    }
}

/// `POST /billing/checkout` (form: `plan`).
pub fn checkout_from_form(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let Some(plan) = form.get("plan").and_then(plans::by_key) else {
        let why = msg("Choose a plan from the list.");
        return Err(AppError::BadRequest(why.into()));
    };
    match buy(ctx, req, who, plan, None)? {
        Ok(Bought::Redirect(url)) => Ok(Response::see_other(&url)),
        Ok(Bought::Subscription(_)) => Ok(Response::see_other("/billing?done=subscribed")),
        Err(Refused::NotFound) => Err(AppError::NotFound),
        Err(Refused::State(why)) => {
            let running = billing::subscriptions(ctx.db()?, &who.account.account_id)?;
            Ok(Response::html(
                409,
                views::purchases::plans(&ctx.shell(Nav::Billing), who, &running, Some(&why)),
            ))
        }
    }
}

/// `POST /api/v1/checkout-sessions` with `{"plan"}` and an optional `Idempotency-Key`: 201
/// with the Checkout page's `url`, or (offline) the new `subscription`.
pub fn api_checkout(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    idempotency::once(ctx.db()?, &who.account.account_id, req, || {
        let body = req.json_body()?;
        let plan = body["plan"]
            .as_str()
            .and_then(plans::by_key)
            .ok_or_else(|| {
                pulse_core::error::invalid(
                    "plan",
                    "plan must be the key of a plan on sale (see /billing/plans).",
                )
            })?;
        match buy(ctx, req, who, plan, None)?.map_err(refused)? {
            Bought::Redirect(url) => Ok(Response::json(
                201,
                &json!({ "object": "checkout_session", "plan": plan.key, "url": url, "subscription": null }),
            )),
            Bought::Subscription(id) => {
                let sub = billing::subscriptions(ctx.db()?, &who.account.account_id)?
                    .into_iter()
                    .find(|s| s.id == id);
                Ok(Response::json(
                    201,
                    &json!({ "object": "checkout_session", "plan": plan.key, "url": null, "subscription": sub }),
                ))
            }
        }
    })
}

/// The subscription `id` and the plan it would change to, both checked.
fn change_target(
    ctx: &Ctx,
    who: &Identity,
    id: &str,
    to: Option<&str>,
) -> Result<Result<(purchases::Changing, &'static Plan, &'static Plan), Refused>, AppError> {
    require_billing(who)?;
    let changing =
        match purchases::check_change(ctx.db()?, &who.account.account_id, id, now_unix())? {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
    let Some(from) = plans::by_name(&changing.plan) else {
        return Ok(Err(Refused::State(format!(
            "{} is not on sale any more; contact support to change it.",
            changing.plan
        ))));
    };
    let Some(to) = to.and_then(plans::by_key) else {
        return Ok(Err(Refused::State(
            "Choose one of the plans offered.".into(),
        )));
    };
    if !plans::changes_from(from).contains(&to) {
        return Ok(Err(Refused::State(format!(
            "{} cannot change to {}: choose a plan of the same kind and billing period.",
            from.name, to.name
        ))));
    }
    Ok(Ok((changing, from, to)))
}

/// The proration the provider computes for the change, at `now`.
fn preview(
    req: &Request,
    changing: &purchases::Changing,
    from: &Plan,
    to: &Plan,
    now: i64,
) -> Result<Money, AppError> {
    Provider::configured()
        .preview_plan_change(
            changing.provider_id.as_deref(),
            from,
            to,
            changing.period_end,
            now,
        )
        .map_err(|why| provider_error(req, why))
}

/// `GET /billing/subscriptions/{id}/change?plan=`: what the change costs now, to confirm.
pub fn show_change(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let plan = req.query_param("plan");
    match change_target(ctx, who, id, plan.as_deref())? {
        Ok((changing, from, to)) => {
            let now = now_unix();
            let due = preview(req, &changing, from, to, now)?;
            Ok(Response::html(
                200,
                views::purchases::change(
                    &ctx.shell(Nav::Billing),
                    who,
                    &changing,
                    from,
                    to,
                    &due,
                    now,
                ),
            ))
        }
        Err(r) => Err(on_page(ctx.reader(Some(who)), refused(r))),
    }
}

/// Applies a change previewed at `proration_date`.
fn change(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    id: &str,
    to: Option<&str>,
    proration_date: i64,
) -> Result<Result<(), Refused>, AppError> {
    let (changing, from, to) = match change_target(ctx, who, id, to)? {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    // A preview older than an hour is stale: the person confirms a fresh one.
    let now = now_unix();
    let date = if (now - 3600..=now).contains(&proration_date) {
        proration_date
    } else {
        now
    };
    Provider::configured()
        .change_plan(
            changing.provider_id.as_deref(),
            to,
            date,
            &format!("change-{}-{}-{date}", changing.id, to.key),
        )
        .map_err(|why| provider_error(req, why))?;
    transaction(ctx.db()?, |db| {
        purchases::set_plan(db, &changing.id, to)?;
        audit::record_by(
            db,
            who,
            &req.client_ip(),
            "subscription.plan_changed",
            &changing.id,
            &format!("{} to {}", from.name, to.name),
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(Ok(()))
}

/// `POST /billing/subscriptions/{id}/change` (form: `plan`, `proration_date`).
pub fn change_from_form(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let form = req.form();
    let date = form
        .get("proration_date")
        .and_then(|d| d.parse().ok())
        .unwrap_or_default();
    match change(ctx, req, who, id, form.get("plan"), date)? {
        Ok(()) => Ok(Response::see_other(&format!(
            "/billing/subscriptions/{id}?done=changed"
        ))),
        Err(r) => Err(on_page(ctx.reader(Some(who)), refused(r))),
    }
}

/// `GET /api/v1/subscriptions/{id}/change-preview?plan=`.
pub fn api_preview(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    let plan = req.query_param("plan");
    let (changing, from, to) = change_target(ctx, who, id, plan.as_deref())?.map_err(refused)?;
    let now = now_unix();
    let due = preview(req, &changing, from, to, now)?;
    Ok(Response::json(
        200,
        &json!({ "object": "plan_change_preview", "subscription": changing.id, "from": from.key, "to": to.key, "amount_due": due, "proration_date": now }),
    ))
}

/// `POST /api/v1/subscriptions/{id}/change-plan` with `{"plan", "proration_date"}`.
pub fn api_change(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let body = req.json_body()?;
    let date = body["proration_date"].as_i64().unwrap_or_default();
    change(ctx, req, who, id, body["plan"].as_str(), date)?.map_err(refused)?;
    let sub = billing::subscriptions(ctx.db()?, &who.account.account_id)?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    Ok(Response::json(200, &sub))
}

/// Where the card is managed: the Billing Portal's page, or `None` offline.
fn portal(ctx: &Ctx, req: &Request, who: &Identity) -> Result<Option<String>, AppError> {
    require_billing(who)?;
    let provider = Provider::configured();
    if provider.is_offline() {
        return Ok(None);
    }
    let Some(customer) = purchases::customer(ctx.db()?, &who.account.account_id)? else {
        return Err(AppError::Conflict(
            msg("The account has no card on file yet: it gets one with its first purchase.").into(),
        ));
    };
    let back = format!("{}/billing", ctx.config.public_origin);
    provider
        .billing_portal(&customer, &back, &format!("portal-{}", req.request_id))
        .map_err(|why| provider_error(req, why))
}

/// `POST /billing/portal`: to Stripe's Billing Portal for cards and billing history.
pub fn portal_from_form(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    Ok(match portal(ctx, req, who)? {
        Some(url) => Response::see_other(&url),
        None => Response::see_other("/billing?done=offline"),
    })
}

/// `POST /api/v1/billing-portal-sessions`: 201 with the portal's `url` (null offline).
pub fn api_portal(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let url = portal(ctx, req, who)?;
    Ok(Response::json(
        201,
        &json!({ "object": "billing_portal_session", "url": url }),
    ))
}

/// Pays an open invoice: the provider's hosted page to redirect to, or (offline) paid here.
fn pay(ctx: &Ctx, req: &Request, who: &Identity, id: &str) -> Result<Option<String>, AppError> {
    require_billing(who)?;
    let (number, provider_id) =
        purchases::open_invoice(ctx.db()?, &who.account.account_id, id)?.map_err(refused)?;
    let provider = Provider::configured();
    if let Some(url) = provider
        .invoice_payment_url(provider_id.as_deref())
        .map_err(|why| provider_error(req, why))?
    {
        return Ok(Some(url));
    }
    transaction(ctx.db()?, |db| {
        if purchases::paid_locally(db, id, now_unix())? {
            audit::record_by(
                db,
                who,
                &req.client_ip(),
                "invoice.paid",
                id,
                &format!("Invoice {number} paid"),
            )?;
        }
        Ok::<_, AppError>(None)
    })
}

/// `POST /billing/invoices/{id}/pay`.
pub fn pay_from_form(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let paid = pay(ctx, req, who, id).map_err(|e| on_page(ctx.reader(Some(who)), e))?;
    Ok(match paid {
        Some(url) => Response::see_other(&url),
        None => Response::see_other(&format!("/billing/invoices/{id}?done=paid")),
    })
}

/// `POST /api/v1/invoices/{id}/pay`: 200 with the hosted page's `url`, or (offline) the
/// invoice, paid.
pub fn api_pay(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let url = pay(ctx, req, who, id)?;
    let invoice =
        billing::find_invoice(ctx.db()?, &who.account.account_id, id)?.ok_or(AppError::NotFound)?;
    Ok(Response::json(
        200,
        &json!({ "object": "invoice_payment", "url": url, "status": invoice.invoice.status }),
    ))
}

/// Renews the account's expired license `id` on the plan its label names.
fn renew(
    ctx: &Ctx,
    req: &Request,
    who: &Identity,
    id: &str,
) -> Result<Result<Bought, Refused>, AppError> {
    require_billing(who)?;
    let label =
        match purchases::expired_license(ctx.db()?, &who.account.account_id, id, now_unix())? {
            Ok(label) => label,
            Err(r) => return Ok(Err(r)),
        };
    let Some(plan) = plans::for_license(&label) else {
        return Ok(Err(Refused::State(format!(
            "The {label} license is not sold any more; contact support to renew it."
        ))));
    };
    buy(ctx, req, who, plan, Some(id))
}

/// `POST /licenses/{id}/renew`.
pub fn renew_from_form(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    let renewed =
        renew(ctx, req, who, id)?.map_err(|r| on_page(ctx.reader(Some(who)), refused(r)))?;
    match renewed {
        Bought::Redirect(url) => Ok(Response::see_other(&url)),
        Bought::Subscription(_) => Ok(Response::see_other(&format!("/licenses/{id}?done=renewed"))),
    }
}

/// `POST /api/v1/licenses/{id}/renew` (optional `Idempotency-Key`): 201 with the Checkout
/// page's `url`, or (offline) the license, renewed.
pub fn api_renew(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    idempotency::once(ctx.db()?, &who.account.account_id, req, || {
        let url = match renew(ctx, req, who, id)?.map_err(refused)? {
            Bought::Redirect(url) => Some(url),
            Bought::Subscription(_) => None,
        };
        let license =
            pulse_core::store::licenses::list_for_account(ctx.db()?, &who.account.account_id)?
                .into_iter()
                .find(|l| l.id == id);
        Ok(Response::json(
            201,
            &json!({ "object": "license_renewal", "url": url, "license": license }),
        ))
    })
}

/// Removes a card, unless it is the last one of an account with a running subscription; the
/// provider detaches it first.
fn remove_method(ctx: &Ctx, req: &Request, who: &Identity, id: &str) -> Result<(), AppError> {
    use pulse_core::store::payment_methods::{self, Refused as Kept};
    require_billing(who)?;
    let account = &who.account.account_id;
    match payment_methods::check_removal(ctx.db()?, account, id)? {
        Ok(()) => {}
        Err(Kept::NotFound) => return Err(AppError::NotFound),
        Err(Kept::LastOfRunningSubscription(why)) => return Err(AppError::Conflict(why)),
    }
    Provider::configured()
        .detach_payment_method(id, &format!("detach-{id}"))
        .map_err(|why| provider_error(req, why))?;
    transaction(ctx.db()?, |db| {
        if payment_methods::remove(db, account, id)? {
            audit::record_by(
                db,
                who,
                &req.client_ip(),
                "payment_method.removed",
                id,
                "Removed a card",
            )?;
        }
        Ok::<_, AppError>(())
    })
}

/// `POST /billing/payment-methods/{id}/remove`.
pub fn remove_method_from_form(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    remove_method(ctx, req, who, id).map_err(|e| on_page(ctx.reader(Some(who)), e))?;
    Ok(Response::see_other("/billing?done=card-removed"))
}

/// `GET /api/v1/payment-methods`.
pub fn api_methods(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let who = ctx.require(req)?;
    require_billing(who)?;
    let (data, more) = pulse_core::store::lists::page(
        ctx.db()?,
        pulse_core::store::payment_methods::ACCOUNT_METHODS,
        &[who.account.account_id.as_str().into()],
        &req.page()?,
        pulse_core::store::payment_methods::payment_method,
    )?;
    Ok(Response::json(
        200,
        &json!({ "object": "list", "data": data, "has_more": more }),
    ))
}

/// `DELETE /api/v1/payment-methods/{id}`.
pub fn api_remove_method(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let who = ctx.require_writer(req)?;
    remove_method(ctx, req, who, id)?;
    Ok(Response::json(
        200,
        &json!({ "object": "payment_method", "id": id, "deleted": true }),
    ))
}
