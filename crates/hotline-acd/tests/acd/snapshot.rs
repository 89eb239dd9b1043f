//! Snapshot counters after a known mix of calls.

use hotline_acd::{AgentState, Input};

use crate::support::*;

#[test]
fn counters_add_up() {
    let mut q = queue("q");
    q.short_abandon_secs = 5;
    q.ring_secs = 10;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    // Answered at once (within 20 s).
    s.arrive(call(1, "q"));
    s.answer(1, 1);
    // Answered after 25 s, after one ring-out (agent 1 is busy, agent 2 does not answer).
    s.arrive(call(2, "q"));
    s.plain_agent(2, &["q"]);
    s.advance(secs(10));
    s.advance(secs(12));
    s.end(1);
    s.advance(secs(3));
    s.answer(2, 1);
    // Abandoned after 2 s (short) and after 30 s.
    s.arrive(call(3, "q"));
    s.advance(secs(2));
    s.send(Input::CallAbandoned(c(3)));
    s.arrive(call(4, "q"));
    s.advance(secs(30));
    s.send(Input::CallAbandoned(c(4)));
    // A callback, completed.
    s.arrive(call(5, "q"));
    s.send(Input::CallbackRequested {
        call: c(5),
        number: "1".into(),
    });
    s.end(2);
    s.send(Input::CallbackResult {
        call: c(5),
        reached: true,
    });
    // One still waiting.
    s.arrive(call(6, "q"));
    let snap = s.r.snapshot(s.now + secs(4));
    let q = &snap.queues[0];
    let k = q.counters;
    assert_eq!(k.offered, 6);
    assert_eq!((k.answered, k.answered_within_sl), (2, 1));
    assert_eq!((k.abandoned, k.short_abandoned), (2, 1));
    assert_eq!((k.callbacks_requested, k.callbacks_completed), (1, 1));
    assert_eq!(k.no_answers, 1);
    assert_eq!(k.agent_offers, 4);
    assert_eq!((q.waiting, q.longest_wait_ms), (1, secs(4)));
    let agents = &snap.agents;
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0].calls_handled, 3);
    assert!(matches!(agents[0].state, AgentState::OnCall { .. }));
    assert!(matches!(agents[1].state, AgentState::NotReady { .. }));
    assert_eq!(agents[1].calls_handled, 0);
}
