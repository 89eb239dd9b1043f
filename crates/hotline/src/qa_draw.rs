//! The evaluators' weekly work list: an hour after start and every hour after, the last
//! complete week's calls are drawn (`qa.sample_per_agent` per agent, at random under the
//! store's sampling key; drawing again adds nothing), so the list is ready on Monday morning
//! and `/metrics` counts its backlog. The web API draws a week too when it is first looked at.

use std::time::Duration;

use hotline_store::Store;
use hotline_time::Zone;
use tracing::{info, warn};

const DAY_MS: i64 = 86_400_000;

/// Starts the hourly draw (nothing when `per_agent` is 0).
pub fn spawn(store: Store, zone: Zone, per_agent: usize) {
    if per_agent == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(3600),
            Duration::from_secs(3600),
        );
        loop {
            tick.tick().await;
            let now = crate::storage::now_ms();
            let week = hotline_web::week_of(&zone, now - 7 * DAY_MS);
            match hotline_web::draw_qa_week(&store, &zone, per_agent, &week, now).await {
                Ok(0) => {}
                Ok(n) => info!(week, calls = n, "QA work list drawn"),
                Err(e) => warn!(week, error = %e, "the QA work list was not drawn"),
            }
        }
    });
}
