//! The webhook outbox. Every dispatch, return, reply, escalation and close of a ticket is
//! written to `outbox` inside the transaction that makes the change (`enqueue_in`), with an
//! event id of its own; the engine's deliverer then fans each event out to the receivers
//! configured for it (one `outbox_deliveries` row per receiver, made once), posts the due
//! deliveries, and records each outcome: delivered on a 2xx, else tried again after a backoff
//! (`backoff`), and a dead letter after the last attempt (listed for admins, retried on
//! request). A crash between a receiver's 2xx and the record of it sends that event again
//! with the same event id, which is what the receiver dedupes on.

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use rand::RngCore;
use serde::Serialize;
use sqlx::AnyConnection;

/// The events that go to the webhooks.
pub const KINDS: [&str; 5] = ["dispatch", "return", "reply", "escalation", "close"];

/// A receiver as the store needs to know it: its name (unique) and whose events it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver {
    pub name: String,
    /// `None`: centre-wide (every event); else the events of this district's tickets.
    pub district_id: Option<i64>,
}

/// A delivery to make now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub event_id: String,
    pub receiver: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// A delivery given up after its last attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    pub id: i64,
    pub event_id: String,
    pub ticket_id: i64,
    pub kind: String,
    pub receiver: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: Millis,
}

/// The wait before attempt `attempts + 1` after `attempts` failures: 1 s doubling, at most
/// 5 minutes.
pub fn backoff(attempts: i64) -> Millis {
    let doublings = attempts.clamp(1, 20) - 1;
    (1_000i64 << doublings).min(300_000)
}

fn new_event_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the event `kind` of ticket `ticket_id` (as it is now on `conn`) to the outbox, in
/// the caller's transaction.
pub(crate) async fn enqueue_in(
    conn: &mut AnyConnection,
    ticket_id: i64,
    kind: &str,
    note: &str,
    now: Millis,
) -> Result<()> {
    let row = sqlx::query(
        "SELECT t.id, t.kind, t.priority, t.status, t.district_id, d.code AS district_code, \
         t.address, t.summary, t.due_on_site_at, t.due_reply_at, t.version \
         FROM tickets t LEFT JOIN districts d ON d.id = t.district_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("ticket", ticket_id))?;
    let event_id = new_event_id();
    let district_id: Option<i64> = col(&row, "district_id")?;
    let payload = serde_json::json!({
        "event_id": event_id,
        "type": format!("ticket.{kind}"),
        "at": now,
        "note": note,
        "ticket": {
            "id": ticket_id,
            "kind": col::<String>(&row, "kind")?,
            "priority": col::<String>(&row, "priority")?,
            "status": col::<String>(&row, "status")?,
            "district_id": district_id,
            "district_code": col::<Option<String>>(&row, "district_code")?,
            "address": col::<String>(&row, "address")?,
            "summary": col::<String>(&row, "summary")?,
            "due_on_site_at": col::<Option<i64>>(&row, "due_on_site_at")?,
            "due_reply_at": col::<Option<i64>>(&row, "due_reply_at")?,
            "version": col::<i64>(&row, "version")?,
        },
    });
    sqlx::query(
        "INSERT INTO outbox (event_id, ticket_id, district_id, kind, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(event_id)
    .bind(ticket_id)
    .bind(district_id)
    .bind(kind.to_string())
    .bind(payload.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Makes the delivery rows of the events not yet fanned out, one per receiver the event
    /// is for (centre-wide receivers get all, a district's its tickets'); returns how many
    /// events it fanned out.
    pub async fn fan_out(&self, receivers: &[Receiver], now: Millis) -> Result<usize> {
        let rows = sqlx::query(
            "SELECT id, district_id FROM outbox WHERE fanned_out = 0 ORDER BY id LIMIT 500",
        )
        .fetch_all(&self.read)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut tx = self.write.begin().await?;
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let district: Option<i64> = col(r, "district_id")?;
            for rc in receivers
                .iter()
                .filter(|rc| rc.district_id.is_none() || rc.district_id == district)
            {
                sqlx::query(
                    "INSERT INTO outbox_deliveries (outbox_id, receiver, status, next_attempt_at) \
                     VALUES ($1, $2, 'pending', $3) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(rc.name.clone())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE outbox SET fanned_out = 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Deliveries due at `now`, oldest event first.
    pub async fn due_deliveries(&self, now: Millis, limit: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT d.id, o.event_id, d.receiver, o.payload, d.attempts FROM outbox_deliveries d \
             JOIN outbox o ON o.id = d.outbox_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.id LIMIT $2",
        )
        .bind(now)
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Delivery {
                    id: col(r, "id")?,
                    event_id: col(r, "event_id")?,
                    receiver: col(r, "receiver")?,
                    payload: col(r, "payload")?,
                    attempts: col(r, "attempts")?,
                })
            })
            .collect()
    }

    /// Deliveries to `receiver` due at `now`, oldest event first.
    pub async fn due_deliveries_for(
        &self,
        receiver: &str,
        now: Millis,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT d.id, o.event_id, d.receiver, o.payload, d.attempts FROM outbox_deliveries d \
             JOIN outbox o ON o.id = d.outbox_id WHERE d.receiver = $1 AND d.status = 'pending' \
             AND d.next_attempt_at <= $2 ORDER BY d.id LIMIT $3",
        )
        .bind(receiver.to_string())
        .bind(now)
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Delivery {
                    id: col(r, "id")?,
                    event_id: col(r, "event_id")?,
                    receiver: col(r, "receiver")?,
                    payload: col(r, "payload")?,
                    attempts: col(r, "attempts")?,
                })
            })
            .collect()
    }

    /// The receiver answered 2xx.
    pub async fn delivery_done(&self, id: i64, now: Millis) -> Result<()> {
        sqlx::query(
            "UPDATE outbox_deliveries SET status = 'delivered', attempts = attempts + 1, \
             delivered_at = $1, last_error = '' WHERE id = $2 AND status = 'pending'",
        )
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The attempt failed (`error` says how): tried again after the backoff, or a dead letter
    /// once `max_attempts` are spent. Returns whether it is now dead.
    pub async fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        now: Millis,
        max_attempts: i64,
    ) -> Result<bool> {
        self.delivery_failed_retry_in(id, error, now, max_attempts, backoff)
            .await
    }

    /// As [`Store::delivery_failed`], tried again `wait(attempts)` after `now` (a phone call
    /// is not tried again a second later).
    pub async fn delivery_failed_retry_in(
        &self,
        id: i64,
        error: &str,
        now: Millis,
        max_attempts: i64,
        wait: impl Fn(i64) -> Millis + Send,
    ) -> Result<bool> {
        let attempts: Option<i64> =
            sqlx::query_scalar("SELECT attempts FROM outbox_deliveries WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        let attempts = attempts.ok_or_else(|| StoreError::not_found("delivery", id))? + 1;
        let dead = attempts >= max_attempts.max(1);
        let error: String = error.chars().take(500).collect();
        sqlx::query(
            "UPDATE outbox_deliveries SET attempts = $1, status = $2, next_attempt_at = $3, \
             last_error = $4 WHERE id = $5 AND status = 'pending'",
        )
        .bind(attempts)
        .bind(if dead { "dead" } else { "pending" })
        .bind(now + wait(attempts))
        .bind(error)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(dead)
    }

    /// Forgets what was delivered before `before`: the delivered deliveries, then the events
    /// left with none (every receiver has it, or none was configured for it). Pending
    /// deliveries and dead letters, and their events, are kept. Returns (deliveries, events)
    /// removed.
    pub async fn prune_delivered(&self, before: Millis) -> Result<(u64, u64)> {
        let mut tx = self.write.begin().await?;
        let deliveries = sqlx::query(
            "DELETE FROM outbox_deliveries WHERE status = 'delivered' AND delivered_at < $1",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let events = sqlx::query(
            "DELETE FROM outbox WHERE fanned_out = 1 AND created_at < $1 AND NOT EXISTS \
             (SELECT 1 FROM outbox_deliveries d WHERE d.outbox_id = outbox.id)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok((deliveries, events))
    }

    /// The dead letters, newest first.
    pub async fn dead_letters(&self, limit: i64) -> Result<Vec<DeadLetter>> {
        let rows = sqlx::query(
            "SELECT d.id, o.event_id, o.ticket_id, o.kind, d.receiver, d.attempts, d.last_error, \
             o.created_at FROM outbox_deliveries d JOIN outbox o ON o.id = d.outbox_id \
             WHERE d.status = 'dead' ORDER BY d.id DESC LIMIT $1",
        )
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeadLetter {
                    id: col(r, "id")?,
                    event_id: col(r, "event_id")?,
                    ticket_id: col(r, "ticket_id")?,
                    kind: col(r, "kind")?,
                    receiver: col(r, "receiver")?,
                    attempts: col(r, "attempts")?,
                    last_error: col(r, "last_error")?,
                    created_at: col(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Puts a dead letter back in line (attempts counted from zero again).
    pub async fn retry_dead_letter(&self, id: i64, now: Millis) -> Result<()> {
        let n = sqlx::query(
            "UPDATE outbox_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1 \
             WHERE id = $2 AND status = 'dead'",
        )
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?;
        if n.rows_affected() == 0 {
            return Err(StoreError::not_found("dead letter", id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_a_second_up_to_five_minutes() {
        assert_eq!(backoff(0), 1_000);
        assert_eq!(backoff(1), 1_000);
        assert_eq!(backoff(2), 2_000);
        assert_eq!(backoff(3), 4_000);
        assert_eq!(backoff(9), 256_000);
        assert_eq!(backoff(10), 300_000);
        assert_eq!(backoff(i64::MAX), 300_000);
        assert_eq!(backoff(-5), 1_000);
    }

    #[test]
    fn event_ids_are_32_hex_digits_and_differ() {
        let a = new_event_id();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, new_event_id());
    }
}
