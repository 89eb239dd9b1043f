//! Test harness: a router with a fake clock that ticks at every deadline while time advances,
//! and checks the router's invariants after every input.

use std::collections::BTreeMap;

use hotline_acd::{
    AgentId, AgentProfile, AgentState, CallId, CallRequest, Input, Millis, Output, QueueConfig,
    Router, Tier,
};

pub const T0: Millis = 1_700_000_000_000;

pub struct Sim {
    pub r: Router,
    pub now: Millis,
}

pub fn a(id: i64) -> AgentId {
    AgentId(id)
}

pub fn c(id: u64) -> CallId {
    CallId(id)
}

pub fn secs(s: i64) -> Millis {
    s * 1000
}

/// A queue with no announcements, long ring, no wrap-up unless the test sets them.
pub fn queue(name: &str) -> QueueConfig {
    let mut q = QueueConfig::new(name);
    q.announce_secs = 0;
    q.wrap_up_secs = 0;
    q
}

pub fn profile(id: i64, skills: &[(&str, u8)], langs: &[&str], queues: &[&str]) -> AgentProfile {
    AgentProfile {
        id: a(id),
        skills: skills
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>(),
        languages: langs.iter().map(|s| s.to_string()).collect(),
        queues: queues.iter().map(|s| s.to_string()).collect(),
    }
}

pub fn call(id: u64, queue: &str) -> CallRequest {
    CallRequest::new(c(id), queue)
}

pub fn key_call(id: u64, queue: &str, manager: i64) -> CallRequest {
    let mut r = call(id, queue);
    r.tier = Tier::KeyAccount;
    r.preferred_agent = Some(a(manager));
    r
}

impl Sim {
    pub fn new(queues: Vec<QueueConfig>) -> Sim {
        Sim {
            r: Router::new(queues),
            now: T0,
        }
    }

    pub fn send(&mut self, input: Input) -> Vec<Output> {
        let out = self.r.handle(input, self.now);
        if let Err(e) = self.r.check_invariants() {
            panic!(
                "invariant broken at {}: {e}\noutputs: {out:?}",
                self.now - T0
            );
        }
        out
    }

    /// Advances the clock by `ms`, ticking at every deadline on the way (and at the end).
    pub fn advance(&mut self, ms: Millis) -> Vec<Output> {
        let target = self.now + ms;
        let mut out = Vec::new();
        while let Some(d) = self.r.next_deadline() {
            if d > target {
                break;
            }
            self.now = d.max(self.now);
            out.extend(self.send(Input::Tick));
        }
        self.now = target;
        out.extend(self.send(Input::Tick));
        out
    }

    /// Logs in, registers and makes ready.
    pub fn agent(&mut self, p: AgentProfile) -> Vec<Output> {
        let id = p.id;
        let mut out = self.send(Input::AgentLogin(p));
        out.extend(self.send(Input::AgentRegistered {
            agent: id,
            registered: true,
        }));
        out.extend(self.send(Input::AgentReady(id)));
        out
    }

    /// A plain agent serving `queues`, ready.
    pub fn plain_agent(&mut self, id: i64, queues: &[&str]) -> Vec<Output> {
        self.agent(profile(id, &[], &[], queues))
    }

    pub fn arrive(&mut self, req: CallRequest) -> Vec<Output> {
        self.send(Input::CallArrived(req))
    }

    pub fn answer(&mut self, call: u64, agent: i64) -> Vec<Output> {
        self.send(Input::Answered {
            call: c(call),
            agent: a(agent),
        })
    }

    pub fn end(&mut self, call: u64) -> Vec<Output> {
        self.send(Input::CallEnded(c(call)))
    }

    pub fn state(&self, agent: i64) -> AgentState {
        self.r
            .snapshot(self.now)
            .agents
            .into_iter()
            .find(|s| s.id == a(agent))
            .map(|s| s.state)
            .unwrap_or(AgentState::LoggedOut { since: 0 })
    }
}

/// The (call, agent) pairs of `Offer` outputs.
pub fn offers(out: &[Output]) -> Vec<(u64, i64)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Offer { call, agent } => Some((call.0, agent.0)),
            _ => None,
        })
        .collect()
}

/// The single offer in `out`, if exactly one.
pub fn offer(out: &[Output]) -> Option<(u64, i64)> {
    match offers(out).as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

pub fn refused(out: &[Output]) -> bool {
    out.iter().any(|o| matches!(o, Output::Refused(_)))
}

pub fn announces(out: &[Output]) -> Vec<(u64, u32, Option<Millis>)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Announce {
                call,
                position,
                expected_wait_ms,
            } => Some((call.0, *position, *expected_wait_ms)),
            _ => None,
        })
        .collect()
}
