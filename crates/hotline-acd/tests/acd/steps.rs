//! Routing steps (key accounts: the account manager first, then key-account agents, then
//! anyone) and skill relaxation over time.

use std::collections::BTreeMap;

use hotline_acd::{Input, NotReadyReason, QueueConfig, Relax, RouteStep, Tier};

use crate::support::*;

fn ka_queue() -> QueueConfig {
    let mut q = queue("ka");
    q.skills = [("billing".to_string(), 1)].into();
    q.steps = vec![
        RouteStep {
            after_secs: 0,
            preferred_only: true,
            tier: Some(Tier::KeyAccount),
            ..RouteStep::default()
        },
        RouteStep {
            after_secs: 20,
            skills: BTreeMap::from([("key_account".to_string(), 1)]),
            tier: Some(Tier::KeyAccount),
            ..RouteStep::default()
        },
        RouteStep {
            after_secs: 60,
            ..RouteStep::default()
        },
    ];
    q
}

fn ka_sim() -> Sim {
    let mut s = Sim::new(vec![ka_queue()]);
    // 3: plain, ready longest; 2: key-account skill; 1: the account manager.
    s.agent(profile(3, &[("billing", 5)], &[], &["ka"]));
    s.advance(secs(1));
    s.agent(profile(
        2,
        &[("billing", 5), ("key_account", 1)],
        &[],
        &["ka"],
    ));
    s.advance(secs(1));
    s.agent(profile(1, &[], &[], &["ka"]));
    s
}

#[test]
fn the_account_manager_gets_the_call_first_when_ready() {
    let mut s = ka_sim();
    // The manager has no billing skill: the preferred step checks identity only.
    assert_eq!(offer(&s.arrive(key_call(1, "ka", 1))), Some((1, 1)));
}

#[test]
fn manager_for_20_s_then_key_account_agents_then_anyone() {
    let mut s = ka_sim();
    s.send(Input::AgentNotReady {
        agent: a(1),
        reason: NotReadyReason::Meeting,
    });
    assert_eq!(offers(&s.arrive(key_call(1, "ka", 1))), vec![]);
    assert_eq!(s.r.next_deadline(), Some(s.now + secs(20)));
    assert_eq!(offers(&s.advance(secs(19))), vec![]);
    // Step 2: agent 2 (key_account ≥ 1), not agent 3 although idle longer.
    assert_eq!(offer(&s.advance(secs(1))), Some((1, 2)));

    // Another key call while agent 2 is busy: waits through step 2, agent 3 at 60 s.
    s.answer(1, 2);
    s.arrive(key_call(2, "ka", 1));
    assert_eq!(offers(&s.advance(secs(59))), vec![]);
    assert_eq!(offer(&s.advance(secs(1))), Some((2, 3)));
}

#[test]
fn the_manager_becoming_ready_in_step_one_takes_the_call() {
    let mut s = ka_sim();
    s.send(Input::AgentNotReady {
        agent: a(1),
        reason: NotReadyReason::Break,
    });
    s.arrive(key_call(1, "ka", 1));
    s.advance(secs(5));
    assert_eq!(offer(&s.send(Input::AgentReady(a(1)))), Some((1, 1)));
}

#[test]
fn standard_calls_skip_key_account_steps() {
    let mut s = ka_sim();
    // Agent 3 is the longest idle and has the base skill.
    assert_eq!(offer(&s.arrive(call(1, "ka"))), Some((1, 3)));
    // A key call without a preferred agent skips the preferred step (none in force until
    // 20 s: base skills), so anyone qualified may take it.
    let mut r = call(2, "ka");
    r.tier = Tier::KeyAccount;
    assert_eq!(offer(&s.arrive(r)), Some((2, 2)));
}

fn relax_queue() -> QueueConfig {
    let mut q = queue("q");
    q.skills = [("billing".to_string(), 3), ("meters".to_string(), 2)].into();
    q.relax = vec![
        Relax {
            after_secs: 30,
            by: 1,
        },
        Relax {
            after_secs: 60,
            by: 2,
        },
    ];
    q
}

#[test]
fn relaxation_lowers_levels_over_time() {
    let mut s = Sim::new(vec![relax_queue()]);
    s.agent(profile(1, &[("billing", 1), ("meters", 1)], &[], &["q"]));
    s.agent(profile(2, &[("billing", 2), ("meters", 1)], &[], &["q"]));
    s.arrive(call(1, "q"));
    s.arrive(call(2, "q"));
    assert_eq!(s.r.next_deadline(), Some(s.now + secs(30)));
    assert_eq!(offers(&s.advance(secs(29))), vec![]);
    // From 30 s: billing ≥ 2, meters ≥ 1: agent 2 takes call 1.
    assert_eq!(offer(&s.advance(secs(1))), Some((1, 2)));
    s.answer(1, 2);
    // From 60 s: billing ≥ 1, meters ≥ 1 (never below 1): agent 1 takes call 2.
    assert_eq!(offer(&s.advance(secs(30))), Some((2, 1)));
}

#[test]
fn relaxation_never_drops_a_required_skill() {
    let mut s = Sim::new(vec![relax_queue()]);
    s.agent(profile(1, &[("billing", 9)], &[], &["q"]));
    s.arrive(call(1, "q"));
    assert_eq!(offers(&s.advance(secs(3600))), vec![]);
    assert_eq!(s.r.next_deadline(), None);
}
