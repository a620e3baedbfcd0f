//! The tenants area: Pulse Cloud tenants and templates, the integrations catalog, the MSP
//! provider view, and the catch-all that sends `/{workspace-slug}` to the workspace (BOS).
#![expect(
    unsafe_code,
    reason = "#[http_component] generates the exported entry point"
)]

mod handlers;
mod provisioner;
mod views;

use pulse_core::AppError;
use pulse_core::forward::Outcome;
use pulse_core::http::{Method, Request, Response};
use pulse_core::spin::{Ctx, serve_forwarding};
use spin_sdk::http_component;

/// Spin entry point.
#[http_component]
async fn handle(req: spin_sdk::http::IncomingRequest, out: spin_sdk::http::ResponseOutparam) {
    serve_forwarding(req, out, route_or_forward).await
}

/// A workspace path (`/{slug}/...`: any first segment this area does not route itself) goes
/// to the workspace; everything else to the route table.
fn route_or_forward(ctx: &Ctx, req: &Request) -> Result<Outcome, AppError> {
    match req.segments().first() {
        Some(&("cloud" | "integrations" | "msp" | "api")) | None => {
            route(ctx, req).map(Outcome::Respond)
        }
        Some(_) => handlers::workspace::open(ctx, req),
    }
}

/// The tenants route table.
fn route(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    use handlers::*;
    let get = matches!(req.method, Method::Get | Method::Head);
    let segments = req.segments();
    match (get, segments.as_slice()) {
        // Pulse Cloud: the account's tenants, one tenant, the templates to start from.
        (true, ["cloud"]) => cloud::list_tenants(ctx, req),
        (true, ["cloud", "new"]) => create::show_create(ctx, req),
        (true, ["cloud", "access"]) => msp::show_access(ctx, req),
        (false, ["cloud", "new"]) if req.method == Method::Post => create::create_tenant(ctx, req),
        (true, ["cloud", id]) => cloud::show_tenant(ctx, req, id),
        // Settings: display name, production alias, test copies.
        (true, ["cloud", id, "backups", backup, "download"]) => {
            settings::download_backup(ctx, req, id, backup)
        }
        (
            false,
            [
                "cloud",
                id,
                what @ ("rename" | "alias" | "copies" | "backups"),
            ],
        ) if req.method == Method::Post => settings::change_from_form(ctx, req, id, what),
        // Suspend, resume, delete (restorable for a grace period): confirm, then take the step.
        (true, ["cloud", id, "integrations"]) => integrations::show_for_tenant(ctx, req, id),
        (true, ["cloud", id, step]) => lifecycle::show_confirm(ctx, req, id, step),
        (false, ["cloud", id, step]) if req.method == Method::Post => {
            lifecycle::take_step(ctx, req, id, step)
        }
        // The integrations catalog.
        (true, ["integrations"]) => integrations::show_catalog(ctx, req),
        (false, ["cloud", id, "integrations", key]) if req.method == Method::Post => {
            integrations::change_from_form(ctx, req, id, key)
        }
        // MSP provider view: clients, delegated access, operating clients' workspaces.
        (true, ["msp"]) => msp::show_clients(ctx, req),
        (true, ["msp", "clients", id]) => msp::show_client(ctx, req, id),
        (false, ["msp", "access"]) if req.method == Method::Post => msp::ask_from_form(ctx, req),
        (false, ["msp", "bulk"]) if req.method == Method::Post => msp::bulk_from_form(ctx, req),
        (false, ["msp", "grants", grant, "revoke"]) if req.method == Method::Post => {
            msp::revoke_from_form(ctx, req, grant)
        }
        (false, ["msp", "clients", id, "access"]) if req.method == Method::Post => {
            msp::ask_client_from_form(ctx, req, id)
        }
        (false, ["msp", "clients", id, "enter"]) if req.method == Method::Post => {
            msp::enter(ctx, req, id)
        }
        (false, ["msp", "clients", id, "tenants"]) if req.method == Method::Post => {
            msp::create_for_client(ctx, req, id)
        }
        (false, ["msp", "clients", id, "tenants", tenant, step]) if req.method == Method::Post => {
            msp::operate_from_form(ctx, req, id, tenant, step)
        }
        // The client's side: the access providers asked for.
        (
            false,
            [
                "cloud",
                "access",
                grant,
                step @ ("approve" | "decline" | "revoke"),
            ],
        ) if req.method == Method::Post => msp::client_step_from_form(ctx, req, grant, step),
        (true, ["api", "v1", "msp", "grants"]) => msp::api_list(ctx, req),
        (false, ["api", "v1", "msp", "grants"]) if req.method == Method::Post => {
            msp::api_ask(ctx, req)
        }
        (false, ["api", "v1", "msp", "grants", grant, "revoke"]) if req.method == Method::Post => {
            msp::api_revoke(ctx, req, grant)
        }
        (false, ["api", "v1", "msp", "bulk"]) if req.method == Method::Post => {
            msp::api_bulk(ctx, req)
        }
        (true, ["api", "v1", "access-grants"]) => msp::api_client_list(ctx, req),
        (
            false,
            [
                "api",
                "v1",
                "access-grants",
                grant,
                step @ ("approve" | "decline" | "revoke"),
            ],
        ) if req.method == Method::Post => msp::api_client_step(ctx, req, grant, step),
        // JSON API.
        (true, ["api", "v1", "tenants"]) => api::list_tenants(ctx, req),
        (false, ["api", "v1", "tenants"]) if req.method == Method::Post => {
            create::api_create_tenant(ctx, req)
        }
        // The provisioner's signed reports, and a scheduler's call to retry deliveries.
        (false, ["api", "v1", "provisioner", "events"]) if req.method == Method::Post => {
            handlers::provisioner::receive_event(ctx, req)
        }
        (false, ["api", "v1", "provisioner", "run"]) if req.method == Method::Post => {
            handlers::provisioner::run(ctx, req)
        }
        (true, ["api", "v1", "tenants", id]) => api::show_tenant(ctx, req, id),
        (
            false,
            [
                "api",
                "v1",
                "tenants",
                id,
                what @ ("rename" | "alias" | "copies" | "backups"),
            ],
        ) if req.method == Method::Post => settings::change_from_api(ctx, req, id, what),
        (true, ["api", "v1", "tenants", id, "backups", backup, "download"]) => {
            settings::download_backup(ctx, req, id, backup)
        }
        (true, ["api", "v1", "tenants", id, "integrations"]) => {
            integrations::api_list(ctx, req, id)
        }
        (false, ["api", "v1", "tenants", id, "integrations", key])
            if req.method == Method::Post =>
        {
            integrations::api_change(ctx, req, id, key)
        }
        (false, ["api", "v1", "tenants", id, step]) if req.method == Method::Post => {
            lifecycle::api_take_step(ctx, req, id, step)
        }
        (true, ["api", "v1", "templates"]) => api::list_templates(ctx, req),
        (true, ["api", "v1", "clients"]) => api::list_clients(ctx, req),
        (false, ["cloud" | "integrations" | "msp", ..] | ["api", "v1", ..]) => {
            Err(AppError::MethodNotAllowed)
        }
        _ => Err(AppError::NotFound),
    }
}
