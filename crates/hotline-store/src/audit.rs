//! The audit trail: what supervisors and admins did to other people's work (forcing an agent's
//! ACD state), who did it to whom, when, and whether the engine applied it; and the logins
//! that failed or were throttled (the name tried, from which address, the outcome), where the
//! actor need not be an agent. Append-only; read newest first by the wallboard.

use serde::Serialize;

use crate::db::col;
use crate::lifecycle::Millis;
use crate::{Result, Store, StoreError};

/// Longest `action` accepted, and `detail` and `outcome` kept.
const MAX_ACTION: usize = 64;
const MAX_DETAIL: usize = 500;

/// Longest `actor` and `source` kept.
const MAX_ACTOR: usize = 128;

/// One entry to record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewAuditEvent {
    /// The agent who acted, when it is one.
    pub actor_agent_id: Option<i64>,
    /// Who acted, in words: the login tried for a login (masked where it is a phone
    /// number); may be empty when `actor_agent_id` says it.
    pub actor: String,
    /// Where from: the client's address for a login; may be empty.
    pub source: String,
    /// What was done: `acd_state`, `login`.
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
    pub actor_agent_id: Option<i64>,
    /// The acting agent's name, or else the `actor` recorded (e.g. a login tried).
    pub actor_name: String,
    pub actor: String,
    pub source: String,
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
        if e.actor_agent_id.is_none() && e.actor.is_empty() {
            return Err(StoreError::invalid("actor", "an agent or a name"));
        }
        let clip = |s: &str, n: usize| -> String {
            // PostgreSQL cannot store NUL in text; nothing here needs control characters.
            s.chars().filter(|c| !c.is_control()).take(n).collect()
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_events (at, actor_agent_id, actor, source, action, target_agent_id, \
             detail, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(at)
        .bind(e.actor_agent_id)
        .bind(clip(&e.actor, MAX_ACTOR))
        .bind(clip(&e.source, MAX_ACTOR))
        .bind(e.action.clone())
        .bind(e.target_agent_id)
        .bind(clip(&e.detail, MAX_DETAIL))
        .bind(clip(&e.outcome, MAX_DETAIL))
        .fetch_one(&self.write)
        .await?;
        Ok(id)
    }

    /// The latest `limit` entries (at most 500), newest first.
    pub async fn audit_events(&self, limit: i64) -> Result<Vec<AuditEvent>> {
        self.audit_events_of(None, limit).await
    }

    /// The latest `limit` entries (at most 500) of `action` (or of every action), newest first.
    pub async fn audit_events_of(
        &self,
        action: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT e.id, e.at, e.actor_agent_id, COALESCE(a.name, e.actor) AS actor_name, \
                    e.actor, e.source, e.action, e.target_agent_id, t.name AS target_name, \
                    e.detail, e.outcome \
             FROM audit_events e LEFT JOIN agents a ON a.id = e.actor_agent_id \
             LEFT JOIN agents t ON t.id = e.target_agent_id \
             WHERE ($1 = '' OR e.action = $1) \
             ORDER BY e.id DESC LIMIT $2",
        )
        .bind(action.unwrap_or("").to_string())
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
                    actor: col(r, "actor")?,
                    source: col(r, "source")?,
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
