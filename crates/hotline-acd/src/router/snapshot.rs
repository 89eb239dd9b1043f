//! Wallboard view: per queue (waiting, longest wait, expected wait of a new call, counters)
//! and per agent (state, since, calls handled). Built on demand in O(calls + agents).

use std::cmp::Reverse;

use crate::call::Phase;
use crate::ids::{AgentId, CallId, Millis, Tier};
use crate::model::AgentState;
use crate::queue::{CallKey, QueueCounters};
use crate::rules::Needs;

use super::Router;

/// Everything at one moment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Snapshot {
    pub at: Millis,
    /// Open queues, in configuration order.
    pub queues: Vec<QueueSnapshot>,
    /// Every agent seen (logged out ones too), by id.
    pub agents: Vec<AgentSnapshot>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueueSnapshot {
    pub name: String,
    /// Callers on the line not yet connected (waiting or being offered).
    pub waiting: u32,
    /// Of those, being offered to an agent now.
    pub ringing: u32,
    /// Callback entries not yet completed (waiting, dialling, or between attempts).
    pub callbacks_waiting: u32,
    /// Longest current wait of a caller on the line (0 when none).
    pub longest_wait_ms: Millis,
    pub agents_logged_in: u32,
    pub agents_ready: u32,
    /// Registered and ready, reserved, on a call or in wrap-up.
    pub agents_available: u32,
    /// Average talk time used for estimates (measured, or the configured default).
    pub average_talk_ms: Millis,
    /// Expected wait of a standard priority-0 call arriving now (`None`: nobody to wait for).
    pub expected_wait_ms: Option<Millis>,
    pub counters: QueueCounters,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgentSnapshot {
    pub id: AgentId,
    /// The state, with the time it was entered.
    pub state: AgentState,
    pub registered: bool,
    /// Calls connected to this agent (answers and reached callbacks).
    pub calls_handled: u64,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    waiting: u32,
    ringing: u32,
    callbacks: u32,
    longest: Millis,
}

impl Router {
    /// Counters and current figures for the wallboard and metrics.
    pub fn snapshot(&self, now: Millis) -> Snapshot {
        let now = now.max(self.now);
        let mut tally = vec![Tally::default(); self.queues.len()];
        for c in self.calls.values() {
            // One tally per queue slot, and every call holds a slot.
            let Some(t) = tally.get_mut(c.queue) else {
                continue;
            };
            match (c.phase, c.online()) {
                (Phase::Connected { .. }, _) => {}
                (_, false) => t.callbacks += 1,
                (phase, true) => {
                    t.waiting += 1;
                    t.ringing += u32::from(matches!(phase, Phase::Offered { .. }));
                    t.longest = t.longest.max(now.saturating_sub(c.enqueued));
                }
            }
        }
        let queues = self
            .queues
            .iter()
            .zip(&tally)
            .enumerate()
            .filter(|(_, (q, _))| q.open)
            .map(|(i, (q, &t))| {
                let needs = Needs {
                    skills: &[],
                    language: None,
                    tier: Tier::Standard,
                    preferred: None,
                };
                let req = q.rules.requirement(&needs, 0);
                let key = CallKey {
                    prio: Reverse(q.rules.prio_key(0, Tier::Standard, now)),
                    enqueued: now,
                    id: CallId(u64::MAX),
                };
                QueueSnapshot {
                    name: q.rules.name.clone(),
                    waiting: t.waiting,
                    ringing: t.ringing,
                    callbacks_waiting: t.callbacks,
                    longest_wait_ms: t.longest,
                    agents_logged_in: u32::try_from(q.members.len()).unwrap_or(u32::MAX),
                    agents_ready: u32::try_from(q.ready.len()).unwrap_or(u32::MAX),
                    agents_available: q.available,
                    average_talk_ms: q.aht(),
                    expected_wait_ms: self.estimate(i, &req, &key, now).1,
                    counters: q.counters,
                }
            })
            .collect();
        let mut agents: Vec<AgentSnapshot> = self.agents.values().map(agent_snapshot).collect();
        agents.sort_by_key(|a| a.id);
        Snapshot {
            at: now,
            queues,
            agents,
        }
    }

    /// One agent's state (an agent never seen: `None`).
    pub fn agent(&self, id: AgentId) -> Option<AgentSnapshot> {
        self.agents.get(&id).map(agent_snapshot)
    }
}

fn agent_snapshot(a: &crate::agent::Agent) -> AgentSnapshot {
    AgentSnapshot {
        id: a.id,
        state: a.state.clone(),
        registered: a.registered,
        calls_handled: a.handled,
    }
}
