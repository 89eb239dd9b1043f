//! `GET /api/wallboard`: the router's figures now, today's and the last 15 minutes' from the
//! call records, agents with their state and rating, overdue tickets per district; for
//! supervisors only.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_acd::{AgentId, AgentProfile, CallId, CallRequest, Input};
use hotline_store::{CallUpdate, Disposition, NewCall, Policy};
use hotline_time::{CivilDate, Zone};

async fn record(
    api: &Api,
    n: u32,
    at: i64,
    disposition: Disposition,
    wait: i64,
    agent: Option<i64>,
) {
    let id = api
        .store
        .start_call(&NewCall {
            call_ref: format!("wall-{n}"),
            caller: "13800000000".into(),
            dialled: "96655".into(),
            started_at: at,
        })
        .await
        .expect("call")
        .id;
    api.store
        .update_call(
            id,
            &CallUpdate {
                queue: Some("general".into()),
                disposition: Some(disposition),
                wait_ms: Some(wait),
                talk_ms: agent.map(|_| 120_000),
                agent_id: agent,
                answered_at: Some(at),
                ended_at: Some(at + wait),
                ..CallUpdate::default()
            },
        )
        .await
        .expect("update");
}

#[tokio::test]
async fn the_wallboard_shows_now_today_and_the_last_quarter_hour() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        // NOW is 2026-11-18 11:06 UTC, 19:06 in Beijing: an hour ago is today there, 20
        // hours ago (23:06) is yesterday.
        record(
            &api,
            1,
            NOW - 20 * 3_600_000,
            Disposition::Answered,
            1_000,
            Some(f.agent),
        )
        .await;
        record(
            &api,
            2,
            NOW - 3_600_000,
            Disposition::Answered,
            30_000,
            Some(f.agent),
        )
        .await;
        record(
            &api,
            3,
            NOW - 60_000,
            Disposition::Answered,
            5_000,
            Some(f.agent),
        )
        .await;
        record(
            &api,
            4,
            NOW - 30_000,
            Disposition::AbandonedInQueue,
            2_000,
            None,
        )
        .await;
        // The router: the agent logged in and ready, one caller waiting 0 s (then offered).
        api.acd.feed(Input::AgentLogin(AgentProfile {
            id: AgentId(f.agent),
            skills: Default::default(),
            languages: vec![],
            queues: vec!["general".into()],
        }));
        api.acd
            .feed(Input::CallArrived(CallRequest::new(CallId(9), "general")));

        let agent = api.login("zhang", "secret").await;
        assert_eq!(api.get(&agent, "/api/wallboard").await.status, 403);
        let boss = api.login("li", "boss").await;
        let a = api.get(&boss, "/api/wallboard").await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let q = &a.body["queues"][0];
        assert_eq!(q["name"], "general");
        assert_eq!(q["waiting"], 1);
        assert_eq!(q["service_level_target"], serde_json::json!([80, 20]));
        // Today: calls 2, 3 (answered; 3 within 20 s) and 4 (a short abandon).
        assert_eq!(q["today"]["offered"], 3, "{q:#}");
        assert_eq!(q["today"]["answered"], 2);
        assert_eq!(q["today"]["answered_within_sl"], 1);
        assert_eq!(q["today"]["short_abandoned"], 1);
        assert_eq!(q["today"]["service_level_percent"], 50.0);
        assert_eq!(q["today"]["average_speed_of_answer_ms"], 17_500);
        // The last 15 minutes: calls 3 and 4.
        assert_eq!(q["last_15_min"]["offered"], 2);
        assert_eq!(q["last_15_min"]["service_level_percent"], 100.0);
        let me = a.body["agents"]
            .as_array()
            .and_then(|v| v.iter().find(|x| x["id"] == f.agent).cloned())
            .expect("the agent");
        assert_eq!(me["staff_no"], "1023");
        assert_eq!(me["state"]["state"], "not_ready");
        assert!(a.body["overdue_by_district"].is_array());
    })
    .await;
}

/// "Today" starts at the centre's local midnight, also on the day daylight saving ends: in
/// Europe/Berlin 2026-10-25 has 25 hours, its midnight is 22:00 UTC the day before (CEST, +2)
/// though by the evening the offset is +1. A fixed offset, or UTC's midnight, would drop the
/// call at 00:30.
#[tokio::test]
async fn today_starts_at_local_midnight_on_a_daylight_saving_day() {
    let berlin = || Policy {
        zone: Zone::named("Europe/Berlin").expect("bundled"),
        ..Policy::default()
    };
    each_api_with(berlin, |api| async move {
        let f = fixture(&api.store).await;
        let zone = api.store.policy().zone.clone();
        let midnight = zone.day_start(CivilDate {
            year: 2026,
            month: 10,
            day: 25,
        });
        assert_eq!(midnight, 1_792_879_200_000, "2026-10-24 22:00 UTC");
        // 23:30 local on the 25th, 24.5 hours after its midnight.
        let now = midnight + 24 * 3_600_000 + 30 * 60_000;
        api.advance(now - api.now());
        let half_past_midnight = midnight + 30 * 60_000;
        let yesterday_late = midnight - 30 * 60_000;
        let agent = Some(f.agent);
        record(
            &api,
            1,
            half_past_midnight,
            Disposition::Answered,
            1_000,
            agent,
        )
        .await;
        record(&api, 2, yesterday_late, Disposition::Answered, 1_000, agent).await;
        record(&api, 3, now - 60_000, Disposition::Answered, 1_000, agent).await;
        let boss = api.login("li", "boss").await;
        let a = api.get(&boss, "/api/wallboard").await;
        assert_eq!(a.status, 200, "{:#}", a.body);
        let q = &a.body["queues"][0];
        assert_eq!(q["name"], "general");
        assert_eq!(q["today"]["offered"], 2, "calls 1 and 3: {q:#}");
        assert_eq!(q["last_15_min"]["offered"], 1);
    })
    .await;
}
