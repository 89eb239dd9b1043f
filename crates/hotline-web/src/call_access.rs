//! Who may read which call records (the caller's whole number is in each): agents their own
//! calls, and the call ringing or connected to them now (its record names no agent until they
//! answer); supervisors their team's (a floor supervisor, whose team has no agents, every
//! call); qa evaluators and admins every call; crews none. The same rule as playing a
//! recording (`recordings`), applied to the call search, one call's detail, its reasons and
//! linking it to a ticket.

use crate::error::{ApiError, ApiResult};
use crate::extract::Authed;
use crate::Shared;
use hotline_acd::AgentState;
use hotline_store::{Call, Role};

/// Which calls `who` may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    Every,
    /// Those taken by this agent.
    Agent(i64),
    /// Those taken by an active member of this team.
    Team(String),
}

/// The calls `who` may search (403 for a crew).
pub(crate) async fn scope(s: &Shared, who: &Authed) -> ApiResult<Scope> {
    let me = &who.agent;
    match me.role {
        Role::Admin | Role::Qa => Ok(Scope::Every),
        Role::Agent => Ok(Scope::Agent(me.id)),
        Role::Supervisor if !s.store.team_has_agents(&me.team).await? => Ok(Scope::Every),
        Role::Supervisor => Ok(Scope::Team(me.team.clone())),
        Role::Crew => Err(ApiError::forbidden("crews may not read call records")),
    }
}

/// 403 unless `who` may read `call`'s record.
pub(crate) async fn may_see(s: &Shared, who: &Authed, call: &Call) -> ApiResult<()> {
    let refused = |why: String| Err(ApiError::forbidden(format!("call {}: {why}", call.id)));
    match who.agent.role {
        Role::Admin | Role::Qa => Ok(()),
        Role::Crew => refused("crews may not read call records".into()),
        Role::Agent => {
            if call.agent_id == Some(who.agent.id) || is_on_now(s, who, call).await {
                Ok(())
            } else {
                refused("agents may read their own calls only".into())
            }
        }
        Role::Supervisor => {
            if crate::teams::supervises(s, &who.agent, call.agent_id).await? {
                Ok(())
            } else {
                refused(format!(
                    "supervisors of team {} may read their team's calls only",
                    who.agent.team
                ))
            }
        }
    }
}

/// Whether `call` (not ended) is ringing `who` or connected to them now, by the ACD router.
async fn is_on_now(s: &Shared, who: &Authed, call: &Call) -> bool {
    if call.ended_at.is_some() {
        return false;
    }
    // The record's reference is `<engine start>-<call id>`; the router knows the call id.
    let Some(id) = call
        .call_ref
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse::<u64>().ok())
    else {
        return false;
    };
    let Some(acd) = s.acd.as_deref() else {
        return false;
    };
    let Some(snapshot) = acd.snapshot().await else {
        return false;
    };
    snapshot
        .agents
        .iter()
        .find(|a| a.id.0 == who.agent.id)
        .is_some_and(|a| match a.state {
            AgentState::Reserved { call, .. } | AgentState::OnCall { call, .. } => call.0 == id,
            _ => false,
        })
}
