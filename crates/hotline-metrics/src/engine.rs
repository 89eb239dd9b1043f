//! Engine families: SIP requests by method and responses by class, malformed messages,
//! authentication failures, refusals by reason, challenges by reason, blocked addresses and
//! throttled accounts, registrations, calls and transactions now
//! (read from the SIP core at scrape time); call setup time; RTP packets received, sent, lost
//! and dropped and each leg's interarrival jitter (counted when a media leg closes), media
//! timeouts; database query latency by operation.

use hotline_sip::engine::{ChallengeReason, Refusal, Stats};
use hotline_sip::overload::OverloadReason;
use prometheus::{
    Error, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry,
};

/// What a media leg counted, when it closed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LegFigures {
    pub received: u64,
    pub sent: u64,
    /// Cumulative loss (RFC 3550; negative with duplicates).
    pub lost: i64,
    /// Datagrams refused (malformed, wrong source, unknown payload type).
    pub dropped: u64,
    /// Of those, refused for their source (strict RTP latching: a stranger's packets).
    pub dropped_wrong_source: u64,
    pub jitter_secs: f64,
}

/// The operations whose latency `hotline_db_query_seconds` has (the `op` label).
pub const DB_OPS: [&str; 5] = [
    "call_start",
    "call_update",
    "ticket_figures",
    "qa_figures",
    "other",
];

/// The call core's inputs that a call's kind or phase may not expect (the label values of
/// `hotline_call_unexpected_inputs_total`; anything else is `other`).
pub const UNEXPECTED_INPUTS: [&str; 10] = [
    "answered",
    "ended",
    "leg",
    "hold_changed",
    "ivr",
    "queue_ticket",
    "answer_timer",
    "ring_timeout",
    "acd",
    "other",
];

fn set(c: &IntCounter, v: u64) {
    if c.get() != v {
        c.reset();
        c.inc_by(v);
    }
}

pub(crate) struct EngineMetrics {
    requests: IntCounterVec,
    responses: IntCounterVec,
    malformed: IntCounter,
    auth_failures: IntCounter,
    refused: IntCounterVec,
    challenges: IntCounterVec,
    dropped: IntCounterVec,
    overloaded: IntCounterVec,
    tcp_refused: IntCounterVec,
    tcp_message_timeouts: IntCounter,
    tcp_connections: IntGauge,
    registered: IntGauge,
    blocked: IntGauge,
    throttled: IntGauge,
    calls: IntGauge,
    transactions: IntGauge,
    setup: Histogram,
    rtp_packets: IntCounterVec,
    rtp_lost: IntCounter,
    rtp_dropped: IntCounter,
    rtp_wrong_source: IntCounter,
    jitter: Histogram,
    media_timeouts: IntCounter,
    surveys: IntCounterVec,
    unexpected: IntCounterVec,
    db: HistogramVec,
}

impl EngineMetrics {
    pub(crate) fn new(r: &Registry) -> Result<EngineMetrics, Error> {
        let counter = |name: &str, help: &str| -> Result<IntCounter, Error> {
            let c = IntCounter::new(name, help)?;
            r.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let counter_vec =
            |name: &str, help: &str, labels: &[&str]| -> Result<IntCounterVec, Error> {
                let c = IntCounterVec::new(Opts::new(name, help), labels)?;
                r.register(Box::new(c.clone()))?;
                Ok(c)
            };
        let gauge = |name: &str, help: &str| -> Result<IntGauge, Error> {
            let g = IntGauge::new(name, help)?;
            r.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let histogram = |name: &str, help: &str, buckets: &[f64]| -> Result<Histogram, Error> {
            let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.to_vec()))?;
            r.register(Box::new(h.clone()))?;
            Ok(h)
        };
        let m = EngineMetrics {
            requests: counter_vec(
                "hotline_sip_requests_total",
                "SIP requests received, by method.",
                &["method"],
            )?,
            responses: counter_vec(
                "hotline_sip_responses_total",
                "SIP responses sent, by class (1xx … 6xx).",
                &["class"],
            )?,
            malformed: counter(
                "hotline_sip_malformed_total",
                "SIP messages that could not be parsed (answered 400 where possible).",
            )?,
            auth_failures: counter(
                "hotline_sip_auth_failures_total",
                "Digest authentication failures (wrong user or password).",
            )?,
            refused: counter_vec(
                "hotline_sip_refused_total",
                "Requests refused by authentication or its policy, by reason: auth_failed (wrong user or password), account_throttled, user_mismatch (REGISTER for another user), not_registered (a call from an authenticated user with no registration), uri_mismatch (digest uri is not the Request-URI), bad_authorization (malformed Digest header).",
                &["reason"],
            )?,
            challenges: counter_vec(
                "hotline_sip_auth_challenges_total",
                "Digest challenges sent, by reason: no_credentials, other_scheme, other_realm; and with stale=true after a right password with a nonce that was stale (expired or unknown), replayed (a nonce count already used) or from other_address than it was sent to.",
                &["reason"],
            )?,
            dropped: counter_vec(
                "hotline_sip_dropped_total",
                "SIP messages dropped unanswered: from a blocked address, or over the rate limit.",
                &["reason"],
            )?,
            overloaded: counter_vec(
                "hotline_sip_overload_rejected_total",
                "New INVITEs refused with 503 and Retry-After by overload control, by reason: max_calls (sip.overload.max_calls inbound calls held), call_rate (over sip.overload.calls_per_sec).",
                &["reason"],
            )?,
            tcp_refused: counter_vec(
                "hotline_sip_tcp_refused_total",
                "TCP connections refused at accept, by reason: per_address (the address, or IPv6 /64, held sip.tcp_max_connections_per_address), total (the listener held its maximum).",
                &["reason"],
            )?,
            tcp_message_timeouts: counter(
                "hotline_sip_tcp_message_timeouts_total",
                "TCP connections closed because a message begun on them was not complete within sip.tcp_message_timeout_secs.",
            )?,
            tcp_connections: gauge("hotline_sip_tcp_connections", "SIP TCP connections open now.")?,
            registered: gauge(
                "hotline_sip_registered_users",
                "SIP users (phones) with a registration now.",
            )?,
            blocked: gauge(
                "hotline_sip_blocked_addresses",
                "Addresses blocked now after repeated authentication failures.",
            )?,
            throttled: gauge(
                "hotline_sip_throttled_accounts",
                "Accounts throttled now after repeated wrong passwords from any addresses.",
            )?,
            calls: gauge("hotline_calls_active", "Calls the engine holds now (any state).")?,
            transactions: gauge(
                "hotline_sip_transactions",
                "SIP transactions open now.",
            )?,
            setup: histogram(
                "hotline_call_setup_seconds",
                "From an incoming INVITE reaching the call controller to the answer being sent (the configured ring delay included).",
                &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0],
            )?,
            rtp_packets: counter_vec(
                "hotline_rtp_packets_total",
                "RTP packets received and sent by closed media legs, by direction.",
                &["direction"],
            )?,
            rtp_lost: counter(
                "hotline_rtp_packets_lost_total",
                "RTP packets lost on the way to the engine (RFC 3550 count, closed legs).",
            )?,
            rtp_dropped: counter(
                "hotline_rtp_packets_dropped_total",
                "RTP datagrams refused: malformed, from another source, or of a payload type not agreed.",
            )?,
            rtp_wrong_source: counter(
                "hotline_rtp_packets_dropped_wrong_source_total",
                "Of the refused RTP datagrams, those from a source the call's strict latching does not accept (closed legs).",
            )?,
            jitter: histogram(
                "hotline_rtp_jitter_seconds",
                "Each closed media leg's interarrival jitter (RFC 3550) of what the engine received.",
                &[0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2],
            )?,
            media_timeouts: counter(
                "hotline_media_timeouts_total",
                "Calls released because no RTP came for the media timeout.",
            )?,
            surveys: {
                let c = counter_vec(
                    "hotline_surveys_total",
                    "Callers taken to the survey (the flow after the agent) when the agent's leg ended (stage=\"offered\"), and those who gave a score (stage=\"answered\"): answered / offered is the survey's response rate.",
                    &["stage"],
                )?;
                for stage in ["offered", "answered"] {
                    c.with_label_values(&[stage]);
                }
                c
            },
            unexpected: counter_vec(
                "hotline_call_unexpected_inputs_total",
                "Inputs the call core did not apply because the call's kind or phase does not expect them (an answer reported twice, an end for a call gone), by input.",
                &["input"],
            )?,
            db: {
                let h = HistogramVec::new(
                    HistogramOpts::new(
                        "hotline_db_query_seconds",
                        "Database latency of the engine's own writes and counts, by operation.",
                    )
                    .buckets(vec![
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                    ]),
                    &["op"],
                )?;
                r.register(Box::new(h.clone()))?;
                h
            },
        };
        for class in ["1xx", "2xx", "3xx", "4xx", "5xx", "6xx"] {
            m.responses.with_label_values(&[class]);
        }
        for reason in ["blocked", "rate_limited"] {
            m.dropped.with_label_values(&[reason]);
        }
        for r in OverloadReason::ALL {
            m.overloaded.with_label_values(&[r.label()]);
        }
        for reason in ["per_address", "total"] {
            m.tcp_refused.with_label_values(&[reason]);
        }
        for r in Refusal::ALL {
            m.refused.with_label_values(&[r.label()]);
        }
        for c in ChallengeReason::ALL {
            m.challenges.with_label_values(&[c.label()]);
        }
        for d in ["received", "sent"] {
            m.rtp_packets.with_label_values(&[d]);
        }
        for op in DB_OPS {
            m.db.with_label_values(&[op]);
        }
        for i in UNEXPECTED_INPUTS {
            m.unexpected.with_label_values(&[i]);
        }
        Ok(m)
    }

    pub(crate) fn sync_sip(&self, s: &Stats, calls: usize, transactions: usize) {
        for (method, n) in &s.requests_in {
            set(&self.requests.with_label_values(&[*method]), *n);
        }
        // responses_out holds the classes by their digit: 1xx at 1 … 6xx at 6.
        let by_class = s.responses_out.iter().skip(1);
        for (class, &n) in ["1xx", "2xx", "3xx", "4xx", "5xx", "6xx"]
            .iter()
            .zip(by_class)
        {
            set(&self.responses.with_label_values(&[class]), n);
        }
        set(&self.malformed, s.malformed);
        set(&self.auth_failures, s.auth_failures);
        for (reason, n) in &s.refused {
            set(&self.refused.with_label_values(&[*reason]), *n);
        }
        for (reason, n) in &s.challenges {
            set(&self.challenges.with_label_values(&[*reason]), *n);
        }
        set(
            &self.dropped.with_label_values(&["blocked"]),
            s.dropped_blocked,
        );
        set(
            &self.dropped.with_label_values(&["rate_limited"]),
            s.dropped_rate_limited,
        );
        for (reason, n) in &s.overloaded {
            set(&self.overloaded.with_label_values(&[*reason]), *n);
        }
        set(
            &self.tcp_refused.with_label_values(&["per_address"]),
            s.tcp_refused_per_address,
        );
        set(
            &self.tcp_refused.with_label_values(&["total"]),
            s.tcp_refused_total,
        );
        set(&self.tcp_message_timeouts, s.tcp_message_timeouts);
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        self.tcp_connections.set(n(s.tcp_connections));
        self.registered.set(n(s.registered_users));
        self.blocked.set(n(s.blocked_addresses));
        self.throttled.set(n(s.throttled_accounts));
        self.calls.set(n(calls));
        self.transactions.set(n(transactions));
    }

    pub(crate) fn call_setup(&self, secs: f64) {
        self.setup.observe(secs);
    }

    pub(crate) fn leg_closed(&self, leg: &LegFigures) {
        self.rtp_packets
            .with_label_values(&["received"])
            .inc_by(leg.received);
        self.rtp_packets
            .with_label_values(&["sent"])
            .inc_by(leg.sent);
        self.rtp_lost.inc_by(u64::try_from(leg.lost).unwrap_or(0));
        self.rtp_dropped.inc_by(leg.dropped);
        self.rtp_wrong_source.inc_by(leg.dropped_wrong_source);
        if leg.received > 0 {
            self.jitter.observe(leg.jitter_secs);
        }
    }

    pub(crate) fn media_timeout(&self) {
        self.media_timeouts.inc();
    }

    pub(crate) fn survey(&self, answered: bool) {
        let stage = if answered { "answered" } else { "offered" };
        self.surveys.with_label_values(&[stage]).inc();
    }

    pub(crate) fn unexpected_input(&self, input: &str) {
        let input = UNEXPECTED_INPUTS
            .iter()
            .find(|i| **i == input)
            .copied()
            .unwrap_or("other");
        self.unexpected.with_label_values(&[input]).inc();
    }

    pub(crate) fn db_query(&self, op: &str, secs: f64) {
        let op = DB_OPS
            .iter()
            .find(|o| **o == op)
            .copied()
            .unwrap_or("other");
        self.db.with_label_values(&[op]).observe(secs);
    }
}
