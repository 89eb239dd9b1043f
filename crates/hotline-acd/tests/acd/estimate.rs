//! Expected wait, per call, against hand-computed figures. Talk time 180 s and wrap-up 30 s
//! give a cycle T = 210 s.

use hotline_acd::{Input, NotReadyReason, Output, QueueConfig};

use crate::support::*;

fn announced(out: &[Output], id: u64) -> (u32, Option<i64>) {
    announces(out)
        .into_iter()
        .find(|x| x.0 == id)
        .map(|x| (x.1, x.2))
        .unwrap()
}

fn q(name: &str) -> QueueConfig {
    let mut q = queue(name);
    q.announce_secs = 30;
    q.wrap_up_secs = 30;
    q.default_handle_secs = 180;
    q
}

fn not_ready(s: &mut Sim, agent: i64) {
    s.send(Input::AgentNotReady {
        agent: a(agent),
        reason: NotReadyReason::Break,
    });
}

/// Agent 1 on a call for 60 s (free in 180 − 60 + 30 = 150 s), agent 2 in wrap-up with 10 s
/// left. Calls ahead 0, 1, 2 → 10 s; 150 s; 10 + 210 = 220 s.
#[test]
fn waits_follow_the_order_in_which_agents_free_up() {
    let mut s = Sim::new(vec![q("q")]);
    s.plain_agent(1, &["q"]);
    not_ready(&mut s, 1);
    s.plain_agent(2, &["q"]);
    s.advance(secs(100));
    s.arrive(call(100, "q"));
    s.answer(100, 2);
    s.advance(secs(140));
    s.send(Input::AgentReady(a(1)));
    s.arrive(call(101, "q"));
    s.answer(101, 1);
    s.advance(secs(40)); // t = 280: call 100 talked 180 s
    s.end(100); // wrap-up until 310
    s.advance(secs(20)); // t = 300
    let o1 = s.arrive(call(1, "q"));
    let o2 = s.arrive(call(2, "q"));
    let o3 = s.arrive(call(3, "q"));
    assert_eq!(announced(&o1, 1), (1, Some(secs(10))));
    assert_eq!(announced(&o2, 2), (2, Some(secs(150))));
    assert_eq!(announced(&o3, 3), (3, Some(secs(220))));
    // A higher priority call goes first: position 1, the first agent to free.
    let mut r = call(4, "q");
    r.priority = 50;
    assert_eq!(announced(&s.arrive(r), 4), (1, Some(secs(10))));
    // Ten seconds later agent 2 is ready and takes call 4; call 1 is next: agent 1 in 140 s.
    let out = s.advance(secs(10));
    assert_eq!(offer(&out), Some((4, 2)));
    let snap = s.r.snapshot(s.now);
    assert_eq!(snap.queues[0].waiting, 4);
    assert_eq!(snap.queues[0].ringing, 1);
    assert_eq!(snap.queues[0].longest_wait_ms, secs(10));
}

#[test]
fn no_agent_to_wait_for_gives_no_estimate() {
    let mut s = Sim::new(vec![q("q")]);
    assert_eq!(announced(&s.arrive(call(1, "q")), 1), (1, None));
    // Logged in and registered but not ready: not counted.
    s.send(Input::AgentLogin(profile(1, &[], &[], &["q"])));
    s.send(Input::AgentRegistered {
        agent: a(1),
        registered: true,
    });
    assert_eq!(announced(&s.arrive(call(2, "q")), 2), (2, None));
    // The periodic announcement comes every 30 s.
    let out = s.advance(secs(30));
    assert_eq!(announces(&out).len(), 2);
}

/// Agent 1 serves P and Q, agent 2 only Q; both just answered Q calls (free in T = 210 s).
/// Four Q calls of priority 10 wait. A P call of priority 0: own queue 0 ahead, Q has 4
/// ahead of it and agent 1 is 1 of Q's 2 available agents → 4 × ½ = 2 ahead; one agent:
/// 210 + 2 × 210 = 630 s.
#[test]
fn calls_of_other_queues_count_by_the_share_of_shared_agents() {
    let mut s = Sim::new(vec![q("p"), q("q")]);
    s.plain_agent(1, &["p", "q"]);
    s.advance(secs(1));
    s.plain_agent(2, &["q"]);
    s.arrive(call(100, "q"));
    s.arrive(call(101, "q"));
    s.answer(100, 1);
    s.answer(101, 2);
    for id in 1..=4 {
        let mut r = call(id, "q");
        r.priority = 10;
        s.arrive(r);
    }
    assert_eq!(
        announced(&s.arrive(call(10, "p")), 10),
        (1, Some(secs(630)))
    );
    // A new call to Q: 4 ahead in Q plus 1 from P (call 10 is older, agent 1 is P's only
    // available agent) = 5; two agents: f[5 mod 2] + (5 div 2) × 210 = 630 s.
    let snap = s.r.snapshot(s.now);
    assert_eq!(snap.queues[1].expected_wait_ms, Some(secs(630)));
    assert_eq!(snap.queues[1].agents_available, 2);
}

#[test]
fn measured_talk_times_replace_the_default() {
    let mut s = Sim::new(vec![q("q")]);
    s.plain_agent(1, &["q"]);
    for (id, talk) in [(1, 60), (2, 120)] {
        s.arrive(call(id, "q"));
        s.answer(id, 1);
        s.advance(secs(talk));
        s.end(id);
        s.send(Input::EndWrapUp(a(1)));
    }
    let snap = s.r.snapshot(s.now);
    assert_eq!(snap.queues[0].average_talk_ms, secs(90));
    // Agent 1 on a fresh call: free in 90 + 30 = 120 s.
    s.arrive(call(3, "q"));
    s.answer(3, 1);
    assert_eq!(announced(&s.arrive(call(4, "q")), 4), (1, Some(secs(120))));
}
