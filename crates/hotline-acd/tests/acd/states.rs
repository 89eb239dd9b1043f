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
