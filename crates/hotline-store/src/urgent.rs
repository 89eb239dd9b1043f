//! The supervisors' wall: urgent tickets nobody has reached on site yet (open, no arrival,
//! no reply), the nearest on-site deadline first, for the panel with their countdowns.

use crate::db::Store;
use crate::error::Result;
use crate::lifecycle::Millis;
use crate::tickets::{ticket_from_row, Ticket, COLUMNS};

/// The most the panel lists.
pub const URGENT_SHOWN: i64 = 50;

impl Store {
    /// Urgent tickets not yet on site (nor replied to or closed), the nearest on-site
    /// deadline first (overdue ones before the rest); at most [`URGENT_SHOWN`].
    pub async fn urgent_not_on_site(&self, now: Millis) -> Result<Vec<Ticket>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM tickets WHERE priority = 'urgent' AND on_site_at IS NULL \
             AND replied_at IS NULL AND closed_at IS NULL AND due_on_site_at IS NOT NULL \
             ORDER BY due_on_site_at, id LIMIT $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(URGENT_SHOWN)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| ticket_from_row(r, now, self)).collect()
    }
}
