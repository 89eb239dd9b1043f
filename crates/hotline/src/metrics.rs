//! The engine's side of `/metrics`: at each scrape, the ACD router's snapshot (in the router's
//! monotonic time, like the outputs observed, so time-in-state is not moved by wall-clock steps) and the queues in
//! force, and the IVR's node counts for the flows loaded now, are read into the metric
//! families (`hotline-metrics`), which are then rendered; the store's ticket and QA figures are
//! counted at most every `TICKETS_EVERY` (SQL over the whole store; a scrape every 15 s reads
//! fresh ones). Events (waits, handle times, agent states, IVR outcomes and lookups) are
//! observed as they happen.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use hotline_metrics::Metrics;
use tracing::warn;

use crate::acd::AcdHandle;
use crate::controller::ivr::IvrRuntime;

/// What `/metrics` reads.
pub struct EngineMetrics {
    pub metrics: Arc<Metrics>,
    pub acd: AcdHandle,
    /// The IVR, once it runs (set after the controller is built).
    pub ivr: OnceLock<IvrRuntime>,
    pub store: hotline_store::Store,
    /// When the ticket figures were last counted.
    pub tickets_at: tokio::sync::Mutex<Option<Instant>>,
    pub sip: hotline_sip::SipHandle,
}

/// How often the ticket figures are counted in the store, at most.
const TICKETS_EVERY: Duration = Duration::from_secs(5);
/// Longest the counting may take before the scrape goes on with the figures it has.
const TICKETS_TIMEOUT: Duration = Duration::from_secs(2);

impl EngineMetrics {
    async fn refresh_tickets(&self) {
        let mut at = self.tickets_at.lock().await;
        if at.is_some_and(|t| t.elapsed() < TICKETS_EVERY) {
            return;
        }
        let started = Instant::now();
        let counted = tokio::time::timeout(
            TICKETS_TIMEOUT,
            self.store.ticket_figures(crate::storage::now_ms()),
        )
        .await;
        match counted {
            Ok(Ok(figures)) => {
                self.metrics
                    .db_query("ticket_figures", started.elapsed().as_secs_f64());
                self.metrics.sync_tickets(&figures);
                *at = Some(Instant::now());
                let started = Instant::now();
                match tokio::time::timeout(TICKETS_TIMEOUT, self.store.qa_figures()).await {
                    Ok(Ok(qa)) => {
                        self.metrics
                            .db_query("qa_figures", started.elapsed().as_secs_f64());
                        self.metrics.sync_qa(&qa);
                    }
                    Ok(Err(e)) => warn!(error = %e, "metrics: the QA figures could not be counted"),
                    Err(_) => warn!("metrics: counting the QA figures timed out"),
                }
                let started = Instant::now();
                match tokio::time::timeout(TICKETS_TIMEOUT, self.store.campaign_figures()).await {
                    Ok(Ok(c)) => {
                        self.metrics
                            .db_query("campaign_figures", started.elapsed().as_secs_f64());
                        self.metrics.sync_campaigns(&c);
                    }
                    Ok(Err(e)) => {
                        warn!(error = %e, "metrics: the campaign figures could not be counted")
                    }
                    Err(_) => warn!("metrics: counting the campaign figures timed out"),
                }
            }
            Ok(Err(e)) => warn!(error = %e, "metrics: the ticket figures could not be counted"),
            Err(_) => warn!("metrics: counting the ticket figures timed out"),
        }
    }
}

impl hotline_web::MetricsPort for EngineMetrics {
    fn render(
        &self,
        logins: hotline_web::LoginFigures,
    ) -> Pin<Box<dyn Future<Output = String> + Send + '_>> {
        Box::pin(async move {
            self.metrics.sync_logins(&hotline_metrics::LoginCounts {
                succeeded: logins.succeeded,
                failed: logins.failed,
                throttled: logins.throttled,
                waiting_accounts: logins.waiting_accounts,
                waiting_addresses: logins.waiting_addresses,
            });
            if let Some(snap) = self.acd.router_snapshot().await {
                self.metrics.sync_acd(&snap, &self.acd.queue_configs());
            }
            self.refresh_tickets().await;
            if let Some((stats, calls, transactions)) = self.sip.stats().await {
                self.metrics.sync_sip(&stats, calls, transactions);
            }
            if let Some(ivr) = self.ivr.get() {
                self.metrics
                    .sync_ivr(&ivr.node_names(), &ivr.counters.snapshot());
            }
            self.metrics.render()
        })
    }
}
