//! Call records: one row per call, opened when the call arrives and filled in as it moves
//! through the IVR, the queue and an agent; repeat-contact detection when the caller (or the
//! customer the IVR identified) already has an open ticket.

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::sql::{Sql, Value};
use crate::tickets::Ticket;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

/// How a call ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Finished in the IVR after at least one self-service action (bills or arrears heard,
    /// a reading or a leak reported, a notice heard: the flow's `served` nodes).
    SelfServed,
    /// The caller hung up in the IVR before any self-service action.
    AbandonedInIvr,
    /// The IVR flow hung up before any self-service action: outside office hours after the
    /// closed-hours message, or a caller who chose nothing.
    UnservedInIvr,
    /// Hung up while waiting in a queue.
    AbandonedInQueue,
    Answered,
    /// Left the queue with a callback request.
    Callback,
    /// Sent elsewhere (another number, a voicemail).
    Transferred,
    /// Could not be handled (no agents, error).
    Failed,
    /// Still in progress when the engine died (`kill -9`, a crash, a power cut): closed at
    /// the next start, ended at the dead run's last sign of life.
    Interrupted,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::SelfServed => "self_served",
            Disposition::AbandonedInIvr => "abandoned_in_ivr",
            Disposition::UnservedInIvr => "unserved_in_ivr",
            Disposition::AbandonedInQueue => "abandoned_in_queue",
            Disposition::Answered => "answered",
            Disposition::Callback => "callback",
            Disposition::Transferred => "transferred",
            Disposition::Failed => "failed",
            Disposition::Interrupted => "interrupted",
        }
    }
}

/// A call as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub id: i64,
    pub call_ref: String,
    pub caller: String,
    pub dialled: String,
    pub customer_id: Option<i64>,
    pub started_at: Millis,
    pub ivr_ended_at: Option<Millis>,
    pub queued_at: Option<Millis>,
    pub answered_at: Option<Millis>,
    pub ended_at: Option<Millis>,
    pub ivr_path: Vec<String>,
    pub queue: Option<String>,
    pub agent_id: Option<i64>,
    pub wait_ms: Option<i64>,
    pub talk_ms: Option<i64>,
    pub wrapup_ms: Option<i64>,
    pub disposition: Option<String>,
    pub recording: Option<String>,
    pub survey_score: Option<i64>,
    /// `caller`, `agent` or `system`.
    pub hangup_side: Option<String>,
    pub repeat_contact: bool,
    /// When an agent answered (`answered_at` is when the engine did).
    pub agent_answered_at: Option<Millis>,
    /// Time on hold with an agent.
    pub hold_ms: Option<i64>,
    /// `inbound`, or `outbound` for a callback attempt.
    pub direction: String,
    /// A callback attempt's original call (its `call_ref`).
    pub parent_call_ref: Option<String>,
    /// How a callback attempt ended: `reached`, `no_answer`, `busy`, `failed`,
    /// `agent_no_answer`, `agent_busy`, `agent_failed`, `cancelled`.
    pub result: Option<String>,
    /// The agent a transfer handed the call over to (`agent_id` stays the first agent).
    pub transfer_agent_id: Option<i64>,
    /// On legal hold: its recording is never purged.
    pub legal_hold: bool,
    /// When the retention job deleted its recording.
    pub recording_purged_at: Option<Millis>,
}

/// What is known when a call arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCall {
    /// The engine's id for the call (unique).
    pub call_ref: String,
    pub caller: String,
    pub dialled: String,
    pub started_at: Millis,
}

/// The opened call and the open tickets that make it a repeat contact.
#[derive(Debug, Clone)]
pub struct CallStart {
    pub id: i64,
    pub open_tickets: Vec<Ticket>,
}

/// Fields to fill in on a call; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ivr_ended_at: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ivr_path: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub talk_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrapup_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<Disposition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survey_score: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hangup_side: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_answered_at: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_ms: Option<i64>,
    /// `outbound` for a callback attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// A callback attempt's original call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_call_ref: Option<String>,
    /// How a callback attempt ended (`reached`, `no_answer`, `busy`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer_agent_id: Option<i64>,
}

impl CallUpdate {
    /// This update followed by `later`: `later`'s fields where it has them.
    pub fn then(self, later: CallUpdate) -> CallUpdate {
        CallUpdate {
            customer_id: later.customer_id.or(self.customer_id),
            ivr_ended_at: later.ivr_ended_at.or(self.ivr_ended_at),
            queued_at: later.queued_at.or(self.queued_at),
            answered_at: later.answered_at.or(self.answered_at),
            ended_at: later.ended_at.or(self.ended_at),
            ivr_path: later.ivr_path.or(self.ivr_path),
            queue: later.queue.or(self.queue),
            agent_id: later.agent_id.or(self.agent_id),
            wait_ms: later.wait_ms.or(self.wait_ms),
            talk_ms: later.talk_ms.or(self.talk_ms),
            wrapup_ms: later.wrapup_ms.or(self.wrapup_ms),
            disposition: later.disposition.or(self.disposition),
            recording: later.recording.or(self.recording),
            survey_score: later.survey_score.or(self.survey_score),
            hangup_side: later.hangup_side.or(self.hangup_side),
            agent_answered_at: later.agent_answered_at.or(self.agent_answered_at),
            hold_ms: later.hold_ms.or(self.hold_ms),
            direction: later.direction.or(self.direction),
            parent_call_ref: later.parent_call_ref.or(self.parent_call_ref),
            result: later.result.or(self.result),
            transfer_agent_id: later.transfer_agent_id.or(self.transfer_agent_id),
        }
    }
}

/// What a call must be for an update to apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallIs {
    #[default]
    Any,
    /// Not ended.
    Open,
    /// Not ended, or ended with an agent (an agent's wrap-up comes after the call).
    OpenOrWithAgent,
}

impl CallIs {
    pub fn is_any(&self) -> bool {
        *self == CallIs::Any
    }
}

/// Which calls to list (every filter given must hold).
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    pub customer_id: Option<i64>,
    pub agent_id: Option<i64>,
    /// Calls taken by an active member of this team.
    pub team: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    /// The caller's number is this, or ends with it.
    pub phone: Option<String>,
    /// The identified customer's account number.
    pub account: Option<String>,
    pub queue: Option<String>,
    /// Calls with one of these reason codes (`call_reasons`); an empty list is no filter.
    pub reasons: Vec<String>,
    /// Calls linked to this ticket (`call_tickets`).
    pub ticket_id: Option<i64>,
    /// Talk time at least this many milliseconds.
    pub min_talk_ms: Option<i64>,
    /// Talk time at most this many milliseconds.
    pub max_talk_ms: Option<i64>,
    /// A survey score at least this.
    pub min_survey: Option<i64>,
    pub limit: i64,
}

const COLUMNS: &str = "id, call_ref, caller, dialled, customer_id, started_at, ivr_ended_at, \
    queued_at, answered_at, ended_at, ivr_path, queue, agent_id, wait_ms, talk_ms, wrapup_ms, \
    disposition, recording, survey_score, hangup_side, repeat_contact, agent_answered_at, hold_ms, \
    direction, parent_call_ref, result, transfer_agent_id, legal_hold, recording_purged_at";

fn call_from_row(r: &AnyRow) -> Result<Call> {
    let path: String = col(r, "ivr_path")?;
    Ok(Call {
        id: col(r, "id")?,
        call_ref: col(r, "call_ref")?,
        caller: col(r, "caller")?,
        dialled: col(r, "dialled")?,
        customer_id: col(r, "customer_id")?,
        started_at: col(r, "started_at")?,
        ivr_ended_at: col(r, "ivr_ended_at")?,
        queued_at: col(r, "queued_at")?,
        answered_at: col(r, "answered_at")?,
        ended_at: col(r, "ended_at")?,
        ivr_path: serde_json::from_str(&path).unwrap_or_default(),
        queue: col(r, "queue")?,
        agent_id: col(r, "agent_id")?,
        wait_ms: col(r, "wait_ms")?,
        talk_ms: col(r, "talk_ms")?,
        wrapup_ms: col(r, "wrapup_ms")?,
        disposition: col(r, "disposition")?,
        recording: col(r, "recording")?,
        survey_score: col(r, "survey_score")?,
        hangup_side: col(r, "hangup_side")?,
        repeat_contact: col::<i64>(r, "repeat_contact")? != 0,
        agent_answered_at: col(r, "agent_answered_at")?,
        hold_ms: col(r, "hold_ms")?,
        direction: col(r, "direction")?,
        parent_call_ref: col(r, "parent_call_ref")?,
        result: col(r, "result")?,
        transfer_agent_id: col(r, "transfer_agent_id")?,
        legal_hold: col::<i64>(r, "legal_hold")? != 0,
        recording_purged_at: col(r, "recording_purged_at")?,
    })
}

impl Store {
    /// Opens the call record; if the caller's number belongs to customers with open tickets
    /// (or reported one), the call is marked a repeat contact and those tickets returned.
    pub async fn start_call(&self, new: &NewCall) -> Result<CallStart> {
        self.start_call_in_run(new, None).await
    }

    /// [`Store::start_call`] for a call taken by engine run `run` (see `runs`): a call of a
    /// run that dies is closed as interrupted at the next start.
    pub async fn start_call_in_run(&self, new: &NewCall, run: Option<i64>) -> Result<CallStart> {
        let customers = self.customers_by_phone(&new.caller).await?;
        let mut open = self
            .open_tickets_for(None, Some(&new.caller), new.started_at)
            .await?;
        for c in &customers {
            for t in self
                .open_tickets_for(Some(c.id), None, new.started_at)
                .await?
            {
                if !open.iter().any(|o| o.id == t.id) {
                    open.push(t);
                }
            }
        }
        let customer_id = match customers.as_slice() {
            [only] => Some(only.id),
            _ => None,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO calls (call_ref, caller, dialled, customer_id, started_at, repeat_contact, \
             run_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.call_ref.clone())
        .bind(new.caller.clone())
        .bind(new.dialled.clone())
        .bind(customer_id)
        .bind(new.started_at)
        .bind(i64::from(!open.is_empty()))
        .bind(run)
        .fetch_one(&self.write)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::invalid("call_ref", "a call with this id exists")
            }
            e => e.into(),
        })?;
        Ok(CallStart {
            id,
            open_tickets: open,
        })
    }

    /// Fills in fields of a call. Identifying the customer re-checks repeat contact.
    pub async fn update_call(&self, id: i64, u: &CallUpdate) -> Result<Call> {
        self.set_call_fields(id, u).await?;
        self.call(id)
            .await?
            .ok_or_else(|| StoreError::not_found("call", id))
    }

    /// [`Store::update_call`] without reading the call back (the call log's writer).
    pub async fn set_call_fields(&self, id: i64, u: &CallUpdate) -> Result<()> {
        if self.set_call_fields_if(id, u, CallIs::Any).await? {
            Ok(())
        } else {
            Err(StoreError::not_found("call", id))
        }
    }

    /// [`Store::set_call_fields`] when the call is as `is` says; `false` (nothing written)
    /// when it is not, or there is no such call.
    pub async fn set_call_fields_if(&self, id: i64, u: &CallUpdate, is: CallIs) -> Result<bool> {
        let mut q = Sql::new("UPDATE calls SET id = id");
        let ints = [
            ("customer_id", u.customer_id),
            ("ivr_ended_at", u.ivr_ended_at),
            ("queued_at", u.queued_at),
            ("answered_at", u.answered_at),
            ("ended_at", u.ended_at),
            ("agent_id", u.agent_id),
            ("wait_ms", u.wait_ms),
            ("talk_ms", u.talk_ms),
            ("wrapup_ms", u.wrapup_ms),
            ("survey_score", u.survey_score),
            ("agent_answered_at", u.agent_answered_at),
            ("hold_ms", u.hold_ms),
            ("transfer_agent_id", u.transfer_agent_id),
        ];
        for (name, v) in ints {
            if let Some(v) = v {
                q.push(", ").push(name).push(" = ").int(v);
            }
        }
        let path = u
            .ivr_path
            .as_ref()
            .map(|p| serde_json::to_string(p).unwrap_or_else(|_| "[]".into()));
        let texts = [
            ("ivr_path", path.as_deref()),
            ("queue", u.queue.as_deref()),
            ("disposition", u.disposition.map(Disposition::as_str)),
            ("recording", u.recording.as_deref()),
            ("hangup_side", u.hangup_side.as_deref()),
            ("direction", u.direction.as_deref()),
            ("parent_call_ref", u.parent_call_ref.as_deref()),
            ("result", u.result.as_deref()),
        ];
        for (name, v) in texts {
            if let Some(v) = v {
                q.push(", ").push(name).push(" = ").text(v);
            }
        }
        if let Some(s) = u.survey_score {
            if !(1..=5).contains(&s) {
                return Err(StoreError::invalid("survey_score", "must be 1 to 5"));
            }
        }
        if let Some(cid) = u.customer_id {
            if self.customer(cid).await?.is_none() {
                return Err(StoreError::invalid("customer_id", "no such customer"));
            }
            let open = self.open_tickets_for(Some(cid), None, i64::MAX / 2).await?;
            if !open.is_empty() {
                q.push(", repeat_contact = 1");
            }
        }
        q.push(" WHERE id = ").int(id);
        match is {
            CallIs::Any => {}
            CallIs::Open => {
                q.push(" AND ended_at IS NULL");
            }
            CallIs::OpenOrWithAgent => {
                q.push(" AND (ended_at IS NULL OR agent_id IS NOT NULL)");
            }
        }
        let n = q.query().execute(&self.write).await?;
        Ok(n.rows_affected() > 0)
    }

    pub async fn call(&self, id: i64) -> Result<Option<Call>> {
        let sql = format!("SELECT {COLUMNS} FROM calls WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(call_from_row).transpose()
    }

    /// Puts the call on legal hold (its recording is never purged) or lifts it; the call as it
    /// is now, or None for an unknown id.
    pub async fn set_legal_hold(&self, id: i64, hold: bool) -> Result<Option<Call>> {
        sqlx::query("UPDATE calls SET legal_hold = $1 WHERE id = $2")
            .bind(i64::from(hold))
            .bind(id)
            .execute(&self.write)
            .await?;
        self.call(id).await
    }

    /// Recorded calls not on legal hold that ended before `ended_before`, of `queue` (None:
    /// calls that waited in no queue), oldest first, at most `limit`: (id, recording path).
    pub async fn recordings_due(
        &self,
        queue: Option<&str>,
        ended_before: Millis,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        let by_queue = match queue {
            Some(_) => "queue = $3",
            None => "queue IS NULL AND $3 = ''",
        };
        let sql = format!(
            "SELECT id, recording FROM calls WHERE recording IS NOT NULL AND ended_at < $1 \
             AND legal_hold = 0 AND {by_queue} ORDER BY ended_at LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ended_before)
            .bind(limit)
            .bind(queue.unwrap_or(""))
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok((col(r, "id")?, col(r, "recording")?)))
            .collect()
    }

    /// Marks call `id`'s recording purged at `now` (its path cleared), unless the call went on
    /// legal hold meanwhile: true when marked (the caller then deletes the file).
    pub async fn recording_purged(&self, id: i64, now: Millis) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE calls SET recording = NULL, recording_purged_at = $1 \
             WHERE id = $2 AND legal_hold = 0 AND recording IS NOT NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(n.rows_affected() == 1)
    }

    pub async fn call_by_ref(&self, call_ref: &str) -> Result<Option<Call>> {
        let sql = format!("SELECT {COLUMNS} FROM calls WHERE call_ref = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(call_ref)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(call_from_row).transpose()
    }

    /// Links a ticket to the call whose reference is `call_ref` (idempotent); `false` when no
    /// call has that reference (yet: the engine writes a call's record off the call path).
    pub async fn link_ticket_to_call_ref(
        &self,
        call_ref: &str,
        ticket_id: i64,
        now: Millis,
    ) -> Result<bool> {
        let call: Option<i64> = sqlx::query_scalar("SELECT id FROM calls WHERE call_ref = $1")
            .bind(call_ref)
            .fetch_optional(&self.write)
            .await?;
        let Some(call) = call else {
            return Ok(false);
        };
        self.link_call_ticket(call, ticket_id, now).await?;
        Ok(true)
    }

    /// The id of the call whose reference is `call_ref`.
    pub async fn call_id_by_ref(&self, call_ref: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM calls WHERE call_ref = $1")
                .bind(call_ref)
                .fetch_optional(&self.write)
                .await?,
        )
    }

    /// The tickets a call is linked to.
    pub async fn call_ticket_ids(&self, call_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT ticket_id FROM call_tickets WHERE call_id = $1 ORDER BY ticket_id",
        )
        .bind(call_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Calls matching `f`, newest first.
    pub async fn list_calls(&self, f: &CallFilter) -> Result<Vec<Call>> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM calls WHERE 1 = 1"));
        if let Some(c) = f.customer_id {
            q.push(" AND customer_id = ").int(c);
        }
        if let Some(a) = f.agent_id {
            q.push(" AND agent_id = ").int(a);
        }
        if let Some(t) = &f.team {
            q.push(" AND agent_id IN (SELECT id FROM agents WHERE active = 1 AND team = ")
                .text(t)
                .push(")");
        }
        if let Some(s) = f.since {
            q.push(" AND started_at >= ").int(s);
        }
        if let Some(u) = f.until {
            q.push(" AND started_at < ").int(u);
        }
        if let Some(p) = &f.phone {
            // Exact, or the number's end: the caller stored is as the network gave it.
            let exact = q.placeholder(Value::Text(p.clone()));
            let suffix = q.placeholder(Value::Text(format!("%{}", like_escaped(p))));
            q.push(&format!(
                " AND (caller = {exact} OR caller LIKE {suffix} ESCAPE '\\')"
            ));
        }
        if let Some(a) = &f.account {
            q.push(" AND customer_id IN (SELECT id FROM customers WHERE account_no = ")
                .text(a)
                .push(")");
        }
        if let Some(queue) = &f.queue {
            q.push(" AND queue = ").text(queue);
        }
        if !f.reasons.is_empty() {
            q.push(" AND call_ref IN (SELECT call_ref FROM call_reasons WHERE code IN (");
            for (i, r) in f.reasons.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.text(r);
            }
            q.push("))");
        }
        if let Some(t) = f.ticket_id {
            q.push(" AND id IN (SELECT call_id FROM call_tickets WHERE ticket_id = ")
                .int(t)
                .push(")");
        }
        if let Some(m) = f.min_talk_ms {
            q.push(" AND talk_ms >= ").int(m);
        }
        if let Some(m) = f.max_talk_ms {
            q.push(" AND talk_ms <= ").int(m);
        }
        if let Some(s) = f.min_survey {
            q.push(" AND survey_score >= ").int(s);
        }
        let limit = if f.limit <= 0 { 50 } else { f.limit.min(500) };
        q.push(" ORDER BY started_at DESC, id DESC LIMIT ")
            .int(limit);
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(call_from_row).collect()
    }
}

/// `s` with LIKE's wildcards and the escape character escaped (by a backslash).
fn like_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escaped("13800001111"), "13800001111");
        assert_eq!(like_escaped("1%2_3\\4"), "1\\%2\\_3\\\\4");
        assert_eq!(like_escaped(""), "");
    }
}
