//! `GET /api/events`: the stream starts with an overview; an agent sees its own state changes
//! and screen pops and nobody else's, a supervisor sees all; no token, no stream; a token
//! revoked while the stream is open ends it; a reader that falls behind gets a fresh overview.

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
use hotline_acd::{AgentState, Input, NotReadyReason};
use hotline_web::{LiveEvent, ScreenPop};
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

/// An open event stream.
struct Stream {
    res: reqwest::Response,
    buf: String,
}

impl Stream {
    async fn open(api: &Api, token: &str) -> Stream {
        let res = api
            .request(Method::GET, "/api/events", Some(token))
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap_or(""),
            "text/event-stream"
        );
        Stream {
            res,
            buf: String::new(),
        }
    }

    /// The next event (name, JSON data), skipping keep-alive comments; `None` when the stream
    /// ended or nothing came within 3 s.
    async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if name.is_empty() {
                    continue;
                }
                return Some((name, serde_json::from_str(&data).expect("JSON data")));
            }
            let chunk = tokio::time::timeout(Duration::from_secs(3), self.res.chunk())
                .await
                .ok()?
                .ok()??;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

fn state_event(agent: i64) -> LiveEvent {
    LiveEvent::AgentState {
        agent,
        state: AgentState::NotReady {
            reason: NotReadyReason::Break,
            since: NOW,
        },
    }
}

fn pop(agent: i64) -> LiveEvent {
    LiveEvent::Offer(ScreenPop {
        agent,
        call: hotline_core::CallId(42),
        call_ref: Some("1795000000000-42".into()),
        caller: "13800001111".into(),
        customer_account: Some("1000000001".into()),
        queue: "general".into(),
        reason: "billing".into(),
        ivr_path: "main/start>main/menu".into(),
        callback: false,
        campaign: None,
    })
}

#[tokio::test]
async fn agents_see_their_own_events_and_supervisors_all() {
    each_api(|api| async move {
        let f = fixture(&api.store).await;
        let agent = api.login("zhang", "secret").await;
        let boss = api.login("li", "boss").await;
        for id in [f.agent, f.supervisor] {
            api.acd.feed(Input::AgentLogin(hotline_acd::AgentProfile {
                id: hotline_acd::AgentId(id),
                skills: Default::default(),
                languages: vec![],
                queues: vec!["general".into()],
            }));
        }
        let mut mine = Stream::open(&api, &agent).await;
        let mut all = Stream::open(&api, &boss).await;
        // The overview first: the queues, and the agents (for an agent, only itself).
        let ids = |data: &Value| -> Vec<i64> {
            let list = data["agents"].as_array().cloned().unwrap_or_default();
            list.iter().filter_map(|a| a["id"].as_i64()).collect()
        };
        let (name, data) = mine.next().await.expect("the overview first");
        assert_eq!(name, "overview");
        assert_eq!(data["queues"][0]["name"], "general");
        assert_eq!(ids(&data), vec![f.agent]);
        let (name, data) = all.next().await.expect("the overview first");
        assert_eq!(name, "overview");
        assert_eq!(data["queues"][0]["name"], "general");
        let mut both = ids(&data);
        both.sort();
        let mut want = vec![f.agent, f.supervisor];
        want.sort();
        assert_eq!(both, want);
        for ev in [
            state_event(f.supervisor),
            pop(f.supervisor),
            state_event(f.agent),
            pop(f.agent),
        ] {
            api.live.send(ev).expect("subscribers");
        }
        // The agent: only its own two.
        let (name, data) = mine.next().await.expect("own state");
        assert_eq!(
            (name.as_str(), &data["agent"]),
            ("agent_state", &Value::from(f.agent))
        );
        assert_eq!(data["state"]["state"], "not_ready");
        assert_eq!(data["state"]["reason"], "break");
        let (name, data) = mine.next().await.expect("own screen pop");
        assert_eq!(name, "offer");
        assert_eq!(data["agent"], f.agent);
        assert_eq!(data["customer_account"], "1000000001");
        assert_eq!(data["ivr_path"], "main/start>main/menu");
        // The supervisor: all four, in order.
        let mut seen = Vec::new();
        for _ in 0..4 {
            let (name, data) = all.next().await.expect("event");
            seen.push((name, data["agent"].as_i64().unwrap_or(0)));
        }
        assert_eq!(
            seen,
            vec![
                ("agent_state".to_string(), f.supervisor),
                ("offer".to_string(), f.supervisor),
                ("agent_state".to_string(), f.agent),
                ("offer".to_string(), f.agent),
            ]
        );
        // A published overview: the supervisor gets exactly the event's JSON, the agent the
        // same with only itself among the agents.
        let snap = {
            use hotline_web::AcdPort;
            api.acd.snapshot().await.expect("a snapshot")
        };
        let whole = serde_json::to_value(LiveEvent::Overview(snap.clone())).expect("JSON");
        api.live
            .send(LiveEvent::Overview(snap))
            .expect("subscribers");
        let (name, data) = all.next().await.expect("the overview");
        assert_eq!((name.as_str(), &data), ("overview", &whole));
        let (name, data) = mine.next().await.expect("the overview");
        assert_eq!(name, "overview");
        let mut trimmed = whole.clone();
        trimmed["agents"] = Value::Array(
            whole["agents"]
                .as_array()
                .expect("agents")
                .iter()
                .filter(|a| a["id"] == f.agent)
                .cloned()
                .collect(),
        );
        assert_eq!(data, trimmed);
    })
    .await;
}

#[tokio::test]
async fn no_token_no_stream_and_a_revoked_token_ends_it() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let a = api
            .send(api.request(Method::GET, "/api/events", None))
            .await;
        assert_eq!(a.status, 401);
        let a = api
            .send(api.request(Method::GET, "/api/events", Some("not-a-token")))
            .await;
        assert_eq!(a.status, 401);

        let token = api.login("zhang", "secret").await;
        let mut s = Stream::open(&api, &token).await;
        assert_eq!(s.next().await.expect("overview").0, "overview");
        let out = api
            .send(api.request(Method::POST, "/api/logout", Some(&token)))
            .await;
        assert!(out.status < 300, "{:#}", out.body);
        // The stream notices within its recheck time (300 ms here) and ends: nothing more,
        // not even events published for this agent.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let _ = api.live.send(state_event(1));
        assert!(s.next().await.is_none(), "the stream ended");
    })
    .await;
}

#[tokio::test]
async fn a_reader_that_falls_behind_gets_a_fresh_overview() {
    each_api(|api| async move {
        fixture(&api.store).await;
        let boss = api.login("li", "boss").await;
        let mut s = Stream::open(&api, &boss).await;
        assert_eq!(s.next().await.expect("overview").0, "overview");
        // More than the channel holds (64), published before the reader reads any.
        for i in 0..200 {
            let _ = api.live.send(state_event(i));
        }
        let mut names = Vec::new();
        while let Some((name, _)) = s.next().await {
            names.push(name);
            if names.len() > 70 {
                break;
            }
        }
        assert!(names.contains(&"overview".to_string()), "{names:?}");
        assert!(
            names.len() <= 66,
            "lagged events are dropped: {}",
            names.len()
        );
    })
    .await;
}

/// An agent's and a supervisor's streams open (past their first overview) and a leak ticket
/// the IVR opened: what the escalation tests start from.
struct Escalating {
    f: Fixture,
    boss: String,
    mine: Stream,
    all: Stream,
    t: hotline_store::Ticket,
}

async fn escalating(api: &Api) -> Escalating {
    let f = fixture(&api.store).await;
    let agent = api.login("zhang", "secret").await;
    let boss = api.login("li", "boss").await;
    let mut mine = Stream::open(api, &agent).await;
    let mut all = Stream::open(api, &boss).await;
    assert_eq!(mine.next().await.map(|e| e.0).as_deref(), Some("overview"));
    assert_eq!(all.next().await.map(|e| e.0).as_deref(), Some("overview"));
    let leak = hotline_store::NewTicket {
        kind: "leak".into(),
        customer_id: Some(f.customer),
        summary: "路面冒水".into(),
        ..hotline_store::NewTicket::default()
    };
    let t = api
        .store
        .create_ticket(&leak, hotline_store::Actor::Ivr, api.now())
        .await
        .expect("ticket");
    Escalating {
        f,
        boss,
        mine,
        all,
        t,
    }
}

/// A missed deadline, on the harness's fake clock: the sweep (given `now`) raises an urgent
/// leak to level 1, later to level 2; each time supervisors' streams get an `escalation`
/// event and agents' streams nothing; a sweep that changes nothing sends nothing. The wall's
/// list of urgent tickets not yet on site has it until the crew is on site.
#[tokio::test]
async fn supervisors_see_escalations_live_and_the_wall_lists_urgent_tickets() {
    each_api(|api| async move {
        let Escalating {
            f,
            boss,
            mut mine,
            mut all,
            t,
        } = escalating(&api).await;
        assert_eq!(t.priority, "urgent");
        let due = t.due_on_site_at.expect("an on-site deadline");
        let wall = api.get(&boss, "/api/wallboard").await;
        assert_eq!(wall.status, 200, "{:#}", wall.body);
        assert_eq!(wall.body["urgent"][0]["id"], t.id);
        assert_eq!(wall.body["urgent"][0]["due_on_site_at"], due);

        // On time: the sweep does nothing, nobody hears anything.
        assert!(api
            .store
            .escalate_overdue(api.now())
            .await
            .expect("sweep")
            .is_empty());
        // The deadline passes.
        api.advance(due - api.now() + 60_000);
        let done = api.store.escalate_overdue(api.now()).await.expect("sweep");
        assert_eq!(done.len(), 1);
        let (name, data) = all.next().await.expect("the escalation");
        assert_eq!(name, "escalation");
        assert_eq!(data["ticket_id"], t.id);
        assert_eq!(data["level"], 1);
        assert_eq!(data["kind"], "leak");
        assert_eq!(data["priority"], "urgent");
        assert_eq!(data["overdue"], serde_json::json!(["on_site"]));
        assert_eq!(data["at"], api.now());
        assert!(mine.next().await.is_none(), "agents do not get escalations");

        // Nothing new: no event. Past twice the limit: level 2.
        assert!(api
            .store
            .escalate_overdue(api.now())
            .await
            .expect("sweep")
            .is_empty());
        let limit = due - t.created_at;
        api.advance(limit);
        api.store.escalate_overdue(api.now()).await.expect("sweep");
        let (name, data) = all.next().await.expect("level 2");
        assert_eq!(
            (name.as_str(), &data["level"]),
            ("escalation", &serde_json::json!(2))
        );

        // On site: off the wall's urgent list.
        for action in ["dispatch", "start"] {
            let body = if action == "dispatch" {
                serde_json::json!({"action": action, "district_id": f.district})
            } else {
                serde_json::json!({"action": action})
            };
            let a = api
                .post(&boss, &format!("/api/tickets/{}/transitions", t.id), body)
                .await;
            assert_eq!(a.status, 200, "{action}: {:#}", a.body);
        }
        let wall = api.get(&boss, "/api/wallboard").await;
        assert_eq!(wall.body["urgent"], serde_json::json!([]));
    })
    .await;
}

/// A ticket escalated for a reason that is not a deadline (the district's dispatch phone
/// never acknowledged it): level 1, supervisors' streams told why, agents' nothing; the
/// ticket's history and the webhooks' outbox have it.
#[tokio::test]
async fn an_unacknowledged_dispatch_is_escalated_with_its_reason() {
    each_api(|api| async move {
        let Escalating {
            boss,
            mut mine,
            mut all,
            t,
            ..
        } = escalating(&api).await;
        api.store
            .escalate_for(
                t.id,
                "dispatch_unacknowledged",
                "未确认 / not acknowledged",
                api.now(),
            )
            .await
            .expect("escalated");
        let (name, data) = all.next().await.expect("the escalation");
        assert_eq!(name, "escalation");
        assert_eq!(data["ticket_id"], t.id);
        assert_eq!(data["level"], 1);
        assert_eq!(data["reason"], "dispatch_unacknowledged");
        assert_eq!(data["overdue"], serde_json::json!([]));
        assert!(mine.next().await.is_none(), "agents do not get escalations");
        let detail = api.get(&boss, &format!("/api/tickets/{}", t.id)).await;
        assert_eq!(detail.body["ticket"]["escalation_level"], 1);
        assert!(
            detail.body["events"]
                .as_array()
                .expect("events")
                .iter()
                .any(|e| e["kind"] == "escalated" && e["note"] == "未确认 / not acknowledged"),
            "{:#}",
            detail.body
        );
        // A deadline escalation later keeps it at its level or above, never below.
        let again = api.store.ticket(t.id, api.now()).await.expect("read");
        assert_eq!(again.map(|t| t.escalation_level), Some(1));
    })
    .await;
}
