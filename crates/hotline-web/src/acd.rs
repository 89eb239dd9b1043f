//! The ACD for the desktop and the wallboard: the queues and agents now (`GET /api/acd`), an
//! agent's own state (`GET /api/acd/me`), and state changes (`PUT /api/acd/me/state` for the
//! agent, `PUT /api/acd/agents/{id}/state` for supervisors): log in, ready, not ready with a
//! reason (which also ends a wrap-up early), log out. The engine's router decides; a change it
//! refuses (ready while on a call, logging out while being rung) is a 409 naming both states.
//! Every state a supervisor forces is kept in the audit trail (`GET /api/audit`).

use std::future::Future;
use std::pin::Pin;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotline_acd::{AgentSnapshot, NotReadyReason, Refusal, Snapshot};
use hotline_store::{Agent, AuditEvent, NewAuditEvent, Role};
use serde::Deserialize;

/// A boxed future, for the object-safe [`AcdPort`].
pub type PortFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the desktop asks of the router for one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentRequest {
    /// Log in (the agent starts not ready, reason `login`).
    Login,
    Logout,
    /// Ready (from not ready, or ending a wrap-up early).
    Ready,
    NotReady(NotReadyReason),
    /// The agent gave the reasons of the call they are wrapping up (`PUT /api/acd/me/wrapup`):
    /// a wrap-up the router holds for them ends.
    ReasonsGiven,
}

impl AgentRequest {
    /// The request in the API's words: `ready`, `not_ready:break`, `logged_in`, `logged_out`.
    pub fn words(&self) -> String {
        match self {
            AgentRequest::Login => "logged_in".into(),
            AgentRequest::Logout => "logged_out".into(),
            AgentRequest::Ready => "ready".into(),
            AgentRequest::NotReady(r) => format!("not_ready:{r}"),
            AgentRequest::ReasonsGiven => "reasons_given".into(),
        }
    }
}

/// Why the router did not apply a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcdError {
    /// The router refused it; nothing changed.
    Refused(Refusal),
    /// The router is not running (the engine is stopping).
    Unavailable,
}

/// The engine's router as the API reaches it.
pub trait AcdPort: Send + Sync {
    /// Applies `request` for `agent` (the store's record: the engine builds the routing
    /// profile from it at login); the agent's state afterwards.
    fn agent_request<'a>(
        &'a self,
        agent: &'a Agent,
        request: AgentRequest,
    ) -> PortFuture<'a, Result<AgentSnapshot, AcdError>>;

    /// The queues and agents now; `None` when the router is not running.
    fn snapshot(&self) -> PortFuture<'_, Option<Snapshot>>;

    /// The queues' configuration in force.
    fn queues(&self) -> Vec<hotline_acd::QueueConfig>;
}

fn port(s: &Shared) -> ApiResult<&dyn AcdPort> {
    s.acd.as_deref().ok_or_else(unavailable)
}

fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the ACD is not running",
    )
}

/// `GET /api/acd`: every queue (waiting, longest wait, expected wait, counters) and agent
/// (state, since, registered, calls handled).
pub async fn overview(State(s): State<Shared>, _: Authed, q: Params) -> ApiResult<Json<Snapshot>> {
    q.only(&[])?;
    port(&s)?.snapshot().await.map(Json).ok_or_else(unavailable)
}

/// `GET /api/acd/me`: the caller's own state.
pub async fn me(State(s): State<Shared>, who: Authed, q: Params) -> ApiResult<Json<AgentSnapshot>> {
    q.only(&[])?;
    let snap = port(&s)?.snapshot().await.ok_or_else(unavailable)?;
    snap.agents
        .into_iter()
        .find(|a| a.id.0 == who.agent.id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("you have not logged in to the ACD since it started"))
}

/// The body of a state change: `{"state": "not_ready", "reason": "break"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateBody {
    /// `logged_in`, `ready`, `not_ready` or `logged_out`.
    state: String,
    /// For `not_ready`: `break`, `training`, `meeting`, or a code of up to 32 lowercase
    /// letters, digits and underscores.
    reason: Option<String>,
}

/// Longest reason code.
const MAX_REASON: usize = 32;

impl StateBody {
    fn request(self) -> ApiResult<AgentRequest> {
        let reason = self.reason;
        let no_reason = |r: AgentRequest| match &reason {
            Some(_) => Err(ApiError::invalid("reason", "only for `not_ready`")),
            None => Ok(r),
        };
        match self.state.as_str() {
            "logged_in" => no_reason(AgentRequest::Login),
            "logged_out" => no_reason(AgentRequest::Logout),
            "ready" => no_reason(AgentRequest::Ready),
            "not_ready" => {
                let r = reason.ok_or_else(|| {
                    ApiError::invalid("reason", "needed for `not_ready` (e.g. `break`)")
                })?;
                let well_formed = !r.is_empty()
                    && r.len() <= MAX_REASON
                    && r.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                if !well_formed {
                    return Err(ApiError::invalid(
                        "reason",
                        format!("1 to {MAX_REASON} lowercase letters, digits or `_`"),
                    ));
                }
                if r == "missed" || r == "login" {
                    return Err(ApiError::invalid(
                        "reason",
                        format!("`{r}` is set by the engine, not chosen"),
                    ));
                }
                let Ok(reason) = r.parse::<NotReadyReason>();
                Ok(AgentRequest::NotReady(reason))
            }
            other => Err(ApiError::invalid(
                "state",
                format!("`{other}`: one of logged_in, ready, not_ready, logged_out"),
            )),
        }
    }
}

/// `PUT /api/acd/me/state`.
pub async fn set_mine(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<StateBody>,
) -> ApiResult<Json<AgentSnapshot>> {
    let request = b.request()?;
    if matches!(
        request,
        AgentRequest::Ready | AgentRequest::NotReady(_) | AgentRequest::Logout
    ) {
        // Ending a wrap-up from the desktop: its call's reasons first, where required.
        if let Some(me) = port(&s)?
            .snapshot()
            .await
            .and_then(|snap| snap.agents.into_iter().find(|a| a.id.0 == who.agent.id))
        {
            crate::reasons::check_wrapup_end(&s, who.agent.id, &me.state).await?;
        }
    }
    apply(&s, &who.agent, request).await
}

/// `PUT /api/acd/agents/{id}/state`: supervisors and admins.
pub async fn set_agent(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<StateBody>,
) -> ApiResult<Json<AgentSnapshot>> {
    who.require(Role::Supervisor)?;
    let request = b.request()?;
    let agent = s
        .store
        .agent(id)
        .await?
        .filter(|a| a.active)
        .ok_or_else(|| ApiError::not_found(format!("no active agent {id}")))?;
    let asked = request.words();
    let answer = apply(&s, &agent, request).await;
    // The audit trail of forced states: who, whom, what, and whether it was applied; kept in
    // the store (`GET /api/audit`) and logged.
    let outcome = match &answer {
        Ok(_) => "applied".to_string(),
        Err(e) => format!("refused: {}", e.message),
    };
    tracing::info!(
        target: "audit",
        supervisor = who.agent.id,
        agent = id,
        request = %asked,
        outcome = %outcome,
        "a supervisor set an agent's ACD state"
    );
    let entry = NewAuditEvent {
        actor_agent_id: Some(who.agent.id),
        actor: who.agent.login.clone(),
        action: "acd_state".into(),
        target_agent_id: Some(id),
        detail: asked,
        outcome,
        ..NewAuditEvent::default()
    };
    crate::audit_trail::store(&s, &entry, s.now()).await;
    answer
}

/// The actions the audit trail holds (the `action` parameter of `GET /api/audit`).
const AUDIT_ACTIONS: [&str; 8] = [
    "acd_state",
    "campaign",
    "incident",
    "login",
    "monitor",
    "notice",
    "qa",
    "recording",
];

/// `GET /api/audit?limit=&action=`: the latest audit entries, newest first, of one action or
/// all (supervisors and admins).
pub async fn audit(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<AuditEvent>>> {
    who.require(Role::Supervisor)?;
    let q = q.only(&["limit", "action"])?;
    let limit = q.int("limit", 1..=500)?.unwrap_or(50);
    let action = q.text("action")?;
    if let Some(a) = action.filter(|a| !AUDIT_ACTIONS.contains(a)) {
        return Err(ApiError::bad_parameter(
            "action",
            format!("{a:?} is none of {}", AUDIT_ACTIONS.join(", ")),
        ));
    }
    Ok(Json(s.store.audit_events_of(action, limit).await?))
}

async fn apply(s: &Shared, agent: &Agent, request: AgentRequest) -> ApiResult<Json<AgentSnapshot>> {
    match port(s)?.agent_request(agent, request).await {
        Ok(snap) => Ok(Json(snap)),
        Err(AcdError::Unavailable) => Err(unavailable()),
        Err(AcdError::Refused(r)) => {
            Err(
                ApiError::new(StatusCode::CONFLICT, "illegal_state", r.to_string())
                    .with_field("state"),
            )
        }
    }
}
