//! Choosing an agent: strategies, skills and levels, language, registration.

use hotline_acd::{Input, Strategy};

use crate::support::*;

#[test]
fn longest_idle_takes_the_agent_ready_longest() {
    let mut s = Sim::new(vec![queue("q")]);
    for id in [3, 1, 2] {
        s.plain_agent(id, &["q"]);
        s.advance(secs(1));
    }
    assert_eq!(offer(&s.arrive(call(1, "q"))), Some((1, 3)));
    assert_eq!(offer(&s.arrive(call(2, "q"))), Some((2, 1)));
    s.answer(1, 3);
    s.end(1);
    // Agent 3 is ready again, but since now: agent 2 is longer idle.
    assert_eq!(offer(&s.arrive(call(3, "q"))), Some((3, 2)));
    assert_eq!(offer(&s.arrive(call(4, "q"))), Some((4, 3)));
}

#[test]
fn most_skilled_takes_the_highest_sum_of_required_levels() {
    let mut q = queue("q");
    q.strategy = Strategy::MostSkilled;
    q.skills = [("billing".to_string(), 1), ("meters".to_string(), 1)].into();
    let mut s = Sim::new(vec![q]);
    s.agent(profile(1, &[("billing", 2), ("meters", 2)], &[], &["q"]));
    s.agent(profile(
        2,
        &[("billing", 5), ("meters", 3), ("gas", 10)],
        &[],
        &["q"],
    ));
    s.agent(profile(3, &[("billing", 10)], &[], &["q"]));
    s.agent(profile(4, &[("billing", 4), ("meters", 4)], &[], &["q"]));
    assert_eq!(offer(&s.arrive(call(1, "q"))), Some((1, 2)));
    // Then agent 4 (8) before agent 1 (4); agent 3 lacks meters.
    assert_eq!(offer(&s.arrive(call(2, "q"))), Some((2, 4)));
    assert_eq!(offer(&s.arrive(call(3, "q"))), Some((3, 1)));
    assert_eq!(offers(&s.arrive(call(4, "q"))), vec![]);
}

#[test]
fn round_robin_differs_from_longest_idle_after_a_busy_agent() {
    for (strategy, expected) in [(Strategy::LongestIdle, 1), (Strategy::RoundRobin, 3)] {
        let mut q = queue("q");
        q.strategy = strategy;
        let mut s = Sim::new(vec![q]);
        for id in 1..=3 {
            s.plain_agent(id, &["q"]);
            s.advance(secs(1));
        }
        assert_eq!(offer(&s.arrive(call(1, "q"))), Some((1, 1)));
        // Busy: agent 1 is skipped for call 1 (which goes to agent 2) and stays ready with
        // its old ready time.
        let out = s.send(Input::Busy {
            call: c(1),
            agent: a(1),
        });
        assert_eq!(offer(&out), Some((1, 2)));
        s.answer(1, 2);
        s.end(1);
        // Agent 1 is still the longest idle, but agent 3 has not been offered a call yet.
        assert_eq!(
            offer(&s.arrive(call(2, "q"))),
            Some((2, expected)),
            "{strategy:?}"
        );
    }
}

#[test]
fn round_robin_cycles_through_agents() {
    let mut q = queue("q");
    q.strategy = Strategy::RoundRobin;
    let mut s = Sim::new(vec![q]);
    for id in 1..=3 {
        s.plain_agent(id, &["q"]);
    }
    let mut got = Vec::new();
    for n in 1..=6 {
        let (call, agent) = offer(&s.arrive(call(n, "q"))).unwrap();
        got.push(agent);
        s.answer(call, agent);
        s.end(call);
    }
    assert_eq!(got, vec![1, 2, 3, 1, 2, 3]);
}

#[test]
fn skill_levels_are_minimums_and_call_skills_add_to_the_queue() {
    let mut q = queue("q");
    q.skills = [("billing".to_string(), 3)].into();
    let mut s = Sim::new(vec![q]);
    s.agent(profile(1, &[("billing", 2), ("meters", 5)], &[], &["q"]));
    s.agent(profile(2, &[("billing", 3)], &[], &["q"]));
    s.agent(profile(3, &[("Billing", 7), ("METERS", 2)], &[], &["q"]));
    // Agent 1 is below the level; agent 2 qualifies first.
    assert_eq!(offer(&s.arrive(call(1, "q"))), Some((1, 2)));
    // A call that also needs meters ≥ 2: agent 3 (names are case-insensitive).
    let mut r = call(2, "q");
    r.skills = vec![("meters".into(), 2)];
    assert_eq!(offer(&s.arrive(r)), Some((2, 3)));
    // The queue's level stands even when the call asks for less.
    let mut r = call(3, "q");
    r.skills = vec![("billing".into(), 1)];
    assert_eq!(offers(&s.arrive(r)), vec![]);
}

#[test]
fn language_must_match() {
    let mut s = Sim::new(vec![queue("q")]);
    s.agent(profile(1, &[], &["zh"], &["q"]));
    s.agent(profile(2, &[], &["zh", "EN"], &["q"]));
    let mut r = call(1, "q");
    r.language = Some("en".into());
    assert_eq!(offer(&s.arrive(r)), Some((1, 2)));
    let mut r = call(2, "q");
    r.language = Some("yue".into());
    assert_eq!(offers(&s.arrive(r)), vec![]);
    // A Cantonese speaker logs in and becomes ready: the waiting call is offered.
    let out = s.agent(profile(3, &[], &["yue"], &["q"]));
    assert_eq!(offer(&out), Some((2, 3)));
}

#[test]
fn unregistered_agents_are_never_offered() {
    let mut s = Sim::new(vec![queue("q")]);
    s.send(Input::AgentLogin(profile(1, &[], &[], &["q"])));
    s.send(Input::AgentReady(a(1)));
    s.plain_agent(2, &["q"]);
    s.send(Input::AgentRegistered {
        agent: a(2),
        registered: false,
    });
    assert_eq!(offers(&s.arrive(call(1, "q"))), vec![]);
    s.advance(secs(30));
    // Registration makes agent 1 routable: the waiting call goes to it.
    let out = s.send(Input::AgentRegistered {
        agent: a(1),
        registered: true,
    });
    assert_eq!(offer(&out), Some((1, 1)));
}

#[test]
fn agents_only_get_calls_of_queues_they_serve() {
    let mut s = Sim::new(vec![queue("q"), queue("other")]);
    s.plain_agent(1, &["other"]);
    assert_eq!(offers(&s.arrive(call(1, "q"))), vec![]);
    assert_eq!(offer(&s.arrive(call(2, "other"))), Some((2, 1)));
}
