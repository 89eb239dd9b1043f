//! The webhook outbox's dead letters for admins: deliveries the engine gave up on after their
//! last attempt (`GET /api/webhooks/dead`), and putting one back in line
//! (`POST /api/webhooks/dead/{id}/retry`). The deliveries themselves are the engine's.

use crate::error::ApiResult;
use crate::extract::{Authed, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::Json;
use hotline_store::outbox::DeadLetter;
use hotline_store::Role;
use serde_json::{json, Value};

/// `GET /api/webhooks/dead?limit=`: newest first.
pub async fn dead(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<DeadLetter>>> {
    who.require(Role::Admin)?;
    let q = q.only(&["limit"])?;
    let limit = q.int("limit", 1..=1000)?.unwrap_or(100);
    Ok(Json(s.store.dead_letters(limit).await?))
}

/// `POST /api/webhooks/dead/{id}/retry`: the delivery is tried again at once, its attempts
/// counted afresh.
pub async fn retry(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
) -> ApiResult<Json<Value>> {
    who.require(Role::Admin)?;
    s.store.retry_dead_letter(id, s.now()).await?;
    tracing::info!(
        delivery = id,
        agent = who.agent.id,
        "dead letter put back in line"
    );
    Ok(Json(json!({"id": id, "status": "pending"})))
}
