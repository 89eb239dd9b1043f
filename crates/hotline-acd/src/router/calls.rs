//! Inputs about calls: arrival, abandon and end, answer, no answer, busy or failed offers,
//! callback requests and results; and the ways a call leaves (exits, moves, being dropped).

use std::cmp::Reverse;

use crate::call::{Call, CallTimers, Callback, Phase};
use crate::config::Exit;
use crate::ids::{AgentId, CallId, Millis};
use crate::model::{AgentState, CallRequest, NotReadyReason, Output, Refusal};
use crate::queue::CallKey;
use crate::rules::Requirement;
use crate::timers::Timer;

use super::Router;

impl Router {
    pub(super) fn call_arrived(&mut self, req: CallRequest, now: Millis, out: &mut Vec<Output>) {
        if self.calls.contains_key(&req.id) {
            out.push(Output::Refused(Refusal::DuplicateCall(req.id)));
            return;
        }
        let Some(q) = self.open_queue(&req.queue) else {
            out.push(Output::Refused(Refusal::UnknownQueue(req.queue)));
            return;
        };
        let skills = self
            .syms
            .skills(req.skills.iter().map(|(k, v)| (k.as_str(), *v)));
        let language = req
            .language
            .as_deref()
            .filter(|l| !l.trim().is_empty())
            .map(|l| self.syms.intern(l));
        let queue = self.queues.at_mut(q);
        let key = CallKey {
            prio: Reverse(queue.rules.prio_key(req.priority, req.tier, now)),
            enqueued: now,
            id: req.id,
        };
        queue.counters.offered += 1;
        self.calls.insert(
            req.id,
            Box::new(Call {
                id: req.id,
                queue: q,
                skills,
                language,
                priority: req.priority,
                tier: req.tier,
                preferred: req.preferred_agent,
                enqueued: now,
                entered: now,
                key,
                phase: Phase::Retry,
                callback: None,
                callback_number: req.callback_number,
                skip: Vec::new(),
                req: Requirement::default(),
                bucket: None,
                in_rank: false,
                timers: CallTimers::default(),
            }),
        );
        self.enter_waiting(req.id, now, out);
        self.announce_on_entry(req.id, now, out);
    }

    /// `CallAbandoned` and `CallEnded`: what it means depends on where the call is.
    pub(super) fn call_gone(&mut self, id: CallId, now: Millis, out: &mut Vec<Output>) {
        let Some(c) = self.calls.get(&id) else {
            if !self.external_ended(id, now, out) {
                out.push(Output::Refused(Refusal::UnknownCall(id)));
            }
            return;
        };
        match c.phase {
            Phase::Connected { agent, at } => self.call_ended(id, agent, at, now, out),
            Phase::Waiting | Phase::Offered { .. } | Phase::Retry => self.abandon(id, now, out),
        }
    }

    fn call_ended(
        &mut self,
        id: CallId,
        agent: AgentId,
        at: Millis,
        now: Millis,
        out: &mut Vec<Output>,
    ) {
        let Some(c) = self.drop_call(id) else {
            return;
        };
        let queue = self.queues.at_mut(c.queue);
        queue.talk.push(now.saturating_sub(at));
        let wrap = queue.rules.wrap_ms;
        let Some(a) = self.agents.get_mut(&agent) else {
            return;
        };
        if !matches!(a.state, AgentState::OnCall { call, .. } if call == id) {
            return;
        }
        if wrap > 0 {
            let until = now.saturating_add(wrap);
            a.state = AgentState::WrapUp { since: now, until };
            a.reasons_owed = self.hold_for_reasons;
            self.timers
                .rearm(&mut a.wrap_timer, Timer::WrapUp(agent), Some(until));
            out.push(Output::AgentStateChanged {
                agent,
                state: a.state.clone(),
            });
            self.refresh_agent(agent);
        } else {
            a.state = AgentState::Ready { since: now };
            out.push(Output::AgentStateChanged {
                agent,
                state: a.state.clone(),
            });
            self.dispatch_agent(agent, now, out);
        }
    }

    fn abandon(&mut self, id: CallId, now: Millis, out: &mut Vec<Output>) {
        let Some(c) = self.drop_call(id) else {
            return;
        };
        let queue = self.queues.at_mut(c.queue);
        let wait = now.saturating_sub(c.enqueued);
        let short = c.online() && wait < queue.rules.short_ms;
        if c.online() {
            queue.counters.abandoned += 1;
            queue.counters.short_abandoned += u64::from(short);
        } else {
            queue.counters.callbacks_cancelled += 1;
        }
        out.push(Output::Abandoned {
            call: id,
            queue: queue.rules.name.clone(),
            wait_ms: wait,
            short,
        });
        if let Phase::Offered { agent, .. } = c.phase {
            self.release_agent(agent, out);
            self.dispatch_agent(agent, now, out);
        }
    }

    /// Removes a call with all its index entries and timers.
    pub(super) fn drop_call(&mut self, id: CallId) -> Option<Box<Call>> {
        self.leave_waiting(id);
        let mut c = self.calls.remove(&id)?;
        self.timers.rearm(&mut c.timers.ring, Timer::Ring(id), None);
        self.timers
            .rearm(&mut c.timers.retry, Timer::Retry(id), None);
        Some(c)
    }

    pub(super) fn callback_requested(&mut self, id: CallId, number: String, out: &mut Vec<Output>) {
        let Some(c) = self.calls.get_mut(&id) else {
            out.push(Output::Refused(Refusal::UnknownCall(id)));
            return;
        };
        if c.phase != Phase::Waiting || !c.online() {
            out.push(Output::Refused(Refusal::NotWaiting(id)));
            return;
        }
        c.callback = Some(Callback {
            number,
            attempts: 0,
        });
        self.timers
            .rearm(&mut c.timers.announce, Timer::Announce(id), None);
        self.timers
            .rearm(&mut c.timers.max_wait, Timer::MaxWait(id), None);
        let queue = self.queues.at_mut(c.queue);
        queue.counters.callbacks_requested += 1;
        let ahead = queue.rank.partition_point(|e| *e < c.key);
        out.push(Output::CallbackQueued {
            call: id,
            position: position(ahead),
        });
    }

    pub(super) fn callback_result(
        &mut self,
        id: CallId,
        reached: bool,
        now: Millis,
        out: &mut Vec<Output>,
    ) {
        let Some(c) = self.calls.get_mut(&id) else {
            out.push(Output::Refused(Refusal::UnknownCall(id)));
            return;
        };
        let (Phase::Offered { agent, .. }, Some(cb)) = (c.phase, c.callback.as_mut()) else {
            out.push(Output::Refused(Refusal::NotDialling(id)));
            return;
        };
        if reached {
            self.connect(id, agent, now, out);
            return;
        }
        cb.attempts += 1;
        let attempts = cb.attempts;
        self.timers.rearm(&mut c.timers.ring, Timer::Ring(id), None);
        let queue = self.queues.at_mut(c.queue);
        if attempts >= queue.rules.cb_attempts {
            queue.counters.callbacks_gave_up += 1;
            self.drop_call(id);
            out.push(Output::CallbackGaveUp { call: id, attempts });
        } else {
            c.phase = Phase::Retry;
            let at = now.saturating_add(queue.rules.cb_retry_ms);
            self.timers
                .rearm(&mut c.timers.retry, Timer::Retry(id), Some(at));
        }
        self.release_agent(agent, out);
        self.dispatch_agent(agent, now, out);
    }

    /// Checks that `call` is being offered to `agent`.
    fn offered_to(&self, call: CallId, agent: AgentId) -> Result<(), Refusal> {
        let c = self.calls.get(&call).ok_or(Refusal::UnknownCall(call))?;
        match c.phase {
            Phase::Offered { agent: a, .. } if a == agent => Ok(()),
            _ => Err(Refusal::NotOffered { call, agent }),
        }
    }

    /// The offer of `id` to `agent` ended unanswered: its ring timer is stopped. False, with
    /// the refusal pushed, when `id` is not offered to `agent`.
    fn offer_over(&mut self, id: CallId, agent: AgentId, out: &mut Vec<Output>) -> bool {
        if let Err(e) = self.offered_to(id, agent) {
            out.push(Output::Refused(e));
            return false;
        }
        if let Some(c) = self.calls.get_mut(&id) {
            self.timers.rearm(&mut c.timers.ring, Timer::Ring(id), None);
        }
        true
    }

    pub(super) fn answered(
        &mut self,
        id: CallId,
        agent: AgentId,
        now: Millis,
        out: &mut Vec<Output>,
    ) {
        if let Err(e) = self.offered_to(id, agent) {
            out.push(Output::Refused(e));
            return;
        }
        if self.calls.get(&id).is_some_and(|c| !c.online()) {
            out.push(Output::Refused(Refusal::IsCallback(id)));
            return;
        }
        self.connect(id, agent, now, out);
    }

    /// Answered call or reached callback: the agent goes on the call, the call leaves the line.
    fn connect(&mut self, id: CallId, agent: AgentId, now: Millis, out: &mut Vec<Output>) {
        let (Some(c), Some(a)) = (self.calls.get_mut(&id), self.agents.get_mut(&agent)) else {
            return;
        };
        self.timers.rearm(&mut c.timers.ring, Timer::Ring(id), None);
        c.phase = Phase::Connected { agent, at: now };
        let wait = now.saturating_sub(c.enqueued);
        let queue = self.queues.at_mut(c.queue);
        let callback = !c.online();
        if callback {
            queue.counters.callbacks_completed += 1;
        } else {
            queue.counters.answered += 1;
            queue.counters.answered_within_sl += u64::from(wait <= queue.rules.sl_ms);
        }
        let queue_name = queue.rules.name.clone();
        a.state = AgentState::OnCall {
            call: id,
            since: now,
        };
        a.handled += 1;
        out.push(Output::AgentStateChanged {
            agent,
            state: a.state.clone(),
        });
        out.push(Output::Connected {
            call: id,
            agent,
            queue: queue_name,
            wait_ms: wait,
            callback,
        });
        self.refresh_agent(agent);
    }

    /// `NoAnswer`, or the router's own ring timeout (`timed_out`): the agent goes not ready
    /// (missed) and the call goes back to its place, to be offered to the next agent.
    pub(super) fn no_answer(
        &mut self,
        id: CallId,
        agent: AgentId,
        now: Millis,
        timed_out: bool,
        out: &mut Vec<Output>,
    ) {
        if !self.offer_over(id, agent, out) {
            return;
        }
        if let Some(c) = self.calls.get(&id) {
            self.queues.at_mut(c.queue).counters.no_answers += 1;
        }
        if timed_out {
            out.push(Output::RingTimeout { call: id, agent });
        }
        if let Some(a) = self.agents.get_mut(&agent) {
            a.state = AgentState::NotReady {
                reason: NotReadyReason::Missed,
                since: now,
            };
            out.push(Output::AgentStateChanged {
                agent,
                state: a.state.clone(),
            });
        }
        self.refresh_agent(agent);
        self.enter_waiting(id, now, out);
    }

    /// `Busy` / `Failed`: the agent is skipped for this call for one ring time (and stays
    /// ready for others); the call goes to the next agent.
    pub(super) fn offer_failed(
        &mut self,
        id: CallId,
        agent: AgentId,
        now: Millis,
        out: &mut Vec<Output>,
    ) {
        if !self.offer_over(id, agent, out) {
            return;
        }
        if let Some(c) = self.calls.get_mut(&id) {
            let until = now.saturating_add(self.queues.at(c.queue).rules.ring_ms);
            c.skip.retain(|s| s.0 != agent && s.1 > now);
            c.skip.push((agent, until));
        }
        self.release_agent(agent, out);
        self.enter_waiting(id, now, out);
        self.dispatch_agent(agent, now, out);
    }

    /// Max wait reached while waiting on the line.
    pub(super) fn max_wait(&mut self, id: CallId, now: Millis, out: &mut Vec<Output>) {
        let Some(c) = self.calls.get(&id) else {
            return;
        };
        let number = c.callback_number.clone();
        let (q, phase, key) = (c.queue, c.phase, c.key);
        let exit = self.queues.at(q).rules.exit.clone();
        // A callback keeps the call's place: it becomes a callback entry (`CallbackQueued`,
        // counted as a callback request, not as a call leaving).
        let exit = match (exit, number) {
            (Exit::Callback, Some(number)) if phase == Phase::Waiting => {
                return self.callback_requested(id, number, out);
            }
            (Exit::Callback, Some(number)) => {
                // Back from a failed offer past max wait: not in the line yet.
                if let Some(c) = self.calls.get_mut(&id) {
                    c.callback = Some(Callback {
                        number,
                        attempts: 0,
                    });
                }
                let queue = self.queues.at_mut(q);
                queue.counters.callbacks_requested += 1;
                let ahead = queue.rank.partition_point(|e| *e < key);
                out.push(Output::CallbackQueued {
                    call: id,
                    position: position(ahead),
                });
                return self.enter_waiting(id, now, out);
            }
            (Exit::Callback, None) => Exit::Ticket,
            (exit, _) => exit,
        };
        self.queues.at_mut(q).counters.max_wait_exits += 1;
        self.exit_to(id, exit, now, out, |call, exit| Output::MaxWait {
            call,
            exit,
        });
    }

    /// The call leaves its queue by `exit`: moved (keeping its enqueue time) for `queue:<name>`
    /// when that queue is open, else dropped; an unknown target queue counts as `ticket`.
    pub(super) fn exit_to(
        &mut self,
        id: CallId,
        exit: Exit,
        now: Millis,
        out: &mut Vec<Output>,
        report: fn(CallId, Exit) -> Output,
    ) {
        self.leave_waiting(id);
        let from = self.calls.get(&id).map(|c| c.queue);
        let target = match &exit {
            Exit::Queue(name) => self.open_queue(name).filter(|&t| Some(t) != from),
            _ => None,
        };
        match (target, exit) {
            (Some(t), exit) => {
                self.move_call(id, t, now);
                out.push(report(id, exit));
                self.enter_waiting(id, now, out);
                self.announce_on_entry(id, now, out);
            }
            (None, exit) => {
                self.drop_call(id);
                let exit = match exit {
                    Exit::Queue(_) => Exit::Ticket,
                    e => e,
                };
                out.push(report(id, exit));
            }
        }
    }

    /// Moves a call (not indexed) into queue `t`: new priority key, the max-wait and step
    /// clocks restart, the enqueue time stays.
    fn move_call(&mut self, id: CallId, t: usize, now: Millis) {
        let Some(c) = self.calls.get_mut(&id) else {
            return;
        };
        let queue = self.queues.at_mut(t);
        queue.counters.offered += 1;
        c.queue = t;
        c.entered = now;
        c.phase = Phase::Retry;
        c.key.prio = Reverse(queue.rules.prio_key(c.priority, c.tier, c.enqueued));
    }

    /// The first announcement, as a call joins a queue's line.
    pub(super) fn announce_on_entry(&mut self, id: CallId, now: Millis, out: &mut Vec<Output>) {
        let Some(c) = self.calls.get(&id) else {
            return;
        };
        if c.phase == Phase::Waiting
            && c.online()
            && self.queues.at(c.queue).rules.announce_ms.is_some()
        {
            self.announce(id, now, out);
        }
    }
}

/// 1-based position from the number of calls ahead.
pub(super) fn position(ahead: usize) -> u32 {
    u32::try_from(ahead).unwrap_or(u32::MAX - 1) + 1
}
