//! The router on the core contract with the wall clock stepped by an hour, back and forward,
//! while calls wait and ring: ring timeouts, waits, wrap-up and service-level figures follow the
//! monotonic clock.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hotline_acd::{
    AgentId, AgentProfile, AgentState, CallId, CallRequest, Input, Output, QueueConfig, Router,
};
use hotline_core::{Core, Now};

use super::RouterCore;

const HOUR: i64 = 3_600_000;

/// `secs` after `t0` on the monotonic clock, the wall clock stepped by `step_ms`.
fn at(t0: Now, secs: u64, step_ms: i64) -> Now {
    Now {
        mono: t0.mono + Duration::from_secs(secs),
        unix_ms: t0.unix_ms + i64::try_from(secs).unwrap() * 1000 + step_ms,
    }
}

fn drain(core: &mut RouterCore) -> Vec<Output> {
    std::iter::from_fn(|| core.poll_output()).collect()
}

fn agent(core: &mut RouterCore, now: Now, id: i64) {
    core.handle(
        now,
        Input::AgentLogin(AgentProfile {
            id: AgentId(id),
            skills: BTreeMap::new(),
            languages: vec![],
            queues: vec!["general".into()],
        }),
    );
    core.handle(
        now,
        Input::AgentRegistered {
            agent: AgentId(id),
            registered: true,
        },
    );
}

#[test]
fn a_stepped_wall_clock_moves_no_ring_timeout_wait_wrap_up_or_service_level() {
    let t0 = Now {
        mono: Instant::now(),
        unix_ms: 1_700_000_000_000,
    };
    let mut q = QueueConfig::new("general");
    q.ring_secs = 10;
    q.wrap_up_secs = 30;
    q.announce_secs = 0;
    q.service_level.within_secs = 20;
    let mut core = RouterCore::new(Router::new(vec![q]), t0);
    agent(&mut core, t0, 1);
    core.handle(t0, Input::AgentReady(AgentId(1)));
    core.handle(
        t0,
        Input::CallArrived(CallRequest::new(CallId(7), "general")),
    );
    let out = drain(&mut core);
    assert!(
        out.contains(&Output::Offer {
            call: CallId(7),
            agent: AgentId(1)
        }),
        "{out:?}"
    );
    assert_eq!(core.poll_timeout(), Some(t0.mono + Duration::from_secs(10)));

    // The wall clock steps back an hour while the agent's phone rings: nothing is due early,
    // and the ring timeout comes at 10 s all the same.
    core.handle_timeout(at(t0, 5, -HOUR));
    assert!(drain(&mut core).is_empty());
    assert_eq!(core.poll_timeout(), Some(t0.mono + Duration::from_secs(10)));
    core.handle_timeout(at(t0, 10, -HOUR));
    let out = drain(&mut core);
    assert!(
        out.contains(&Output::RingTimeout {
            call: CallId(7),
            agent: AgentId(1)
        }),
        "the ring timeout at 10 s on the monotonic clock: {out:?}"
    );

    // The call waits on; a second agent is offered it and answers 12 s after it arrived, the
    // wall clock now an hour ahead: the wait is 12 s, within the 20 s service level.
    agent(&mut core, at(t0, 10, -HOUR), 2);
    core.handle(at(t0, 10, -HOUR), Input::AgentReady(AgentId(2)));
    let snap = core.router().snapshot(core.clock(at(t0, 11, HOUR)));
    let general = snap.queues.iter().find(|q| q.name == "general").unwrap();
    assert!(
        (10_000..=11_000).contains(&general.longest_wait_ms),
        "the wait so far: {}",
        general.longest_wait_ms
    );
    drain(&mut core);
    core.handle(
        at(t0, 12, HOUR),
        Input::Answered {
            call: CallId(7),
            agent: AgentId(2),
        },
    );
    let out = drain(&mut core);
    let wait = out.iter().find_map(|o| match o {
        Output::Connected { wait_ms, .. } => Some(*wait_ms),
        _ => None,
    });
    assert_eq!(wait, Some(12_000), "{out:?}");

    // The call ends at 40 s: 30 s of wrap-up on the monotonic clock, the wall clock stepped
    // back again meanwhile.
    core.handle(at(t0, 40, HOUR), Input::CallEnded(CallId(7)));
    let out = drain(&mut core);
    let wrap = out.iter().find_map(|o| match o {
        Output::AgentStateChanged {
            state: AgentState::WrapUp { since, until },
            ..
        } => Some(until - since),
        _ => None,
    });
    assert_eq!(wrap, Some(30_000), "{out:?}");
    assert_eq!(core.poll_timeout(), Some(t0.mono + Duration::from_secs(70)));
    core.handle_timeout(at(t0, 69, -HOUR));
    assert!(drain(&mut core).is_empty(), "not before 70 s");
    core.handle_timeout(at(t0, 70, -HOUR));
    let out = drain(&mut core);
    assert!(
        out.iter().any(|o| matches!(
            o,
            Output::AgentStateChanged {
                agent: AgentId(2),
                state: AgentState::Ready { .. }
            }
        )),
        "{out:?}"
    );
    let snap = core.router().snapshot(core.clock(at(t0, 71, 0)));
    let c = &snap
        .queues
        .iter()
        .find(|q| q.name == "general")
        .unwrap()
        .counters;
    assert_eq!((c.offered, c.answered, c.answered_within_sl), (1, 1, 1));
    core.router().check_invariants().unwrap();
}
