//! The recovery area: license retrieval, data export and deletion requests, refunds and
//! support, each usable signed out and answered by email.
#![expect(
    unsafe_code,
    reason = "#[http_component] generates the exported entry point"
)]

mod handlers;
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

/// The recovery route table.
fn route(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    use handlers::index::{show_privacy, show_recover};
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
        // A refund of one of the account's recent invoices (signed in).
        ["recover", "refund"] if get => handlers::refunds::show_refund(ctx, req),
        ["recover", "refund"] if post => handlers::refunds::submit_refund(ctx, req),
        ["privacy", "export"] if get => show_form(ctx, req, Topic::Export),
        ["privacy", "export"] if post => submit_form(ctx, req, Topic::Export),
        ["privacy", "delete"] if get => show_form(ctx, req, Topic::Deletion),
        ["privacy", "delete"] if post => submit_form(ctx, req, Topic::Deletion),
        // Support: signed in, a ticket with the account's context; signed out, the form.
        ["support"] if get => handlers::support::show(ctx, req),
        ["support"] if post => handlers::support::submit(ctx, req),
        // JSON: the same requests for scripts.
        ["api", "v1", "requests"] if post => handlers::requests::api_create(ctx, req),
        ["api", "v1", "refunds"] if get => handlers::refunds::api_list(ctx, req),
        ["api", "v1", "refunds"] if post => handlers::refunds::api_create(ctx, req),
        ["recover" | "privacy" | "support", ..] | ["api", "v1", "requests" | "refunds"] => {
            Err(AppError::MethodNotAllowed)
        }
        // The old utility pages (seed 002): a permanent redirect to the flow that replaced each.
        [page] => match handlers::legacy::target(page) {
            Some(target) => Ok(handlers::legacy::redirect(req, target)),
            None => Err(AppError::NotFound),
        },
        _ => Err(AppError::NotFound),
    }
}
