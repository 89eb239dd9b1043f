//! Tickets (工单): creation with their deadlines, lifecycle transitions with an event row
//! each, comments, district assignment, lists (overdue first) and repeat-contact lookups
//! (the escalation of missed deadlines is `escalation`). The rules come from `lifecycle` and `policy`; this
//! module only reads and writes them, each change in one transaction.

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::{self, Action, Milestone, Millis, Status, Timeline};
use crate::policy::Priority;
use crate::sql::Sql;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

/// Longest summary, note or address accepted, in characters.
pub const MAX_TEXT: usize = 4000;

/// Who did something to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Agent(i64),
    Ivr,
    System,
}

impl Actor {
    pub fn label(self) -> String {
        match self {
            Actor::Agent(id) => format!("agent:{id}"),
            Actor::Ivr => "ivr".into(),
            Actor::System => "system".into(),
        }
    }
    fn agent(self) -> Option<i64> {
        match self {
            Actor::Agent(id) => Some(id),
            _ => None,
        }
    }
    fn via(self) -> &'static str {
        match self {
            Actor::Agent(_) => "agent",
            Actor::Ivr => "ivr",
            Actor::System => "system",
        }
    }
}

/// What is needed to open a ticket.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub kind: String,
    pub priority: Option<Priority>,
    pub customer_id: Option<i64>,
    /// Defaults to the customer's district.
    pub district_id: Option<i64>,
    /// Defaults to the customer's service address.
    pub address: Option<String>,
    pub summary: String,
    /// The summary in each language (language code, text), when the writer has them all
    /// (`summary` is then the centre's own, usually `zh`); empty: `summary` only.
    pub summaries: Vec<(String, String)>,
    /// Who reported it (a leak reporter need not be a customer; kept for the reward).
    pub reporter_phone: Option<String>,
    pub reporter_name: Option<String>,
    /// The call it came from, linked at once.
    pub call_id: Option<i64>,
}

/// A ticket as stored, with the deadlines it has missed at the time it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub id: i64,
    pub kind: String,
    pub priority: String,
    pub status: Status,
    pub customer_id: Option<i64>,
    pub district_id: Option<i64>,
    pub address: String,
    pub summary: String,
    /// The summary by language (`{}` when written in one only): the desk shows the one in
    /// the agent's page language, else `summary`.
    pub summaries: std::collections::BTreeMap<String, String>,
    pub reporter_phone: String,
    pub reporter_name: String,
    pub created_via: String,
    pub created_by: Option<i64>,
    pub handled_by: Option<i64>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub version: i64,
    pub dispatched_at: Option<Millis>,
    pub on_site_at: Option<Millis>,
    pub replied_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    pub followed_up_at: Option<Millis>,
    pub due_on_site_at: Option<Millis>,
    pub due_reply_at: Option<Millis>,
    pub due_follow_up_at: Option<Millis>,
    pub rating: Option<i64>,
    /// Milestones missed at the time of reading.
    pub overdue: Vec<Milestone>,
    /// Milestones already escalated.
    pub escalated: Vec<Milestone>,
    /// 0 on time, 1 a deadline missed, 2 missed by the policy's multiple of its limit (as
    /// the last escalation sweep found it).
    pub escalation_level: i64,
}

impl Ticket {
    pub(crate) fn timeline(&self) -> Timeline {
        Timeline {
            created_at: self.created_at,
            on_site_at: self.on_site_at,
            replied_at: self.replied_at,
            closed_at: self.closed_at,
            followed_up_at: self.followed_up_at,
        }
    }
}

/// One line of a ticket's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketEvent {
    pub id: i64,
    pub at: Millis,
    pub actor: String,
    /// The agent's name when an agent did it.
    pub actor_name: Option<String>,
    /// `created`, `transition`, `comment`, `assigned`, `linked`, `escalated` (a deadline
    /// missed), `escalation_level` (level 2 reached), `acknowledged` (by the crew),
    /// `follow_up_attempt`.
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: String,
}

/// A ticket with its history and the calls about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub events: Vec<TicketEvent>,
    pub call_ids: Vec<i64>,
    /// The district to propose for a dispatch (the ticket's, its customer's, or the one the
    /// address names); the agent confirms it. `None`: the agent must choose.
    pub proposed_district_id: Option<i64>,
    /// The customer's name, when the ticket has a customer.
    pub customer_name: Option<String>,
    /// The follow-up call scheduled when it was closed, if any.
    pub followup_id: Option<i64>,
}

/// Extra data some actions need.
#[derive(Debug, Clone, Default)]
pub struct TransitionInput {
    /// For `dispatch`: the district, when the ticket has none or it changes.
    pub district_id: Option<i64>,
    /// For `dispatch`: the address to send the crew to, when the ticket has none or it
    /// changes.
    pub address: Option<String>,
    /// For `rate`: 1 to 5.
    pub rating: Option<i64>,
    pub note: String,
    /// When given, the change is refused unless the ticket is still at this version.
    pub expected_version: Option<i64>,
    /// A crew's district: the change is refused (`Forbidden`) unless the ticket is in it,
    /// checked in the same transaction as the change.
    pub crew_district: Option<i64>,
}

/// Which tickets to list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<Status>,
    pub kind: Option<String>,
    pub district_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub priority: Option<Priority>,
    pub overdue_only: bool,
    /// Only tickets with a deadline not yet met that falls before this time (overdue ones
    /// included): "due soon" is `now + window`.
    pub due_before: Option<Millis>,
    /// Only tickets this agent opened or handles ("mine").
    pub agent_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

pub(crate) const COLUMNS: &str =
    "id, kind, priority, status, customer_id, district_id, address, summary, \
    reporter_phone, reporter_name, created_via, created_by, handled_by, created_at, updated_at, \
    version, dispatched_at, on_site_at, replied_at, closed_at, followed_up_at, due_on_site_at, \
    due_reply_at, due_follow_up_at, escalated, rating, escalation_level, summaries";

/// The three deadlines a ticket can miss, as the SQL of the ticket row whose columns are
/// prefixed `t` (`""`, `"t."`, `"NEW."`): each milestone with its due column and the
/// condition that its step is not done yet (a reply also settles the on-site deadline). The
/// one description [`overdue_sql`], the escalation sweep and the tickets' roll-up
/// (`ticket_rollups::late_at_sql`) are built from, as `Timeline::overdue` judges in Rust.
pub(crate) fn deadlines_sql(t: &str) -> [(Milestone, String, String); 3] {
    [
        (
            Milestone::OnSite,
            format!("{t}due_on_site_at"),
            format!("{t}on_site_at IS NULL AND {t}replied_at IS NULL"),
        ),
        (
            Milestone::Reply,
            format!("{t}due_reply_at"),
            format!("{t}replied_at IS NULL"),
        ),
        (
            Milestone::FollowUp,
            format!("{t}due_follow_up_at"),
            format!("{t}followed_up_at IS NULL"),
        ),
    ]
}

/// The SQL twin of `Timeline::overdue`: `$n` is the time.
pub(crate) fn overdue_sql(now: &str) -> String {
    let missed: Vec<String> = deadlines_sql("")
        .iter()
        .map(|(_, due, pending)| format!("({pending} AND {due} < {now})"))
        .collect();
    format!("({})", missed.join(" OR "))
}

/// The summaries as stored: '' for none, else a JSON object; each text checked like the
/// summary, each language code short and plain (`summaries` named in the error).
fn summaries_json(list: &[(String, String)]) -> Result<String> {
    if list.is_empty() {
        return Ok(String::new());
    }
    let mut map = serde_json::Map::new();
    for (lang, text) in list {
        let plain = !lang.is_empty()
            && lang.len() <= 8
            && lang.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        if !plain {
            return Err(StoreError::invalid(
                "summaries",
                "a language code such as zh or en",
            ));
        }
        check_text("summaries", text, true)?;
        map.insert(lang.clone(), serde_json::Value::from(text.as_str()));
    }
    Ok(serde_json::Value::Object(map).to_string())
}

/// The stored summaries (JSON object of texts; '' or anything else: none).
fn summaries_from(text: &str) -> std::collections::BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(crate) fn ticket_from_row(r: &AnyRow, now: Millis, store: &Store) -> Result<Ticket> {
    let status: String = col(r, "status")?;
    let status = Status::parse(&status)
        .ok_or_else(|| StoreError::Conflict(format!("unknown status {status:?} in database")))?;
    let escalated: String = col(r, "escalated")?;
    let mut t = Ticket {
        id: col(r, "id")?,
        kind: col(r, "kind")?,
        priority: col(r, "priority")?,
        status,
        customer_id: col(r, "customer_id")?,
        district_id: col(r, "district_id")?,
        address: col(r, "address")?,
        summary: col(r, "summary")?,
        summaries: summaries_from(&col::<String>(r, "summaries")?),
        reporter_phone: col(r, "reporter_phone")?,
        reporter_name: col(r, "reporter_name")?,
        created_via: col(r, "created_via")?,
        created_by: col(r, "created_by")?,
        handled_by: col(r, "handled_by")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
        version: col(r, "version")?,
        dispatched_at: col(r, "dispatched_at")?,
        on_site_at: col(r, "on_site_at")?,
        replied_at: col(r, "replied_at")?,
        closed_at: col(r, "closed_at")?,
        followed_up_at: col(r, "followed_up_at")?,
        due_on_site_at: col(r, "due_on_site_at")?,
        due_reply_at: col(r, "due_reply_at")?,
        due_follow_up_at: col(r, "due_follow_up_at")?,
        rating: col(r, "rating")?,
        overdue: Vec::new(),
        escalated: escalated.split(',').filter_map(Milestone::parse).collect(),
        escalation_level: col(r, "escalation_level")?,
    };
    t.overdue = t.timeline().overdue(&stored_limits(&t, store), now);
    Ok(t)
}

/// The ticket's limits as its stored deadlines say (a policy change is not retroactive).
pub(crate) fn stored_limits(t: &Ticket, store: &Store) -> lifecycle::Limits {
    let limits = store
        .policy
        .kind(&t.kind)
        .map(|k| k.limits)
        .unwrap_or_default();
    lifecycle::Limits {
        on_site: t.due_on_site_at.map(|d| d - t.created_at),
        reply: t.due_reply_at.map(|d| d - t.created_at),
        follow_up: t
            .due_follow_up_at
            .zip(t.closed_at)
            .map(|(d, c)| d - c)
            .or(limits.follow_up),
    }
}

/// Checks a text field: not too long, no NUL, not empty when `required`.
pub fn check_text(field: &'static str, s: &str, required: bool) -> Result<()> {
    if required && s.trim().is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if s.chars().count() > MAX_TEXT {
        return Err(StoreError::invalid(
            field,
            format!("longer than {MAX_TEXT} characters"),
        ));
    }
    if s.contains('\0') {
        return Err(StoreError::invalid(field, "contains a NUL character"));
    }
    Ok(())
}

pub(crate) async fn insert_event(
    conn: &mut AnyConnection,
    ticket_id: i64,
    at: Millis,
    actor: Actor,
    kind: &str,
    from_to: Option<(Status, Status)>,
    note: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, at, actor, kind, from_status, to_status, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ticket_id)
    .bind(at)
    .bind(actor.label())
    .bind(kind.to_string())
    .bind(from_to.map(|(f, _)| f.as_str().to_string()))
    .bind(from_to.map(|(_, t)| t.as_str().to_string()))
    .bind(note.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn exists(conn: &mut AnyConnection, table: &'static str, id: i64) -> Result<bool> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE id = $1");
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

impl Store {
    /// Opens a ticket with its `created` event (and its call link), in one transaction
    /// (on SQLite, one shared with the creations waiting at the same moment; see
    /// `group_commit`). Returns once it is committed.
    pub async fn create_ticket(
        &self,
        new: &NewTicket,
        actor: Actor,
        now: Millis,
    ) -> Result<Ticket> {
        let t = match &self.ticket_queue {
            Some(queue) => crate::group_commit::create(queue, new, actor, now).await,
            None => self.create_ticket_alone(new, actor, now).await,
        }?;
        self.announce(&t, "created", now);
        if t.status == Status::Dispatched {
            self.announce(&t, "dispatch", now);
        }
        Ok(t)
    }

    /// Escalates ticket `id` for a reason that is not a missed deadline (`what`, e.g.
    /// `dispatch_unacknowledged`: the district's dispatch phone never acknowledged it): level 1
    /// at least, an `escalated` event with `note`, an escalation event for the webhooks, and the
    /// live change `what` that supervisors' walls and desks show.
    pub async fn escalate_for(&self, id: i64, what: &str, note: &str, now: Millis) -> Result<()> {
        check_text("note", note, true)?;
        let t = self
            .ticket(id, now)
            .await?
            .ok_or_else(|| StoreError::not_found("ticket", id))?;
        let mut tx = self.write.begin().await?;
        let n = sqlx::query(
            "UPDATE tickets SET escalation_level = $1, version = version + 1, updated_at = $2 \
             WHERE id = $3 AND version = $4",
        )
        .bind(t.escalation_level.max(1))
        .bind(now)
        .bind(id)
        .bind(t.version)
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "ticket {id} changed meanwhile; escalate again"
            )));
        }
        insert_event(&mut tx, id, now, Actor::System, "escalated", None, note).await?;
        crate::outbox::enqueue_in(&mut tx, id, "escalation", note, now).await?;
        tx.commit().await?;
        self.announce(&t, what, now);
        Ok(())
    }

    /// Tells the live followers about a committed change.
    pub(crate) fn announce(&self, t: &Ticket, what: &str, now: Millis) {
        self.changes.publish(crate::changes::TicketChange {
            ticket_id: t.id,
            district_id: t.district_id,
            status: t.status,
            what: what.to_string(),
            at: now,
        });
    }

    /// Opens a ticket in a transaction of its own.
    pub(crate) async fn create_ticket_alone(
        &self,
        new: &NewTicket,
        actor: Actor,
        now: Millis,
    ) -> Result<Ticket> {
        let mut tx = self.write.begin().await?;
        let ticket = self.create_ticket_in(&mut tx, new, actor, now).await?;
        tx.commit().await?;
        Ok(ticket)
    }

    /// Writes a new ticket on `conn`. The customer's address and district fill what the
    /// request leaves empty inside the INSERT itself, and the row comes back by RETURNING:
    /// on SQLite every statement is a hand-off to the connection's worker thread, so a
    /// ticket costs four (BEGIN, ticket, event, COMMIT) and no read-back.
    pub(crate) async fn create_ticket_in(
        &self,
        conn: &mut AnyConnection,
        new: &NewTicket,
        actor: Actor,
        now: Millis,
    ) -> Result<Ticket> {
        let kind = self.policy.kind(&new.kind).ok_or_else(|| {
            let known: Vec<&str> = self.policy.kinds.keys().map(String::as_str).collect();
            StoreError::invalid("kind", format!("unknown kind; one of {}", known.join(", ")))
        })?;
        check_text("summary", &new.summary, true)?;
        let address = new.address.clone().filter(|a| !a.trim().is_empty());
        check_text("address", address.as_deref().unwrap_or(""), false)?;
        let reporter_phone = match new.reporter_phone.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => crate::rules::normalize_phone(p)
                .ok_or_else(|| StoreError::invalid("reporter_phone", "not a phone number"))?,
            None => String::new(),
        };
        let reporter_name = new.reporter_name.clone().unwrap_or_default();
        check_text("reporter_name", &reporter_name, false)?;
        if let Some(d) = new.district_id {
            if !exists(conn, "districts", d).await? {
                return Err(StoreError::invalid("district_id", "no such district"));
            }
        }
        if let Some(call) = new.call_id {
            if !exists(conn, "calls", call).await? {
                return Err(StoreError::invalid("call_id", "no such call"));
            }
        }
        let priority = new.priority.unwrap_or(kind.default_priority);
        // With a customer, the SELECT finds no row for an unknown id and nothing is written.
        let (source, address_sql, district_sql) = match new.customer_id {
            Some(_) => (
                "FROM customers c WHERE c.id = $4",
                "COALESCE($6, c.address)",
                "COALESCE($5, c.district_id)",
            ),
            None => ("", "COALESCE($6, '')", "$5"),
        };
        let sql = format!(
            "INSERT INTO tickets (kind, priority, status, customer_id, district_id, address, \
             summary, reporter_phone, reporter_name, created_via, created_by, handled_by, \
             created_at, updated_at, due_on_site_at, due_reply_at, summaries) \
             SELECT $1, $2, $3, $4, {district_sql}, {address_sql}, $7, $8, $9, $10, $11, $11, \
             $12, $12, $13, $14, $15 {source} RETURNING {COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(new.kind.clone())
            .bind(priority.as_str())
            .bind(Status::Accepted.as_str())
            .bind(new.customer_id)
            .bind(new.district_id)
            .bind(address)
            .bind(new.summary.clone())
            .bind(reporter_phone)
            .bind(reporter_name)
            .bind(actor.via())
            .bind(actor.agent())
            .bind(now)
            .bind(kind.limits.on_site.map(|l| now + l))
            .bind(kind.limits.reply.map(|l| now + l))
            .bind(summaries_json(&new.summaries)?)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::invalid("customer_id", "no such customer"))?;
        let ticket = ticket_from_row(&row, now, self)?;
        insert_event(conn, ticket.id, now, actor, "created", None, "").await?;
        if let Some(call) = new.call_id {
            link_in(conn, call, ticket.id, now).await?;
        }
        // Dispatched at once when the kind says so and the IVR opened it with somewhere to go
        // (checked first, so the dispatch cannot fail the creation).
        let goes = crate::destination::check(
            ticket.district_id,
            ticket.customer_id.is_some(),
            &ticket.address,
        )
        .is_ok();
        // The incident rule (when on): a report the district already has through an earlier
        // dispatched one (or an incident) is linked there instead of dispatched again.
        let linked = match self.policy.incidents {
            Some(rule) if actor == Actor::Ivr && kind.auto_dispatch && goes => {
                self.incident_report_in(conn, &ticket, rule, now).await?
            }
            _ => false,
        };
        if actor == Actor::Ivr && kind.auto_dispatch && goes && !linked {
            let input = TransitionInput {
                note: "auto_dispatch".into(),
                ..TransitionInput::default()
            };
            self.transition_in(
                conn,
                ticket.id,
                Action::Dispatch,
                &input,
                Actor::System,
                now,
            )
            .await?;
            let sql = format!("SELECT {COLUMNS} FROM tickets WHERE id = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(ticket.id)
                .fetch_one(&mut *conn)
                .await?;
            return ticket_from_row(&row, now, self);
        }
        if linked {
            let sql = format!("SELECT {COLUMNS} FROM tickets WHERE id = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(ticket.id)
                .fetch_one(&mut *conn)
                .await?;
            return ticket_from_row(&row, now, self);
        }
        Ok(ticket)
    }

    /// One ticket, with its overdue milestones at `now`.
    pub async fn ticket(&self, id: i64, now: Millis) -> Result<Option<Ticket>> {
        let sql = format!("SELECT {COLUMNS} FROM tickets WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| ticket_from_row(&r, now, self)).transpose()
    }

    /// A ticket with its events and linked calls.
    pub async fn ticket_detail(&self, id: i64, now: Millis) -> Result<Option<TicketDetail>> {
        let Some(ticket) = self.ticket(id, now).await? else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT e.id, e.at, e.actor, a.name AS actor_name, e.kind, e.from_status, \
             e.to_status, e.note FROM ticket_events e \
             LEFT JOIN agents a ON e.actor = 'agent:' || CAST(a.id AS TEXT) \
             WHERE e.ticket_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        let events = rows
            .iter()
            .map(|r| {
                Ok(TicketEvent {
                    id: col(r, "id")?,
                    at: col(r, "at")?,
                    actor: col(r, "actor")?,
                    actor_name: col(r, "actor_name")?,
                    kind: col(r, "kind")?,
                    from_status: col(r, "from_status")?,
                    to_status: col(r, "to_status")?,
                    note: col(r, "note")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let call_ids = sqlx::query_scalar(
            "SELECT call_id FROM call_tickets WHERE ticket_id = $1 ORDER BY call_id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        let proposed_district_id = self.propose_district(&ticket).await?;
        let customer_name: Option<String> = match ticket.customer_id {
            Some(c) => {
                sqlx::query_scalar("SELECT name FROM customers WHERE id = $1")
                    .bind(c)
                    .fetch_optional(&self.read)
                    .await?
            }
            None => None,
        };
        let followup_id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM followups WHERE ticket_id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        Ok(Some(TicketDetail {
            ticket,
            events,
            call_ids,
            proposed_district_id,
            customer_name,
            followup_id,
        }))
    }

    /// See [`crate::destination::propose`].
    async fn propose_district(&self, ticket: &Ticket) -> Result<Option<i64>> {
        if ticket.district_id.is_some() {
            return Ok(ticket.district_id);
        }
        let customer_district: Option<i64> = match ticket.customer_id {
            Some(c) => sqlx::query_scalar("SELECT district_id FROM customers WHERE id = $1")
                .bind(c)
                .fetch_optional(&self.read)
                .await?
                .flatten(),
            None => None,
        };
        let districts: Vec<(i64, String)> = self
            .districts()
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        Ok(crate::destination::propose(
            None,
            customer_district,
            &ticket.address,
            &districts,
        ))
    }

    /// Applies `action`, writing the transition event; exactly one of two concurrent changes
    /// of the same ticket wins, the other gets `Conflict` or `Illegal`.
    pub async fn transition(
        &self,
        id: i64,
        action: Action,
        input: &TransitionInput,
        actor: Actor,
        now: Millis,
    ) -> Result<Ticket> {
        check_text("note", &input.note, false)?;
        let mut tx = self.write.begin().await?;
        self.transition_in(&mut tx, id, action, input, actor, now)
            .await?;
        // The reports it holds follow a reply or a close (`incidents::carry`).
        let held = self
            .carry_to_held_reports(&mut tx, id, action, &input.note, now)
            .await?;
        tx.commit().await?;
        for h in held {
            if let Some(t) = self.ticket(h, now).await? {
                self.announce(&t, action.as_str(), now);
            }
        }
        let t = self
            .ticket(id, now)
            .await?
            .ok_or_else(|| StoreError::not_found("ticket", id))?;
        self.announce(&t, action.as_str(), now);
        Ok(t)
    }

    pub(crate) async fn transition_in(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        action: Action,
        input: &TransitionInput,
        actor: Actor,
        now: Millis,
    ) -> Result<Status> {
        let row = sqlx::query(
            "SELECT status, version, kind, district_id, customer_id, address FROM tickets \
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("ticket", id))?;
        let from: String = col(&row, "status")?;
        let from = Status::parse(&from)
            .ok_or_else(|| StoreError::Conflict(format!("unknown status {from:?}")))?;
        let version: i64 = col(&row, "version")?;
        if input.expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::Conflict(format!(
                "ticket {id} is at version {version}, not {}",
                input.expected_version.unwrap_or_default()
            )));
        }
        let kind: String = col(&row, "kind")?;
        let mut district_id: Option<i64> = col(&row, "district_id")?;
        if let Some(crew) = input.crew_district {
            if district_id != Some(crew) {
                return Err(StoreError::Forbidden(format!(
                    "ticket {id} is not your district's"
                )));
            }
        }
        let to = lifecycle::next(from, action)?;
        if input.crew_district.is_some() && !lifecycle::allowed_for_crew(from).contains(&action) {
            return Err(StoreError::Forbidden(format!(
                "a crew may not {action} a ticket that is {from}"
            )));
        }
        let mut set = Sql::new("UPDATE tickets SET status = ");
        set.text(to.as_str())
            .push(", version = version + 1, updated_at = ")
            .int(now);
        // The centre's agent who handles the ticket (the one its follow-up rating counts for)
        // is the first from the centre to act on it: a district crew working it on site is not.
        if let Some(agent) = actor.agent().filter(|_| input.crew_district.is_none()) {
            set.push(", handled_by = COALESCE(handled_by, ")
                .int(agent)
                .push(")");
        }
        match action {
            Action::Dispatch => {
                if let Some(d) = input.district_id {
                    if !exists(conn, "districts", d).await? {
                        return Err(StoreError::invalid("district_id", "no such district"));
                    }
                    district_id = Some(d);
                }
                let customer_id: Option<i64> = col(&row, "customer_id")?;
                let mut address: String = col(&row, "address")?;
                if let Some(a) = input.address.as_deref().filter(|a| !a.trim().is_empty()) {
                    check_text("address", a, false)?;
                    address = a.trim().to_string();
                    set.push(", address = ").text(&address);
                }
                let d = crate::destination::check(district_id, customer_id.is_some(), &address)
                    .map_err(|e| StoreError::invalid(e.field, e.reason))?;
                set.push(", district_id = ").int(d);
                set.push(", dispatched_at = ").int(now);
            }
            Action::Start => {
                set.push(", on_site_at = COALESCE(on_site_at, ")
                    .int(now)
                    .push(")");
            }
            Action::Reply => {
                set.push(", replied_at = COALESCE(replied_at, ")
                    .int(now)
                    .push(")");
            }
            Action::Close => {
                set.push(", closed_at = ").int(now);
                let kp = self.policy.kind(&kind);
                if let Some(l) = kp.and_then(|k| k.limits.follow_up) {
                    set.push(", due_follow_up_at = ").int(now + l);
                }
            }
            Action::FollowUp => {
                set.push(", followed_up_at = COALESCE(followed_up_at, ")
                    .int(now)
                    .push(")");
            }
            Action::Rate => {
                let r = input
                    .rating
                    .ok_or_else(|| StoreError::invalid("rating", "rate needs a rating 1 to 5"))?;
                if !(1..=5).contains(&r) {
                    return Err(StoreError::invalid("rating", "must be 1 to 5"));
                }
                set.push(", rating = ").int(r);
            }
            Action::Reopen => {
                // Closing and its follow-up are undone; the next close schedules a new one.
                set.push(
                    ", closed_at = NULL, followed_up_at = NULL, due_follow_up_at = NULL, \
                     rating = NULL",
                );
                sqlx::query("DELETE FROM followups WHERE ticket_id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
            Action::Return | Action::SendBack => {}
        }
        set.push(" WHERE id = ")
            .int(id)
            .push(" AND version = ")
            .int(version);
        let done = set.query().execute(&mut *conn).await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "ticket {id} changed meanwhile; read it again"
            )));
        }
        insert_event(
            conn,
            id,
            now,
            actor,
            "transition",
            Some((from, to)),
            &input.note,
        )
        .await?;
        if matches!(
            action,
            Action::Dispatch | Action::Return | Action::Reply | Action::Close
        ) {
            crate::outbox::enqueue_in(conn, id, action.as_str(), &input.note, now).await?;
        }
        if action == Action::Close && self.policy.kind(&kind).is_some_and(|k| k.follow_up) {
            crate::followups::schedule_in(conn, id, now, &self.policy).await?;
        }
        Ok(to)
    }

    /// Adds a note to the ticket's history.
    pub async fn comment(&self, id: i64, note: &str, actor: Actor, now: Millis) -> Result<()> {
        check_text("note", note, true)?;
        let mut tx = self.write.begin().await?;
        let n = sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if n.rows_affected() == 0 {
            return Err(StoreError::not_found("ticket", id));
        }
        insert_event(&mut tx, id, now, actor, "comment", None, note).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves the ticket to another district (before or after dispatch).
    pub async fn assign_district(
        &self,
        id: i64,
        district_id: i64,
        actor: Actor,
        now: Millis,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        if !exists(&mut tx, "tickets", id).await? {
            return Err(StoreError::not_found("ticket", id));
        }
        if !exists(&mut tx, "districts", district_id).await? {
            return Err(StoreError::invalid("district_id", "no such district"));
        }
        let n = sqlx::query(
            "UPDATE tickets SET district_id = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3",
        )
        .bind(district_id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() == 0 {
            return Err(StoreError::not_found("ticket", id));
        }
        let note = format!("district {district_id}");
        insert_event(&mut tx, id, now, actor, "assigned", None, &note).await?;
        tx.commit().await?;
        if let Some(t) = self.ticket(id, now).await? {
            self.announce(&t, "assigned", now);
        }
        Ok(())
    }

    /// Open tickets of a customer or reported from a phone number: a new call about any of
    /// them is a repeat contact. Only what is given is matched: a missing or unusable phone
    /// never matches a ticket whose reporter phone is empty (or NULL).
    pub async fn open_tickets_for(
        &self,
        customer_id: Option<i64>,
        phone: Option<&str>,
        now: Millis,
    ) -> Result<Vec<Ticket>> {
        let phone = phone.and_then(crate::rules::normalize_phone);
        // The caller's open tickets are found by their indexes first, then ordered. Written
        // as `WHERE … ORDER BY created_at DESC LIMIT 50`, PostgreSQL's generic plan for a
        // prepared statement (the one it keeps after five runs) walked the created-at index
        // backwards through every ticket when one phone number is common among them: 100–
        // 290 ms a call start with 500,000 tickets, ten call records a second under load
        // (`media_load --reports postgres://…`), where this takes 0.2 ms.
        let mut q = Sql::new(&format!(
            "WITH open AS MATERIALIZED (SELECT {COLUMNS} FROM tickets \
             WHERE status IN ('accepted', 'dispatched', 'in_progress', 'replied') AND ("
        ));
        match (customer_id, phone.as_deref()) {
            (None, None) => return Ok(Vec::new()),
            (Some(c), None) => q.push("customer_id = ").int(c),
            (None, Some(p)) => q.push("reporter_phone = ").text(p),
            (Some(c), Some(p)) => q
                .push("customer_id = ")
                .int(c)
                .push(" OR reporter_phone = ")
                .text(p),
        };
        q.push(format!(")) SELECT {COLUMNS} FROM open ORDER BY created_at DESC LIMIT 50").as_str());
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(|r| ticket_from_row(r, now, self)).collect()
    }

    /// Links a call to a ticket (idempotent).
    pub async fn link_call_ticket(&self, call_id: i64, ticket_id: i64, now: Millis) -> Result<()> {
        let mut tx = self.write.begin().await?;
        if !exists(&mut tx, "calls", call_id).await? {
            return Err(StoreError::not_found("call", call_id));
        }
        if !exists(&mut tx, "tickets", ticket_id).await? {
            return Err(StoreError::not_found("ticket", ticket_id));
        }
        link_in(&mut tx, call_id, ticket_id, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn link_in(
    conn: &mut AnyConnection,
    call_id: i64,
    ticket_id: i64,
    now: Millis,
) -> Result<()> {
    let n = sqlx::query(
        "INSERT INTO call_tickets (call_id, ticket_id, linked_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(call_id)
    .bind(ticket_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if n.rows_affected() == 1 {
        let note = format!("call {call_id}");
        insert_event(conn, ticket_id, now, Actor::System, "linked", None, &note).await?;
    }
    Ok(())
}
