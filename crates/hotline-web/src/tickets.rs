//! Tickets (工单): the list (overdue first, as the store orders it), opening one (linked to
//! the call it came from), the detail with its history, lifecycle transitions, comments and
//! district assignment. The lifecycle rules are the store's; this module turns JSON into the
//! store's types, naming the field that is wrong.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::Json;
use hotline_store::{
    lifecycle, Action, NewTicket, Priority, Role, Status, StoreError, Ticket, TicketDetail,
    TicketFilter, TransitionInput,
};
use serde::{Deserialize, Serialize};

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("ticket {id} not found"))
}

/// Longest "due soon" window accepted, in minutes (a week).
const MAX_DUE_SOON_MINUTES: i64 = 7 * 24 * 60;

/// `GET /api/tickets?status=&kind=&district=&customer=&priority=&overdue=&due_soon=&mine=&limit=&offset=`
/// (`due_soon`: minutes; a deadline not met falls within them, overdue ones included;
/// `mine`: opened or handled by the caller).
pub async fn list(State(s): State<Shared>, who: Authed, q: Params) -> ApiResult<Json<Vec<Ticket>>> {
    let q = q.only(&[
        "status", "kind", "district", "customer", "priority", "overdue", "due_soon", "mine",
        "limit", "offset",
    ])?;
    let status = match q.text("status")? {
        Some(v) => Some(Status::parse(v).ok_or_else(|| {
            let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::bad_parameter("status", format!("one of {}", all.join(", ")))
        })?),
        None => None,
    };
    let kind = match q.text("kind")? {
        Some(k) if s.store.policy().kind(k).is_none() => {
            return Err(ApiError::bad_parameter("kind", known_kinds(&s)));
        }
        k => k.map(str::to_string),
    };
    let priority = match q.text("priority")? {
        Some(p) => Some(Priority::parse(p).ok_or_else(|| {
            let all: Vec<&str> = Priority::ALL.iter().map(|p| p.as_str()).collect();
            ApiError::bad_parameter("priority", format!("one of {}", all.join(", ")))
        })?),
        None => None,
    };
    let now = s.now();
    let filter = TicketFilter {
        status,
        kind,
        district_id: q.id("district")?,
        customer_id: q.id("customer")?,
        priority,
        overdue_only: q.bool("overdue")?.unwrap_or(false),
        due_before: q
            .int("due_soon", 1..=MAX_DUE_SOON_MINUTES)?
            .map(|m| now + m * 60_000),
        agent_id: q.bool("mine")?.unwrap_or(false).then_some(who.agent.id),
        limit: q.int("limit", 1..=500)?.unwrap_or(100),
        offset: q.int("offset", 0..=1_000_000_000)?.unwrap_or(0),
    };
    Ok(Json(s.store.list_tickets(&filter, now).await?))
}

fn known_kinds(s: &Shared) -> String {
    let kinds: Vec<&str> = s.store.policy().kinds.keys().map(String::as_str).collect();
    format!("one of {}", kinds.join(", "))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    kind: String,
    priority: Option<String>,
    customer_id: Option<i64>,
    district_id: Option<i64>,
    address: Option<String>,
    summary: String,
    reporter_phone: Option<String>,
    reporter_name: Option<String>,
    call_id: Option<i64>,
}

fn parse_priority(p: &str) -> ApiResult<Priority> {
    Priority::parse(p).ok_or_else(|| {
        let all: Vec<&str> = Priority::ALL.iter().map(|p| p.as_str()).collect();
        ApiError::invalid("priority", format!("one of {}", all.join(", ")))
    })
}

/// `POST /api/tickets`: 201 with the ticket and its `Location`.
pub async fn create(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<CreateBody>,
) -> ApiResult<(StatusCode, HeaderMap, Json<Ticket>)> {
    if b.kind.is_empty() {
        return Err(ApiError::invalid("kind", "must not be empty"));
    }
    if b.reporter_phone
        .as_deref()
        .is_some_and(|p| p.chars().count() > 64)
    {
        return Err(ApiError::invalid("reporter_phone", "not a phone number"));
    }
    let new = NewTicket {
        kind: b.kind,
        priority: b.priority.as_deref().map(parse_priority).transpose()?,
        customer_id: b.customer_id,
        district_id: b.district_id,
        address: b.address,
        summary: b.summary,
        summaries: Vec::new(),
        reporter_phone: b.reporter_phone,
        reporter_name: b.reporter_name,
        call_id: b.call_id,
    };
    let t = s.store.create_ticket(&new, who.actor(), s.now()).await?;
    tracing::info!(ticket = t.id, kind = %t.kind, agent = who.agent.id, "ticket opened");
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/tickets/{}", t.id)) {
        headers.insert(header::LOCATION, v);
    }
    Ok((StatusCode::CREATED, headers, Json(t)))
}

/// A ticket's detail with what the caller may do to it now.
#[derive(Serialize)]
pub struct DetailAnswer {
    #[serde(flatten)]
    detail: TicketDetail,
    /// The lifecycle actions the ticket's status allows now for this user.
    actions: Vec<Action>,
}

fn with_actions(detail: TicketDetail, who: &Authed) -> DetailAnswer {
    let actions = allowed_for(who, detail.ticket.status);
    DetailAnswer { detail, actions }
}

/// The actions `who` may take on a ticket in status `st`.
fn allowed_for(who: &Authed, st: Status) -> Vec<Action> {
    if who.agent.role == Role::Crew {
        lifecycle::allowed_for_crew(st)
    } else {
        lifecycle::allowed(st)
    }
}

/// `GET /api/tickets/{id}`: the ticket, its events in order, the calls about it and the
/// actions allowed now.
pub async fn detail(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<DetailAnswer>> {
    q.only(&[])?;
    let d = s
        .store
        .ticket_detail(id, s.now())
        .await?
        .ok_or_else(|| not_found(id))?;
    crate::crews::check_district(&who, &d.ticket)?;
    Ok(Json(with_actions(d, &who)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    action: String,
    note: Option<String>,
    district_id: Option<i64>,
    /// For `dispatch`: where the crew goes, when the ticket has no address (or it changes).
    address: Option<String>,
    rating: Option<i64>,
    /// The version the client last saw; the change is refused (409) if it moved on.
    version: Option<i64>,
}

/// `POST /api/tickets/{id}/transitions`: 200 with the ticket after the change.
pub async fn transition(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<TransitionBody>,
) -> ApiResult<Json<Ticket>> {
    let action = Action::parse(&b.action).ok_or_else(|| {
        let all: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        ApiError::invalid("action", format!("one of {}", all.join(", ")))
    })?;
    if let Some(r) = b.rating {
        if action != Action::Rate {
            return Err(ApiError::invalid("rating", "only with the rate action"));
        }
        if !(1..=5).contains(&r) {
            return Err(ApiError::invalid("rating", "must be 1 to 5"));
        }
    }
    if b.district_id.is_some() && action != Action::Dispatch {
        return Err(ApiError::invalid(
            "district_id",
            "only with the dispatch action",
        ));
    }
    if b.address.is_some() && action != Action::Dispatch {
        return Err(ApiError::invalid(
            "address",
            "only with the dispatch action",
        ));
    }
    let note = b.note.unwrap_or_default();
    hotline_store::tickets::check_text("note", &note, false)?;
    if let Some(what) = lifecycle::note_needed(action) {
        if note.trim().is_empty() {
            return Err(ApiError::invalid(
                "note",
                format!("{} needs a note with {what}", action.as_str()),
            ));
        }
    }
    // A dispatch names its district every time: the one proposed is confirmed by the agent,
    // never taken by default.
    if action == Action::Dispatch && b.district_id.is_none() {
        return Err(ApiError::invalid(
            "district_id",
            "dispatch needs the district confirmed: give district_id",
        ));
    }
    let crew_district = crate::crews::crew_district(&who)?;
    if crew_district.is_some() && !matches!(action, Action::Start | Action::Reply | Action::Return)
    {
        return Err(ApiError::forbidden(format!(
            "a crew may start, reply or return, not {}",
            action.as_str()
        )));
    }
    let input = TransitionInput {
        crew_district,
        district_id: b.district_id,
        address: b.address,
        rating: b.rating,
        note,
        expected_version: b.version,
    };
    let now = s.now();
    let t = match s
        .store
        .transition(id, action, &input, who.actor(), now)
        .await
    {
        Ok(t) => t,
        Err(e @ (StoreError::Conflict(_) | StoreError::Illegal(_))) => {
            // The loser of a race is told where the ticket is now.
            let current = s.store.ticket(id, now).await?;
            let mut err = ApiError::from(e);
            if let Some(c) = current {
                err = err.with_current(serde_json::json!({
                    "status": c.status,
                    "version": c.version,
                    "actions": allowed_for(&who, c.status),
                }));
            }
            return Err(err);
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(ticket = id, %action, agent = who.agent.id, "ticket transition");
    Ok(Json(t))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    note: String,
}

/// `POST /api/tickets/{id}/comments`: 201 with the ticket's detail (history included).
pub async fn comment(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<CommentBody>,
) -> ApiResult<(StatusCode, Json<DetailAnswer>)> {
    let now = s.now();
    s.store.comment(id, &b.note, who.actor(), now).await?;
    let detail = s
        .store
        .ticket_detail(id, now)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok((StatusCode::CREATED, Json(with_actions(detail, &who))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictBody {
    district_id: i64,
}

/// `PUT /api/tickets/{id}/district`: 200 with the ticket.
pub async fn assign_district(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<DistrictBody>,
) -> ApiResult<Json<Ticket>> {
    let now = s.now();
    if s.store.ticket(id, now).await?.is_none() {
        return Err(not_found(id));
    }
    s.store
        .assign_district(id, b.district_id, who.actor(), now)
        .await?;
    s.store
        .ticket(id, now)
        .await?
        .map(Json)
        .ok_or_else(|| not_found(id))
}
