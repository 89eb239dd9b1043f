//! Logging in and out, and the token check in front of every endpoint but `/healthz` and
//! `/api/login`. The store keeps only the agents' SIP digest hashes, so a password is checked
//! by computing the SHA-256 HA1 (`user:realm:password`) and comparing it in constant time; an
//! unknown login and a wrong password answer the same, after the same work.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody};
use crate::Shared;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use hotline_store::{Agent, Millis, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    login: String,
    password: String,
}

#[derive(Serialize)]
pub struct LoginAnswer {
    token: String,
    expires_at: Millis,
    agent: Agent,
}

/// Longest token accepted in a header (ours are 64 hex characters).
const MAX_TOKEN: usize = 256;

/// Hex SHA-256 of `user:realm:password`, the HA1 of SIP digest with SHA-256.
pub fn ha1_sha256(user: &str, realm: &str, password: &str) -> String {
    Sha256::digest(format!("{user}:{realm}:{password}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Equality whose time depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bad_login() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "wrong login or password",
    )
}

/// `POST /api/login`.
pub async fn login(
    State(s): State<Shared>,
    JsonBody(b): JsonBody<LoginBody>,
) -> ApiResult<Json<LoginAnswer>> {
    if b.login.is_empty() || b.login.chars().count() > 64 {
        return Err(ApiError::invalid("login", "1 to 64 characters"));
    }
    if b.password.is_empty() || b.password.chars().count() > 1024 {
        return Err(ApiError::invalid("password", "1 to 1024 characters"));
    }
    let found = s.store.agent_credentials(&b.login).await?;
    // An unknown login still costs one hash and one comparison.
    let (agent, user, expected) = match found {
        Some((agent, creds)) => (Some(agent), creds.sip_user, creds.ha1_sha256),
        None => (None, b.login.clone(), "-".repeat(64)),
    };
    let computed = ha1_sha256(&user, &s.realm, &b.password);
    let matches = constant_time_eq(
        computed.as_bytes(),
        expected.to_ascii_lowercase().as_bytes(),
    );
    let agent = match agent {
        Some(a) if matches => a,
        _ => {
            tracing::info!("login refused");
            return Err(bad_login());
        }
    };
    let now = s.now();
    let token = s.store.issue_token(agent.id, now).await?;
    tracing::info!(agent = agent.id, "logged in");
    Ok(Json(LoginAnswer {
        token,
        expires_at: now.saturating_add(s.store.policy().token_ttl),
        agent,
    }))
}

#[derive(Serialize)]
pub struct Status {
    status: &'static str,
}

/// `POST /api/logout`: the token stops working.
pub async fn logout(State(s): State<Shared>, who: Authed) -> ApiResult<Json<Status>> {
    s.store.revoke_token(&who.token).await?;
    Ok(Json(Status {
        status: "logged_out",
    }))
}

/// `GET /api/me`.
pub async fn me(who: Authed) -> Json<Agent> {
    Json(who.agent)
}

/// The bearer token of a request, if it carries a well-formed one.
fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    let ok = scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && token.len() <= MAX_TOKEN
        && token.bytes().all(|b| b.is_ascii_graphic());
    ok.then_some(token)
}

/// Middleware: 401 unless the request carries a valid token; puts the agent in the request.
pub async fn require_token(State(s): State<Shared>, mut req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let Some(token) = bearer(&req).map(str::to_string) else {
        return ApiError::unauthenticated(
            "a login token is needed: Authorization: Bearer <token>",
            "Bearer",
        )
        .into_response();
    };
    match s.store.agent_for_token(&token, s.now()).await {
        Ok(agent) => {
            req.extensions_mut().insert(Authed { agent, token });
            next.run(req).await
        }
        Err(StoreError::Unauthenticated) => ApiError::unauthenticated(
            "the token is unknown, revoked or expired",
            "Bearer error=\"invalid_token\"",
        )
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ha1_is_hex_sha256_of_user_realm_password() {
        let h = ha1_sha256("1001", "hotline", "secret");
        assert_eq!(
            h,
            "ceaf51d05610e9e0762530bc66589f6a3265c1a4462084a8e2a914ec293b35c6"
        );
        assert_ne!(h, ha1_sha256("1001", "hotline", "secreT"));
        assert!(constant_time_eq(h.as_bytes(), h.as_bytes()));
        assert!(!constant_time_eq(b"ab", b"ac"));
        assert!(!constant_time_eq(b"ab", b"abc"));
    }
}
