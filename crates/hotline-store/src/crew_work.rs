//! A district crew's side of the tickets: its work list (the district's dispatched and
//! in-progress tickets, most urgent first) and acknowledging a dispatch. The crew's
//! lifecycle steps are ordinary transitions (`Store::transition` with `crew_district`).

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::lifecycle::{Millis, Status};
use crate::sql::{Sql, Value};
use crate::tickets::{
    check_text, insert_event, overdue_sql, ticket_from_row, Actor, Ticket, COLUMNS,
};

impl Store {
    /// A district crew's work: the district's tickets dispatched or in progress, overdue
    /// first, then by priority, then by the nearest deadline.
    pub async fn crew_tickets(&self, district_id: i64, now: Millis) -> Result<Vec<Ticket>> {
        let mut q = Sql::new(&format!(
            "SELECT {COLUMNS} FROM tickets WHERE district_id = "
        ));
        q.int(district_id)
            .push(" AND status IN ('dispatched', 'in_progress')");
        let overdue = overdue_sql(&q.placeholder(Value::Int(now)));
        q.push(&format!(
            " ORDER BY CASE WHEN {overdue} THEN 0 ELSE 1 END, CASE priority WHEN 'urgent' THEN 0 \
             WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, \
             COALESCE(due_on_site_at, due_reply_at, created_at), id LIMIT 200"
        ));
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(|r| ticket_from_row(r, now, self)).collect()
    }

    /// A crew (or the district's dispatcher) acknowledges a dispatched ticket: an
    /// `acknowledged` event, no change of status. Only while it is dispatched or in progress.
    pub async fn acknowledge(
        &self,
        id: i64,
        note: &str,
        actor: Actor,
        now: Millis,
    ) -> Result<Ticket> {
        check_text("note", note, false)?;
        let mut tx = self.write.begin().await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM tickets WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let status = status.ok_or_else(|| StoreError::not_found("ticket", id))?;
        if status != Status::Dispatched.as_str() && status != Status::InProgress.as_str() {
            return Err(StoreError::Conflict(format!(
                "ticket {id} is {status}; only a dispatched ticket is acknowledged"
            )));
        }
        sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_event(&mut tx, id, now, actor, "acknowledged", None, note).await?;
        tx.commit().await?;
        let t = self
            .ticket(id, now)
            .await?
            .ok_or_else(|| StoreError::not_found("ticket", id))?;
        self.announce(&t, "acknowledged", now);
        Ok(t)
    }
}
