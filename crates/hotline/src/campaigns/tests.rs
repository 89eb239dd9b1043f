//! The runner against a real SQLite store and a fake placer (no SIP), on a clock the test
//! moves: every target reached as the rules say (a busy one retried after its interval), the
//! promise and the opt-out stored, the opt-out on the do-not-call list, a number on the list
//! never dialled, the campaign done; paused, nothing is placed; after a restart with a call
//! under way, that attempt is closed as failed and never placed again; a progressive
//! campaign places no more calls than its queue has free agents, and its abandoned calls are
//! stored as such and retried; two campaigns over the same customers call each only as
//! often as the per-customer limit allows.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotline_campaign::CallResult;
use hotline_store::{CampaignStatus, NewCampaign, NewDnc, NewTarget, Store, TargetFilter};
use hotline_time::{CivilDate, Zone};
use tokio::sync::Notify;

use super::*;

/// Answers by number: what each call does, in turn (the last repeats); a number mapped to
/// `None` never ends (a call under way when the engine dies).
pub(super) struct FakePlacer {
    script: Mutex<BTreeMap<String, Vec<Option<PlaceOutcome>>>>,
    pub(super) placed: Mutex<Vec<PlaceRequest>>,
    changed: Notify,
}

impl FakePlacer {
    pub(super) fn new(script: &[(&str, Vec<Option<PlaceOutcome>>)]) -> Arc<FakePlacer> {
        Arc::new(FakePlacer {
            script: Mutex::new(
                script
                    .iter()
                    .map(|(n, s)| (n.to_string(), s.clone()))
                    .collect(),
            ),
            placed: Mutex::new(Vec::new()),
            changed: Notify::new(),
        })
    }
    pub(super) fn placed(&self) -> Vec<(String, u32)> {
        self.placed
            .lock()
            .unwrap()
            .iter()
            .map(|r| (r.number.clone(), r.attempt))
            .collect()
    }
}

#[async_trait::async_trait]
impl Placer for FakePlacer {
    async fn place(&self, req: PlaceRequest) -> PlaceOutcome {
        let next = {
            let mut script = self.script.lock().unwrap();
            let steps = script.get_mut(&req.number).expect("a scripted number");
            if steps.len() > 1 {
                steps.remove(0)
            } else {
                steps[0].clone()
            }
        };
        self.placed.lock().unwrap().push(req);
        self.changed.notify_waiters();
        match next {
            Some(o) => o,
            None => std::future::pending().await,
        }
    }
}

pub(super) fn answered() -> PlaceOutcome {
    PlaceOutcome {
        result: Some(CallResult::Answered),
        talk_ms: Some(40_000),
        ..PlaceOutcome::default()
    }
}

pub(super) fn env(store: &Store, placer: Arc<FakePlacer>, offset: Arc<AtomicI64>) -> RunnerEnv {
    RunnerEnv {
        store: store.clone(),
        zone: Zone::utc(),
        holidays: Arc::new(vec![CivilDate {
            year: 2027,
            month: 1,
            day: 1,
        }]),
        placer,
        agents: None,
        clock: Arc::new(move || crate::storage::now_ms() + offset.load(Ordering::SeqCst)),
        sms: None,
        preview: None,
    }
}

async fn campaign(store: &Store, targets: &[(&str, &str)]) -> i64 {
    let settings = serde_json::json!({
        "window": ["00:00-24:00"],
        "skip_holidays": false,
        "attempts_per_sec": 50,
        "retry": {"busy": {"attempts": 2, "interval_min": 1}, "failed": {"attempts": 2, "interval_min": 1}},
        "caller_id": "96655"
    });
    campaign_in(store, targets, "ivr", None, settings).await
}

/// A running campaign of `mode` (its agents' queue `queue`) over `targets`.
pub(super) async fn campaign_in(
    store: &Store,
    targets: &[(&str, &str)],
    mode: &str,
    queue: Option<&str>,
    settings: serde_json::Value,
) -> i64 {
    let c = store
        .create_campaign(
            &NewCampaign {
                name: format!("c{}", rand::random::<u32>()),
                kind: "dunning".into(),
                mode: mode.into(),
                flow: "dunning".into(),
                queue: queue.map(str::to_string),
                settings,
                source: serde_json::json!({}),
            },
            None,
            crate::storage::now_ms(),
        )
        .await
        .unwrap();
    let ts: Vec<NewTarget> = targets
        .iter()
        .map(|(a, n)| NewTarget {
            account: a.to_string(),
            number: n.to_string(),
            data: BTreeMap::from([("amount_due".to_string(), "207.00".to_string())]),
        })
        .collect();
    store.add_campaign_targets(c.id, &ts, 0).await.unwrap();
    store
        .set_campaign_status(c.id, CampaignStatus::Running, None, 0)
        .await
        .unwrap();
    c.id
}

/// Waits (on the store, up to a minute of a slow machine) until `done` holds.
pub(super) async fn until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never happened: {what}");
}

pub(super) async fn states(store: &Store, id: i64) -> Vec<(String, String, Option<String>)> {
    store
        .campaign_targets(
            id,
            &TargetFilter {
                limit: 100,
                ..TargetFilter::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.account, t.state, t.last_result.or(t.skipped)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_target_is_called_as_the_rules_say_and_the_results_are_stored() {
    let (store, _, dir) = crate::test_store::with_a_district("campaign-run").await;
    let promise = PlaceOutcome {
        promise_fen: Some(20_700),
        promise_by: Some(CivilDate {
            year: 2026,
            month: 12,
            day: 20,
        }),
        keys: Some("1#1220".into()),
        note: Some("promise".into()),
        ..answered()
    };
    let opted = PlaceOutcome {
        opted_out: true,
        keys: Some("9".into()),
        ..answered()
    };
    let busy = PlaceOutcome {
        result: Some(CallResult::Busy),
        ..PlaceOutcome::default()
    };
    let placer = FakePlacer::new(&[
        ("13800000001", vec![Some(promise)]),
        ("13800000002", vec![Some(busy), Some(answered())]),
        ("13800000003", vec![Some(opted)]),
        ("13800000004", vec![Some(answered())]),
    ]);
    store
        .add_do_not_call(
            &NewDnc {
                number: Some("13800000004".into()),
                source: "api".into(),
                ..NewDnc::default()
            },
            None,
            0,
        )
        .await
        .unwrap();
    let id = campaign(
        &store,
        &[
            ("A-1", "+86 138 0000 0001"),
            ("A-2", "13800000002"),
            ("A-3", "13800000003"),
            ("A-4", "13800000004"),
        ],
    )
    .await;
    let offset = Arc::new(AtomicI64::new(0));
    let run = tokio::spawn(run_campaign(
        env(&store, placer.clone(), offset.clone()),
        id,
    ));
    until("the first round", || async {
        let s = states(&store, id).await;
        s.iter()
            .filter(|t| t.1 == "done" || t.1 == "skipped")
            .count()
            == 3
            && s.iter().any(|t| t.0 == "A-2" && t.1 == "due")
    })
    .await;
    assert_eq!(
        states(&store, id).await,
        vec![
            ("A-1".into(), "done".into(), Some("answered".into())),
            ("A-2".into(), "due".into(), Some("busy".into())),
            ("A-3".into(), "done".into(), Some("opted_out".into())),
            ("A-4".into(), "skipped".into(), Some("do_not_call".into())),
        ]
    );
    // The busy one waits for its interval: a minute later it is called again.
    assert_eq!(placer.placed().len(), 3, "{:?}", placer.placed());
    offset.fetch_add(61_000, Ordering::SeqCst);
    until("the retry", || async {
        store.campaign(id).await.unwrap().unwrap().status == CampaignStatus::Done
    })
    .await;
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the run ends")
        .unwrap();
    let mut placed = placer.placed();
    placed.sort();
    assert_eq!(
        placed,
        vec![
            ("13800000001".into(), 1),
            ("13800000002".into(), 1),
            ("13800000002".into(), 2),
            ("13800000003".into(), 1)
        ],
        "the number on the list is never dialled; +86 dialled as the national number"
    );
    let first = placer.placed.lock().unwrap()[0].clone();
    assert_eq!(
        (first.flow.as_str(), first.caller_id.as_deref()),
        ("dunning", Some("96655"))
    );
    assert_eq!(first.data["amount_due"], "207.00");
    assert_eq!(
        first.data["account"], first.account,
        "the flow's target.account"
    );
    // Stored: the promise, the opt-out (and the list), the busy then answered.
    let attempts = store.campaign_attempts(id, None, 100).await.unwrap();
    let a1 = attempts.iter().find(|a| a.account == "A-1").unwrap();
    assert_eq!(
        (a1.promise_fen, a1.promise_by.as_deref(), a1.keys.as_deref()),
        (Some(20_700), Some("2026-12-20"), Some("1#1220"))
    );
    let a2: Vec<_> = attempts
        .iter()
        .filter(|a| a.account == "A-2")
        .map(|a| a.result.clone().unwrap())
        .collect();
    assert_eq!(a2, ["busy", "answered"]);
    assert!(
        store.on_do_not_call("13800000003", "A-3").await.unwrap(),
        "the opt-out is on the list"
    );
    let p = store.campaign_progress(id).await.unwrap();
    assert_eq!(
        (
            p.dialled,
            p.reached,
            p.promises,
            p.opted_out,
            p.remaining,
            p.skipped
        ),
        (4, 3, 1, 1, 0, 1)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_nothing_is_placed_and_a_call_under_way_at_a_restart_is_never_placed_again() {
    let (store, _, dir) = crate::test_store::with_a_district("campaign-restart").await;
    let id = campaign(&store, &[("B-1", "13900000001")]).await;
    store
        .set_campaign_status(id, CampaignStatus::Paused, Some("wait"), 0)
        .await
        .unwrap();
    let offset = Arc::new(AtomicI64::new(0));
    // Paused: the run waits and places nothing.
    let hung = FakePlacer::new(&[("13900000001", vec![None])]);
    let run = tokio::spawn(run_campaign(env(&store, hung.clone(), offset.clone()), id));
    tokio::time::sleep(POLL * 3).await;
    assert!(hung.placed().is_empty(), "paused: {:?}", hung.placed());
    // Resumed: the call is placed, and never ends (the engine dies during it).
    store
        .set_campaign_status(id, CampaignStatus::Running, None, 0)
        .await
        .unwrap();
    until("the call", || async { !hung.placed().is_empty() }).await;
    run.abort();
    let _ = run.await;
    let tries = store.campaign_attempts(id, None, 10).await.unwrap();
    assert_eq!((tries.len(), tries[0].ended_at), (1, None));
    // The next run: attempt 1 closed as failed; a failure is retried a minute later as
    // attempt 2, never attempt 1 again.
    let fine = FakePlacer::new(&[("13900000001", vec![Some(answered())])]);
    let run = tokio::spawn(run_campaign(env(&store, fine.clone(), offset.clone()), id));
    until("attempt 1 closed", || async {
        store.campaign_attempts(id, None, 10).await.unwrap()[0]
            .result
            .as_deref()
            == Some("failed")
    })
    .await;
    offset.fetch_add(61_000, Ordering::SeqCst);
    until("done", || async {
        store.campaign(id).await.unwrap().unwrap().status == CampaignStatus::Done
    })
    .await;
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the run ends")
        .unwrap();
    assert_eq!(fine.placed(), vec![("13900000001".to_string(), 2)]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_that_cannot_run_is_paused_once_with_the_reason_not_on_every_look() {
    let (store, _, dir) = crate::test_store::with_a_district("campaign-refused").await;
    let c = store
        .create_campaign(
            &NewCampaign {
                name: "preview".into(),
                kind: "dunning".into(),
                mode: "preview".into(),
                flow: "dunning".into(),
                queue: Some("billing".into()),
                settings: serde_json::json!({}),
                source: serde_json::json!({}),
            },
            None,
            0,
        )
        .await
        .unwrap();
    store
        .add_campaign_targets(
            c.id,
            &[NewTarget {
                account: "P-1".into(),
                number: "13900000009".into(),
                data: BTreeMap::new(),
            }],
            0,
        )
        .await
        .unwrap();
    store
        .set_campaign_status(c.id, CampaignStatus::Running, None, 0)
        .await
        .unwrap();
    let placer = FakePlacer::new(&[("13900000009", vec![Some(answered())])]);
    let watcher = spawn(env(&store, placer.clone(), Arc::new(AtomicI64::new(0))));
    until("paused", || async {
        store.campaign(c.id).await.unwrap().unwrap().status == CampaignStatus::Paused
    })
    .await;
    let paused = store.campaign(c.id).await.unwrap().unwrap();
    assert!(
        paused
            .status_reason
            .as_deref()
            .unwrap_or("")
            .contains("preview campaigns need the ACD"),
        "{paused:?}"
    );
    tokio::time::sleep(POLL * 4).await;
    assert_eq!(
        store.campaign(c.id).await.unwrap().unwrap().updated_at,
        paused.updated_at,
        "paused once, not again on every look"
    );
    // Resumed by an operator: tried again (and paused again).
    store
        .set_campaign_status(c.id, CampaignStatus::Running, None, 1)
        .await
        .unwrap();
    until("paused again", || async {
        let now = store.campaign(c.id).await.unwrap().unwrap();
        now.status == CampaignStatus::Paused && now.updated_at != 1
    })
    .await;
    assert!(placer.placed().is_empty(), "never dialled");
    watcher.abort();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_automated_follow_up_writes_the_rating_to_the_ticket() {
    use hotline_store::{Action, Actor, ListRule, NewTicket, TransitionInput};
    let (store, district, dir) = crate::test_store::with_a_district("campaign-followup").await;
    let t = store
        .create_ticket(
            &NewTicket {
                kind: "leak".into(),
                district_id: Some(district),
                address: Some("解放路1号".into()),
                summary: "路面冒水".into(),
                reporter_phone: Some("13900000021".into()),
                ..NewTicket::default()
            },
            Actor::Ivr,
            0,
        )
        .await
        .unwrap();
    for a in [Action::Reply, Action::Close] {
        store
            .transition(t.id, a, &TransitionInput::default(), Actor::System, 0)
            .await
            .unwrap();
    }
    let rows = store
        .rule_rows(&ListRule::FollowUps { kinds: vec![] }, 0)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let c = store
        .create_campaign(
            &NewCampaign {
                name: "回访".into(),
                kind: "followup".into(),
                mode: "ivr".into(),
                flow: "followup".into(),
                queue: None,
                settings: serde_json::json!({"window": ["00:00-24:00"], "skip_holidays": false}),
                source: serde_json::json!({}),
            },
            None,
            0,
        )
        .await
        .unwrap();
    let targets: Vec<NewTarget> = rows
        .into_iter()
        .map(|r| NewTarget {
            account: r.account,
            number: r.phone.unwrap(),
            data: r.data,
        })
        .collect();
    store.add_campaign_targets(c.id, &targets, 0).await.unwrap();
    store
        .set_campaign_status(c.id, CampaignStatus::Running, None, 0)
        .await
        .unwrap();
    let rated = PlaceOutcome {
        rating: Some(4),
        keys: Some("4".into()),
        note: Some("rating".into()),
        ..answered()
    };
    let placer = FakePlacer::new(&[("13900000021", vec![Some(rated)])]);
    let run = tokio::spawn(run_campaign(
        env(&store, placer.clone(), Arc::new(AtomicI64::new(0))),
        c.id,
    ));
    until("done", || async {
        store.campaign(c.id).await.unwrap().unwrap().status == CampaignStatus::Done
    })
    .await;
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the run ends")
        .unwrap();
    let ticket = store
        .ticket(t.id, crate::storage::now_ms())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.rating, Some(4), "the rating is on the ticket");
    assert!(
        store
            .due_followups(i64::MAX / 2, 10)
            .await
            .unwrap()
            .is_empty(),
        "the follow-up is done"
    );
    let placed = placer.placed.lock().unwrap()[0].clone();
    assert_eq!(
        placed.data["ticket"],
        t.id.to_string(),
        "the flow's target.ticket"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The free agents of the campaign's queue, as the test sets them.
struct Agents(std::sync::atomic::AtomicU32);

#[async_trait::async_trait]
impl FreeAgents for Agents {
    async fn free(&self, queue: &str) -> Option<u32> {
        assert_eq!(queue, "general");
        Some(self.0.load(Ordering::SeqCst))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_progressive_campaign_places_calls_only_for_free_agents() {
    let (store, _, dir) = crate::test_store::with_a_district("campaign-progressive").await;
    let targets = [
        ("P-1", "13700000001"),
        ("P-2", "13700000002"),
        ("P-3", "13700000003"),
    ];
    let settings = serde_json::json!({"window": ["00:00-24:00"], "skip_holidays": false});
    let id = campaign_in(&store, &targets, "progressive", Some("general"), settings).await;
    // The calls never end: each one holds its agent.
    let placer = FakePlacer::new(&[
        ("13700000001", vec![None]),
        ("13700000002", vec![None]),
        ("13700000003", vec![None]),
    ]);
    let agents = Arc::new(Agents(std::sync::atomic::AtomicU32::new(0)));
    let env = RunnerEnv {
        agents: Some(agents.clone()),
        ..env(&store, placer.clone(), Arc::new(AtomicI64::new(0)))
    };
    let run = tokio::spawn(run_campaign(env, id));
    tokio::time::sleep(POLL * 4).await;
    assert!(
        placer.placed().is_empty(),
        "no agent free: {:?}",
        placer.placed()
    );
    agents.0.store(1, Ordering::SeqCst);
    until("one call", || async { placer.placed().len() == 1 }).await;
    tokio::time::sleep(POLL * 4).await;
    assert_eq!(
        placer.placed().len(),
        1,
        "one free agent, one call at a time"
    );
    agents.0.store(2, Ordering::SeqCst);
    until("a second call", || async { placer.placed().len() == 2 }).await;
    tokio::time::sleep(POLL * 4).await;
    assert_eq!(placer.placed().len(), 2);
    let req = placer.placed.lock().unwrap()[0].clone();
    assert_eq!(
        req.progressive,
        Some(("general".to_string(), Duration::from_secs(5))),
        "the queue and the default agent wait"
    );
    assert!(req.campaign_name.starts_with('c'), "{req:?}");
    run.abort();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_progressive_call_no_agent_took_is_stored_abandoned_and_called_again() {
    let (store, _, dir) = crate::test_store::with_a_district("campaign-abandoned").await;
    let settings = serde_json::json!({
        "window": ["00:00-24:00"],
        "skip_holidays": false,
        "retry": {"abandoned": {"attempts": 2, "interval_min": 1}},
        "agent_wait_secs": 3
    });
    let targets = [("Q-1", "13700000011")];
    let id = campaign_in(&store, &targets, "progressive", Some("general"), settings).await;
    let abandoned = PlaceOutcome {
        result: Some(CallResult::Abandoned),
        talk_ms: Some(3_500),
        ..PlaceOutcome::default()
    };
    let talked = PlaceOutcome {
        agent: Some(7),
        note: Some("talked to agent 7".into()),
        ..answered()
    };
    let placer = FakePlacer::new(&[("13700000011", vec![Some(abandoned), Some(talked)])]);
    let agents = Arc::new(Agents(std::sync::atomic::AtomicU32::new(1)));
    let offset = Arc::new(AtomicI64::new(0));
    let env = RunnerEnv {
        agents: Some(agents),
        ..env(&store, placer.clone(), offset.clone())
    };
    let run = tokio::spawn(run_campaign(env, id));
    until("the first call", || async { placer.placed().len() == 1 }).await;
    assert_eq!(
        placer.placed.lock().unwrap()[0].progressive,
        Some(("general".to_string(), Duration::from_secs(3)))
    );
    until("the abandoned result", || async {
        states(&store, id).await[0].2.as_deref() == Some("abandoned")
    })
    .await;
    // A minute on, the retry.
    offset.fetch_add(61_000, Ordering::SeqCst);
    until("the retry", || async { placer.placed().len() == 2 }).await;
    until("done", || async { states(&store, id).await[0].1 == "done" }).await;
    let attempts = store.campaign_attempts(id, None, 10).await.unwrap();
    let results: Vec<Option<String>> = attempts.iter().map(|a| a.result.clone()).collect();
    assert_eq!(
        results,
        [Some("abandoned".to_string()), Some("answered".to_string())]
    );
    assert_eq!(attempts[1].note.as_deref(), Some("talked to agent 7"));
    let p = store.campaign_progress(id).await.unwrap();
    assert_eq!(
        (p.dialled, p.reached),
        (2, 2),
        "two attempts, both picked up"
    );
    run.abort();
    let _ = std::fs::remove_dir_all(dir);
}

/// Holds every call until the test lets them end (answered).
struct GatedPlacer {
    gate: Notify,
    placed: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Placer for GatedPlacer {
    async fn place(&self, _req: PlaceRequest) -> PlaceOutcome {
        let opened = self.gate.notified();
        self.placed.fetch_add(1, Ordering::SeqCst);
        opened.await;
        answered()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_stopped_with_a_call_under_way_ends_its_run_when_the_call_ends() {
    let (store, _, dir) = crate::test_store::with_a_district("campaign-stopped").await;
    let id = campaign(&store, &[("S-1", "13900000021")]).await;
    let placer = Arc::new(GatedPlacer {
        gate: Notify::new(),
        placed: std::sync::atomic::AtomicUsize::new(0),
    });
    let env = RunnerEnv {
        placer: placer.clone(),
        ..env(&store, FakePlacer::new(&[]), Arc::new(AtomicI64::new(0)))
    };
    let run = tokio::spawn(run_campaign(env, id));
    until("the call", || async {
        placer.placed.load(Ordering::SeqCst) == 1
    })
    .await;
    store
        .set_campaign_status(id, CampaignStatus::Stopped, Some("test"), 0)
        .await
        .unwrap();
    tokio::time::sleep(POLL * 4).await;
    assert!(!run.is_finished(), "the call under way is waited for");
    placer.gate.notify_waiters();
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the run ends once its call has ended")
        .unwrap();
    let attempts = store.campaign_attempts(id, None, 10).await.unwrap();
    assert_eq!(
        attempts[0].result.as_deref(),
        Some("answered"),
        "its result kept"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Two campaigns over the same customers, each allowing one call a customer a day, start at
/// once: each customer is called once (the store takes the limit with the attempt; the counts
/// each run read at its start said nobody had been called), the other campaign's target
/// waits for tomorrow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_campaigns_at_once_call_a_customer_only_as_often_as_the_daily_limit_allows() {
    let (store, _, dir) = crate::test_store::with_a_district("campaign-daily").await;
    let customers: Vec<(String, String)> = (1..=6)
        .map(|i| (format!("D-{i}"), format!("139000001{i:02}")))
        .collect();
    let list: Vec<(&str, &str)> = customers
        .iter()
        .map(|(a, n)| (a.as_str(), n.as_str()))
        .collect();
    let settings = serde_json::json!({
        "window": ["00:00-24:00"],
        "skip_holidays": false,
        "attempts_per_sec": 50,
        "max_lines": 3,
        "max_per_day": 1,
        "caller_id": "96655"
    });
    let a = campaign_in(&store, &list, "ivr", None, settings.clone()).await;
    let b = campaign_in(&store, &list, "ivr", None, settings).await;
    let script: Vec<(&str, Vec<Option<PlaceOutcome>>)> = customers
        .iter()
        .map(|(_, n)| (n.as_str(), vec![Some(answered())]))
        .collect();
    let placer = FakePlacer::new(&script);
    let offset = Arc::new(AtomicI64::new(0));
    let run_a = tokio::spawn(run_campaign(env(&store, placer.clone(), offset.clone()), a));
    let run_b = tokio::spawn(run_campaign(env(&store, placer.clone(), offset), b));
    let settled = |id| {
        let store = store.clone();
        async move {
            states(&store, id)
                .await
                .iter()
                .all(|(_, state, _)| state == "done" || state == "due")
        }
    };
    until("both campaigns settle", || async {
        settled(a).await && settled(b).await
    })
    .await;
    let mut placed: Vec<String> = placer.placed().into_iter().map(|(n, _)| n).collect();
    placed.sort();
    let mut numbers: Vec<String> = customers.iter().map(|(_, n)| n.clone()).collect();
    numbers.sort();
    assert_eq!(placed, numbers, "each customer called once");
    let (sa, sb) = (states(&store, a).await, states(&store, b).await);
    for ((account, state_a, _), (_, state_b, _)) in sa.iter().zip(&sb) {
        let pair = [state_a.as_str(), state_b.as_str()];
        assert!(
            pair == ["done", "due"] || pair == ["due", "done"],
            "{account}: {pair:?}"
        );
    }
    let today = store
        .campaign_calls_between(0, crate::storage::now_ms() + 86_400_000)
        .await
        .unwrap();
    assert!(today.iter().all(|(_, n)| *n == 1), "{today:?}");
    run_a.abort();
    run_b.abort();
    let _ = std::fs::remove_dir_all(dir);
}
