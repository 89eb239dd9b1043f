//! A call's phase, stated (an enum with its data in the variants) instead of inferred from
//! flags, and its timeline: the phases it went through, each with when it began on both clocks.
//! The call record ([`crate::record`]) is computed from the timeline alone.

use std::time::Instant;

use hotline_core::{Now, UnixMs};

use crate::record::Disposition;

/// Where an inbound call is now. Agents are the store's agent ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Arrived, not answered yet.
    Ringing,
    /// Answered by the engine; a flow talks to the caller (`""` = the built-in answer flow).
    Ivr { flow: String },
    /// Waiting in a queue with music and announcements.
    Queued { queue: String },
    /// Still waiting in `queue` while `agent`'s phone rings.
    Offering { queue: String, agent: i64 },
    /// `agent` answered; the caller hears the staff number before the bridge.
    Announcing { agent: i64 },
    /// Talking with `agent`.
    Bridged { agent: i64 },
    /// `agent` put the caller on hold (music).
    OnHold { agent: i64 },
    /// A call to an extension, answered by the phone dialled (`agent` when it is an agent's).
    Extension { agent: Option<i64> },
    /// Handed to an outside number (a queue's exit or after-hours route): it rings, then the
    /// two talk.
    Outside { number: String },
    /// Left the queue without an agent (callback kept its place, ticket, queue gave up): a last
    /// message, then the engine hangs up.
    Leaving { disposition: Disposition },
    /// The agent's leg ended first: the caller is in the flow that follows the agent (the
    /// survey, or the flow a desktop transfer named).
    AfterAgent { flow: String },
    /// Blind-transferred by its agent: music while `to` (an agent's login number or a masked
    /// outside number) rings.
    Transferring { to: String },
}

impl Phase {
    /// The phase's name, for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Ringing => "ringing",
            Phase::Ivr { .. } => "ivr",
            Phase::Queued { .. } => "queued",
            Phase::Offering { .. } => "offering",
            Phase::Announcing { .. } => "announcing",
            Phase::Bridged { .. } => "bridged",
            Phase::OnHold { .. } => "on_hold",
            Phase::Extension { .. } => "extension",
            Phase::Outside { .. } => "outside",
            Phase::Leaving { .. } => "leaving",
            Phase::AfterAgent { .. } => "after_agent",
            Phase::Transferring { .. } => "transferring",
        }
    }

    /// Waiting for an agent (wait time counts).
    pub fn waiting(&self) -> bool {
        matches!(self, Phase::Queued { .. } | Phase::Offering { .. })
    }

    /// With an agent (talk or hold time counts).
    pub fn with_agent(&self) -> bool {
        matches!(
            self,
            Phase::Announcing { .. }
                | Phase::Bridged { .. }
                | Phase::OnHold { .. }
                | Phase::Extension { .. }
        )
    }

    /// The agent the caller is with, when it is a known agent.
    pub fn agent(&self) -> Option<i64> {
        match self {
            Phase::Announcing { agent } | Phase::Bridged { agent } | Phase::OnHold { agent } => {
                Some(*agent)
            }
            Phase::Extension { agent } => *agent,
            _ => None,
        }
    }
}

static RINGING: Phase = Phase::Ringing;

/// One phase of a call and when it began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stint {
    pub phase: Phase,
    pub mono: Instant,
    pub unix_ms: UnixMs,
}

/// How the IVR part of a call ended, as the flow's session reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IvrOutcome {
    /// A self-service action (a `served` node), then the flow or the caller ended the call.
    SelfServed,
    /// The caller hung up before any self-service action.
    Abandoned,
    /// The flow hung up before any self-service action (e.g. the closed-hours message).
    Unserved,
}

/// Everything a call went through, in order.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub(crate) stints: Vec<Stint>,
    /// The IVR steps across every flow, `flow/node`, in order (a survey's steps appended).
    pub(crate) path: Vec<String>,
    pub(crate) ivr_outcome: Option<IvrOutcome>,
    /// The agent conversation ended before the call: who ended it, and when.
    pub(crate) agent_left: Option<(crate::Side, Instant)>,
}

impl Timeline {
    /// A call that arrived `now`.
    pub fn new(now: Now) -> Timeline {
        Timeline {
            stints: vec![Stint {
                phase: Phase::Ringing,
                mono: now.mono,
                unix_ms: now.unix_ms,
            }],
            path: Vec::new(),
            ivr_outcome: None,
            agent_left: None,
        }
    }

    /// The phase now.
    pub fn phase(&self) -> &Phase {
        // `new` pushes the first stint and nothing removes one.
        self.stints.last().map_or(&RINGING, |s| &s.phase)
    }

    /// The call enters `phase` at `now` (the same phase again is not a new stint).
    pub fn enter(&mut self, now: Now, phase: Phase) {
        if *self.phase() == phase {
            return;
        }
        self.stints.push(Stint {
            phase,
            mono: now.mono,
            unix_ms: now.unix_ms,
        });
    }

    /// The agent's leg ended while the caller stays (`side` ended it: the agent's phone or
    /// desk = `Agent`, the engine = `System`); the caller goes on to `then`.
    pub fn agent_left(&mut self, now: Now, side: crate::Side, then: Phase) {
        if self.agent_left.is_none() && self.phase().with_agent() {
            self.agent_left = Some((side, now.mono));
        }
        self.enter(now, then);
    }

    /// The router did not take an answer that crossed its ring timeout: the time since the
    /// offer was answered counts as waiting (the agent never served the caller) and the caller
    /// waits in its queue again from `now`.
    pub fn answer_withdrawn(&mut self, now: Now) {
        let queue = self.queue().unwrap_or_default().to_string();
        for s in self.stints.iter_mut().rev() {
            match s.phase {
                Phase::Announcing { agent } | Phase::Bridged { agent } => {
                    s.phase = Phase::Offering {
                        queue: queue.clone(),
                        agent,
                    }
                }
                _ => break,
            }
        }
        self.enter(now, Phase::Queued { queue });
    }

    /// IVR steps taken by a flow, appended to those of earlier flows.
    pub fn add_path<I: IntoIterator<Item = String>>(&mut self, steps: I) {
        self.path.extend(steps);
    }

    /// How the (first) IVR part ended.
    pub fn set_ivr_outcome(&mut self, outcome: IvrOutcome) {
        self.ivr_outcome.get_or_insert(outcome);
    }

    /// The first agent who answered, if any.
    pub fn agent(&self) -> Option<i64> {
        self.stints
            .iter()
            .find(|s| s.phase.with_agent())
            .and_then(|s| s.phase.agent())
    }

    /// The last queue the call waited in.
    pub fn queue(&self) -> Option<&str> {
        self.stints.iter().rev().find_map(|s| match &s.phase {
            Phase::Queued { queue } | Phase::Offering { queue, .. } => Some(queue.as_str()),
            _ => None,
        })
    }

    /// Every stint with its end (the next stint's start, or `end`).
    pub(crate) fn spans(&self, end: Instant) -> impl Iterator<Item = (&Stint, Instant)> {
        self.stints.iter().enumerate().map(move |(i, s)| {
            let until = self.stints.get(i + 1).map_or(end, |n| n.mono);
            (s, until.max(s.mono))
        })
    }
}
