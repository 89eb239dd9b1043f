//! A campaign's list: made by a rule from the customer records, or uploaded as CSV. Either way
//! every row goes through `hotline-campaign`'s import (the number normalised and checked, a
//! repeated number refused as a duplicate of its first row) before the store adds it; the
//! refused rows come back with their row and reason, and an account the campaign has already
//! is counted, not added twice.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use hotline_campaign::{import_targets, ImportOptions, RawRow};
use hotline_store::{ListRule, Millis, NewTarget, Role};
use serde::{Deserialize, Serialize};

use super::{audit, find, ImportView, Refused};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, PathId};
use crate::Shared;

/// Largest CSV list accepted, in bytes (about 100,000 rows).
pub const MAX_LIST: usize = 8 * 1024 * 1024;

/// A rule as the API takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleBody {
    /// Customers owing at least `min_yuan` over at least `min_months` overdue bills.
    Arrears {
        min_yuan: f64,
        #[serde(default = "one")]
        min_months: i64,
        #[serde(default)]
        districts: Vec<String>,
        #[serde(default)]
        tiers: Vec<String>,
    },
    /// Every customer of the districts a notice covers.
    Notice { notice_id: i64 },
    /// Follow-ups waiting on closed tickets of these kinds (all when empty).
    Followups {
        #[serde(default)]
        kinds: Vec<String>,
    },
    /// A key-account manager's accounts.
    KeyAccounts { manager_id: i64 },
}

fn one() -> i64 {
    1
}

/// The store's rule for `r`; 422 naming `list.<field>`.
pub fn rule(r: &RuleBody) -> ApiResult<ListRule> {
    Ok(match r {
        RuleBody::Arrears {
            min_yuan,
            min_months,
            districts,
            tiers,
        } => {
            if !min_yuan.is_finite() || *min_yuan <= 0.0 || *min_yuan > 100_000_000.0 {
                return Err(ApiError::invalid("list.min_yuan", "above 0"));
            }
            if !(1..=24).contains(min_months) {
                return Err(ApiError::invalid("list.min_months", "1 to 24"));
            }
            ListRule::Arrears {
                min_fen: (min_yuan * 100.0).round() as i64,
                min_months: *min_months,
                districts: districts.clone(),
                tiers: tiers.clone(),
            }
        }
        RuleBody::Notice { notice_id } => ListRule::Notice {
            notice_id: *notice_id,
        },
        RuleBody::Followups { kinds } => ListRule::FollowUps {
            kinds: kinds.clone(),
        },
        RuleBody::KeyAccounts { manager_id } => ListRule::KeyAccounts {
            manager_id: *manager_id,
        },
    })
}

/// Validates `rows` and adds the accepted ones to campaign `id`.
async fn import(s: &Shared, id: i64, rows: Vec<RawRow>, now: Millis) -> ApiResult<ImportView> {
    let accounts: std::collections::HashMap<usize, String> =
        rows.iter().map(|r| (r.row, r.customer.clone())).collect();
    let report = import_targets(rows, ImportOptions::default());
    let targets: Vec<NewTarget> = report
        .targets
        .iter()
        .map(|t| NewTarget {
            account: t.customer.clone(),
            number: t.number.clone(),
            data: t.data.clone(),
        })
        .collect();
    let added = s.store.add_campaign_targets(id, &targets, now).await?;
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
pub async fn from_rule(s: &Shared, id: i64, rule: &ListRule, now: Millis) -> ApiResult<ImportView> {
    let rows = s.store.rule_rows(rule, now).await?;
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
    import(s, id, raw, now).await
}

/// `POST /api/campaigns/{id}/targets` with a CSV body (`account,number,…` header; other
/// columns become the target's data): adds the rows to a draft; the refused ones reported.
pub async fn upload(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
    body: Bytes,
) -> ApiResult<Json<ImportView>> {
    let now = s.now();
    let answer = async {
        who.require(Role::Supervisor)?;
        find(&s, id).await?;
        let text = std::str::from_utf8(&body)
            .map_err(|e| ApiError::invalid("list", format!("not UTF-8 text: {e}")))?;
        let rows = hotline_campaign::csv::target_rows(text)
            .map_err(|e| ApiError::invalid("list", e.to_string()))?;
        import(&s, id, rows, now).await
    }
    .await;
    let detail = match &answer {
        Ok(v) => format!(
            "upload campaign {id} list: {} added, {} refused",
            v.added,
            v.refused.len()
        ),
        Err(_) => format!("upload campaign {id} list"),
    };
    audit(&s, &who, detail, answer.as_ref().err(), now).await;
    answer.map(Json)
}
