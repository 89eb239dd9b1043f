//! Inputs about agents: login and logout, ready / not ready / end of wrap-up from the desktop,
//! SIP registration. Illegal changes are refused with the state left as it was.

use crate::agent::Agent;
use crate::ids::{AgentId, Millis};
use crate::model::{AgentProfile, AgentState, NotReadyReason, Output, Refusal};
use crate::timers::Timer;
use crate::validate::MAX_LEVEL;

use super::Router;

impl Router {
    pub(super) fn login(&mut self, p: AgentProfile, now: Millis, out: &mut Vec<Output>) {
        if let Some(refusal) = invalid_levels(&p) {
            out.push(Output::Refused(refusal));
            return;
        }
        if self.agents.get(&p.id).is_some_and(Agent::logged_in) {
            out.push(Output::Refused(Refusal::AlreadyLoggedIn(p.id)));
            return;
        }
        let id = p.id;
        self.agent_entry(id, now);
        self.apply_profile(p);
        let Some(a) = self.agents.get_mut(&id) else {
            return;
        };
        a.state = AgentState::NotReady {
            reason: NotReadyReason::Other("login".to_string()),
            since: now,
        };
        out.push(Output::AgentStateChanged {
            agent: id,
            state: a.state.clone(),
        });
        self.refresh_agent(id);
    }

    /// Sets skills, languages and queues from `p` on a known agent (indexes not refreshed).
    fn apply_profile(&mut self, p: AgentProfile) {
        let skills = self
            .syms
            .skills(p.skills.iter().map(|(k, v)| (k.as_str(), *v)));
        let mut languages: Vec<_> = p.languages.iter().map(|l| self.syms.intern(l)).collect();
        languages.sort_unstable();
        languages.dedup();
        let queues = self.resolve_queues(&p.queues);
        if let Some(a) = self.agents.get_mut(&p.id) {
            a.skills = skills;
            a.languages = languages;
            a.queue_names = p.queues;
            a.queues = queues;
        }
    }

    /// New skills, languages or queues for a known agent, keeping their state (a ready agent
    /// takes any waiting call it now qualifies for).
    pub(super) fn update_profile(&mut self, p: AgentProfile, now: Millis, out: &mut Vec<Output>) {
        if let Some(refusal) = invalid_levels(&p) {
            out.push(Output::Refused(refusal));
            return;
        }
        if !self.agents.contains_key(&p.id) {
            out.push(Output::Refused(Refusal::UnknownAgent(p.id)));
            return;
        }
        let id = p.id;
        self.apply_profile(p);
        self.refresh_agent(id);
        if self
            .agents
            .get(&id)
            .is_some_and(|a| matches!(a.state, AgentState::Ready { .. }))
        {
            self.dispatch_agent(id, now, out);
        }
    }

    /// Open queue slots for these names, without duplicates.
    pub(super) fn resolve_queues(&self, names: &[String]) -> Vec<usize> {
        let mut v: Vec<usize> = names.iter().filter_map(|n| self.open_queue(n)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The agent's current state name, or the refusal for an unknown / logged-out agent.
    fn logged_in_state(&self, agent: AgentId) -> Result<&'static str, Refusal> {
        let a = self
            .agents
            .get(&agent)
            .ok_or(Refusal::UnknownAgent(agent))?;
        if !a.logged_in() {
            return Err(Refusal::NotLoggedIn(agent));
        }
        Ok(a.state.name())
    }

    /// Sets a new state from the desktop after the checks passed; cancels a wrap-up timer.
    fn set_state(&mut self, agent: AgentId, state: AgentState, out: &mut Vec<Output>) {
        if let Some(a) = self.agents.get_mut(&agent) {
            self.timers
                .rearm(&mut a.wrap_timer, Timer::WrapUp(agent), None);
            a.reasons_owed = false;
            a.state = state;
            out.push(Output::AgentStateChanged {
                agent,
                state: a.state.clone(),
            });
        }
    }

    pub(super) fn logout(&mut self, agent: AgentId, now: Millis, out: &mut Vec<Output>) {
        match self.logged_in_state(agent) {
            Err(e) => out.push(Output::Refused(e)),
            Ok(from @ ("reserved" | "on_call")) => {
                out.push(Output::Refused(Refusal::IllegalTransition {
                    agent,
                    from,
                    to: "logged_out",
                }))
            }
            Ok(_) => {
                self.set_state(agent, AgentState::LoggedOut { since: now }, out);
                self.refresh_agent(agent);
            }
        }
    }

    /// Ready from not ready, or from wrap-up (ends it early); a no-op when already ready.
    pub(super) fn ready(&mut self, agent: AgentId, now: Millis, out: &mut Vec<Output>) {
        match self.logged_in_state(agent) {
            Err(e) => out.push(Output::Refused(e)),
            Ok("ready") => {}
            Ok(from @ ("reserved" | "on_call")) => {
                out.push(Output::Refused(Refusal::IllegalTransition {
                    agent,
                    from,
                    to: "ready",
                }))
            }
            Ok(_) => {
                self.set_state(agent, AgentState::Ready { since: now }, out);
                self.dispatch_agent(agent, now, out);
            }
        }
    }

    pub(super) fn not_ready(
        &mut self,
        agent: AgentId,
        reason: NotReadyReason,
        now: Millis,
        out: &mut Vec<Output>,
    ) {
        match self.logged_in_state(agent) {
            Err(e) => out.push(Output::Refused(e)),
            Ok(from @ ("reserved" | "on_call")) => {
                out.push(Output::Refused(Refusal::IllegalTransition {
                    agent,
                    from,
                    to: "not_ready",
                }))
            }
            Ok(_) => {
                self.set_state(agent, AgentState::NotReady { reason, since: now }, out);
                self.refresh_agent(agent);
            }
        }
    }

    pub(super) fn end_wrap_up(&mut self, agent: AgentId, now: Millis, out: &mut Vec<Output>) {
        match self.logged_in_state(agent) {
            Err(e) => out.push(Output::Refused(e)),
            Ok("wrap_up") => {
                self.set_state(agent, AgentState::Ready { since: now }, out);
                self.dispatch_agent(agent, now, out);
            }
            Ok(from) => out.push(Output::Refused(Refusal::IllegalTransition {
                agent,
                from,
                to: "ready (end of wrap-up)",
            })),
        }
    }

    /// Wrap-up time is over (from a tick); held while the call's reasons are owed.
    pub(super) fn wrap_up_over(&mut self, agent: AgentId, now: Millis, out: &mut Vec<Output>) {
        if self
            .agents
            .get(&agent)
            .is_some_and(|a| matches!(a.state, AgentState::WrapUp { .. }) && !a.reasons_owed)
        {
            self.set_state(agent, AgentState::Ready { since: now }, out);
            self.dispatch_agent(agent, now, out);
        }
    }

    /// The agent gave the call's reasons: a held wrap-up whose time is over ends; one still
    /// running ends at its time.
    pub(super) fn reasons_given(&mut self, agent: AgentId, now: Millis, out: &mut Vec<Output>) {
        let Some(a) = self.agents.get_mut(&agent) else {
            return;
        };
        let owed = std::mem::take(&mut a.reasons_owed);
        if owed && a.wrap_timer.is_none() {
            self.wrap_up_over(agent, now, out);
        }
    }

    /// SIP registration; an agent may register before logging in.
    pub(super) fn registered(
        &mut self,
        agent: AgentId,
        registered: bool,
        now: Millis,
        out: &mut Vec<Output>,
    ) {
        let a = self.agent_entry(agent, now);
        if a.registered == registered {
            return;
        }
        a.registered = registered;
        self.dispatch_agent(agent, now, out);
    }
}

/// A skill level out of range, as a refusal.
fn invalid_levels(p: &AgentProfile) -> Option<Refusal> {
    let (skill, level) = p.skills.iter().find(|(_, &l)| l > MAX_LEVEL)?;
    Some(Refusal::InvalidProfile {
        agent: p.id,
        reason: format!("skill `{skill}` level {level}, levels are 0–{MAX_LEVEL}"),
    })
}
