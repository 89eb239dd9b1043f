//! The campaign runner: the shell around `hotline-campaign`'s dialler. It watches the store
//! for running campaigns and runs each (`run.rs`): the dialler rebuilt from the stored targets
//! and attempts, fed the time, the operators' moves (read from the store), the do-not-call
//! list's new entries (just before it may dial) and each call's outcome; every attempt stored
//! before its call is placed, every result and target state after. Calls are placed through a
//! [`Placer`] (the call controller in the engine; a fake in the tests).
//!
//! IVR-only, progressive and preview campaigns are run; a progressive one places calls only
//! while agents of its queue are free ([`FreeAgents`], the ACD router's count), and its
//! answered customers go straight to them; a preview one offers each target to a free agent
//! of its queue on the [`preview::PreviewBoard`] the desk reads (`run/offers.rs`), who dials
//! (their phone rings first) or skips with a reason.
//!
//! SMS campaigns (`channel: "sms"` in the settings) are run by `sms.rs` with the same
//! dialler (windows, do-not-call, retries, pacing), sending a text through an [`sms::SmsSender`]
//! instead of placing a call.

pub mod preview;
mod run;
pub mod sms;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use hotline_campaign::CallResult;
use hotline_store::{CampaignStatus, Store};
use hotline_time::{CivilDate, Zone};
use tokio::task::JoinHandle;
use tracing::{info, warn};

pub use run::run_campaign;

/// How long a campaign call may ring before it counts as not answered.
pub const RING: Duration = Duration::from_secs(40);

/// How often the store is read for campaigns started, paused or stopped.
pub const POLL: Duration = Duration::from_millis(500);

/// A campaign call to place.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceRequest {
    pub campaign: i64,
    pub target: i64,
    pub attempt: u32,
    pub account: String,
    pub number: String,
    /// The number shown (the campaign's, or the route's when `None`).
    pub caller_id: Option<String>,
    /// The IVR flow the answered call runs.
    pub flow: String,
    /// The target's data, the flow's `target` variable.
    pub data: BTreeMap<String, String>,
    /// The campaign's name (an agent's screen pop shows it).
    pub campaign_name: String,
    /// Progressive: the queue whose agent takes the answered customer, and how long the
    /// customer may wait for one.
    pub progressive: Option<(String, Duration)>,
    /// Preview: the agent who saw the customer and dials (their phone rings first).
    pub preview: Option<i64>,
}

/// How a placed call ended.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlaceOutcome {
    /// `None`: not placed at all (no route, no port): a failure of the route.
    pub result: Option<CallResult>,
    pub talk_ms: Option<i64>,
    /// The keys pressed, in order.
    pub keys: Option<String>,
    pub promise_fen: Option<i64>,
    pub promise_by: Option<CivilDate>,
    pub rating: Option<i64>,
    pub opted_out: bool,
    /// A result the flow set (`reached`, `wrong_person`, …), kept as the attempt's note.
    pub note: Option<String>,
    /// The route refused or did not answer (a 5xx, a timeout): counts towards pausing.
    pub route_failure: Option<String>,
    /// The agent the customer talked to.
    pub agent: Option<i64>,
}

/// Places campaign calls and reports how each ended.
#[async_trait::async_trait]
pub trait Placer: Send + Sync {
    async fn place(&self, req: PlaceRequest) -> PlaceOutcome;

    /// As [`Placer::place`]; a progressive call's answer (the customer picked up and waits
    /// for an agent) is said on `answered` before the outcome. By default it is not said.
    async fn place_and_tell(
        &self,
        req: PlaceRequest,
        answered: Option<tokio::sync::oneshot::Sender<()>>,
    ) -> PlaceOutcome {
        drop(answered);
        self.place(req).await
    }
}

/// The agents' side of progressive and preview campaigns (the ACD router).
#[async_trait::async_trait]
pub trait FreeAgents: Send + Sync {
    /// How many agents of `queue` are free to take a campaign's customer now (ready, less
    /// the callers already waiting there); `None` when the router cannot say.
    async fn free(&self, queue: &str) -> Option<u32>;

    /// Preview: the agents ready in `queue` with a registered phone, and since when; `None`
    /// when the router cannot say.
    async fn ready(&self, _queue: &str) -> Option<Vec<hotline_campaign::preview::ReadyAgent>> {
        None
    }

    /// Preview: `agent` let an offer go undecided: not ready (missed), as an unanswered
    /// offer of a call makes them.
    async fn missed(&self, _agent: i64) {}

    /// Preview: whether `agent` can take a call now (phone registered, not on a call); the
    /// reason when not.
    async fn can_dial(&self, _agent: i64) -> Result<(), String> {
        Ok(())
    }
}

/// What every campaign run shares.
#[derive(Clone)]
pub struct RunnerEnv {
    pub store: Store,
    pub zone: Zone,
    /// Public holidays (no calls on them unless a campaign says otherwise).
    pub holidays: Arc<Vec<CivilDate>>,
    pub placer: Arc<dyn Placer>,
    /// The agents' side, for progressive campaigns (`None`: they are paused with that reason).
    pub agents: Option<Arc<dyn FreeAgents>>,
    /// The wall clock, in Unix milliseconds (a test's may be its own).
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    /// The SMS gateway SMS campaigns send through (`None`: not configured, they pause).
    pub sms: Option<Arc<dyn sms::SmsSender>>,
    /// Preview campaigns' offers to agents (`None`: preview campaigns pause).
    pub preview: Option<Arc<preview::PreviewBoard>>,
}

/// Watches the store and runs every running (or paused) campaign, for ever. A run that ended
/// on its own while its campaign is still live (it could not run: no ACD for its mode, bad
/// settings; it paused the campaign with the reason) is started again only once the campaign
/// changes (an operator resumes it), not on every look.
pub fn spawn(env: RunnerEnv) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut running: HashMap<i64, JoinHandle<()>> = HashMap::new();
        // Campaigns whose run ended: how they were then (status, last change).
        let mut ended: HashMap<i64, (CampaignStatus, i64)> = HashMap::new();
        let mut every = tokio::time::interval(POLL);
        loop {
            every.tick().await;
            let mut live = Vec::new();
            for status in [CampaignStatus::Running, CampaignStatus::Paused] {
                match env.store.campaigns(Some(status)).await {
                    Ok(all) => live.extend(all),
                    Err(e) => warn!(error = %e, "campaigns not read; trying again"),
                }
            }
            let ids: std::collections::HashSet<i64> = live.iter().map(|c| c.id).collect();
            // A run whose campaign is no longer live (stopped, done) has ended or is ending.
            running.retain(|id, task| ids.contains(id) || !task.is_finished());
            ended.retain(|id, _| ids.contains(id));
            for c in live {
                if let Some(task) = running.get(&c.id) {
                    if !task.is_finished() {
                        continue;
                    }
                    running.remove(&c.id);
                    ended.insert(c.id, (c.status, c.updated_at));
                    continue;
                }
                if ended.get(&c.id) == Some(&(c.status, c.updated_at)) {
                    continue;
                }
                ended.remove(&c.id);
                info!(campaign = c.id, name = %c.name, status = c.status.as_str(), "campaign run starts");
                let env = env.clone();
                let task = if sms::is_sms(&c) {
                    tokio::spawn(sms::run_sms_campaign(env, c.id))
                } else {
                    tokio::spawn(async move { run_campaign(env, c.id).await })
                };
                running.insert(c.id, task);
            }
        }
    })
}

#[cfg(test)]
mod preview_tests;
#[cfg(test)]
mod progressive_tests;
#[cfg(test)]
mod tests;
