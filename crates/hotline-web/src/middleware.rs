//! What wraps every request: the early 413 for a declared body over the limit, a log line per
//! request (method, route pattern, status, time; never the query string, which can hold phone
//! numbers), JSON answers for unknown paths and methods, and a 500 instead of a dropped
//! connection if a handler ever panics.

use crate::error::ApiError;
use crate::extract::too_large;
use axum::extract::{MatchedPath, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::any::Any;
use std::time::Instant;

/// Refuses a body whose declared length is over the limit before reading it. Bodies without a
/// length are cut off by `DefaultBodyLimit` while they are read.
pub async fn content_length_limit(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // A recording upload or a campaign's list has its own, larger limit (`LARGE_BODIES`).
    let limit = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(crate::MAX_BODY, |p| crate::body_limit(p.as_str()));
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large().into_response();
    }
    next.run(req).await
}

/// One log line per request.
pub async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(no route)".into());
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    if res.status().is_server_error() {
        tracing::warn!(%method, %route, status, ms, "http request");
    } else {
        tracing::debug!(%method, %route, status, ms, "http request");
    }
    res
}

pub async fn no_route() -> ApiError {
    no_route_error()
}

fn no_route_error() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        "no such endpoint; the API is described at /api/openapi.json (no token needed); log in with POST /api/login",
    )
}

/// The 404 of an unknown path, as a response.
pub fn no_route_response() -> axum::response::Response {
    use axum::response::IntoResponse;
    no_route_error().into_response()
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
}

pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::internal(&format_args!("handler panicked: {detail}")).into_response()
}
