//! A queue's runtime state: index buckets of waiting calls (one per distinct requirement,
//! each ordered by priority key), the rank index used for positions, the ready agents in the
//! strategy's order, members, counters and the rolling handle time.

use std::cmp::Reverse;
use std::collections::{BTreeSet, VecDeque};

use crate::ids::{AgentId, CallId, IdMap, Millis};
use crate::rules::{QueueRules, Requirement};

/// A waiting call's place: higher priority key first, then the earlier enqueue, then the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CallKey {
    pub prio: Reverse<i128>,
    pub enqueued: Millis,
    pub id: CallId,
}

fn saturate(k: i128) -> i64 {
    i64::try_from(k).unwrap_or(if k < 0 { i64::MIN } else { i64::MAX })
}

/// Waiting calls that need exactly the same of an agent.
#[derive(Debug)]
pub(crate) struct Bucket {
    pub req: Requirement,
    pub calls: BTreeSet<CallKey>,
}

/// Counters for the wallboard; see `QueueSnapshot` for their meaning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueCounters {
    /// Calls that entered the queue (arrivals and calls moved in).
    pub offered: u64,
    pub answered: u64,
    pub answered_within_sl: u64,
    /// Callers who hung up while waiting (short ones included).
    pub abandoned: u64,
    pub short_abandoned: u64,
    pub callbacks_requested: u64,
    /// Callbacks where the customer was reached.
    pub callbacks_completed: u64,
    pub callbacks_gave_up: u64,
    /// Callback entries cancelled before completion (`CallAbandoned` on a callback).
    pub callbacks_cancelled: u64,
    pub max_wait_exits: u64,
    /// Calls that left because the queue was removed by a reconfigure.
    pub removed: u64,
    /// Offers made to agents (rings and callback dials).
    pub agent_offers: u64,
    /// Offers that rang out (reported or timed out).
    pub no_answers: u64,
}

/// Rolling average of the last 32 talk times.
#[derive(Debug, Clone)]
pub(crate) struct Rolling {
    buf: [Millis; 32],
    len: usize,
    pos: usize,
    sum: i128,
}

impl Rolling {
    pub(crate) fn new() -> Self {
        Rolling {
            buf: [0; 32],
            len: 0,
            pos: 0,
            sum: 0,
        }
    }

    pub(crate) fn push(&mut self, v: Millis) {
        let v = v.max(0);
        let full = self.len == self.buf.len();
        // `pos` is kept below the buffer's length (the modulo below).
        let Some(slot) = self.buf.get_mut(self.pos) else {
            return;
        };
        let old = std::mem::replace(slot, v);
        if full {
            self.sum -= i128::from(old);
        } else {
            self.len += 1;
        }
        self.sum += i128::from(v);
        self.pos = (self.pos + 1) % self.buf.len();
    }

    /// The average, or `default` before any data.
    pub(crate) fn average(&self, default: Millis) -> Millis {
        match i128::try_from(self.len) {
            Ok(n) if n > 0 => Millis::try_from(self.sum / n).unwrap_or(default),
            _ => default,
        }
    }
}

/// One queue slot. Slots are never removed: a queue dropped by a reconfigure is `open = false`
/// (no new calls, no routing) and reopened if its name comes back.
#[derive(Debug)]
pub(crate) struct Queue {
    pub rules: QueueRules,
    pub open: bool,
    /// Bucket slab (`None` = free slot).
    pub buckets: Vec<Option<Bucket>>,
    free: Vec<usize>,
    pub by_req: std::collections::HashMap<Requirement, usize>,
    /// Buckets open to any qualifying agent.
    pub general: Vec<usize>,
    /// Buckets of calls waiting for one preferred agent.
    pub only: IdMap<AgentId, Vec<usize>>,
    /// All routable waiting calls in priority order (positions, expected waits).
    pub rank: VecDeque<CallKey>,
    /// The priority keys of `rank`, same order, saturated to i64: a dense copy for the
    /// many binary searches of cross-queue estimates.
    pub keys: VecDeque<i64>,
    /// Ready, registered agents: (strategy key, agent). Longest idle and most skilled use the
    /// ready time, round robin the sequence number of the agent's last offer from this queue.
    pub ready: BTreeSet<(i64, AgentId)>,
    /// Logged-in agents serving the queue (their `hot` rows, unordered).
    pub members: Vec<u32>,
    /// Members that are registered and ready, reserved, on a call or in wrap-up.
    pub available: u32,
    pub rr_seq: u64,
    pub talk: Rolling,
    pub counters: QueueCounters,
}

impl Queue {
    pub(crate) fn new(rules: QueueRules) -> Self {
        Queue {
            rules,
            open: true,
            buckets: Vec::new(),
            free: Vec::new(),
            by_req: Default::default(),
            general: Vec::new(),
            only: IdMap::default(),
            rank: VecDeque::new(),
            keys: VecDeque::new(),
            ready: BTreeSet::new(),
            members: Vec::new(),
            available: 0,
            rr_seq: 0,
            talk: Rolling::new(),
            counters: QueueCounters::default(),
        }
    }

    /// Average talk time (measured, or the configured default).
    pub(crate) fn aht(&self) -> Millis {
        self.talk.average(self.rules.default_handle_ms)
    }

    /// Adds a waiting call to its requirement's bucket; returns the bucket.
    pub(crate) fn bucket_insert(&mut self, req: &Requirement, key: CallKey) -> usize {
        let b = match self.by_req.get(req) {
            Some(&b) => b,
            None => {
                let bucket = Bucket {
                    req: req.clone(),
                    calls: BTreeSet::new(),
                };
                // A freed slot (freed slots are never past the end: buckets only grow).
                let free = self.free.pop();
                let b = match free.and_then(|b| Some((b, self.buckets.get_mut(b)?))) {
                    Some((b, slot)) => {
                        *slot = Some(bucket);
                        b
                    }
                    None => {
                        self.buckets.push(Some(bucket));
                        self.buckets.len() - 1
                    }
                };
                self.by_req.insert(req.clone(), b);
                match req.only {
                    Some(a) => self.only.entry(a).or_default().push(b),
                    None => self.general.push(b),
                }
                b
            }
        };
        if let Some(Some(bucket)) = self.buckets.get_mut(b) {
            bucket.calls.insert(key);
        }
        b
    }

    /// Removes a call from a bucket, dropping the bucket once empty.
    pub(crate) fn bucket_remove(&mut self, b: usize, key: &CallKey) {
        let Some(slot) = self.buckets.get_mut(b) else {
            return;
        };
        let Some(bucket) = slot else {
            return;
        };
        bucket.calls.remove(key);
        if !bucket.calls.is_empty() {
            return;
        }
        let Some(bucket) = slot.take() else {
            return;
        };
        self.free.push(b);
        self.by_req.remove(&bucket.req);
        match bucket.req.only {
            Some(a) => {
                if let Some(v) = self.only.get_mut(&a) {
                    v.retain(|&x| x != b);
                    if v.is_empty() {
                        self.only.remove(&a);
                    }
                }
            }
            None => self.general.retain(|&x| x != b),
        }
    }

    pub(crate) fn rank_insert(&mut self, key: CallKey) {
        let at = self.rank.partition_point(|e| *e < key);
        self.rank.insert(at, key);
        self.keys.insert(at, saturate(key.prio.0));
    }

    pub(crate) fn rank_remove(&mut self, key: &CallKey) {
        let at = self.rank.partition_point(|e| e < key);
        if self.rank.get(at) == Some(key) {
            self.rank.remove(at);
            self.keys.remove(at);
        }
    }

    /// Waiting calls whose key is above `threshold`, or equal with an enqueue time before
    /// `enqueued`.
    pub(crate) fn count_ahead(&self, threshold: i128, enqueued: Millis) -> usize {
        let t = saturate(threshold);
        let above = self.keys.partition_point(|&k| k > t);
        if self.keys.get(above) != Some(&t) {
            return above;
        }
        self.rank.partition_point(|e| {
            e.prio.0 > threshold || (e.prio.0 == threshold && e.enqueued < enqueued)
        })
    }

    /// Drops every index (reconfigure rebuilds them); counters and handle times stay.
    pub(crate) fn clear_indexes(&mut self) {
        self.buckets.clear();
        self.free.clear();
        self.by_req.clear();
        self.general.clear();
        self.only.clear();
        self.rank.clear();
        self.keys.clear();
        self.ready.clear();
        self.members.clear();
        self.available = 0;
    }
}
