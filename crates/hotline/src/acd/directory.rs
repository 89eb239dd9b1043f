//! The agents as the controller sees them: who to ring (SIP user), what to announce (staff
//! number), by router id and by SIP user; and which SIP users have a registered phone, so that
//! an agent logging in from the desktop after their phone registered is known to be reachable.

use std::collections::{HashMap, HashSet};

use hotline_acd::AgentId;
use hotline_store::Agent;

/// An agent as the controller needs it: who to ring, what to announce.
#[derive(Debug, Clone)]
pub struct AgentCard {
    pub id: AgentId,
    pub sip_user: String,
    pub staff_no: String,
    pub name: String,
    /// The store's record (skills and language, for the routing profile).
    pub record: Agent,
}

/// The agents, by id and by SIP user.
#[derive(Debug, Default)]
pub struct Directory {
    by_id: HashMap<AgentId, AgentCard>,
    by_sip: HashMap<String, AgentId>,
    registered: HashSet<String>,
}

impl Directory {
    pub fn new(agents: &[Agent]) -> Directory {
        let mut d = Directory::default();
        for a in agents {
            d.upsert(a);
        }
        d
    }

    /// Adds an agent, or updates one (a changed SIP user replaces the old one).
    pub fn upsert(&mut self, a: &Agent) {
        let card = AgentCard {
            id: AgentId(a.id),
            sip_user: a.sip_user.clone(),
            staff_no: a.staff_no.clone(),
            name: a.name.clone(),
            record: a.clone(),
        };
        if let Some(old) = self.by_id.get(&card.id) {
            if old.sip_user != card.sip_user {
                self.by_sip.remove(&old.sip_user);
            }
        }
        self.by_sip.insert(card.sip_user.clone(), card.id);
        self.by_id.insert(card.id, card);
    }

    pub fn get(&self, id: AgentId) -> Option<&AgentCard> {
        self.by_id.get(&id)
    }

    /// Every agent known.
    pub fn cards(&self) -> impl Iterator<Item = &AgentCard> {
        self.by_id.values()
    }

    pub fn by_sip_user(&self, user: &str) -> Option<AgentId> {
        self.by_sip.get(user).copied()
    }

    /// Notes whether `user` has a registered phone; true when that changed.
    pub fn set_registered(&mut self, user: &str, registered: bool) -> bool {
        if registered {
            self.registered.insert(user.to_string())
        } else {
            self.registered.remove(user)
        }
    }

    pub fn is_registered(&self, user: &str) -> bool {
        self.registered.contains(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: i64, sip: &str) -> Agent {
        Agent {
            id,
            login: format!("a{id}"),
            name: format!("Agent {id}"),
            staff_no: format!("{}", 1000 + id),
            sip_user: sip.into(),
            role: hotline_store::Role::Agent,
            team: String::new(),
            language: "zh".into(),
            active: true,
            skills: vec![],
            district_id: None,
        }
    }

    #[test]
    fn a_changed_sip_user_replaces_the_old_one() {
        let mut d = Directory::new(&[agent(1, "1001")]);
        assert_eq!(d.by_sip_user("1001"), Some(AgentId(1)));
        d.upsert(&agent(1, "1009"));
        assert_eq!(d.by_sip_user("1001"), None);
        assert_eq!(d.by_sip_user("1009"), Some(AgentId(1)));
        assert_eq!(d.get(AgentId(1)).map(|c| c.sip_user.as_str()), Some("1009"));
    }

    #[test]
    fn registration_changes_are_reported_once() {
        let mut d = Directory::default();
        assert!(d.set_registered("1001", true));
        assert!(!d.set_registered("1001", true));
        assert!(d.is_registered("1001"));
        assert!(d.set_registered("1001", false));
        assert!(!d.set_registered("1001", false));
    }
}
