//! Quality assessment's lists and figures: the weekly work list (calls drawn per agent; the
//! draw itself is `hotline-qa`'s, this keeps it), the calls two or more evaluators scored
//! (calibration), scores per week by team or agent for the reports, and the per-team figures
//! `/metrics` exports (counted here, so they survive restarts).

use rand::RngCore;
use serde::Serialize;

use super::{evaluation_from_row, Evaluation, COLUMNS, FROM};
use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::sql::Sql;

/// The upper bounds (percent) of the score histogram's buckets; the last is everything.
pub const SCORE_BUCKETS: [i64; 7] = [50, 60, 70, 80, 90, 95, 100];

/// One call of a week's work list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkItem {
    pub week: String,
    pub call_id: i64,
    pub call_ref: String,
    pub agent_id: i64,
    pub agent_name: String,
    pub agent_staff_no: String,
    pub team: String,
    pub started_at: Millis,
    pub talk_ms: Option<i64>,
    pub queue: Option<String>,
    /// The call's counted evaluation, once there is one.
    pub evaluation_id: Option<i64>,
    pub percent: Option<f64>,
    pub status: Option<String>,
}

/// How a report groups scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportBy {
    Team,
    Agent,
}

/// Scores of one week for one team or agent (counted evaluations only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QaReportRow {
    pub week: String,
    pub team: String,
    /// With [`ReportBy::Agent`]; `None` by team.
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub evaluations: i64,
    /// Mean score, one decimal.
    pub average: f64,
    pub passed: i64,
    pub critical_failed: i64,
    pub disputed: i64,
}

/// One team's figures over every counted evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QaTeamFigures {
    pub team: String,
    pub evaluations: i64,
    pub passed: i64,
    pub critical_failed: i64,
    /// Disputed and not resolved.
    pub disputes_open: i64,
    /// Sum of scores in tenths of a percent.
    pub score_tenths_sum: i64,
    /// Cumulative counts at or below each of [`SCORE_BUCKETS`].
    pub buckets: Vec<i64>,
}

/// What `/metrics` shows of quality assessment.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct QaFigures {
    pub teams: Vec<QaTeamFigures>,
    /// Drawn calls with no evaluation yet.
    pub work_pending: i64,
}

fn week_label_ok(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() == 8
        && b.get(4) == Some(&b'-')
        && b.get(5) == Some(&b'W')
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 5 || c.is_ascii_digit())
}

impl Store {
    /// The sampling key: made at random the first time and kept.
    pub async fn qa_sample_secret(&self) -> Result<Vec<u8>> {
        let mut fresh = [0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
        sqlx::query("INSERT INTO qa_secret (id, secret) VALUES (1, $1) ON CONFLICT DO NOTHING")
            .bind(hex)
            .execute(&self.write)
            .await?;
        let kept: String = sqlx::query_scalar("SELECT secret FROM qa_secret WHERE id = 1")
            .fetch_one(&self.write)
            .await?;
        Ok(kept.into_bytes())
    }

    /// Calls answered by an agent that started in `[from, to)` and have ended, as
    /// (agent id, call id), for the draw.
    pub async fn calls_to_sample(&self, from: Millis, to: Millis) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT agent_id, id FROM calls WHERE started_at >= $1 AND started_at < $2 \
             AND agent_id IS NOT NULL AND answered_at IS NOT NULL AND ended_at IS NOT NULL \
             ORDER BY id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((col(r, "agent_id")?, col(r, "id")?)))
            .collect()
    }

    /// Keeps `picks` (agent id, call id) as week `week`'s work list; calls drawn before stay.
    /// Returns how many were new.
    pub async fn keep_qa_sample(
        &self,
        week: &str,
        picks: &[(i64, i64)],
        now: Millis,
    ) -> Result<u64> {
        if !week_label_ok(week) {
            return Err(StoreError::invalid("week", "an ISO week such as 2026-W49"));
        }
        let mut tx = self.write.begin().await?;
        let mut added = 0;
        for (agent, call) in picks {
            added += sqlx::query(
                "INSERT INTO qa_samples (week, call_id, agent_id, drawn_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(week.to_string())
            .bind(*call)
            .bind(*agent)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Week `week`'s work list, of one team when given, by team, agent and call.
    pub async fn qa_work(&self, week: &str, team: Option<&str>) -> Result<Vec<WorkItem>> {
        let mut q = Sql::new(
            "SELECT s.week, s.call_id, c.call_ref, s.agent_id, a.name AS agent_name, \
             a.staff_no AS agent_staff_no, a.team, c.started_at, c.talk_ms, c.queue, \
             e.id AS evaluation_id, e.percent_tenths, e.status \
             FROM qa_samples s JOIN calls c ON c.id = s.call_id \
             JOIN agents a ON a.id = s.agent_id \
             LEFT JOIN qa_evaluations e ON e.call_id = s.call_id AND e.calibration = 0 \
             WHERE s.week = ",
        );
        q.text(week);
        if let Some(t) = team {
            q.push(" AND a.team = ").text(t);
        }
        q.push(" ORDER BY a.team, a.name, s.agent_id, c.started_at, s.call_id");
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                let tenths: Option<i64> = col(r, "percent_tenths")?;
                Ok(WorkItem {
                    week: col(r, "week")?,
                    call_id: col(r, "call_id")?,
                    call_ref: col(r, "call_ref")?,
                    agent_id: col(r, "agent_id")?,
                    agent_name: col(r, "agent_name")?,
                    agent_staff_no: col(r, "agent_staff_no")?,
                    team: col(r, "team")?,
                    started_at: col(r, "started_at")?,
                    talk_ms: col(r, "talk_ms")?,
                    queue: col(r, "queue")?,
                    evaluation_id: col(r, "evaluation_id")?,
                    percent: tenths.map(|t| t as f64 / 10.0),
                    status: col(r, "status")?,
                })
            })
            .collect()
    }

    /// Calls of weeks `[from_week, to_week]` that two or more evaluators scored (of one team
    /// when given), newest first, at most 100, each with its evaluations in the order saved.
    pub async fn calibration_sets(
        &self,
        from_week: &str,
        to_week: &str,
        team: Option<&str>,
    ) -> Result<Vec<Vec<Evaluation>>> {
        let mut q = Sql::new("SELECT call_id FROM qa_evaluations WHERE week >= ");
        q.text(from_week).push(" AND week <= ").text(to_week);
        if let Some(t) = team {
            q.push(" AND team = ").text(t);
        }
        q.push(" GROUP BY call_id HAVING COUNT(*) >= 2 ORDER BY call_id DESC LIMIT 100");
        let calls = q.query().fetch_all(&self.read).await?;
        let mut out = Vec::with_capacity(calls.len());
        for c in &calls {
            let id: i64 = col(c, "call_id")?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} {FROM} WHERE e.call_id = $1 ORDER BY e.created_at, e.id"
            )))
            .bind(id)
            .fetch_all(&self.read)
            .await?;
            out.push(
                rows.iter()
                    .map(evaluation_from_row)
                    .collect::<Result<Vec<_>>>()?,
            );
        }
        Ok(out)
    }

    /// Counted evaluations of weeks `[from_week, to_week]` per week and team (or agent).
    pub async fn qa_report(
        &self,
        from_week: &str,
        to_week: &str,
        by: ReportBy,
    ) -> Result<Vec<QaReportRow>> {
        let (key, join, order) = match by {
            ReportBy::Team => ("e.team AS team", "", "e.week, e.team"),
            ReportBy::Agent => (
                "e.team AS team, e.agent_id AS agent_id, a.name AS agent_name",
                " JOIN agents a ON a.id = e.agent_id",
                "e.week, e.team, a.name, e.agent_id",
            ),
        };
        let group = match by {
            ReportBy::Team => "e.week, e.team",
            ReportBy::Agent => "e.week, e.team, e.agent_id, a.name",
        };
        let sql = format!(
            "SELECT e.week AS week, {key}, COUNT(*) AS n, CAST(SUM(e.percent_tenths) AS BIGINT) AS tenths, \
             CAST(SUM(e.passed) AS BIGINT) AS passed, CAST(SUM(e.critical_failed) AS BIGINT) AS critical, \
             CAST(SUM(CASE WHEN e.status IN ('disputed', 'resolved') THEN 1 ELSE 0 END) AS BIGINT) AS disputed \
             FROM qa_evaluations e{join} WHERE e.calibration = 0 AND e.week >= $1 \
             AND e.week <= $2 GROUP BY {group} ORDER BY {order}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from_week.to_string())
            .bind(to_week.to_string())
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                let n: i64 = col(r, "n")?;
                let tenths: i64 = col(r, "tenths")?;
                Ok(QaReportRow {
                    week: col(r, "week")?,
                    team: col(r, "team")?,
                    agent_id: match by {
                        ReportBy::Agent => Some(col(r, "agent_id")?),
                        ReportBy::Team => None,
                    },
                    agent_name: match by {
                        ReportBy::Agent => Some(col(r, "agent_name")?),
                        ReportBy::Team => None,
                    },
                    evaluations: n,
                    average: mean_tenths(tenths, n),
                    passed: col(r, "passed")?,
                    critical_failed: col(r, "critical")?,
                    disputed: col(r, "disputed")?,
                })
            })
            .collect()
    }

    /// Per-team figures over every counted evaluation, and the work list's backlog.
    pub async fn qa_figures(&self) -> Result<QaFigures> {
        let buckets: String = SCORE_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, b)| {
                format!(
                    ", CAST(SUM(CASE WHEN percent_tenths <= {} THEN 1 ELSE 0 END) AS BIGINT) AS b{i}",
                    b * 10
                )
            })
            .collect();
        let sql = format!(
            "SELECT team, COUNT(*) AS n, CAST(SUM(passed) AS BIGINT) AS passed, \
             CAST(SUM(critical_failed) AS BIGINT) AS critical, \
             CAST(SUM(CASE WHEN status = 'disputed' THEN 1 ELSE 0 END) AS BIGINT) AS disputes, \
             CAST(SUM(percent_tenths) AS BIGINT) AS tenths{buckets} \
             FROM qa_evaluations WHERE calibration = 0 GROUP BY team ORDER BY team"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        let mut teams = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut counts = Vec::with_capacity(SCORE_BUCKETS.len());
            for i in 0..SCORE_BUCKETS.len() {
                counts.push(col(r, &format!("b{i}"))?);
            }
            teams.push(QaTeamFigures {
                team: col(r, "team")?,
                evaluations: col(r, "n")?,
                passed: col(r, "passed")?,
                critical_failed: col(r, "critical")?,
                disputes_open: col(r, "disputes")?,
                score_tenths_sum: col(r, "tenths")?,
                buckets: counts,
            });
        }
        let work_pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM qa_samples s WHERE NOT EXISTS \
             (SELECT 1 FROM qa_evaluations e WHERE e.call_id = s.call_id)",
        )
        .fetch_one(&self.read)
        .await?;
        Ok(QaFigures {
            teams,
            work_pending,
        })
    }
}

/// The mean of `n` scores summing to `tenths` tenths of a percent, to one decimal.
fn mean_tenths(tenths: i64, n: i64) -> f64 {
    if n <= 0 {
        return 0.0;
    }
    // Rounded half up in tenths: (2·sum + n) / (2n).
    ((2 * tenths + n) / (2 * n)) as f64 / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_round_to_a_tenth() {
        assert_eq!(mean_tenths(0, 0), 0.0);
        assert_eq!(mean_tenths(1000, 1), 100.0);
        assert_eq!(mean_tenths(905 + 900, 2), 90.3); // 90.25 → 90.3
        assert_eq!(mean_tenths(900 + 901 + 901, 3), 90.1); // 90.067
    }

    #[test]
    fn week_labels_are_checked() {
        assert!(week_label_ok("2026-W49"));
        assert!(week_label_ok("2027-W01"));
        for bad in [
            "2026-49",
            "2026-W4",
            "2026-w49",
            "20x6-W49",
            "",
            "2026-W490",
        ] {
            assert!(!week_label_ok(bad), "{bad}");
        }
    }
}
