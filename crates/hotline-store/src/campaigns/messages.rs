//! SMS campaigns' messages: one per target and attempt number, stored before it is submitted
//! (so that after a restart none is sent twice: one the engine stopped during is closed as
//! `unknown`, never resent), completed with the SMSC's answer (its message id per part), then
//! with the delivery receipts; and the texts customers send back (a STOP or 退订 puts the
//! number on the do-not-call list, source `sms`, in the same transaction).

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::rules::normalize_phone;

use super::CampaignStatus;

/// What a message's status may be: `sending` until the SMSC answers, then `submitted`,
/// `rejected`, `failed` or `unknown`; from the receipts `delivered`, `expired`,
/// `undeliverable`, `deleted`.
pub const MESSAGE_STATUSES: [&str; 9] = [
    "sending",
    "submitted",
    "rejected",
    "failed",
    "unknown",
    "delivered",
    "expired",
    "undeliverable",
    "deleted",
];

/// The statuses a receipt may set (the SMSC's final states).
const RECEIPT_STATES: [&str; 5] = [
    "delivered",
    "expired",
    "undeliverable",
    "deleted",
    "rejected",
];

/// One message as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignMessage {
    pub id: i64,
    pub campaign_id: i64,
    pub target_id: i64,
    pub account: String,
    pub attempt: i64,
    pub number: String,
    pub language: String,
    pub text: String,
    pub status: String,
    /// Parts the SMSC accepted.
    pub parts: i64,
    /// The SMSC's message ids, one per part, space-separated.
    pub smsc_ids: Option<String>,
    /// Why it was not accepted (the SMSC's status, the gateway's failure).
    pub error: Option<String>,
    pub created_at: Millis,
    pub submitted_at: Option<Millis>,
    /// When the last receipt (or the refusal) came.
    pub final_at: Option<Millis>,
}

/// A message to store before it is submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub target_id: i64,
    pub attempt: i64,
    pub number: String,
    pub language: String,
    pub text: String,
}

/// What a receipt did: the message it belongs to (with its campaign and target) and the
/// message's status now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptApplied {
    pub message_id: i64,
    pub campaign_id: i64,
    pub target_id: i64,
    pub status: String,
}

const COLUMNS: &str = "id, campaign_id, target_id, account, attempt, number, language, text, \
    status, parts, smsc_ids, error, created_at, submitted_at, final_at";

fn message_from_row(r: &AnyRow) -> Result<CampaignMessage> {
    Ok(CampaignMessage {
        id: col(r, "id")?,
        campaign_id: col(r, "campaign_id")?,
        target_id: col(r, "target_id")?,
        account: col(r, "account")?,
        attempt: col(r, "attempt")?,
        number: col(r, "number")?,
        language: col(r, "language")?,
        text: col(r, "text")?,
        status: col(r, "status")?,
        parts: col(r, "parts")?,
        smsc_ids: col(r, "smsc_ids")?,
        error: col(r, "error")?,
        created_at: col(r, "created_at")?,
        submitted_at: col(r, "submitted_at")?,
        final_at: col(r, "final_at")?,
    })
}

impl Store {
    /// Stores message `m` before it is submitted: its id, or `None` when that attempt is
    /// stored already (it was sent, or may have been, before a restart: never send it again).
    /// The campaign must be running.
    pub async fn start_campaign_message(&self, m: &NewMessage, at: Millis) -> Result<Option<i64>> {
        if m.text.is_empty() || m.text.chars().count() > 2_000 {
            return Err(StoreError::invalid("text", "1 to 2000 characters"));
        }
        let t = self
            .campaign_target(m.target_id)
            .await?
            .ok_or_else(|| StoreError::not_found("campaign target", m.target_id))?;
        let c = self.existing_campaign(t.campaign_id).await?;
        if c.status != CampaignStatus::Running {
            return Err(StoreError::Conflict(format!(
                "the campaign is {}: no message is sent",
                c.status.as_str()
            )));
        }
        let mut tx = self.write.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO campaign_messages (campaign_id, target_id, account, attempt, number, \
             language, text, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'sending', \
             $8) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(t.campaign_id)
        .bind(m.target_id)
        .bind(t.account.clone())
        .bind(m.attempt)
        .bind(m.number.clone())
        .bind(m.language.clone())
        .bind(m.text.clone())
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        if id.is_some() {
            sqlx::query(
                "UPDATE campaign_targets SET state = 'in_progress', due_at = NULL, \
                 updated_at = $1 WHERE id = $2",
            )
            .bind(at)
            .bind(m.target_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The SMSC accepted message `id` (still `sending`) as `smsc_ids` (one per part); `false`
    /// when it was not sending any more.
    pub async fn message_submitted(
        &self,
        id: i64,
        smsc_ids: &[String],
        at: Millis,
    ) -> Result<bool> {
        if smsc_ids.is_empty() || smsc_ids.iter().any(|s| s.is_empty() || s.len() > 65) {
            return Err(StoreError::invalid(
                "smsc_ids",
                "one id (1 to 65 characters) a part",
            ));
        }
        let mut tx = self.write.begin().await?;
        let n = sqlx::query(
            "UPDATE campaign_messages SET status = 'submitted', parts = $1, smsc_ids = $2, \
             submitted_at = $3 WHERE id = $4 AND status = 'sending'",
        )
        .bind(i64::try_from(smsc_ids.len()).unwrap_or(i64::MAX))
        .bind(smsc_ids.join(" "))
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        for (part, smsc_id) in smsc_ids.iter().enumerate() {
            // An id the SMSC gave before (it should not) keeps its first message.
            sqlx::query(
                "INSERT INTO campaign_message_parts (smsc_id, message_id, part) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(smsc_id.clone())
            .bind(id)
            .bind(i64::try_from(part + 1).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Message `id` (still `sending`) was not accepted: `status` `rejected` (for good) or
    /// `failed` (retried as a new attempt), with the reason; `false` when it was not sending.
    pub async fn message_not_submitted(
        &self,
        id: i64,
        status: &str,
        error: &str,
        at: Millis,
    ) -> Result<bool> {
        if !["rejected", "failed"].contains(&status) {
            return Err(StoreError::invalid("status", "rejected or failed"));
        }
        let n = sqlx::query(
            "UPDATE campaign_messages SET status = $1, error = $2, final_at = $3 \
             WHERE id = $4 AND status = 'sending'",
        )
        .bind(status)
        .bind(error.chars().take(500).collect::<String>())
        .bind(at)
        .bind(id)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Closes campaign `campaign_id`'s messages still `sending` (the engine stopped before
    /// the SMSC answered) as `unknown`: they may have been sent and are never sent again.
    pub async fn close_unfinished_messages(&self, campaign_id: i64, at: Millis) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE campaign_messages SET status = 'unknown', final_at = $1, \
             error = 'the engine stopped before the SMSC answered' \
             WHERE campaign_id = $2 AND status = 'sending'",
        )
        .bind(at)
        .bind(campaign_id)
        .execute(&self.write)
        .await?
        .rows_affected())
    }

    /// A delivery receipt for part `smsc_id` in `state` (one of the SMSC's final states
    /// named as in [`MESSAGE_STATUSES`]; an intermediate one is ignored). The message is
    /// `delivered` once every part is; it takes a part's failure at once; its target's last
    /// result follows it. `None` when no
    /// message has that part (a receipt for another system's text).
    pub async fn apply_receipt(
        &self,
        smsc_id: &str,
        state: &str,
        at: Millis,
    ) -> Result<Option<ReceiptApplied>> {
        if !RECEIPT_STATES.contains(&state) {
            return Ok(None);
        }
        let mut tx = self.write.begin().await?;
        let n = sqlx::query(
            "UPDATE campaign_message_parts SET state = $1, receipt_at = $2 WHERE smsc_id = $3",
        )
        .bind(state)
        .bind(at)
        .bind(smsc_id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT m.id, m.campaign_id, m.target_id, m.parts, \
             CAST(SUM(CASE WHEN p.state = 'delivered' THEN 1 ELSE 0 END) AS BIGINT) AS delivered \
             FROM campaign_message_parts q JOIN campaign_messages m ON m.id = q.message_id \
             JOIN campaign_message_parts p ON p.message_id = m.id WHERE q.smsc_id = $1 \
             GROUP BY m.id, m.campaign_id, m.target_id, m.parts",
        )
        .bind(smsc_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let message_id: i64 = col(&row, "id")?;
        let parts: i64 = col(&row, "parts")?;
        let delivered: i64 = col(&row, "delivered")?;
        let status = if state != "delivered" {
            Some(state)
        } else if delivered >= parts {
            Some("delivered")
        } else {
            None
        };
        if let Some(status) = status {
            // A failed part's status stands against later parts' deliveries.
            sqlx::query(
                "UPDATE campaign_messages SET status = $1, final_at = $2 WHERE id = $3 \
                 AND status IN ('submitted', 'delivered')",
            )
            .bind(status)
            .bind(at)
            .bind(message_id)
            .execute(&mut *tx)
            .await?;
        }
        let now: String = sqlx::query_scalar("SELECT status FROM campaign_messages WHERE id = $1")
            .bind(message_id)
            .fetch_one(&mut *tx)
            .await?;
        // The target shows its text's last word, unless a later attempt took over.
        sqlx::query(
            "UPDATE campaign_targets SET last_result = $1 WHERE id = $2 AND NOT EXISTS \
             (SELECT 1 FROM campaign_messages l WHERE l.target_id = $2 AND l.id > $3)",
        )
        .bind(now.clone())
        .bind(col::<i64>(&row, "target_id")?)
        .bind(message_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(ReceiptApplied {
            message_id,
            campaign_id: col(&row, "campaign_id")?,
            target_id: col(&row, "target_id")?,
            status: now,
        }))
    }

    /// Campaign `campaign_id`'s messages the SMSC accepted whose last word (a receipt, or a
    /// later refusal) came at `since` or after, by that time: what the campaign's run hears
    /// of receipts (it reads again from a little before the last it saw, as a receipt stored
    /// meanwhile may carry an earlier time).
    pub async fn campaign_receipts_since(
        &self,
        campaign_id: i64,
        since: Millis,
    ) -> Result<Vec<CampaignMessage>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM campaign_messages WHERE campaign_id = $1 \
             AND final_at >= $2 AND submitted_at IS NOT NULL ORDER BY final_at, id"
        )))
        .bind(campaign_id)
        .bind(since)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Campaign `campaign_id`'s messages (of one target when given), oldest first.
    pub async fn campaign_messages(
        &self,
        campaign_id: i64,
        target_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<CampaignMessage>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM campaign_messages WHERE campaign_id = $1 \
             AND ($2 = 0 OR target_id = $3) ORDER BY created_at, id LIMIT $4"
        )))
        .bind(campaign_id)
        .bind(i64::from(target_id.is_some()))
        .bind(target_id.unwrap_or(0))
        .bind(limit.clamp(1, 1_000_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// A text from `from`: stored; when `opt_out`, the number goes on the do-not-call list
    /// (source `sms`). The number as stored, or an error for a sender that is no number.
    pub async fn record_inbound_sms(
        &self,
        from: &str,
        text: &str,
        opt_out: bool,
        at: Millis,
    ) -> Result<String> {
        let number =
            normalize_phone(from).ok_or_else(|| StoreError::invalid("from", "not a number"))?;
        let text: String = text.chars().take(1_000).collect();
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO sms_inbound (number, text, opt_out, received_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(number.clone())
        .bind(text.clone())
        .bind(i64::from(opt_out))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if opt_out {
            sqlx::query(
                "INSERT INTO do_not_call (number, account, source, note, added_by, added_at) \
                 VALUES ($1, NULL, 'sms', $2, NULL, $3) ON CONFLICT DO NOTHING",
            )
            .bind(number.clone())
            .bind(format!(
                "SMS reply: {}",
                text.chars().take(100).collect::<String>()
            ))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(number)
    }

    /// The texts received from `number` (normalised), newest first: (text, opt-out, when).
    pub async fn inbound_sms(
        &self,
        number: &str,
        limit: i64,
    ) -> Result<Vec<(String, bool, Millis)>> {
        let number = normalize_phone(number).unwrap_or_else(|| number.to_string());
        let rows = sqlx::query(
            "SELECT text, opt_out, received_at FROM sms_inbound WHERE number = $1 \
             ORDER BY received_at DESC, id DESC LIMIT $2",
        )
        .bind(number)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let opt: i64 = col(r, "opt_out")?;
                Ok((col(r, "text")?, opt != 0, col(r, "received_at")?))
            })
            .collect()
    }

    /// Campaign `campaign_id`'s messages by status: (status, count).
    pub async fn campaign_message_counts(&self, campaign_id: i64) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM campaign_messages WHERE campaign_id = $1 \
             GROUP BY status ORDER BY status",
        )
        .bind(campaign_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, "status")?, col(r, "n")?)))
            .collect()
    }

    /// Every campaign's messages by status, for `/metrics`: (status, count).
    pub async fn message_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM campaign_messages GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, "status")?, col(r, "n")?)))
            .collect()
    }
}
