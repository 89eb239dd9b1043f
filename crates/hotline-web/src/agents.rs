//! Agents for supervisors: every active agent with the average follow-up rating of the
//! tickets they handled.

use crate::error::ApiResult;
use crate::extract::{Authed, Params};
use crate::Shared;
use axum::extract::State;
use axum::Json;
use hotline_store::{Agent, Role};
use serde::Serialize;

#[derive(Serialize)]
pub struct AgentView {
    #[serde(flatten)]
    agent: Agent,
    /// Average rating 1 to 5 of the tickets the agent handled; `null` when none is rated.
    rating: Option<f64>,
    /// How many rated tickets the average is over.
    rated_tickets: i64,
}

/// `GET /api/agents`: supervisors and admins only.
pub async fn list(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<AgentView>>> {
    who.require(Role::Supervisor)?;
    q.only(&[])?;
    let agents = s.store.agents().await?;
    let mut out = Vec::with_capacity(agents.len());
    for agent in agents {
        let (rating, rated_tickets) = s.store.agent_rating(agent.id).await?;
        out.push(AgentView {
            agent,
            rating,
            rated_tickets,
        });
    }
    Ok(Json(out))
}
