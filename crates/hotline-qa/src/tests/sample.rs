//! The weekly sample: deterministic, per-agent counts, keyed, and uniform.

use crate::sample;

const SEED: &[u8] = b"centre secret";

fn calls(agents: &[&'static str], per_agent: usize) -> Vec<(&'static str, &'static str)> {
    let ids: &'static [&'static str] = &[
        "c00", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11",
    ];
    let mut out = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        for k in 0..per_agent {
            // Interleaved, so the input order is not the agents' order.
            out.push((*agent, ids[(k + i) % ids.len()]));
        }
    }
    out.reverse();
    out
}

#[test]
fn the_same_inputs_give_the_same_pick_sorted() {
    let input = calls(&["1023", "1001", "1007"], 10);
    let a = sample(&input, 3, SEED, "2026-W49");
    let b = sample(&input, 3, SEED, "2026-W49");
    assert_eq!(a, b);
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(a, sorted);
    // The input's order does not matter.
    let mut shuffled = input.clone();
    shuffled.rotate_left(7);
    assert_eq!(sample(&shuffled, 3, SEED, "2026-W49"), a);
}

#[test]
fn each_agent_gets_per_agent_calls_or_all_of_theirs() {
    let mut input = calls(&["a", "b"], 10);
    input.push(("c", "x1"));
    input.push(("c", "x2"));
    input.push(("c", "x2")); // listed twice, counted once
    let picked = sample(&input, 3, SEED, "2026-W49");
    let count = |agent: &str| picked.iter().filter(|(a, _)| *a == agent).count();
    assert_eq!((count("a"), count("b"), count("c")), (3, 3, 2));
    assert!(picked.contains(&("c", "x1")) && picked.contains(&("c", "x2")));
    for p in &picked {
        assert!(input.contains(p), "{p:?} was not a call");
    }
    assert!(sample(&input, 0, SEED, "2026-W49").is_empty());
    assert!(sample(&[], 3, SEED, "2026-W49").is_empty());
    assert_eq!(sample(&input, 100, SEED, "2026-W49").len(), 22);
}

#[test]
fn another_seed_or_week_picks_other_calls() {
    let input = calls(&["a", "b", "c", "d"], 12);
    let base = sample(&input, 3, SEED, "2026-W49");
    assert_ne!(sample(&input, 3, b"another secret", "2026-W49"), base);
    assert_ne!(sample(&input, 3, SEED, "2026-W50"), base);
    assert_ne!(sample(&input, 3, b"", "2026-W49"), base);
}

/// Whether counts of picks per position look uniform: each within ±60 of its expectation.
fn uniform(counts: &[usize], expected: usize) -> bool {
    counts.iter().all(|&n| n.abs_diff(expected) <= 60)
}

#[test]
fn every_call_is_equally_likely_to_be_picked() {
    // 1000 weeks of 10 calls, 2 picked: each position about 200 times (sd ≈ 12.6).
    let ids: Vec<String> = (0..10).map(|i| format!("call-{i}")).collect();
    let input: Vec<(&str, &str)> = ids.iter().map(|c| ("1023", c.as_str())).collect();
    let mut counts = [0usize; 10];
    for week in 0..1000 {
        let label = format!("w{week}");
        let picked = sample(&input, 2, b"fixed seed", &label);
        assert_eq!(picked.len(), 2);
        for (_, call) in picked {
            let i = ids.iter().position(|c| c == call).unwrap();
            counts[i] += 1;
        }
    }
    assert!(uniform(&counts, 200), "{counts:?}");
    // The check rejects a biased pick: always the first two calls.
    let biased = [1000, 1000, 0, 0, 0, 0, 0, 0, 0, 0];
    assert!(!uniform(&biased, 200));
    // … and one off by a third.
    assert!(!uniform(
        &[270, 130, 200, 200, 200, 200, 200, 200, 200, 200],
        200
    ));
}
