//! What the API and the command line both do to campaigns, on the store alone: make one (its
//! settings checked and written out, its list made by rule), add an uploaded list, move it
//! through its life. Errors are the API's (a 422 naming the field, a 409 for a move out of
//! order), which the command line prints as `field: reason`.

use axum::http::StatusCode;
use hotline_campaign::{import_targets, ImportOptions, RawRow, Settings};
use hotline_store::{
    CampaignRecord, CampaignStatus, ListRule, Millis, NewCampaign, NewTarget, Store,
};

use super::lists::RuleBody;
use super::{ImportView, Refused};
use crate::error::{ApiError, ApiResult};

/// A campaign to make, as the API's body or the command line's options give it.
#[derive(Debug, Clone)]
pub struct CampaignSpec {
    pub name: String,
    pub kind: String,
    pub mode: String,
    pub flow: String,
    pub queue: Option<String>,
    pub settings: serde_json::Value,
    pub list: Option<RuleBody>,
}

/// The settings checked, every default written out; 422 naming `settings.<field>`.
pub fn settings(v: &serde_json::Value) -> ApiResult<serde_json::Value> {
    let e = |e: hotline_campaign::SettingError| {
        let field = if e.field == "settings" {
            e.field
        } else {
            format!("settings.{}", e.field)
        };
        ApiError::invalid(field, e.reason)
    };
    Settings::parse(v).and_then(|s| s.normalised()).map_err(e)
}

/// Makes a draft campaign by `by`, its list made by the spec's rule when it has one.
pub async fn create(
    store: &Store,
    spec: &CampaignSpec,
    by: Option<i64>,
    now: Millis,
) -> ApiResult<(CampaignRecord, Option<ImportView>)> {
    let settings = settings(&spec.settings)?;
    // An SMS campaign runs no flow and has no agents.
    let sms = settings.get("channel").and_then(|c| c.as_str()) == Some("sms");
    if sms && spec.mode != "ivr" {
        return Err(ApiError::invalid("mode", "an SMS campaign's mode is ivr"));
    }
    let flow = if sms && spec.flow.trim().is_empty() {
        "sms".to_string()
    } else {
        spec.flow.clone()
    };
    let rule = spec.list.as_ref().map(super::lists::rule).transpose()?;
    let source = match &spec.list {
        Some(r) => serde_json::to_value(r).map_err(|e| ApiError::internal(&e))?,
        None => serde_json::json!({"rule": "upload"}),
    };
    let c = store
        .create_campaign(
            &NewCampaign {
                name: spec.name.clone(),
                kind: spec.kind.clone(),
                mode: spec.mode.clone(),
                flow,
                queue: spec.queue.clone(),
                settings,
                source,
            },
            by,
            now,
        )
        .await?;
    let list = match rule {
        Some(rule) => Some(from_rule(store, c.id, &rule, now).await?),
        None => None,
    };
    Ok((store.existing_campaign(c.id).await?, list))
}

/// Validates `rows` and adds the accepted ones to campaign `id` (a draft).
pub async fn import(
    store: &Store,
    id: i64,
    rows: Vec<RawRow>,
    now: Millis,
) -> ApiResult<ImportView> {
    let accounts: std::collections::HashMap<usize, String> =
        rows.iter().map(|r| (r.row, r.customer.clone())).collect();
    // A campaign calls customers in mainland China: a short or odd number (a service number
    // such as 12345, a typo) is refused, not dialled.
    let report = import_targets(
        rows,
        ImportOptions {
            mainland_only: true,
            ..ImportOptions::default()
        },
    );
    let targets: Vec<NewTarget> = report
        .targets
        .iter()
        .map(|t| NewTarget {
            account: t.customer.clone(),
            number: t.number.clone(),
            data: t.data.clone(),
        })
        .collect();
    let added = store.add_campaign_targets(id, &targets, now).await?;
    Ok(ImportView {
        added,
        already: targets.len() as u64 - added,
        refused: report
            .rejected
            .iter()
            .map(|r| Refused {
                row: r.row,
                account: accounts.get(&r.row).cloned().unwrap_or_default(),
                reason: r.reason.to_string(),
            })
            .collect(),
    })
}

/// Campaign `id`'s list made by `rule` on `now`.
pub async fn from_rule(
    store: &Store,
    id: i64,
    rule: &ListRule,
    now: Millis,
) -> ApiResult<ImportView> {
    let rows = store.rule_rows(rule, now).await?;
    let raw = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| RawRow {
            row: i + 1,
            customer: r.account,
            number: r.phone.unwrap_or_default(),
            data: r.data,
        })
        .collect();
    import(store, id, raw, now).await
}

/// Campaign `id`'s list from CSV bytes; 422 naming `list` for a file that is not one.
pub async fn upload(store: &Store, id: i64, body: &[u8], now: Millis) -> ApiResult<ImportView> {
    store
        .campaign(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("campaign {id} not found")))?;
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::invalid("list", format!("not UTF-8 text: {e}")))?;
    let rows = hotline_campaign::csv::target_rows(text)
        .map_err(|e| ApiError::invalid("list", e.to_string()))?;
    import(store, id, rows, now).await
}

/// The moves an operator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Start,
    Pause,
    Resume,
    Stop,
}

impl Move {
    pub fn verb(self) -> &'static str {
        match self {
            Move::Start => "start",
            Move::Pause => "pause",
            Move::Resume => "resume",
            Move::Stop => "stop",
        }
    }
    fn to(self) -> CampaignStatus {
        match self {
            Move::Start | Move::Resume => CampaignStatus::Running,
            Move::Pause => CampaignStatus::Paused,
            Move::Stop => CampaignStatus::Stopped,
        }
    }
}

fn conflict(message: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "conflict", message)
}

/// Moves campaign `id`: start a draft with targets, pause a running one, resume a paused
/// one, stop one not final; a 409 for any other.
pub async fn move_campaign(
    store: &Store,
    id: i64,
    m: Move,
    reason: Option<&str>,
    now: Millis,
) -> ApiResult<CampaignRecord> {
    let c = store
        .campaign(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("campaign {id} not found")))?;
    let allowed = match m {
        Move::Start => c.status == CampaignStatus::Draft,
        Move::Resume => c.status == CampaignStatus::Paused,
        Move::Pause | Move::Stop => true,
    };
    if !allowed {
        return Err(conflict(format!(
            "the campaign is {}: it cannot {}",
            c.status.as_str(),
            m.verb()
        )));
    }
    if m == Move::Start && store.campaign_progress(id).await?.targets == 0 {
        return Err(conflict(
            "the campaign has no targets: make or upload its list first".into(),
        ));
    }
    Ok(store.set_campaign_status(id, m.to(), reason, now).await?)
}

/// Campaign `id`'s results as the CSV export (times in `zone`).
pub async fn results_csv(store: &Store, zone: &hotline_time::Zone, id: i64) -> ApiResult<String> {
    let c = store
        .campaign(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("campaign {id} not found")))?;
    if c.settings.get("channel").and_then(|v| v.as_str()) == Some("sms") {
        let messages = store
            .campaign_messages(id, None, super::results::MAX_ROWS)
            .await?;
        return super::messages::to_csv(store, zone, &c.name, id, &messages).await;
    }
    let attempts = store
        .campaign_attempts(id, None, super::results::MAX_ROWS)
        .await?;
    super::results::to_csv(store, zone, &c.name, id, &attempts).await
}
