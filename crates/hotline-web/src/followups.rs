//! Follow-up calls (回访) for agents: the list due now, and the result of one call (reached
//! with a rating, or not reached, to be retried later by the store's policy).

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::Json;
use hotline_store::tickets::MAX_TEXT;
use hotline_store::{FollowUp, FollowUpResult};
use serde::{Deserialize, Serialize};

/// `GET /api/followups/due?limit=`: oldest due first.
pub async fn due(State(s): State<Shared>, _: Authed, q: Params) -> ApiResult<Json<Vec<FollowUp>>> {
    let q = q.only(&["limit"])?;
    let limit = q.int("limit", 1..=500)?.unwrap_or(50);
    Ok(Json(s.store.due_followups(s.now(), limit).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    reached: bool,
    rating: Option<i64>,
    note: Option<String>,
}

#[derive(Serialize)]
pub struct ResultAnswer {
    id: i64,
    /// `pending` (to be tried again), `reached` or `not_reached` (given up).
    status: String,
}

/// `POST /api/followups/{id}/result`.
pub async fn record_result(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ResultBody>,
) -> ApiResult<Json<ResultAnswer>> {
    let note = b.note.unwrap_or_default();
    // The store does not check this note (it checks those of tickets): the same rules here.
    if note.chars().count() > MAX_TEXT {
        return Err(ApiError::invalid(
            "note",
            format!("longer than {MAX_TEXT} characters"),
        ));
    }
    if note.contains('\0') {
        return Err(ApiError::invalid("note", "contains a NUL character"));
    }
    let result = match (b.reached, b.rating) {
        (_, Some(r)) if !(1..=5).contains(&r) => {
            return Err(ApiError::invalid("rating", "must be 1 to 5"))
        }
        (false, Some(_)) => {
            return Err(ApiError::invalid(
                "rating",
                "only when the customer was reached",
            ))
        }
        (true, rating) => FollowUpResult::Reached { rating },
        (false, None) => FollowUpResult::NotReached,
    };
    let status = s
        .store
        .record_followup(id, &result, note.trim(), who.agent.id, s.now())
        .await?;
    Ok(Json(ResultAnswer { id, status }))
}

/// `POST /api/followups/{id}/call`: click-to-call. The engine rings the agent's phone, then
/// dials the follow-up's number (the reporter's, else the customer's) through the outbound
/// route and bridges them; the result is recorded afterwards with `/result`.
pub async fn call(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
) -> ApiResult<Json<crate::control::Done>> {
    let f = s
        .store
        .followup(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no follow-up {id}")))?;
    let number = f.phone.ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "no_number",
            "this follow-up has no number to call",
        )
    })?;
    crate::control::act(
        &s,
        &who,
        crate::control::CallAction::Dial(number),
        "dialling",
    )
    .await
}
