//! The reports' row-by-row read path: the call records and tickets of a range streamed row
//! by row from the read pool (never the writer, never the whole range in memory) — call
//! records, tickets created and follow-ups due in the range — into the pure
//! [`report::Builder`](crate::report::Builder). The reports themselves are aggregated in SQL
//! (`report_sql`); this path is the reference they are tested against, and it adds the calls
//! of the rare hour slots that SQL cannot group ([`Builder::split_slots`]).

use futures_util::TryStreamExt;

use sqlx::any::AnyRow;
use sqlx::Row;

/// Column `i` of a row, by its position in the SELECT (a million rows are not read by name).
fn at<'r, T>(row: &'r AnyRow, i: usize) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(i)?)
}
use crate::lifecycle::Millis;
use crate::report::{Builder, CallRow, FollowUpRow, Report, TicketRow};
use crate::sql::{Sql, Value};
use crate::{Result, Store};

impl Store {
    /// The report built row by row: every call, ticket and follow-up of the range read and
    /// added one at a time (slow on a month of a busy centre: the reference that
    /// [`Store::build_report`]'s SQL aggregates are tested against). Tickets' "overdue" is
    /// judged at `now`.
    pub async fn build_report_by_rows(&self, mut b: Builder, now: Millis) -> Result<Report> {
        let (from, to) = b.range();
        self.for_each_report_call(from, to, |c| b.add_call(c))
            .await?;
        self.add_report_tickets(&mut b, from, to, now).await?;
        Ok(b.finish())
    }

    /// Calls `f` with every finished inbound call record that started in `[from, to)`.
    pub(crate) async fn for_each_report_call(
        &self,
        from: Millis,
        to: Millis,
        mut f: impl FnMut(&CallRow),
    ) -> Result<()> {
        {
            let mut rows = sqlx::query(
                "SELECT (SELECT string_agg(r.code, ',') FROM call_reasons r \
                         WHERE r.call_ref = c.call_ref) AS reasons, c.started_at, c.queue, c.agent_id, u.district_id, \
                        c.disposition, c.ivr_ended_at, c.wait_ms, c.talk_ms, c.hold_ms, \
                        c.wrapup_ms, c.survey_score, c.ivr_path \
                 FROM calls c LEFT JOIN customers u ON u.id = c.customer_id \
                 WHERE c.started_at >= $1 AND c.started_at < $2 AND c.ended_at IS NOT NULL \
                   AND c.direction = 'inbound'",
            )
            .bind(from)
            .bind(to)
            .fetch(&self.read);
            while let Some(r) = rows.try_next().await? {
                let reasons: Option<String> = at(&r, 0)?;
                let ivr_end: Option<i64> = at(&r, 6)?;
                let path: String = at(&r, 12)?;
                f(&CallRow {
                    started_at: at(&r, 1)?,
                    queue: at(&r, 2)?,
                    agent_id: at(&r, 3)?,
                    district_id: at(&r, 4)?,
                    disposition: at(&r, 5)?,
                    ivr: ivr_end.is_some(),
                    wait_ms: at(&r, 7)?,
                    talk_ms: at(&r, 8)?,
                    hold_ms: at(&r, 9)?,
                    wrapup_ms: at(&r, 10)?,
                    survey_score: at(&r, 11)?,
                    reasons: reasons
                        .map(|r| r.split(',').map(str::to_string).collect())
                        .unwrap_or_default(),
                    flows: crate::report::flows_of_path(&path),
                });
            }
        }
        Ok(())
    }

    /// Adds the tickets created and follow-ups due in `[from, to)` to `b`, one at a time.
    async fn add_report_tickets(
        &self,
        b: &mut Builder,
        from: Millis,
        to: Millis,
        now: Millis,
    ) -> Result<()> {
        let mut q = Sql::new("SELECT t.kind, t.district_id, t.created_at, t.on_site_at, t.replied_at, t.closed_at, CASE WHEN ");
        let now_at = q.placeholder(Value::Int(now));
        q.push(&crate::tickets::overdue_sql(&now_at))
            .push(" THEN 1 ELSE 0 END AS overdue FROM tickets t WHERE t.created_at >= ")
            .int(from)
            .push(" AND t.created_at < ")
            .int(to);
        let query = q.query();
        let mut rows = query.fetch(&self.read);
        while let Some(r) = rows.try_next().await? {
            let overdue: i64 = at(&r, 6)?;
            b.add_ticket(&TicketRow {
                kind: at(&r, 0)?,
                district_id: at(&r, 1)?,
                created_at: at(&r, 2)?,
                on_site_at: at(&r, 3)?,
                replied_at: at(&r, 4)?,
                closed_at: at(&r, 5)?,
                overdue: overdue != 0,
            });
        }
        drop(rows);
        let mut rows = sqlx::query(
            "SELECT f.due_at, f.status, f.agent_id, f.rating, t.district_id FROM followups f \
             JOIN tickets t ON t.id = f.ticket_id WHERE f.due_at >= $1 AND f.due_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch(&self.read);
        while let Some(r) = rows.try_next().await? {
            b.add_follow_up(&FollowUpRow {
                due_at: at(&r, 0)?,
                status: at(&r, 1)?,
                agent_id: at(&r, 2)?,
                rating: at(&r, 3)?,
                district_id: at(&r, 4)?,
            });
        }
        drop(rows);
        Ok(())
    }
}
