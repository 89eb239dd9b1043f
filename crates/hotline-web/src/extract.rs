//! Extractors that answer in the API's error format instead of axum's plain-text rejections:
//! a JSON body (415 without a JSON content type, 413 over the size limit, 400 for malformed
//! JSON saying where, 422 naming the field for a well-formed body of the wrong shape), query
//! parameters read one by one (400 naming the parameter; unknown or repeated ones refused),
//! the `{id}` path parameter, and the logged-in agent.

use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use hotline_store::{Actor, Agent, Role};
use serde::de::DeserializeOwned;
use std::ops::RangeInclusive;

/// A JSON request body.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    "the body could not be read",
                )
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("the body is larger than {} bytes", crate::MAX_BODY),
    )
}

fn is_json(v: Option<&header::HeaderValue>) -> bool {
    let Some(v) = v.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = v
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON body: syntax errors are 400 with serde's position, shape errors 422 with the
/// field.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(&path, &inner)
    })?;
    de.end().map_err(|e| json_error(".", &e))?;
    Ok(value)
}

fn json_error(path: &str, e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("malformed JSON: {e}"),
        ),
        Category::Data => {
            let message = e.to_string();
            let field = if path != "." {
                Some(path.to_string())
            } else {
                // "missing field `summary`", "unknown field `x`, expected …"
                message
                    .split('`')
                    .nth(1)
                    .filter(|_| message.contains(" field `"))
                    .map(str::to_string)
            };
            let err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message);
            match field {
                Some(f) => err.with_field(f),
                None => err,
            }
        }
    }
}

/// The query string, read parameter by parameter.
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        let q = parts.uri.query().unwrap_or("");
        let pairs = form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(Params { pairs })
    }
}

/// Longest text accepted in a query parameter, in characters.
pub const MAX_PARAM_CHARS: usize = 200;

impl Params {
    /// Refuses parameters not in `allowed` and parameters given twice.
    pub fn only(self, allowed: &[&str]) -> ApiResult<Params> {
        for (i, (k, _)) in self.pairs.iter().enumerate() {
            if !allowed.contains(&k.as_str()) {
                let msg = if allowed.is_empty() {
                    "unknown parameter; this endpoint takes none".to_string()
                } else {
                    format!("unknown parameter; known: {}", allowed.join(", "))
                };
                return Err(ApiError::bad_parameter(clip(k), msg));
            }
            if self.pairs.iter().take(i).any(|(p, _)| p == k) {
                return Err(ApiError::bad_parameter(clip(k), "given more than once"));
            }
        }
        Ok(self)
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A text parameter: present means non-empty, at most `MAX_PARAM_CHARS`, no control
    /// characters.
    pub fn text(&self, name: &str) -> ApiResult<Option<&str>> {
        let Some(v) = self.raw(name) else {
            return Ok(None);
        };
        if v.trim().is_empty() {
            return Err(ApiError::bad_parameter(name, "must not be empty"));
        }
        if v.chars().count() > MAX_PARAM_CHARS {
            return Err(ApiError::bad_parameter(
                name,
                format!("longer than {MAX_PARAM_CHARS} characters"),
            ));
        }
        if v.chars().any(char::is_control) {
            return Err(ApiError::bad_parameter(name, "contains control characters"));
        }
        Ok(Some(v))
    }

    /// An integer parameter within `range`.
    pub fn int(&self, name: &str, range: RangeInclusive<i64>) -> ApiResult<Option<i64>> {
        let Some(v) = self.raw(name) else {
            return Ok(None);
        };
        let n: i64 = v
            .parse()
            .map_err(|_| ApiError::bad_parameter(name, "must be an integer"))?;
        if !range.contains(&n) {
            return Err(ApiError::bad_parameter(
                name,
                format!("must be {} to {}", range.start(), range.end()),
            ));
        }
        Ok(Some(n))
    }

    /// An id parameter (a positive integer).
    pub fn id(&self, name: &str) -> ApiResult<Option<i64>> {
        self.int(name, 1..=i64::MAX)
    }

    /// `true` or `false`.
    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.raw(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::bad_parameter(name, "must be true or false")),
        }
    }
}

/// A parameter name as echoed back in an error: at most 64 characters.
fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// The `{id}` of the path.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad_parameter("id", "not a valid path"))?;
        let raw = params
            .iter()
            .find(|(k, _)| *k == "id")
            .map(|(_, v)| v)
            .ok_or_else(|| ApiError::bad_parameter("id", "missing"))?;
        raw.parse::<i64>()
            .map(PathId)
            .map_err(|_| ApiError::bad_parameter("id", "must be an integer"))
    }
}

/// The agent whose token the request carries (put there by `auth::require_token`).
#[derive(Debug, Clone)]
pub struct Authed {
    pub agent: Agent,
    pub token: String,
}

impl Authed {
    /// 403 unless the agent's role is at least `role`.
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.agent.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "needs the {} role or higher",
                role.as_str()
            )))
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::Agent(self.agent.id)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        parts
            .extensions
            .get::<Authed>()
            .cloned()
            .ok_or_else(|| ApiError::unauthenticated("a login token is needed", "Bearer"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        summary: String,
        rating: Option<i64>,
    }

    #[test]
    fn json_errors_name_the_field_or_the_position() {
        let e = parse_json::<T>(b"{\"summary\": ").expect_err("eof");
        assert_eq!((e.status.as_u16(), e.code), (400, "malformed_json"));
        assert!(e.message.contains("line 1"), "{}", e.message);
        let e = parse_json::<T>(b"{}").expect_err("missing");
        assert_eq!(
            (e.status.as_u16(), e.field.as_deref()),
            (422, Some("summary"))
        );
        let e = parse_json::<T>(b"{\"summary\":\"a\",\"x\":1}").expect_err("unknown");
        assert_eq!((e.status.as_u16(), e.field.as_deref()), (422, Some("x")));
        let e = parse_json::<T>(b"{\"summary\":\"a\",\"rating\":\"five\"}").expect_err("type");
        assert_eq!(
            (e.status.as_u16(), e.field.as_deref()),
            (422, Some("rating"))
        );
        let e = parse_json::<T>(b"{\"summary\":\"a\"} x").expect_err("trailing");
        assert_eq!(e.status.as_u16(), 400);
        assert!(parse_json::<T>(b" {\"summary\":\"a\"} \n").is_ok());
    }

    #[test]
    fn content_types() {
        let ok = |s: &'static str| is_json(Some(&header::HeaderValue::from_static(s)));
        assert!(ok("application/json"));
        assert!(ok("Application/JSON; charset=utf-8"));
        assert!(ok("application/merge-patch+json"));
        assert!(!ok("text/plain"));
        assert!(!ok("application/jsonx"));
        assert!(!is_json(None));
    }
}
