//! A progressive campaign's run against a real SQLite store with fake agents and a placer
//! that says each customer's answer at once: an answered call lets go of the agent it was
//! placed for, so when one of the agents talking to the campaign's customers is free again,
//! the next customer is called at once (not only when as many calls as were claimed ended).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use super::tests::{answered, campaign_in, env, until, FakePlacer};
use super::*;

/// The queue's free agents, as the placer and the test change them.
struct Agents(AtomicU32);

#[async_trait::async_trait]
impl FreeAgents for Agents {
    async fn free(&self, _queue: &str) -> Option<u32> {
        Some(self.0.load(Ordering::SeqCst))
    }
}

/// Each customer answers at once and is taken by a free agent (one fewer free, then the
/// answer is said); the call ends when the test lets its number go.
struct Answering {
    agents: Arc<Agents>,
    placed: Mutex<Vec<String>>,
    released: Mutex<BTreeSet<String>>,
}

impl Answering {
    fn placed(&self) -> Vec<String> {
        self.placed.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Placer for Answering {
    async fn place(&self, req: PlaceRequest) -> PlaceOutcome {
        self.place_and_tell(req, None).await
    }

    async fn place_and_tell(
        &self,
        req: PlaceRequest,
        answered_now: Option<tokio::sync::oneshot::Sender<()>>,
    ) -> PlaceOutcome {
        self.placed.lock().unwrap().push(req.number.clone());
        let _ = self
            .agents
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if let Some(said) = answered_now {
            let _ = said.send(());
        }
        while !self.released.lock().unwrap().contains(&req.number) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        answered()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_progressive_call_lets_its_agent_go_and_a_freed_agent_gets_the_next_customer() {
    let (store, _, dir) = crate::test_store::with_a_district("campaign-answered").await;
    let targets = [
        ("Q-1", "13600000001"),
        ("Q-2", "13600000002"),
        ("Q-3", "13600000003"),
    ];
    let settings = serde_json::json!({"window": ["00:00-24:00"], "skip_holidays": false});
    let id = campaign_in(&store, &targets, "progressive", Some("general"), settings).await;
    let agents = Arc::new(Agents(AtomicU32::new(2)));
    let placer = Arc::new(Answering {
        agents: agents.clone(),
        placed: Mutex::new(Vec::new()),
        released: Mutex::new(BTreeSet::new()),
    });
    let unused = FakePlacer::new(&[]);
    let env = RunnerEnv {
        agents: Some(agents.clone()),
        placer: placer.clone(),
        ..env(&store, unused, Arc::new(AtomicI64::new(0)))
    };
    let run = tokio::spawn(run_campaign(env, id));
    // Two agents free: two customers called; both answer and talk to them.
    until("two calls", || async { placer.placed().len() == 2 }).await;
    tokio::time::sleep(POLL * 4).await;
    assert_eq!(placer.placed().len(), 2, "no agent free while both talk");
    // One call ends, its agent is free again: the third customer is called for that agent
    // (the call still under way holds no agent of its own any more).
    let first = placer.placed()[0].clone();
    agents.0.fetch_add(1, Ordering::SeqCst);
    placer.released.lock().unwrap().insert(first);
    until("the third call", || async { placer.placed().len() == 3 }).await;
    for n in placer.placed() {
        placer.released.lock().unwrap().insert(n);
    }
    agents.0.store(2, Ordering::SeqCst);
    until("done", || async {
        store.campaign(id).await.unwrap().unwrap().status == hotline_store::CampaignStatus::Done
    })
    .await;
    tokio::time::timeout(std::time::Duration::from_secs(30), run)
        .await
        .expect("the run ends")
        .unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
