//! Offers: answer, no answer (reported or timed out), busy and failed, wrap-up after the call.

use hotline_acd::{AgentState, Input, NotReadyReason, Output, Refusal};

use crate::support::*;

#[test]
fn no_answer_makes_the_agent_not_ready_and_offers_the_next() {
    let mut s = Sim::new(vec![queue("q")]);
    s.plain_agent(1, &["q"]);
    s.plain_agent(2, &["q"]);
    assert_eq!(offer(&s.arrive(call(1, "q"))), Some((1, 1)));
    assert!(matches!(s.state(1), AgentState::Reserved { call, .. } if call == c(1)));
    let out = s.send(Input::NoAnswer {
        call: c(1),
        agent: a(1),
    });
    assert_eq!(offer(&out), Some((1, 2)));
    assert!(matches!(
        s.state(1),
        AgentState::NotReady {
            reason: NotReadyReason::Missed,
            ..
        }
    ));
}

#[test]
fn the_router_times_out_an_offer_after_the_ring_time() {
    let mut q = queue("q");
    q.ring_secs = 15;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    assert_eq!(offer(&s.arrive(call(1, "q"))), Some((1, 1)));
    assert_eq!(s.r.next_deadline(), Some(s.now + secs(15)));
    assert!(s
        .advance(secs(14))
        .iter()
        .all(|o| !matches!(o, Output::RingTimeout { .. })));
    let out = s.advance(secs(1));
    assert!(out.contains(&Output::RingTimeout {
        call: c(1),
        agent: a(1)
    }));
    assert!(matches!(
        s.state(1),
        AgentState::NotReady {
            reason: NotReadyReason::Missed,
            ..
        }
    ));
    // A late answer is refused: the offer is gone.
    assert!(refused(&s.answer(1, 1)));
    let out = s.plain_agent(2, &["q"]);
    assert_eq!(offer(&out), Some((1, 2)));
}

#[test]
fn an_unanswered_call_goes_back_to_the_front_of_its_place() {
    let mut q = queue("q");
    q.ageing_per_min = 0;
    q.announce_secs = 20;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    assert_eq!(offer(&s.arrive(call(1, "q"))), Some((1, 1)));
    s.advance(secs(1));
    s.arrive(call(2, "q"));
    s.advance(secs(1));
    s.arrive(call(3, "q"));
    s.send(Input::NoAnswer {
        call: c(1),
        agent: a(1),
    });
    // Position 1 again, ahead of calls 2 and 3.
    let out = s.advance(secs(20));
    let mut positions: Vec<(u64, u32)> = announces(&out).iter().map(|x| (x.0, x.1)).collect();
    positions.sort();
    assert_eq!(positions, vec![(1, 1), (2, 2), (3, 3)]);
    let out = s.plain_agent(2, &["q"]);
    assert_eq!(offer(&out), Some((1, 2)));
}

#[test]
fn a_busy_or_failed_agent_is_skipped_but_stays_ready() {
    for failed in [false, true] {
        let mut s = Sim::new(vec![queue("q")]);
        s.plain_agent(1, &["q"]);
        assert_eq!(offer(&s.arrive(call(1, "q"))), Some((1, 1)));
        let input = if failed {
            Input::Failed {
                call: c(1),
                agent: a(1),
            }
        } else {
            Input::Busy {
                call: c(1),
                agent: a(1),
            }
        };
        let out = s.send(input);
        assert_eq!(offers(&out), vec![]);
        assert!(matches!(s.state(1), AgentState::Ready { since } if since == T0));
        // Not offered call 1 again, but the next call.
        assert_eq!(offer(&s.arrive(call(2, "q"))), Some((2, 1)));
        // Another agent gets call 1.
        assert_eq!(offer(&s.plain_agent(2, &["q"])), Some((1, 2)));
    }
}

#[test]
fn a_skipped_agent_gets_the_call_again_after_one_ring_time() {
    let mut q = queue("q");
    q.ring_secs = 10;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    s.arrive(call(1, "q"));
    s.send(Input::Busy {
        call: c(1),
        agent: a(1),
    });
    assert_eq!(s.r.next_deadline(), Some(s.now + secs(10)));
    assert_eq!(offers(&s.advance(secs(9))), vec![]);
    assert_eq!(offer(&s.advance(secs(1))), Some((1, 1)));
}

#[test]
fn wrap_up_then_ready_on_the_tick() {
    let mut q = queue("q");
    q.wrap_up_secs = 30;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    s.arrive(call(1, "q"));
    s.answer(1, 1);
    s.advance(secs(100));
    let out = s.end(1);
    let until = s.now + secs(30);
    assert!(out.contains(&Output::AgentStateChanged {
        agent: a(1),
        state: AgentState::WrapUp {
            since: s.now,
            until
        }
    }));
    s.arrive(call(2, "q"));
    assert_eq!(s.r.next_deadline(), Some(until));
    assert_eq!(offers(&s.advance(secs(29))), vec![]);
    let out = s.advance(secs(1));
    assert!(out.contains(&Output::AgentStateChanged {
        agent: a(1),
        state: AgentState::Ready { since: until }
    }));
    assert_eq!(offer(&out), Some((2, 1)));
}

#[test]
fn wrap_up_can_end_early() {
    let mut q = queue("q");
    q.wrap_up_secs = 60;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    s.arrive(call(1, "q"));
    s.answer(1, 1);
    s.end(1);
    s.advance(secs(5));
    s.arrive(call(2, "q"));
    let out = s.send(Input::EndWrapUp(a(1)));
    assert_eq!(offer(&out), Some((2, 1)));
    // The wrap-up timer is gone; only call 2's ring timer is left.
    assert_eq!(s.r.next_deadline(), Some(s.now + secs(20)));
}

/// Where reasons are required, the wrap-up's time ending does not make the agent ready while
/// the call's reasons are owed; giving them then ends it at once, and the waiting call is
/// offered. Reasons given before the time is over leave the timer to end it as usual.
#[test]
fn a_wrap_up_held_for_reasons_ends_when_they_are_given() {
    let mut q = queue("q");
    q.wrap_up_secs = 30;
    let mut s = Sim::new(vec![q]);
    s.r.hold_wrap_up_for_reasons(true);
    s.plain_agent(1, &["q"]);
    s.arrive(call(1, "q"));
    s.answer(1, 1);
    s.end(1);
    let since = s.now;
    s.arrive(call(2, "q"));
    // The time is over: still in wrap-up, nothing offered, no timer of the agent's left.
    let out = s.advance(secs(31));
    assert_eq!(offers(&out), vec![]);
    assert!(matches!(s.state(1), AgentState::WrapUp { since: at, .. } if at == since));
    assert_eq!(s.r.next_deadline(), None, "only the held wrap-up, no timer");
    // The reasons: ready at once, and call 2 offered.
    let out = s.send(Input::WrapUpReasons(a(1)));
    assert!(out.contains(&Output::AgentStateChanged {
        agent: a(1),
        state: AgentState::Ready { since: s.now }
    }));
    assert_eq!(offer(&out), Some((2, 1)));

    // Next call: reasons given early; the timer ends the wrap-up at its time.
    s.answer(2, 1);
    s.end(2);
    let until = s.now + secs(30);
    assert_eq!(s.send(Input::WrapUpReasons(a(1))), vec![]);
    assert!(matches!(s.state(1), AgentState::WrapUp { .. }));
    let out = s.advance(secs(30));
    assert!(out.contains(&Output::AgentStateChanged {
        agent: a(1),
        state: AgentState::Ready { since: until }
    }));
    // Reasons given when nothing is held change nothing.
    assert_eq!(s.send(Input::WrapUpReasons(a(1))), vec![]);
    assert!(matches!(s.state(1), AgentState::Ready { .. }));
}

/// A held wrap-up can still be left from the desktop (the web layer checks the reasons
/// first); the router does not keep a hold on an agent who left it.
#[test]
fn a_held_wrap_up_left_from_the_desktop_owes_nothing_after() {
    let mut q = queue("q");
    q.wrap_up_secs = 10;
    let mut s = Sim::new(vec![q]);
    s.r.hold_wrap_up_for_reasons(true);
    s.plain_agent(1, &["q"]);
    s.arrive(call(1, "q"));
    s.answer(1, 1);
    s.end(1);
    s.advance(secs(20));
    assert!(matches!(s.state(1), AgentState::WrapUp { .. }));
    let out = s.send(Input::AgentNotReady {
        agent: a(1),
        reason: hotline_acd::NotReadyReason::Break,
    });
    assert!(matches!(
        out.as_slice(),
        [Output::AgentStateChanged {
            state: AgentState::NotReady { .. },
            ..
        }]
    ));
    // Without the hold, the same time ends the wrap-up (the default).
    s.r.hold_wrap_up_for_reasons(false);
    s.send(Input::AgentReady(a(1)));
    s.arrive(call(2, "q"));
    s.answer(2, 1);
    s.end(2);
    s.advance(secs(10));
    assert!(matches!(s.state(1), AgentState::Ready { .. }));
}

#[test]
fn answers_from_the_wrong_agent_are_refused() {
    let mut s = Sim::new(vec![queue("q")]);
    s.plain_agent(1, &["q"]);
    s.plain_agent(2, &["q"]);
    s.arrive(call(1, "q"));
    let out = s.answer(1, 2);
    assert_eq!(
        out,
        vec![Output::Refused(Refusal::NotOffered {
            call: c(1),
            agent: a(2)
        })]
    );
    assert!(matches!(s.state(1), AgentState::Reserved { .. }));
    assert!(matches!(s.state(2), AgentState::Ready { .. }));
    assert!(refused(&s.answer(9, 1)));
}
