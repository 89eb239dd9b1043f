//! The ACD's shell: one task owns the pure router (`hotline_acd::Router`, on the call core's
//! contract and monotonic clock through `hotline_call::acd::RouterCore`), feeds it the
//! inputs the controller and the desktop API (`port`) send, wakes it at its next deadline,
//! and hands its outputs to the controller; queue reloads on SIGHUP are in `reload`. The agents come from the store: who they are on SIP,
//! their staff number for the announcement, their skills, and the queues they serve (every
//! queue whose required skills they have).

mod directory;
mod port;
pub mod reload;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use hotline_acd::{
    AgentId, AgentProfile, AgentSnapshot, Input, Output, QueueConfig, Refusal, Router, Snapshot,
};
use hotline_store::Agent;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use hotline_call::acd::RouterCore;
use hotline_core::{Core, Now};

pub use directory::{AgentCard, Directory};

/// An agent's profile for the router: skills, language, and the queues whose required
/// skills (levels aside) the agent has.
pub fn profile(a: &Agent, queues: &[QueueConfig]) -> AgentProfile {
    let skills: BTreeMap<String, u8> = a
        .skills
        .iter()
        .map(|(s, l)| (s.clone(), (*l).clamp(0, 10) as u8))
        .collect();
    let serves = queues
        .iter()
        .filter(|q| {
            q.skills
                .iter()
                .filter(|(_, level)| **level > 0)
                .all(|(s, _)| skills.get(s).is_some_and(|l| *l > 0))
        })
        .map(|q| q.name.clone())
        .collect();
    AgentProfile {
        id: AgentId(a.id),
        skills,
        languages: vec![a.language.clone()],
        queues: serves,
    }
}

/// What the router task is sent.
enum Msg {
    Input(Input),
    /// An input whose outputs (also carried out as usual) and the agent's state afterwards
    /// are wanted back.
    Request {
        input: Input,
        agent: AgentId,
        reply: oneshot::Sender<(Vec<Output>, Option<AgentSnapshot>)>,
    },
    Snapshot(oneshot::Sender<Snapshot>),
    /// The agent's phone went from no registration to registered: ready, if the agent is
    /// still as logging in left them (never over a state someone chose).
    RegisteredFresh(AgentId),
    /// A timer of the router is due.
    Due,
    /// New queues (validated by the sender).
    Reconfigure(Vec<QueueConfig>),
}

/// Sends inputs to the router task; knows the agents. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AcdHandle {
    tx: mpsc::UnboundedSender<Msg>,
    directory: Arc<RwLock<Directory>>,
    /// The queues in force (to build a profile at login).
    queues: Arc<RwLock<Vec<QueueConfig>>>,
    /// A phone registering makes its logged-in agent ready.
    ready_on_register: bool,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("acd message")
    }
}

impl AcdHandle {
    pub fn send(&self, input: Input) {
        let _ = self.tx.send(Msg::Input(input));
    }

    /// The queues in force.
    pub fn queue_configs(&self) -> Vec<QueueConfig> {
        self.queues.read().map(|q| q.clone()).unwrap_or_default()
    }

    /// The names of the queues in force.
    pub fn queue_names(&self) -> Vec<String> {
        self.queues
            .read()
            .map(|q| q.iter().map(|q| q.name.clone()).collect())
            .unwrap_or_default()
    }

    /// The agent with this router id.
    pub fn card(&self, id: AgentId) -> Option<AgentCard> {
        self.directory.read().ok()?.get(id).cloned()
    }

    /// Whether the agent's phone is registered now.
    pub fn phone_registered(&self, agent: AgentId) -> bool {
        self.directory
            .read()
            .is_ok_and(|d| d.get(agent).is_some_and(|c| d.is_registered(&c.sip_user)))
    }

    /// The agent whose phone is this SIP user.
    pub fn agent_for_sip_user(&self, user: &str) -> Option<AgentId> {
        self.directory.read().ok()?.by_sip_user(user)
    }

    /// The queues and agents now; `None` when the router task is gone.
    pub async fn snapshot(&self) -> Option<Snapshot> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Msg::Snapshot(reply)).ok()?;
        rx.await.ok()
    }

    /// Applies `input` and returns its outputs and `agent`'s state afterwards.
    async fn request(
        &self,
        input: Input,
        agent: AgentId,
    ) -> Option<(Vec<Output>, Option<AgentSnapshot>)> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Request {
                input,
                agent,
                reply,
            })
            .ok()?;
        rx.await.ok()
    }

    /// Replaces the queues: waiting calls keep their place in queues that stay, calls of a
    /// removed queue leave by its exit.
    /// Every agent's profile is then recomputed (a new queue is served by the agents who
    /// have its skills; states are kept).
    pub fn reconfigure(&self, queues: Vec<QueueConfig>) {
        if let Ok(mut q) = self.queues.write() {
            q.clone_from(&queues);
        }
        let profiles: Vec<AgentProfile> = match self.directory.read() {
            Ok(d) => d.cards().map(|c| profile(&c.record, &queues)).collect(),
            Err(_) => Vec::new(),
        };
        let _ = self.tx.send(Msg::Reconfigure(queues));
        for p in profiles {
            self.send(Input::AgentUpdated(p));
        }
    }

    /// A phone's registration changed (`contacts` it has now). Only a change from no
    /// registration to registered, or back, reaches the router; a second contact (the phone
    /// re-registering from a new port) or one of two expiring changes nothing (issue 24).
    pub fn registration(&self, user: &str, contacts: usize) {
        use hotline_call::registration::Change;
        let (agent, change) = match self.directory.write() {
            Ok(mut d) => {
                let change = Change::of(d.is_registered(user), contacts);
                d.set_registered(user, contacts > 0);
                (d.by_sip_user(user), change)
            }
            Err(_) => return,
        };
        let Some(agent) = agent else { return };
        match change {
            Change::Unchanged => {}
            Change::Unregistered => self.send(Input::AgentRegistered {
                agent,
                registered: false,
            }),
            Change::Registered => {
                self.send(Input::AgentRegistered {
                    agent,
                    registered: true,
                });
                if self.ready_on_register {
                    let _ = self.tx.send(Msg::RegisteredFresh(agent));
                }
            }
        }
    }
}

/// The queues the shipped flows transfer to, until the `[acd]` configuration section lands:
/// general, billing (billing skill 2), repairs, and key accounts (the account manager for
/// 20 s, then any key-account agent until 60 s, then anyone).
const DEFAULT_QUEUES: &str = r#"
[[queues]]
name = "general"
skills = { general = 1 }

[[queues]]
name = "billing"
skills = { billing = 2 }
relax = [{ after_secs = 60, by = 1 }]

[[queues]]
name = "repairs"
skills = { repair = 1 }

[[queues]]
name = "key_accounts"
key_account_boost = 30
steps = [
  { after_secs = 0, preferred_only = true, tier = "key_account" },
  { after_secs = 20, skills = { key_account = 1 } },
  { after_secs = 60, skills = { general = 1 } },
]
"#;

#[derive(serde::Deserialize)]
struct QueuesFile {
    queues: Vec<QueueConfig>,
}

/// The built-in queues (checked by a test).
pub fn default_queues() -> Vec<QueueConfig> {
    match toml::from_str::<QueuesFile>(DEFAULT_QUEUES) {
        Ok(f) => f.queues,
        Err(e) => {
            tracing::error!(error = %e, "built-in queues do not parse");
            Vec::new()
        }
    }
}

/// Starts the router task with the store's active agents logged in; its outputs go to `out`.
pub fn spawn(
    queues: Vec<QueueConfig>,
    agents: &[Agent],
    ready_on_register: bool,
    out: impl Fn(Output) + Send + 'static,
) -> AcdHandle {
    // The router runs on the call core's contract and clock: its time is monotonic (a wall
    // clock step moves no ring timeout, wait or wrap-up), read as Unix milliseconds.
    let mut core = RouterCore::new(Router::new(queues.clone()), Now::system());
    let agents: Vec<&Agent> = agents.iter().filter(|a| a.active).collect();
    for a in &agents {
        let p = profile(a, &queues);
        debug!(agent = a.id, queues = ?p.queues, "agent known to the ACD");
        core.handle(Now::system(), Input::AgentLogin(p));
    }
    while let Some(o) = core.poll_output() {
        out(o);
    }
    info!(queues = queues.len(), agents = agents.len(), "ACD started");
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    tokio::spawn(async move {
        loop {
            let msg = match core.poll_timeout() {
                Some(at) => {
                    tokio::select! {
                        m = rx.recv() => m,
                        _ = tokio::time::sleep_until(at.into()) => Some(Msg::Due),
                    }
                }
                None => rx.recv().await,
            };
            let Some(msg) = msg else { break };
            let now = Now::system();
            match msg {
                Msg::Due => core.handle_timeout(now),
                Msg::Input(input) => {
                    let arriving = match &input {
                        Input::CallArrived(req) => Some(req.id),
                        _ => None,
                    };
                    for o in core.handle_now(now, input) {
                        // A queue removed by a reload while a flow still names it: the
                        // caller must not wait for nothing.
                        if let (Some(call), Output::Refused(Refusal::UnknownQueue(q))) =
                            (arriving, &o)
                        {
                            warn!(call = call.0, queue = %q, "transfer to an unknown queue: a ticket instead");
                            out(Output::QueueRemoved {
                                call,
                                exit: hotline_acd::Exit::Ticket,
                            });
                        }
                        out(o);
                    }
                }
                Msg::Request {
                    input,
                    agent,
                    reply,
                } => {
                    let outputs = core.handle_now(now, input);
                    for o in &outputs {
                        out(o.clone());
                    }
                    let _ = reply.send((outputs, core.router().agent(agent)));
                }
                Msg::Snapshot(reply) => {
                    let _ = reply.send(core.router().snapshot(core.clock(now)));
                }
                Msg::RegisteredFresh(agent) => {
                    let fresh = core.router().agent(agent).is_some_and(|a| {
                        let reason = match &a.state {
                            hotline_acd::AgentState::NotReady { reason, .. } => {
                                Some(reason.to_string())
                            }
                            _ => None,
                        };
                        hotline_call::registration::makes_ready(
                            hotline_call::registration::Change::Registered,
                            true,
                            a.state.name(),
                            reason.as_deref(),
                        )
                    });
                    if fresh {
                        core.handle(now, Input::AgentReady(agent));
                    } else {
                        debug!(
                            agent = agent.0,
                            "phone registered: the agent's state is kept"
                        );
                    }
                }
                Msg::Reconfigure(queues) => {
                    info!(queues = queues.len(), "ACD queues reconfigured");
                    core.reconfigure(now, queues);
                }
            }
            while let Some(o) = core.poll_output() {
                out(o);
            }
        }
    });
    let all: Vec<Agent> = agents.into_iter().cloned().collect();
    AcdHandle {
        tx,
        directory: Arc::new(RwLock::new(Directory::new(&all))),
        queues: Arc::new(RwLock::new(queues)),
        ready_on_register,
    }
}

/// Sends the queues and agents to open event streams every `every` (nothing while no
/// desktop or wallboard listens).
pub fn spawn_overviews(acd: AcdHandle, live: hotline_web::LiveSender, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if live.readers() == 0 {
                continue;
            }
            match acd.snapshot().await {
                Some(snap) => {
                    let _ = live.send(hotline_web::LiveEvent::Overview(snap));
                }
                None => break,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_queues_parse_and_validate() {
        let q = default_queues();
        assert_eq!(q.len(), 4);
        hotline_acd::validate(&q).expect("valid queues");
    }
}
