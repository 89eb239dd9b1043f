//! Agent desktops for the benchmarks: agents created in the store before the engine starts
//! (login `desk<i>`, extension 40000+i, one supervisor in 20), logged in to the engine's HTTP
//! API with their live event streams (`/api/events`) open, counting what arrives; and a churn
//! that changes each agent's not-ready reason now and then, so that the streams carry
//! `agent_state` events the way a busy floor's do.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hotline_e2e::{digest, Desk, Engine};
use hotline_store::{NewAgent, Role, Store};
use serde_json::json;
use tokio::task::JoinHandle;

/// Every desktop agent's password (SIP and desktop).
pub const PASSWORD: &str = "desk-bench-pw";

pub fn login(i: usize) -> String {
    format!("desk{i}")
}

pub fn extension(i: usize) -> String {
    format!("{}", 40000 + i)
}

/// Creates (or updates) desktop agents `ids` with `skills`; every 20th is a supervisor, whose
/// stream carries every agent's events.
pub async fn add_agents(store: &Store, ids: std::ops::Range<usize>, skills: &[(&str, i64)]) {
    for i in ids {
        let role = if i % 20 == 19 {
            Role::Supervisor
        } else {
            Role::Agent
        };
        add_agent(store, i, "bench", role, skills).await;
    }
}

/// Creates (or updates) desktop agent `i` (login [`login`], SIP user [`extension`], password
/// [`PASSWORD`]) in `team` with `role` and `skills`.
pub async fn add_agent(store: &Store, i: usize, team: &str, role: Role, skills: &[(&str, i64)]) {
    use digest::Algorithm;
    let sip_user = extension(i);
    let agent = NewAgent {
        login: login(i),
        name: format!("Desk agent {i}"),
        staff_no: format!("{}", 5000 + i),
        ha1_md5: digest::ha1(Algorithm::Md5, &sip_user, "hotline", PASSWORD),
        ha1_sha256: digest::ha1(Algorithm::Sha256, &sip_user, "hotline", PASSWORD),
        sip_user,
        team: team.into(),
        role,
        language: "zh".into(),
        skills: skills.iter().map(|(s, l)| (s.to_string(), *l)).collect(),
    };
    store.upsert_agent(&agent, 0).await.expect("desk agent");
}

/// What the desktops saw.
#[derive(Default)]
pub struct Counts {
    /// Events received over all streams.
    pub events: AtomicU64,
    /// Of those, overviews (every stream gets one at the start, then every 2 s and after it
    /// fell behind).
    pub overviews: AtomicU64,
    /// State changes the churn made (answered 200).
    pub changes: AtomicU64,
    /// State changes refused or failed.
    pub failed: AtomicU64,
    /// Streams that ended before the run did.
    pub dropped: AtomicU64,
}

pub struct Desktops {
    pub n: usize,
    pub counts: Arc<Counts>,
    tasks: Vec<JoinHandle<()>>,
}

/// Logs desktops `first..first + n` in, opens their streams, and starts the churn: each
/// agent changes its not-ready reason every `churn_every` (0 = never), at its own phase.
pub async fn connect(engine: &Engine, first: usize, n: usize, churn_every: Duration) -> Desktops {
    let counts = Arc::new(Counts::default());
    let mut tasks = Vec::with_capacity(2 * n);
    for i in first..first + n {
        let desk = Desk::login_with(engine, &login(i), PASSWORD).await;
        let mut events = desk.events().await;
        let c = counts.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                match events.next(Duration::from_secs(3600)).await {
                    Some((name, _)) => {
                        c.events.fetch_add(1, Ordering::Relaxed);
                        if name == "overview" {
                            c.overviews.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    None => {
                        c.dropped.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
            }
        }));
        if churn_every.is_zero() {
            continue;
        }
        let c = counts.clone();
        let phase = churn_every.mul_f64((i % 97) as f64 / 97.0);
        tasks.push(tokio::spawn(async move {
            // In the ACD first (a 409 says it is already).
            let _ = desk.set_state(json!({ "state": "logged_in" })).await;
            tokio::time::sleep(phase).await;
            let mut tick = tokio::time::interval(churn_every);
            for k in 0u64.. {
                tick.tick().await;
                let reason = if k % 2 == 0 { "break" } else { "training" };
                let (status, _) = desk
                    .set_state(json!({ "state": "not_ready", "reason": reason }))
                    .await;
                let counter = if status == 200 { &c.changes } else { &c.failed };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    Desktops { n, counts, tasks }
}

impl Desktops {
    /// Stops the churn and the readers; one line of figures.
    pub fn stop(self) -> String {
        for t in &self.tasks {
            t.abort();
        }
        let c = &self.counts;
        format!(
            "desktops={} events={} overviews={} state_changes={} refused={} streams_dropped={}",
            self.n,
            c.events.load(Ordering::Relaxed),
            c.overviews.load(Ordering::Relaxed),
            c.changes.load(Ordering::Relaxed),
            c.failed.load(Ordering::Relaxed),
            c.dropped.load(Ordering::Relaxed),
        )
    }
}
