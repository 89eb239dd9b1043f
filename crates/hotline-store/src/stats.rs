//! Figures for the supervisors' wallboard, from the call records and the tickets: per queue
//! since a given time (offered, answered, answered within the service level, abandoned with
//! short abandons apart, average speed of answer, average handle time), the IVR's outcomes
//! and containment, and the overdue tickets of each district. Aggregated in SQL, one query
//! per queue (each queue has its own service level and short-abandon threshold), over the
//! `calls_started` index.

use serde::Serialize;

use crate::db::col;
use crate::lifecycle::Millis;
use crate::sql::{Sql, Value};
use crate::{Result, Store};

/// One queue's figures over a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueStats {
    /// Calls that entered the queue and have ended.
    pub offered: i64,
    /// Connected to an agent.
    pub answered: i64,
    /// Connected within the service-level time.
    pub answered_within_sl: i64,
    /// `answered_within_sl` / (`answered` + `abandoned` − `short_abandoned`) in per cent;
    /// `None` with no such call.
    pub service_level_percent: Option<f64>,
    /// Callers who hung up while waiting (short ones included).
    pub abandoned: i64,
    /// Of those, the ones who waited less than the short-abandon time.
    pub short_abandoned: i64,
    /// Average wait of the answered calls.
    pub average_speed_of_answer_ms: Option<i64>,
    /// Average talk plus wrap-up of the answered calls.
    pub average_handle_ms: Option<i64>,
}

/// The IVR's figures over a period: the calls whose IVR ended, by outcome (the same as
/// `/metrics`' `hotline_ivr_calls_total`), and containment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IvrStats {
    /// Calls that ran the IVR and have ended.
    pub calls: i64,
    /// Had a self-service action, then ended without an agent (`self_served`).
    pub self_served: i64,
    /// Handed to an agent queue by the flow.
    pub transferred: i64,
    /// Hung up before any self-service action (`abandoned_in_ivr`).
    pub abandoned: i64,
    /// The flow hung up before any self-service action (`unserved_in_ivr`: closed hours).
    pub unserved: i64,
    /// `self_served` / `calls` in per cent; `None` with no call.
    pub containment_percent: Option<f64>,
}

/// How a queue's calls are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsRule {
    /// Answered within this wait counts towards the service level.
    pub service_level_ms: i64,
    /// Abandoned within this wait is a short abandon.
    pub short_abandon_ms: i64,
}

/// Overdue tickets of one district (`district_id` `None`: not assigned to one yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DistrictOverdue {
    pub district_id: Option<i64>,
    pub district: String,
    pub overdue: i64,
}

impl QueueStats {
    /// Fills the derived figures from the sums.
    fn derive(&mut self, wait_sum: i64, handle_sum: i64) {
        let judged = self.answered + self.abandoned - self.short_abandoned;
        self.service_level_percent =
            (judged > 0).then(|| self.answered_within_sl as f64 * 100.0 / judged as f64);
        self.average_speed_of_answer_ms = (self.answered > 0).then(|| wait_sum / self.answered);
        self.average_handle_ms = (self.answered > 0).then(|| handle_sum / self.answered);
    }
}

impl Store {
    /// `queue`'s figures for calls that started at or after `since` and have ended.
    pub async fn queue_stats(
        &self,
        queue: &str,
        since: Millis,
        rule: StatsRule,
    ) -> Result<QueueStats> {
        let answered = "disposition = 'answered' AND agent_id IS NOT NULL";
        let abandoned = "disposition = 'abandoned_in_queue'";
        let mut q = Sql::new("SELECT COUNT(*) AS offered");
        let sl = q.placeholder(Value::Int(rule.service_level_ms));
        let short = q.placeholder(Value::Int(rule.short_abandon_ms));
        let sum = |cond: &str, what: &str, name: &str| {
            format!(", CAST(COALESCE(SUM(CASE WHEN {cond} THEN {what} ELSE 0 END), 0) AS BIGINT) AS {name}")
        };
        q.push(&sum(answered, "1", "answered"))
            .push(&sum(
                &format!("{answered} AND wait_ms <= {sl}"),
                "1",
                "within",
            ))
            .push(&sum(abandoned, "1", "abandoned"))
            .push(&sum(
                &format!("{abandoned} AND wait_ms < {short}"),
                "1",
                "short",
            ))
            .push(&sum(answered, "COALESCE(wait_ms, 0)", "wait_sum"))
            .push(&sum(
                answered,
                "COALESCE(talk_ms, 0) + COALESCE(hold_ms, 0) + COALESCE(wrapup_ms, 0)",
                "handle_sum",
            ))
            .push(" FROM calls WHERE queue = ")
            .text(queue)
            .push(" AND started_at >= ")
            .int(since)
            .push(" AND ended_at IS NOT NULL");
        let row = q.query().fetch_one(&self.read).await?;
        let mut s = QueueStats {
            offered: col(&row, "offered")?,
            answered: col(&row, "answered")?,
            answered_within_sl: col(&row, "within")?,
            abandoned: col(&row, "abandoned")?,
            short_abandoned: col(&row, "short")?,
            ..QueueStats::default()
        };
        s.derive(col(&row, "wait_sum")?, col(&row, "handle_sum")?);
        Ok(s)
    }

    /// The IVR's figures for calls that started at or after `since` and have ended.
    pub async fn ivr_stats(&self, since: Millis) -> Result<IvrStats> {
        let count = |cond: &str, name: &str| {
            format!(
                ", CAST(COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) AS BIGINT) AS {name}"
            )
        };
        let mut q = Sql::new("SELECT COUNT(*) AS calls");
        q.push(&count("disposition = 'self_served'", "self_served"))
            .push(&count("queue IS NOT NULL", "transferred"))
            .push(&count("disposition = 'abandoned_in_ivr'", "abandoned"))
            .push(&count("disposition = 'unserved_in_ivr'", "unserved"))
            .push(" FROM calls WHERE started_at >= ")
            .int(since)
            .push(" AND ended_at IS NOT NULL AND ivr_ended_at IS NOT NULL");
        let row = q.query().fetch_one(&self.read).await?;
        let calls: i64 = col(&row, "calls")?;
        let self_served: i64 = col(&row, "self_served")?;
        Ok(IvrStats {
            calls,
            self_served,
            transferred: col(&row, "transferred")?,
            abandoned: col(&row, "abandoned")?,
            unserved: col(&row, "unserved")?,
            containment_percent: (calls > 0).then(|| self_served as f64 * 100.0 / calls as f64),
        })
    }

    /// Overdue tickets at `now`, per district, most first.
    pub async fn overdue_by_district(&self, now: Millis) -> Result<Vec<DistrictOverdue>> {
        let mut q = Sql::new(
            "SELECT t.district_id AS district_id, COALESCE(d.name, '') AS district, \
             COUNT(*) AS overdue FROM tickets t LEFT JOIN districts d ON d.id = t.district_id \
             WHERE ",
        );
        let at = q.placeholder(Value::Int(now));
        q.push(&crate::tickets::overdue_sql(&at))
            .push(" GROUP BY t.district_id, d.name ORDER BY overdue DESC, district_id");
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok(DistrictOverdue {
                    district_id: col(r, "district_id")?,
                    district: col(r, "district")?,
                    overdue: col(r, "overdue")?,
                })
            })
            .collect()
    }
}
