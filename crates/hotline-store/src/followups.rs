//! Follow-up calls (回访): scheduled when a ticket closes, worked by agents from a due list,
//! retried when the customer is not reached, up to a limit; the rating given goes on the
//! ticket (and so on the agent who handled it).

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::{Action, Millis};
use crate::policy::Policy;
use crate::tickets::{insert_event, Actor, TransitionInput};
use serde::Serialize;
use sqlx::AnyConnection;

/// A follow-up on the due list, with what the agent needs to make the call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    pub id: i64,
    pub ticket_id: i64,
    pub due_at: Millis,
    pub next_attempt_at: Millis,
    pub attempts: i64,
    pub max_attempts: i64,
    /// `pending`, `reached`, `not_reached` (given up).
    pub status: String,
    pub kind: String,
    pub summary: String,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    /// Whom to call: the reporter's number, else the customer's first.
    pub phone: Option<String>,
}

/// What came of one follow-up call.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUpResult {
    /// Reached; the customer's rating 1 to 5 if they gave one.
    Reached {
        rating: Option<i64>,
    },
    NotReached,
}

pub(crate) async fn schedule_in(
    conn: &mut AnyConnection,
    ticket_id: i64,
    now: Millis,
    policy: &Policy,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO followups (ticket_id, due_at, next_attempt_at, attempts, max_attempts, \
         status, updated_at) VALUES ($1, $2, $2, 0, $3, 'pending', $4) ON CONFLICT DO NOTHING",
    )
    .bind(ticket_id)
    .bind(now)
    .bind(policy.follow_up.max_attempts)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A follow-up with its ticket, customer and the number to call (`WHERE` … follows).
const FOLLOWUP_SELECT: &str = "SELECT f.id, f.ticket_id, f.due_at, f.next_attempt_at, f.attempts, \
     f.max_attempts, f.status, t.kind, t.summary, t.customer_id, c.name AS customer_name, \
     t.reporter_phone, (SELECT MIN(p.phone) FROM customer_phones p \
     WHERE p.customer_id = t.customer_id) AS customer_phone \
     FROM followups f JOIN tickets t ON t.id = f.ticket_id \
     LEFT JOIN customers c ON c.id = t.customer_id";

fn followup_from_row(r: &sqlx::any::AnyRow) -> Result<FollowUp> {
    let reporter: String = col(r, "reporter_phone")?;
    let customer_phone: Option<String> = col(r, "customer_phone")?;
    Ok(FollowUp {
        id: col(r, "id")?,
        ticket_id: col(r, "ticket_id")?,
        due_at: col(r, "due_at")?,
        next_attempt_at: col(r, "next_attempt_at")?,
        attempts: col(r, "attempts")?,
        max_attempts: col(r, "max_attempts")?,
        status: col(r, "status")?,
        kind: col(r, "kind")?,
        summary: col(r, "summary")?,
        customer_id: col(r, "customer_id")?,
        customer_name: col(r, "customer_name")?,
        phone: Some(reporter).filter(|p| !p.is_empty()).or(customer_phone),
    })
}

impl Store {
    /// Follow-ups whose next attempt is due at `now`, oldest due first.
    pub async fn due_followups(&self, now: Millis, limit: i64) -> Result<Vec<FollowUp>> {
        let sql = format!(
            "{FOLLOWUP_SELECT} WHERE f.status = 'pending' AND f.next_attempt_at <= $1 \
             ORDER BY f.due_at, f.id LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(limit.clamp(1, 500))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(followup_from_row).collect()
    }

    /// One follow-up, whatever its status.
    pub async fn followup(&self, id: i64) -> Result<Option<FollowUp>> {
        let sql = format!("{FOLLOWUP_SELECT} WHERE f.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(followup_from_row).transpose()
    }

    /// Records one follow-up attempt. Reached (or the last attempt failed): the ticket moves
    /// to `followed_up`, and with a rating on to `rated`. Not reached: the next attempt is
    /// due after the retry interval. Returns the follow-up's status.
    pub async fn record_followup(
        &self,
        id: i64,
        result: &FollowUpResult,
        note: &str,
        agent_id: i64,
        now: Millis,
    ) -> Result<String> {
        self.record_followup_by(id, result, note, Some(agent_id), now)
            .await
    }

    /// [`Store::record_followup`] by `agent_id`, or with none by the system (an automated
    /// follow-up call of a campaign).
    pub async fn record_followup_by(
        &self,
        id: i64,
        result: &FollowUpResult,
        note: &str,
        agent_id: Option<i64>,
        now: Millis,
    ) -> Result<String> {
        crate::tickets::check_text("note", note, false)?;
        if let FollowUpResult::Reached { rating: Some(r) } = result {
            if !(1..=5).contains(r) {
                return Err(StoreError::invalid("rating", "must be 1 to 5"));
            }
        }
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(
            "SELECT ticket_id, attempts, max_attempts, status FROM followups WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("follow-up", id))?;
        let status: String = col(&row, "status")?;
        if status != "pending" {
            return Err(StoreError::Conflict(format!(
                "follow-up {id} is already {status}"
            )));
        }
        let ticket_id: i64 = col(&row, "ticket_id")?;
        let attempts: i64 = col::<i64>(&row, "attempts")? + 1;
        let max_attempts: i64 = col(&row, "max_attempts")?;
        let actor = agent_id.map_or(Actor::System, Actor::Agent);
        let (new_status, rating) = match result {
            FollowUpResult::Reached { rating } => ("reached", *rating),
            FollowUpResult::NotReached if attempts >= max_attempts => ("not_reached", None),
            FollowUpResult::NotReached => ("pending", None),
        };
        let n = sqlx::query(
            "UPDATE followups SET attempts = $1, status = $2, rating = $3, agent_id = $4, \
             note = $5, updated_at = $6, next_attempt_at = $7 \
             WHERE id = $8 AND status = 'pending' AND attempts = $9",
        )
        .bind(attempts)
        .bind(new_status)
        .bind(rating)
        .bind(agent_id)
        .bind(note.to_string())
        .bind(now)
        .bind(now + self.policy.follow_up.retry_after)
        .bind(id)
        .bind(attempts - 1)
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "follow-up {id} changed meanwhile"
            )));
        }
        let attempt_note = match result {
            FollowUpResult::Reached { .. } => format!("attempt {attempts}: reached. {note}"),
            FollowUpResult::NotReached => format!("attempt {attempts}: not reached. {note}"),
        };
        insert_event(
            &mut tx,
            ticket_id,
            now,
            actor,
            "follow_up_attempt",
            None,
            attempt_note.trim(),
        )
        .await?;
        if new_status != "pending" {
            let input = TransitionInput {
                note: attempt_note.trim().to_string(),
                ..TransitionInput::default()
            };
            self.transition_in(&mut tx, ticket_id, Action::FollowUp, &input, actor, now)
                .await?;
            if let Some(r) = rating {
                let input = TransitionInput {
                    rating: Some(r),
                    ..TransitionInput::default()
                };
                self.transition_in(&mut tx, ticket_id, Action::Rate, &input, actor, now)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(new_status.to_string())
    }
}
