//! Static assets compiled into the component, and the OpenAPI document.

use pulse_core::AppError;
use pulse_core::http::Response;

const APP_CSS: &str = include_str!("../../static/app.css");
const FAVICON: &str = include_str!("../../static/favicon.svg");
const OPENAPI: &str = include_str!("../../../../docs/openapi.json");

/// Serves `/static/...` with a long cache lifetime.
pub fn show_asset(path: &str) -> Result<Response, AppError> {
    let (body, content_type) = match path {
        "/static/app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "/static/favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return Err(AppError::NotFound),
    };
    Ok(Response {
        status: 200,
        headers: vec![
            ("content-type".into(), content_type.into()),
            ("cache-control".into(), "public, max-age=3600".into()),
        ],
        body: body.as_bytes().to_vec(),
    })
}

/// `GET /api/openapi.json`.
pub fn openapi() -> Result<Response, AppError> {
    Ok(Response {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), "public, max-age=300".into()),
        ],
        body: OPENAPI.as_bytes().to_vec(),
    })
}
