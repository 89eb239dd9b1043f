//! Call control from the desktop, for the call the agent is connected to now:
//! `POST /api/acd/me/call/hangup`, `POST /api/acd/me/call/hold` `{"on": true|false}` (the
//! caller hears music while held) and `POST /api/acd/me/call/transfer` `{"queue": "billing"}`
//! (back into a queue, the agent released), `{"flow": "survey"}` (back to an IVR flow),
//! `{"agent": 12}` or `{"number": "…"}` (blind: the agent released, the caller held until the
//! target answers); consult first with `POST /api/acd/me/call/consult` `{"agent"|"number"}`,
//! then `…/complete`, `…/cancel` or `…/conference`; `…/mute` `{"on": true|false}`.
//! The engine's call controller carries them out; an agent with no call gets a 409.

use crate::acd::PortFuture;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody};
use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

pub use hotline_core::desk::{CallAction, ControlError, TransferTarget};

/// The engine's call controller as the API reaches it.
pub trait CallPort: Send + Sync {
    /// Applies `action` to the call agent `agent` is connected to.
    fn act(&self, agent: i64, action: CallAction) -> PortFuture<'_, Result<(), ControlError>>;
}

/// What was done.
#[derive(Serialize)]
pub struct Done {
    done: &'static str,
}

impl Done {
    pub(crate) fn new(done: &'static str) -> Done {
        Done { done }
    }
}

pub(crate) async fn act(
    s: &Shared,
    who: &Authed,
    action: CallAction,
    done: &'static str,
) -> ApiResult<Json<Done>> {
    let port = s.calls.as_deref().ok_or_else(unavailable)?;
    match port.act(who.agent.id, action).await {
        Ok(()) => Ok(Json(Done { done })),
        Err(ControlError::NoCall) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_call",
            "you are not connected to a call",
        )),
        Err(ControlError::Busy) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "busy",
            "not now: you are on a call already, or a consultation or monitoring is in progress \
             (complete, cancel or end it first)",
        )),
        Err(ControlError::NoRoute) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_route",
            "no outbound route is configured (acd.callback_gateway)",
        )),
        Err(ControlError::PhoneOffline) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "phone_offline",
            "your phone is not registered",
        )),
        Err(ControlError::Invalid(field, why)) => Err(ApiError::invalid(field, why)),
        Err(ControlError::Unavailable) => Err(unavailable()),
        Err(ControlError::NotAllowed(why)) => Err(ApiError::forbidden(why).with_field("number")),
    }
}

fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "call control is not available",
    )
}

/// `POST /api/acd/me/call/hangup`.
pub async fn hangup(State(s): State<Shared>, who: Authed) -> ApiResult<Json<Done>> {
    act(&s, &who, CallAction::Hangup, "hangup").await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldBody {
    on: bool,
}

/// `POST /api/acd/me/call/hold`.
pub async fn hold(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<HoldBody>,
) -> ApiResult<Json<Done>> {
    let done = if b.on { "hold" } else { "unhold" };
    act(&s, &who, CallAction::Hold(b.on), done).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    queue: Option<String>,
    flow: Option<String>,
    agent: Option<i64>,
    number: Option<String>,
}

/// `POST /api/acd/me/call/transfer`: `queue` or `flow` (the caller goes there), or blind to
/// `agent` (their phone rings) or `number` (through the outbound route).
pub async fn transfer(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<TransferBody>,
) -> ApiResult<Json<Done>> {
    let action = match (b.queue, b.flow, b.agent, b.number) {
        (Some(q), None, None, None) => CallAction::ToQueue(q),
        (None, Some(f), None, None) => CallAction::ToFlow(f),
        (None, None, Some(a), None) => CallAction::TransferTo(TransferTarget::Agent(a)),
        (None, None, None, Some(n)) => CallAction::TransferTo(TransferTarget::Number(n)),
        _ => {
            return Err(ApiError::invalid(
                "queue",
                "give exactly one of `queue`, `flow`, `agent` and `number`",
            ))
        }
    };
    act(&s, &who, action, "transfer").await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsultBody {
    agent: Option<i64>,
    number: Option<String>,
    queue: Option<String>,
}

/// `POST /api/acd/me/call/consult` `{"agent": id}`, `{"queue": "billing"}` (its first free
/// qualified agent) or `{"number": "…"}`: the caller is held with music while the target is
/// called; the agent talks with it once it answers.
pub async fn consult(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<ConsultBody>,
) -> ApiResult<Json<Done>> {
    let target = match (b.agent, b.number, b.queue) {
        (Some(a), None, None) => TransferTarget::Agent(a),
        (None, Some(n), None) => TransferTarget::Number(n),
        (None, None, Some(q)) => TransferTarget::Agent(free_agent_of(&s, &who, &q).await?),
        _ => {
            return Err(ApiError::invalid(
                "agent",
                "give exactly one of `agent`, `queue` and `number`",
            ))
        }
    };
    act(&s, &who, CallAction::Consult(target), "consult").await
}

/// The first free qualified agent of queue `name` for `who` to consult
/// (`hotline_acd::free_agent_for`): 422 for an unknown queue, 409 `no_free_agent` when nobody
/// of it is free now.
async fn free_agent_of(s: &Shared, who: &Authed, name: &str) -> ApiResult<i64> {
    let acd = s.acd.as_deref().ok_or_else(unavailable)?;
    let queues = acd.queues();
    let queue = queues.iter().find(|q| q.name == name).ok_or_else(|| {
        let known: Vec<&str> = queues.iter().map(|q| q.name.as_str()).collect();
        ApiError::invalid("queue", format!("{name:?} is none of {}", known.join(", ")))
    })?;
    let snapshot = acd.snapshot().await.ok_or_else(unavailable)?;
    let skills = s
        .store
        .agents()
        .await?
        .into_iter()
        .map(|a| {
            let levels = a
                .skills
                .into_iter()
                .map(|(skill, level)| (skill, u8::try_from(level.clamp(0, 255)).unwrap_or(0)))
                .collect();
            (hotline_acd::AgentId(a.id), levels)
        })
        .collect();
    hotline_acd::free_agent_for(
        &snapshot,
        queue,
        &skills,
        hotline_acd::AgentId(who.agent.id),
    )
    .map(|a| a.0)
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "no_free_agent",
            format!("no agent of queue {name} is free now (ready, with a registered phone)"),
        )
        .with_field("queue")
    })
}

/// `POST /api/acd/me/call/complete`: the consulted target takes the caller.
pub async fn complete(State(s): State<Shared>, who: Authed) -> ApiResult<Json<Done>> {
    act(&s, &who, CallAction::CompleteTransfer, "complete").await
}

/// `POST /api/acd/me/call/cancel`: the consultation ends; back to the caller.
pub async fn cancel(State(s): State<Shared>, who: Authed) -> ApiResult<Json<Done>> {
    act(&s, &who, CallAction::CancelConsult, "cancel").await
}

/// `POST /api/acd/me/call/conference`: caller, agent and target all hear each other.
pub async fn conference(State(s): State<Shared>, who: Authed) -> ApiResult<Json<Done>> {
    act(&s, &who, CallAction::Conference, "conference").await
}

/// `POST /api/acd/me/call/mute` `{"on": true|false}`.
pub async fn mute(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<HoldBody>,
) -> ApiResult<Json<Done>> {
    let done = if b.on { "mute" } else { "unmute" };
    act(&s, &who, CallAction::Mute(b.on), done).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialBody {
    number: String,
}

/// `POST /api/acd/me/dial` `{"number": "…"}`: the dial pad. The agent's phone rings, then the
/// number is dialled through the outbound route (the dial rules of the agent's role apply: a
/// refusal is a 403 naming `number`); the desk gets the screen pop, the call record is
/// `outbound` with the agent.
pub async fn dial(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<DialBody>,
) -> ApiResult<Json<Done>> {
    act(&s, &who, CallAction::Dial(b.number), "dialling").await
}
