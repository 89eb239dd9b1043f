//! Preview campaigns at the desk (issue 21): the campaign runner offers one customer at a
//! time to a free agent of the campaign's queue (the customer's account manager first), who
//! looks at the customer and then dials or skips with a reason.
//! `GET /api/acd/me/preview`: the offer held for the caller now (`{"offer": null}` when none);
//! `POST /api/acd/me/preview/dial`: dial it (the agent's phone rings first, then the
//! customer; 202); `POST /api/acd/me/preview/skip` `{"reason": "…"}`: skip it (1–200
//! characters, kept as the target's reason). An offer not decided in time is taken back and
//! offered again; the live stream's `preview` event tells the agent's desk of each change.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::acd::PortFuture;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params};
use crate::Shared;

/// A customer offered to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewOffer {
    pub campaign: i64,
    pub campaign_name: String,
    pub target: i64,
    pub account: String,
    pub number: String,
    /// The campaign's data for the customer (amount due, months in arrears, …).
    pub data: BTreeMap<String, String>,
    pub offered_at: hotline_store::Millis,
    /// When it is taken back if the agent has not decided.
    pub decide_by: hotline_store::Millis,
    /// The agent dialled it: the call is under way.
    pub dialling: bool,
}

/// What the agent decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewDecision {
    Dial,
    Skip(String),
}

/// Why a decision was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewRefusal {
    /// Nothing is offered to the agent (taken back, or never).
    NoOffer,
    /// It is being dialled already.
    Dialling,
    /// The agent cannot take a call now (phone not registered, on a call).
    NotNow(String),
}

/// The campaign runner's offers as the API reaches them.
pub trait PreviewPort: Send + Sync {
    /// The offer `agent` holds now.
    fn offer(&self, agent: i64) -> Option<PreviewOffer>;
    /// Carries out `agent`'s decision on the offer they hold.
    fn decide(
        &self,
        agent: i64,
        decision: PreviewDecision,
    ) -> PortFuture<'_, Result<PreviewOffer, PreviewRefusal>>;
}

#[derive(Serialize)]
pub struct Held {
    offer: Option<PreviewOffer>,
}

#[derive(Serialize)]
pub struct Decided {
    done: &'static str,
    offer: PreviewOffer,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipBody {
    reason: String,
}

fn port(s: &Shared) -> ApiResult<&dyn PreviewPort> {
    s.preview.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "preview campaigns are not run by this engine",
        )
    })
}

fn refused(r: PreviewRefusal) -> ApiError {
    match r {
        PreviewRefusal::NoOffer => ApiError::new(
            StatusCode::CONFLICT,
            "no_offer",
            "no customer is offered to you now (it was taken back or decided)",
        ),
        PreviewRefusal::Dialling => ApiError::new(
            StatusCode::CONFLICT,
            "dialling",
            "the offered customer is being dialled already",
        ),
        PreviewRefusal::NotNow(why) => ApiError::new(StatusCode::CONFLICT, "busy", why),
    }
}

/// `GET /api/acd/me/preview`.
pub async fn mine(State(s): State<Shared>, who: Authed, q: Params) -> ApiResult<Json<Held>> {
    q.only(&[])?;
    let offer = port(&s)?.offer(who.agent.id);
    Ok(Json(Held { offer }))
}

/// `POST /api/acd/me/preview/dial`.
pub async fn dial(State(s): State<Shared>, who: Authed) -> ApiResult<(StatusCode, Json<Decided>)> {
    let offer = port(&s)?
        .decide(who.agent.id, PreviewDecision::Dial)
        .await
        .map_err(refused)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Decided {
            done: "dialling",
            offer,
        }),
    ))
}

/// `POST /api/acd/me/preview/skip`.
pub async fn skip(
    State(s): State<Shared>,
    who: Authed,
    JsonBody(b): JsonBody<SkipBody>,
) -> ApiResult<Json<Decided>> {
    let reason = b.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::invalid("reason", "1 to 200 characters"));
    }
    let offer = port(&s)?
        .decide(who.agent.id, PreviewDecision::Skip(reason.to_string()))
        .await
        .map_err(refused)?;
    Ok(Json(Decided {
        done: "skipped",
        offer,
    }))
}
