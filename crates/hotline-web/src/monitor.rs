//! Supervision of an agent's call from the wall: `PUT /api/acd/agents/{id}/monitor`
//! `{"mode": "listen" | "whisper" | "barge"}` has the engine ring the supervisor's own phone
//! and, once answered, put it in the agent's call in that mode (asked again, the mode changes
//! during the call); `DELETE /api/acd/agents/{id}/monitor` leaves it. Supervisors (of the
//! agent's team, or the floor) and admins; every start, change, stop and refusal is an audit
//! entry (action `monitor`). The call controller answers 409 when the agent has no call
//! (`no_call`), the supervisor is on a call or monitors another one (`busy`), or the
//! supervisor's phone is not registered (`phone_offline`).

use crate::control::{CallAction, ControlError, Done};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, PathId};
use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotline_core::desk::MonitorMode;
use hotline_store::{Agent, Role};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorBody {
    mode: MonitorMode,
}

/// `PUT /api/acd/agents/{id}/monitor`.
pub async fn start(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<MonitorBody>,
) -> ApiResult<Json<Done>> {
    who.require(Role::Supervisor)?;
    let agent = target(&s, id).await?;
    let detail = format!("{} on the call of {}", b.mode.as_str(), agent.login);
    let answer = match allowed(&s, &who, &agent).await {
        Ok(()) => {
            let action = CallAction::Monitor {
                agent: id,
                mode: b.mode,
            };
            act(&s, &who, action, &agent).await
        }
        Err(e) => Err(e),
    };
    audit(&s, &who, id, detail, answer.as_ref().err()).await;
    answer.map(|()| Json(Done::new(b.mode.as_str())))
}

/// `DELETE /api/acd/agents/{id}/monitor`.
pub async fn stop(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
) -> ApiResult<Json<Done>> {
    who.require(Role::Supervisor)?;
    let agent = target(&s, id).await?;
    let answer = act(&s, &who, CallAction::StopMonitor, &agent).await;
    let detail = format!("leave the call of {}", agent.login);
    audit(&s, &who, id, detail, answer.as_ref().err()).await;
    answer.map(|()| Json(Done::new("stopped")))
}

async fn target(s: &Shared, id: i64) -> ApiResult<Agent> {
    s.store
        .agent(id)
        .await?
        .filter(|a| a.active && a.role != Role::Crew)
        .ok_or_else(|| ApiError::not_found(format!("no active agent {id}")))
}

/// 403 unless `who` supervises `agent`.
async fn allowed(s: &Shared, who: &Authed, agent: &Agent) -> ApiResult<()> {
    if crate::teams::supervises(s, &who.agent, Some(agent.id)).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "supervisors of team {} may monitor their team's agents only",
            who.agent.team
        )))
    }
}

async fn act(s: &Shared, who: &Authed, action: CallAction, agent: &Agent) -> ApiResult<()> {
    let port = s.calls.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "call control is not available",
        )
    })?;
    let conflict = |code, message: String| Err(ApiError::new(StatusCode::CONFLICT, code, message));
    match port.act(who.agent.id, action).await {
        Ok(()) => Ok(()),
        Err(ControlError::NoCall) => conflict(
            "no_call",
            format!(
                "{} is not on a call you monitor or could monitor",
                agent.login
            ),
        ),
        Err(ControlError::Busy) => conflict(
            "busy",
            "you are on a call or monitoring another one".to_string(),
        ),
        Err(ControlError::PhoneOffline) => conflict(
            "phone_offline",
            "your phone is not registered: the engine rings it to monitor".to_string(),
        ),
        Err(ControlError::Invalid(field, why)) => Err(ApiError::invalid(field, why)),
        Err(ControlError::NotAllowed(why)) => Err(ApiError::forbidden(why)),
        Err(ControlError::NoRoute | ControlError::Unavailable) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "call control is not available",
        )),
    }
}

async fn audit(s: &Shared, who: &Authed, agent: i64, detail: String, refused: Option<&ApiError>) {
    let outcome = crate::audit_trail::outcome(refused);
    tracing::info!(target: "audit", supervisor = who.agent.id, agent, %detail, %outcome, "monitoring");
    let entry = hotline_store::NewAuditEvent {
        actor_agent_id: Some(who.agent.id),
        actor: who.agent.login.clone(),
        action: "monitor".into(),
        target_agent_id: Some(agent),
        detail,
        outcome,
        ..hotline_store::NewAuditEvent::default()
    };
    crate::audit_trail::store(s, &entry, s.now()).await;
}
