//! Agent state changes from the desktop: legal ones applied, illegal ones refused with the
//! state unchanged.

use hotline_acd::{AgentState, Input, NotReadyReason, Output, Refusal};

use crate::support::*;

fn not_ready(agent: i64, reason: NotReadyReason) -> Input {
    Input::AgentNotReady {
        agent: a(agent),
        reason,
    }
}

#[test]
fn illegal_changes_are_refused_and_change_nothing() {
    let mut q = queue("q");
    q.wrap_up_secs = 30;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    s.arrive(call(1, "q"));
    // Reserved: no ready, not ready, logout, end of wrap-up.
    let reserved = s.state(1);
    for input in [
        Input::AgentReady(a(1)),
        not_ready(1, NotReadyReason::Break),
        Input::AgentLogout(a(1)),
        Input::EndWrapUp(a(1)),
    ] {
        let out = s.send(input);
        assert!(
            matches!(
                out.as_slice(),
                [Output::Refused(Refusal::IllegalTransition {
                    from: "reserved",
                    ..
                })]
            ),
            "{out:?}"
        );
        assert_eq!(s.state(1), reserved);
    }
    s.answer(1, 1);
    let on_call = s.state(1);
    for input in [
        Input::AgentReady(a(1)),
        not_ready(1, NotReadyReason::Meeting),
        Input::AgentLogout(a(1)),
        Input::EndWrapUp(a(1)),
    ] {
        let out = s.send(input);
        assert!(
            matches!(
                out.as_slice(),
                [Output::Refused(Refusal::IllegalTransition {
                    from: "on_call",
                    ..
                })]
            ),
            "{out:?}"
        );
        assert_eq!(s.state(1), on_call);
    }
    s.end(1);
    // Ready: end of wrap-up is refused; ready again is a no-op.
    s.send(Input::EndWrapUp(a(1)));
    assert!(matches!(s.state(1), AgentState::Ready { .. }));
    assert!(refused(&s.send(Input::EndWrapUp(a(1)))));
    assert_eq!(s.send(Input::AgentReady(a(1))), vec![]);
}

#[test]
fn unknown_and_logged_out_agents_are_refused() {
    let mut s = Sim::new(vec![queue("q")]);
    assert_eq!(
        s.send(Input::AgentReady(a(7))),
        vec![Output::Refused(Refusal::UnknownAgent(a(7)))]
    );
    s.plain_agent(1, &["q"]);
    s.send(Input::AgentLogout(a(1)));
    assert!(matches!(s.state(1), AgentState::LoggedOut { .. }));
    assert_eq!(
        s.send(Input::AgentReady(a(1))),
        vec![Output::Refused(Refusal::NotLoggedIn(a(1)))]
    );
    assert_eq!(offers(&s.arrive(call(1, "q"))), vec![]);
    // Logging in again works, starting not ready; already logged in is refused.
    s.send(Input::AgentLogin(profile(1, &[], &[], &["q"])));
    assert!(matches!(s.state(1), AgentState::NotReady { .. }));
    assert_eq!(
        s.send(Input::AgentLogin(profile(1, &[], &[], &["q"]))),
        vec![Output::Refused(Refusal::AlreadyLoggedIn(a(1)))]
    );
    assert_eq!(offer(&s.send(Input::AgentReady(a(1)))), Some((1, 1)));
}

#[test]
fn invalid_profiles_are_refused() {
    let mut s = Sim::new(vec![queue("q")]);
    let out = s.send(Input::AgentLogin(profile(
        1,
        &[("billing", 11)],
        &[],
        &["q"],
    )));
    assert!(matches!(
        out.as_slice(),
        [Output::Refused(Refusal::InvalidProfile { .. })]
    ));
    assert!(matches!(s.state(1), AgentState::LoggedOut { .. }));
}

#[test]
fn legal_desktop_changes() {
    let mut q = queue("q");
    q.wrap_up_secs = 30;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    let out = s.send(not_ready(1, NotReadyReason::Other("lunch".into())));
    assert_eq!(
        out,
        vec![Output::AgentStateChanged {
            agent: a(1),
            state: AgentState::NotReady {
                reason: NotReadyReason::Other("lunch".into()),
                since: s.now
            }
        }]
    );
    assert_eq!(offers(&s.arrive(call(1, "q"))), vec![]);
    s.send(not_ready(1, NotReadyReason::Training));
    assert_eq!(offer(&s.send(Input::AgentReady(a(1)))), Some((1, 1)));
    s.answer(1, 1);
    s.end(1);
    // From wrap-up straight to a break: no call offered, the wrap-up timer is cancelled.
    s.send(not_ready(1, NotReadyReason::Break));
    assert_eq!(s.r.next_deadline(), None);
    s.arrive(call(2, "q"));
    assert_eq!(offers(&s.advance(secs(60))), vec![]);
    assert_eq!("break".parse::<NotReadyReason>(), Ok(NotReadyReason::Break));
}

#[test]
fn a_profile_update_keeps_the_state_and_serves_new_queues() {
    let mut s = Sim::new(vec![queue("general"), queue("billing")]);
    s.agent(profile(1, &[("general", 1)], &[], &["general"]));
    // A billing call waits: the agent does not serve billing yet.
    assert_eq!(offers(&s.arrive(call(1, "billing"))), vec![]);
    let out = s.send(Input::AgentUpdated(profile(
        1,
        &[("general", 1), ("billing", 3)],
        &[],
        &["general", "billing"],
    )));
    // Still ready (no state change), and it takes the waiting call at once.
    assert_eq!(offers(&out), vec![(1, 1)]);
    assert!(!out.iter().any(|o| matches!(
        o,
        Output::AgentStateChanged {
            state: AgentState::NotReady { .. },
            ..
        }
    )));
    // Unknown agents and bad levels are refused, changing nothing.
    assert!(refused(&s.send(Input::AgentUpdated(profile(
        9,
        &[],
        &[],
        &["general"]
    )))));
    assert!(refused(&s.send(Input::AgentUpdated(profile(
        1,
        &[("billing", 11)],
        &[],
        &[]
    )))));
    assert!(matches!(s.state(1), AgentState::Reserved { .. }));
    // Dropping a queue: the agent no longer takes its calls.
    s.answer(1, 1);
    s.end(1);
    s.send(Input::AgentUpdated(profile(
        1,
        &[("general", 1)],
        &[],
        &["general"],
    )));
    assert_eq!(offers(&s.arrive(call(2, "billing"))), vec![]);
    assert_eq!(offers(&s.arrive(call(3, "general"))), vec![(3, 1)]);
}

/// A call the router did not route (a consultation ringing the agent, a transfer to them):
/// on call with it, not offered queue calls meanwhile, back to the state they left when it
/// ends; no queue counts it.
#[test]
fn an_external_call_puts_the_agent_on_call_and_gives_back_the_state_left() {
    let mut q = queue("q");
    q.wrap_up_secs = 30;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    s.plain_agent(2, &["q"]);
    let consult = c(900);
    let out = s.send(Input::AgentOnCall {
        agent: a(1),
        call: consult,
    });
    assert!(
        matches!(out.as_slice(), [Output::AgentStateChanged { state: AgentState::OnCall { call, .. }, .. }] if *call == consult),
        "{out:?}"
    );
    // A queue call goes to agent 2, not to 1; the desk cannot make 1 ready meanwhile.
    let out = s.arrive(call(1, "q"));
    assert_eq!(offers(&out), vec![(1, 2)]);
    assert!(refused(&s.send(Input::AgentReady(a(1)))));
    assert!(refused(&s.send(Input::AgentOnCall {
        agent: a(1),
        call: c(901)
    })));
    // It ends: ready again, and offered the next call at once.
    s.answer(1, 2);
    let out = s.send(Input::CallEnded(consult));
    assert!(matches!(s.state(1), AgentState::Ready { .. }), "{out:?}");
    let out = s.arrive(call(2, "q"));
    assert_eq!(offers(&out), vec![(2, 1)]);
    // The queue counted the two calls only.
    let snap = s.r.snapshot(s.now);
    assert_eq!(snap.queues[0].counters.offered, 2);
    // Ending it again is an unknown call.
    assert!(refused(&s.send(Input::CallEnded(consult))));
}

#[test]
fn an_external_call_from_not_ready_or_wrap_up_resumes_as_not_ready_or_ready() {
    let mut q = queue("q");
    q.wrap_up_secs = 30;
    let mut s = Sim::new(vec![q]);
    s.plain_agent(1, &["q"]);
    s.send(not_ready(1, NotReadyReason::Meeting));
    s.send(Input::AgentOnCall {
        agent: a(1),
        call: c(900),
    });
    s.send(Input::CallEnded(c(900)));
    assert!(
        matches!(
            s.state(1),
            AgentState::NotReady {
                reason: NotReadyReason::Meeting,
                ..
            }
        ),
        "{:?}",
        s.state(1)
    );
    // In wrap-up after a queue call: the external call ends the wrap-up (its timer too).
    s.send(Input::AgentReady(a(1)));
    s.arrive(call(1, "q"));
    s.answer(1, 1);
    s.end(1);
    assert!(matches!(s.state(1), AgentState::WrapUp { .. }));
    s.send(Input::AgentOnCall {
        agent: a(1),
        call: c(901),
    });
    s.advance(secs(60)); // the wrap-up's time passes: no timer fires on the call
    assert!(matches!(s.state(1), AgentState::OnCall { .. }));
    s.send(Input::CallEnded(c(901)));
    assert!(matches!(s.state(1), AgentState::Ready { .. }));
    // Logged out or unknown agents are refused.
    assert!(refused(&s.send(Input::AgentOnCall {
        agent: a(7),
        call: c(902)
    })));
}
