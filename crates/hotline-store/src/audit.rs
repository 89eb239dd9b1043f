//! The audit trail: what supervisors and admins did to other people's work (forcing an agent's
//! ACD state), who did it to whom, when, and whether the engine applied it. Append-only; read
//! newest first by the wallboard.

use serde::Serialize;

use crate::db::col;
use crate::lifecycle::Millis;
use crate::{Result, Store, StoreError};

/// Longest `action` and `detail` kept.
const MAX_ACTION: usize = 64;
const MAX_DETAIL: usize = 500;

/// One entry to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    pub actor_agent_id: i64,
    /// What was done, e.g. `acd_state`.
    pub action: String,
    pub target_agent_id: Option<i64>,
    /// What was asked, in words (e.g. `not_ready(break)`).
    pub detail: String,
    /// `applied`, or why not (e.g. `refused: …`).
    pub outcome: String,
}

/// One recorded entry, with the names of the people in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: Millis,
    pub actor_agent_id: i64,
    pub actor_name: String,
    pub action: String,
    pub target_agent_id: Option<i64>,
    pub target_name: Option<String>,
    pub detail: String,
    pub outcome: String,
}

impl Store {
    /// Appends an entry; its id.
    pub async fn record_audit(&self, e: &NewAuditEvent, at: Millis) -> Result<i64> {
        if e.action.is_empty() || e.action.len() > MAX_ACTION {
            return Err(StoreError::invalid("action", "1 to 64 bytes"));
        }
        let detail: String = e.detail.chars().take(MAX_DETAIL).collect();
        let outcome: String = e.outcome.chars().take(MAX_DETAIL).collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_events (at, actor_agent_id, action, target_agent_id, detail, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(at)
        .bind(e.actor_agent_id)
        .bind(e.action.clone())
        .bind(e.target_agent_id)
        .bind(detail)
        .bind(outcome)
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    /// The latest `limit` entries (at most 500), newest first.
    pub async fn audit_events(&self, limit: i64) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT e.id, e.at, e.actor_agent_id, a.name AS actor_name, e.action, \
                    e.target_agent_id, t.name AS target_name, e.detail, e.outcome \
             FROM audit_events e JOIN agents a ON a.id = e.actor_agent_id \
             LEFT JOIN agents t ON t.id = e.target_agent_id \
             ORDER BY e.id DESC LIMIT $1",
        )
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEvent {
                    id: col(r, "id")?,
                    at: col(r, "at")?,
                    actor_agent_id: col(r, "actor_agent_id")?,
                    actor_name: col(r, "actor_name")?,
                    action: col(r, "action")?,
                    target_agent_id: col(r, "target_agent_id")?,
                    target_name: col(r, "target_name")?,
                    detail: col(r, "detail")?,
                    outcome: col(r, "outcome")?,
                })
            })
            .collect()
    }
}
