//! A preview campaign's run against a real SQLite store, the board the desk reads, fake
//! agents and a fake placer, on a clock the test moves: each target is offered to a free
//! agent (the one ready longest first, one offer each); a skip is stored with its reason and
//! the next target offered; a dial stores the attempt and places the call with the agent's
//! phone first, its result stored and the offer gone; an offer not decided in time is taken
//! back, its agent made not ready, and offered to another agent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use hotline_campaign::preview::{ReadyAgent, DECIDE_WITHIN_MS};
use hotline_web::{PreviewDecision, PreviewPort, PreviewRefusal};

use super::preview::PreviewBoard;
use super::tests::{answered, campaign_in, env, states, until, FakePlacer};
use super::*;

/// The agents of queue `general`: who is ready since when; a missed offer makes its agent
/// not ready; agent 30's phone is not registered.
#[derive(Default)]
struct Desks {
    ready: Mutex<Vec<ReadyAgent>>,
    missed: Mutex<Vec<i64>>,
}

#[async_trait::async_trait]
impl FreeAgents for Desks {
    async fn free(&self, queue: &str) -> Option<u32> {
        assert_eq!(queue, "general");
        Some(u32::try_from(self.ready.lock().unwrap().len()).unwrap())
    }
    async fn ready(&self, queue: &str) -> Option<Vec<ReadyAgent>> {
        assert_eq!(queue, "general");
        Some(self.ready.lock().unwrap().clone())
    }
    async fn missed(&self, agent: i64) {
        self.missed.lock().unwrap().push(agent);
        self.ready.lock().unwrap().retain(|a| a.agent != agent);
    }
    async fn can_dial(&self, agent: i64) -> Result<(), String> {
        if agent == 30 {
            Err("your phone is not registered".into())
        } else {
            Ok(())
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_targets_are_offered_decided_dialled_by_the_agent_or_taken_back() {
    let (store, _, dir) = crate::test_store::with_a_district("campaign-preview").await;
    let targets = [
        ("V-1", "13600000001"),
        ("V-2", "13600000002"),
        ("V-3", "13600000003"),
    ];
    let settings = serde_json::json!({"window": ["00:00-24:00"], "skip_holidays": false});
    let id = campaign_in(&store, &targets, "preview", Some("general"), settings).await;
    let placer = FakePlacer::new(&[("13600000002", vec![Some(answered())])]);
    let desks = Arc::new(Desks::default());
    *desks.ready.lock().unwrap() = vec![
        ReadyAgent {
            agent: 10,
            since: 200,
        },
        ReadyAgent {
            agent: 20,
            since: 100,
        },
    ];
    let agents: Arc<dyn FreeAgents> = desks.clone();
    let board = Arc::new(PreviewBoard::new(None, Some(agents.clone())));
    let offset = Arc::new(AtomicI64::new(0));
    let env = RunnerEnv {
        agents: Some(agents),
        preview: Some(board.clone()),
        ..env(&store, placer.clone(), offset.clone())
    };
    let run = tokio::spawn(run_campaign(env, id));
    until("two offers", || async { board.holding().len() == 2 }).await;
    // Agent 20 was ready longest: V-1; agent 10: V-2. Nothing is dialled yet.
    let of = |agent| board.offer(agent).map(|o| o.account);
    assert_eq!(
        (of(20).as_deref(), of(10).as_deref()),
        (Some("V-1"), Some("V-2"))
    );
    let o = board.offer(20).unwrap();
    assert_eq!(
        (o.number.as_str(), o.data["amount_due"].as_str(), o.dialling),
        ("13600000001", "207.00", false)
    );
    assert!(placer.placed().is_empty(), "an offer is not a call");
    assert_eq!(board.offer(30), None);
    assert_eq!(
        board.decide(30, PreviewDecision::Dial).await,
        Err(PreviewRefusal::NoOffer)
    );

    // Agent 20 skips V-1: stored with the reason; V-3 is offered to him.
    let skipped = board
        .decide(20, PreviewDecision::Skip("paid at the counter".into()))
        .await
        .unwrap();
    assert_eq!(skipped.account, "V-1");
    until("V-3 offered to agent 20", || async {
        of(20).as_deref() == Some("V-3")
    })
    .await;
    let s = states(&store, id).await;
    assert_eq!(
        s[0],
        (
            "V-1".to_string(),
            "skipped".to_string(),
            Some("paid at the counter".to_string())
        )
    );

    // Agent 10 dials V-2: placed with her phone first; answered; the offer goes with the call.
    let dialling = board.decide(10, PreviewDecision::Dial).await.unwrap();
    assert!(dialling.dialling);
    assert_eq!(
        board.decide(10, PreviewDecision::Dial).await,
        Err(PreviewRefusal::Dialling),
        "once"
    );
    until("V-2 placed", || async { placer.placed().len() == 1 }).await;
    let req = placer.placed.lock().unwrap()[0].clone();
    assert_eq!(
        (req.number.as_str(), req.preview, req.attempt),
        ("13600000002", Some(10), 1)
    );
    until("V-2 answered and stored", || async {
        states(&store, id).await[1].1 == "done"
    })
    .await;
    until("agent 10's offer gone with the call", || async {
        board.offer(10).is_none()
    })
    .await;
    let attempts = store.campaign_attempts(id, None, 10).await.unwrap();
    assert_eq!(attempts.len(), 1, "one attempt: the dial, not the offers");
    assert_eq!(attempts[0].result.as_deref(), Some("answered"));

    // Agent 20 leaves V-3 undecided: taken back, he is made not ready, agent 10 gets it.
    offset.store(DECIDE_WITHIN_MS + 1_000, Ordering::SeqCst);
    until("V-3 offered to agent 10", || async {
        of(10).as_deref() == Some("V-3")
    })
    .await;
    assert_eq!(*desks.missed.lock().unwrap(), vec![20]);
    assert_eq!(board.offer(20), None);
    assert_eq!(board.holding(), BTreeSet::from([10]));
    // Agent 10 takes an inbound call while V-3 waits on her desk (the router no longer has
    // her ready): when it is taken back she is busy, not away, and stays as she is.
    desks.ready.lock().unwrap().retain(|a| a.agent != 10);
    offset.store(2 * (DECIDE_WITHIN_MS + 1_000), Ordering::SeqCst);
    until("V-3 taken back from agent 10", || async {
        board.offer(10).is_none()
    })
    .await;
    assert_eq!(
        *desks.missed.lock().unwrap(),
        vec![20],
        "an agent on a call is not made not ready"
    );
    desks.ready.lock().unwrap().push(ReadyAgent {
        agent: 10,
        since: 300,
    });
    until("V-3 offered to agent 10 again", || async {
        of(10).as_deref() == Some("V-3")
    })
    .await;
    // An agent whose phone is not registered cannot dial what is offered to him.
    let mut other = board.offer(10).unwrap();
    other.target = 999;
    assert!(board.put(30, other, 1));
    assert_eq!(
        board.decide(30, PreviewDecision::Dial).await,
        Err(PreviewRefusal::NotNow(
            "your phone is not registered".into()
        ))
    );
    assert!(!board.offer(30).unwrap().dialling);
    run.abort();
    let _ = run.await;
    assert!(
        board.holding().is_empty(),
        "the run's offers are taken back when it ends"
    );
    let _ = std::fs::remove_dir_all(dir);
}
