//! Call records for the desktop and supervisors: the list (newest first), one call with the
//! tickets it is linked to, and linking a call to a ticket. Each reads only the calls its
//! reader may see (`call_access`: agents their own, supervisors their team's, qa and admins
//! all).

use crate::call_access::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::Json;
use hotline_store::{Call, CallFilter, StoreError};
use serde::{Deserialize, Serialize};

/// The search parameters of `GET /api/calls` (besides `call_ref`, which comes alone).
const SEARCH: [&str; 14] = [
    "customer", "agent", "since", "until", "phone", "account", "queue", "reason", "ticket",
    "min_secs", "max_secs", "survey", "limit", "call_ref",
];

/// Longest talk time a search may name, in seconds (a week).
const MAX_SECS: i64 = 7 * 86_400;

/// `GET /api/calls`: call records, newest first, filtered by `customer` (id), `agent` (id),
/// `since`/`until` (Unix ms, of the call's start), `phone` (the caller's number, whole or its
/// last digits), `account` (the identified customer's account number), `queue`, `reason` (a
/// code of the call-reason tree; a category takes its reasons), `ticket` (calls linked to
/// it), `min_secs`/`max_secs` (talk time), `survey` (lowest score), `limit`; or `?call_ref=`
/// alone (the engine's reference of a call, as in a screen pop: that call's record, if
/// written yet). A parameter not known or not valid is a 400 naming it. Only the calls the
/// reader may see are listed (an agent naming another `agent` is a 403, a crew is refused).
pub async fn list(State(s): State<Shared>, who: Authed, q: Params) -> ApiResult<Json<Vec<Call>>> {
    let q = q.only(&SEARCH)?;
    let scope = call_access::scope(&s, &who).await?;
    if let Some(r) = q.text("call_ref")? {
        if SEARCH
            .iter()
            .any(|p| *p != "call_ref" && q.text(p).ok().flatten().is_some())
        {
            return Err(ApiError::bad_parameter("call_ref", "give it alone"));
        }
        let Some(call) = s.store.call_by_ref(r).await? else {
            return Ok(Json(Vec::new()));
        };
        call_access::may_see(&s, &who, &call).await?;
        return Ok(Json(vec![call]));
    }
    let agent_id = q.id("agent")?;
    if let (Scope::Agent(me), Some(other)) = (&scope, agent_id) {
        if *me != other {
            return Err(ApiError::forbidden(
                "agent: agents may search their own calls only",
            ));
        }
    }
    let since = q.int("since", 0..=i64::MAX / 2)?;
    let until = q.int("until", 0..=i64::MAX / 2)?;
    if let (Some(a), Some(b)) = (since, until) {
        if b <= a {
            return Err(ApiError::bad_parameter("until", "must be after since"));
        }
    }
    let min_secs = q.int("min_secs", 0..=MAX_SECS)?;
    let max_secs = q.int("max_secs", 0..=MAX_SECS)?;
    if let (Some(a), Some(b)) = (min_secs, max_secs) {
        if b < a {
            return Err(ApiError::bad_parameter(
                "max_secs",
                "must not be less than min_secs",
            ));
        }
    }
    let filter = CallFilter {
        customer_id: q.id("customer")?,
        agent_id: match scope {
            Scope::Agent(me) => Some(me),
            _ => agent_id,
        },
        team: match scope {
            Scope::Team(team) => Some(team),
            _ => None,
        },
        since,
        until,
        phone: phone(&q)?,
        account: account(&q)?,
        queue: queue(&q)?,
        reasons: reasons(&s, &q).await?,
        ticket_id: q.id("ticket")?,
        min_talk_ms: min_secs.map(|v| v * 1000),
        // Talk time is kept in milliseconds: "at most 30 s" takes 30.9 s.
        max_talk_ms: max_secs.map(|v| v * 1000 + 999),
        min_survey: q.int("survey", 1..=5)?,
        limit: q.int("limit", 1..=500)?.unwrap_or(50),
    };
    Ok(Json(s.store.list_calls(&filter).await?))
}

/// `phone`: digits (a leading `+` allowed), 3 to 32; spaces and dashes as typed are dropped.
fn phone(q: &Params) -> ApiResult<Option<String>> {
    let Some(v) = q.text("phone")? else {
        return Ok(None);
    };
    let p: String = v.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = p.strip_prefix('+').unwrap_or(&p);
    if !(3..=32).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_parameter(
            "phone",
            "3 to 32 digits (a leading + allowed): the whole number or its last digits",
        ));
    }
    Ok(Some(p))
}

/// `account`: an account number, at most 64 characters, no spaces.
fn account(q: &Params) -> ApiResult<Option<String>> {
    let Some(v) = q.text("account")? else {
        return Ok(None);
    };
    if v.chars().count() > 64 || v.chars().any(char::is_whitespace) {
        return Err(ApiError::bad_parameter(
            "account",
            "an account number: at most 64 characters, no spaces",
        ));
    }
    Ok(Some(v.to_string()))
}

/// `queue`: a queue's name (letters, digits, `_` and `-`, at most 64).
fn queue(q: &Params) -> ApiResult<Option<String>> {
    let Some(v) = q.text("queue")? else {
        return Ok(None);
    };
    if v.len() > 64
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(ApiError::bad_parameter(
            "queue",
            "a queue's name: letters, digits, _ and -, at most 64",
        ));
    }
    Ok(Some(v.to_string()))
}

/// `reason`: a code of the tree; a category stands for itself and its reasons.
async fn reasons(s: &Shared, q: &Params) -> ApiResult<Vec<String>> {
    let Some(code) = q.text("reason")? else {
        return Ok(Vec::new());
    };
    let tree = s.store.reason_tree().await?;
    if !tree.iter().any(|r| r.code == code) {
        return Err(ApiError::bad_parameter(
            "reason",
            "not a code of the call-reason tree (GET /api/call-reasons)",
        ));
    }
    let under = format!("{code}/");
    Ok(tree
        .into_iter()
        .filter(|r| r.code == code || r.code.starts_with(&under))
        .map(|r| r.code)
        .collect())
}

/// A call with the tickets it is linked to.
#[derive(Serialize)]
pub struct CallDetail {
    call: Call,
    ticket_ids: Vec<i64>,
    /// Its other recordings (consultations), played with `GET /api/calls/{id}/recording?other=`.
    other_recordings: Vec<hotline_store::CallRecording>,
}

/// `call`'s detail, if `who` may see it.
async fn call_detail(s: &Shared, who: &Authed, id: i64) -> ApiResult<CallDetail> {
    let call = s
        .store
        .call(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("call {id} not found")))?;
    call_access::may_see(s, who, &call).await?;
    let ticket_ids = s.store.call_ticket_ids(id).await?;
    let other_recordings = s.store.call_recordings(id).await?;
    Ok(CallDetail {
        call,
        ticket_ids,
        other_recordings,
    })
}

/// `GET /api/calls/{id}`.
pub async fn detail(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<CallDetail>> {
    q.only(&[])?;
    Ok(Json(call_detail(&s, &who, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    ticket_id: i64,
}

/// `POST /api/calls/{id}/tickets`: links the call to a ticket (again is no change); 200 with
/// the call's detail. Only a call its sender may see (an agent: their own, or the one they
/// are on).
pub async fn link_ticket(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<LinkBody>,
) -> ApiResult<Json<CallDetail>> {
    let call = s
        .store
        .call(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("call {id} not found")))?;
    call_access::may_see(&s, &who, &call).await?;
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
    Ok(Json(call_detail(&s, &who, id).await?))
}
