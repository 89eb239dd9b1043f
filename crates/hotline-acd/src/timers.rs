//! The router's timers: one ordered set of (due time, timer), so the next deadline is its
//! first element and a due timer is popped in time order (then in the order of `Timer`).

use std::collections::BTreeSet;

use crate::ids::{AgentId, CallId, Millis};

/// What is due. Within one millisecond: ring timeouts first, then wrap-up ends (agents free
/// up), callback retries, max waits, step changes (routing step, relaxation, or the end of a
/// busy agent's skip), and announcements last (so positions
/// reflect everything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    Ring(CallId),
    WrapUp(AgentId),
    Retry(CallId),
    MaxWait(CallId),
    Step(CallId),
    Announce(CallId),
}

#[derive(Debug, Default)]
pub(crate) struct Timers {
    set: BTreeSet<(Millis, Timer)>,
}

impl Timers {
    /// Moves the timer whose current due time is in `slot` to `at` (`None` = cancel).
    pub(crate) fn rearm(&mut self, slot: &mut Option<Millis>, timer: Timer, at: Option<Millis>) {
        if let Some(old) = slot.take() {
            self.set.remove(&(old, timer));
        }
        if let Some(t) = at {
            self.set.insert((t, timer));
            *slot = Some(t);
        }
    }

    pub(crate) fn first(&self) -> Option<Millis> {
        self.set.first().map(|e| e.0)
    }

    /// Pops the earliest timer due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Millis) -> Option<(Millis, Timer)> {
        match self.set.first() {
            Some(&(t, _)) if t <= now => self.set.pop_first(),
            _ => None,
        }
    }

    pub(crate) fn contains(&self, at: Millis, timer: Timer) -> bool {
        self.set.contains(&(at, timer))
    }

    pub(crate) fn len(&self) -> usize {
        self.set.len()
    }
}
