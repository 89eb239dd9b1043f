//! Reloading the queue configuration without losing calls or agents.

use std::cmp::Reverse;
use std::collections::HashSet;

use crate::call::Phase;
use crate::config::QueueConfig;
use crate::ids::{AgentId, CallId, Millis};
use crate::model::Output;
use crate::queue::Queue;
use crate::rules::QueueRules;
use crate::timers::Timer;

use super::Router;

impl Router {
    /// Applies a new queue list (validate it first) and returns what the change causes:
    /// exits of removed queues' calls, max waits, and offers that the new rules make possible.
    ///
    /// A queue whose name is kept keeps its calls, counters and measured talk times under the
    /// new settings (priority keys, requirements and timers are recomputed; a call past a
    /// shortened max wait leaves at once). A removed queue takes no new calls; its waiting
    /// calls leave at once by the removed queue's `max_wait_exit` (`QueueRemoved`;
    /// `queue:<name>` moves them, keeping their enqueue time, if that queue still exists, else
    /// they get a `ticket`). Its calls being offered or connected finish normally; one that is
    /// not answered, or a callback whose retry comes due, leaves the same way then. Agents
    /// keep their state; queues they named that now exist are served from now on.
    pub fn reconfigure(&mut self, queues: Vec<QueueConfig>, now: Millis) -> Vec<Output> {
        let now = now.max(self.now);
        self.now = now;
        let mut out = Vec::new();
        for q in self.queues.iter_mut() {
            q.open = false;
            q.clear_indexes();
        }
        let mut seen = HashSet::new();
        for cfg in &queues {
            if !seen.insert(cfg.name.as_str()) {
                continue;
            }
            let rules = QueueRules::resolve(cfg, &mut self.syms);
            match self.queue_index.get(&cfg.name) {
                Some(&i) => {
                    let queue = self.queues.at_mut(i);
                    queue.rules = rules;
                    queue.open = true;
                }
                None => {
                    let slot = self.queues.push(Queue::new(rules));
                    self.queue_index.insert(cfg.name.clone(), slot);
                }
            }
        }
        let mut agent_ids: Vec<AgentId> = self.agents.keys().copied().collect();
        agent_ids.sort_unstable();
        for id in &agent_ids {
            let names = self
                .agents
                .get(id)
                .map(|a| a.queue_names.clone())
                .unwrap_or_default();
            let served = self.resolve_queues(&names);
            if let Some(a) = self.agents.get_mut(id) {
                a.queues = served;
                a.in_ready.clear();
                a.in_members.clear();
                a.counted.clear();
            }
            self.refresh_agent(*id);
        }
        let mut waiting: Vec<(Reverse<i128>, Millis, CallId)> = Vec::new();
        for c in self.calls.values_mut() {
            let queue = self.queues.at(c.queue);
            c.bucket = None;
            c.in_rank = false;
            c.key.prio = Reverse(queue.rules.prio_key(c.priority, c.tier, c.enqueued));
            if c.phase == Phase::Waiting {
                if queue.rules.announce_ms.is_none() {
                    self.timers
                        .rearm(&mut c.timers.announce, Timer::Announce(c.id), None);
                }
                let eff = queue.rules.eff_at(c.key.prio.0, now);
                waiting.push((Reverse(eff), c.enqueued, c.id));
            }
        }
        waiting.sort_unstable();
        for (_, _, id) in waiting {
            self.enter_waiting(id, now, &mut out);
        }
        out
    }

    /// A call meets its removed queue: it leaves by that queue's exit.
    pub(super) fn queue_gone(&mut self, id: CallId, now: Millis, out: &mut Vec<Output>) {
        let Some(c) = self.calls.get(&id) else {
            return;
        };
        let queue = self.queues.at_mut(c.queue);
        queue.counters.removed += 1;
        let exit = queue.rules.exit.clone();
        self.exit_to(id, exit, now, out, |call, exit| Output::QueueRemoved {
            call,
            exit,
        });
    }
}
