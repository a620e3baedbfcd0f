//! The billing area: self-hosted licenses and activations, subscriptions and invoices.
#![expect(
    unsafe_code,
    reason = "#[http_component] generates the exported entry point"
)]

mod handlers;
mod provider;
mod views;

use pulse_core::AppError;
use pulse_core::http::{Method, Request, Response};
use pulse_core::spin::{Ctx, serve};
use spin_sdk::http_component;

/// Spin entry point.
#[http_component]
async fn handle(req: spin_sdk::http::IncomingRequest, out: spin_sdk::http::ResponseOutparam) {
    serve(req, out, route).await
}

/// The billing route table.
fn route(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    use handlers::*;
    let get = matches!(req.method, Method::Get | Method::Head);
    match (get, req.segments().as_slice()) {
        // Licenses and one license with its activations.
        (true, ["licenses"]) => licenses::list_licenses(ctx, req),
        (true, ["licenses", id]) => licenses::show_license(ctx, req, id),
        // Its signed license key, as a page and as a file to download.
        (true, ["licenses", id, "key"]) => licenses::show_license_key(ctx, req, id),
        (true, ["licenses", id, "license.json"]) => licenses::download_license_file(ctx, req, id),
        // The public keys that verify license keys offline.
        (true, [".well-known", "pulse-license-keys.json"]) => licenses::show_license_keys(ctx),
        // Billing: subscriptions and invoices; one invoice.
        (true, ["billing"]) => invoices::show_billing(ctx, req),
        (true, ["billing", "invoices", id]) => invoices::show_invoice(ctx, req, id),
        // What invoices are addressed to.
        (true, ["billing", "details"]) => invoices::show_details(ctx, req),
        (false, ["billing", "details"]) if req.method == Method::Post => {
            invoices::save_details(ctx, req)
        }
        // Plans, buying one, changing one, cards, paying, renewing.
        (true, ["billing", "plans"]) => purchases::show_plans(ctx, req),
        (false, ["billing", "checkout"]) if req.method == Method::Post => {
            purchases::checkout_from_form(ctx, req)
        }
        (false, ["billing", "portal"]) if req.method == Method::Post => {
            purchases::portal_from_form(ctx, req)
        }
        (true, ["billing", "subscriptions", id, "change"]) => purchases::show_change(ctx, req, id),
        (false, ["billing", "subscriptions", id, "change"]) if req.method == Method::Post => {
            purchases::change_from_form(ctx, req, id)
        }
        (false, ["billing", "invoices", id, "pay"]) if req.method == Method::Post => {
            purchases::pay_from_form(ctx, req, id)
        }
        (false, ["licenses", id, "renew"]) if req.method == Method::Post => {
            purchases::renew_from_form(ctx, req, id)
        }
        (false, ["billing", "payment-methods", id, "remove"]) if req.method == Method::Post => {
            purchases::remove_method_from_form(ctx, req, id)
        }
        (true, ["api", "v1", "payment-methods"]) => purchases::api_methods(ctx, req),
        (false, ["api", "v1", "payment-methods", id]) if req.method == Method::Delete => {
            purchases::api_remove_method(ctx, req, id)
        }
        (false, ["api", "v1", "checkout-sessions"]) if req.method == Method::Post => {
            purchases::api_checkout(ctx, req)
        }
        (false, ["api", "v1", "billing-portal-sessions"]) if req.method == Method::Post => {
            purchases::api_portal(ctx, req)
        }
        (true, ["api", "v1", "subscriptions", id, "change-preview"]) => {
            purchases::api_preview(ctx, req, id)
        }
        (false, ["api", "v1", "subscriptions", id, "change-plan"])
            if req.method == Method::Post =>
        {
            purchases::api_change(ctx, req, id)
        }
        (false, ["api", "v1", "invoices", id, "pay"]) if req.method == Method::Post => {
            purchases::api_pay(ctx, req, id)
        }
        (false, ["api", "v1", "licenses", id, "renew"]) if req.method == Method::Post => {
            purchases::api_renew(ctx, req, id)
        }
        // One subscription by the link mailed for it, signed out.
        (true, ["billing", "manage", token]) => manage::show(ctx, token),
        (false, ["billing", "manage", token]) if req.method == Method::Post => {
            manage::submit(ctx, req, token)
        }
        (false, ["api", "v1", "subscriptions", "manage"]) if req.method == Method::Post => {
            manage::api_submit(ctx, req)
        }
        // One subscription: end it at the period's end, or resume it.
        (true, ["billing", "subscriptions", id]) => subscriptions::show_subscription(ctx, req, id),
        (false, ["billing", "subscriptions", id, step @ ("cancel" | "resume")])
            if req.method == Method::Post =>
        {
            subscriptions::change_from_form(ctx, req, id, *step == "cancel")
        }
        (
            false,
            [
                "api",
                "v1",
                "subscriptions",
                id,
                step @ ("cancel" | "resume"),
            ],
        ) if req.method == Method::Post => {
            subscriptions::change_from_api(ctx, req, id, *step == "cancel")
        }
        // JSON API.
        (true, ["api", "v1", "licenses"]) => licenses::api_list_licenses(ctx, req),
        (true, ["api", "v1", "licenses", id]) => licenses::api_show_license(ctx, req, id),
        (true, ["api", "v1", "licenses", id, "key"]) => {
            licenses::api_show_license_key(ctx, req, id)
        }
        (true, ["api", "v1", "subscriptions"]) => invoices::api_list_subscriptions(ctx, req),
        (true, ["api", "v1", "invoices"]) => invoices::api_list_invoices(ctx, req),
        (true, ["api", "v1", "invoices", id]) => invoices::api_show_invoice(ctx, req, id),
        // Self-hosted installations, authenticated by their license key.
        (false, ["api", "v1", "activations"]) if req.method == Method::Post => {
            activations::activate(ctx, req)
        }
        (false, ["api", "v1", "activations", "validate"]) if req.method == Method::Post => {
            activations::validate(ctx, req)
        }
        (false, ["api", "v1", "activations", "deactivate"]) if req.method == Method::Post => {
            activations::deactivate(ctx, req)
        }
        // The customer frees an installation's place.
        (false, ["licenses", id, "activations", "deactivate"]) if req.method == Method::Post => {
            activations::deactivate_from_portal(ctx, req, id)
        }
        // The payment provider's events.
        (false, ["api", "billing", "webhooks", "stripe"]) if req.method == Method::Post => {
            webhooks::receive_stripe(ctx, req)
        }
        (false, ["licenses" | "billing" | ".well-known", ..] | ["api", "v1" | "billing", ..]) => {
            Err(AppError::MethodNotAllowed)
        }
        _ => Err(AppError::NotFound),
    }
}
