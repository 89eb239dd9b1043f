//! Texts to a ticket's reporter on its progress (issue 21, item 6): the outbox's `dispatch` and
//! `close` events (written with the change, so none is missed) that have no text yet, with
//! what a text says of the ticket; each text stored before it is submitted (one per event:
//! never twice, also after a restart, when one the engine stopped during becomes `unknown`)
//! and completed with the SMSC's answer, or stored `skipped` with the reason.

use serde::Serialize;

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;

/// The outbox events a reporter is told of.
pub const TICKET_TEXT_KINDS: [&str; 2] = ["dispatch", "close"];

/// The statuses of a ticket text.
const STATUSES: [&str; 6] = [
    "sending",
    "submitted",
    "rejected",
    "failed",
    "unknown",
    "skipped",
];

/// An event to tell the reporter of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressEvent {
    pub outbox_id: i64,
    pub ticket_id: i64,
    /// `dispatch` or `close`.
    pub kind: String,
    pub ticket_kind: String,
    /// The reporter's number as the ticket has it (may be empty).
    pub reporter_phone: String,
    /// The ticket's district's name, if it has one.
    pub district: Option<String>,
    /// The customer's language (`zh` when there is no customer).
    pub language: String,
    pub at: Millis,
}

/// A ticket text as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketText {
    pub id: i64,
    pub outbox_id: i64,
    pub ticket_id: i64,
    pub kind: String,
    pub number: String,
    pub text: String,
    pub status: String,
    pub smsc_ids: Option<String>,
    pub error: Option<String>,
    pub created_at: Millis,
    pub final_at: Option<Millis>,
}

impl Store {
    /// Dispatch and close events since `since` without a text yet, oldest first.
    pub async fn ticket_events_to_text(
        &self,
        since: Millis,
        limit: i64,
    ) -> Result<Vec<ProgressEvent>> {
        let rows = sqlx::query(
            "SELECT o.id AS outbox_id, o.ticket_id, o.kind, o.created_at, t.kind AS ticket_kind, \
             t.reporter_phone, d.name AS district, COALESCE(cu.language, 'zh') AS language \
             FROM outbox o JOIN tickets t ON t.id = o.ticket_id \
             LEFT JOIN districts d ON d.id = t.district_id \
             LEFT JOIN customers cu ON cu.id = t.customer_id \
             WHERE o.kind IN ('dispatch', 'close') AND o.created_at >= $1 \
             AND NOT EXISTS (SELECT 1 FROM ticket_texts x WHERE x.outbox_id = o.id) \
             ORDER BY o.id LIMIT $2",
        )
        .bind(since)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProgressEvent {
                    outbox_id: col(r, "outbox_id")?,
                    ticket_id: col(r, "ticket_id")?,
                    kind: col(r, "kind")?,
                    ticket_kind: col(r, "ticket_kind")?,
                    reporter_phone: col(r, "reporter_phone")?,
                    district: col(r, "district")?,
                    language: col(r, "language")?,
                    at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Stores the text for event `e` to `number` as `status` (`sending` before it is
    /// submitted, or `skipped` with `error` saying why): its id, or `None` when the event
    /// has its text already (never sent twice).
    pub async fn start_ticket_text(
        &self,
        e: &ProgressEvent,
        number: &str,
        text: &str,
        status: &str,
        error: Option<&str>,
        at: Millis,
    ) -> Result<Option<i64>> {
        if !["sending", "skipped"].contains(&status) {
            return Err(StoreError::invalid("status", "sending or skipped"));
        }
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO ticket_texts (outbox_id, ticket_id, kind, number, text, status, error, \
             created_at, final_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(e.outbox_id)
        .bind(e.ticket_id)
        .bind(e.kind.clone())
        .bind(number.to_string())
        .bind(text.chars().take(2_000).collect::<String>())
        .bind(status)
        .bind(error.map(str::to_string))
        .bind(at)
        .bind((status == "skipped").then_some(at))
        .fetch_optional(&self.write)
        .await?;
        Ok(id)
    }

    /// Completes text `id` (still `sending`) as `status` (submitted, rejected, failed) with
    /// the SMSC's ids or the reason; `false` when it was not sending.
    pub async fn finish_ticket_text(
        &self,
        id: i64,
        status: &str,
        smsc_ids: &[String],
        error: Option<&str>,
        at: Millis,
    ) -> Result<bool> {
        if !STATUSES.contains(&status) || ["sending", "skipped"].contains(&status) {
            return Err(StoreError::invalid(
                "status",
                "submitted, rejected, failed or unknown",
            ));
        }
        let n = sqlx::query(
            "UPDATE ticket_texts SET status = $1, smsc_ids = $2, error = $3, final_at = $4 \
             WHERE id = $5 AND status = 'sending'",
        )
        .bind(status)
        .bind((!smsc_ids.is_empty()).then(|| smsc_ids.join(" ")))
        .bind(error.map(|e| e.chars().take(500).collect::<String>()))
        .bind(at)
        .bind(id)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Texts still `sending` (the engine stopped before the SMSC answered) become `unknown`:
    /// they may have gone, and are never sent again.
    pub async fn close_unfinished_ticket_texts(&self, at: Millis) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE ticket_texts SET status = 'unknown', final_at = $1, \
             error = 'the engine stopped before the SMSC answered' WHERE status = 'sending'",
        )
        .bind(at)
        .execute(&self.write)
        .await?
        .rows_affected())
    }

    /// Ticket `ticket_id`'s texts, oldest first.
    pub async fn ticket_texts(&self, ticket_id: i64) -> Result<Vec<TicketText>> {
        let rows = sqlx::query(
            "SELECT id, outbox_id, ticket_id, kind, number, text, status, smsc_ids, error, \
             created_at, final_at FROM ticket_texts WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TicketText {
                    id: col(r, "id")?,
                    outbox_id: col(r, "outbox_id")?,
                    ticket_id: col(r, "ticket_id")?,
                    kind: col(r, "kind")?,
                    number: col(r, "number")?,
                    text: col(r, "text")?,
                    status: col(r, "status")?,
                    smsc_ids: col(r, "smsc_ids")?,
                    error: col(r, "error")?,
                    created_at: col(r, "created_at")?,
                    final_at: col(r, "final_at")?,
                })
            })
            .collect()
    }
}
