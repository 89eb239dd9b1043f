//! The engine's side of `/metrics`: at each scrape, the ACD router's snapshot and the queues in
//! force, and the IVR's node counts for the flows loaded now, are read into the metric
//! families (`hotline-metrics`), which are then rendered. Events (waits, handle times, agent
//! states, IVR outcomes and lookups) are observed as they happen.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use hotline_metrics::Metrics;

use crate::acd::AcdHandle;
use crate::controller::ivr::IvrRuntime;

/// What `/metrics` reads.
pub struct EngineMetrics {
    pub metrics: Arc<Metrics>,
    pub acd: AcdHandle,
    /// The IVR, once it runs (set after the controller is built).
    pub ivr: OnceLock<IvrRuntime>,
}

impl hotline_web::MetricsPort for EngineMetrics {
    fn render(&self) -> Pin<Box<dyn Future<Output = String> + Send + '_>> {
        Box::pin(async move {
            if let Some(snap) = self.acd.snapshot().await {
                self.metrics.sync_acd(&snap, &self.acd.queue_configs());
            }
            if let Some(ivr) = self.ivr.get() {
                self.metrics
                    .sync_ivr(&ivr.node_names(), &ivr.counters.snapshot());
            }
            self.metrics.render()
        })
    }
}
