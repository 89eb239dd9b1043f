//! A compact, contiguous copy of what expected-wait estimates read of every agent (state,
//! time, queues, skill levels and languages for the first interned names), so scanning a
//! queue's members touches one small row each instead of the full agent record.

use crate::agent::Agent;
use crate::ids::{AgentId, Millis};
use crate::model::AgentState;
use crate::rules::Requirement;

/// Skill names with an interned id below this have their level in the row.
const SKILLS: usize = 32;
/// Queue slots kept in the row.
const QUEUES: usize = 6;

/// What the row says about availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Logged out, not ready or unregistered: not counted.
    Away,
    Ready,
    Reserved,
    /// On a call since `t`.
    OnCall,
    /// In wrap-up until `t`.
    WrapUp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hot {
    pub id: AgentId,
    pub kind: Kind,
    pub t: Millis,
    langs: u64,
    levels: [u8; SKILLS],
    /// Every skill and language of the agent is in `levels` / `langs`.
    exact: bool,
    queues: [u16; QUEUES],
    nqueues: u8,
    /// Every queue of the agent is in `queues`.
    all_queues: bool,
}

impl Hot {
    pub(crate) fn new(id: AgentId) -> Self {
        Hot {
            id,
            kind: Kind::Away,
            t: 0,
            langs: 0,
            levels: [0; SKILLS],
            exact: true,
            queues: [0; QUEUES],
            nqueues: 0,
            all_queues: true,
        }
    }

    /// Rewrites the row from the agent record.
    pub(crate) fn sync(&mut self, a: &Agent) {
        self.id = a.id;
        (self.kind, self.t) = match a.state {
            _ if !a.registered => (Kind::Away, 0),
            AgentState::Ready { since } => (Kind::Ready, since),
            AgentState::Reserved { since, .. } => (Kind::Reserved, since),
            AgentState::OnCall { since, .. } => (Kind::OnCall, since),
            AgentState::WrapUp { until, .. } => (Kind::WrapUp, until),
            AgentState::LoggedOut { .. } | AgentState::NotReady { .. } => (Kind::Away, 0),
        };
        self.exact = true;
        self.levels = [0; SKILLS];
        for &(s, l) in &a.skills {
            match self.levels.get_mut(s as usize) {
                Some(x) => *x = l,
                None => self.exact = false,
            }
        }
        self.langs = 0;
        for &l in &a.languages {
            match 1u64.checked_shl(l) {
                Some(bit) => self.langs |= bit,
                None => self.exact = false,
            }
        }
        self.nqueues = 0;
        self.queues = [0; QUEUES];
        self.all_queues = a.queues.len() <= QUEUES;
        for (slot, &q) in self.queues.iter_mut().zip(&a.queues) {
            *slot = u16::try_from(q).unwrap_or(u16::MAX);
            self.all_queues &= *slot != u16::MAX;
            self.nqueues += 1;
        }
    }

    /// The qualification test from the row; `None` when the row cannot tell (a name beyond
    /// the row's range on both sides), then the agent record decides.
    pub(crate) fn qualifies(&self, req: &Requirement) -> Option<bool> {
        if req.only.is_some_and(|o| o != self.id) {
            return Some(false);
        }
        if let Some(l) = req.language {
            match 1u64.checked_shl(l) {
                Some(bit) if self.langs & bit == 0 => return Some(false),
                Some(_) => {}
                None if self.exact => return Some(false),
                None => return None,
            }
        }
        for &(s, level) in &req.skills {
            match self.levels.get(s as usize) {
                Some(&have) if have < level => return Some(false),
                Some(_) => {}
                None if self.exact => return Some(false),
                None => return None,
            }
        }
        Some(true)
    }

    /// The agent's queue slots, if the row holds all of them.
    pub(crate) fn queues(&self) -> Option<&[u16]> {
        if self.all_queues {
            self.queues.get(..usize::from(self.nqueues))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_defer_to_the_record_only_beyond_their_range() {
        let mut a = Agent::new(AgentId(1), 0, 0);
        a.registered = true;
        a.state = AgentState::Ready { since: 5 };
        a.skills = vec![(3, 4), (40, 2)];
        a.languages = vec![1];
        a.queues = (0..8).collect();
        let mut h = Hot::new(a.id);
        h.sync(&a);
        assert_eq!((h.kind, h.t), (Kind::Ready, 5));
        let req = |skills: Vec<(u32, u8)>, language| Requirement {
            skills,
            language,
            only: None,
        };
        assert_eq!(h.qualifies(&req(vec![(3, 4)], Some(1))), Some(true));
        assert_eq!(h.qualifies(&req(vec![(3, 5)], None)), Some(false));
        assert_eq!(h.qualifies(&req(vec![(40, 1)], None)), None);
        assert_eq!(h.qualifies(&req(vec![], Some(2))), Some(false));
        assert_eq!(h.queues(), None);
        // Within range the row is exact.
        a.skills = vec![(3, 4)];
        a.queues = vec![2, 9];
        h.sync(&a);
        assert_eq!(h.qualifies(&req(vec![(40, 1)], None)), Some(false));
        assert_eq!(h.qualifies(&req(vec![], Some(70))), Some(false));
        assert_eq!(h.queues(), Some(&[2u16, 9][..]));
    }
}
