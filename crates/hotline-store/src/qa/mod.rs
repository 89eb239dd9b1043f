//! Quality assessment's records: evaluations of calls against a form (the answers, the score
//! the form's rules gave, whether it is the call's counted evaluation or a calibration one),
//! the evaluated agent's acknowledgement or dispute and its resolution. The rules of forms
//! and scores are `hotline-qa`'s; this module keeps what they produced. The weekly work list,
//! calibration pairs, reports and figures are in `work.rs`.

mod work;

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use crate::sql::Sql;

pub use work::{QaFigures, QaReportRow, QaTeamFigures, ReportBy, WorkItem, SCORE_BUCKETS};

/// Longest comment or note, in characters.
pub const MAX_QA_NOTE: usize = 4000;
/// Longest answers' JSON text, in bytes.
const MAX_ANSWERS: usize = 16 * 1024;

/// Where an evaluation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationStatus {
    /// Saved; the agent has not answered.
    Open,
    /// The agent read it and agrees.
    Acknowledged,
    /// The agent disputes it (with a note).
    Disputed,
    /// A dispute answered by an evaluator or supervisor.
    Resolved,
}

impl EvaluationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationStatus::Open => "open",
            EvaluationStatus::Acknowledged => "acknowledged",
            EvaluationStatus::Disputed => "disputed",
            EvaluationStatus::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<EvaluationStatus> {
        [
            EvaluationStatus::Open,
            EvaluationStatus::Acknowledged,
            EvaluationStatus::Disputed,
            EvaluationStatus::Resolved,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A scored form, as saved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub call_id: i64,
    pub call_ref: String,
    /// The agent evaluated: the agent who answered the call.
    pub agent_id: i64,
    pub agent_name: String,
    pub agent_staff_no: String,
    pub team: String,
    /// The ISO week of the call, such as `2026-W49`.
    pub week: String,
    pub evaluator_id: i64,
    pub evaluator_name: String,
    pub form_id: String,
    pub form_version: String,
    /// `{criterion id: "yes" | "no" | "na" | number}`.
    pub answers: serde_json::Value,
    pub comments: String,
    /// 0 to 100, one decimal.
    pub percent: f64,
    pub passed: bool,
    pub critical_failed: bool,
    /// A second (or later) evaluator's: compared, not counted.
    pub calibration: bool,
    pub status: EvaluationStatus,
    pub agent_note: Option<String>,
    pub agent_at: Option<Millis>,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<i64>,
    /// Who resolved the dispute, by name.
    pub resolved_by_name: Option<String>,
    pub resolved_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// The score and answers of an evaluation (to save or to replace).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub form_id: String,
    pub form_version: String,
    /// The answers as JSON text (an object).
    pub answers: String,
    pub comments: String,
    pub percent_tenths: i64,
    pub passed: bool,
    pub critical_failed: bool,
}

/// Which evaluations to list (every filter given must hold), newest first.
#[derive(Debug, Clone, Default)]
pub struct EvaluationFilter {
    pub agent_id: Option<i64>,
    pub team: Option<String>,
    pub call_id: Option<i64>,
    pub evaluator_id: Option<i64>,
    pub status: Option<EvaluationStatus>,
    /// Weeks from this label on (labels sort as weeks do).
    pub from_week: Option<String>,
    /// Weeks up to and including this label.
    pub to_week: Option<String>,
    /// Include calibration evaluations (the agent's own view leaves them out).
    pub with_calibration: bool,
    pub limit: i64,
}

/// The evaluated agent's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentAnswer {
    Acknowledge(Option<String>),
    Dispute(String),
}

const COLUMNS: &str = "e.id, e.call_id, c.call_ref, e.agent_id, a.name AS agent_name, \
    a.staff_no AS agent_staff_no, e.team, e.week, e.evaluator_id, v.name AS evaluator_name, \
    e.form_id, e.form_version, e.answers, e.comments, e.percent_tenths, e.passed, \
    e.critical_failed, e.calibration, e.status, e.agent_note, e.agent_at, e.resolution_note, \
    e.resolved_by, r.name AS resolved_by_name, e.resolved_at, e.created_at, e.updated_at";

const FROM: &str = "FROM qa_evaluations e JOIN calls c ON c.id = e.call_id \
    JOIN agents a ON a.id = e.agent_id JOIN agents v ON v.id = e.evaluator_id \
    LEFT JOIN agents r ON r.id = e.resolved_by";

fn evaluation_from_row(r: &AnyRow) -> Result<Evaluation> {
    let answers: String = col(r, "answers")?;
    let status: String = col(r, "status")?;
    let tenths: i64 = col(r, "percent_tenths")?;
    Ok(Evaluation {
        id: col(r, "id")?,
        call_id: col(r, "call_id")?,
        call_ref: col(r, "call_ref")?,
        agent_id: col(r, "agent_id")?,
        agent_name: col(r, "agent_name")?,
        agent_staff_no: col(r, "agent_staff_no")?,
        team: col(r, "team")?,
        week: col(r, "week")?,
        evaluator_id: col(r, "evaluator_id")?,
        evaluator_name: col(r, "evaluator_name")?,
        form_id: col(r, "form_id")?,
        form_version: col(r, "form_version")?,
        answers: serde_json::from_str(&answers).unwrap_or(serde_json::Value::Null),
        comments: col(r, "comments")?,
        percent: tenths as f64 / 10.0,
        passed: col::<i64>(r, "passed")? != 0,
        critical_failed: col::<i64>(r, "critical_failed")? != 0,
        calibration: col::<i64>(r, "calibration")? != 0,
        // Only this module writes the column; an unknown word reads as open.
        status: EvaluationStatus::parse(&status).unwrap_or(EvaluationStatus::Open),
        agent_note: col(r, "agent_note")?,
        agent_at: col(r, "agent_at")?,
        resolution_note: col(r, "resolution_note")?,
        resolved_by: col(r, "resolved_by")?,
        resolved_by_name: col(r, "resolved_by_name")?,
        resolved_at: col(r, "resolved_at")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
    })
}

/// `text` trimmed, checked as a note of `field` (at most [`MAX_QA_NOTE`] characters, no NUL).
fn note(field: &'static str, text: &str) -> Result<String> {
    let t = text.trim();
    if t.chars().count() > MAX_QA_NOTE {
        return Err(StoreError::invalid(
            field,
            format!("at most {MAX_QA_NOTE} characters"),
        ));
    }
    if t.contains('\0') {
        return Err(StoreError::invalid(field, "no NUL characters"));
    }
    Ok(t.to_string())
}

fn check_scored(s: &Scored) -> Result<String> {
    if s.answers.len() > MAX_ANSWERS {
        return Err(StoreError::invalid("answers", "too long"));
    }
    if !(0..=1000).contains(&s.percent_tenths) {
        return Err(StoreError::invalid("percent", "0 to 100"));
    }
    note("comments", &s.comments)
}

impl Store {
    /// Saves `scored` as `evaluator_id`'s evaluation of call `call_id` (of ISO week `week`).
    /// The call must have ended with an agent; the agent evaluated is the one who answered.
    /// The call's first evaluation counts; another evaluator's is calibration. One per
    /// evaluator and call (a second is a conflict: edit the first).
    pub async fn add_evaluation(
        &self,
        call_id: i64,
        week: &str,
        evaluator_id: i64,
        scored: &Scored,
        now: Millis,
    ) -> Result<Evaluation> {
        let comments = check_scored(scored)?;
        let call = self
            .call(call_id)
            .await?
            .ok_or_else(|| StoreError::not_found("call", call_id))?;
        let agent_id = call
            .agent_id
            .ok_or_else(|| StoreError::invalid("call_id", "the call never reached an agent"))?;
        if call.ended_at.is_none() {
            return Err(StoreError::Conflict("the call has not ended".into()));
        }
        if agent_id == evaluator_id {
            return Err(StoreError::Forbidden(
                "an agent does not evaluate their own call".into(),
            ));
        }
        let team: String = sqlx::query_scalar("SELECT team FROM agents WHERE id = $1")
            .bind(agent_id)
            .fetch_one(&self.read)
            .await?;
        let mut tx = self.write.begin().await?;
        let mine: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM qa_evaluations WHERE call_id = $1 AND evaluator_id = $2",
        )
        .bind(call_id)
        .bind(evaluator_id)
        .fetch_one(&mut *tx)
        .await?;
        if mine > 0 {
            return Err(StoreError::Conflict(
                "you have evaluated this call already; edit that evaluation".into(),
            ));
        }
        let earlier: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM qa_evaluations WHERE call_id = $1")
                .bind(call_id)
                .fetch_one(&mut *tx)
                .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO qa_evaluations (call_id, agent_id, team, week, evaluator_id, form_id, \
             form_version, answers, comments, percent_tenths, passed, critical_failed, \
             calibration, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13, 'open', $14, $14) RETURNING id",
        )
        .bind(call_id)
        .bind(agent_id)
        .bind(team)
        .bind(week.to_string())
        .bind(evaluator_id)
        .bind(scored.form_id.clone())
        .bind(scored.form_version.clone())
        .bind(scored.answers.clone())
        .bind(comments)
        .bind(scored.percent_tenths)
        .bind(i64::from(scored.passed))
        .bind(i64::from(scored.critical_failed))
        .bind(i64::from(earlier > 0))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.existing_evaluation(id).await
    }

    /// Replaces the answers and score of evaluation `id`: only its evaluator, and only
    /// before the agent acknowledged it or after they disputed it (a revision).
    pub async fn revise_evaluation(
        &self,
        id: i64,
        evaluator_id: i64,
        scored: &Scored,
        now: Millis,
    ) -> Result<Evaluation> {
        let comments = check_scored(scored)?;
        let e = self.existing_evaluation(id).await?;
        if e.evaluator_id != evaluator_id {
            return Err(StoreError::Forbidden(
                "only the evaluator revises an evaluation".into(),
            ));
        }
        let n = sqlx::query(
            "UPDATE qa_evaluations SET form_id = $1, form_version = $2, answers = $3, \
             comments = $4, percent_tenths = $5, passed = $6, critical_failed = $7, \
             updated_at = $8 WHERE id = $9 AND status IN ('open', 'disputed')",
        )
        .bind(scored.form_id.clone())
        .bind(scored.form_version.clone())
        .bind(scored.answers.clone())
        .bind(comments)
        .bind(scored.percent_tenths)
        .bind(i64::from(scored.passed))
        .bind(i64::from(scored.critical_failed))
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "the evaluation is {}; it can no longer be revised",
                e.status.as_str()
            )));
        }
        self.existing_evaluation(id).await
    }

    /// The evaluated agent's answer to evaluation `id` (while it is open).
    pub async fn answer_evaluation(
        &self,
        id: i64,
        agent_id: i64,
        answer: &AgentAnswer,
        now: Millis,
    ) -> Result<Evaluation> {
        let e = self.existing_evaluation(id).await?;
        if e.agent_id != agent_id || e.calibration {
            return Err(StoreError::Forbidden(
                "only the evaluated agent answers their evaluation".into(),
            ));
        }
        let (status, text) = match answer {
            AgentAnswer::Acknowledge(n) => (
                EvaluationStatus::Acknowledged,
                note("note", n.as_deref().unwrap_or(""))?,
            ),
            AgentAnswer::Dispute(n) => {
                let t = note("note", n)?;
                if t.is_empty() {
                    return Err(StoreError::invalid("note", "say what you dispute"));
                }
                (EvaluationStatus::Disputed, t)
            }
        };
        let n = sqlx::query(
            "UPDATE qa_evaluations SET status = $1, agent_note = $2, agent_at = $3, \
             updated_at = $3 WHERE id = $4 AND status = 'open'",
        )
        .bind(status.as_str())
        .bind((!text.is_empty()).then_some(text))
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "the evaluation is {} already",
                e.status.as_str()
            )));
        }
        self.existing_evaluation(id).await
    }

    /// Closes the dispute on evaluation `id` with `by`'s note (revise the score first, if it
    /// changes).
    pub async fn resolve_evaluation(
        &self,
        id: i64,
        by: i64,
        resolution: &str,
        now: Millis,
    ) -> Result<Evaluation> {
        let text = note("note", resolution)?;
        if text.is_empty() {
            return Err(StoreError::invalid(
                "note",
                "say how the dispute was resolved",
            ));
        }
        let n = sqlx::query(
            "UPDATE qa_evaluations SET status = 'resolved', resolution_note = $1, \
             resolved_by = $2, resolved_at = $3, updated_at = $3 \
             WHERE id = $4 AND status = 'disputed'",
        )
        .bind(text)
        .bind(by)
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?
        .rows_affected();
        let e = self.existing_evaluation(id).await?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "the evaluation is {}, not disputed",
                e.status.as_str()
            )));
        }
        Ok(e)
    }

    /// Evaluation `id`, or not found.
    async fn existing_evaluation(&self, id: i64) -> Result<Evaluation> {
        self.evaluation(id)
            .await?
            .ok_or_else(|| StoreError::not_found("evaluation", id))
    }

    pub async fn evaluation(&self, id: i64) -> Result<Option<Evaluation>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} {FROM} WHERE e.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(evaluation_from_row).transpose()
    }

    /// Evaluations matching `f`, newest first (at most 500).
    pub async fn evaluations(&self, f: &EvaluationFilter) -> Result<Vec<Evaluation>> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE 1 = 1"));
        if let Some(a) = f.agent_id {
            q.push(" AND e.agent_id = ").int(a);
        }
        if let Some(t) = &f.team {
            q.push(" AND e.team = ").text(t);
        }
        if let Some(c) = f.call_id {
            q.push(" AND e.call_id = ").int(c);
        }
        if let Some(v) = f.evaluator_id {
            q.push(" AND e.evaluator_id = ").int(v);
        }
        if let Some(s) = f.status {
            q.push(" AND e.status = ").text(s.as_str());
        }
        if let Some(w) = &f.from_week {
            q.push(" AND e.week >= ").text(w);
        }
        if let Some(w) = &f.to_week {
            q.push(" AND e.week <= ").text(w);
        }
        if !f.with_calibration {
            q.push(" AND e.calibration = 0");
        }
        let limit = if f.limit <= 0 { 100 } else { f.limit.min(500) };
        q.push(" ORDER BY e.created_at DESC, e.id DESC LIMIT ")
            .int(limit);
        let rows = q.query().fetch_all(&self.read).await?;
        rows.iter().map(evaluation_from_row).collect()
    }
}
