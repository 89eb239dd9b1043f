//! The ticket lists the desk asks for (`Store::list_tickets`): the tickets matching a filter,
//! overdue ones first, then by priority (urgent, high, normal, then the rest), then oldest
//! first. A page is read in parts, each walking an index in the list's order instead of
//! sorting every matching ticket (with 500,000 tickets one sort took hundreds of
//! milliseconds), until the page is full: the overdue ones one priority at a time, oldest
//! first (walking the unfinished tickets of that priority: a followed-up or rated ticket has
//! met every deadline, the lifecycle allows no other way there), then the on-time ones one
//! priority at a time, oldest first. Deep pages (an offset past [`PARTS_UP_TO`]) are read in
//! one sorted query, as before.

use crate::db::Store;
use crate::error::Result;
use crate::lifecycle::Millis;
use crate::policy::Priority;
use crate::sql::{Sql, Value};
use crate::tickets::{overdue_sql, ticket_from_row, Ticket, TicketFilter, COLUMNS};

/// Up to this many rows before the page (offset) the list is read in parts.
const PARTS_UP_TO: i64 = 2_000;

/// The priorities in the list's order; the last part takes every other value.
const RANKED: [Priority; 3] = [Priority::Urgent, Priority::High, Priority::Normal];

/// The SQL rank of a priority, as the list orders them.
const RANK_SQL: &str = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
                        WHEN 'normal' THEN 2 ELSE 3 END";

/// Which tickets a part reads.
#[derive(Debug, Clone, Copy)]
enum Part {
    /// The overdue ones of this priority (`None`: any but the ranked ones), by age.
    Overdue(Option<Priority>),
    /// The on-time ones of this priority (`None`: any but the ranked ones), by age.
    OnTime(Option<Priority>),
    /// All, in the list's order (deep pages).
    All,
}

/// `SELECT … WHERE` the filter's conditions and the part's, in the part's order.
fn part_sql(f: &TicketFilter, now: Millis, part: Part, limit: i64, offset: i64) -> Sql {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM tickets WHERE 1 = 1"));
    let overdue = overdue_sql(&q.placeholder(Value::Int(now)));
    if let Some(s) = f.status {
        q.push(" AND status = ").text(s.as_str());
    }
    if let Some(k) = &f.kind {
        q.push(" AND kind = ").text(k);
    }
    if let Some(d) = f.district_id {
        q.push(" AND district_id = ").int(d);
    }
    if let Some(c) = f.customer_id {
        q.push(" AND customer_id = ").int(c);
    }
    if let Some(p) = f.priority {
        q.push(" AND priority = ").text(p.as_str());
    }
    if f.overdue_only {
        q.push(" AND ").push(&overdue);
    }
    if let Some(t) = f.due_before {
        let due = overdue_sql(&q.placeholder(Value::Int(t)));
        q.push(" AND ").push(&due);
    }
    if let Some(a) = f.agent_id {
        q.push(" AND (handled_by = ")
            .int(a)
            .push(" OR created_by = ")
            .int(a)
            .push(")");
    }
    match part {
        Part::Overdue(p) => {
            // `status NOT IN` as the partial index on unfinished tickets says it.
            q.push(" AND status NOT IN ('followed_up', 'rated') AND ")
                .push(&overdue);
            priority_is(&mut q, p);
            q.push(" ORDER BY created_at, id");
        }
        Part::OnTime(p) => {
            // The complement of the overdue parts exactly (a NULL deadline is not overdue).
            q.push(&format!(" AND (CASE WHEN {overdue} THEN 1 ELSE 0 END) = 0"));
            priority_is(&mut q, p);
            q.push(" ORDER BY created_at, id");
        }
        Part::All => {
            q.push(&format!(
                " ORDER BY CASE WHEN {overdue} THEN 0 ELSE 1 END, {RANK_SQL}, created_at, id"
            ));
        }
    }
    q.push(" LIMIT ").int(limit).push(" OFFSET ").int(offset);
    q
}

/// ` AND priority = p` (`None`: any but the ranked ones).
fn priority_is(q: &mut Sql, p: Option<Priority>) {
    match p {
        Some(p) => {
            q.push(" AND priority = ").text(p.as_str());
        }
        None => {
            q.push(" AND priority NOT IN ('urgent', 'high', 'normal')");
        }
    }
}

/// The parts of a list, in its order, that can hold tickets matching `f`.
fn parts(f: &TicketFilter) -> Vec<Part> {
    let wanted = |p: &Option<Priority>| match (f.priority, p) {
        (None, _) => true,
        (Some(want), Some(p)) => want == *p,
        (Some(want), None) => !RANKED.contains(&want),
    };
    let ranks: Vec<Option<Priority>> = RANKED
        .iter()
        .map(|&p| Some(p))
        .chain(std::iter::once(None))
        .filter(wanted)
        .collect();
    let mut parts: Vec<Part> = ranks.iter().map(|&p| Part::Overdue(p)).collect();
    if !f.overdue_only {
        parts.extend(ranks.iter().map(|&p| Part::OnTime(p)));
    }
    parts
}

impl Store {
    /// Tickets matching `f`, overdue ones first, then by priority and age (`f.limit` 1 to
    /// 500, default 100; `f.offset`).
    pub async fn list_tickets(&self, f: &TicketFilter, now: Millis) -> Result<Vec<Ticket>> {
        let limit = if f.limit <= 0 { 100 } else { f.limit.min(500) };
        let offset = f.offset.max(0);
        if offset > PARTS_UP_TO {
            return self.read_part(f, now, Part::All, limit, offset).await;
        }
        let want = offset + limit;
        let mut found: Vec<Ticket> = Vec::new();
        for part in parts(f) {
            let left = want - found.len() as i64;
            if left <= 0 {
                break;
            }
            found.extend(self.read_part(f, now, part, left, 0).await?);
        }
        Ok(found
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(0))
            .take(usize::try_from(limit).unwrap_or(0))
            .collect())
    }

    async fn read_part(
        &self,
        f: &TicketFilter,
        now: Millis,
        part: Part,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Ticket>> {
        let rows = part_sql(f, now, part, limit, offset)
            .query()
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| ticket_from_row(r, now, self)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_follow_the_filter() {
        let all = parts(&TicketFilter::default());
        assert_eq!(all.len(), 8);
        assert!(matches!(all[0], Part::Overdue(Some(Priority::Urgent))));
        assert!(matches!(all[3], Part::Overdue(None)));
        assert!(matches!(all[4], Part::OnTime(Some(Priority::Urgent))));
        let overdue = parts(&TicketFilter {
            overdue_only: true,
            ..TicketFilter::default()
        });
        assert_eq!(overdue.len(), 4);
        let high = parts(&TicketFilter {
            priority: Some(Priority::High),
            ..TicketFilter::default()
        });
        assert!(matches!(
            high.as_slice(),
            [
                Part::Overdue(Some(Priority::High)),
                Part::OnTime(Some(Priority::High))
            ]
        ));
        let low = parts(&TicketFilter {
            priority: Some(Priority::Low),
            ..TicketFilter::default()
        });
        assert!(matches!(
            low.as_slice(),
            [Part::Overdue(None), Part::OnTime(None)]
        ));
    }
}
