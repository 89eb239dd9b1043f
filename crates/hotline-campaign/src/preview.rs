//! Preview mode's choice of agent: whom a target is offered to. The customer's own account
//! manager when they are free (a key account reaches its manager first), else the free agent
//! who has been ready longest; an agent already holding an offer is not free. Pure: the shell
//! gives the agents ready in the campaign's queue (from the router) and the offers it holds.

use std::collections::BTreeSet;

use hotline_time::Millis;

/// How long an agent may look at an offer before it is taken back and offered again.
pub const DECIDE_WITHIN_MS: Millis = 120_000;

/// How long a target waits before it is offered again when no agent could take it.
pub const NO_AGENT_AGAIN_MS: Millis = 5_000;

/// An agent ready in the campaign's queue, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyAgent {
    pub agent: i64,
    pub since: Millis,
}

/// The agent to offer a target of `manager`'s customer to (`manager`: the customer's account
/// manager, if any), among `ready`, leaving out those in `holding`; `None` when nobody is free.
pub fn offer_to(
    ready: &[ReadyAgent],
    manager: Option<i64>,
    holding: &BTreeSet<i64>,
) -> Option<i64> {
    let free = || ready.iter().filter(|a| !holding.contains(&a.agent));
    if let Some(m) = manager {
        if free().any(|a| a.agent == m) {
            return Some(m);
        }
    }
    free().min_by_key(|a| (a.since, a.agent)).map(|a| a.agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(list: &[(i64, Millis)]) -> Vec<ReadyAgent> {
        list.iter()
            .map(|&(agent, since)| ReadyAgent { agent, since })
            .collect()
    }

    #[test]
    fn the_account_manager_first_then_the_longest_ready_free_agent() {
        let r = ready(&[(1, 300), (2, 100), (3, 200)]);
        let none = BTreeSet::new();
        assert_eq!(offer_to(&r, None, &none), Some(2), "ready longest");
        assert_eq!(offer_to(&r, Some(3), &none), Some(3), "the manager");
        assert_eq!(
            offer_to(&r, Some(9), &none),
            Some(2),
            "a manager not ready in the queue: the longest ready"
        );
        let holding = BTreeSet::from([2, 3]);
        assert_eq!(
            offer_to(&r, Some(3), &holding),
            Some(1),
            "the manager holds one"
        );
        let all = BTreeSet::from([1, 2, 3]);
        assert_eq!(offer_to(&r, None, &all), None);
        assert_eq!(offer_to(&[], Some(1), &none), None);
        // Ready at the same instant: the lower id, every time.
        let tie = ready(&[(5, 100), (4, 100)]);
        assert_eq!(offer_to(&tie, None, &none), Some(4));
    }
}
