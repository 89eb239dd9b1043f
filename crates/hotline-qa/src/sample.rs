//! The weekly QA work list: a few calls per agent, picked by a keyed hash.
//!
//! Each call is ranked by SHA-256 over the seed, the week's label and the call id; each agent's
//! `per_agent` lowest-ranked calls are picked. The pick is uniform over an agent's calls and
//! reproducible by anyone who has the seed (an auditor can redo it), but not predictable without
//! it: an agent cannot tell which calls will be reviewed. A new week re-draws the pick.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Picks up to `per_agent` calls of each agent from `calls` (`(agent id, call id)`; a pair
/// listed twice counts once). An agent with fewer calls gets all of them. The result is sorted
/// by agent, then call. `week` is the week's label (`2026-W49`, see [`crate::week_label`]);
/// `seed` is the centre's secret.
pub fn sample<'a>(
    calls: &[(&'a str, &'a str)],
    per_agent: usize,
    seed: &[u8],
    week: &str,
) -> Vec<(&'a str, &'a str)> {
    let mut by_agent: BTreeMap<&'a str, BTreeSet<&'a str>> = BTreeMap::new();
    for &(agent, call) in calls {
        by_agent.entry(agent).or_default().insert(call);
    }
    let mut out = Vec::new();
    for (agent, calls) in by_agent {
        let mut ranked: Vec<([u8; 32], &'a str)> = calls
            .into_iter()
            .map(|c| (rank(seed, week, c), c))
            .collect();
        ranked.sort_unstable();
        let mut picked: Vec<&'a str> = ranked.into_iter().take(per_agent).map(|(_, c)| c).collect();
        picked.sort_unstable();
        out.extend(picked.into_iter().map(|c| (agent, c)));
    }
    out
}

/// SHA-256 over the seed, the week and the call id, each but the last preceded by its length
/// (so no two different inputs hash the same bytes).
fn rank(seed: &[u8], week: &str, call: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((seed.len() as u64).to_be_bytes());
    h.update(seed);
    h.update((week.len() as u64).to_be_bytes());
    h.update(week.as_bytes());
    h.update(call.as_bytes());
    h.finalize().into()
}
