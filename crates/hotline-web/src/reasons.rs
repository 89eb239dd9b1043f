//! Call reasons and notes from the desktop: the configured tree (`GET /api/call-reasons`),
//! the agent's reasons and note for the call just handled (`PUT /api/acd/me/wrapup`), a
//! call's reasons (`GET /api/calls/{id}/reasons`), and the wrap-up rule: where reasons are
//! required (`acd.wrapup_reasons_required`), an agent in wrap-up cannot end it (ready, not
//! ready, log out) before giving them — a 422 naming `reasons` — and the router holds a
//! wrap-up whose time is over until they are given (`Router::hold_wrap_up_for_reasons`):
//! giving them here tells the router, which then makes the agent ready.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::{AgentRequest, Shared};
use axum::extract::State;
use axum::Json;
use hotline_acd::AgentState;
use hotline_store::{CallReasons, ReasonCode, ReasonSource, Role};
use serde::Deserialize;

/// How far the router's clock (the wrap-up's start) and the API's may differ.
const CLOCK_ALLOWANCE_MS: i64 = 2_000;

/// `GET /api/call-reasons`: the tree, categories and reasons in their configured order.
pub async fn tree(
    State(s): State<Shared>,
    _: Authed,
    q: Params,
) -> ApiResult<Json<Vec<ReasonCode>>> {
    q.only(&[])?;
    Ok(Json(s.store.reason_tree().await?))
}

/// The body of `PUT /api/acd/me/wrapup`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrapupBody {
    /// The call's id (`call_ref` of its record, or of the screen pop).
    call_ref: String,
    /// Reason codes of the tree (`billing/query`), one or more.
    reasons: Vec<String>,
    note: Option<String>,
}

/// `PUT /api/acd/me/wrapup`: the reasons (and note) of a call the agent handled; given again,
/// they replace the earlier ones. A call whose record names another agent is a 403.
pub async fn wrapup(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<WrapupBody>,
) -> ApiResult<Json<CallReasons>> {
    if b.call_ref.is_empty() || b.call_ref.len() > 128 {
        return Err(ApiError::invalid("call_ref", "1 to 128 bytes"));
    }
    if let Some(call) = s.store.call_by_ref(&b.call_ref).await? {
        if call.agent_id.is_some_and(|a| a != who.agent.id) && who.agent.role < Role::Supervisor {
            return Err(ApiError::forbidden("the call was handled by another agent"));
        }
    }
    let saved = s
        .store
        .record_call_reasons(
            &b.call_ref,
            &b.reasons,
            b.note.as_deref(),
            ReasonSource::Agent(who.agent.id),
            s.now(),
        )
        .await?;
    if s.reasons_required {
        if let Some(acd) = s.acd.as_deref() {
            // The reasons are stored whatever the router says: an agent not logged in to the
            // ACD (a supervisor giving them afterwards) has no wrap-up to end.
            if let Err(e) = acd
                .agent_request(&who.agent, AgentRequest::ReasonsGiven)
                .await
            {
                tracing::debug!(agent = who.agent.id, error = ?e, "reasons given, no wrap-up held");
            }
        }
    }
    Ok(Json(saved))
}

/// `GET /api/calls/{id}/reasons`: a call's reasons and note.
pub async fn of_call(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<CallReasons>> {
    q.only(&[])?;
    let call = s
        .store
        .call(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no call {id}")))?;
    crate::call_access::may_see(&s, &who, &call).await?;
    Ok(Json(s.store.call_reasons(&call.call_ref).await?))
}

/// Refuses to end `agent`'s wrap-up (state `state` now) before its reasons are given, where
/// they are required and the tree has reasons.
pub(crate) async fn check_wrapup_end(
    s: &Shared,
    agent_id: i64,
    state: &AgentState,
) -> ApiResult<()> {
    let AgentState::WrapUp { since, .. } = state else {
        return Ok(());
    };
    if !s.reasons_required {
        return Ok(());
    }
    if !s.store.reason_tree().await?.iter().any(|r| r.pickable) {
        return Ok(());
    }
    if s.store
        .reasons_given_since(agent_id, since.saturating_sub(CLOCK_ALLOWANCE_MS))
        .await?
    {
        return Ok(());
    }
    Err(ApiError::invalid(
        "reasons",
        "give the call's reasons (PUT /api/acd/me/wrapup) before ending wrap-up",
    ))
}
