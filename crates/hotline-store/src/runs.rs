//! Engine runs: each start of the engine is a run whose heartbeat is its last sign of life.
//! Calls carry their run (`calls.run_id`); at the next start, the calls a dead run left open
//! (no end) are closed as `interrupted`, ended at that run's last sign of life, keeping the
//! recording they were linked to when it started. The end time is decided by a pure function.
//! One database serves one engine: a start takes every other run for a dead one.

use crate::calls::Disposition;
use crate::db::{col, Store};
use crate::error::Result;
use crate::lifecycle::Millis;

/// A call a dead run left open, as it was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterruptedCall {
    pub id: i64,
    pub call_ref: String,
    /// The run that took it (`None`: written before runs were recorded).
    pub run_id: Option<i64>,
    pub ended_at: Millis,
    /// The recording it was linked to (repaired at start with the others).
    pub recording: Option<String>,
}

/// When a call a dead run left open ended: the run's last sign of life (its stop when it was
/// stopped, else its last heartbeat), never before anything the record already says happened.
/// Without a run (rows older than runs), the last time the record mentions.
pub fn interrupted_end(last_sign_of_life: Option<Millis>, seen: &[Option<Millis>]) -> Millis {
    let latest_seen = seen.iter().flatten().copied().max().unwrap_or(0);
    last_sign_of_life.unwrap_or(0).max(latest_seen)
}

impl Store {
    /// Records a new run started at `now`; its id.
    pub async fn start_run(&self, now: Millis) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO engine_runs (started_at, heartbeat_at) VALUES ($1, $1) RETURNING id",
        )
        .bind(now)
        .fetch_one(&self.write)
        .await?)
    }

    /// The run is alive at `now`.
    pub async fn heartbeat(&self, run: i64, now: Millis) -> Result<()> {
        sqlx::query("UPDATE engine_runs SET heartbeat_at = $1 WHERE id = $2 AND heartbeat_at < $1")
            .bind(now)
            .bind(run)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The run stopped cleanly at `now`.
    pub async fn stop_run(&self, run: i64, now: Millis) -> Result<()> {
        sqlx::query("UPDATE engine_runs SET heartbeat_at = $1, stopped_at = $1 WHERE id = $2")
            .bind(now)
            .bind(run)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The run's last sign of life (stop, else heartbeat); `None` for no such run.
    pub async fn run_last_seen(&self, run: i64) -> Result<Option<Millis>> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(stopped_at, heartbeat_at) FROM engine_runs WHERE id = $1",
        )
        .bind(run)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Closes every call left open (no end) by a run other than `current`: disposition
    /// `interrupted`, ended at the run's last sign of life ([`interrupted_end`]), hung up by
    /// the system. Returns the calls closed.
    pub async fn close_interrupted_calls(&self, current: i64) -> Result<Vec<InterruptedCall>> {
        let rows = sqlx::query(
            "SELECT c.id, c.call_ref, c.run_id, c.started_at, c.answered_at, c.ivr_ended_at, \
             c.queued_at, c.agent_answered_at, c.recording, \
             COALESCE(r.stopped_at, r.heartbeat_at) AS last_seen \
             FROM calls c LEFT JOIN engine_runs r ON r.id = c.run_id \
             WHERE c.ended_at IS NULL AND (c.run_id IS NULL OR c.run_id <> $1) ORDER BY c.id",
        )
        .bind(current)
        .fetch_all(&self.write)
        .await?;
        let mut closed = Vec::with_capacity(rows.len());
        for r in &rows {
            let seen: Vec<Option<Millis>> = vec![
                Some(col(r, "started_at")?),
                col(r, "answered_at")?,
                col(r, "ivr_ended_at")?,
                col(r, "queued_at")?,
                col(r, "agent_answered_at")?,
            ];
            let call = InterruptedCall {
                id: col(r, "id")?,
                call_ref: col(r, "call_ref")?,
                run_id: col(r, "run_id")?,
                ended_at: interrupted_end(col(r, "last_seen")?, &seen),
                recording: col(r, "recording")?,
            };
            sqlx::query(
                "UPDATE calls SET ended_at = $1, disposition = $2, hangup_side = 'system' \
                 WHERE id = $3 AND ended_at IS NULL",
            )
            .bind(call.ended_at)
            .bind(Disposition::Interrupted.as_str())
            .bind(call.id)
            .execute(&self.write)
            .await?;
            closed.push(call);
        }
        Ok(closed)
    }
}

#[cfg(test)]
mod tests {
    use super::interrupted_end;

    #[test]
    fn an_interrupted_call_ends_at_the_last_sign_of_life() {
        assert_eq!(interrupted_end(Some(9_000), &[Some(1_000), None]), 9_000);
    }

    #[test]
    fn never_before_what_the_record_says_happened() {
        // Started after the last heartbeat (the crash came within one beat).
        assert_eq!(
            interrupted_end(Some(9_000), &[Some(9_500), Some(9_700), None]),
            9_700
        );
    }

    #[test]
    fn without_a_run_the_last_time_the_record_mentions() {
        assert_eq!(interrupted_end(None, &[Some(1_000), Some(4_000)]), 4_000);
        assert_eq!(interrupted_end(None, &[]), 0);
    }
}
