//! The escalation sweep: every deadline a ticket has missed is escalated once (an
//! `escalated` event and its webhook event), and the ticket's level rises (1 at the
//! deadline, 2 at the policy's multiple of it). Tickets already settled are skipped, and a
//! backlog is committed a hundred tickets at a time.

use crate::db::{col, Store};
use crate::error::Result;
use crate::lifecycle::{self, Milestone, Millis};
use crate::tickets::{
    deadlines_sql, insert_event, overdue_sql, stored_limits, ticket_from_row, Actor, Ticket,
    COLUMNS,
};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

/// Tickets escalated in one transaction by a sweep.
const ESCALATION_BATCH: usize = 100;

impl Store {
    /// Writes an `escalated` event (and its webhook event), once per ticket and milestone,
    /// for every deadline missed at `now`, and raises the ticket's escalation level (level 2,
    /// missed by the policy's multiple, gets an event of its own); returns the milestones it
    /// escalated.
    pub async fn escalate_overdue(&self, now: Millis) -> Result<Vec<(i64, Milestone)>> {
        // Every overdue ticket that the sweep can still change, a page at a time: the ones
        // escalated long ago must not hide the ones behind them, nor be read again each time.
        let sql = format!(
            "SELECT {COLUMNS} FROM tickets WHERE {} AND id > $2 ORDER BY id LIMIT 1000",
            self.escalation_candidates_sql("$1"),
        );
        let mut done = Vec::new();
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now)
                .bind(after)
                .fetch_all(&self.read)
                .await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = col(last, "id")?;
            // A transaction per hundred tickets: a backlog is escalated with a commit per
            // batch, not per ticket, and the writer is free again between batches (the call
            // log shares it on SQLite).
            for batch in rows.chunks(ESCALATION_BATCH) {
                let mut tx = self.write.begin().await?;
                let mut changed = Vec::new();
                for r in batch {
                    if let Some(t) = self.escalate_one(&mut tx, r, now, &mut done).await? {
                        changed.push(t);
                    }
                }
                tx.commit().await?;
                // The supervisors' wall and desks show it live.
                for t in &changed {
                    self.announce(t, "escalated", now);
                }
            }
        }
        Ok(done)
    }

    /// How many overdue tickets the next sweep at `now` would read (the ones whose
    /// escalation can still change).
    pub async fn escalation_candidates(&self, now: Millis) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM tickets WHERE {}",
            self.escalation_candidates_sql("$1")
        );
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .fetch_one(&self.read)
            .await?)
    }

    /// The tickets a sweep at `now` reads: overdue, and not settled.
    fn escalation_candidates_sql(&self, now: &str) -> String {
        format!(
            "{} AND NOT ({})",
            overdue_sql(now),
            self.escalation_settled_sql(now)
        )
    }

    /// A ticket that no sweep at `now` would change: every deadline it has missed is
    /// escalated and its level is the highest the policy reaches (2, or 1 when the policy's
    /// multiple never reaches 2). A sweep then skips it: a centre with a backlog of old
    /// overdue tickets does not read them all again every few seconds.
    fn escalation_settled_sql(&self, now: &str) -> String {
        let top = if self.policy.escalation_multiple > 1 {
            2
        } else {
            1
        };
        let each: Vec<String> = deadlines_sql("")
            .iter()
            .map(|(m, due, pending)| {
                format!(
                    "CASE WHEN {pending} AND {due} < {now} THEN escalated LIKE '%{}%' ELSE 1 = 1 END",
                    m.as_str()
                )
            })
            .collect();
        format!("escalation_level >= {top} AND {}", each.join(" AND "))
    }

    /// The escalation of one overdue ticket (see `escalate_overdue`) inside `tx`: the ticket
    /// when it changed (to announce once committed).
    async fn escalate_one(
        &self,
        tx: &mut AnyConnection,
        r: &AnyRow,
        now: Millis,
        done: &mut Vec<(i64, Milestone)>,
    ) -> Result<Option<Ticket>> {
        let t = ticket_from_row(r, now, self)?;
        let new: Vec<Milestone> = t
            .overdue
            .iter()
            .copied()
            .filter(|m| !t.escalated.contains(m))
            .collect();
        let level = lifecycle::escalation_level(
            &t.timeline(),
            &stored_limits(&t, self),
            now,
            self.policy.escalation_multiple,
        )
        .max(t.escalation_level);
        if new.is_empty() && level == t.escalation_level {
            return Ok(None);
        }
        let mut all = t.escalated.clone();
        all.extend(&new);
        let list: Vec<&str> = all.iter().map(|m| m.as_str()).collect();
        let n = sqlx::query(
            "UPDATE tickets SET escalated = $1, escalation_level = $2, version = version + 1 \
             WHERE id = $3 AND version = $4",
        )
        .bind(list.join(","))
        .bind(level)
        .bind(t.id)
        .bind(t.version)
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() != 1 {
            return Ok(None); // changed meanwhile: the next sweep looks again
        }
        for m in &new {
            let note = format!("{} overdue", m.as_str());
            insert_event(tx, t.id, now, Actor::System, "escalated", None, &note).await?;
            crate::outbox::enqueue_in(tx, t.id, "escalation", &note, now).await?;
            done.push((t.id, *m));
        }
        if level >= 2 && t.escalation_level < 2 {
            let what: Vec<&str> = t.overdue.iter().map(|m| m.as_str()).collect();
            let note = format!("level 2: {} overdue", what.join(", "));
            insert_event(
                tx,
                t.id,
                now,
                Actor::System,
                "escalation_level",
                None,
                &note,
            )
            .await?;
            crate::outbox::enqueue_in(tx, t.id, "escalation", &note, now).await?;
        }
        Ok(Some(t))
    }
}
