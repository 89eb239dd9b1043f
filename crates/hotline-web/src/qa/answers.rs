//! The evaluated agent's answer to an evaluation (`POST /api/qa/evaluations/{id}/acknowledge`
//! with an optional note, `…/dispute` with the note required) and the answer to a dispute
//! (`…/resolve`, by an evaluator, an admin or a supervisor of the agent; revise the score
//! first with `PUT` if it changes). Each is an audit entry of action `qa`.

use axum::extract::State;
use axum::Json;
use hotline_store::{AgentAnswer, Evaluation, Role};
use serde::Deserialize;

use super::{audit, find, may_assess};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, PathId};
use crate::Shared;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    #[serde(default)]
    note: Option<String>,
}

/// `POST /api/qa/evaluations/{id}/acknowledge` `{"note"?}`.
pub async fn acknowledge(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<NoteBody>,
) -> ApiResult<Json<Evaluation>> {
    answer(s, who, id, AgentAnswer::Acknowledge(b.note)).await
}

/// `POST /api/qa/evaluations/{id}/dispute` `{"note"}`.
pub async fn dispute(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<NoteBody>,
) -> ApiResult<Json<Evaluation>> {
    let note = b
        .note
        .ok_or_else(|| ApiError::invalid("note", "say what you dispute"))?;
    answer(s, who, id, AgentAnswer::Dispute(note)).await
}

async fn answer(s: Shared, who: Authed, id: i64, a: AgentAnswer) -> ApiResult<Json<Evaluation>> {
    who.require(Role::Agent)?;
    let now = s.now();
    let word = match a {
        AgentAnswer::Acknowledge(_) => "acknowledge",
        AgentAnswer::Dispute(_) => "dispute",
    };
    let answer = s
        .store
        .answer_evaluation(id, who.agent.id, &a, now)
        .await
        .map_err(ApiError::from);
    audit(
        &s,
        &who,
        format!("{word} evaluation {id}"),
        answer.as_ref().err(),
        now,
    )
    .await;
    answer.map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    note: String,
}

/// `POST /api/qa/evaluations/{id}/resolve` `{"note"}`: closes a dispute.
pub async fn resolve(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ResolveBody>,
) -> ApiResult<Json<Evaluation>> {
    let now = s.now();
    let answer = async {
        let e = find(&s, id).await?;
        if e.agent_id == who.agent.id {
            return Err(ApiError::forbidden(
                "an agent does not resolve a dispute of their own evaluation",
            ));
        }
        may_assess(&s, &who, Some(e.agent_id)).await?;
        Ok(s.store
            .resolve_evaluation(id, who.agent.id, &b.note, now)
            .await?)
    }
    .await;
    audit(
        &s,
        &who,
        format!("resolve the dispute of evaluation {id}"),
        answer.as_ref().err(),
        now,
    )
    .await;
    answer.map(Json)
}
