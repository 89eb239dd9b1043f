//! District crews (role `crew`, bound to one district): what a crew token may call at all
//! (its district's work list and live changes, a ticket of its district, the crew's own
//! lifecycle actions and acknowledging a dispatch), and the admins' end (create a crew, list
//! them). A crew never reaches customers, calls, agents or the ACD: the token check turns
//! every other path into a 403.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use hotline_store::{Agent, NewAgent, Role, Ticket, TicketChange};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;

/// Whether a crew token may call `method path` at all (the district is checked after).
pub(crate) fn crew_may_call(method: &Method, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let id = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["", "api", "me" | "districts"]) | ("POST", ["", "api", "logout"]) => true,
        ("GET", ["", "api", "crew", "tickets" | "events" | "reports"]) => true,
        ("GET", ["", "api", "tickets", t]) => id(t),
        ("POST", ["", "api", "tickets", t, "transitions" | "acknowledge"]) => id(t),
        _ => false,
    }
}

/// For a crew, its district (403 when it has none); for the centre's roles, `None`.
pub(crate) fn crew_district(who: &Authed) -> ApiResult<Option<i64>> {
    if who.agent.role != Role::Crew {
        return Ok(None);
    }
    who.agent
        .district_id
        .map(Some)
        .ok_or_else(|| ApiError::forbidden("this crew has no district"))
}

/// 403 unless a crew's ticket is in its district (nothing to check for the centre).
pub(crate) fn check_district(who: &Authed, t: &Ticket) -> ApiResult<()> {
    match crew_district(who)? {
        Some(d) if t.district_id != Some(d) => Err(ApiError::forbidden(format!(
            "ticket {} is not your district's",
            t.id
        ))),
        _ => Ok(()),
    }
}

/// The district whose work list is asked for: a crew's own; the centre names one.
fn district_asked(who: &Authed, q: &Params) -> ApiResult<i64> {
    match crew_district(who)? {
        Some(d) => {
            if q.id("district")?.is_some_and(|asked| asked != d) {
                return Err(ApiError::forbidden("a crew sees only its own district"));
            }
            Ok(d)
        }
        None => q
            .id("district")?
            .ok_or_else(|| ApiError::bad_parameter("district", "which district's work list")),
    }
}

/// `GET /api/crew/tickets[?district=]`: the district's dispatched and in-progress tickets,
/// overdue first, then by priority and deadline.
pub async fn tickets(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<Ticket>>> {
    let q = q.only(&["district"])?;
    let d = district_asked(&who, &q)?;
    Ok(Json(s.store.crew_tickets(d, s.now()).await?))
}

/// `GET /api/crew/reports[?district=]`: the reports the incident rule (or a supervisor)
/// linked to the district's dispatched tickets in the last 7 days, grouped under each such
/// ticket (only those with more than one report): the crew sees one item with its reporters
/// (the first marked) instead of N tickets.
pub async fn reports(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<hotline_store::incidents::CrewReports>>> {
    let q = q.only(&["district"])?;
    let d = district_asked(&who, &q)?;
    const WEEK: i64 = 7 * 86_400_000;
    Ok(Json(s.store.crew_reports(d, s.now() - WEEK).await?))
}

/// What the crew's stream sends about one ticket.
#[derive(Serialize)]
struct Changed<'a> {
    /// `created`, `dispatch`, `start`, `return`, `reply`, `assigned`, `acknowledged`, …
    what: &'a str,
    ticket: &'a Ticket,
    /// Still on the district's work list (dispatched or in progress)?
    on_list: bool,
}

struct CrewReader {
    rx: broadcast::Receiver<TicketChange>,
    state: Shared,
    who: Authed,
    district: i64,
    /// Send the whole list before anything else (at the start, and after lagging).
    resync: bool,
    next_check: tokio::time::Instant,
}

impl CrewReader {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if self.resync {
                self.resync = false;
                let list = self
                    .state
                    .store
                    .crew_tickets(self.district, self.state.now())
                    .await
                    .ok()?;
                let json = serde_json::to_string(&list).ok()?;
                return Some(Event::default().event("tickets").data(json));
            }
            match tokio::time::timeout_at(self.next_check, self.rx.recv()).await {
                Err(_) => {
                    let now = self.state.now();
                    let ok = self.state.store.agent_for_token(&self.who.token, now).await;
                    if ok.is_err() {
                        return None;
                    }
                    self.next_check = tokio::time::Instant::now() + self.state.live_recheck;
                }
                Ok(Ok(change)) if change.district_id == Some(self.district) => {
                    let now = self.state.now();
                    let Ok(Some(t)) = self.state.store.ticket(change.ticket_id, now).await else {
                        continue;
                    };
                    let on_list = t.district_id == Some(self.district)
                        && matches!(
                            t.status,
                            hotline_store::Status::Dispatched | hotline_store::Status::InProgress
                        );
                    let c = Changed {
                        what: &change.what,
                        ticket: &t,
                        on_list,
                    };
                    let json = serde_json::to_string(&c).ok()?;
                    return Some(Event::default().event("ticket").data(json));
                }
                Ok(Ok(_)) => {}
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => self.resync = true,
                Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            }
        }
    }
}

/// `GET /api/crew/events[?district=]` (Server-Sent Events): `tickets` (the whole work list,
/// at the start and after falling behind), then `ticket` for every change of one of the
/// district's tickets as it is committed.
pub async fn events(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let q = q.only(&["district"])?;
    let district = district_asked(&who, &q)?;
    let reader = CrewReader {
        rx: s.store.ticket_changes().subscribe(),
        next_check: tokio::time::Instant::now() + s.live_recheck,
        state: s.clone(),
        who,
        district,
        resync: true,
    };
    let stream = stream::unfold(reader, |mut r| async move {
        let ev = r.next().await?;
        Some((Ok(ev), r))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeBody {
    note: Option<String>,
}

/// `POST /api/tickets/{id}/acknowledge`: the crew (or the district's dispatcher through the
/// centre) has seen the dispatch; an `acknowledged` event on the ticket.
pub async fn acknowledge(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<AcknowledgeBody>,
) -> ApiResult<Json<Ticket>> {
    let now = s.now();
    let t = s
        .store
        .ticket(id, now)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ticket {id} not found")))?;
    check_district(&who, &t)?;
    let note = b.note.unwrap_or_default();
    let t = s.store.acknowledge(id, &note, who.actor(), now).await?;
    tracing::info!(ticket = id, agent = who.agent.id, "dispatch acknowledged");
    Ok(Json(t))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCrewBody {
    login: String,
    name: String,
    staff_no: String,
    /// The crew phone's SIP user (for the dispatch calls to come).
    sip_user: String,
    password: String,
    district_id: i64,
    language: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `POST /api/crews` (admins): creates or updates a crew bound to a district; 201 with it.
pub async fn create(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<NewCrewBody>,
) -> ApiResult<(StatusCode, Json<Agent>)> {
    use md5::Digest as _;
    who.require(Role::Admin)?;
    if b.password.chars().count() < 6 || b.password.len() > 1024 {
        return Err(ApiError::invalid("password", "6 to 1024 characters"));
    }
    if b.name.trim().is_empty() || b.name.chars().count() > 64 {
        return Err(ApiError::invalid("name", "1 to 64 characters"));
    }
    let language = b.language.unwrap_or_else(|| "zh".into());
    if language != "zh" && language != "en" {
        return Err(ApiError::invalid("language", "zh or en"));
    }
    let a1 = format!("{}:{}:{}", b.sip_user, s.realm, b.password);
    let new = NewAgent {
        login: b.login,
        name: b.name.trim().to_string(),
        staff_no: b.staff_no,
        sip_user: b.sip_user,
        ha1_md5: hex(&md5::Md5::digest(a1.as_bytes())),
        ha1_sha256: hex(&sha2::Sha256::digest(a1.as_bytes())),
        team: "crew".into(),
        role: Role::Crew,
        language,
        skills: Vec::new(),
    };
    let id = s.store.upsert_crew(&new, b.district_id, s.now()).await?;
    let crew = s
        .store
        .crews()
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError::not_found(format!("crew {id} not found")))?;
    tracing::info!(crew = id, district = b.district_id, "crew saved");
    Ok((StatusCode::CREATED, Json(crew)))
}

/// `GET /api/crews` (supervisors and admins): every crew with its district.
pub async fn list(State(s): State<Shared>, who: Authed, q: Params) -> ApiResult<Json<Vec<Agent>>> {
    q.only(&[])?;
    who.require(Role::Supervisor)?;
    Ok(Json(s.store.crews().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crew_token_reaches_only_the_crews_paths() {
        let allowed = [
            ("GET", "/api/me"),
            ("GET", "/api/districts"),
            ("POST", "/api/logout"),
            ("GET", "/api/crew/tickets"),
            ("GET", "/api/crew/events"),
            ("GET", "/api/tickets/12"),
            ("POST", "/api/tickets/12/transitions"),
            ("POST", "/api/tickets/12/acknowledge"),
        ];
        for (m, p) in allowed {
            let m = Method::from_bytes(m.as_bytes()).expect("method");
            assert!(crew_may_call(&m, p), "{m} {p}");
        }
        let refused = [
            ("GET", "/api/tickets"),
            ("POST", "/api/tickets"),
            ("GET", "/api/customers"),
            ("GET", "/api/customers/1"),
            ("GET", "/api/calls/1"),
            ("GET", "/api/events"),
            ("GET", "/api/agents"),
            ("GET", "/api/crews"),
            ("POST", "/api/tickets/12/comments"),
            ("PUT", "/api/tickets/12/district"),
            ("GET", "/api/tickets/x1"),
            ("GET", "/api/tickets/"),
            ("POST", "/api/tickets/12/transitions/x"),
            ("DELETE", "/api/tickets/12"),
            ("GET", "/api/me/../customers"),
        ];
        for (m, p) in refused {
            let m = Method::from_bytes(m.as_bytes()).expect("method");
            assert!(!crew_may_call(&m, p), "{m} {p}");
        }
    }
}
