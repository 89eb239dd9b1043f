//! Call control from the desktop, for the call the agent is connected to now:
//! `POST /api/acd/me/call/hangup`, `POST /api/acd/me/call/hold` `{"on": true|false}` (the
//! caller hears music while held) and `POST /api/acd/me/call/transfer` `{"queue": "billing"}`
//! (back into a queue, the agent released) or `{"flow": "survey"}` (back to an IVR flow).
//! The engine's call controller carries them out; an agent with no call gets a 409.

use crate::acd::PortFuture;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody};
use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

pub use hotline_core::desk::{CallAction, ControlError};

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
            "you are on a call already",
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
}

/// `POST /api/acd/me/call/transfer`.
pub async fn transfer(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<TransferBody>,
) -> ApiResult<Json<Done>> {
    let action = match (b.queue, b.flow) {
        (Some(q), None) => CallAction::ToQueue(q),
        (None, Some(f)) => CallAction::ToFlow(f),
        _ => {
            return Err(ApiError::invalid(
                "queue",
                "give exactly one of `queue` and `flow`",
            ))
        }
    };
    act(&s, &who, action, "transfer").await
}
