//! Figures about tickets and follow-ups for the metrics (`/metrics`): tickets ever created per
//! kind, open ones per kind and district, overdue ones per district, follow-up calls due now
//! and done by result, and the customers' ratings. Counted in SQL over the whole store (they
//! survive restarts); the engine reads them every few seconds, not at every scrape.

use crate::db::col;
use crate::lifecycle::{Millis, Status};
use crate::sql::{Sql, Value};
use crate::{Result, Store};

/// What [`Store::ticket_figures`] counts. Districts are named by their code (`""`: none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFigures {
    /// Tickets ever created, by kind.
    pub created: Vec<(String, i64)>,
    /// Open tickets (accepted, dispatched, in progress, replied) by kind and district.
    pub open: Vec<(String, String, i64)>,
    /// Overdue tickets (a deadline passed with its step not done) by district; every district
    /// is listed, with 0 when none is overdue.
    pub overdue: Vec<(String, i64)>,
    /// Follow-up calls pending whose next attempt is due.
    pub followups_due: i64,
    /// Follow-ups by status: `pending`, `reached`, `not_reached`.
    pub followups: Vec<(String, i64)>,
    /// Ratings given (1–5) and how many times each.
    pub ratings: Vec<(i64, i64)>,
}

impl Store {
    /// Counts the figures as of `now`.
    pub async fn ticket_figures(&self, now: Millis) -> Result<TicketFigures> {
        let pairs = |sql: &'static str| async move {
            let rows = sqlx::query(sql).fetch_all(&self.read).await?;
            rows.iter()
                .map(|r| Ok((col::<String>(r, "k")?, col::<i64>(r, "n")?)))
                .collect::<Result<Vec<(String, i64)>>>()
        };
        let created =
            pairs("SELECT kind AS k, COUNT(*) AS n FROM tickets GROUP BY kind ORDER BY kind")
                .await?;
        let followups = pairs(
            "SELECT status AS k, COUNT(*) AS n FROM followups GROUP BY status ORDER BY status",
        )
        .await?;

        let mut q = Sql::new(
            "SELECT t.kind AS kind, COALESCE(d.code, '') AS district, COUNT(*) AS n \
             FROM tickets t LEFT JOIN districts d ON d.id = t.district_id WHERE t.status IN (",
        );
        let open: Vec<String> = Status::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| q.placeholder(Value::Text(s.as_str().into())))
            .collect();
        q.push(&open.join(", "))
            .push(") GROUP BY t.kind, d.code ORDER BY t.kind, d.code");
        let open = q
            .query()
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok((col(r, "kind")?, col(r, "district")?, col(r, "n")?)))
            .collect::<Result<Vec<_>>>()?;

        let mut q = Sql::new(
            "SELECT COALESCE(d.code, '') AS k, COUNT(*) AS n FROM tickets t \
             LEFT JOIN districts d ON d.id = t.district_id WHERE ",
        );
        let at = q.placeholder(Value::Int(now));
        q.push(&crate::tickets::overdue_sql(&at))
            .push(" GROUP BY d.code ORDER BY d.code");
        let mut overdue = q
            .query()
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok((col(r, "k")?, col(r, "n")?)))
            .collect::<Result<Vec<(String, i64)>>>()?;
        for code in pairs("SELECT code AS k, 0 AS n FROM districts ORDER BY code").await? {
            if !overdue.iter().any(|(d, _)| *d == code.0) {
                overdue.push(code);
            }
        }
        overdue.sort();

        let followups_due: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM followups WHERE status = 'pending' AND next_attempt_at <= $1",
        )
        .bind(now)
        .fetch_one(&self.read)
        .await?;
        let ratings = sqlx::query(
            "SELECT rating AS k, COUNT(*) AS n FROM tickets WHERE rating IS NOT NULL \
             GROUP BY rating ORDER BY rating",
        )
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| Ok((col(r, "k")?, col(r, "n")?)))
        .collect::<Result<Vec<_>>>()?;
        Ok(TicketFigures {
            created,
            open,
            overdue,
            followups_due,
            followups,
            ratings,
        })
    }
}
