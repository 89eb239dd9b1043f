//! Quality assessment over the API: the configured forms, the weekly work list (drawn at
//! random per agent once the week is over), evaluations scored by the form's rules
//! (`hotline-qa`), the agent's acknowledgement or dispute and its resolution (`answers.rs`),
//! calibration and the reports of scores per week (`views.rs`).
//!
//! Who may do what: evaluators (`qa`) and admins evaluate any call; supervisors the calls of
//! the agents they supervise (their team, or everyone for a floor supervisor); an agent sees
//! their own counted evaluations only (never calibration ones), and is the only one to
//! acknowledge or dispute them. An agent never evaluates their own call. Every change is an
//! audit entry (action `qa`).

mod answers;
mod views;

pub use answers::{acknowledge, dispute, resolve};
pub use views::{calibration, report};

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotline_qa::{Answers, Form, Forms};
use hotline_store::{Evaluation, EvaluationFilter, EvaluationStatus, Millis, Role, Scored, Store};
use hotline_time::Zone;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;

/// Quality assessment's settings (`[qa]` and the form files).
#[derive(Clone)]
pub struct QaSettings {
    pub forms: Arc<Forms>,
    /// The form a new evaluation uses when none is named.
    pub default_form: String,
    /// Calls drawn per agent per week for the work list.
    pub per_agent: usize,
}

fn settings(s: &Shared) -> ApiResult<&QaSettings> {
    s.qa.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "quality assessment is not configured (no forms)",
        )
    })
}

/// The ISO week label of instant `at` in `zone`.
pub fn week_of(zone: &Zone, at: Millis) -> String {
    let d = zone.date(at);
    let (y, w) = hotline_qa::iso_week(d.year, d.month, d.day);
    hotline_qa::week_label(y, w)
}

/// The instants `[from, to)` of ISO week `label` in `zone`; `None` for a bad label.
pub fn week_span(zone: &Zone, label: &str) -> Option<(Millis, Millis)> {
    let (y, w) = hotline_qa::parse_week_label(label)?;
    let (year, month, day) = hotline_qa::week_start(y, w);
    let from = zone.day_start(hotline_time::CivilDate { year, month, day });
    // Noon a week later is on the next Monday whatever daylight saving does.
    let to = zone.start_of_day(from + 7 * 86_400_000 + 12 * 3_600_000);
    Some((from, to))
}

/// Draws week `label`'s work list if the week is over (again: the same calls; a larger
/// `per_agent` adds calls). Returns how many calls were added.
pub async fn draw_week(
    store: &Store,
    zone: &Zone,
    per_agent: usize,
    label: &str,
    now: Millis,
) -> hotline_store::Result<u64> {
    let Some((from, to)) = week_span(zone, label) else {
        return Err(hotline_store::StoreError::invalid(
            "week",
            "an ISO week such as 2026-W49",
        ));
    };
    if to > now || per_agent == 0 {
        return Ok(0);
    }
    let calls = store.calls_to_sample(from, to).await?;
    let texts: Vec<(String, String)> = calls
        .iter()
        .map(|(a, c)| (a.to_string(), c.to_string()))
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(a, c)| (a.as_str(), c.as_str()))
        .collect();
    let secret = store.qa_sample_secret().await?;
    let picks: Vec<(i64, i64)> = hotline_qa::sample(&refs, per_agent, &secret, label)
        .into_iter()
        .filter_map(|(a, c)| Some((a.parse().ok()?, c.parse().ok()?)))
        .collect();
    store.keep_qa_sample(label, &picks, now).await
}

/// The team `who` is limited to (a supervisor of a team with agents), or `None` (everyone).
pub(crate) async fn team_limit(s: &Shared, who: &Authed) -> ApiResult<Option<String>> {
    match who.agent.role {
        Role::Supervisor if s.store.team_has_agents(&who.agent.team).await? => {
            Ok(Some(who.agent.team.clone()))
        }
        _ => Ok(None),
    }
}

#[derive(Serialize)]
pub struct FormsView<'a> {
    default: &'a str,
    forms: Vec<&'a Form>,
}

/// `GET /api/qa/forms`: every form, and which is the default (any desk role).
pub async fn forms(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<serde_json::Value>> {
    q.only(&[])?;
    who.require(Role::Agent)?;
    let qa = settings(&s)?;
    let view = FormsView {
        default: &qa.default_form,
        forms: qa.forms.iter().collect(),
    };
    serde_json::to_value(view)
        .map(Json)
        .map_err(|e| ApiError::internal(&e))
}

#[derive(Serialize)]
pub struct WorkView {
    week: String,
    per_agent: usize,
    /// The week is over (its list is drawn); the current week's calls are drawn after it.
    drawn: bool,
    items: Vec<hotline_store::WorkItem>,
}

/// `GET /api/qa/work?week=2026-W48&team=`: a week's work list (default: last week),
/// drawn on first look once the week is over (evaluators, supervisors for their team, admins).
pub async fn work(State(s): State<Shared>, who: Authed, q: Params) -> ApiResult<Json<WorkView>> {
    let q = q.only(&["week", "team"])?;
    who.require(Role::Qa)?;
    let qa = settings(&s)?;
    let now = s.now();
    let week = match q.text("week")? {
        Some(w) => {
            if hotline_qa::parse_week_label(w).is_none() {
                return Err(ApiError::bad_parameter(
                    "week",
                    format!("{w:?} is not an ISO week such as 2026-W49"),
                ));
            }
            w.to_string()
        }
        None => week_of(&s.zone, now - 7 * 86_400_000),
    };
    let team = match (team_limit(&s, &who).await?, q.text("team")?) {
        (Some(own), Some(t)) if t != own => {
            return Err(ApiError::forbidden(format!(
                "supervisors of team {own} see their team's work list only"
            )))
        }
        (Some(own), _) => Some(own),
        (None, t) => t.map(str::to_string),
    };
    draw_week(&s.store, &s.zone, qa.per_agent, &week, now).await?;
    let drawn = week_span(&s.zone, &week).is_some_and(|(_, to)| to <= now);
    let items = s.store.qa_work(&week, team.as_deref()).await?;
    Ok(Json(WorkView {
        week,
        per_agent: qa.per_agent,
        drawn,
        items,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEvaluationBody {
    call_id: i64,
    #[serde(default)]
    form: Option<String>,
    answers: Answers,
    #[serde(default)]
    comments: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviseBody {
    answers: Answers,
    #[serde(default)]
    comments: String,
}

/// The form named `id` (or the default), 422 on `form` when there is none.
fn form<'a>(qa: &'a QaSettings, id: Option<&str>) -> ApiResult<&'a Form> {
    let id = id.unwrap_or(&qa.default_form);
    qa.forms.get(id).ok_or_else(|| {
        let known: Vec<&str> = qa.forms.iter().map(|f| f.id.as_str()).collect();
        ApiError::invalid("form", format!("{id:?} is none of {}", known.join(", ")))
    })
}

/// `answers` scored by `form`'s rules, ready to save; 422 naming `answers.<criterion>`.
fn scored(form: &Form, answers: &Answers, comments: &str) -> ApiResult<Scored> {
    let score = hotline_qa::score(form, answers)
        .map_err(|e| ApiError::invalid(format!("answers.{}", e.criterion), e.reason.clone()))?;
    let answers = serde_json::to_string(answers).map_err(|e| ApiError::internal(&e))?;
    Ok(Scored {
        form_id: form.id.clone(),
        form_version: form.version.clone(),
        answers,
        comments: comments.to_string(),
        percent_tenths: (score.percent * 10.0).round() as i64,
        passed: score.passed,
        critical_failed: !score.critical_failed.is_empty(),
    })
}

/// 403 unless `who` may evaluate (or resolve, or read every evaluation of) agent `agent`'s
/// calls: evaluators and admins all, supervisors those they supervise.
pub(crate) async fn may_assess(s: &Shared, who: &Authed, agent: Option<i64>) -> ApiResult<()> {
    match who.agent.role {
        Role::Qa | Role::Admin => Ok(()),
        Role::Supervisor if crate::teams::supervises(s, &who.agent, agent).await? => Ok(()),
        Role::Supervisor => Err(ApiError::forbidden(format!(
            "supervisors of team {} assess their team's calls only",
            who.agent.team
        ))),
        Role::Agent | Role::Crew => Err(ApiError::forbidden(
            "needs the qa role, or a supervisor of the agent",
        )),
    }
}

/// `POST /api/qa/evaluations` `{"call_id", "form"?, "answers", "comments"?}`: scores a call
/// (201 with the evaluation; the call's first counts, a second evaluator's is calibration).
pub async fn create(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<NewEvaluationBody>,
) -> ApiResult<(StatusCode, Json<Evaluation>)> {
    let now = s.now();
    let answer = async {
        let qa = settings(&s)?;
        let call = s
            .store
            .call(b.call_id)
            .await?
            .ok_or_else(|| ApiError::invalid("call_id", format!("no call {}", b.call_id)))?;
        may_assess(&s, &who, call.agent_id).await?;
        let form = form(qa, b.form.as_deref())?;
        let scored = scored(form, &b.answers, &b.comments)?;
        let week = week_of(&s.zone, call.started_at);
        Ok::<_, ApiError>(
            s.store
                .add_evaluation(call.id, &week, who.agent.id, &scored, now)
                .await?,
        )
    }
    .await;
    let detail = match &answer {
        Ok(e) => format!(
            "evaluate call {} of agent {}: {:.1}%{}",
            e.call_id,
            e.agent_id,
            e.percent,
            if e.calibration { " (calibration)" } else { "" }
        ),
        Err(_) => format!("evaluate call {}", b.call_id),
    };
    audit(&s, &who, detail, answer.as_ref().err(), now).await;
    answer.map(|e| (StatusCode::CREATED, Json(e)))
}

/// `PUT /api/qa/evaluations/{id}` `{"answers", "comments"?}`: the evaluator revises their
/// evaluation (open, or disputed), scored by the same form.
pub async fn revise(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReviseBody>,
) -> ApiResult<Json<Evaluation>> {
    let now = s.now();
    let answer = async {
        let qa = settings(&s)?;
        let e = find(&s, id).await?;
        let form = form(qa, Some(&e.form_id))?;
        let scored = scored(form, &b.answers, &b.comments)?;
        Ok::<_, ApiError>(
            s.store
                .revise_evaluation(id, who.agent.id, &scored, now)
                .await?,
        )
    }
    .await;
    let detail = match &answer {
        Ok(e) => format!("revise evaluation {id}: {:.1}%", e.percent),
        Err(_) => format!("revise evaluation {id}"),
    };
    audit(&s, &who, detail, answer.as_ref().err(), now).await;
    answer.map(Json)
}

pub(crate) async fn find(s: &Shared, id: i64) -> ApiResult<Evaluation> {
    s.store
        .evaluation(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("evaluation {id} not found")))
}

/// 404 (not 403: an agent does not learn of others' evaluations) unless `who` may read `e`.
async fn may_read(s: &Shared, who: &Authed, e: &Evaluation) -> ApiResult<()> {
    let own = e.agent_id == who.agent.id && !e.calibration;
    if own || e.evaluator_id == who.agent.id || may_assess(s, who, Some(e.agent_id)).await.is_ok() {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "evaluation {} not found",
            e.id
        )))
    }
}

/// `GET /api/qa/evaluations/{id}`.
pub async fn one(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<Evaluation>> {
    q.only(&[])?;
    who.require(Role::Agent)?;
    let e = find(&s, id).await?;
    may_read(&s, &who, &e).await?;
    Ok(Json(e))
}

/// `GET /api/qa/evaluations?agent=&team=&call=&status=&from=&to=&calibration=&limit=`: an
/// agent gets their own counted evaluations whatever they ask; a supervisor their team's.
pub async fn list(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<Evaluation>>> {
    let q = q.only(&[
        "agent",
        "team",
        "call",
        "status",
        "from",
        "to",
        "calibration",
        "limit",
    ])?;
    who.require(Role::Agent)?;
    let week = |name: &'static str| -> ApiResult<Option<String>> {
        match q.text(name)? {
            Some(w) if hotline_qa::parse_week_label(w).is_none() => Err(ApiError::bad_parameter(
                name,
                format!("{w:?} is not an ISO week such as 2026-W49"),
            )),
            w => Ok(w.map(str::to_string)),
        }
    };
    let status = match q.text("status")? {
        Some(t) => Some(EvaluationStatus::parse(t).ok_or_else(|| {
            ApiError::bad_parameter("status", "open, acknowledged, disputed or resolved")
        })?),
        None => None,
    };
    let mut f = EvaluationFilter {
        agent_id: q.id("agent")?,
        team: q.text("team")?.map(str::to_string),
        call_id: q.id("call")?,
        evaluator_id: None,
        status,
        from_week: week("from")?,
        to_week: week("to")?,
        with_calibration: q.bool("calibration")?.unwrap_or(false),
        limit: q.int("limit", 1..=500)?.unwrap_or(100),
    };
    match who.agent.role {
        Role::Agent | Role::Crew => {
            f.agent_id = Some(who.agent.id);
            f.with_calibration = false;
        }
        Role::Supervisor => {
            if let Some(own) = team_limit(&s, &who).await? {
                if f.team.as_deref().is_some_and(|t| t != own) {
                    return Err(ApiError::forbidden(format!(
                        "supervisors of team {own} see their team's evaluations only"
                    )));
                }
                f.team = Some(own);
            }
        }
        Role::Qa | Role::Admin => {}
    }
    Ok(Json(s.store.evaluations(&f).await?))
}

/// One audit entry of action `qa`.
pub(crate) async fn audit(
    s: &Shared,
    who: &Authed,
    detail: String,
    refused: Option<&ApiError>,
    now: Millis,
) {
    let outcome = crate::audit_trail::outcome(refused);
    crate::audit_trail::record(s, who, "qa", detail, outcome, now).await;
}
