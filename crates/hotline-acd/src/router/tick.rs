//! `Tick`: runs every timer due at or before `now`, in time order, including timers that
//! handling an earlier one makes due.

use crate::call::Phase;
use crate::ids::{CallId, Millis};
use crate::model::Output;
use crate::timers::Timer;

use super::index::earliest;
use super::Router;

impl Router {
    pub(super) fn tick(&mut self, now: Millis, out: &mut Vec<Output>) {
        while let Some((_, timer)) = self.timers.pop_due(now) {
            match timer {
                Timer::Ring(id) => {
                    if let Some(Phase::Offered { agent, .. }) = self.popped(id, |t| &mut t.ring) {
                        self.no_answer(id, agent, now, true, out);
                    }
                }
                Timer::WrapUp(agent) => {
                    if let Some(a) = self.agents.get_mut(&agent) {
                        a.wrap_timer = None;
                    }
                    self.wrap_up_over(agent, now, out);
                }
                Timer::Retry(id) => {
                    if self.popped(id, |t| &mut t.retry) == Some(Phase::Retry) {
                        self.enter_waiting(id, now, out);
                    }
                }
                Timer::MaxWait(id) => {
                    if self.popped(id, |t| &mut t.max_wait) == Some(Phase::Waiting) {
                        self.max_wait(id, now, out);
                    }
                }
                Timer::Step(id) => {
                    if self.popped(id, |t| &mut t.step) == Some(Phase::Waiting) {
                        self.step_change(id, now, out);
                    }
                }
                Timer::Announce(id) => {
                    if self.popped(id, |t| &mut t.announce) == Some(Phase::Waiting) {
                        self.announce_due(id, now, out);
                    }
                }
            }
        }
    }

    /// Clears the slot of a timer just popped; returns the call's phase.
    fn popped(
        &mut self,
        id: CallId,
        slot: fn(&mut crate::call::CallTimers) -> &mut Option<Millis>,
    ) -> Option<Phase> {
        let c = self.calls.get_mut(&id)?;
        *slot(&mut c.timers) = None;
        Some(c.phase)
    }

    /// The call's requirement changes (next routing step or relaxation), or a skip of a busy
    /// agent ends: re-bucket if needed and look for an agent again.
    fn step_change(&mut self, id: CallId, now: Millis, out: &mut Vec<Output>) {
        let Some(c) = self.calls.get_mut(&id) else {
            return;
        };
        let unskipped = c.skip.iter().any(|s| s.1 <= now);
        c.skip.retain(|s| s.1 > now);
        let rules = &self.queues.at(c.queue).rules;
        let waited = now.saturating_sub(c.entered);
        let needs = c.needs();
        let req = rules.requirement(&needs, waited);
        let next = rules
            .next_change(&needs, waited, &req)
            .map(|w| c.entered.saturating_add(w));
        let next = earliest(next, c.next_unskip(now));
        let changed = req != c.req;
        if changed {
            self.unbucket(id, true);
        }
        let Some(c) = self.calls.get_mut(&id) else {
            return;
        };
        self.timers.rearm(&mut c.timers.step, Timer::Step(id), next);
        if !changed && !unskipped {
            return;
        }
        c.req = req;
        match self.find_agent(id, now) {
            Some(agent) => self.offer(id, agent, now, out),
            None => self.index_call(id),
        }
    }

    fn announce_due(&mut self, id: CallId, now: Millis, out: &mut Vec<Output>) {
        let Some(c) = self.calls.get_mut(&id) else {
            return;
        };
        let every = self
            .queues
            .at(c.queue)
            .rules
            .announce_ms
            .filter(|_| c.online());
        let at = every.map(|e| now.saturating_add(e));
        self.timers
            .rearm(&mut c.timers.announce, Timer::Announce(id), at);
        if every.is_some() {
            self.announce(id, now, out);
        }
    }
}
