//! The SMS runner against a real SQLite store and a fake gateway (no SMPP), on a clock the
//! test sets: every target gets its text from the template in its language, a number on the
//! do-not-call list none; nothing is sent outside the window; a text throttled is sent again
//! after `retry.failed`'s interval; a text being sent when the engine stopped is never sent
//! again; the gateway down pauses the campaign with the reason; no gateway, paused saying so;
//! a text whose receipt says undeliverable is sent again, and the campaign waits for receipts.

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

use hotline_campaign::Submission;
use hotline_store::{
    CampaignStatus, NewCampaign, NewDnc, NewMessage, NewTarget, Store, TargetFilter,
};
use hotline_time::Zone;

use super::super::{PlaceOutcome, PlaceRequest, Placer, RunnerEnv, POLL};
use super::*;

/// 2026-12-16 10:00 UTC, inside 09:00-12:00.
const TEN: i64 = 1_797_415_200_000;
const HOUR: i64 = 3_600_000;

/// Answers by number, in turn (the last repeats); records what was sent.
struct FakeGateway {
    script: Mutex<BTreeMap<String, Vec<Submission>>>,
    sent: Mutex<Vec<(String, String)>>,
    next_id: AtomicI64,
}

impl FakeGateway {
    fn new(script: &[(&str, Vec<Submission>)]) -> Arc<FakeGateway> {
        Arc::new(FakeGateway {
            script: Mutex::new(
                script
                    .iter()
                    .map(|(n, s)| (n.to_string(), s.clone()))
                    .collect(),
            ),
            sent: Mutex::new(Vec::new()),
            next_id: AtomicI64::new(1),
        })
    }
    fn sent(&self) -> Vec<(String, String)> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl SmsSender for FakeGateway {
    async fn submit(&self, to: &str, text: &str) -> Submission {
        self.sent
            .lock()
            .unwrap()
            .push((to.to_string(), text.to_string()));
        let mut script = self.script.lock().unwrap();
        let steps = script.get_mut(to);
        match steps {
            Some(s) if s.len() > 1 => s.remove(0),
            Some(s) if !s.is_empty() => s[0].clone(),
            _ => Submission::Accepted {
                message_ids: vec![format!("M{}", self.next_id.fetch_add(1, Ordering::SeqCst))],
            },
        }
    }
}

struct NoCalls;

#[async_trait::async_trait]
impl Placer for NoCalls {
    async fn place(&self, _: PlaceRequest) -> PlaceOutcome {
        panic!("an SMS campaign placed a call")
    }
}

fn env(store: &Store, sms: Option<Arc<FakeGateway>>, clock: Arc<AtomicI64>) -> RunnerEnv {
    let started = std::time::Instant::now();
    RunnerEnv {
        store: store.clone(),
        zone: Zone::utc(),
        holidays: Arc::new(Vec::new()),
        placer: Arc::new(NoCalls),
        agents: None,
        // The test's time, going on as real time does (the dialler's token bucket fills
        // with it); the test moves it forward.
        clock: Arc::new(move || {
            clock.load(Ordering::SeqCst) + started.elapsed().as_millis() as i64
        }),
        sms: sms.map(|s| s as Arc<dyn SmsSender>),
        preview: None,
    }
}

/// A running SMS campaign to `targets` (account, number, language); an accepted text is final
/// (the receipts are not waited for: see [`campaign_with`]).
async fn campaign(store: &Store, targets: &[(&str, &str, &str)]) -> i64 {
    campaign_with(store, targets, 0).await
}

/// As [`campaign`], waiting `receipt_wait_secs` for each accepted text's receipt.
async fn campaign_with(
    store: &Store,
    targets: &[(&str, &str, &str)],
    receipt_wait_secs: u32,
) -> i64 {
    let c = store
        .create_campaign(
            &NewCampaign {
                name: format!("sms{}", rand::random::<u32>()),
                kind: "dunning".into(),
                mode: "ivr".into(),
                flow: "sms".into(),
                queue: None,
                settings: serde_json::json!({
                    "channel": "sms",
                    "window": ["09:00-12:00"],
                    "skip_holidays": false,
                    "attempts_per_sec": 50,
                    "retry": {"failed": {"attempts": 2, "interval_min": 1}},
                    "sms": {"templates": {
                        "zh": "{name}您好，您的水费欠费{amount_due}元，回复TD退订",
                        "en": "Dear {name}, you owe {amount_due} yuan"
                    }, "receipt_wait_secs": receipt_wait_secs}
                }),
                source: serde_json::json!({}),
            },
            None,
            TEN,
        )
        .await
        .unwrap();
    let ts: Vec<NewTarget> = targets
        .iter()
        .map(|(a, n, lang)| NewTarget {
            account: a.to_string(),
            number: n.to_string(),
            data: BTreeMap::from([
                ("name".to_string(), format!("客户{a}")),
                ("amount_due".to_string(), "207.00".to_string()),
                ("language".to_string(), lang.to_string()),
            ]),
        })
        .collect();
    store.add_campaign_targets(c.id, &ts, TEN).await.unwrap();
    store
        .set_campaign_status(c.id, CampaignStatus::Running, None, TEN)
        .await
        .unwrap();
    c.id
}

async fn until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never happened: {what}");
}

async fn states(store: &Store, id: i64) -> Vec<(String, String, Option<String>)> {
    let all = TargetFilter {
        limit: 100,
        ..TargetFilter::default()
    };
    store
        .campaign_targets(id, &all)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.account, t.state, t.last_result.or(t.skipped)))
        .collect()
}

async fn status(store: &Store, id: i64) -> (CampaignStatus, Option<String>) {
    let c = store.campaign(id).await.unwrap().unwrap();
    (c.status, c.status_reason)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_target_gets_its_text_a_throttled_one_again_and_a_do_not_call_number_none() {
    let (store, _, dir) = crate::test_store::with_a_district("sms-run").await;
    let gateway = FakeGateway::new(&[(
        "13800000002",
        vec![
            Submission::Failed {
                reason: "throttled (0x58)".into(),
            },
            Submission::Accepted {
                message_ids: vec!["P1".into(), "P2".into()],
            },
        ],
    )]);
    store
        .add_do_not_call(
            &NewDnc {
                number: Some("13800000004".into()),
                source: "sms".into(),
                ..NewDnc::default()
            },
            None,
            TEN,
        )
        .await
        .unwrap();
    let id = campaign(
        &store,
        &[
            ("A-1", "+86 138 0000 0001", "zh"),
            ("A-2", "13800000002", "zh"),
            ("A-3", "13800000003", "en"),
            ("A-4", "13800000004", "zh"),
        ],
    )
    .await;
    let clock = Arc::new(AtomicI64::new(TEN));
    let run = tokio::spawn(run_sms_campaign(
        env(&store, Some(gateway.clone()), clock.clone()),
        id,
    ));
    let first_round: Vec<(String, String, Option<String>)> = vec![
        ("A-1".into(), "done".into(), Some("submitted".into())),
        ("A-2".into(), "due".into(), Some("failed".into())),
        ("A-3".into(), "done".into(), Some("submitted".into())),
        ("A-4".into(), "skipped".into(), Some("do_not_call".into())),
    ];
    // (The fake notes a text before it answers: the states are what to wait for.)
    until("the first round", || async {
        states(&store, id).await == first_round
    })
    .await;
    assert_eq!(gateway.sent().len(), 3, "{:?}", gateway.sent());
    // A minute later the throttled one is sent again.
    clock.fetch_add(61_000, Ordering::SeqCst);
    until("done", || async {
        status(&store, id).await.0 == CampaignStatus::Done
    })
    .await;
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the run ends")
        .unwrap();
    let mut sent = gateway.sent();
    sent.sort();
    assert_eq!(
        sent,
        vec![
            (
                "13800000001".to_string(),
                "客户A-1您好，您的水费欠费207.00元，回复TD退订".to_string()
            ),
            (
                "13800000002".to_string(),
                "客户A-2您好，您的水费欠费207.00元，回复TD退订".to_string()
            ),
            (
                "13800000002".to_string(),
                "客户A-2您好，您的水费欠费207.00元，回复TD退订".to_string()
            ),
            (
                "13800000003".to_string(),
                "Dear 客户A-3, you owe 207.00 yuan".to_string()
            ),
        ],
        "the number on the list gets none; +86 sent to as the national number"
    );
    let messages = store.campaign_messages(id, None, 100).await.unwrap();
    let a2: Vec<_> = messages
        .iter()
        .filter(|m| m.account == "A-2")
        .map(|m| (m.attempt, m.status.clone(), m.parts, m.smsc_ids.clone()))
        .collect();
    assert_eq!(
        a2,
        vec![
            (1, "failed".to_string(), 0, None),
            (2, "submitted".to_string(), 2, Some("P1 P2".to_string()))
        ]
    );
    let en = messages.iter().find(|m| m.account == "A-3").unwrap();
    assert_eq!(en.language, "en");
    assert_eq!(states(&store, id).await[1].2.as_deref(), Some("submitted"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_sent_outside_the_window() {
    let (store, _, dir) = crate::test_store::with_a_district("sms-window").await;
    let gateway = FakeGateway::new(&[]);
    let id = campaign(&store, &[("W-1", "13900000001", "zh")]).await;
    // 12:30: the window (09:00-12:00) is shut until tomorrow.
    let clock = Arc::new(AtomicI64::new(TEN + 2 * HOUR + HOUR / 2));
    let run = tokio::spawn(run_sms_campaign(
        env(&store, Some(gateway.clone()), clock.clone()),
        id,
    ));
    tokio::time::sleep(POLL * 4).await;
    assert!(
        gateway.sent().is_empty(),
        "outside the window: {:?}",
        gateway.sent()
    );
    assert_eq!(states(&store, id).await[0].1, "pending");
    // The next morning at 09:00 it goes.
    clock.store(TEN + 23 * HOUR, Ordering::SeqCst);
    until("sent in the window", || async { gateway.sent().len() == 1 }).await;
    until("done", || async {
        status(&store, id).await.0 == CampaignStatus::Done
    })
    .await;
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the run ends")
        .unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_being_sent_when_the_engine_stopped_is_never_sent_again() {
    let (store, _, dir) = crate::test_store::with_a_district("sms-restart").await;
    let id = campaign(
        &store,
        &[("R-1", "13900000001", "zh"), ("R-2", "13900000002", "zh")],
    )
    .await;
    // The engine stored R-1's text and died before the SMSC answered.
    let t1 = store
        .campaign_targets(
            id,
            &TargetFilter {
                limit: 10,
                ..TargetFilter::default()
            },
        )
        .await
        .unwrap()[0]
        .id;
    store
        .start_campaign_message(
            &NewMessage {
                target_id: t1,
                attempt: 1,
                number: "13900000001".into(),
                language: "zh".into(),
                text: "x".into(),
            },
            TEN,
        )
        .await
        .unwrap()
        .unwrap();
    let gateway = FakeGateway::new(&[]);
    let clock = Arc::new(AtomicI64::new(TEN + 60_000));
    let run = tokio::spawn(run_sms_campaign(
        env(&store, Some(gateway.clone()), clock.clone()),
        id,
    ));
    until("done", || async {
        status(&store, id).await.0 == CampaignStatus::Done
    })
    .await;
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the run ends")
        .unwrap();
    assert_eq!(
        gateway
            .sent()
            .iter()
            .map(|s| s.0.as_str())
            .collect::<Vec<_>>(),
        ["13900000002"],
        "R-1's text may have gone: never again"
    );
    let messages = store.campaign_messages(id, None, 10).await.unwrap();
    let statuses: Vec<_> = messages
        .iter()
        .map(|m| (m.account.as_str(), m.status.as_str()))
        .collect();
    assert_eq!(statuses, [("R-1", "unknown"), ("R-2", "submitted")]);
    // And a second restart sends nothing at all.
    let again = FakeGateway::new(&[]);
    let c = store.campaign(id).await.unwrap().unwrap();
    assert_eq!(c.status, CampaignStatus::Done);
    run_sms_campaign(env(&store, Some(again.clone()), clock), id).await;
    assert!(again.sent().is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_down_pauses_the_campaign_with_the_reason_and_no_gateway_says_so() {
    let (store, _, dir) = crate::test_store::with_a_district("sms-down").await;
    let down = Submission::Failed {
        reason: "the SMS gateway is not bound: connection refused".into(),
    };
    let numbers = ["13900000001", "13900000002", "13900000003", "13900000004"];
    let script: Vec<(&str, Vec<Submission>)> =
        numbers.iter().map(|n| (*n, vec![down.clone()])).collect();
    let gateway = FakeGateway::new(&script);
    let targets: Vec<(String, &str, &str)> = numbers
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("D-{i}"), *n, "zh"))
        .collect();
    let refs: Vec<(&str, &str, &str)> = targets
        .iter()
        .map(|(a, n, l)| (a.as_str(), *n, *l))
        .collect();
    let id = campaign(&store, &refs).await;
    let clock = Arc::new(AtomicI64::new(TEN));
    let run = tokio::spawn(run_sms_campaign(
        env(&store, Some(gateway.clone()), clock.clone()),
        id,
    ));
    until("paused", || async {
        status(&store, id).await.0 == CampaignStatus::Paused
    })
    .await;
    let reason = status(&store, id).await.1.unwrap();
    assert!(
        reason.contains("SMS gateway is down") && reason.contains("connection refused"),
        "{reason}"
    );
    // Paused: nothing more is tried, not even the retries when they fall due.
    let tried = gateway.sent().len();
    assert!(tried >= GATEWAY_DOWN_AFTER as usize, "{tried}");
    clock.fetch_add(120_000, Ordering::SeqCst);
    tokio::time::sleep(POLL * 3).await;
    assert_eq!(gateway.sent().len(), tried);
    run.abort();
    let _ = run.await;

    // No gateway configured: paused at once, saying so; nothing is stored.
    let id = campaign(&store, &[("N-1", "13900000009", "zh")]).await;
    run_sms_campaign(env(&store, None, clock), id).await;
    let (st, reason) = status(&store, id).await;
    assert_eq!(st, CampaignStatus::Paused);
    assert!(reason.unwrap().contains("no SMS gateway is configured"));
    assert!(store
        .campaign_messages(id, None, 10)
        .await
        .unwrap()
        .is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

/// Holds every text until released.
struct HeldGateway {
    release: tokio::sync::Semaphore,
    sent: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl SmsSender for HeldGateway {
    async fn submit(&self, to: &str, _: &str) -> Submission {
        self.sent.lock().unwrap().push(to.to_string());
        let _ = self.release.acquire().await.unwrap();
        Submission::Accepted {
            message_ids: vec![format!("H{to}")],
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_with_a_text_under_way_the_run_ends_once_it_is_answered() {
    let (store, _, dir) = crate::test_store::with_a_district("sms-stop").await;
    let id = campaign(&store, &[("S-1", "13900000001", "zh")]).await;
    let held = Arc::new(HeldGateway {
        release: tokio::sync::Semaphore::new(0),
        sent: Mutex::new(Vec::new()),
    });
    let clock = Arc::new(AtomicI64::new(TEN));
    let mut e = env(&store, None, clock);
    e.sms = Some(held.clone() as Arc<dyn SmsSender>);
    let run = tokio::spawn(run_sms_campaign(e, id));
    until("the text handed over", || async {
        held.sent.lock().unwrap().len() == 1
    })
    .await;
    store
        .set_campaign_status(id, CampaignStatus::Stopped, Some("enough"), TEN)
        .await
        .unwrap();
    tokio::time::sleep(POLL * 3).await;
    assert!(!run.is_finished(), "the text under way is awaited");
    held.release.add_permits(1);
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("the run ends once the text is answered")
        .unwrap();
    let m = &store.campaign_messages(id, None, 10).await.unwrap()[0];
    assert_eq!(
        (m.status.as_str(), m.smsc_ids.as_deref()),
        ("submitted", Some("H13900000001"))
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_the_smsc_could_not_deliver_is_sent_again_and_the_campaign_waits_for_receipts() {
    let (store, _, dir) = crate::test_store::with_a_district("sms-receipts").await;
    let gateway = FakeGateway::new(&[]);
    let id = campaign_with(
        &store,
        &[("R-1", "13900000001", "zh"), ("R-2", "13900000002", "zh")],
        600,
    )
    .await;
    let clock = Arc::new(AtomicI64::new(TEN));
    let run = tokio::spawn(run_sms_campaign(
        env(&store, Some(gateway.clone()), clock.clone()),
        id,
    ));
    let smsc_id = |account: &'static str, attempt: i64| {
        let store = store.clone();
        async move {
            let all = store.campaign_messages(id, None, 100).await.unwrap();
            all.into_iter()
                .find(|m| m.account == account && m.attempt == attempt)
                .and_then(|m| m.smsc_ids)
        }
    };
    until("both accepted", || async {
        smsc_id("R-1", 1).await.is_some() && smsc_id("R-2", 1).await.is_some()
    })
    .await;
    // Accepted is not the end: the campaign waits for the receipts.
    tokio::time::sleep(RECEIPTS_EVERY + POLL).await;
    assert_eq!(status(&store, id).await.0, CampaignStatus::Running);
    let at = clock.load(Ordering::SeqCst);
    let r2 = smsc_id("R-2", 1).await.unwrap();
    let r1 = smsc_id("R-1", 1).await.unwrap();
    store.apply_receipt(&r2, "delivered", at).await.unwrap();
    store.apply_receipt(&r1, "undeliverable", at).await.unwrap();
    until("R-1 due again", || async {
        states(&store, id).await[0].1 == "due"
    })
    .await;
    assert_eq!(gateway.sent().len(), 2);
    // retry.failed: 1 minute after the receipt, the text goes again.
    clock.fetch_add(61_000, Ordering::SeqCst);
    until("R-1's second text accepted", || async {
        smsc_id("R-1", 2).await.is_some()
    })
    .await;
    tokio::time::sleep(RECEIPTS_EVERY + POLL).await;
    assert_eq!(status(&store, id).await.0, CampaignStatus::Running);
    let again = smsc_id("R-1", 2).await.unwrap();
    let at = clock.load(Ordering::SeqCst);
    store.apply_receipt(&again, "delivered", at).await.unwrap();
    until("done", || async {
        status(&store, id).await.0 == CampaignStatus::Done
    })
    .await;
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the run ends")
        .unwrap();
    let messages = store.campaign_messages(id, None, 100).await.unwrap();
    let r1: Vec<_> = messages
        .iter()
        .filter(|m| m.account == "R-1")
        .map(|m| (m.attempt, m.status.as_str()))
        .collect();
    assert_eq!(r1, vec![(1, "undeliverable"), (2, "delivered")]);
    assert_eq!(gateway.sent().len(), 3, "{:?}", gateway.sent());
    let s = states(&store, id).await;
    assert_eq!(
        (s[0].1.as_str(), s[0].2.as_deref()),
        ("done", Some("delivered")),
        "{s:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
