//! Quality assessment's comparisons and figures: `GET /api/qa/calibration` (calls two or
//! more evaluators scored, their scores side by side, the spread and where they disagree) and
//! `GET /api/reports/qa` (counted scores per ISO week by team or agent).

use axum::extract::State;
use axum::Json;
use hotline_qa::Answers;
use hotline_store::{Evaluation, QaReportRow, ReportBy, Role};
use serde::Serialize;

use super::{settings, team_limit, week_of};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, Params};
use crate::Shared;

/// Most weeks one request covers.
pub const MAX_WEEKS: usize = 60;

#[derive(Serialize)]
pub struct Compared {
    evaluation_id: i64,
    evaluator_id: i64,
    evaluator_name: String,
    percent: f64,
    passed: bool,
    calibration: bool,
}

#[derive(Serialize)]
pub struct CalibrationView {
    call_id: i64,
    call_ref: String,
    agent_id: i64,
    agent_name: String,
    team: String,
    week: String,
    form_id: String,
    evaluations: Vec<Compared>,
    /// Highest score less lowest.
    spread: f64,
    /// Per criterion, each evaluator's answer and whether they agree (empty when the
    /// evaluations used different forms or versions, or the form is gone).
    criteria: Vec<hotline_qa::CriterionAgreement>,
}

/// `from`/`to` week parameters (default: the last eight weeks up to this one), checked.
fn weeks(s: &Shared, q: &Params) -> ApiResult<(String, String)> {
    let now = s.now();
    let get = |name: &'static str, default: String| -> ApiResult<String> {
        match q.text(name)? {
            Some(w) if hotline_qa::parse_week_label(w).is_some() => Ok(w.to_string()),
            Some(w) => Err(ApiError::bad_parameter(
                name,
                format!("{w:?} is not an ISO week such as 2026-W49"),
            )),
            None => Ok(default),
        }
    };
    let from = get("from", week_of(&s.zone, now - 7 * 7 * 86_400_000))?;
    let to = get("to", week_of(&s.zone, now))?;
    if to < from {
        return Err(ApiError::invalid("to", "the range ends before it starts"));
    }
    if let (Some((fy, fw)), Some((ty, tw))) = (
        hotline_qa::parse_week_label(&from),
        hotline_qa::parse_week_label(&to),
    ) {
        let span = (i64::from(ty) - i64::from(fy)) * 53 + i64::from(tw) - i64::from(fw);
        if span >= MAX_WEEKS as i64 {
            return Err(ApiError::invalid(
                "to",
                format!("at most {MAX_WEEKS} weeks at a time"),
            ));
        }
    }
    Ok((from, to))
}

fn compare(qa: &super::QaSettings, set: &[Evaluation]) -> Option<CalibrationView> {
    let first = set.first()?;
    let percents = set.iter().map(|e| e.percent);
    let spread = percents.clone().fold(f64::MIN, f64::max) - percents.fold(f64::MAX, f64::min);
    let same_form = set
        .iter()
        .all(|e| e.form_id == first.form_id && e.form_version == first.form_version);
    let criteria = qa
        .forms
        .get(&first.form_id)
        .filter(|f| same_form && f.version == first.form_version)
        .and_then(|form| {
            let answers: Vec<Answers> = set
                .iter()
                .map(|e| serde_json::from_value(e.answers.clone()).ok())
                .collect::<Option<_>>()?;
            let refs: Vec<&Answers> = answers.iter().collect();
            hotline_qa::calibrate(form, &refs).ok()
        })
        .map(|c| c.criteria)
        .unwrap_or_default();
    Some(CalibrationView {
        call_id: first.call_id,
        call_ref: first.call_ref.clone(),
        agent_id: first.agent_id,
        agent_name: first.agent_name.clone(),
        team: first.team.clone(),
        week: first.week.clone(),
        form_id: first.form_id.clone(),
        evaluations: set
            .iter()
            .map(|e| Compared {
                evaluation_id: e.id,
                evaluator_id: e.evaluator_id,
                evaluator_name: e.evaluator_name.clone(),
                percent: e.percent,
                passed: e.passed,
                calibration: e.calibration,
            })
            .collect(),
        spread: (spread * 10.0).round() / 10.0,
        criteria,
    })
}

/// `GET /api/qa/calibration?from=&to=&team=` (evaluators, supervisors for their team, admins).
pub async fn calibration(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<CalibrationView>>> {
    let q = q.only(&["from", "to", "team"])?;
    who.require(Role::Qa)?;
    let qa = settings(&s)?;
    let (from, to) = weeks(&s, &q)?;
    let team = match (team_limit(&s, &who).await?, q.text("team")?) {
        (Some(own), Some(t)) if t != own => {
            return Err(ApiError::forbidden(format!(
                "supervisors of team {own} see their team's calibration only"
            )))
        }
        (Some(own), _) => Some(own),
        (None, t) => t.map(str::to_string),
    };
    let sets = s
        .store
        .calibration_sets(&from, &to, team.as_deref())
        .await?;
    Ok(Json(
        sets.iter().filter_map(|set| compare(qa, set)).collect(),
    ))
}

#[derive(Serialize)]
pub struct ReportView {
    from: String,
    to: String,
    by: &'static str,
    rows: Vec<QaReportRow>,
}

/// `GET /api/reports/qa?from=2026-W40&to=2026-W49&by=team|agent` (evaluators, supervisors,
/// admins; a team's supervisor gets their team's rows).
pub async fn report(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<ReportView>> {
    let q = q.only(&["from", "to", "by"])?;
    who.require(Role::Qa)?;
    let (from, to) = weeks(&s, &q)?;
    let (by, word) = match q.text("by")? {
        None | Some("team") => (ReportBy::Team, "team"),
        Some("agent") => (ReportBy::Agent, "agent"),
        Some(_) => return Err(ApiError::bad_parameter("by", "team or agent")),
    };
    let mut rows = s.store.qa_report(&from, &to, by).await?;
    if let Some(own) = team_limit(&s, &who).await? {
        rows.retain(|r| r.team == own);
    }
    Ok(Json(ReportView {
        from,
        to,
        by: word,
        rows,
    }))
}
