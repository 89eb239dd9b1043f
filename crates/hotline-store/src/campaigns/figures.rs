//! The campaigns' figures for `/metrics`: attempts by campaign kind and result, promises to
//! pay (count and amount) by kind, SMS campaigns' texts by status, across every campaign (counted in the store, so they
//! survive restarts), and the targets of each live (running or paused) campaign by state.
//! Labels are kinds, results and the names of live campaigns: bounded sets.

use serde::Serialize;

use crate::db::{col, Store};
use crate::error::Result;

/// Attempts of campaigns of `kind` that ended with `result` (`""` while under way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptCount {
    pub kind: String,
    pub result: String,
    pub n: i64,
}

/// Promises to pay made in campaigns of `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromiseCount {
    pub kind: String,
    pub promises: i64,
    pub fen: i64,
}

/// A live campaign's targets by state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveCampaign {
    pub name: String,
    pub kind: String,
    pub status: String,
    /// (state, targets).
    pub targets: Vec<(String, i64)>,
}

/// Everything `/metrics` shows of campaigns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CampaignFigures {
    pub attempts: Vec<AttemptCount>,
    /// One row per kind of every campaign made (0 when none yet).
    pub promises: Vec<PromiseCount>,
    pub live: Vec<LiveCampaign>,
    /// SMS campaigns' texts by status (submitted, delivered, failed, …): (status, count).
    pub messages: Vec<(String, i64)>,
}

impl Store {
    /// The campaigns' figures now.
    pub async fn campaign_figures(&self) -> Result<CampaignFigures> {
        let mut f = CampaignFigures::default();
        let rows = sqlx::query(
            "SELECT c.kind, COALESCE(a.result, '') AS result, COUNT(*) AS n \
             FROM campaign_attempts a JOIN campaigns c ON c.id = a.campaign_id \
             GROUP BY c.kind, COALESCE(a.result, '') ORDER BY c.kind, result",
        )
        .fetch_all(&self.read)
        .await?;
        for r in &rows {
            f.attempts.push(AttemptCount {
                kind: col(r, "kind")?,
                result: col(r, "result")?,
                n: col(r, "n")?,
            });
        }
        let rows = sqlx::query(
            "SELECT c.kind, \
             CAST(COALESCE(SUM(CASE WHEN a.promise_fen IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
             AS promises, CAST(COALESCE(SUM(a.promise_fen), 0) AS BIGINT) AS fen \
             FROM campaigns c LEFT JOIN campaign_attempts a ON a.campaign_id = c.id \
             GROUP BY c.kind ORDER BY c.kind",
        )
        .fetch_all(&self.read)
        .await?;
        for r in &rows {
            f.promises.push(PromiseCount {
                kind: col(r, "kind")?,
                promises: col(r, "promises")?,
                fen: col(r, "fen")?,
            });
        }
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.kind, c.status, t.state, COUNT(t.id) AS n \
             FROM campaigns c LEFT JOIN campaign_targets t ON t.campaign_id = c.id \
             WHERE c.status IN ('running', 'paused') \
             GROUP BY c.id, c.name, c.kind, c.status, t.state ORDER BY c.id, t.state",
        )
        .fetch_all(&self.read)
        .await?;
        let mut last: Option<i64> = None;
        for r in &rows {
            let id: i64 = col(r, "id")?;
            if last != Some(id) {
                last = Some(id);
                f.live.push(LiveCampaign {
                    name: col(r, "name")?,
                    kind: col(r, "kind")?,
                    status: col(r, "status")?,
                    targets: Vec::new(),
                });
            }
            if let (Some(state), Some(c)) = (col::<Option<String>>(r, "state")?, f.live.last_mut())
            {
                c.targets.push((state, col(r, "n")?));
            }
        }
        f.messages = self.message_counts().await?;
        Ok(f)
    }
}
