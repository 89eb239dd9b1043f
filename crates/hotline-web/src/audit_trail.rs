//! The audit trail of supervisors' changes (notices, their recordings, incidents, agents'
//! states) and refused logins: one log line and one stored entry per change, applied or
//! refused. A failure to store the entry is logged; the change stands.

use crate::error::ApiError;
use crate::extract::Authed;
use crate::Shared;
use hotline_store::{Millis, NewAuditEvent};

/// `applied`, or `refused: field: message`.
pub(crate) fn outcome(refused: Option<&ApiError>) -> String {
    match refused {
        None => "applied".to_string(),
        Some(e) => format!(
            "refused: {}{}",
            e.field
                .as_deref()
                .map_or(String::new(), |f| format!("{f}: ")),
            e.message
        ),
    }
}

/// Logs and stores one entry of `action` (`notice`, `incident`).
pub(crate) async fn record(
    s: &Shared,
    who: &Authed,
    action: &'static str,
    detail: String,
    outcome: String,
    now: Millis,
) {
    tracing::info!(target: "audit", agent = who.agent.id, action, %detail, %outcome, "change");
    let entry = NewAuditEvent {
        actor_agent_id: Some(who.agent.id),
        actor: who.agent.login.clone(),
        action: action.into(),
        detail,
        outcome,
        ..NewAuditEvent::default()
    };
    store(s, &entry, now).await;
}

/// Stores `entry`; a failure is logged (the change stands, the log line tells it).
pub(crate) async fn store(s: &Shared, entry: &NewAuditEvent, now: Millis) {
    if let Err(e) = s.store.record_audit(entry, now).await {
        tracing::warn!(target: "audit", error = %e, "the audit entry was not stored");
    }
}
