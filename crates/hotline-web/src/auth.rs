//! Logging in and out, and the token check in front of every endpoint but the public ones
//! (`/healthz`, `/metrics`, `/api/login`, `/api/openapi.json`). The store keeps only the
//! agents' SIP digest hashes, so a password is checked by computing the SHA-256 HA1
//! (`user:realm:password`) and comparing it in constant time; an unknown login and a wrong
//! password answer the same, after the same work.
//!
//! Logins are throttled per account and per source address (`throttle`): past a few failures
//! an attempt must wait, answered 429 with `Retry-After`, the right password included. The
//! source is the TCP peer's address (an IPv6 address counts by its /64); `X-Forwarded-For` is
//! never read, since any client can write it, so behind a reverse proxy every client shares
//! the proxy's address. Failures and the first refusal of each wait go to the audit trail
//! (the login tried, masked where it is a phone number; the address; the outcome) and every
//! attempt is counted for `/metrics`.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody};
use crate::throttle::{LoginThrottle, Outcome, ThrottlePolicy, Ticket, Verdict};
use crate::Shared;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use hotline_store::{Agent, Millis, NewAuditEvent, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

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

/// The login throttle and the counts of attempts, shared by every request.
pub(crate) struct Logins {
    throttle: Mutex<LoginThrottle>,
    succeeded: AtomicU64,
    failed: AtomicU64,
    throttled: AtomicU64,
}

/// What `/metrics` shows of logins: attempts by outcome since the start, and the accounts and
/// addresses that must wait now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginFigures {
    pub succeeded: u64,
    pub failed: u64,
    pub throttled: u64,
    pub waiting_accounts: u64,
    pub waiting_addresses: u64,
}

impl Logins {
    pub(crate) fn new(policy: ThrottlePolicy) -> Logins {
        Logins {
            throttle: Mutex::new(LoginThrottle::new(policy)),
            succeeded: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        }
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, LoginThrottle> {
        // The throttle's state stays consistent even if a holder panicked: every change is
        // one small step.
        self.throttle.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn figures(&self, now: Millis) -> LoginFigures {
        let (accounts, addresses) = self.throttle().waiting(now);
        LoginFigures {
            succeeded: self.succeeded.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            waiting_accounts: accounts as u64,
            waiting_addresses: addresses as u64,
        }
    }
}

/// An attempt the throttle let through; settled as not checked if the request goes away
/// before it is (a client that hangs up must not leave the account "in flight").
struct InFlight<'a> {
    logins: &'a Logins,
    ticket: Option<Ticket>,
    now: Millis,
}

impl InFlight<'_> {
    fn settle(mut self, outcome: Outcome) {
        if let Some(ticket) = self.ticket.take() {
            self.logins.throttle().settle(self.now, ticket, outcome);
        }
        let count = match outcome {
            Outcome::Succeeded => &self.logins.succeeded,
            Outcome::Failed => &self.logins.failed,
            Outcome::NotChecked => return,
        };
        count.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.logins
                .throttle()
                .settle(self.now, ticket, Outcome::NotChecked);
        }
    }
}

/// The client: the TCP peer's address (IPv4-mapped IPv6 as IPv4), and the key the throttle
/// counts it by.
pub(crate) struct Peer {
    pub addr: IpAddr,
    pub key: IpAddr,
}

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            // The router was served without `into_make_service_with_connect_info`: a bug in
            // the wiring, which would make every client one source.
            return Err(ApiError::internal(&"the client's address is unknown"));
        };
        let addr = addr.ip().to_canonical();
        Ok(Peer {
            addr,
            key: source_key(addr),
        })
    }
}

/// The throttle's key for an address: an IPv4 address itself, an IPv6 one its /64 (one host
/// usually holds a whole /64).
fn source_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// A login as it may be written down: a phone-number-like one masked (with the engine's one
/// mask, as in the logs), since people type their phone number where the login goes.
fn shown_login(login: &str) -> String {
    let digits = login.chars().filter(char::is_ascii_digit).count();
    let phone_like = digits >= 7
        && login
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
    if phone_like {
        hotline_core::mask(login)
    } else {
        login.to_string()
    }
}

/// Keeps a failed or throttled login in the audit trail (and the log).
async fn audit_login(s: &Shared, login: &str, agent: Option<i64>, from: IpAddr, outcome: String) {
    let actor = shown_login(login);
    tracing::info!(target: "audit", login = %actor, source = %from, outcome = %outcome, "login refused");
    let entry = NewAuditEvent {
        actor_agent_id: agent,
        actor,
        source: from.to_string(),
        action: "login".into(),
        detail: "POST /api/login".into(),
        outcome,
        ..NewAuditEvent::default()
    };
    crate::audit_trail::store(s, &entry, s.now()).await;
}

/// `POST /api/login`.
pub async fn login(
    State(s): State<Shared>,
    peer: Peer,
    JsonBody(b): JsonBody<LoginBody>,
) -> ApiResult<Json<LoginAnswer>> {
    if b.login.is_empty() || b.login.chars().count() > 64 {
        return Err(ApiError::invalid("login", "1 to 64 characters"));
    }
    if b.password.is_empty() || b.password.chars().count() > 1024 {
        return Err(ApiError::invalid("password", "1 to 1024 characters"));
    }
    let now = s.now();
    let from = peer.addr;
    let verdict = s.logins.throttle().admit(now, &b.login, peer.key);
    let attempt = match verdict {
        Verdict::Go(ticket) => InFlight {
            logins: &s.logins,
            ticket: Some(ticket),
            now,
        },
        Verdict::Wait {
            retry_after_ms,
            first,
        } => {
            s.logins.throttled.fetch_add(1, Ordering::Relaxed);
            let secs =
                u64::try_from(retry_after_ms.max(1).saturating_add(999) / 1000).unwrap_or(u64::MAX);
            if first {
                let outcome = format!("throttled: wait {secs} s (repeated failures)");
                audit_login(&s, &b.login, None, from, outcome).await;
            }
            return Err(ApiError::too_many(
                secs,
                format!("too many failed logins; try again in {secs} s"),
            ));
        }
    };
    // A database failure leaves the attempt unchecked (`InFlight`'s drop).
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
        agent => {
            attempt.settle(Outcome::Failed);
            let id = agent.map(|a| a.id);
            audit_login(
                &s,
                &b.login,
                id,
                from,
                "failed: wrong login or password".into(),
            )
            .await;
            return Err(bad_login());
        }
    };
    attempt.settle(Outcome::Succeeded);
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
            if agent.role == hotline_store::Role::Crew
                && !crate::crews::crew_may_call(req.method(), req.uri().path())
            {
                return ApiError::forbidden("a crew's token reaches only the crew's work")
                    .into_response();
            }
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

    #[test]
    fn addresses_are_counted_by_host_and_ipv6_by_its_64() {
        let key = |s: &str| source_key(s.parse::<IpAddr>().expect("address").to_canonical());
        assert_eq!(key("192.0.2.7").to_string(), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7").to_string(), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::99"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[test]
    fn phone_numbers_typed_as_a_login_are_masked() {
        assert_eq!(shown_login("zhangmin"), "zhangmin");
        assert_eq!(shown_login("1023"), "1023");
        assert_eq!(shown_login("13812345678"), "138******78");
        assert_eq!(shown_login("+86 138-1234-5678"), "+86************78");
        assert_eq!(shown_login("agent13812345678"), "agent13812345678");
    }
}
