//! The do-not-call list over the API: any desk role adds a number or an account (a customer
//! asked an agent not to be called again), supervisors and admins list and remove entries.
//! Numbers are checked as the campaign import checks them and kept as the customer records
//! keep phones, so that `+86 138 0000 1111` and `13800001111` are one entry.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotline_store::{DncEntry, NewDnc, Role};
use serde::{Deserialize, Serialize};

use super::audit;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params, PathId};
use crate::Shared;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DncBody {
    #[serde(default)]
    number: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    note: String,
}

#[derive(Serialize)]
pub struct Added {
    /// Rows added (0: already on the list).
    added: u64,
    number: Option<String>,
    account: Option<String>,
}

/// `POST /api/do-not-call` `{"number"?, "account"?, "note"?}` (201).
pub async fn add_dnc(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<DncBody>,
) -> ApiResult<(StatusCode, Json<Added>)> {
    let now = s.now();
    let answer = async {
        who.require(Role::Agent)?;
        let number = match b.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => {
                hotline_campaign::normalise(n)
                    .map_err(|e| ApiError::invalid("number", e.to_string()))?;
                // As the store keeps it (and the customer records keep phones).
                hotline_store::rules::normalize_phone(n)
            }
            None => None,
        };
        let account = b
            .account
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        if number.is_none() && account.is_none() {
            return Err(ApiError::invalid("number", "a number or an account"));
        }
        let source = if who.agent.role >= Role::Supervisor {
            "api"
        } else {
            "agent"
        };
        let added = s
            .store
            .add_do_not_call(
                &NewDnc {
                    number: number.clone(),
                    account: account.clone(),
                    source: source.into(),
                    note: b.note.clone(),
                },
                Some(who.agent.id),
                now,
            )
            .await?;
        Ok::<_, ApiError>(Added {
            added,
            number,
            account,
        })
    }
    .await;
    let detail = match &answer {
        Ok(a) => format!(
            "do not call {}{}",
            a.number.as_deref().map(mask).unwrap_or_default(),
            a.account
                .as_deref()
                .map(|x| format!(" account {x}"))
                .unwrap_or_default()
        ),
        Err(_) => "do not call".to_string(),
    };
    audit(&s, &who, detail, answer.as_ref().err(), now).await;
    answer.map(|a| (StatusCode::CREATED, Json(a)))
}

/// A number with its middle hidden, as the logs show numbers.
fn mask(n: &str) -> String {
    let chars: Vec<char> = n.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars.iter().take(3).collect();
    let tail: String = chars.iter().skip(chars.len() - 2).collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 5))
}

/// `GET /api/do-not-call?limit=`: newest first (supervisors, admins).
pub async fn dnc_list(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<DncEntry>>> {
    let q = q.only(&["limit"])?;
    who.require(Role::Supervisor)?;
    let limit = q.int("limit", 1..=100_000)?.unwrap_or(1000);
    Ok(Json(s.store.do_not_call_list(limit).await?))
}

/// `DELETE /api/do-not-call/{id}` (supervisors, admins): 204.
pub async fn remove_dnc(
    State(s): State<Shared>,
    who: Authed,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    let now = s.now();
    let answer = async {
        who.require(Role::Supervisor)?;
        s.store.remove_do_not_call(id).await?;
        Ok::<_, ApiError>(StatusCode::NO_CONTENT)
    }
    .await;
    audit(
        &s,
        &who,
        format!("remove do-not-call entry {id}"),
        answer.as_ref().err(),
        now,
    )
    .await;
    answer
}
