//! IVR families: entries into and exits out of each node of each flow (labels `flow`, `node`,
//! `exit`: bounded by the flows loaded now, so a node removed by a reload disappears), calls
//! whose IVR ended by outcome (self-served, transferred, abandoned, unserved: containment is
//! self-served over all of them, the same ratio as the call records'), and the lookups'
//! latency and failures by kind.

use std::collections::HashMap;

use prometheus::{Error, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry};

/// Seconds a lookup (customer, bills, reading) takes.
const LOOKUP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// How a call's IVR ended, as the `outcome` label (the IVR's `interp::Outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IvrOutcome {
    /// The caller had a self-service action (a `served` node), then the call ended.
    SelfServed,
    /// Handed to an agent queue.
    Transferred,
    /// The caller hung up before any self-service action.
    Abandoned,
    /// The flow hung up before any self-service action (e.g. outside office hours).
    Unserved,
}

impl IvrOutcome {
    fn label(self) -> &'static str {
        match self {
            IvrOutcome::SelfServed => "self_served",
            IvrOutcome::Transferred => "transferred",
            IvrOutcome::Abandoned => "abandoned",
            IvrOutcome::Unserved => "unserved",
        }
    }
}

/// How a lookup ended, as the `result` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupOutcome {
    Found,
    NotFound,
    /// The data source failed or timed out.
    Error,
}

/// The kinds of lookup a flow makes (the `what` label); anything else counts as `other`.
pub const LOOKUP_KINDS: [&str; 7] = [
    "customer_by_caller",
    "customer_by_account",
    "bills",
    "arrears",
    "notices",
    "submit_reading",
    "submit_survey",
];

pub(crate) struct IvrMetrics {
    entries: IntCounterVec,
    exits: IntCounterVec,
    calls: IntCounterVec,
    lookup_seconds: HistogramVec,
    lookup_errors: IntCounterVec,
}

/// The node series now: flow → node → its counters (a node is here while it is loaded).
#[derive(Default)]
pub(crate) struct NodeSeries {
    nodes: Vec<(String, String)>,
    flows: HashMap<String, HashMap<String, NodeCounters>>,
}

struct NodeCounters {
    entered: IntCounter,
    exits: HashMap<String, IntCounter>,
}

/// Sets a counter to `v` (the engine's count is the truth; counters only go up there).
fn set(c: &IntCounter, v: u64) {
    if c.get() != v {
        c.reset();
        c.inc_by(v);
    }
}

impl IvrMetrics {
    pub(crate) fn new(r: &Registry) -> Result<IvrMetrics, Error> {
        let entries = IntCounterVec::new(
            Opts::new(
                "hotline_ivr_node_entries_total",
                "Calls that entered the node (the flows loaded now).",
            ),
            &["flow", "node"],
        )?;
        let exits = IntCounterVec::new(
            Opts::new(
                "hotline_ivr_node_exits_total",
                "Calls that left the node, by the branch taken (key_1, found, timeout, …).",
            ),
            &["flow", "node", "exit"],
        )?;
        let calls = IntCounterVec::new(
            Opts::new(
                "hotline_ivr_calls_total",
                "Calls whose IVR ended (one per call), by outcome: self_served (a self-service action, then the call ended), transferred (to an agent queue), abandoned (the caller hung up before any self-service action), unserved (the flow hung up before any, e.g. outside office hours).",
            ),
            &["outcome"],
        )?;
        let lookup_seconds = HistogramVec::new(
            HistogramOpts::new(
                "hotline_ivr_lookup_seconds",
                "How long the IVR's lookups took, by kind.",
            )
            .buckets(LOOKUP_BUCKETS.to_vec()),
            &["what"],
        )?;
        let lookup_errors = IntCounterVec::new(
            Opts::new(
                "hotline_ivr_lookup_errors_total",
                "Lookups whose data source failed or timed out, by kind.",
            ),
            &["what"],
        )?;
        for m in [&entries, &exits, &calls, &lookup_errors] {
            r.register(Box::new(m.clone()))?;
        }
        r.register(Box::new(lookup_seconds.clone()))?;
        for o in [
            IvrOutcome::SelfServed,
            IvrOutcome::Transferred,
            IvrOutcome::Abandoned,
            IvrOutcome::Unserved,
        ] {
            calls.with_label_values(&[o.label()]);
        }
        for what in LOOKUP_KINDS {
            lookup_seconds.with_label_values(&[what]);
            lookup_errors.with_label_values(&[what]);
        }
        Ok(IvrMetrics {
            entries,
            exits,
            calls,
            lookup_seconds,
            lookup_errors,
        })
    }

    pub(crate) fn ended(&self, outcome: IvrOutcome) {
        self.calls.with_label_values(&[outcome.label()]).inc();
    }

    pub(crate) fn lookup(&self, what: &str, outcome: LookupOutcome, secs: f64) {
        let what = LOOKUP_KINDS
            .iter()
            .find(|k| **k == what)
            .copied()
            .unwrap_or("other");
        self.lookup_seconds.with_label_values(&[what]).observe(secs);
        if outcome == LookupOutcome::Error {
            self.lookup_errors.with_label_values(&[what]).inc();
        }
    }

    /// The node counts now: `nodes` are the (flow, node) pairs of the flows loaded, `counts`
    /// the engine's (flow, node, exit) → calls, where the exit `entered` counts entries.
    /// Series of nodes no longer loaded are removed.
    pub(crate) fn sync(
        &self,
        series: &mut NodeSeries,
        nodes: &[(String, String)],
        counts: &[((String, String, String), u64)],
    ) {
        if series.nodes != nodes {
            let mut old = std::mem::take(&mut series.flows);
            for (f, n) in nodes {
                let kept = old.get_mut(f).and_then(|m| m.remove(n));
                let node = kept.unwrap_or_else(|| NodeCounters {
                    entered: self.entries.with_label_values(&[f, n]),
                    exits: HashMap::new(),
                });
                series
                    .flows
                    .entry(f.clone())
                    .or_default()
                    .insert(n.clone(), node);
            }
            // What is left of the old nodes is no longer loaded.
            for (f, gone) in old {
                for (n, node) in gone {
                    let _ = self.entries.remove_label_values(&[&f, &n]);
                    for e in node.exits.keys() {
                        let _ = self.exits.remove_label_values(&[&f, &n, e]);
                    }
                }
            }
            series.nodes = nodes.to_vec();
        }
        for ((flow, node, exit), v) in counts {
            let Some(c) = series
                .flows
                .get_mut(flow.as_str())
                .and_then(|m| m.get_mut(node.as_str()))
            else {
                continue;
            };
            if exit == "entered" {
                set(&c.entered, *v);
            } else if let Some(e) = c.exits.get(exit.as_str()) {
                set(e, *v);
            } else {
                let e = self.exits.with_label_values(&[flow, node, exit]);
                set(&e, *v);
                c.exits.insert(exit.clone(), e);
            }
        }
    }
}
