//! Static assets compiled into the component, and the OpenAPI document.

use pulse_core::AppError;
use pulse_core::http::Response;
use pulse_core::views::assets::{APP_CSS, stylesheet_path};

const FAVICON: &str = include_str!("../../static/favicon.svg");
const OPENAPI: &str = include_str!("../../../../docs/openapi.json");

/// Serves `/static/...`: the stylesheet under its content-hashed name for a year, immutable
/// (under its plain name, which older pages may link, for five minutes); the icon for an hour.
pub fn show_asset(path: &str) -> Result<Response, AppError> {
    let css = "text/css; charset=utf-8";
    let (body, content_type, cache) = match path {
        p if p == stylesheet_path() => (APP_CSS, css, "public, max-age=31536000, immutable"),
        "/static/app.css" => (APP_CSS, css, "public, max-age=300"),
        "/static/favicon.svg" => (FAVICON, "image/svg+xml", "public, max-age=3600"),
        _ => return Err(AppError::NotFound),
    };
    Ok(Response {
        status: 200,
        headers: vec![
            ("content-type".into(), content_type.into()),
            ("cache-control".into(), cache.into()),
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
