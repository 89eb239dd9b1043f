//! Which agents a supervisor supervises, for what needs it (playing recordings, monitoring
//! calls): the agents of the supervisor's own team, or every agent when no agent belongs to
//! the supervisor's team (a floor supervisor, as the demo's `floor`). Admins supervise
//! everyone. And the teams themselves (`GET /api/teams`), with who supervises each.

use crate::error::ApiResult;
use crate::Shared;
use hotline_store::{Agent, Role};

/// Whether `who` (a supervisor or admin) supervises agent `agent` (`None`: a call no agent
/// took, which only a floor supervisor or an admin sees).
pub(crate) async fn supervises(s: &Shared, who: &Agent, agent: Option<i64>) -> ApiResult<bool> {
    match who.role {
        Role::Admin => Ok(true),
        Role::Supervisor => {
            // Two small reads (a player asks once per range): the agent's team, then whether
            // the supervisor's team has agents at all (none: a floor supervisor).
            let of_team = match agent {
                Some(id) => s
                    .store
                    .agent(id)
                    .await?
                    .is_some_and(|a| a.active && a.team == who.team),
                None => false,
            };
            Ok(of_team || !s.store.team_has_agents(&who.team).await?)
        }
        Role::Crew | Role::Agent | Role::Qa => Ok(false),
    }
}

/// A team of the centre, as `GET /api/teams` shows it.
#[derive(Debug, serde::Serialize)]
pub struct TeamView {
    pub name: String,
    /// Active agents (role `agent`) in it.
    pub agents: usize,
    /// Its supervisors, by id and name.
    pub supervisors: Vec<Member>,
    /// A floor team: supervisors but no agents (its supervisors oversee every team).
    pub floor: bool,
    /// Whether the reader supervises it (their own team; every team for a floor supervisor
    /// or an admin).
    pub supervised_by_you: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct Member {
    pub id: i64,
    pub name: String,
}

/// `GET /api/teams`: the centre's teams (any desk role), by name: how many agents, who
/// supervises each, which the reader supervises (the teams their call search, recordings,
/// quality assessment and monitoring reach).
pub async fn list(
    axum::extract::State(s): axum::extract::State<Shared>,
    who: crate::extract::Authed,
    q: crate::extract::Params,
) -> ApiResult<axum::Json<Vec<TeamView>>> {
    who.require(Role::Agent)?;
    q.only(&[])?;
    let agents = s.store.agents().await?;
    let mut teams: std::collections::BTreeMap<String, TeamView> = std::collections::BTreeMap::new();
    for a in agents.iter().filter(|a| a.active && !a.team.is_empty()) {
        let t = teams.entry(a.team.clone()).or_insert_with(|| TeamView {
            name: a.team.clone(),
            agents: 0,
            supervisors: Vec::new(),
            floor: false,
            supervised_by_you: false,
        });
        match a.role {
            Role::Agent => t.agents += 1,
            Role::Supervisor => t.supervisors.push(Member {
                id: a.id,
                name: a.name.clone(),
            }),
            Role::Crew | Role::Qa | Role::Admin => {}
        }
    }
    let me = &who.agent;
    let floor_of_mine = teams.get(&me.team).is_none_or(|t| t.agents == 0);
    for t in teams.values_mut() {
        t.floor = t.agents == 0 && !t.supervisors.is_empty();
        t.supervised_by_you = match me.role {
            Role::Admin => true,
            Role::Supervisor => t.name == me.team || floor_of_mine,
            Role::Crew | Role::Agent | Role::Qa => false,
        };
    }
    Ok(axum::Json(teams.into_values().collect()))
}
