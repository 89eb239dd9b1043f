//! An agent's runtime record: profile (interned), state, registration, and what the queue
//! indexes currently hold for it (so they can be brought in line after any change).

use crate::ids::{AgentId, Millis};
use crate::model::AgentState;
use crate::rules::{Caps, Sym};

#[derive(Debug)]
pub(crate) struct Agent {
    pub id: AgentId,
    /// Index of the agent's row in the router's `hot` table.
    pub slot: u32,
    pub skills: Vec<(Sym, u8)>,
    pub languages: Vec<Sym>,
    /// Queue names from the profile, kept for reconfigures.
    pub queue_names: Vec<String>,
    /// Open queue slots served.
    pub queues: Vec<usize>,
    /// Sequence number of the last offer per queue slot (round robin).
    pub rr: Vec<(usize, u64)>,
    pub state: AgentState,
    pub registered: bool,
    pub handled: u64,
    /// Ready time to restore when a reservation ends through no fault of the agent.
    pub resume_since: Millis,
    pub wrap_timer: Option<Millis>,
    /// In wrap-up, the call's reasons are not given yet and the router holds the wrap-up for
    /// them (`Router::hold_wrap_up_for_reasons`): its timer ending does not make the agent ready.
    pub reasons_owed: bool,
    /// On a call the router did not route (`Input::AgentOnCall`): the state to resume when it
    /// ends.
    pub external: Option<AgentState>,
    /// Ready sets this agent is in, with the key used.
    pub in_ready: Vec<(usize, i64)>,
    /// Queue member sets this agent is in.
    pub in_members: Vec<usize>,
    /// Queues whose `available` counter includes this agent.
    pub counted: Vec<usize>,
}

impl Agent {
    pub(crate) fn new(id: AgentId, slot: u32, now: Millis) -> Self {
        Agent {
            id,
            slot,
            skills: Vec::new(),
            languages: Vec::new(),
            queue_names: Vec::new(),
            queues: Vec::new(),
            rr: Vec::new(),
            state: AgentState::LoggedOut { since: now },
            registered: false,
            handled: 0,
            resume_since: now,
            wrap_timer: None,
            reasons_owed: false,
            external: None,
            in_ready: Vec::new(),
            in_members: Vec::new(),
            counted: Vec::new(),
        }
    }

    pub(crate) fn caps(&self) -> Caps<'_> {
        Caps {
            id: self.id,
            skills: &self.skills,
            languages: &self.languages,
        }
    }

    pub(crate) fn logged_in(&self) -> bool {
        !matches!(self.state, AgentState::LoggedOut { .. })
    }

    /// May be offered a call now.
    pub(crate) fn routable(&self) -> bool {
        self.registered && matches!(self.state, AgentState::Ready { .. })
    }

    /// Counts as capacity for expected waits: registered and ready, reserved, on a call or in
    /// wrap-up (not ready and logged-out agents are not coming).
    pub(crate) fn available(&self) -> bool {
        self.registered
            && matches!(
                self.state,
                AgentState::Ready { .. }
                    | AgentState::Reserved { .. }
                    | AgentState::OnCall { .. }
                    | AgentState::WrapUp { .. }
            )
    }

    pub(crate) fn serves(&self, q: usize) -> bool {
        self.queues.contains(&q)
    }

    pub(crate) fn rr_of(&self, q: usize) -> u64 {
        self.rr.iter().find(|e| e.0 == q).map_or(0, |e| e.1)
    }

    pub(crate) fn set_rr(&mut self, q: usize, seq: u64) {
        match self.rr.iter_mut().find(|e| e.0 == q) {
            Some(e) => e.1 = seq,
            None => self.rr.push((q, seq)),
        }
    }
}
