//! Position and expected wait of one call, computed from the queues and agents now (see the
//! crate documentation, "Expected wait", for the model).

use crate::hot::Kind;
use crate::ids::{CallId, Millis};
use crate::model::Output;
use crate::queue::CallKey;
use crate::rules::Requirement;

use super::calls::position;
use super::Router;

impl Router {
    /// Emits `Announce` for a waiting call.
    pub(super) fn announce(&mut self, id: CallId, now: Millis, out: &mut Vec<Output>) {
        let Some(c) = self.calls.get(&id) else {
            return;
        };
        let (position, expected_wait_ms) = self.estimate(c.queue, &c.req, &c.key, now);
        out.push(Output::Announce {
            call: id,
            position,
            expected_wait_ms,
        });
    }

    /// (1-based position in its queue, expected wait) of a call with this requirement and key
    /// in queue `q`; `None` when no agent it could wait for is logged in and available.
    pub(super) fn estimate(
        &self,
        q: usize,
        req: &Requirement,
        key: &CallKey,
        now: Millis,
    ) -> (u32, Option<Millis>) {
        let queue = self.queues.at(q);
        let own_ahead = queue.rank.partition_point(|e| e < key);
        let aht = queue.aht();
        let wrap = queue.rules.wrap_ms;
        let cycle = aht.saturating_add(wrap).max(1);
        let mut frees = Vec::new();
        let mut share = vec![0u32; self.queues.len()];
        for &slot in &queue.members {
            let Some(h) = self.hot.get(slot as usize) else {
                continue;
            };
            let free = match h.kind {
                Kind::Away => continue,
                Kind::Ready => 0,
                Kind::Reserved => cycle,
                Kind::OnCall => {
                    let talked = now.saturating_sub(h.t);
                    aht.saturating_sub(talked).max(0).saturating_add(wrap)
                }
                Kind::WrapUp => h.t.saturating_sub(now),
            };
            let record = || self.agents.get(&h.id);
            let qualifies = h
                .qualifies(req)
                .unwrap_or_else(|| record().is_some_and(|a| a.caps().qualifies(req)));
            if !qualifies {
                continue;
            }
            frees.push(free.clamp(0, cycle));
            let mut count = |other: usize| {
                if other != q {
                    if let Some(n) = share.get_mut(other) {
                        *n += 1;
                    }
                }
            };
            match h.queues() {
                Some(qs) => qs.iter().for_each(|&o| count(usize::from(o))),
                None => record()
                    .iter()
                    .flat_map(|a| &a.queues)
                    .for_each(|&o| count(o)),
            }
        }
        let position = position(own_ahead);
        if frees.is_empty() {
            return (position, None);
        }
        let eff = queue.rules.eff_at(key.prio.0, now);
        let mut cross = 0.0f64;
        for (other, &n) in share.iter().enumerate() {
            let o = self.queues.at(other);
            if n == 0 || !o.open || o.rank.is_empty() {
                continue;
            }
            let threshold = eff - o.rules.ageing * i128::from(now);
            let ahead = o.count_ahead(threshold, key.enqueued);
            cross += ahead as f64 * f64::from(n) / f64::from(o.available.max(n));
        }
        let ahead = own_ahead.saturating_add(cross.floor() as usize);
        let k = frees.len();
        let (_, nth, _) = frees.select_nth_unstable(ahead % k);
        let rounds = Millis::try_from(ahead / k).unwrap_or(Millis::MAX);
        (
            position,
            Some(nth.saturating_add(rounds.saturating_mul(cycle))),
        )
    }
}
