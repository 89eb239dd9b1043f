//! Which agents a supervisor supervises, for what needs it (playing recordings, monitoring
//! calls): the agents of the supervisor's own team, or every agent when no agent belongs to
//! the supervisor's team (a floor supervisor, as the demo's `floor`). Admins supervise
//! everyone.

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
