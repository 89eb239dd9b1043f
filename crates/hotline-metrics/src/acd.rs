//! Queue and agent families: callers waiting, longest and expected wait, the queues'
//! cumulative counters (offered, answered, answered within the service level, abandoned with
//! short ones apart, callbacks, ring-no-answer) read from the router's snapshot; the wait and
//! handle-time histograms and the time agents spend in each state, observed from the router's
//! outputs as they happen.

use std::collections::{BTreeSet, HashMap};

use hotline_acd::{AgentId, AgentState, Millis, NotReadyReason, Output, QueueConfig, Snapshot};
use prometheus::{
    CounterVec, Error, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec,
    IntGauge, IntGaugeVec, Opts, Registry,
};

/// Seconds a caller waits: from seconds to the ten minutes a queue's max wait rarely exceeds.
const WAIT_BUCKETS: &[f64] = &[
    5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0,
];
/// Seconds an agent spends on a call (talk, hold and wrap-up).
const HANDLE_BUCKETS: &[f64] = &[
    30.0, 60.0, 90.0, 120.0, 180.0, 240.0, 300.0, 420.0, 600.0, 900.0, 1200.0, 1800.0,
];

/// Every agent state, as the `state` label.
const STATES: [&str; 6] = [
    "logged_out",
    "ready",
    "not_ready",
    "reserved",
    "on_call",
    "wrap_up",
];
/// Not-ready reasons kept as themselves in the `reason` label; any other code is `other`.
const REASONS: [&str; 7] = [
    "break", "training", "meeting", "missed", "login", "outbound", "other",
];

fn reason_label(r: &NotReadyReason) -> &'static str {
    match r {
        NotReadyReason::Break => "break",
        NotReadyReason::Training => "training",
        NotReadyReason::Meeting => "meeting",
        NotReadyReason::Missed => "missed",
        NotReadyReason::Other(code) => match code.as_str() {
            "login" => "login",
            "outbound" => "outbound",
            _ => "other",
        },
    }
}

fn secs(ms: Millis) -> f64 {
    ms.max(0) as f64 / 1000.0
}

/// What the observer remembers of an agent.
struct Track {
    state: &'static str,
    /// Time in `state` is counted up to here.
    counted_to: Millis,
    /// The call being handled: its queue and when the agent went on it.
    handling: Option<(String, Millis)>,
    /// When the agent last went on a call (`OnCall`'s since), until `Connected` names the queue.
    on_call_since: Option<Millis>,
}

/// Which of a queue's cumulative counters a family exports.
type Count = fn(&hotline_acd::QueueCounters) -> u64;

/// One queue's series, kept so that a scrape does not look each up by its labels again.
struct QueueSeries {
    waiting: IntGauge,
    longest_wait: Gauge,
    agents_logged_in: IntGauge,
    agents_ready: IntGauge,
    sl_target: Gauge,
    sl_threshold: Gauge,
    counters: Vec<IntCounter>,
}

/// The router's families and what the observer remembers.
pub(crate) struct AcdMetrics {
    waiting: IntGaugeVec,
    longest_wait: GaugeVec,
    expected_wait: GaugeVec,
    agents_logged_in: IntGaugeVec,
    agents_ready: IntGaugeVec,
    sl_target: GaugeVec,
    sl_threshold: GaugeVec,
    max_wait: GaugeVec,
    /// (family, what it counts) of the queues' cumulative counters.
    counters: Vec<(IntCounterVec, Count)>,
    wait: HistogramVec,
    handle: HistogramVec,
    agents: IntGaugeVec,
    state_seconds: CounterVec,
    tracks: HashMap<AgentId, Track>,
    queues: HashMap<String, QueueSeries>,
}

fn reg<T: prometheus::core::Collector + Clone + 'static>(r: &Registry, m: T) -> Result<T, Error> {
    r.register(Box::new(m.clone()))?;
    Ok(m)
}

impl AcdMetrics {
    pub(crate) fn new(r: &Registry) -> Result<AcdMetrics, Error> {
        let q = &["queue"];
        let gauge = |name: &str, help: &str| reg(r, GaugeVec::new(Opts::new(name, help), q)?);
        let int_gauge =
            |name: &str, help: &str| reg(r, IntGaugeVec::new(Opts::new(name, help), q)?);
        let counter =
            |name: &str, help: &str| reg(r, IntCounterVec::new(Opts::new(name, help), q)?);
        let counted: [(&str, &str, Count); 9] = [
            (
                "hotline_queue_calls_offered_total",
                "Calls that entered the queue (arrivals and calls moved in).",
                |c| c.offered,
            ),
            (
                "hotline_queue_calls_answered_total",
                "Calls an agent answered (callbacks not included).",
                |c| c.answered,
            ),
            (
                "hotline_queue_calls_answered_within_sl_total",
                "Answered calls that waited no longer than the queue's service-level time.",
                |c| c.answered_within_sl,
            ),
            (
                "hotline_queue_calls_abandoned_total",
                "Callers who hung up while waiting, short abandons included.",
                |c| c.abandoned,
            ),
            (
                "hotline_queue_calls_short_abandoned_total",
                "Callers who hung up before the queue's short-abandon time.",
                |c| c.short_abandoned,
            ),
            (
                "hotline_queue_callbacks_requested_total",
                "Callers who asked to be called back keeping their place.",
                |c| c.callbacks_requested,
            ),
            (
                "hotline_queue_callbacks_completed_total",
                "Callbacks that reached the customer.",
                |c| c.callbacks_completed,
            ),
            (
                "hotline_queue_ring_no_answer_total",
                "Offers to agents that rang out unanswered.",
                |c| c.no_answers,
            ),
            (
                "hotline_queue_max_wait_exits_total",
                "Calls that reached the queue's max wait and left by its exit.",
                |c| c.max_wait_exits,
            ),
        ];
        let mut counters = Vec::with_capacity(counted.len());
        for (name, help, f) in counted {
            counters.push((counter(name, help)?, f));
        }
        Ok(AcdMetrics {
            waiting: int_gauge(
                "hotline_queue_waiting_calls",
                "Callers on the line not yet connected (waiting or being offered).",
            )?,
            longest_wait: gauge(
                "hotline_queue_longest_wait_seconds",
                "How long the longest-waiting caller on the line has waited.",
            )?,
            expected_wait: gauge(
                "hotline_queue_expected_wait_seconds",
                "Expected wait of a standard call arriving now (absent while no agent serves the queue).",
            )?,
            agents_logged_in: int_gauge(
                "hotline_queue_agents_logged_in",
                "Agents logged in who serve the queue.",
            )?,
            agents_ready: int_gauge(
                "hotline_queue_agents_ready",
                "Agents serving the queue who are ready now.",
            )?,
            sl_target: gauge(
                "hotline_queue_service_level_target_ratio",
                "The queue's service-level target (e.g. 0.8 for 80 % answered within the time).",
            )?,
            sl_threshold: gauge(
                "hotline_queue_service_level_threshold_seconds",
                "The queue's service-level time (e.g. 20 for 80/20).",
            )?,
            max_wait: gauge(
                "hotline_queue_max_wait_seconds",
                "The longest a caller may wait in the queue before its exit (absent: no limit).",
            )?,
            counters,
            wait: reg(
                r,
                HistogramVec::new(
                    HistogramOpts::new(
                        "hotline_queue_wait_seconds",
                        "How long callers waited in the queue, by outcome (answered or abandoned).",
                    )
                    .buckets(WAIT_BUCKETS.to_vec()),
                    &["queue", "outcome"],
                )?,
            )?,
            handle: reg(
                r,
                HistogramVec::new(
                    HistogramOpts::new(
                        "hotline_queue_handle_seconds",
                        "Agent time per call: talk and hold, then wrap-up.",
                    )
                    .buckets(HANDLE_BUCKETS.to_vec()),
                    q,
                )?,
            )?,
            agents: reg(
                r,
                IntGaugeVec::new(
                    Opts::new(
                        "hotline_agents",
                        "Agents in each state now (the not-ready reason apart; `other` for site codes).",
                    ),
                    &["state", "reason"],
                )?,
            )?,
            state_seconds: reg(
                r,
                CounterVec::new(
                    Opts::new(
                        "hotline_agent_state_seconds_total",
                        "Time agents spent in each state, summed over agents (occupancy: on_call + wrap_up over those + ready + reserved).",
                    ),
                    &["state"],
                )?,
            )?,
            tracks: HashMap::new(),
            queues: HashMap::new(),
        })
    }

    pub(crate) fn observe(&mut self, out: &Output) {
        match out {
            Output::AgentStateChanged { agent, state } => self.state_changed(*agent, state),
            Output::Connected {
                agent,
                queue,
                wait_ms,
                callback,
                ..
            } => {
                if !callback {
                    self.wait
                        .with_label_values(&[queue.as_str(), "answered"])
                        .observe(secs(*wait_ms));
                }
                if let Some(t) = self.tracks.get_mut(agent) {
                    if let Some(at) = t.on_call_since.take() {
                        t.handling = Some((queue.clone(), at));
                    }
                }
            }
            Output::Abandoned { queue, wait_ms, .. } => {
                self.wait
                    .with_label_values(&[queue.as_str(), "abandoned"])
                    .observe(secs(*wait_ms));
            }
            _ => {}
        }
    }

    fn state_changed(&mut self, agent: AgentId, state: &AgentState) {
        let at = state.since();
        let name = state.name();
        let track = self.tracks.entry(agent).or_insert(Track {
            state: name,
            counted_to: at,
            handling: None,
            on_call_since: None,
        });
        if at > track.counted_to {
            self.state_seconds
                .with_label_values(&[track.state])
                .inc_by(secs(at - track.counted_to));
            track.counted_to = at;
        }
        track.state = name;
        match state {
            AgentState::OnCall { since, .. } => {
                // From wrap-up (a consultation or an outbound call cut it short): the handling
                // of the call before ends here.
                if let Some((queue, from)) = track.handling.take() {
                    self.handle
                        .with_label_values(&[queue.as_str()])
                        .observe(secs(at - from));
                }
                track.on_call_since = Some(*since);
            }
            AgentState::WrapUp { .. } => {}
            _ => {
                // The call's handling ends when the agent leaves wrap-up (or the call itself,
                // without wrap-up).
                if let Some((queue, from)) = track.handling.take() {
                    self.handle
                        .with_label_values(&[queue.as_str()])
                        .observe(secs(at - from));
                }
                track.on_call_since = None;
            }
        }
    }

    pub(crate) fn sync(&mut self, snap: &Snapshot, configs: &[QueueConfig]) {
        let now: BTreeSet<&str> = snap.queues.iter().map(|q| q.name.as_str()).collect();
        let gone: Vec<String> = self
            .queues
            .keys()
            .filter(|q| !now.contains(q.as_str()))
            .cloned()
            .collect();
        for q in gone {
            self.forget_queue(&q);
            self.queues.remove(&q);
        }
        for q in &snap.queues {
            if !self.queues.contains_key(&q.name) {
                let series = self.new_queue(&q.name);
                self.queues.insert(q.name.clone(), series);
            }
            let Some(series) = self.queues.get(&q.name) else {
                continue;
            };
            series.waiting.set(i64::from(q.waiting));
            series.longest_wait.set(secs(q.longest_wait_ms));
            series.agents_logged_in.set(i64::from(q.agents_logged_in));
            series.agents_ready.set(i64::from(q.agents_ready));
            // The service level it is held to (a reload may change it).
            if let Some(cfg) = configs.iter().find(|c| c.name == q.name) {
                series
                    .sl_target
                    .set(f64::from(cfg.service_level.percent) / 100.0);
                series
                    .sl_threshold
                    .set(f64::from(cfg.service_level.within_secs));
                let l = &[q.name.as_str()];
                match cfg.max_wait_secs {
                    Some(s) => self.max_wait.with_label_values(l).set(f64::from(s)),
                    None => {
                        let _ = self.max_wait.remove_label_values(l);
                    }
                }
            }
            for (c, (_, count)) in series.counters.iter().zip(&self.counters) {
                let v = count(&q.counters);
                if c.get() != v {
                    c.reset();
                    c.inc_by(v);
                }
            }
            let l = &[q.name.as_str()];
            match q.expected_wait_ms {
                Some(ms) => self.expected_wait.with_label_values(l).set(secs(ms)),
                None => {
                    let _ = self.expected_wait.remove_label_values(l);
                }
            }
        }
        self.sync_agents(snap);
    }

    /// A queue seen for the first time (or again after a reload): its series, and empty
    /// histograms so that rates and ratios have series to work on.
    fn new_queue(&self, name: &str) -> QueueSeries {
        let l = &[name];
        for outcome in ["answered", "abandoned"] {
            self.wait.with_label_values(&[name, outcome]);
        }
        self.handle.with_label_values(l);
        QueueSeries {
            waiting: self.waiting.with_label_values(l),
            longest_wait: self.longest_wait.with_label_values(l),
            agents_logged_in: self.agents_logged_in.with_label_values(l),
            agents_ready: self.agents_ready.with_label_values(l),
            sl_target: self.sl_target.with_label_values(l),
            sl_threshold: self.sl_threshold.with_label_values(l),
            counters: self
                .counters
                .iter()
                .map(|(f, _)| f.with_label_values(l))
                .collect(),
        }
    }

    fn sync_agents(&mut self, snap: &Snapshot) {
        // Agents per state (a row per state; for not_ready, a column per reason).
        let mut counts = [[0i64; REASONS.len()]; STATES.len()];
        let mut seconds = [0f64; STATES.len()];
        let index = |name: &str| STATES.iter().position(|s| *s == name).unwrap_or(0);
        for a in &snap.agents {
            let state = index(a.state.name());
            let reason = match &a.state {
                AgentState::NotReady { reason, .. } => {
                    let r = reason_label(reason);
                    REASONS.iter().position(|x| *x == r).unwrap_or(0)
                }
                _ => 0,
            };
            if let Some(n) = counts.get_mut(state).and_then(|row| row.get_mut(reason)) {
                *n += 1;
            }
            // Time in the current state, up to the snapshot.
            let track = self.tracks.entry(a.id).or_insert(Track {
                state: a.state.name(),
                counted_to: a.state.since(),
                handling: None,
                on_call_since: None,
            });
            if snap.at > track.counted_to && track.state == a.state.name() {
                if let Some(s) = seconds.get_mut(index(track.state)) {
                    *s += secs(snap.at - track.counted_to);
                }
                track.counted_to = snap.at;
            }
        }
        for ((state, row), spent) in STATES.iter().zip(&counts).zip(seconds) {
            if *state == "not_ready" {
                for (reason, &n) in REASONS.iter().zip(row) {
                    self.agents.with_label_values(&[*state, *reason]).set(n);
                }
            } else {
                self.agents
                    .with_label_values(&[*state, ""])
                    .set(row.first().copied().unwrap_or(0));
            }
            self.state_seconds
                .with_label_values(&[*state])
                .inc_by(spent);
        }
        // Agents the router no longer has (it keeps every agent it has seen, so this is rare).
        if self.tracks.len() > snap.agents.len() {
            let known: BTreeSet<AgentId> = snap.agents.iter().map(|a| a.id).collect();
            self.tracks.retain(|id, _| known.contains(id));
        }
    }

    fn forget_queue(&self, queue: &str) {
        let l = &[queue];
        let _ = self.waiting.remove_label_values(l);
        let _ = self.longest_wait.remove_label_values(l);
        let _ = self.expected_wait.remove_label_values(l);
        let _ = self.agents_logged_in.remove_label_values(l);
        let _ = self.agents_ready.remove_label_values(l);
        let _ = self.sl_target.remove_label_values(l);
        let _ = self.sl_threshold.remove_label_values(l);
        let _ = self.max_wait.remove_label_values(l);
        for (family, _) in &self.counters {
            let _ = family.remove_label_values(l);
        }
        for outcome in ["answered", "abandoned"] {
            let _ = self.wait.remove_label_values(&[queue, outcome]);
        }
        let _ = self.handle.remove_label_values(l);
    }
}
