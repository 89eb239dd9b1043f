//! The router: one state machine fed by `handle(input, now)`, returning what the shell must
//! do. This module holds the state and the input dispatch; the work is in the submodules.

mod agents;
mod calls;
mod check;
mod estimate;
mod external;
mod index;
mod reconfig;
mod slots;
mod snapshot;
mod tick;

use std::collections::HashMap;

pub use snapshot::{AgentSnapshot, QueueSnapshot, Snapshot};

use crate::agent::Agent;
use crate::call::Call;
use crate::config::QueueConfig;
use crate::hot::Hot;
use crate::ids::{AgentId, CallId, IdMap, Millis};
use crate::model::{Input, Output};
use crate::queue::Queue;
use crate::rules::{Interner, QueueRules};
use crate::timers::Timers;
use slots::Queues;

/// The ACD router. Pure: no clock, no I/O; see the crate documentation.
#[derive(Debug)]
pub struct Router {
    /// The latest `now` seen; time never runs backwards inside the router.
    now: Millis,
    syms: Interner,
    queues: Queues,
    /// Every slot by name (open and removed).
    queue_index: HashMap<String, usize>,
    /// Boxed so that growing the map moves pointers, not call records.
    calls: IdMap<CallId, Box<Call>>,
    agents: IdMap<AgentId, Agent>,
    /// Compact agent rows for estimates, indexed by `Agent::slot`.
    hot: Vec<Hot>,
    timers: Timers,
    /// Wrap-up waits for the call's reasons (see `hold_wrap_up_for_reasons`).
    hold_for_reasons: bool,
}

impl Router {
    /// A router for these queues (validate them first with [`crate::validate`]; values it would
    /// refuse are made harmless, and of two queues with one name the first is used).
    pub fn new(queues: Vec<QueueConfig>) -> Router {
        let mut r = Router {
            now: Millis::MIN,
            syms: Interner::default(),
            queues: Queues::default(),
            queue_index: HashMap::new(),
            calls: IdMap::default(),
            agents: IdMap::default(),
            hot: Vec::new(),
            timers: Timers::default(),
            hold_for_reasons: false,
        };
        for cfg in &queues {
            if r.queue_index.contains_key(&cfg.name) {
                continue;
            }
            let rules = QueueRules::resolve(cfg, &mut r.syms);
            let slot = r.queues.push(Queue::new(rules));
            r.queue_index.insert(cfg.name.clone(), slot);
        }
        r
    }

    /// Where the call's reasons are required (`acd.wrapup_reasons_required`): an agent's
    /// wrap-up whose time is over stays in wrap-up until `Input::WrapUpReasons` says the
    /// reasons are given, then the agent is ready as the timer would have made them. Applies
    /// to wrap-ups that start after the change. Off by default: the timer ends wrap-up.
    pub fn hold_wrap_up_for_reasons(&mut self, on: bool) {
        self.hold_for_reasons = on;
    }

    /// Handles one input at `now` (a `now` earlier than one already seen is taken as that one).
    pub fn handle(&mut self, input: Input, now: Millis) -> Vec<Output> {
        let now = now.max(self.now);
        self.now = now;
        let mut out = Vec::new();
        match input {
            Input::Tick => self.tick(now, &mut out),
            Input::CallArrived(req) => self.call_arrived(req, now, &mut out),
            Input::CallAbandoned(call) => self.call_gone(call, now, &mut out),
            Input::CallEnded(call) => self.call_gone(call, now, &mut out),
            Input::CallbackRequested { call, number } => {
                self.callback_requested(call, number, &mut out)
            }
            Input::CallbackResult { call, reached } => {
                self.callback_result(call, reached, now, &mut out)
            }
            Input::Answered { call, agent } => self.answered(call, agent, now, &mut out),
            Input::NoAnswer { call, agent } => self.no_answer(call, agent, now, false, &mut out),
            Input::Busy { call, agent } | Input::Failed { call, agent } => {
                self.offer_failed(call, agent, now, &mut out)
            }
            Input::AgentLogin(profile) => self.login(profile, now, &mut out),
            Input::AgentUpdated(profile) => self.update_profile(profile, now, &mut out),
            Input::AgentLogout(agent) => self.logout(agent, now, &mut out),
            Input::AgentReady(agent) => self.ready(agent, now, &mut out),
            Input::AgentNotReady { agent, reason } => self.not_ready(agent, reason, now, &mut out),
            Input::EndWrapUp(agent) => self.end_wrap_up(agent, now, &mut out),
            Input::AgentOnCall { agent, call } => self.external_call(agent, call, now, &mut out),
            Input::WrapUpReasons(agent) => self.reasons_given(agent, now, &mut out),
            Input::AgentRegistered { agent, registered } => {
                self.registered(agent, registered, now, &mut out)
            }
        }
        out
    }

    /// The earliest time at which a `Tick` would change something (ring timeout, step change,
    /// relaxation, wrap-up end, announcement, max wait, callback retry); `None` = nothing due.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.timers.first()
    }

    /// Number of calls the router holds (waiting, ringing, between callback attempts,
    /// connected).
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// The agent's record, created (logged out) on first sight.
    fn agent_entry(&mut self, id: AgentId, now: Millis) -> &mut Agent {
        let slot = u32::try_from(self.hot.len()).unwrap_or(u32::MAX);
        let hot = &mut self.hot;
        self.agents.entry(id).or_insert_with(|| {
            hot.push(Hot::new(id));
            Agent::new(id, slot, now)
        })
    }

    fn open_queue(&self, name: &str) -> Option<usize> {
        self.queue_index
            .get(name)
            .copied()
            .filter(|&q| self.queues.get(q).is_some_and(|q| q.open))
    }
}
