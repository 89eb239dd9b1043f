//! District notices (outages, planned works, water quality, pressure, other) as a managed
//! thing: `GET /api/notices` (every agent: the desk answers callers about them),
//! `POST /api/notices`, `PUT /api/notices/{id}` and `DELETE /api/notices/{id}` (ends the
//! notice now; the row is kept) for supervisors and admins. Every change, applied or refused,
//! is in the audit trail (action `notice`). The checks are the store's (`notices::check`):
//! a refusal is a 422 naming the field (`ends_at`, `district_ids`, `figures.turbidity_ntu`, …).
//! The IVR reads the store on every lookup, so the next caller hears a change at once.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::Json;
use hotline_store::notices::milli_text;
use hotline_store::{Figures, Millis, Notice, NoticeDistrict, NoticeInput, Role};
use serde::{Deserialize, Serialize};

/// A notice as the API writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeBody {
    kind: String,
    district_ids: Vec<i64>,
    starts_at: Millis,
    /// The expected end; null or missing while not known.
    #[serde(default)]
    ends_at: Option<Millis>,
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    figures: FiguresBody,
}

/// Water figures in their usual units.
#[derive(Deserialize, Serialize, Default, Debug, Clone, Copy, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FiguresBody {
    /// Turbidity, NTU.
    turbidity_ntu: Option<f64>,
    /// Residual chlorine, mg/L.
    chlorine_mg_l: Option<f64>,
    /// Pressure, MPa.
    pressure_mpa: Option<f64>,
}

/// A figure in thousandths (the store's unit); more than three decimals are rounded.
fn milli(field: &str, v: Option<f64>) -> ApiResult<Option<i64>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && (0.0..=1e9).contains(&x) => {
            Ok(Some((x * 1000.0).round() as i64))
        }
        Some(_) => Err(ApiError::invalid(field, "must be a number 0 or more")),
    }
}

fn decimal(m: Option<i64>) -> Option<f64> {
    m.and_then(|m| milli_text(m).parse().ok())
}

impl NoticeBody {
    fn input(self) -> ApiResult<NoticeInput> {
        Ok(NoticeInput {
            figures: Figures {
                turbidity_mntu: milli("figures.turbidity_ntu", self.figures.turbidity_ntu)?,
                chlorine_ug_l: milli("figures.chlorine_mg_l", self.figures.chlorine_mg_l)?,
                pressure_kpa: milli("figures.pressure_mpa", self.figures.pressure_mpa)?,
            },
            kind: self.kind,
            district_ids: self.district_ids,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            title: self.title,
            body: self.body,
            cause: self.cause,
        })
    }
}

/// A notice as the API shows it.
#[derive(Serialize)]
pub struct NoticeView {
    id: i64,
    kind: String,
    district_ids: Vec<i64>,
    districts: Vec<NoticeDistrict>,
    title: String,
    body: String,
    cause: String,
    starts_at: Millis,
    ends_at: Option<Millis>,
    figures: FiguresBody,
    /// In force now (started, not ended).
    in_force: bool,
    created_at: Option<Millis>,
    updated_at: Option<Millis>,
    /// Recordings uploaded for it (`PUT /api/notices/{id}/recordings/{lang}`), one per language.
    recordings: Vec<hotline_store::NoticeRecording>,
}

fn view(n: Notice, now: Millis) -> NoticeView {
    NoticeView {
        id: n.id,
        in_force: n.in_force(now),
        kind: n.kind,
        district_ids: n.districts.iter().map(|d| d.id).collect(),
        districts: n.districts,
        title: n.title,
        body: n.body,
        cause: n.cause,
        starts_at: n.starts_at,
        ends_at: n.ends_at,
        figures: FiguresBody {
            turbidity_ntu: decimal(n.figures.turbidity_mntu),
            chlorine_mg_l: decimal(n.figures.chlorine_ug_l),
            pressure_mpa: decimal(n.figures.pressure_kpa),
        },
        created_at: n.created_at,
        updated_at: n.updated_at,
        recordings: n.recordings,
    }
}

/// `GET /api/notices?all=`: notices not ended (in force or coming), or with `all=true` every
/// one, newest start first.
pub async fn list(
    State(s): State<Shared>,
    _: Authed,
    q: Params,
) -> ApiResult<Json<Vec<NoticeView>>> {
    let q = q.only(&["all"])?;
    let all = q.bool("all")?.unwrap_or(false);
    let now = s.now();
    let list = s.store.list_notices(now, all).await?;
    Ok(Json(list.into_iter().map(|n| view(n, now)).collect()))
}

/// `GET /api/notices/{id}`.
pub async fn one(
    State(s): State<Shared>,
    _: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<NoticeView>> {
    q.only(&[])?;
    let now = s.now();
    match s.store.notice(id).await? {
        Some(n) => Ok(Json(view(n, now))),
        None => Err(ApiError::not_found(format!("notice {id} not found"))),
    }
}

/// `POST /api/notices`: 201 with the notice and its `Location`.
pub async fn create(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<NoticeBody>,
) -> ApiResult<(StatusCode, HeaderMap, Json<NoticeView>)> {
    who.require(Role::Supervisor)?;
    let now = s.now();
    let answer = match b.input() {
        Ok(input) => s
            .store
            .create_notice(&input, now)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    audit(&s, &who, "create", None, &answer, now).await;
    let n = answer?;
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/notices/{}", n.id)) {
        headers.insert(header::LOCATION, v);
    }
    Ok((StatusCode::CREATED, headers, Json(view(n, now))))
}

/// `PUT /api/notices/{id}`: the notice replaced (every field; districts too).
pub async fn update(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<NoticeBody>,
) -> ApiResult<Json<NoticeView>> {
    who.require(Role::Supervisor)?;
    let now = s.now();
    let answer = match b.input() {
        Ok(input) => s
            .store
            .update_notice(id, &input, now)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    audit(&s, &who, "change", Some(id), &answer, now).await;
    Ok(Json(view(answer?, now)))
}

/// `DELETE /api/notices/{id}`: ends the notice now (kept, no longer heard).
pub async fn end(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
) -> ApiResult<Json<NoticeView>> {
    who.require(Role::Supervisor)?;
    let now = s.now();
    let answer = s.store.end_notice(id, now).await.map_err(ApiError::from);
    audit(&s, &who, "end", Some(id), &answer, now).await;
    Ok(Json(view(answer?, now)))
}

/// Records a change in the audit trail (and the log); a failure to record is logged, the
/// change stands.
async fn audit(
    s: &Shared,
    who: &Authed,
    verb: &str,
    id: Option<i64>,
    answer: &ApiResult<Notice>,
    now: Millis,
) {
    let (detail, outcome) = match answer {
        Ok(n) => {
            let codes: Vec<&str> = n.districts.iter().map(|d| d.code.as_str()).collect();
            (
                format!(
                    "{verb} notice {} ({}, {}, {}–{})",
                    n.id,
                    n.kind,
                    codes.join("+"),
                    n.starts_at,
                    n.ends_at.map_or("open".to_string(), |e| e.to_string())
                ),
                "applied".to_string(),
            )
        }
        Err(e) => (
            match id {
                Some(id) => format!("{verb} notice {id}"),
                None => format!("{verb} notice"),
            },
            crate::audit_trail::outcome(Some(e)),
        ),
    };
    crate::audit_trail::record(s, who, "notice", detail, outcome, now).await;
}
