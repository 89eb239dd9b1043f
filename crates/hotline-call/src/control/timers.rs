//! The core's timers: at most one of each kind per call, kept in deadline order on the
//! monotonic clock; setting one replaces the call's earlier one of that kind, and a call's
//! timers go with it.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use hotline_core::CallId;

/// What a timer does when due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    /// The ring before the engine answers is over.
    Answer,
    /// The built-in answer flow's time is over.
    AnswerOver,
    /// The call's IVR session asked for `Timer(id)`.
    Ivr(u64),
    /// A notification call waited for its key after the message.
    NotifyListen,
    /// A progressive campaign's customer waited for an agent as long as allowed.
    CampaignWait,
}

impl TimerKind {
    /// Timers that replace each other (an IVR session has one timer, whatever its id).
    fn slot(self) -> u8 {
        match self {
            TimerKind::Answer => 0,
            TimerKind::AnswerOver => 1,
            TimerKind::Ivr(_) => 2,
            TimerKind::NotifyListen => 3,
            TimerKind::CampaignWait => 4,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Timers {
    due: BTreeSet<(Instant, u64, CallId, TimerKind)>,
    by_slot: HashMap<(CallId, u8), (Instant, u64, TimerKind)>,
    seq: u64,
}

impl Timers {
    pub(crate) fn set(&mut self, call: CallId, kind: TimerKind, at: Instant) {
        self.cancel(call, kind);
        self.seq += 1;
        self.due.insert((at, self.seq, call, kind));
        self.by_slot
            .insert((call, kind.slot()), (at, self.seq, kind));
    }

    /// Cancels `call`'s timer in `kind`'s slot.
    pub(crate) fn cancel(&mut self, call: CallId, kind: TimerKind) {
        if let Some((at, seq, k)) = self.by_slot.remove(&(call, kind.slot())) {
            self.due.remove(&(at, seq, call, k));
        }
    }

    pub(crate) fn cancel_call(&mut self, call: CallId) {
        for kind in [
            TimerKind::Answer,
            TimerKind::AnswerOver,
            TimerKind::Ivr(0),
            TimerKind::NotifyListen,
            TimerKind::CampaignWait,
        ] {
            self.cancel(call, kind);
        }
    }

    pub(crate) fn next(&self) -> Option<Instant> {
        self.due.first().map(|(at, ..)| *at)
    }

    /// The earliest timer due at `now`, taken out.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(CallId, TimerKind)> {
        let first = *self.due.first()?;
        if first.0 > now {
            return None;
        }
        let (_, _, call, kind) = first;
        self.due.remove(&first);
        self.by_slot.remove(&(call, kind.slot()));
        Some((call, kind))
    }

    pub(crate) fn len(&self) -> usize {
        self.due.len()
    }
}
