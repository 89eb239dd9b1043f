//! Outbound campaigns' records (issue 21): a campaign's definition and where it stands, its
//! targets (`targets.rs`, with the lists made by rule from the customer records), every call
//! attempt and its result (`attempts.rs`), an SMS campaign's messages with their receipts and
//! the texts customers send back (`messages.rs`), and the do-not-call list (`dnc.rs`). The rules of
//! dialling (windows, retries, pacing, limits) are `hotline-campaign`'s; this module keeps
//! what it needs across restarts and what it produced. Settings are kept as JSON text that
//! the engine reads back; the store checks only that it is a JSON object.

mod attempts;
mod dnc;
mod figures;
mod messages;
mod targets;

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;

pub use attempts::{
    AttemptEnd, AttemptStart, AttemptToStart, CampaignAttempt, CampaignProgress, DailyCap, RESULTS,
};
pub use dnc::{DncEntry, NewDnc, DNC_SOURCES};
pub use figures::{AttemptCount, CampaignFigures, LiveCampaign, PromiseCount};
pub use messages::{CampaignMessage, NewMessage, ReceiptApplied, MESSAGE_STATUSES};
pub use targets::{
    CampaignTarget, ListRule, NewTarget, RuleRow, TargetFilter, TargetStateChange, TARGET_STATES,
};

/// Longest campaign name, in characters.
pub const MAX_NAME: usize = 100;
/// Longest settings or source JSON text, in bytes.
const MAX_JSON: usize = 64 * 1024;

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Made, its list loaded; no call placed yet.
    Draft,
    /// Placing calls (within its window).
    Running,
    /// No new calls until resumed (by an operator, or the route is down: see the reason).
    Paused,
    /// Ended by an operator: never dials again.
    Stopped,
    /// Every target is final.
    Done,
}

impl CampaignStatus {
    pub const ALL: [CampaignStatus; 5] = [
        CampaignStatus::Draft,
        CampaignStatus::Running,
        CampaignStatus::Paused,
        CampaignStatus::Stopped,
        CampaignStatus::Done,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Running => "running",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Stopped => "stopped",
            CampaignStatus::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<CampaignStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    /// No call is ever placed again.
    pub fn is_final(self) -> bool {
        matches!(self, CampaignStatus::Stopped | CampaignStatus::Done)
    }
    /// Whether an operator's or the engine's move from `self` to `to` is allowed: a draft
    /// starts (or is stopped), a running one pauses, stops or is done, a paused one resumes,
    /// stops or is done; a final one stays.
    pub fn may_become(self, to: CampaignStatus) -> bool {
        use CampaignStatus::*;
        matches!(
            (self, to),
            (Draft, Running)
                | (Draft, Stopped)
                | (Running, Paused)
                | (Running, Stopped)
                | (Running, Done)
                | (Paused, Running)
                | (Paused, Stopped)
                | (Paused, Done)
        )
    }
}

/// A campaign to make.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCampaign {
    pub name: String,
    /// `dunning`, `notice`, `followup` or `custom`.
    pub kind: String,
    /// `ivr`, `progressive` or `preview`.
    pub mode: String,
    /// The IVR flow the answered calls run.
    pub flow: String,
    /// Progressive and preview: the agents' queue.
    pub queue: Option<String>,
    /// The dialler's settings (window, retries, limits, route, caller id), a JSON object.
    pub settings: serde_json::Value,
    /// How the list was made (the rule and its parameters, or the uploaded file's name).
    pub source: serde_json::Value,
}

/// The kinds of campaign.
pub const KINDS: [&str; 4] = ["dunning", "notice", "followup", "custom"];
/// The modes.
pub const MODES: [&str; 3] = ["ivr", "progressive", "preview"];

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignRecord {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub mode: String,
    pub flow: String,
    pub queue: Option<String>,
    pub settings: serde_json::Value,
    pub source: serde_json::Value,
    pub status: CampaignStatus,
    /// Why it is paused or stopped (an operator's note, or the route's failure).
    pub status_reason: Option<String>,
    pub created_by: Option<i64>,
    pub created_by_name: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub started_at: Option<Millis>,
    pub ended_at: Option<Millis>,
}

const COLUMNS: &str = "c.id, c.name, c.kind, c.mode, c.flow, c.queue, c.settings, c.source, \
    c.status, c.status_reason, c.created_by, a.name AS created_by_name, c.created_at, \
    c.updated_at, c.started_at, c.ended_at";
const FROM: &str = "FROM campaigns c LEFT JOIN agents a ON a.id = c.created_by";

fn campaign_from_row(r: &AnyRow) -> Result<CampaignRecord> {
    let settings: String = col(r, "settings")?;
    let source: String = col(r, "source")?;
    let status: String = col(r, "status")?;
    Ok(CampaignRecord {
        id: col(r, "id")?,
        name: col(r, "name")?,
        kind: col(r, "kind")?,
        mode: col(r, "mode")?,
        flow: col(r, "flow")?,
        queue: col(r, "queue")?,
        settings: serde_json::from_str(&settings).unwrap_or(serde_json::Value::Null),
        source: serde_json::from_str(&source).unwrap_or(serde_json::Value::Null),
        // Only this module writes the column; an unknown word reads as stopped (never dials).
        status: CampaignStatus::parse(&status).unwrap_or(CampaignStatus::Stopped),
        status_reason: col(r, "status_reason")?,
        created_by: col(r, "created_by")?,
        created_by_name: col(r, "created_by_name")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
        started_at: col(r, "started_at")?,
        ended_at: col(r, "ended_at")?,
    })
}

/// `v` as JSON text, if it is an object of at most [`MAX_JSON`] bytes.
fn json_object(field: &'static str, v: &serde_json::Value) -> Result<String> {
    if !v.is_object() {
        return Err(StoreError::invalid(field, "a JSON object"));
    }
    let text = v.to_string();
    if text.len() > MAX_JSON {
        return Err(StoreError::invalid(field, "too long"));
    }
    Ok(text)
}

fn check_new(c: &NewCampaign) -> Result<(String, String, String)> {
    let name = c.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.contains('\0') {
        return Err(StoreError::invalid(
            "name",
            format!("1 to {MAX_NAME} characters"),
        ));
    }
    if !KINDS.contains(&c.kind.as_str()) {
        return Err(StoreError::invalid("kind", KINDS.join(", ")));
    }
    if !MODES.contains(&c.mode.as_str()) {
        return Err(StoreError::invalid("mode", MODES.join(", ")));
    }
    if c.flow.trim().is_empty() {
        return Err(StoreError::invalid("flow", "required"));
    }
    if c.mode != "ivr" && c.queue.as_deref().is_none_or(|q| q.trim().is_empty()) {
        return Err(StoreError::invalid(
            "queue",
            "progressive and preview campaigns need the agents' queue",
        ));
    }
    Ok((
        name.to_string(),
        json_object("settings", &c.settings)?,
        json_object("source", &c.source)?,
    ))
}

impl Store {
    /// Makes a campaign (a draft) by `by`.
    pub async fn create_campaign(
        &self,
        c: &NewCampaign,
        by: Option<i64>,
        now: Millis,
    ) -> Result<CampaignRecord> {
        let (name, settings, source) = check_new(c)?;
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM campaigns WHERE name = $1")
            .bind(name.clone())
            .fetch_one(&self.read)
            .await?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!(
                "a campaign named {name} exists already"
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (name, kind, mode, flow, queue, settings, source, status, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', \
             $8, $9, $9) RETURNING id",
        )
        .bind(name)
        .bind(c.kind.clone())
        .bind(c.mode.clone())
        .bind(c.flow.trim().to_string())
        .bind(c.queue.clone().filter(|q| !q.trim().is_empty()))
        .bind(settings)
        .bind(source)
        .bind(by)
        .bind(now)
        .fetch_one(&self.write)
        .await?;
        self.existing_campaign(id).await
    }

    /// Campaign `id`, if there is one.
    pub async fn campaign(&self, id: i64) -> Result<Option<CampaignRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} {FROM} WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(campaign_from_row).transpose()
    }

    /// Campaign `id`, which must exist.
    pub async fn existing_campaign(&self, id: i64) -> Result<CampaignRecord> {
        self.campaign(id)
            .await?
            .ok_or_else(|| StoreError::not_found("campaign", id))
    }

    /// Every campaign, newest first; with `status`, only those.
    pub async fn campaigns(&self, status: Option<CampaignStatus>) -> Result<Vec<CampaignRecord>> {
        let rows = match status {
            Some(s) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} {FROM} WHERE c.status = $1 ORDER BY c.id DESC"
                )))
                .bind(s.as_str())
                .fetch_all(&self.read)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} {FROM} ORDER BY c.id DESC"
                )))
                .fetch_all(&self.read)
                .await?
            }
        };
        rows.iter().map(campaign_from_row).collect()
    }

    /// Moves campaign `id` to `to` (with `reason` for a pause or a stop), when
    /// [`CampaignStatus::may_become`] allows it from where it is; a conflict otherwise.
    /// Starting the first time notes `started_at`; stopping or finishing notes `ended_at`.
    pub async fn set_campaign_status(
        &self,
        id: i64,
        to: CampaignStatus,
        reason: Option<&str>,
        now: Millis,
    ) -> Result<CampaignRecord> {
        let c = self.existing_campaign(id).await?;
        if c.status == to && !to.is_final() {
            // Pausing a paused campaign again only replaces the reason.
            sqlx::query("UPDATE campaigns SET status_reason = $1, updated_at = $2 WHERE id = $3")
                .bind(reason.map(str::to_string))
                .bind(now)
                .bind(id)
                .execute(&self.write)
                .await?;
            return self.existing_campaign(id).await;
        }
        if !c.status.may_become(to) {
            return Err(StoreError::Conflict(format!(
                "the campaign is {}; it cannot become {}",
                c.status.as_str(),
                to.as_str()
            )));
        }
        let reason = reason.map(|r| r.trim().chars().take(500).collect::<String>());
        let n = sqlx::query(
            "UPDATE campaigns SET status = $1, status_reason = $2, updated_at = $3, \
             started_at = CASE WHEN $4 = 1 AND started_at IS NULL THEN $3 ELSE started_at END, \
             ended_at = CASE WHEN $5 = 1 THEN $3 ELSE ended_at END \
             WHERE id = $6 AND status = $7",
        )
        .bind(to.as_str())
        .bind(reason)
        .bind(now)
        .bind(i64::from(to == CampaignStatus::Running))
        .bind(i64::from(to.is_final()))
        .bind(id)
        .bind(c.status.as_str())
        .execute(&self.write)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(
                "the campaign changed meanwhile; try again".into(),
            ));
        }
        self.existing_campaign(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_moves_of_a_campaigns_life_are_allowed() {
        use CampaignStatus::*;
        let allowed: Vec<_> = CampaignStatus::ALL
            .iter()
            .flat_map(|&a| CampaignStatus::ALL.iter().map(move |&b| (a, b)))
            .filter(|(a, b)| a.may_become(*b))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Draft, Running),
                (Draft, Stopped),
                (Running, Paused),
                (Running, Stopped),
                (Running, Done),
                (Paused, Running),
                (Paused, Stopped),
                (Paused, Done),
            ]
        );
        for s in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
        }
    }
}
