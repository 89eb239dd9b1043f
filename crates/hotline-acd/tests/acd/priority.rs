//! Which waiting call an agent takes: priority, tier boost, wait, ageing, across queues.

use hotline_acd::{Input, Output, Tier};

use crate::support::*;

fn prio(id: u64, q: &str, p: u8) -> hotline_acd::CallRequest {
    let mut r = call(id, q);
    r.priority = p;
    r
}

#[test]
fn highest_effective_priority_then_longest_wait() {
    let mut q = queue("q");
    q.ageing_per_min = 0;
    let mut s = Sim::new(vec![q]);
    s.send(Input::AgentLogin(profile(1, &[], &[], &["q"])));
    s.send(Input::AgentRegistered {
        agent: a(1),
        registered: true,
    });
    s.arrive(prio(1, "q", 10));
    s.advance(secs(1));
    s.arrive(prio(2, "q", 50));
    s.advance(secs(1));
    s.arrive(prio(3, "q", 50));
    s.advance(secs(1));
    let mut k = prio(4, "q", 40);
    k.tier = Tier::KeyAccount; // + 20 (the default boost) = 60
    s.arrive(k);
    let mut order = Vec::new();
    // Each end of call makes the agent ready (no wrap-up) and it takes the next call.
    let mut out = s.send(Input::AgentReady(a(1)));
    for _ in 0..4 {
        let (call, agent) = offer(&out).unwrap();
        order.push(call);
        s.answer(call, agent);
        out = s.end(call);
    }
    assert_eq!(order, vec![4, 2, 3, 1]);
}

#[test]
fn an_agent_of_two_queues_compares_effective_priority_now() {
    let mut slow = queue("slow");
    slow.ageing_per_min = 0;
    let mut fast = queue("fast");
    fast.ageing_per_min = 6;
    let mut s = Sim::new(vec![slow, fast]);
    s.send(Input::AgentLogin(profile(1, &[], &[], &["slow", "fast"])));
    s.send(Input::AgentRegistered {
        agent: a(1),
        registered: true,
    });
    s.arrive(prio(1, "fast", 0));
    s.advance(secs(600)); // call 1: 0 + 6 × 10 = 60
    s.arrive(prio(2, "slow", 50));
    s.arrive(prio(3, "fast", 55)); // 55 now
    assert_eq!(offer(&s.send(Input::AgentReady(a(1)))), Some((1, 1)));
}

/// One agent, one call of priority 0, then a call of priority 50 every 10 s for hours while
/// the agent takes one call a minute. With ageing the old call is answered (when the stream
/// calls that arrived in its first 5 minutes are served); without ageing it never is.
#[test]
fn ageing_beats_a_stream_of_higher_priority_calls() {
    for (ageing, answered) in [(10, true), (0, false)] {
        let mut q = queue("q");
        q.ageing_per_min = ageing;
        q.ring_secs = 5;
        let mut s = Sim::new(vec![q]);
        s.plain_agent(1, &["q"]);
        s.send(Input::AgentNotReady {
            agent: a(1),
            reason: hotline_acd::NotReadyReason::Break,
        });
        s.arrive(prio(1, "q", 0));
        s.arrive(prio(2, "q", 50));
        let mut talking: Option<(u64, i64)> = None;
        let mut connected_at = None;
        let mut outs = s.send(Input::AgentReady(a(1)));
        for step in 0..(3 * 360) {
            // The agent answers at once and talks for 60 s.
            if let Some((call, agent)) = offers(&outs).last().copied() {
                let out = s.answer(call, agent);
                assert!(out.iter().any(|o| matches!(o, Output::Connected { .. })));
                talking = Some((call, step));
                if call == 1 {
                    connected_at = Some(step);
                }
            }
            s.arrive(prio(3 + step as u64, "q", 50));
            outs = s.advance(secs(10));
            if let Some((call, since)) = talking {
                if step >= since + 5 {
                    outs.extend(s.end(call));
                    talking = None;
                }
            }
        }
        assert_eq!(
            connected_at.is_some(),
            answered,
            "ageing {ageing}: {connected_at:?}"
        );
        if let Some(step) = connected_at {
            // 30 stream calls arrived in the first 300 s, served one a minute (+ ring slack).
            assert!(step * 10 < 40 * 60, "answered after {} s", step * 10);
        }
    }
}
