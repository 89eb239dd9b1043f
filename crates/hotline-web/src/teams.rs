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
            let agents = s.store.agents().await?;
            let floor = !agents
                .iter()
                .any(|a| a.role == Role::Agent && a.team == who.team);
            let of_team = agent
                .and_then(|id| agents.iter().find(|a| a.id == id))
                .is_some_and(|a| a.team == who.team);
            Ok(floor || of_team)
        }
        Role::Crew | Role::Agent | Role::Qa => Ok(false),
    }
}
