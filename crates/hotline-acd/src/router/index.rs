//! Keeping the indexes true and making matches: a call entering or leaving the line, an agent
//! becoming routable, the offer itself, and the two searches (best agent for a call, best call
//! for an agent). Every other module changes state through these.

use crate::call::Phase;
use crate::config::Strategy;
use crate::ids::{AgentId, CallId, Millis};
use crate::model::{AgentState, Output};
use crate::timers::Timer;

use super::Router;

impl Router {
    /// Brings the queue indexes (members, available counters, ready sets) in line with the
    /// agent's state, registration and queues.
    pub(super) fn refresh_agent(&mut self, id: AgentId) {
        let Some(a) = self.agents.get_mut(&id) else {
            return;
        };
        if let Some(h) = self.hot.get_mut(a.slot as usize) {
            h.sync(a);
        }
        let want: &[usize] = if a.logged_in() { &a.queues } else { &[] };
        if a.in_members != want {
            for &q in &a.in_members {
                let m = &mut self.queues.at_mut(q).members;
                if let Some(i) = m.iter().position(|&s| s == a.slot) {
                    m.swap_remove(i);
                }
            }
            for &q in want {
                self.queues.at_mut(q).members.push(a.slot);
            }
            a.in_members = want.to_vec();
        }
        let want: &[usize] = if a.available() { &a.queues } else { &[] };
        if a.counted != want {
            for &q in &a.counted {
                let c = &mut self.queues.at_mut(q).available;
                *c = c.saturating_sub(1);
            }
            for &q in want {
                self.queues.at_mut(q).available += 1;
            }
            a.counted = want.to_vec();
        }
        let since = match a.state {
            AgentState::Ready { since } if a.registered => Some(since),
            _ => None,
        };
        let key = |q: usize| match self.queues.at(q).rules.strategy {
            Strategy::RoundRobin => i64::try_from(a.rr_of(q)).unwrap_or(i64::MAX),
            _ => since.unwrap_or(0),
        };
        let same = match since {
            Some(_) => {
                a.in_ready.len() == a.queues.len()
                    && a.in_ready
                        .iter()
                        .zip(&a.queues)
                        .all(|(r, &q)| r.0 == q && r.1 == key(q))
            }
            None => a.in_ready.is_empty(),
        };
        if same {
            return;
        }
        let new: Vec<(usize, i64)> = match since {
            Some(_) => a.queues.iter().map(|&q| (q, key(q))).collect(),
            None => Vec::new(),
        };
        for &(q, k) in &a.in_ready {
            self.queues.at_mut(q).ready.remove(&(k, id));
        }
        for &(q, k) in &new {
            self.queues.at_mut(q).ready.insert((k, id));
        }
        a.in_ready = new;
    }

    /// Puts a waiting call into its bucket and the rank index.
    pub(super) fn index_call(&mut self, id: CallId) {
        let Some(c) = self.calls.get_mut(&id) else {
            return;
        };
        let queue = self.queues.at_mut(c.queue);
        if c.bucket.is_none() {
            c.bucket = Some(queue.bucket_insert(&c.req, c.key));
        }
        if !c.in_rank {
            queue.rank_insert(c.key);
            c.in_rank = true;
        }
    }

    /// Takes a call out of its bucket, and out of the rank index unless `keep_rank`.
    pub(super) fn unbucket(&mut self, id: CallId, keep_rank: bool) {
        let Some(c) = self.calls.get_mut(&id) else {
            return;
        };
        let queue = self.queues.at_mut(c.queue);
        if let Some(b) = c.bucket.take() {
            queue.bucket_remove(b, &c.key);
        }
        if !keep_rank && c.in_rank {
            queue.rank_remove(&c.key);
            c.in_rank = false;
        }
    }

    /// Out of the indexes, waiting timers cancelled (the phase is the caller's to set).
    pub(super) fn leave_waiting(&mut self, id: CallId) {
        self.unbucket(id, false);
        if let Some(c) = self.calls.get_mut(&id) {
            self.timers.rearm(&mut c.timers.step, Timer::Step(id), None);
            self.timers
                .rearm(&mut c.timers.announce, Timer::Announce(id), None);
            self.timers
                .rearm(&mut c.timers.max_wait, Timer::MaxWait(id), None);
        }
    }

    /// A call (new, back from an offer, retrying, moved) joins the line of its queue: offered
    /// at once if an agent qualifies, else indexed with its waiting timers.
    pub(super) fn enter_waiting(&mut self, id: CallId, now: Millis, out: &mut Vec<Output>) {
        let Some(c) = self.calls.get_mut(&id) else {
            return;
        };
        let queue = self.queues.at(c.queue);
        if !queue.open {
            self.queue_gone(id, now, out);
            return;
        }
        let max_wait = queue
            .rules
            .max_wait_ms
            .filter(|_| c.online())
            .map(|mw| c.entered.saturating_add(mw));
        if max_wait.is_some_and(|t| now >= t) {
            self.max_wait(id, now, out);
            return;
        }
        let waited = now.saturating_sub(c.entered);
        let needs = c.needs();
        let req = queue.rules.requirement(&needs, waited);
        let next = queue
            .rules
            .next_change(&needs, waited, &req)
            .map(|w| c.entered.saturating_add(w));
        let next = earliest(next, c.next_unskip(now));
        let announce = queue.rules.announce_ms.filter(|_| c.online());
        c.req = req;
        c.phase = Phase::Waiting;
        if let Some(agent) = self.find_agent(id, now) {
            self.offer(id, agent, now, out);
            return;
        }
        self.index_call(id);
        if let Some(c) = self.calls.get_mut(&id) {
            self.timers.rearm(&mut c.timers.step, Timer::Step(id), next);
            self.timers
                .rearm(&mut c.timers.max_wait, Timer::MaxWait(id), max_wait);
            if c.timers.announce.is_none() {
                let at = announce.map(|a| now.saturating_add(a));
                self.timers
                    .rearm(&mut c.timers.announce, Timer::Announce(id), at);
            }
        }
    }

    /// Offers a call to a routable agent: the agent is reserved, the ring timer armed.
    pub(super) fn offer(&mut self, id: CallId, agent: AgentId, now: Millis, out: &mut Vec<Output>) {
        self.leave_waiting(id);
        let (Some(c), Some(a)) = (self.calls.get_mut(&id), self.agents.get_mut(&agent)) else {
            return;
        };
        let queue = self.queues.at_mut(c.queue);
        c.phase = Phase::Offered { agent, at: now };
        let mut ring = queue.rules.ring_ms;
        if c.callback.is_some() {
            ring = ring.saturating_add(queue.rules.cb_dial_ms);
        }
        self.timers.rearm(
            &mut c.timers.ring,
            Timer::Ring(id),
            Some(now.saturating_add(ring)),
        );
        a.resume_since = match a.state {
            AgentState::Ready { since } => since,
            _ => now,
        };
        a.state = AgentState::Reserved {
            call: id,
            since: now,
        };
        if queue.rules.strategy == Strategy::RoundRobin {
            queue.rr_seq += 1;
            a.set_rr(c.queue, queue.rr_seq);
        }
        queue.counters.agent_offers += 1;
        out.push(Output::AgentStateChanged {
            agent,
            state: a.state.clone(),
        });
        out.push(match &c.callback {
            Some(cb) => Output::DialCallback {
                call: id,
                agent,
                number: cb.number.clone(),
            },
            None => Output::Offer { call: id, agent },
        });
        self.refresh_agent(agent);
    }

    /// An agent that may have become routable takes the best call it qualifies for, or joins
    /// the ready sets.
    pub(super) fn dispatch_agent(&mut self, agent: AgentId, now: Millis, out: &mut Vec<Output>) {
        if self.agents.get(&agent).is_some_and(|a| a.routable()) {
            if let Some(call) = self.find_call(agent, now) {
                self.offer(call, agent, now, out);
                return;
            }
        }
        self.refresh_agent(agent);
    }

    /// The best ready agent for a call by its queue's strategy (its current requirement).
    pub(super) fn find_agent(&self, id: CallId, now: Millis) -> Option<AgentId> {
        let c = self.calls.get(&id)?;
        let queue = self.queues.at(c.queue);
        let ok = |a: AgentId| {
            !c.skips(a, now)
                && self.agents.get(&a).is_some_and(|x| {
                    x.routable() && x.serves(c.queue) && x.caps().qualifies(&c.req)
                })
        };
        if let Some(only) = c.req.only {
            return Some(only).filter(|&a| ok(a));
        }
        let mut ready = queue.ready.iter().map(|e| e.1).filter(|&a| ok(a));
        match queue.rules.strategy {
            Strategy::LongestIdle | Strategy::RoundRobin => ready.next(),
            Strategy::MostSkilled => {
                let mut best: Option<(u32, AgentId)> = None;
                for a in ready {
                    let score = self.agents.get(&a).map_or(0, |x| x.caps().score(&c.req));
                    if best.is_none_or(|b| score > b.0) {
                        best = Some((score, a));
                    }
                }
                best.map(|b| b.1)
            }
        }
    }

    /// The best waiting call an agent qualifies for across its queues: highest effective
    /// priority now, then the longest wait. Looks at the head of each bucket only.
    pub(super) fn find_call(&self, agent: AgentId, now: Millis) -> Option<CallId> {
        let a = self.agents.get(&agent)?;
        let caps = a.caps();
        let mut best: Option<(i128, Millis, CallId)> = None;
        for &q in &a.queues {
            let queue = self.queues.at(q);
            if !queue.open {
                continue;
            }
            let own = queue.only.get(&agent).map(Vec::as_slice).unwrap_or(&[]);
            for &b in queue.general.iter().chain(own) {
                let Some(Some(bucket)) = queue.buckets.get(b) else {
                    continue;
                };
                if !caps.qualifies(&bucket.req) {
                    continue;
                }
                let head = bucket
                    .calls
                    .iter()
                    .find(|k| self.calls.get(&k.id).is_some_and(|c| !c.skips(agent, now)));
                let Some(k) = head else {
                    continue;
                };
                let cand = (queue.rules.eff_at(k.prio.0, now), k.enqueued, k.id);
                let better = best.is_none_or(|b| {
                    cand.0 > b.0 || (cand.0 == b.0 && (cand.1, cand.2) < (b.1, b.2))
                });
                if better {
                    best = Some(cand);
                }
            }
        }
        best.map(|b| b.2)
    }

    /// A reservation ends through no fault of the agent: back to ready with the old ready time.
    pub(super) fn release_agent(&mut self, agent: AgentId, out: &mut Vec<Output>) {
        if let Some(a) = self.agents.get_mut(&agent) {
            if matches!(a.state, AgentState::Reserved { .. }) {
                a.state = AgentState::Ready {
                    since: a.resume_since,
                };
                out.push(Output::AgentStateChanged {
                    agent,
                    state: a.state.clone(),
                });
            }
        }
    }
}

/// The earlier of two optional times.
pub(super) fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}
