//! The engine's Prometheus metrics (`/metrics`): every family the engine exports, with its name,
//! help text, labels and buckets, and how the engine's state maps onto it. Names follow the
//! Prometheus conventions (`hotline_` prefix, base units, `_total` on counters, `_seconds`);
//! no label holds a call, a customer or an agent, so every label set is bounded by the
//! configuration (queues, flows and their nodes) or by a fixed list.
//!
//! Two ways in: events observed as they happen (the ACD router's outputs: waits, handle times,
//! time in each agent state) and state read at scrape time (the router's snapshot: callers
//! waiting, longest wait, the queues' cumulative counters). [`Metrics::render`] writes the text
//! exposition format. Families of queues that are gone (renamed or removed by a reload) are
//! dropped at the next sync, so label sets never grow without bound.

mod acd;
mod api;
mod campaigns;
mod engine;
mod ivr;
mod qa;
pub mod text;
mod tickets;

use std::sync::Mutex;

use hotline_acd::{Output, QueueConfig, Snapshot};
use prometheus::{Encoder, IntGaugeVec, Opts, Registry, TextEncoder};

pub use api::{LoginCounts, LOGIN_OUTCOMES};
pub use engine::{LegFigures, DB_OPS, UNEXPECTED_INPUTS};
pub use ivr::{IvrOutcome, LookupOutcome, LOOKUP_KINDS};
pub use prometheus::Error;

/// Every metric of the engine.
pub struct Metrics {
    registry: Registry,
    acd: Mutex<acd::AcdMetrics>,
    ivr: ivr::IvrMetrics,
    /// The node series; held while the node counts are rewritten, so that two scrapes never
    /// interleave.
    ivr_nodes: Mutex<ivr::NodeSeries>,
    tickets: Mutex<tickets::TicketMetrics>,
    qa: Mutex<qa::QaMetrics>,
    campaigns: Mutex<campaigns::CampaignMetrics>,
    engine: engine::EngineMetrics,
    /// Held while the SIP counters are set, so that two scrapes never interleave.
    sip_sync: Mutex<()>,
    api: Mutex<api::ApiMetrics>,
}

impl Metrics {
    /// The families, registered; `version` goes into `hotline_build_info`.
    pub fn new(version: &str) -> Result<Metrics, Error> {
        let registry = Registry::new();
        let build = IntGaugeVec::new(
            Opts::new(
                "hotline_build_info",
                "Always 1; the engine's version in the `version` label.",
            ),
            &["version"],
        )?;
        registry.register(Box::new(build.clone()))?;
        build.with_label_values(&[version]).set(1);
        let acd = acd::AcdMetrics::new(&registry)?;
        let ivr = ivr::IvrMetrics::new(&registry)?;
        let tickets = tickets::TicketMetrics::new(&registry)?;
        let qa = qa::QaMetrics::new(&registry)?;
        let campaigns = campaigns::CampaignMetrics::new(&registry)?;
        let engine = engine::EngineMetrics::new(&registry)?;
        let api = api::ApiMetrics::new(&registry)?;
        Ok(Metrics {
            registry,
            acd: Mutex::new(acd),
            ivr,
            ivr_nodes: Mutex::new(ivr::NodeSeries::default()),
            tickets: Mutex::new(tickets),
            qa: Mutex::new(qa),
            campaigns: Mutex::new(campaigns),
            engine,
            sip_sync: Mutex::new(()),
            api: Mutex::new(api),
        })
    }

    /// Takes note of one output of the ACD router (waits, handle times, agent states).
    pub fn observe_acd(&self, out: &Output) {
        if let Ok(mut acd) = self.acd.lock() {
            acd.observe(out);
        }
    }

    /// Reads the queues and agents now (at scrape time) from the router's snapshot and the
    /// queues' configuration (service-level targets); drops queues that are gone.
    pub fn sync_acd(&self, snap: &Snapshot, queues: &[QueueConfig]) {
        if let Ok(mut acd) = self.acd.lock() {
            acd.sync(snap, queues);
        }
    }

    /// An IVR session ended.
    pub fn ivr_ended(&self, outcome: IvrOutcome) {
        self.ivr.ended(outcome);
    }

    /// An IVR lookup of kind `what` (one of [`LOOKUP_KINDS`]) answered after `secs`.
    pub fn ivr_lookup(&self, what: &str, outcome: LookupOutcome, secs: f64) {
        self.ivr.lookup(what, outcome, secs);
    }

    /// The IVR's node counts now, for the flows loaded now (`nodes`: their (flow, node)
    /// pairs); `counts` maps (flow, node, exit) to calls, the exit `entered` counting entries.
    pub fn sync_ivr(&self, nodes: &[(String, String)], counts: &[((String, String, String), u64)]) {
        if let Ok(mut series) = self.ivr_nodes.lock() {
            self.ivr.sync(&mut series, nodes, counts);
        }
    }

    /// The store's ticket figures now.
    pub fn sync_tickets(&self, counts: &hotline_store::TicketFigures) {
        if let Ok(t) = self.tickets.lock() {
            t.sync(counts);
        }
    }

    /// The SIP core's counters now, with the calls and transactions it holds.
    /// Sets the quality assessment families from the store's figures.
    pub fn sync_qa(&self, figures: &hotline_store::QaFigures) {
        if let Ok(q) = self.qa.lock() {
            q.sync(figures);
        }
    }

    /// Sets the campaigns' families from the store's figures.
    pub fn sync_campaigns(&self, figures: &hotline_store::CampaignFigures) {
        if let Ok(c) = self.campaigns.lock() {
            c.sync(figures);
        }
    }

    pub fn sync_sip(&self, stats: &hotline_sip::engine::Stats, calls: usize, transactions: usize) {
        if let Ok(_one_at_a_time) = self.sip_sync.lock() {
            self.engine.sync_sip(stats, calls, transactions);
        }
    }

    /// The HTTP API's login counts now.
    pub fn sync_logins(&self, counts: &LoginCounts) {
        if let Ok(api) = self.api.lock() {
            api.sync_logins(counts);
        }
    }

    /// An incoming call was answered `secs` after its INVITE reached the controller.
    pub fn call_setup(&self, secs: f64) {
        self.engine.call_setup(secs);
    }

    /// A media leg closed with these figures.
    pub fn leg_closed(&self, leg: &LegFigures) {
        self.engine.leg_closed(leg);
    }

    /// A call was released for lack of RTP.
    pub fn media_timeout(&self) {
        self.engine.media_timeout();
    }

    /// A caller was taken to the survey (`answered` false) or gave it a score (true).
    pub fn survey(&self, answered: bool) {
        self.engine.survey(answered);
    }

    /// The call core did not apply an input (one of [`UNEXPECTED_INPUTS`], else `other`).
    pub fn unexpected_input(&self, input: &str) {
        self.engine.unexpected_input(input);
    }

    /// A database operation `op` (one of [`DB_OPS`]) took `secs`.
    pub fn db_query(&self, op: &str, secs: f64) {
        self.engine.db_query(op, secs);
    }

    /// The text exposition of every family (`text/plain; version=0.0.4`).
    pub fn render(&self) -> String {
        let families = self.registry.gather();
        let mut out = Vec::with_capacity(64 * 1024);
        // Writing to a Vec cannot fail; an encoding error leaves what was written.
        let _ = TextEncoder::new().encode(&families, &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// How many series there are now (each label set of each family; a histogram counts once).
    pub fn series(&self) -> usize {
        self.registry
            .gather()
            .iter()
            .map(|f| f.get_metric().len())
            .sum()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}
