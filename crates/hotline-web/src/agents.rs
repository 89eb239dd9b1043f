//! Agents for supervisors: every active agent with the average follow-up rating of the
//! tickets they handled; and the centre's directory for every desk role: who the colleagues
//! are (name, staff number, team, extension), to consult or transfer to by name.

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

/// One colleague in the directory.
#[derive(Serialize)]
pub struct DirectoryEntry {
    id: i64,
    name: String,
    staff_no: String,
    team: String,
    /// The extension (SIP user) that rings the colleague's phone.
    extension: String,
    role: Role,
}

/// `GET /api/directory`: every active agent, evaluator, supervisor and admin by name (any desk
/// role; no skills, ratings or logins).
pub async fn directory(
    State(s): State<Shared>,
    who: Authed,
    q: Params,
) -> ApiResult<Json<Vec<DirectoryEntry>>> {
    who.require(Role::Agent)?;
    q.only(&[])?;
    let agents = s.store.agents().await?;
    Ok(Json(
        agents
            .into_iter()
            .map(|a| DirectoryEntry {
                id: a.id,
                name: a.name,
                staff_no: a.staff_no,
                team: a.team,
                extension: a.sip_user,
                role: a.role,
            })
            .collect(),
    ))
}
