//! The ACD's shell: one task owns the pure router (`hotline_acd::Router`, in [`Core`] with its
//! clocks), feeds it the inputs the controller and the desktop API (`port`) send, wakes it at
//! its next deadline, and hands its outputs to the controller; queue reloads on SIGHUP are in
//! `reload`. The router runs on a monotonic clock and its times are turned into Unix times
//! where they leave it for people (`clock`). The agents come from the store: who they are on
//! SIP, their staff number for the announcement, their skills, and the queues they serve
//! (every queue whose required skills they have).

pub mod clock;
mod directory;
mod port;
pub mod reload;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use hotline_acd::{
    AgentId, AgentProfile, AgentSnapshot, Input, Output, QueueConfig, Refusal, Router, Snapshot,
};
use hotline_store::Agent;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

pub use clock::{Clocks, Shift};
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
    /// An input, with the instant it happened when the sender knows it (the call core's
    /// time of it): the router takes it at its own time then, however long the message
    /// waited in the channel; else now.
    Input(Input, Option<std::time::Instant>),
    /// An input whose outputs (also carried out as usual) and the agent's state afterwards
    /// are wanted back.
    Request {
        input: Input,
        agent: AgentId,
        reply: oneshot::Sender<(Vec<Output>, Option<AgentSnapshot>)>,
    },
    /// The snapshot in Unix times (`true`) or in the router's (`false`, for the metrics).
    Snapshot(oneshot::Sender<Snapshot>, bool),
    /// The agent's phone went from no registration to registered: ready, if the agent is
    /// still as logging in left them (never over a state someone chose).
    RegisteredFresh(AgentId),
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
        let _ = self.tx.send(Msg::Input(input, None));
    }

    /// Sends `input`, which happened at `at` (the call core's time of it).
    pub fn send_at(&self, input: Input, at: std::time::Instant) {
        let _ = self.tx.send(Msg::Input(input, Some(at)));
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

    /// The opening hours of queue `name` (None: no such queue, or always open).
    pub fn queue_hours(&self, name: &str) -> Option<hotline_call::control::QueueHours> {
        let queues = self.queues.read().ok()?;
        let q = queues.iter().find(|q| q.name == name)?;
        Some(hotline_call::control::QueueHours {
            calendar: q.calendar.clone()?,
            after_hours: q.after_hours.clone(),
        })
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

    /// The queues and agents now, times in Unix time; `None` when the router task is gone.
    pub async fn snapshot(&self) -> Option<Snapshot> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Msg::Snapshot(reply, true)).ok()?;
        rx.await.ok()
    }

    /// The same in the router's monotonic time (for the metrics, which count seconds between
    /// the router's times and its outputs').
    pub async fn router_snapshot(&self) -> Option<Snapshot> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Msg::Snapshot(reply, false)).ok()?;
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

/// The router on its clocks: what the router task does with each message, without the task,
/// so that tests drive it on fake clocks. Outputs come in the router's time; [`Core::shift`]
/// turns them into Unix times for people.
pub struct Core {
    router: Router,
    clocks: Clocks,
}

impl Core {
    pub fn new(queues: Vec<QueueConfig>, clocks: Clocks) -> Core {
        Core {
            router: Router::new(queues),
            clocks,
        }
    }

    /// Applies `input` at the router's time now.
    pub fn handle(&mut self, input: Input) -> Vec<Output> {
        self.router.handle(input, self.clocks.mono())
    }

    /// Applies `input`, which happened at `at` (it waited in the channel since), at the
    /// router's time of `at` (the router never goes back before a time it has seen).
    pub fn handle_at(&mut self, input: Input, at: std::time::Instant) -> Vec<Output> {
        self.router.handle(input, self.clocks.mono_at(at))
    }

    /// Replaces the queues (see `Router::reconfigure`).
    pub fn reconfigure(&mut self, queues: Vec<QueueConfig>) -> Vec<Output> {
        self.router.reconfigure(queues, self.clocks.mono())
    }

    /// How long until the router's next timer is due; `None`: no timer.
    pub fn wait(&self) -> Option<std::time::Duration> {
        let at = self.router.next_deadline()?;
        let ms = at.saturating_sub(self.clocks.mono()).max(0);
        Some(std::time::Duration::from_millis(
            u64::try_from(ms).unwrap_or(0),
        ))
    }

    /// The queues and agents now, in the router's time.
    pub fn snapshot(&self) -> Snapshot {
        self.router.snapshot(self.clocks.mono())
    }

    /// An agent's state, in the router's time.
    pub fn agent(&self, id: AgentId) -> Option<AgentSnapshot> {
        self.router.agent(id)
    }

    /// Router time → Unix time, as of now.
    pub fn shift(&self) -> Shift {
        self.clocks.shift()
    }
}

/// Starts the router task with the store's active agents logged in, on `clocks`; wrap-ups
/// held for the call's reasons or not (`Router::hold_wrap_up_for_reasons`). Each output
/// goes to `observe` in the router's time (the metrics) and then to `out`, still in the
/// router's time, with the [`Shift`] that turns its times into Unix time for people (the live
/// events). The call core takes it in the router's time: it only measures durations (the
/// wrap-up each call cost), which a wall-clock step must not stretch or shrink.
pub fn spawn(
    queues: Vec<QueueConfig>,
    agents: &[Agent],
    ready_on_register: bool,
    hold_wrap_up_for_reasons: bool,
    clocks: Clocks,
    observe: impl Fn(&Output) + Send + 'static,
    out: impl Fn(Output, Shift) + Send + 'static,
) -> AcdHandle {
    let mut core = Core::new(queues.clone(), clocks);
    core.router
        .hold_wrap_up_for_reasons(hold_wrap_up_for_reasons);
    let emit = move |o: Output, shift: Shift| {
        observe(&o);
        out(o, shift);
    };
    let agents: Vec<&Agent> = agents.iter().filter(|a| a.active).collect();
    for a in &agents {
        let p = profile(a, &queues);
        debug!(agent = a.id, queues = ?p.queues, "agent known to the ACD");
        let outputs = core.handle(Input::AgentLogin(p));
        let shift = core.shift();
        for o in outputs {
            emit(o, shift);
        }
    }
    info!(queues = queues.len(), agents = agents.len(), "ACD started");
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    tokio::spawn(async move {
        loop {
            let msg = match core.wait() {
                Some(wait) => {
                    tokio::select! {
                        m = rx.recv() => m,
                        _ = tokio::time::sleep(wait) => Some(Msg::Input(Input::Tick, None)),
                    }
                }
                None => rx.recv().await,
            };
            let Some(msg) = msg else { break };
            match msg {
                Msg::Input(input, at) => {
                    let arriving = match &input {
                        Input::CallArrived(req) => Some(req.id),
                        _ => None,
                    };
                    let outputs = match at {
                        Some(at) => core.handle_at(input, at),
                        None => core.handle(input),
                    };
                    let shift = core.shift();
                    for o in outputs {
                        // A queue removed by a reload while a flow still names it: the
                        // caller must not wait for nothing.
                        if let (Some(call), Output::Refused(Refusal::UnknownQueue(q))) =
                            (arriving, &o)
                        {
                            warn!(call = call.0, queue = %q, "transfer to an unknown queue: a ticket instead");
                            emit(
                                Output::QueueRemoved {
                                    call,
                                    exit: hotline_acd::Exit::Ticket,
                                },
                                shift,
                            );
                        }
                        emit(o, shift);
                    }
                }
                Msg::Request {
                    input,
                    agent,
                    reply,
                } => {
                    let outputs = core.handle(input);
                    let shift = core.shift();
                    for o in &outputs {
                        emit(o.clone(), shift);
                    }
                    let outputs = outputs.into_iter().map(|o| shift.output(o)).collect();
                    let _ = reply.send((outputs, core.agent(agent).map(|a| shift.agent(a))));
                }
                Msg::Snapshot(reply, for_people) => {
                    let snap = core.snapshot();
                    let snap = if for_people {
                        core.shift().snapshot(snap)
                    } else {
                        snap
                    };
                    let _ = reply.send(snap);
                }
                Msg::RegisteredFresh(agent) => {
                    let fresh = core.agent(agent).is_some_and(|a| {
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
                        let outputs = core.handle(Input::AgentReady(agent));
                        let shift = core.shift();
                        for o in outputs {
                            emit(o, shift);
                        }
                    } else {
                        debug!(
                            agent = agent.0,
                            "phone registered: the agent's state is kept"
                        );
                    }
                }
                Msg::Reconfigure(queues) => {
                    info!(queues = queues.len(), "ACD queues reconfigured");
                    let outputs = core.reconfigure(queues);
                    let shift = core.shift();
                    for o in outputs {
                        emit(o, shift);
                    }
                }
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
