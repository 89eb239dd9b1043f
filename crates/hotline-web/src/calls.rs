//! Call records for the desktop and supervisors: the list (newest first), one call with the
//! tickets it is linked to, and linking a call to a ticket.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::Json;
use hotline_store::{Call, CallFilter, StoreError};
use serde::{Deserialize, Serialize};

/// `GET /api/calls?customer=&agent=&since=&until=&limit=`, or `?call_ref=` alone (the
/// engine's reference of a call, as in a screen pop: that call's record, if written yet).
pub async fn list(State(s): State<Shared>, _: Authed, q: Params) -> ApiResult<Json<Vec<Call>>> {
    let q = q.only(&["customer", "agent", "since", "until", "limit", "call_ref"])?;
    if let Some(r) = q.text("call_ref")? {
        if ["customer", "agent", "since", "until", "limit"]
            .iter()
            .any(|p| q.text(p).ok().flatten().is_some())
        {
            return Err(ApiError::bad_parameter("call_ref", "give it alone"));
        }
        return Ok(Json(s.store.call_by_ref(r).await?.into_iter().collect()));
    }
    let filter = CallFilter {
        customer_id: q.id("customer")?,
        agent_id: q.id("agent")?,
        since: q.int("since", 0..=i64::MAX / 2)?,
        until: q.int("until", 0..=i64::MAX / 2)?,
        limit: q.int("limit", 1..=500)?.unwrap_or(50),
    };
    Ok(Json(s.store.list_calls(&filter).await?))
}

/// A call with the tickets it is linked to.
#[derive(Serialize)]
pub struct CallDetail {
    call: Call,
    ticket_ids: Vec<i64>,
}

async fn call_detail(s: &Shared, id: i64) -> ApiResult<CallDetail> {
    let call = s
        .store
        .call(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("call {id} not found")))?;
    let ticket_ids = s.store.call_ticket_ids(id).await?;
    Ok(CallDetail { call, ticket_ids })
}

/// `GET /api/calls/{id}`.
pub async fn detail(
    State(s): State<Shared>,
    _: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<CallDetail>> {
    q.only(&[])?;
    Ok(Json(call_detail(&s, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    ticket_id: i64,
}

/// `POST /api/calls/{id}/tickets`: links the call to a ticket (again is no change); 200 with
/// the call's detail.
pub async fn link_ticket(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<LinkBody>,
) -> ApiResult<Json<CallDetail>> {
    match s.store.link_call_ticket(id, b.ticket_id, s.now()).await {
        Ok(()) => {}
        // The path names the call; a ticket that does not exist is a bad field.
        Err(StoreError::NotFound { what: "ticket", .. }) => {
            return Err(ApiError::invalid("ticket_id", "no such ticket"))
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(
        call = id,
        ticket = b.ticket_id,
        agent = who.agent.id,
        "call linked"
    );
    Ok(Json(call_detail(&s, id).await?))
}
