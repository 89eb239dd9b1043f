//! Outbound campaigns over the API (issue 21): making a campaign with its settings checked
//! (`hotline-campaign`'s [`Settings`]) and its list made by rule from the customer records or
//! uploaded as CSV (`lists.rs`, each row validated, refused rows reported), moving it through
//! its life (start, pause, resume, stop), its progress, targets and results (`results.rs`,
//! CSV export), and the do-not-call list (`dnc.rs`).
//!
//! Who may do what: supervisors and admins manage campaigns and read their results; any desk
//! role puts a number on the do-not-call list (a customer asks an agent), supervisors list
//! and remove entries. Every change is an audit entry (action `campaign`).

mod dnc;
mod lists;
mod messages;
pub mod ops;
mod results;

pub use dnc::{add_dnc, dnc_list, remove_dnc};
pub use lists::{upload, RuleBody, MAX_LIST};

/// Where a campaign's list is uploaded (a CSV up to [`MAX_LIST`]).
pub const TARGETS_PATH: &str = "/api/campaigns/{id}/targets";
pub use results::{results, targets};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotline_store::{CampaignProgress, CampaignRecord, CampaignStatus, Millis, Role};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;

/// A campaign with its figures.
#[derive(Serialize)]
pub struct CampaignView {
    #[serde(flatten)]
    campaign: CampaignRecord,
    progress: CampaignProgress,
}

async fn view(s: &Shared, c: CampaignRecord) -> ApiResult<CampaignView> {
    let progress = s.store.campaign_progress(c.id).await?;
    Ok(CampaignView {
        campaign: c,
        progress,
    })
}

/// A row the import refused.
#[derive(Debug, Serialize)]
pub struct Refused {
    /// The CSV line, or the rule's row number.
    pub row: usize,
    pub account: String,
    pub reason: String,
}

/// What a list brought: targets added, rows refused.
#[derive(Debug, Serialize, Default)]
pub struct ImportView {
    pub added: u64,
    /// Accounts the campaign had already.
    pub already: u64,
    pub refused: Vec<Refused>,
}

#[derive(Serialize)]
pub struct Created {
    campaign: CampaignView,
    list: Option<ImportView>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignBody {
    name: String,
    kind: String,
    mode: String,
    /// Not needed by an SMS campaign.
    #[serde(default)]
    flow: String,
    #[serde(default)]
    queue: Option<String>,
    #[serde(default)]
    settings: serde_json::Value,
    /// A rule making the list from the customer records (or none: upload a CSV).
    #[serde(default)]
    list: Option<lists::RuleBody>,
}

/// `GET /api/campaigns?status=`: every campaign with its progress, newest first.
pub async fn list(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<CampaignView>>> {
    let q = q.only(&["status"])?;
    who.require(Role::Supervisor)?;
    let status = match q.text("status")? {
        Some(t) => Some(CampaignStatus::parse(t).ok_or_else(|| {
            ApiError::bad_parameter("status", "draft, running, paused, stopped or done")
        })?),
        None => None,
    };
    let mut out = Vec::new();
    for c in s.store.campaigns(status).await? {
        out.push(view(&s, c).await?);
    }
    Ok(Json(out))
}

/// `GET /api/campaigns/{id}`.
pub async fn one(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    q: Params,
) -> ApiResult<Json<CampaignView>> {
    q.only(&[])?;
    who.require(Role::Supervisor)?;
    let c = find(&s, id).await?;
    Ok(Json(view(&s, c).await?))
}

pub(crate) async fn find(s: &Shared, id: i64) -> ApiResult<CampaignRecord> {
    s.store
        .campaign(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("campaign {id} not found")))
}

/// `POST /api/campaigns` `{"name", "kind", "mode", "flow", "queue"?, "settings"?, "list"?}`:
/// a draft campaign (201), its list made by the rule given (the refused rows reported).
pub async fn create(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<NewCampaignBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let now = s.now();
    let answer = async {
        who.require(Role::Supervisor)?;
        let spec = ops::CampaignSpec {
            name: b.name.clone(),
            kind: b.kind.clone(),
            mode: b.mode.clone(),
            flow: b.flow.clone(),
            queue: b.queue.clone(),
            settings: b.settings.clone(),
            list: b.list.clone(),
        };
        let (c, list) = ops::create(&s.store, &spec, Some(who.agent.id), now).await?;
        Ok::<_, ApiError>(Created {
            campaign: view(&s, c).await?,
            list,
        })
    }
    .await;
    let detail = match &answer {
        Ok(c) => format!(
            "create campaign {} {:?} ({} targets)",
            c.campaign.campaign.id, c.campaign.campaign.name, c.campaign.progress.targets
        ),
        Err(_) => format!("create campaign {:?}", b.name),
    };
    audit(&s, &who, detail, answer.as_ref().err(), now).await;
    answer.map(|c| (StatusCode::CREATED, Json(c)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
}

async fn move_to(
    s: Shared,
    who: Authed,
    id: i64,
    m: ops::Move,
    reason: Option<String>,
) -> ApiResult<Json<CampaignView>> {
    let now = s.now();
    let answer = async {
        who.require(Role::Supervisor)?;
        let c = ops::move_campaign(&s.store, id, m, reason.as_deref(), now).await?;
        view(&s, c).await
    }
    .await;
    let verb = m.verb();
    let detail = match &reason {
        Some(r) => format!("{verb} campaign {id}: {r}"),
        None => format!("{verb} campaign {id}"),
    };
    audit(&s, &who, detail, answer.as_ref().err(), now).await;
    answer.map(Json)
}

/// `POST /api/campaigns/{id}/start`: a draft with targets starts placing calls.
pub async fn start(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReasonBody>,
) -> ApiResult<Json<CampaignView>> {
    move_to(s, who, id, ops::Move::Start, b.reason).await
}

/// `POST /api/campaigns/{id}/pause` `{"reason"?}`: no new calls (calls under way go on).
pub async fn pause(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReasonBody>,
) -> ApiResult<Json<CampaignView>> {
    move_to(s, who, id, ops::Move::Pause, b.reason).await
}

/// `POST /api/campaigns/{id}/resume`.
pub async fn resume(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReasonBody>,
) -> ApiResult<Json<CampaignView>> {
    move_to(s, who, id, ops::Move::Resume, b.reason).await
}

/// `POST /api/campaigns/{id}/stop` `{"reason"?}`: never dials again.
pub async fn stop(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ReasonBody>,
) -> ApiResult<Json<CampaignView>> {
    move_to(s, who, id, ops::Move::Stop, b.reason).await
}

/// One audit entry of action `campaign`.
pub(crate) async fn audit(
    s: &Shared,
    who: &Authed,
    detail: String,
    refused: Option<&ApiError>,
    now: Millis,
) {
    let outcome = crate::audit_trail::outcome(refused);
    crate::audit_trail::record(s, who, "campaign", detail, outcome, now).await;
}
