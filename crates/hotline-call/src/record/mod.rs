//! The call record, computed from a call's [`Timeline`] when it ends: each field is defined
//! once here (and in the README's glossary), never patched per path.
//!
//! Inbound calls ([`Record`]):
//! - `started_at`: the INVITE arrived (the call was offered to the centre);
//! - `answered_at`: the engine answered it (the IVR, or an agent's extension picking up);
//! - `ivr_ended_at`: the first flow handed the call on (or the call ended in it);
//! - `queued_at`, `queue`: the call first entered a queue; the last queue it waited in;
//! - `agent_answered_at`, `agent_id`: the first agent who answered, and when;
//! - `transferred_to`: the last agent the call was with, when a transfer (consultation,
//!   conference, blind transfer) handed it over from the first;
//! - `wait_ms`: time in a queue (waiting or being offered) before that agent answered, or until
//!   the caller left the queue when no agent did (an abandon is short when its wait is under
//!   the queue's `short_abandon_secs`: the statistics decide that from `wait_ms`);
//! - `talk_ms`: time with an agent (staff number, then bridged), hold excluded; none without an
//!   agent, and the survey after the agent never counts;
//! - `hold_ms`: time on hold with an agent; none without an agent;
//! - `wrapup_ms`: the agent's wrap-up after the call (filled in when it ends, see
//!   [`wrap_up_ms`]); handle time = talk + hold + wrap-up;
//! - `ivr_path`: every flow's steps in order (the survey's appended, not replacing);
//! - `hangup_side`: who ended the conversation: with an agent, whoever left first (`agent` when
//!   the agent's phone or desk hung up, even though the caller then took the survey); without
//!   one, `caller` when the caller hung up or cancelled, else `system`;
//! - `disposition`: see [`Disposition`].
//!
//! Callback attempts ([`Attempt`]) are records of their own, direction `outbound`, linked to the
//! original call by its reference.

use std::time::Instant;

use hotline_core::{Now, UnixMs};

use crate::end::{EndClass, EndReason, Side};
use crate::phase::{IvrOutcome, Phase, Timeline};

/// How a call ended up (the store's `disposition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// A self-service action in the IVR (a `served` node), then ended by the flow or the caller.
    SelfServed,
    /// The flow hung up before serving anything (e.g. the closed-hours message).
    UnservedInIvr,
    /// The caller hung up in the IVR (or while it rang) before anything was done.
    AbandonedInIvr,
    /// The caller hung up while waiting in a queue.
    AbandonedInQueue,
    /// An agent answered (for a callback attempt: the customer was reached and bridged).
    Answered,
    /// The caller left the queue with a callback request (its place kept).
    Callback,
    /// Sent elsewhere without an agent (a ticket to call back).
    Transferred,
    /// Could not be handled (queue gave up, refused, error; a callback attempt not reached).
    Failed,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::SelfServed => "self_served",
            Disposition::UnservedInIvr => "unserved_in_ivr",
            Disposition::AbandonedInIvr => "abandoned_in_ivr",
            Disposition::AbandonedInQueue => "abandoned_in_queue",
            Disposition::Answered => "answered",
            Disposition::Callback => "callback",
            Disposition::Transferred => "transferred",
            Disposition::Failed => "failed",
        }
    }
}

/// An inbound call's record (see the module documentation for each field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub started_at: UnixMs,
    pub answered_at: Option<UnixMs>,
    pub ivr_ended_at: Option<UnixMs>,
    pub queued_at: Option<UnixMs>,
    pub queue: Option<String>,
    pub agent_id: Option<i64>,
    pub agent_answered_at: Option<UnixMs>,
    pub transferred_to: Option<i64>,
    pub wait_ms: Option<i64>,
    pub talk_ms: Option<i64>,
    pub hold_ms: Option<i64>,
    pub ended_at: UnixMs,
    pub ivr_path: Vec<String>,
    pub disposition: Disposition,
    pub hangup_side: Side,
}

fn ms(from: Instant, to: Instant) -> i64 {
    i64::try_from(to.saturating_duration_since(from).as_millis()).unwrap_or(i64::MAX)
}

impl Timeline {
    /// The record of a call that ended `now` for `reason`.
    pub fn record(&self, now: Now, reason: EndReason) -> Record {
        let first_agent = self.stints.iter().find(|s| s.phase.with_agent());
        let answered = self.stints.get(1);
        let first_ivr_end = self
            .spans(now.mono)
            .find(|(s, _)| matches!(s.phase, Phase::Ivr { .. }))
            .map(|(s, until)| s.unix_ms + ms(s.mono, until));
        let queued_at = self
            .stints
            .iter()
            .find(|s| s.phase.waiting())
            .map(|s| s.unix_ms);
        let (mut wait, mut talk, mut hold) = (0i64, 0i64, 0i64);
        let mut waited = false;
        for (s, until) in self.spans(now.mono) {
            let d = ms(s.mono, until);
            match &s.phase {
                p if p.waiting() && first_agent.is_none_or(|a| s.mono < a.mono) => {
                    wait += d;
                    waited = true;
                }
                Phase::Announcing { .. } | Phase::Bridged { .. } | Phase::Extension { .. } => {
                    talk += d
                }
                Phase::OnHold { .. } => hold += d,
                _ => {}
            }
        }
        let caller_left = reason.far_end_left();
        let disposition = if first_agent.is_some() {
            Disposition::Answered
        } else if let Some(d) = self.stints.iter().find_map(|s| match s.phase {
            Phase::Leaving { disposition } => Some(disposition),
            _ => None,
        }) {
            d
        } else {
            match (self.phase(), self.ivr_outcome) {
                // Handed to an outside number: sent elsewhere without an agent.
                (Phase::Outside { .. }, _) => Disposition::Transferred,
                (p, _) if p.waiting() && caller_left => Disposition::AbandonedInQueue,
                (p, _) if p.waiting() => Disposition::Failed,
                (Phase::Ringing, _) if caller_left => Disposition::AbandonedInIvr,
                (Phase::Ringing, _) => Disposition::Failed,
                (_, Some(IvrOutcome::SelfServed)) => Disposition::SelfServed,
                (_, Some(IvrOutcome::Abandoned)) => Disposition::AbandonedInIvr,
                (_, Some(IvrOutcome::Unserved)) => Disposition::UnservedInIvr,
                // No outcome (the built-in answer flow, no IVR): nothing was served.
                (_, None) if caller_left => Disposition::AbandonedInIvr,
                (_, None) => Disposition::UnservedInIvr,
            }
        };
        let hangup_side = match self.agent_left {
            Some((side, _)) => side,
            None => reason.caller_side(),
        };
        Record {
            started_at: self.stints.first().map_or(now.unix_ms, |s| s.unix_ms),
            answered_at: answered.map(|s| s.unix_ms),
            ivr_ended_at: first_ivr_end,
            queued_at,
            queue: self.queue().map(str::to_string),
            agent_id: first_agent.and_then(|s| s.phase.agent()),
            agent_answered_at: first_agent.map(|s| s.unix_ms),
            transferred_to: self
                .stints
                .iter()
                .rev()
                .find_map(|s| s.phase.agent())
                .filter(|last| Some(*last) != first_agent.and_then(|s| s.phase.agent())),
            wait_ms: waited.then_some(wait),
            talk_ms: first_agent.map(|_| talk),
            hold_ms: first_agent.map(|_| hold),
            ended_at: now.unix_ms,
            ivr_path: self.path.clone(),
            disposition,
            hangup_side,
        }
    }
}

/// The wrap-up an agent spent after a call: from the end of its leg to the end of wrap-up.
pub fn wrap_up_ms(leg_ended: Instant, wrap_up_ended: Instant) -> i64 {
    ms(leg_ended, wrap_up_ended)
}

/// A callback attempt as it goes: the agent's phone rings first, then the customer's.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The original call's record reference (none for a call placed from the desktop).
    pub parent_ref: Option<String>,
    pub agent_id: i64,
    pub number: String,
    pub started: Now,
    pub agent_answered: Option<Now>,
    pub customer_answered: Option<Now>,
    /// The agent's leg or the customer's ended while they talked: who left first.
    pub left_first: Option<Side>,
}

/// A finished callback attempt's record (direction `outbound`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub parent_ref: Option<String>,
    pub number: String,
    /// The agent on it; none for a campaign call the IVR handled alone.
    pub agent_id: Option<i64>,
    pub started_at: UnixMs,
    /// The agent answered.
    pub agent_answered_at: Option<UnixMs>,
    /// The customer answered.
    pub answered_at: Option<UnixMs>,
    pub ended_at: UnixMs,
    /// Agent and customer talking; none when the customer was not reached.
    pub talk_ms: Option<i64>,
    /// `reached`, or why not: `agent_no_answer`, `agent_busy`, `agent_failed`, `no_answer`,
    /// `busy`, `failed`, `cancelled` (the agent hung up while the customer's phone rang).
    pub result: &'static str,
    pub disposition: Disposition,
    /// Who ended the conversation (customer = `caller`).
    pub hangup_side: Side,
}

impl Attempt {
    pub fn new(parent_ref: Option<String>, agent_id: i64, number: String, now: Now) -> Attempt {
        Attempt {
            parent_ref,
            agent_id,
            number,
            started: now,
            agent_answered: None,
            customer_answered: None,
            left_first: None,
        }
    }

    /// The record when the attempt is over: `agent_end` is how the agent's leg ended (if it
    /// did first), `customer_end` how the customer's did (if it was dialled and ended).
    pub fn record(
        &self,
        now: Now,
        agent_end: Option<EndReason>,
        customer_end: Option<EndReason>,
    ) -> AttemptRecord {
        let reached = self.customer_answered.is_some();
        let result = if reached {
            "reached"
        } else if self.agent_answered.is_none() {
            match agent_end.map(EndReason::class) {
                Some(EndClass::Busy) => "agent_busy",
                Some(EndClass::Failed | EndClass::Rejected(_)) => "agent_failed",
                _ => "agent_no_answer",
            }
        } else {
            match customer_end.map(EndReason::class) {
                Some(EndClass::Busy) => "busy",
                Some(EndClass::NoAnswer) => "no_answer",
                Some(EndClass::Failed | EndClass::Rejected(_)) => "failed",
                // The agent's leg ended while the customer's phone rang.
                Some(EndClass::Normal) | None => "cancelled",
            }
        };
        let talk_ms = self
            .customer_answered
            .map(|c| ms(c.mono, now.mono.max(c.mono)));
        AttemptRecord {
            parent_ref: self.parent_ref.clone(),
            number: self.number.clone(),
            agent_id: Some(self.agent_id),
            started_at: self.started.unix_ms,
            agent_answered_at: self.agent_answered.map(|n| n.unix_ms),
            answered_at: self.customer_answered.map(|n| n.unix_ms),
            ended_at: now.unix_ms,
            talk_ms,
            result,
            disposition: if reached {
                Disposition::Answered
            } else {
                Disposition::Failed
            },
            hangup_side: self.left_first.unwrap_or(Side::System),
        }
    }
}

#[cfg(test)]
mod tests;
