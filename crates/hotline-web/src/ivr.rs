//! `GET /api/ivr/titles`: the IVR nodes' titles the flow designer gives (`title` per node and
//! language), by `flow/node` as in a call's IVR path, so that the desk shows a caller's way
//! through the IVR in words (the node id where a node has no title). From the flows loaded
//! now (a reload changes them); empty without an IVR.

use crate::error::ApiResult;
use crate::extract::{Authed, Params};
use crate::Shared;
use axum::extract::State;
use axum::Json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `flow/node` → language → title.
pub type Titles = BTreeMap<String, BTreeMap<String, String>>;

/// Where the titles come from: the engine's current flows.
pub type TitleSource = Arc<dyn Fn() -> Titles + Send + Sync>;

/// `GET /api/ivr/titles`.
pub async fn titles(State(s): State<Shared>, _: Authed, q: Params) -> ApiResult<Json<Titles>> {
    q.only(&[])?;
    Ok(Json(s.ivr_titles.as_ref().map(|f| f()).unwrap_or_default()))
}
