//! A full consistency check of the router's state, for tests and fuzzing: O(calls × agents).

use crate::call::Phase;
use crate::hot::Hot;
use crate::model::AgentState;
use crate::timers::Timer;

use super::Router;

impl Router {
    /// Checks every invariant: calls and agents agree on offers and calls (no agent reserved
    /// for two calls), indexes hold exactly the waiting calls and routable agents, timers match
    /// their slots, counters add up, and no waiting call has a ready agent it could be offered
    /// to (no starvation; an agent skipped after `Busy`/`Failed` is exempt until the tick that
    /// ends the skip). Returns the first violation found.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.check_calls()?;
        self.check_agents()?;
        self.check_queues()?;
        self.check_starvation()
    }

    fn check_calls(&self) -> Result<(), String> {
        let mut armed = 0usize;
        for (id, c) in &self.calls {
            let t = &c.timers;
            for (slot, timer) in [
                (t.ring, Timer::Ring(*id)),
                (t.retry, Timer::Retry(*id)),
                (t.max_wait, Timer::MaxWait(*id)),
                (t.step, Timer::Step(*id)),
                (t.announce, Timer::Announce(*id)),
            ] {
                if let Some(at) = slot {
                    armed += 1;
                    if !self.timers.contains(at, timer) {
                        return Err(format!("{id}: timer {timer:?} at {at} not in the set"));
                    }
                }
            }
            let waiting = c.phase == Phase::Waiting;
            if waiting != c.bucket.is_some() || waiting != c.in_rank {
                return Err(format!(
                    "{id}: waiting={waiting} but indexed={:?}",
                    c.bucket
                ));
            }
            if !waiting && (t.step.is_some() || t.announce.is_some() || t.max_wait.is_some()) {
                return Err(format!("{id}: waiting timers armed while {:?}", c.phase));
            }
            if t.ring.is_some() != matches!(c.phase, Phase::Offered { .. }) {
                return Err(format!("{id}: ring timer {:?} while {:?}", t.ring, c.phase));
            }
            if t.retry.is_some() != (c.phase == Phase::Retry) {
                return Err(format!(
                    "{id}: retry timer {:?} while {:?}",
                    t.retry, c.phase
                ));
            }
            if let Some(b) = c.bucket {
                let queue = self.queues.at(c.queue);
                let ok = matches!(queue.buckets.get(b), Some(Some(bk)) if bk.req == c.req && bk.calls.contains(&c.key));
                if !ok || !queue.open {
                    return Err(format!("{id}: not in its bucket {b} (or queue closed)"));
                }
            }
            match c.phase {
                Phase::Offered { agent, .. } => {
                    let ok = self.agents.get(&agent).is_some_and(
                        |a| matches!(a.state, AgentState::Reserved { call, .. } if call == *id),
                    );
                    if !ok {
                        return Err(format!(
                            "{id}: offered to {agent} who is not reserved for it"
                        ));
                    }
                }
                Phase::Connected { agent, .. } => {
                    let ok = self.agents.get(&agent).is_some_and(
                        |a| matches!(a.state, AgentState::OnCall { call, .. } if call == *id),
                    );
                    if !ok {
                        return Err(format!("{id}: connected to {agent} who is not on it"));
                    }
                }
                Phase::Retry if c.callback.is_none() => {
                    return Err(format!("{id}: retrying but not a callback"));
                }
                _ => {}
            }
        }
        let wraps = self
            .agents
            .values()
            .filter(|a| a.wrap_timer.is_some())
            .count();
        if armed + wraps != self.timers.len() {
            return Err(format!(
                "{} timers set, {} armed in calls and agents",
                self.timers.len(),
                armed + wraps
            ));
        }
        Ok(())
    }

    fn check_agents(&self) -> Result<(), String> {
        for (id, a) in &self.agents {
            match &a.state {
                AgentState::Reserved { call, .. } => {
                    let ok = self.calls.get(call).is_some_and(
                        |c| matches!(c.phase, Phase::Offered { agent, .. } if agent == *id),
                    );
                    if !ok {
                        return Err(format!(
                            "{id}: reserved for {call} which is not offered to it"
                        ));
                    }
                }
                AgentState::OnCall { call, .. }
                    if a.external.is_some() && self.calls.contains_key(call) =>
                {
                    return Err(format!("{id}: on external {call}, which is a queue's"));
                }
                AgentState::OnCall { .. } if a.external.is_some() => {}
                AgentState::OnCall { call, .. } => {
                    let ok = self.calls.get(call).is_some_and(
                        |c| matches!(c.phase, Phase::Connected { agent, .. } if agent == *id),
                    );
                    if !ok {
                        return Err(format!("{id}: on {call} which is not connected to it"));
                    }
                }
                AgentState::WrapUp { until, .. }
                    if a.wrap_timer != Some(*until)
                        && !(a.reasons_owed && a.wrap_timer.is_none()) =>
                {
                    return Err(format!("{id}: wrap-up without its timer"));
                }
                _ => {}
            }
            let mut row = Hot::new(a.id);
            row.sync(a);
            if self.hot.get(a.slot as usize) != Some(&row) {
                return Err(format!("{id}: estimate row out of date"));
            }
            for &q in &a.queues {
                let queue = self.queues.at(q);
                let in_ready = queue.ready.iter().any(|e| e.1 == *id);
                if in_ready != a.routable() {
                    return Err(format!(
                        "{id}: routable={} but in ready set={in_ready}",
                        a.routable()
                    ));
                }
                if queue.members.contains(&a.slot) != a.logged_in() {
                    return Err(format!("{id}: member set disagrees with login"));
                }
            }
        }
        Ok(())
    }

    fn check_queues(&self) -> Result<(), String> {
        for (i, q) in self.queues.iter().enumerate() {
            let name = &q.rules.name;
            let mut waiting = 0usize;
            let mut in_queue = 0u64;
            for c in self.calls.values().filter(|c| c.queue == i) {
                waiting += usize::from(c.phase == Phase::Waiting);
                in_queue += u64::from(!matches!(c.phase, Phase::Connected { .. }));
            }
            let bucketed: usize = q.buckets.iter().flatten().map(|b| b.calls.len()).sum();
            if q.rank.len() != waiting || bucketed != waiting {
                return Err(format!(
                    "queue {name}: {waiting} waiting, rank {} bucketed {bucketed}",
                    q.rank.len()
                ));
            }
            if q.buckets.iter().flatten().any(|b| b.calls.is_empty()) {
                return Err(format!("queue {name}: empty bucket kept"));
            }
            let keys_ok = q.keys.len() == q.rank.len()
                && q.rank
                    .iter()
                    .zip(&q.keys)
                    .all(|(e, &k)| i128::from(k) == e.prio.0 || (k == i64::MAX || k == i64::MIN));
            if !keys_ok {
                return Err(format!(
                    "queue {name}: key copy differs from the rank index"
                ));
            }
            if q.rank
                .iter()
                .zip(q.rank.iter().skip(1))
                .any(|(a, b)| a >= b)
            {
                return Err(format!("queue {name}: rank index out of order"));
            }
            let available = self
                .agents
                .values()
                .filter(|a| a.available() && a.queues.contains(&i))
                .count();
            if usize::try_from(q.available).ok() != Some(available) {
                return Err(format!(
                    "queue {name}: available {} but {available}",
                    q.available
                ));
            }
            let k = &q.counters;
            let out = k.answered
                + k.callbacks_completed
                + k.abandoned
                + k.callbacks_cancelled
                + k.max_wait_exits
                + k.removed
                + k.callbacks_gave_up;
            if k.offered != out + in_queue {
                return Err(format!(
                    "queue {name}: offered {} != {out} gone + {in_queue} in queue ({k:?})",
                    k.offered
                ));
            }
            if k.short_abandoned > k.abandoned || k.answered_within_sl > k.answered {
                return Err(format!("queue {name}: sub-counter above its total"));
            }
        }
        Ok(())
    }

    fn check_starvation(&self) -> Result<(), String> {
        for (id, c) in &self.calls {
            if c.phase != Phase::Waiting {
                continue;
            }
            for (aid, a) in &self.agents {
                if a.routable()
                    && a.serves(c.queue)
                    && !c.skip.iter().any(|s| s.0 == *aid)
                    && a.caps().qualifies(&c.req)
                {
                    return Err(format!("{id} waits while {aid} is ready and qualifies"));
                }
            }
        }
        Ok(())
    }
}
