//! The API's one error shape, `{"error": {"status", "code", "field"?, "message"}}`, and how
//! the store's errors map onto HTTP: a caller's mistake is a 4xx naming what was wrong, a
//! database failure is a 500 (or 503 when the pool is exhausted) with a generic message and
//! the detail in the log.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hotline_store::StoreError;
use serde::Serialize;

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine-readable code: `invalid`, `bad_parameter`, `malformed_json`, …
    pub code: &'static str,
    /// The body field or query parameter at fault, when there is one.
    pub field: Option<String>,
    pub message: String,
    /// The value of `WWW-Authenticate` for 401 answers.
    challenge: Option<&'static str>,
    /// Seconds for `Retry-After` (429 answers; 503 answers say 1 without it).
    retry_after: Option<u64>,
    /// For a 409: the state of the thing now, so the client need not read it again.
    current: Option<Box<serde_json::Value>>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    status: u16,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<&'a serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            field: None,
            message: message.into(),
            challenge: None,
            retry_after: None,
            current: None,
        }
    }

    /// Adds the current state of what the request conflicted with.
    pub fn with_current(mut self, current: serde_json::Value) -> Self {
        self.current = Some(Box::new(current));
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 422: a body field is not acceptable.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).with_field(field)
    }

    /// 400: a query or path parameter is not acceptable.
    pub fn bad_parameter(param: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_parameter", message).with_field(param)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 401 for a missing, unknown or expired token.
    pub fn unauthenticated(message: impl Into<String>, challenge: &'static str) -> Self {
        let mut e = ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message);
        e.challenge = Some(challenge);
        e
    }

    /// 429 with `Retry-After: secs` (at least 1).
    pub fn too_many(secs: u64, message: impl Into<String>) -> Self {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "throttled", message);
        e.retry_after = Some(secs.max(1));
        e
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 500 with a generic message; the detail goes to the log only.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; it has been logged",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid { field, reason } => ApiError::invalid(field, reason),
            StoreError::NotFound { what, id } => {
                ApiError::not_found(format!("{what} {id} not found"))
            }
            StoreError::Illegal(t) => {
                ApiError::new(StatusCode::CONFLICT, "illegal_transition", t.to_string())
            }
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Forbidden(m) => ApiError::forbidden(m),
            StoreError::Unauthenticated => {
                ApiError::unauthenticated("not authenticated", "Bearer error=\"invalid_token\"")
            }
            StoreError::Db(sqlx::Error::PoolTimedOut) => {
                tracing::warn!("database pool timed out");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is busy; try again",
                )
            }
            e @ (StoreError::Db(_) | StoreError::Migrate(_)) => ApiError::internal(&e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                status: self.status.as_u16(),
                code: self.code,
                field: self.field.as_deref(),
                message: &self.message,
                current: self.current.as_deref(),
            },
        };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(c) = self.challenge {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
