//! A campaign's list: the rules as the API takes them, and the CSV upload. Either way every
//! row goes through `hotline-campaign`'s import (`ops.rs`: the number normalised and checked,
//! a repeated number refused as a duplicate of its first row) before the store adds it; the
//! refused rows come back with their row and reason, and an account the campaign has already
//! is counted, not added twice.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use hotline_store::{ListRule, Role};
use serde::{Deserialize, Serialize};

use super::{audit, ImportView};
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
        super::ops::upload(&s.store, id, &body, now).await
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
