//! Incidents (issue 19, item 3): one outage or burst main many callers report.
//! `GET /api/incidents` (every agent: the open ones; `all=true` the closed ones too) and
//! `GET /api/incidents/{id}`, each with its reporters (tickets, their calls, the caller's
//! phone, the first reporter marked for the reward); for supervisors and admins
//! `POST /api/incidents` (open one by hand: `district_id`, `kind`, `title`),
//! `POST /api/incidents/{id}/tickets` (`ticket_id`: link a ticket as a reporter; the first
//! dispatched ticket linked is the incident's dispatch, and the district's later IVR reports
//! join it) and `POST /api/incidents/{id}/close` (the district's next report is dispatched
//! again). Every change, applied or refused, is in the audit trail (action `incident`);
//! refusals are 422 naming the field. The rule opens incidents by itself (see the store's
//! `incidents`), in the IVR ticket's transaction.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::Json;
use hotline_store::incidents::{Incident, IncidentInput};
use hotline_store::{Millis, Role};
use serde::Deserialize;

/// An incident as a supervisor opens it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    district_id: i64,
    kind: String,
    title: String,
}

/// A ticket to link.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    ticket_id: i64,
}

/// `GET /api/incidents?all=`: the open incidents, or with `all=true` the last 200 of all,
/// newest first.
pub async fn list(State(s): State<Shared>, _: Authed, q: Params) -> ApiResult<Json<Vec<Incident>>> {
    let q = q.only(&["all"])?;
    let all = q.bool("all")?.unwrap_or(false);
    Ok(Json(s.store.incidents(all).await?))
}

/// `GET /api/incidents/{id}`.
pub async fn one(
    State(s): State<Shared>,
    _: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<Incident>> {
    q.only(&[])?;
    match s.store.incident(id).await? {
        Some(i) => Ok(Json(i)),
        None => Err(ApiError::not_found(format!("incident {id} not found"))),
    }
}

/// `POST /api/incidents`: 201 with the incident and its `Location`.
pub async fn open(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<OpenBody>,
) -> ApiResult<(StatusCode, HeaderMap, Json<Incident>)> {
    who.require(Role::Supervisor)?;
    let now = s.now();
    let input = IncidentInput {
        district_id: b.district_id,
        kind: b.kind,
        title: b.title,
    };
    let answer = s
        .store
        .open_incident(&input, &who.agent.login, now)
        .await
        .map_err(ApiError::from);
    audit(&s, &who, "open", None, &answer, now).await;
    let i = answer?;
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/incidents/{}", i.id)) {
        headers.insert(header::LOCATION, v);
    }
    Ok((StatusCode::CREATED, headers, Json(i)))
}

/// `POST /api/incidents/{id}/tickets`: links a ticket as a reporter.
pub async fn link(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<LinkBody>,
) -> ApiResult<Json<Incident>> {
    who.require(Role::Supervisor)?;
    let now = s.now();
    let answer = s
        .store
        .link_incident_ticket(id, b.ticket_id, now)
        .await
        .map_err(ApiError::from);
    let verb = format!("link ticket {} to", b.ticket_id);
    audit(&s, &who, &verb, Some(id), &answer, now).await;
    Ok(Json(answer?))
}

/// `POST /api/incidents/{id}/close`: closes it (kept as it was when closed already).
pub async fn close(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
) -> ApiResult<Json<Incident>> {
    who.require(Role::Supervisor)?;
    let now = s.now();
    let answer = s
        .store
        .close_incident(id, &who.agent.login, now)
        .await
        .map_err(ApiError::from);
    audit(&s, &who, "close", Some(id), &answer, now).await;
    Ok(Json(answer?))
}

/// Records a change in the audit trail (and the log); a failure to record is logged, the
/// change stands.
async fn audit(
    s: &Shared,
    who: &Authed,
    verb: &str,
    id: Option<i64>,
    answer: &ApiResult<Incident>,
    now: Millis,
) {
    let (detail, outcome) = match answer {
        Ok(i) => (
            format!(
                "{verb} incident {} ({}, district {}, {} reports)",
                i.id, i.kind, i.district_id, i.reports
            ),
            "applied".to_string(),
        ),
        Err(e) => (
            match id {
                Some(id) => format!("{verb} incident {id}"),
                None => format!("{verb} incident"),
            },
            crate::audit_trail::outcome(Some(e)),
        ),
    };
    crate::audit_trail::record(s, who, "incident", detail, outcome, now).await;
}
