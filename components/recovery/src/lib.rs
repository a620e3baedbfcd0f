//! The recovery area: license retrieval, data export and deletion requests, refunds and
//! support, each usable signed out and answered by email.
#![expect(
    unsafe_code,
    reason = "#[http_component] generates the exported entry point"
)]

mod handlers;
mod views;
mod worker;

use pulse_core::AppError;
use pulse_core::http::{Method, Request, Response};
use pulse_core::spin::{Ctx, serve_then};
use spin_sdk::http_component;

/// Spin entry point.
#[http_component]
async fn handle(req: spin_sdk::http::IncomingRequest, out: spin_sdk::http::ResponseOutparam) {
    serve_then(req, out, route, after).await
}

/// After the response: run the privacy worker when the request queued, confirmed or looked at
/// a data request.
fn after(ctx: &Ctx, req: &Request, status: u16) {
    let post = req.method == Method::Post;
    let asked = match req.segments().as_slice() {
        ["privacy", "export" | "delete"] | ["api", "v1", "requests"] => post,
        ["privacy", "requests", _] => !post,
        ["privacy", "requests", ..] | ["api", "v1", "privacy", "requests", ..] => post,
        _ => false,
    };
    if asked && status < 400 {
        worker::run_after(ctx, req);
    }
}

/// The recovery route table.
fn route(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    use handlers::index::{show_privacy, show_recover};
    use handlers::privacy;
    use handlers::requests::{Topic, show_form, submit_form};
    let get = matches!(req.method, Method::Get | Method::Head);
    let post = req.method == Method::Post;
    match req.segments().as_slice() {
        // The signed-out hubs.
        ["recover"] if get => show_recover(ctx, req),
        ["privacy"] if get => show_privacy(ctx, req),
        // One form per request kind: show it, or record the request and confirm by email.
        ["recover", "license"] if get => show_form(ctx, req, Topic::License),
        ["recover", "license"] if post => submit_form(ctx, req, Topic::License),
        // Links by email to manage a subscription without signing in.
        ["recover", "manage"] if get => handlers::manage::show(ctx, req),
        ["recover", "manage"] if post => handlers::manage::submit(ctx, req),
        // A refund of one of the account's recent invoices (signed in).
        ["recover", "refund"] if get => handlers::refunds::show_refund(ctx, req),
        ["recover", "refund"] if post => handlers::refunds::submit_refund(ctx, req),
        // Data export and deletion: an owner's page for the account, or a request by email.
        ["privacy", "export"] if get => privacy::show(ctx, req, Topic::Export),
        ["privacy", "export"] if post => privacy::submit(ctx, req, Topic::Export),
        ["privacy", "delete"] if get => privacy::show(ctx, req, Topic::Deletion),
        ["privacy", "delete"] if post => privacy::submit(ctx, req, Topic::Deletion),
        // One request: its status, confirming or cancelling it, and the export's archive.
        ["privacy", "requests", id] if get => privacy::show_status(ctx, req, id),
        ["privacy", "requests", id, step @ ("confirm" | "cancel")] if post => {
            privacy::act_from_form(ctx, req, id, step)
        }
        ["privacy", "requests", id, "archive"] if get => privacy::download(ctx, req, id),
        // Support: signed in, a ticket with the account's context; signed out, the form.
        ["support"] if get => handlers::support::show(ctx, req),
        ["support"] if post => handlers::support::submit(ctx, req),
        // JSON: the same requests for scripts.
        ["api", "v1", "requests"] if post => handlers::requests::api_create(ctx, req),
        ["api", "v1", "requests", "subscription-links"] if post => {
            handlers::manage::api_submit(ctx, req)
        }
        ["api", "v1", "refunds"] if get => handlers::refunds::api_list(ctx, req),
        ["api", "v1", "refunds"] if post => handlers::refunds::api_create(ctx, req),
        ["api", "v1", "privacy", "requests"] if get => privacy::api_list(ctx, req),
        ["api", "v1", "privacy", "requests"] if post => privacy::api_create(ctx, req),
        ["api", "v1", "privacy", "requests", id] if get => privacy::api_show(ctx, req, id),
        [
            "api",
            "v1",
            "privacy",
            "requests",
            id,
            step @ ("confirm" | "cancel"),
        ] if post => privacy::api_act(ctx, req, id, step),
        ["api", "v1", "privacy", "run"] if post => privacy::api_run(ctx, req),
        ["recover" | "privacy" | "support", ..]
        | ["api", "v1", "requests" | "refunds" | "privacy", ..] => Err(AppError::MethodNotAllowed),
        // The old utility pages (seed 002): a permanent redirect to the flow that replaced each.
        [page] => match handlers::legacy::target(page) {
            Some(target) => Ok(handlers::legacy::redirect(req, target)),
            None => Err(AppError::NotFound),
        },
        _ => Err(AppError::NotFound),
    }
}
