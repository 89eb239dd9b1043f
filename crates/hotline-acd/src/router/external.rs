//! Calls the router did not route: a consultation or transfer that rings an agent, an agent's
//! outbound call. `Input::AgentOnCall` puts the agent on call with it (so queues do not offer
//! them calls, and the wallboard and the time in each state say "on call"); `CallEnded` of that
//! call gives them back the state they left: ready again, or not ready with the same reason. A
//! wrap-up the call interrupted is over (ready). Such a call is not a queue's: no queue counts
//! it, no wrap-up follows it.

use crate::ids::{AgentId, CallId, Millis};
use crate::model::{AgentState, Output, Refusal};
use crate::timers::Timer;

use super::Router;

impl Router {
    pub(super) fn external_call(
        &mut self,
        agent: AgentId,
        call: CallId,
        now: Millis,
        out: &mut Vec<Output>,
    ) {
        let Some(a) = self.agents.get_mut(&agent) else {
            out.push(Output::Refused(Refusal::UnknownAgent(agent)));
            return;
        };
        if !a.logged_in() {
            out.push(Output::Refused(Refusal::NotLoggedIn(agent)));
            return;
        }
        let resume = match &a.state {
            AgentState::Ready { .. } | AgentState::WrapUp { .. } => {
                AgentState::Ready { since: now }
            }
            AgentState::NotReady { reason, .. } => AgentState::NotReady {
                reason: reason.clone(),
                since: now,
            },
            other => {
                out.push(Output::Refused(Refusal::IllegalTransition {
                    agent,
                    from: other.name(),
                    to: "on_call",
                }));
                return;
            }
        };
        self.timers
            .rearm(&mut a.wrap_timer, Timer::WrapUp(agent), None);
        a.reasons_owed = false;
        a.external = Some(resume);
        a.state = AgentState::OnCall { call, since: now };
        out.push(Output::AgentStateChanged {
            agent,
            state: a.state.clone(),
        });
        self.refresh_agent(agent);
    }

    /// `call`, unknown to the queues, ended: if it is an agent's external call, the agent
    /// resumes. False when no agent is on it.
    pub(super) fn external_ended(
        &mut self,
        call: CallId,
        now: Millis,
        out: &mut Vec<Output>,
    ) -> bool {
        let Some(agent) = self
            .agents
            .values()
            .find(|a| {
                a.external.is_some()
                    && matches!(a.state, AgentState::OnCall { call: c, .. } if c == call)
            })
            .map(|a| a.id)
        else {
            return false;
        };
        let Some(a) = self.agents.get_mut(&agent) else {
            return false;
        };
        let Some(resume) = a.external.take() else {
            return false;
        };
        let ready = matches!(resume, AgentState::Ready { .. });
        a.state = match resume {
            AgentState::NotReady { reason, .. } => AgentState::NotReady { reason, since: now },
            _ => AgentState::Ready { since: now },
        };
        out.push(Output::AgentStateChanged {
            agent,
            state: a.state.clone(),
        });
        if ready {
            self.dispatch_agent(agent, now, out);
        } else {
            self.refresh_agent(agent);
        }
        true
    }
}
