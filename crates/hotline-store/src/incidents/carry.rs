//! The reports a dispatched ticket holds (the later callers about the same leak, held in its
//! cluster or joined to its incident and never dispatched themselves) follow it to the end:
//! when the dispatched ticket is replied to, each held report still `accepted` is replied to
//! with the same result; when it is closed, each held report that was replied to is closed,
//! which schedules each reporter's follow-up call (回访) as for any ticket. Each change is a
//! transition of its own, with its event (actor `system`, naming the dispatched ticket) and
//! its outbox entry, in the dispatched ticket's transaction. A held report that someone
//! dispatched or answered on its own is left to its own course.

use sqlx::AnyConnection;

use crate::db::Store;
use crate::error::Result;
use crate::lifecycle::{self, Action, Millis, Status};
use crate::tickets::{Actor, TransitionInput};

impl Store {
    /// Applies `action` (reply or close) of ticket `id` to the reports it holds, inside the
    /// transaction `conn`; the tickets changed.
    pub(crate) async fn carry_to_held_reports(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        action: Action,
        note: &str,
        now: Millis,
    ) -> Result<Vec<i64>> {
        if !matches!(action, Action::Reply | Action::Close) {
            return Ok(Vec::new());
        }
        // A report's dispatched ticket: its cluster's first, else its incident's dispatch.
        let held: Vec<(i64, String)> = sqlx::query_as(
            "SELECT r.ticket_id, t.status FROM incident_reports r \
             LEFT JOIN incidents i ON i.id = r.incident_id \
             JOIN tickets t ON t.id = r.ticket_id \
             WHERE COALESCE(r.first_ticket_id, i.ticket_id) = $1 AND r.ticket_id <> $1 \
             ORDER BY r.ticket_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let input = TransitionInput {
            note: format!("with ticket {id}: {note}")
                .trim_end_matches([' ', ':'])
                .to_string(),
            ..TransitionInput::default()
        };
        let mut changed = Vec::new();
        for (ticket, status) in held {
            let from = Status::parse(&status);
            // Reply follows only from accepted: a report dispatched on its own is its crew's.
            let follows = match action {
                Action::Reply => from == Some(Status::Accepted),
                _ => from.is_some_and(|s| lifecycle::next(s, action).is_ok()),
            };
            if follows {
                self.transition_in(conn, ticket, action, &input, Actor::System, now)
                    .await?;
                changed.push(ticket);
            }
        }
        Ok(changed)
    }
}
