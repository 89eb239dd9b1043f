//! `GET /api/wallboard` (supervisors): per queue, what is happening now (from the router) and
//! the figures of today and of the last 15 minutes (from the call records: offered, answered,
//! service level, abandons with short ones apart, average speed of answer and handle time);
//! today's calls by call reason; per agent, the state now, calls handled and the average
//! follow-up rating; the IVR's outcomes and containment today and in the last 15 minutes;
//! overdue tickets per district; the urgent tickets nobody has reached on site yet (their
//! on-site deadlines, for the countdowns); the open incidents with their reports and calls,
//! and the calls per district over the last 15 minutes (an outage's spike).
//! "Today" starts at midnight in the centre's time zone (`centre.time_zone`).

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Params};
use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotline_acd::AgentState;
use hotline_store::incidents::DistrictCalls;
use hotline_store::{DistrictOverdue, IvrStats, Millis, QueueStats, Role, StatsRule, Ticket};
use serde::Serialize;

const QUARTER_HOUR_MS: Millis = 15 * 60_000;

#[derive(Serialize)]
pub struct Wallboard {
    at: Millis,
    queues: Vec<QueueTile>,
    agents: Vec<AgentRow>,
    /// The IVR: calls by outcome and containment (self-served share), from the call records.
    ivr: IvrTile,
    overdue_by_district: Vec<DistrictOverdue>,
    /// Urgent tickets not yet on site, the nearest on-site deadline first.
    urgent: Vec<Ticket>,
    /// The open incidents, newest first (reporters left out: the counts say it).
    incidents: Vec<IncidentTile>,
    /// Calls per district that started in the last 15 minutes, most first (the spike).
    calls_by_district_15_min: Vec<DistrictCalls>,
    /// Today's calls by reason: every reason of the tree, in its order (a call with two
    /// reasons counts under both).
    reasons_today: Vec<ReasonTile>,
}

#[derive(Serialize)]
struct IncidentTile {
    id: i64,
    district_id: i64,
    district_name: String,
    kind: String,
    title: String,
    opened_at: Millis,
    opened_by: String,
    ticket_id: Option<i64>,
    reports: i64,
    calls: i64,
    /// The first reporter's phone (the reward's).
    first_reporter_phone: Option<String>,
}

#[derive(Serialize)]
struct ReasonTile {
    code: String,
    name_zh: String,
    name_en: String,
    calls: i64,
}

#[derive(Serialize)]
struct IvrTile {
    today: IvrStats,
    last_15_min: IvrStats,
}

#[derive(Serialize)]
struct QueueTile {
    name: String,
    waiting: u32,
    longest_wait_ms: Millis,
    agents_ready: u32,
    agents_available: u32,
    expected_wait_ms: Option<Millis>,
    /// The queue's target: `percent` of calls answered within `within_secs`.
    service_level_target: (u8, u32),
    today: QueueStats,
    last_15_min: QueueStats,
}

#[derive(Serialize)]
struct AgentRow {
    id: i64,
    name: String,
    staff_no: String,
    /// `agent`, `supervisor`, …: the wall lists supervisors only while they work as agents
    /// (a phone registered, or ready, on a call or in wrap-up).
    role: Role,
    state: AgentState,
    registered: bool,
    calls_handled: u64,
    rating: Option<f64>,
}

/// `GET /api/wallboard`.
pub async fn wallboard(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Wallboard>> {
    who.require(Role::Supervisor)?;
    q.only(&[])?;
    let unavailable = || {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the ACD is not running",
        )
    };
    let port = s.acd.as_deref().ok_or_else(unavailable)?;
    let snap = port.snapshot().await.ok_or_else(unavailable)?;
    let configs = port.queues();
    let now = s.now();
    let midnight = s.zone.start_of_day(now);
    let mut queues = Vec::with_capacity(snap.queues.len());
    for qs in snap.queues {
        let cfg = configs.iter().find(|c| c.name == qs.name);
        let rule = StatsRule {
            service_level_ms: cfg.map_or(20_000, |c| i64::from(c.service_level.within_secs) * 1000),
            short_abandon_ms: cfg.map_or(5_000, |c| i64::from(c.short_abandon_secs) * 1000),
        };
        let today = s.store.queue_stats(&qs.name, midnight, rule).await?;
        let last_15_min = s
            .store
            .queue_stats(&qs.name, now - QUARTER_HOUR_MS, rule)
            .await?;
        queues.push(QueueTile {
            service_level_target: cfg.map_or((80, 20), |c| {
                (c.service_level.percent, c.service_level.within_secs)
            }),
            name: qs.name,
            waiting: qs.waiting,
            longest_wait_ms: qs.longest_wait_ms,
            agents_ready: qs.agents_ready,
            agents_available: qs.agents_available,
            expected_wait_ms: qs.expected_wait_ms,
            today,
            last_15_min,
        });
    }
    let people = s.store.agents().await?;
    let mut agents = Vec::with_capacity(snap.agents.len());
    for a in snap.agents {
        let Some(p) = people.iter().find(|p| p.id == a.id.0) else {
            continue;
        };
        let (rating, _) = s.store.agent_rating(p.id).await?;
        agents.push(AgentRow {
            id: p.id,
            name: p.name.clone(),
            staff_no: p.staff_no.clone(),
            role: p.role,
            state: a.state,
            registered: a.registered,
            calls_handled: a.calls_handled,
            rating,
        });
    }
    let ivr = IvrTile {
        today: s.store.ivr_stats(midnight).await?,
        last_15_min: s.store.ivr_stats(now - QUARTER_HOUR_MS).await?,
    };
    let tree = s.store.reason_tree().await?;
    let reasons_today = s
        .store
        .calls_by_reason(midnight, i64::MAX)
        .await?
        .into_iter()
        .map(|c| {
            let names = tree.iter().find(|r| r.code == c.code);
            ReasonTile {
                name_zh: names.map(|r| r.name_zh.clone()).unwrap_or_default(),
                name_en: names.map(|r| r.name_en.clone()).unwrap_or_default(),
                code: c.code,
                calls: c.calls,
            }
        })
        .collect();
    let incidents = s
        .store
        .incidents(false)
        .await?
        .into_iter()
        .map(|i| IncidentTile {
            first_reporter_phone: i
                .reporters
                .iter()
                .find(|r| r.first)
                .map(|r| r.caller_phone.clone()),
            id: i.id,
            district_id: i.district_id,
            district_name: i.district_name,
            kind: i.kind,
            title: i.title,
            opened_at: i.opened_at,
            opened_by: i.opened_by,
            ticket_id: i.ticket_id,
            reports: i.reports,
            calls: i.calls,
        })
        .collect();
    let calls_by_district_15_min = s.store.calls_by_district(now - QUARTER_HOUR_MS).await?;
    Ok(Json(Wallboard {
        at: now,
        incidents,
        calls_by_district_15_min,
        reasons_today,
        queues,
        agents,
        ivr,
        overdue_by_district: s.store.overdue_by_district(now).await?,
        urgent: s.store.urgent_not_on_site(now).await?,
    }))
}
