//! Incidents in the store: the rule asked in the IVR ticket's own transaction (from the
//! district's reports as the database holds them, the district's row locked on PostgreSQL so
//! that two nodes taking reports of one district at once decide one after the other), and the
//! supervisors' incidents: open, link tickets, close, list.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use super::{decide, Cluster, Decision, IncidentRule, Report};
use crate::db::{col, Backend, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::{Millis, Status};
use crate::tickets::{insert_event, Actor, Ticket};

/// Longest incident title, in characters.
pub const MAX_TITLE: usize = 200;
/// Most reporters listed with one incident (the counts are always whole).
const MAX_REPORTERS: i64 = 500;

/// One reporter of an incident: a ticket, its calls, who called and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentReporter {
    pub ticket_id: i64,
    /// The ticket's status (the dispatched one is the incident's dispatch).
    pub status: String,
    /// The calls linked to the ticket (the IVR's call is linked once its record is written).
    pub call_ids: Vec<i64>,
    pub caller_phone: String,
    pub reported_at: Millis,
    /// The first reporter of the incident: the one the reward goes to.
    pub first: bool,
}

/// An incident with its reporters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    pub id: i64,
    pub district_id: i64,
    pub district_name: String,
    pub kind: String,
    pub title: String,
    pub opened_at: Millis,
    /// `rule`, or the login of the supervisor who opened it.
    pub opened_by: String,
    pub closed_at: Option<Millis>,
    pub closed_by: Option<String>,
    /// The ticket that was dispatched to the district for it (none yet for one opened by
    /// hand until a dispatched ticket is linked).
    pub ticket_id: Option<i64>,
    /// Reports (tickets) linked.
    pub reports: i64,
    /// Calls linked through those tickets.
    pub calls: i64,
    /// The reporters, first report first (at most 500 listed).
    pub reporters: Vec<IncidentReporter>,
}

/// An incident as a supervisor opens it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IncidentInput {
    pub district_id: i64,
    /// A ticket kind (`leak`, `repair`, …).
    pub kind: String,
    pub title: String,
}

/// The reports a crew sees under one dispatched ticket: the ticket's cluster, or the open
/// incident it is the dispatch of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrewReports {
    /// The dispatched ticket (on the crew's list).
    pub ticket_id: i64,
    pub incident_id: Option<i64>,
    pub incident_title: Option<String>,
    pub reports: usize,
    /// First report first; each with its address as reported.
    pub reporters: Vec<CrewReporter>,
}

/// One report as the crew sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrewReporter {
    pub ticket_id: i64,
    pub address: String,
    pub caller_phone: String,
    pub reported_at: Millis,
    pub first: bool,
}

/// Calls of one district over a recent span (the wall's spike).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DistrictCalls {
    pub district_id: i64,
    pub district_name: String,
    pub calls: i64,
}

/// Who did it: a login must not pass for the rule.
fn check_by(by: &str) -> Result<String> {
    let by = by.trim();
    if by.is_empty() || by == "rule" || by.chars().count() > 100 {
        return Err(StoreError::invalid("opened_by", "a login is needed"));
    }
    Ok(by.to_string())
}

const INCIDENT_COLUMNS: &str = "i.id, i.district_id, d.name AS district_name, i.kind, i.title, \
     i.opened_at, i.opened_by, i.closed_at, i.closed_by, i.ticket_id, \
     (SELECT COUNT(*) FROM incident_reports r WHERE r.incident_id = i.id) AS reports, \
     (SELECT COUNT(*) FROM call_tickets ct JOIN incident_reports r ON r.ticket_id = ct.ticket_id \
      WHERE r.incident_id = i.id) AS calls";

fn incident_from_row(r: &AnyRow) -> Result<Incident> {
    Ok(Incident {
        id: col(r, "id")?,
        district_id: col(r, "district_id")?,
        district_name: col(r, "district_name")?,
        kind: col(r, "kind")?,
        title: col(r, "title")?,
        opened_at: col(r, "opened_at")?,
        opened_by: col(r, "opened_by")?,
        closed_at: col(r, "closed_at")?,
        closed_by: col(r, "closed_by")?,
        ticket_id: col(r, "ticket_id")?,
        reports: col(r, "reports")?,
        calls: col(r, "calls")?,
        reporters: Vec::new(),
    })
}

/// Marks the earliest report of `incident` as its first reporter (and no other); of reports
/// at the same time, the cluster's first (the dispatched one).
async fn mark_first(conn: &mut AnyConnection, incident: i64) -> Result<()> {
    sqlx::query(
        "UPDATE incident_reports SET first_reporter = CASE WHEN ticket_id = \
         (SELECT ticket_id FROM incident_reports WHERE incident_id = $1 \
          ORDER BY reported_at, CASE WHEN ticket_id = first_ticket_id THEN 0 ELSE 1 END, \
          ticket_id LIMIT 1) THEN 1 ELSE 0 END \
         WHERE incident_id = $1",
    )
    .bind(incident)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// The incident rule for an IVR report `t` (an auto-dispatched kind with a district), in
    /// the creation's transaction: records the report and returns whether it was linked to
    /// an earlier dispatched report or an incident (then it is not dispatched again; its
    /// on-site deadline is the dispatched ticket's, so it is cleared here).
    pub(crate) async fn incident_report_in(
        &self,
        conn: &mut AnyConnection,
        t: &Ticket,
        rule: IncidentRule,
        now: Millis,
    ) -> Result<bool> {
        let Some(district) = t.district_id else {
            return Ok(false);
        };
        if self.backend == Backend::Postgres {
            // One decision at a time per district, whichever node takes the call. NO KEY
            // UPDATE: the ticket's own row already holds a KEY SHARE lock on the district (its
            // foreign key), which FOR UPDATE would conflict with, two reports deadlocking.
            sqlx::query("SELECT id FROM districts WHERE id = $1 FOR NO KEY UPDATE")
                .bind(district)
                .fetch_optional(&mut *conn)
                .await?;
        }
        let opened: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM incidents WHERE district_id = $1 AND closed_at IS NULL \
             AND opened_by <> 'rule' AND ticket_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(district)
        .fetch_optional(&mut *conn)
        .await?;
        let latest = sqlx::query(
            "SELECT first_ticket_id, reported_at FROM incident_reports \
             WHERE district_id = $1 AND first_ticket_id IS NOT NULL \
             ORDER BY reported_at DESC, ticket_id DESC LIMIT 1",
        )
        .bind(district)
        .fetch_optional(&mut *conn)
        .await?;
        let mut cluster_incident: Option<i64> = None;
        let mut cluster_last: Millis = now;
        let cluster = match latest {
            None => None,
            Some(row) => {
                let first: i64 = col(&row, "first_ticket_id")?;
                let last: Millis = col(&row, "reported_at")?;
                let rows = sqlx::query(
                    "SELECT r.ticket_id, r.incident_id, i.closed_at FROM incident_reports r \
                     LEFT JOIN incidents i ON i.id = r.incident_id \
                     WHERE r.first_ticket_id = $1 ORDER BY r.reported_at, r.ticket_id",
                )
                .bind(first)
                .fetch_all(&mut *conn)
                .await?;
                // The cluster's first (the dispatched report) first, whatever the ids and times
                // of reports taken at the same moment elsewhere.
                let mut reporters = Vec::with_capacity(rows.len());
                reporters.push(first);
                let mut closed = false;
                for r in &rows {
                    let id: i64 = col(r, "ticket_id")?;
                    if id != first {
                        reporters.push(id);
                    }
                    if let Some(i) = col::<Option<i64>>(r, "incident_id")? {
                        cluster_incident = Some(i);
                        closed |= col::<Option<Millis>>(r, "closed_at")?.is_some();
                    }
                }
                // A cluster whose incident a supervisor closed is over: the next report
                // starts afresh.
                cluster_last = last;
                (!closed).then_some(Cluster {
                    reporters,
                    last,
                    incident: cluster_incident.is_some(),
                })
            }
        };
        let report = Report {
            ticket_id: t.id,
            district_id: district,
            at: now,
        };
        let decision = decide(rule, opened, cluster.as_ref(), report);
        // A report linked to a cluster is never before its last (another node's clock may be
        // behind): the first report stays the earliest.
        let reported_at = match decision {
            Decision::Hold { .. } | Decision::Join { .. } | Decision::OpenIncident { .. } => {
                now.max(cluster_last)
            }
            Decision::Dispatch | Decision::JoinOpened { .. } => now,
        };
        let insert = |first: Option<i64>, incident: Option<i64>| {
            sqlx::query(
                "INSERT INTO incident_reports (ticket_id, district_id, first_ticket_id, \
                 incident_id, caller_phone, reported_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(t.id)
            .bind(district)
            .bind(first)
            .bind(incident)
            .bind(t.reporter_phone.clone())
            .bind(reported_at)
        };
        let note = match &decision {
            Decision::Dispatch => {
                insert(Some(t.id), None).execute(&mut *conn).await?;
                return Ok(false);
            }
            Decision::Hold { first } => {
                insert(Some(*first), None).execute(&mut *conn).await?;
                format!("held: a report of the leak of ticket {first}, dispatched")
            }
            Decision::Join { first } => {
                insert(Some(*first), cluster_incident)
                    .execute(&mut *conn)
                    .await?;
                if let Some(i) = cluster_incident {
                    mark_first(conn, i).await?;
                }
                format!(
                    "joined incident {}",
                    cluster_incident.map(|i| i.to_string()).unwrap_or_default()
                )
            }
            Decision::JoinOpened { incident } => {
                insert(None, Some(*incident)).execute(&mut *conn).await?;
                mark_first(conn, *incident).await?;
                format!("joined incident {incident}")
            }
            Decision::OpenIncident { reporters } => {
                let first = reporters.first().copied().unwrap_or(t.id);
                insert(Some(first), None).execute(&mut *conn).await?;
                let name: String = sqlx::query_scalar("SELECT name FROM districts WHERE id = $1")
                    .bind(district)
                    .fetch_one(&mut *conn)
                    .await?;
                let title = rule_title(&name, reporters.len(), &t.kind, rule.window_ms);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO incidents (district_id, kind, title, opened_at, opened_by, \
                     ticket_id) VALUES ($1, $2, $3, $4, 'rule', $5) RETURNING id",
                )
                .bind(district)
                .bind(t.kind.clone())
                .bind(title)
                .bind(now)
                .bind(first)
                .fetch_one(&mut *conn)
                .await?;
                sqlx::query(
                    "UPDATE incident_reports SET incident_id = $1 WHERE first_ticket_id = $2",
                )
                .bind(id)
                .bind(first)
                .execute(&mut *conn)
                .await?;
                mark_first(conn, id).await?;
                format!("opened incident {id} with the reports of ticket {first}")
            }
        };
        sqlx::query("UPDATE tickets SET due_on_site_at = NULL WHERE id = $1")
            .bind(t.id)
            .execute(&mut *conn)
            .await?;
        insert_event(conn, t.id, now, Actor::System, "incident", None, &note).await?;
        Ok(true)
    }

    /// Whether ticket `id` is a report the district already has: linked to a cluster or an
    /// incident whose dispatched ticket went to the district (what the IVR may tell the
    /// caller: the crew is notified).
    pub async fn report_handled(&self, id: i64) -> Result<bool> {
        let statuses: Vec<String> = sqlx::query_scalar(
            "SELECT t.status FROM incident_reports r \
             LEFT JOIN incidents i ON i.id = r.incident_id \
             JOIN tickets t ON t.id = COALESCE(r.first_ticket_id, i.ticket_id) \
             WHERE r.ticket_id = $1 AND t.id <> r.ticket_id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        Ok(statuses
            .iter()
            .any(|s| Status::parse(s).is_some_and(|s| s != Status::Accepted)))
    }

    /// Opens an incident by hand; `by` is the supervisor's login.
    pub async fn open_incident(
        &self,
        input: &IncidentInput,
        by: &str,
        now: Millis,
    ) -> Result<Incident> {
        let by = check_by(by)?;
        let title = input.title.trim();
        if title.is_empty() {
            return Err(StoreError::invalid("title", "required"));
        }
        if title.chars().count() > MAX_TITLE {
            return Err(StoreError::invalid(
                "title",
                format!("at most {MAX_TITLE} characters"),
            ));
        }
        if self.policy.kind(&input.kind).is_none() {
            let known: Vec<&str> = self.policy.kinds.keys().map(String::as_str).collect();
            return Err(StoreError::invalid(
                "kind",
                format!("unknown kind; one of {}", known.join(", ")),
            ));
        }
        let mut tx = self.write.begin().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM districts WHERE id = $1")
            .bind(input.district_id)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::invalid("district_id", "no such district"));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (district_id, kind, title, opened_at, opened_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(input.district_id)
        .bind(input.kind.clone())
        .bind(title.to_string())
        .bind(now)
        .bind(by)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.incident(id)
            .await?
            .ok_or_else(|| StoreError::not_found("incident", id))
    }

    /// Closes an incident (kept as it was when closed already): the district's next report
    /// is dispatched again. `by` is the supervisor's login.
    pub async fn close_incident(&self, id: i64, by: &str, now: Millis) -> Result<Incident> {
        let by = check_by(by)?;
        sqlx::query(
            "UPDATE incidents SET closed_at = $1, closed_by = $2 \
             WHERE id = $3 AND closed_at IS NULL",
        )
        .bind(now)
        .bind(by)
        .bind(id)
        .execute(&self.write)
        .await?;
        self.incident(id)
            .await?
            .ok_or_else(|| StoreError::not_found("incident", id))
    }

    /// Links ticket `ticket_id` to open incident `id` as a reporter (a ticket already in a
    /// cluster keeps its place there). The first dispatched ticket linked to an incident
    /// opened by hand becomes its dispatch: the district's later IVR reports then join it.
    pub async fn link_incident_ticket(
        &self,
        id: i64,
        ticket_id: i64,
        now: Millis,
    ) -> Result<Incident> {
        let mut tx = self.write.begin().await?;
        let closed: Option<Option<Millis>> =
            sqlx::query_scalar("SELECT closed_at FROM incidents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match closed {
            None => return Err(StoreError::not_found("incident", id)),
            Some(Some(_)) => return Err(StoreError::invalid("id", "the incident is closed")),
            Some(None) => {}
        }
        let row = sqlx::query(
            "SELECT t.status, t.reporter_phone, t.created_at, t.district_id, r.incident_id, \
             r.ticket_id AS reported FROM tickets t \
             LEFT JOIN incident_reports r ON r.ticket_id = t.id WHERE t.id = $1",
        )
        .bind(ticket_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::invalid("ticket_id", "no such ticket"))?;
        let status: String = col(&row, "status")?;
        let phone: String = col(&row, "reporter_phone")?;
        let created_at: Millis = col(&row, "created_at")?;
        let district: Option<i64> = col(&row, "district_id")?;
        let in_incident: Option<i64> = col(&row, "incident_id")?;
        let reported: Option<i64> = col(&row, "reported")?;
        if let Some(other) = in_incident.filter(|&i| i != id) {
            return Err(StoreError::invalid(
                "ticket_id",
                format!("already a report of incident {other}"),
            ));
        }
        let incident_district: i64 =
            sqlx::query_scalar("SELECT district_id FROM incidents WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if reported.is_some() {
            sqlx::query("UPDATE incident_reports SET incident_id = $1 WHERE ticket_id = $2")
                .bind(id)
                .bind(ticket_id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO incident_reports (ticket_id, district_id, incident_id, \
                 caller_phone, reported_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(ticket_id)
            .bind(district.unwrap_or(incident_district))
            .bind(id)
            .bind(phone)
            .bind(created_at)
            .execute(&mut *tx)
            .await?;
        }
        if Status::parse(&status).is_some_and(|s| s != Status::Accepted) {
            sqlx::query("UPDATE incidents SET ticket_id = $1 WHERE id = $2 AND ticket_id IS NULL")
                .bind(ticket_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        mark_first(&mut tx, id).await?;
        insert_event(
            &mut tx,
            ticket_id,
            now,
            Actor::System,
            "incident",
            None,
            &format!("linked to incident {id}"),
        )
        .await?;
        tx.commit().await?;
        // The crew page and the walls follow the ticket's district's changes.
        if let Some(t) = self.ticket(ticket_id, now).await? {
            self.announce(&t, "incident", now);
        }
        self.incident(id)
            .await?
            .ok_or_else(|| StoreError::not_found("incident", id))
    }

    /// One incident with its reporters.
    pub async fn incident(&self, id: i64) -> Result<Option<Incident>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents i JOIN districts d ON d.id = i.district_id \
             WHERE i.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let mut i = incident_from_row(&r)?;
                i.reporters = self.incident_reporters(i.id).await?;
                Ok(Some(i))
            }
        }
    }

    /// The open incidents (or with `closed` the last 200 of all), newest first, each with
    /// its reporters.
    pub async fn incidents(&self, closed: bool) -> Result<Vec<Incident>> {
        let filter = if closed {
            ""
        } else {
            "WHERE i.closed_at IS NULL"
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents i JOIN districts d ON d.id = i.district_id \
             {filter} ORDER BY i.opened_at DESC, i.id DESC LIMIT 200"
        )))
        .fetch_all(&self.read)
        .await?;
        let mut list = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut i = incident_from_row(r)?;
            i.reporters = self.incident_reporters(i.id).await?;
            list.push(i);
        }
        Ok(list)
    }

    async fn incident_reporters(&self, id: i64) -> Result<Vec<IncidentReporter>> {
        let rows = sqlx::query(
            "SELECT r.ticket_id, t.status, r.caller_phone, r.reported_at, r.first_reporter \
             FROM incident_reports r JOIN tickets t ON t.id = r.ticket_id \
             WHERE r.incident_id = $1 \
             ORDER BY r.reported_at, r.first_reporter DESC, r.ticket_id LIMIT $2",
        )
        .bind(id)
        .bind(MAX_REPORTERS)
        .fetch_all(&self.read)
        .await?;
        let calls = sqlx::query(
            "SELECT ct.ticket_id, ct.call_id FROM call_tickets ct \
             JOIN incident_reports r ON r.ticket_id = ct.ticket_id \
             WHERE r.incident_id = $1 ORDER BY ct.call_id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        let mut by_ticket: std::collections::HashMap<i64, Vec<i64>> = Default::default();
        for c in &calls {
            by_ticket
                .entry(col(c, "ticket_id")?)
                .or_default()
                .push(col(c, "call_id")?);
        }
        rows.iter()
            .map(|r| {
                let ticket_id: i64 = col(r, "ticket_id")?;
                Ok(IncidentReporter {
                    ticket_id,
                    status: col(r, "status")?,
                    call_ids: by_ticket.remove(&ticket_id).unwrap_or_default(),
                    caller_phone: col(r, "caller_phone")?,
                    reported_at: col(r, "reported_at")?,
                    first: col::<i64>(r, "first_reporter")? != 0,
                })
            })
            .collect()
    }

    /// The reports held with dispatched ticket `first` (its cluster, itself left out) that
    /// are in no incident: what the crew sees listed under the ticket.
    pub async fn held_reports(&self, first: i64) -> Result<Vec<IncidentReporter>> {
        let rows = sqlx::query(
            "SELECT r.ticket_id, t.status, r.caller_phone, r.reported_at, r.first_reporter \
             FROM incident_reports r JOIN tickets t ON t.id = r.ticket_id \
             WHERE r.first_ticket_id = $1 \
             ORDER BY r.reported_at, CASE WHEN r.ticket_id = $1 THEN 0 ELSE 1 END, r.ticket_id \
             LIMIT $2",
        )
        .bind(first)
        .bind(MAX_REPORTERS)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let ticket_id: i64 = col(r, "ticket_id")?;
                Ok(IncidentReporter {
                    ticket_id,
                    status: col(r, "status")?,
                    call_ids: Vec::new(),
                    caller_phone: col(r, "caller_phone")?,
                    reported_at: col(r, "reported_at")?,
                    first: ticket_id == first,
                })
            })
            .collect()
    }

    /// For the crew page: the reports of district `district` since `since` grouped under the
    /// ticket that was dispatched for them (the cluster's first, or the open incident's
    /// dispatch), only where there is more than that one report.
    pub async fn crew_reports(&self, district: i64, since: Millis) -> Result<Vec<CrewReports>> {
        let rows = sqlx::query(
            "SELECT r.ticket_id, r.first_ticket_id, r.incident_id, \
             i.ticket_id AS incident_ticket, i.title, r.caller_phone, r.reported_at, \
             r.first_reporter, t.address \
             FROM incident_reports r LEFT JOIN incidents i ON i.id = r.incident_id \
             JOIN tickets t ON t.id = r.ticket_id \
             WHERE r.district_id = $1 AND r.reported_at >= $2 AND i.closed_at IS NULL \
             ORDER BY r.reported_at, r.first_reporter DESC, \
             CASE WHEN r.ticket_id = r.first_ticket_id THEN 0 ELSE 1 END, r.ticket_id LIMIT 5000",
        )
        .bind(district)
        .bind(since)
        .fetch_all(&self.read)
        .await?;
        let mut groups: Vec<CrewReports> = Vec::new();
        for r in &rows {
            let ticket_id: i64 = col(r, "ticket_id")?;
            let incident_id: Option<i64> = col(r, "incident_id")?;
            let incident_ticket: Option<i64> = col(r, "incident_ticket")?;
            let first_ticket: Option<i64> = col(r, "first_ticket_id")?;
            let Some(head) = incident_ticket.or(first_ticket) else {
                continue;
            };
            let first = match incident_id {
                Some(_) => col::<i64>(r, "first_reporter")? != 0,
                None => ticket_id == head,
            };
            let reporter = CrewReporter {
                ticket_id,
                address: col(r, "address")?,
                caller_phone: col(r, "caller_phone")?,
                reported_at: col(r, "reported_at")?,
                first,
            };
            match groups.iter_mut().find(|g| g.ticket_id == head) {
                Some(g) => {
                    if g.incident_id.is_none() && incident_id.is_some() {
                        g.incident_id = incident_id;
                        g.incident_title = col(r, "title")?;
                    }
                    g.reporters.push(reporter);
                }
                None => groups.push(CrewReports {
                    ticket_id: head,
                    incident_id,
                    incident_title: col(r, "title")?,
                    reports: 0,
                    reporters: vec![reporter],
                }),
            }
        }
        groups.retain(|g| g.reporters.len() > 1);
        for g in &mut groups {
            g.reports = g.reporters.len();
        }
        Ok(groups)
    }

    /// Calls per district that started at or after `since` (the district of the caller's
    /// account, else of a ticket the call is linked to), most first.
    pub async fn calls_by_district(&self, since: Millis) -> Result<Vec<DistrictCalls>> {
        let rows = sqlx::query(
            "SELECT d.id AS district_id, d.name AS district_name, COUNT(*) AS calls \
             FROM calls c LEFT JOIN customers cu ON cu.id = c.customer_id \
             JOIN districts d ON d.id = COALESCE(cu.district_id, \
               (SELECT MIN(t.district_id) FROM call_tickets ct JOIN tickets t ON t.id = ct.ticket_id \
                WHERE ct.call_id = c.id)) \
             WHERE c.started_at >= $1 GROUP BY d.id, d.name ORDER BY calls DESC, d.id",
        )
        .bind(since)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DistrictCalls {
                    district_id: col(r, "district_id")?,
                    district_name: col(r, "district_name")?,
                    calls: col(r, "calls")?,
                })
            })
            .collect()
    }
}

/// The title of an incident the rule opens, in Chinese like the shipped districts' names and
/// the desk's first language: "城北区：10分钟内5起漏水报告". A kind the centre added itself is
/// named by its code.
fn rule_title(district: &str, reports: usize, kind: &str, window_ms: i64) -> String {
    let kind = match kind {
        "leak" => "漏水",
        "repair" => "维修",
        "meter" => "水表",
        "complaint" => "投诉",
        "inquiry" => "咨询",
        "billing_dispute" => "账单争议",
        other => other,
    };
    format!(
        "{district}：{}分钟内{reports}起{kind}报告",
        window_ms / 60_000
    )
}

#[cfg(test)]
mod title_tests {
    #[test]
    fn the_rules_title_is_chinese_with_the_count_and_window() {
        assert_eq!(
            super::rule_title("城北区", 5, "leak", 600_000),
            "城北区：10分钟内5起漏水报告"
        );
        assert_eq!(
            super::rule_title("城北区", 3, "gas_smell", 300_000),
            "城北区：5分钟内3起gas_smell报告"
        );
    }
}
