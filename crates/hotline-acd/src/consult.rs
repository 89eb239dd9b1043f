//! Consulting a queue: the agent on a call asks for "someone from billing", and gets the
//! queue's first free qualified agent, picked from the router's snapshot (pure: the snapshot,
//! the queue's configuration and the agents' skills are given). Free is ready with a registered
//! phone; qualified is every skill the queue asks for at its level or above; first is the one
//! ready the longest (the router's longest-idle order), then the lowest id. The consulting
//! agent is never picked. The consultation itself is not a queue call: the queue's figures do
//! not count it.

use std::collections::BTreeMap;

use crate::{AgentId, AgentState, QueueConfig, Snapshot};

/// The agent of `snapshot` that a consultation of `queue` rings, if any (see the module doc).
/// `skills` gives each agent's skill levels.
pub fn free_agent_for(
    snapshot: &Snapshot,
    queue: &QueueConfig,
    skills: &BTreeMap<AgentId, BTreeMap<String, u8>>,
    except: AgentId,
) -> Option<AgentId> {
    snapshot
        .agents
        .iter()
        .filter(|a| a.id != except && a.registered)
        .filter_map(|a| match a.state {
            AgentState::Ready { since } => Some((since, a.id)),
            _ => None,
        })
        .filter(|(_, id)| {
            let have = skills.get(id);
            queue
                .skills
                .iter()
                .all(|(skill, level)| have.and_then(|h| h.get(skill)).is_some_and(|l| l >= level))
        })
        .min()
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgentSnapshot;

    fn agent(id: i64, state: AgentState, registered: bool) -> AgentSnapshot {
        AgentSnapshot {
            id: AgentId(id),
            state,
            registered,
            calls_handled: 0,
        }
    }

    fn queue(skills: &[(&str, u8)]) -> QueueConfig {
        QueueConfig {
            name: "billing".into(),
            skills: skills.iter().map(|(s, l)| (s.to_string(), *l)).collect(),
            ..QueueConfig::default()
        }
    }

    fn skills(list: &[(i64, &[(&str, u8)])]) -> BTreeMap<AgentId, BTreeMap<String, u8>> {
        list.iter()
            .map(|(id, s)| {
                (
                    AgentId(*id),
                    s.iter().map(|(k, l)| (k.to_string(), *l)).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn the_longest_ready_qualified_registered_other_agent_is_picked() {
        let snap = Snapshot {
            agents: vec![
                agent(1, AgentState::Ready { since: 100 }, true), // the consulting agent
                agent(2, AgentState::Ready { since: 300 }, true),
                agent(3, AgentState::Ready { since: 200 }, true),
                agent(4, AgentState::Ready { since: 50 }, false), // phone not registered
                agent(5, AgentState::Ready { since: 10 }, true),  // billing 2 < 5
                agent(
                    6,
                    AgentState::NotReady {
                        reason: crate::NotReadyReason::Break,
                        since: 0,
                    },
                    true,
                ),
                agent(7, AgentState::WrapUp { since: 0, until: 1 }, true),
            ],
            at: 1000,
            queues: Vec::new(),
        };
        let all_billing = skills(&[
            (1, &[("billing", 9)]),
            (2, &[("billing", 5)]),
            (3, &[("billing", 7), ("general", 1)]),
            (4, &[("billing", 9)]),
            (5, &[("billing", 2)]),
            (6, &[("billing", 9)]),
            (7, &[("billing", 9)]),
        ]);
        let q = queue(&[("billing", 5)]);
        assert_eq!(
            free_agent_for(&snap, &q, &all_billing, AgentId(1)),
            Some(AgentId(3)),
            "3 has been ready longer than 2"
        );
        // Two skills: only 3 has both.
        let q2 = queue(&[("billing", 5), ("general", 1)]);
        assert_eq!(
            free_agent_for(&snap, &q2, &all_billing, AgentId(1)),
            Some(AgentId(3))
        );
        // Asked by 3: 1, ready since 100.
        assert_eq!(
            free_agent_for(&snap, &q, &all_billing, AgentId(3)),
            Some(AgentId(1))
        );
        // Nobody qualified.
        let q3 = queue(&[("english", 1)]);
        assert_eq!(free_agent_for(&snap, &q3, &all_billing, AgentId(1)), None);
        // An agent whose skills are unknown is not qualified, unless the queue asks none.
        let none = skills(&[]);
        assert_eq!(free_agent_for(&snap, &q, &none, AgentId(1)), None);
        assert_eq!(
            free_agent_for(&snap, &queue(&[]), &none, AgentId(1)),
            Some(AgentId(5))
        );
    }
}
