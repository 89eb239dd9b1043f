//! What every IVR call shares (the flows, swapped whole on reload; the prompts; the customer
//! source and the store the flows' lookups and tickets use; the per-node counters): the shell's
//! side of the call core's IVR sessions (`hotline_call::control`), which run in the core.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use hotline_ivr::FlowSet;
use hotline_media::prompt::PromptLibrary;
use hotline_store::{CustomerSource, Store};

/// Longest a lookup or ticket task may take when the flow does not say (the flow's own timeout
/// decides first; this bounds the task).
pub(super) const TASK_TIMEOUT: Duration = Duration::from_secs(30);

pub use hotline_call::control::NodeCounters;

/// What every IVR call shares.
#[derive(Clone)]
pub struct IvrRuntime {
    flows: Arc<RwLock<Arc<FlowSet>>>,
    pub(super) entry: String,
    prompts: Arc<PromptLibrary>,
    pub(super) source: Arc<dyn CustomerSource>,
    store: Option<Store>,
    pub counters: Arc<NodeCounters>,
    /// Outcomes and lookups for `/metrics`.
    pub(super) metrics: Option<Arc<hotline_metrics::Metrics>>,
    /// Where `transfer` sends callers; None: they wait with music.
    acd: Option<crate::acd::AcdHandle>,
    /// Recordings uploaded at run time (notices'), played like prompts.
    pub(super) recorded: super::recorded::Recorded,
}

impl std::fmt::Debug for IvrRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IvrRuntime")
            .field("entry", &self.entry)
            .field("flows", &self.current().flows.len())
            .finish_non_exhaustive()
    }
}

impl IvrRuntime {
    pub fn new(
        flows: FlowSet,
        entry: String,
        prompts: Arc<PromptLibrary>,
        source: Arc<dyn CustomerSource>,
        store: Option<Store>,
    ) -> IvrRuntime {
        IvrRuntime {
            flows: Arc::new(RwLock::new(Arc::new(flows))),
            entry,
            prompts,
            source,
            store,
            counters: Arc::default(),
            metrics: None,
            acd: None,
            recorded: super::recorded::Recorded::default(),
        }
    }

    /// Session outcomes and lookups are counted in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<hotline_metrics::Metrics>) -> IvrRuntime {
        self.metrics = Some(metrics);
        self
    }

    /// The (flow, node) pairs of the flows loaded now.
    pub fn node_names(&self) -> Vec<(String, String)> {
        self.current()
            .flows
            .iter()
            .flat_map(|f| f.nodes.iter().map(|n| (f.name.clone(), n.id.clone())))
            .collect()
    }

    pub(super) fn ended(&self, outcome: hotline_metrics::IvrOutcome) {
        if let Some(m) = &self.metrics {
            m.ivr_ended(outcome);
        }
    }

    /// The ACD whose queues flows transfer to.
    pub fn with_acd(mut self, acd: crate::acd::AcdHandle) -> IvrRuntime {
        self.acd = Some(acd);
        self
    }

    /// The names of the ACD's queues now (`None` without an ACD).
    pub fn queue_names(&self) -> Option<Vec<String>> {
        self.acd.as_ref().map(crate::acd::AcdHandle::queue_names)
    }

    /// The store tickets are opened in.
    pub fn store(&self) -> Option<Store> {
        self.store.clone()
    }

    /// The prompts (for queue announcements).
    pub fn prompts(&self) -> &PromptLibrary {
        &self.prompts
    }

    /// A prompt of the library or a recording uploaded at run time.
    pub fn prompt(&self, folder: &str, name: &str) -> Option<Arc<hotline_media::prompt::Prompt>> {
        self.prompts
            .get(folder, name)
            .or_else(|| self.recorded.get(folder, name))
    }

    /// The flows new calls start on.
    pub fn current(&self) -> Arc<FlowSet> {
        match self.flows.read() {
            Ok(f) => Arc::clone(&f),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the flows for calls that start from now on.
    pub fn replace(&self, flows: FlowSet) {
        let flows = Arc::new(flows);
        match self.flows.write() {
            Ok(mut f) => *f = flows,
            Err(poisoned) => *poisoned.into_inner() = flows,
        }
    }
}

/// The kind of a lookup, as the metrics name it.
pub(super) fn lookup_kind(r: &hotline_ivr::interp::LookupRequest) -> &'static str {
    use hotline_ivr::interp::LookupRequest as L;
    match r {
        L::CustomerByCaller { .. } => "customer_by_caller",
        L::CustomerByAccount { .. } => "customer_by_account",
        L::Bills { .. } => "bills",
        L::Arrears { .. } => "arrears",
        L::Notices { .. } => "notices",
        L::SubmitReading { .. } => "submit_reading",
        L::SubmitSurvey { .. } => "submit_survey",
    }
}
