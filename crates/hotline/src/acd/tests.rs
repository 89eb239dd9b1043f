//! The built-in queues, and the router on a monotonic clock while the wall clock steps.

use super::*;
use std::collections::BTreeMap;

#[test]
fn the_built_in_queues_parse_and_validate() {
    let q = default_queues();
    assert_eq!(q.len(), 4);
    hotline_acd::validate(&q).expect("valid queues");
}

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use hotline_acd::{AgentState, CallId, CallRequest, Exit, Millis, NotReadyReason};

const SEC: Millis = 1000;
const HOUR: Millis = 3_600 * SEC;
/// 2026-11-18 10:00 Beijing.
const START: Millis = 1_794_967_200_000;

/// The shell's core on a fake monotonic clock and a fake wall clock that a test can step.
struct Sim {
    core: Core,
    mono: Arc<AtomicI64>,
    wall: Arc<AtomicI64>,
    /// Router-time outputs and the waits to the next timer after each input.
    log: Vec<(Vec<Output>, Option<Duration>)>,
    /// The same outputs as people get them, with the wall clock at that moment.
    people: Vec<(Millis, Output)>,
}

impl Sim {
    fn new() -> Sim {
        let queues: Vec<QueueConfig> = toml::from_str::<QueuesFile>(
            r#"
[[queues]]
name = "general"
ring_secs = 15
wrap_up_secs = 30
announce_secs = 0

[[queues]]
name = "night"
max_wait_secs = 120
max_wait_exit = "hangup"
announce_secs = 0
"#,
        )
        .expect("queues")
        .queues;
        let mono = Arc::new(AtomicI64::new(START));
        let wall = Arc::new(AtomicI64::new(START));
        let (m, w) = (mono.clone(), wall.clone());
        let clocks = Clocks::new(
            move || m.load(Ordering::SeqCst),
            move || w.load(Ordering::SeqCst),
        );
        Sim {
            core: Core::new(queues, clocks),
            mono,
            wall,
            log: Vec::new(),
            people: Vec::new(),
        }
    }

    fn input(&mut self, input: Input) -> Vec<Output> {
        let outputs = self.core.handle(input);
        let shift = self.core.shift();
        let wall = self.wall.load(Ordering::SeqCst);
        for o in &outputs {
            self.people.push((wall, shift.output(o.clone())));
        }
        self.log.push((outputs.clone(), self.core.wait()));
        outputs
    }

    /// Time passes: both clocks move on.
    fn advance(&mut self, ms: Millis) {
        self.mono.fetch_add(ms, Ordering::SeqCst);
        self.wall.fetch_add(ms, Ordering::SeqCst);
    }

    /// Someone steps the wall clock (NTP, an operator); the monotonic clock does not move.
    fn step_wall(&mut self, ms: Millis) {
        self.wall.fetch_add(ms, Ordering::SeqCst);
    }

    fn wait(&self) -> Option<Duration> {
        self.core.wait()
    }
}

fn agent(id: i64) -> AgentProfile {
    AgentProfile {
        id: AgentId(id),
        skills: BTreeMap::new(),
        languages: vec![],
        queues: vec!["general".into()],
    }
}

/// A ring timeout, a re-offer, an answer, wrap-up and a max wait, with the wall clock stepped
/// (by `steps`: back an hour while ringing, forward two hours while queued, back an hour in
/// wrap-up) or not. Returns the simulation.
fn scenario(steps: [Millis; 3]) -> Sim {
    let mut s = Sim::new();
    let (a1, a2) = (AgentId(1), AgentId(2));
    for a in [1, 2] {
        s.input(Input::AgentLogin(agent(a)));
        s.input(Input::AgentRegistered {
            agent: AgentId(a),
            registered: true,
        });
    }
    s.input(Input::AgentReady(a1));
    // A call for a queue nobody serves: it leaves at its max wait, 120 s from now.
    s.input(Input::CallArrived(CallRequest::new(CallId(2), "night")));
    let out = s.input(Input::CallArrived(CallRequest::new(CallId(1), "general")));
    assert!(out.contains(&Output::Offer {
        call: CallId(1),
        agent: a1
    }));
    assert_eq!(s.wait(), Some(Duration::from_secs(15)), "the ring timeout");
    s.step_wall(steps[0]);
    assert_eq!(
        s.wait(),
        Some(Duration::from_secs(15)),
        "not moved by the step"
    );
    s.advance(15 * SEC);
    let out = s.input(Input::Tick);
    assert!(out.contains(&Output::RingTimeout {
        call: CallId(1),
        agent: a1
    }));
    s.step_wall(steps[1]);
    s.advance(5 * SEC);
    let out = s.input(Input::AgentReady(a2));
    assert!(out.contains(&Output::Offer {
        call: CallId(1),
        agent: a2
    }));
    s.advance(3 * SEC);
    let out = s.input(Input::Answered {
        call: CallId(1),
        agent: a2,
    });
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Connected {
            call: CallId(1),
            wait_ms: 23_000,
            ..
        }
    )));
    s.advance(60 * SEC);
    s.input(Input::CallEnded(CallId(1)));
    // The night call's max wait (120 s after it arrived, 83 s ago) comes before the end of
    // wrap-up (30 s).
    assert_eq!(s.wait(), Some(Duration::from_secs(30)));
    s.step_wall(steps[2]);
    assert_eq!(s.wait(), Some(Duration::from_secs(30)));
    s.advance(30 * SEC);
    let out = s.input(Input::Tick);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::AgentStateChanged { agent, state: AgentState::Ready { .. } } if *agent == a2
    )));
    assert_eq!(s.wait(), Some(Duration::from_secs(7)), "the max wait");
    s.advance(7 * SEC);
    let out = s.input(Input::Tick);
    assert!(out.contains(&Output::MaxWait {
        call: CallId(2),
        exit: Exit::Hangup
    }));
    s
}

/// The router's timers and waits do not move when the wall clock is stepped an hour back
/// and forward during a ringing and a queued call and in wrap-up: the router's outputs and
/// its next-timer waits are identical with and without the steps.
#[test]
fn wall_clock_steps_do_not_move_waits_or_timeouts() {
    let steady = scenario([0, 0, 0]);
    let stepped = scenario([-HOUR, 2 * HOUR, -HOUR]);
    assert_eq!(stepped.log, steady.log);
    // Service level figures count from these waits: the same too.
    let snap = stepped.core.snapshot();
    let general = snap
        .queues
        .iter()
        .find(|q| q.name == "general")
        .expect("general");
    assert_eq!(general.counters, steady.core.snapshot().queues[0].counters);
}

/// Times that leave the router for people are Unix times read from the wall clock when they
/// leave: a state entered now says "since now" whatever the steps were, and a snapshot's
/// `since` is as far before the wall clock's now as the state has lasted.
#[test]
fn times_for_people_follow_the_wall_clock() {
    let s = scenario([-HOUR, 2 * HOUR, -HOUR]);
    for (wall, o) in &s.people {
        if let Output::AgentStateChanged { state, .. } = o {
            assert_eq!(state.since(), *wall, "{o:?}");
        }
    }
    // Agent 1 went not ready (missed) at the ring timeout, 15 + 5 + 3 + 60 + 30 + 7 s ago;
    // the wall clock has gained an hour in all since START.
    let wall_now = s.wall.load(Ordering::SeqCst);
    assert_eq!(wall_now, START + 120 * SEC);
    let people = s.core.shift().snapshot(s.core.snapshot());
    assert_eq!(people.at, wall_now);
    let a1 = people
        .agents
        .iter()
        .find(|a| a.id == AgentId(1))
        .expect("agent 1");
    assert_eq!(
        a1.state,
        AgentState::NotReady {
            reason: NotReadyReason::Missed,
            since: wall_now - 105 * SEC
        }
    );
    // Wrap-up's end is a time too.
    let wrap = s.people.iter().find_map(|(wall, o)| match o {
        Output::AgentStateChanged {
            state: AgentState::WrapUp { since, until },
            ..
        } => Some((*wall, *since, *until)),
        _ => None,
    });
    let (wall, since, until) = wrap.expect("wrap-up");
    assert_eq!((since, until), (wall, wall + 30 * SEC));
}

/// The two clocks tick at different sub-millisecond phases: a jitter of a millisecond either
/// way leaves times for people as they were (a state's `since` reads the same twice); a step
/// beyond the tolerance is followed.
#[test]
fn the_shift_ignores_jitter_and_follows_steps() {
    let mono = Arc::new(AtomicI64::new(START));
    let wall = Arc::new(AtomicI64::new(START + 7));
    let (m, w) = (mono.clone(), wall.clone());
    let clocks = Clocks::new(
        move || m.load(Ordering::SeqCst),
        move || w.load(Ordering::SeqCst),
    );
    assert_eq!(clocks.shift(), Shift(7));
    for jitter in [1, -1, 1, 0, -1] {
        wall.store(START + 7 + jitter, Ordering::SeqCst);
        assert_eq!(clocks.shift(), Shift(7));
    }
    wall.store(START + 7 - clock::SHIFT_TOLERANCE_MS, Ordering::SeqCst);
    assert_eq!(clocks.shift(), Shift(7), "at the tolerance");
    wall.store(START + 7 - HOUR, Ordering::SeqCst);
    assert_eq!(clocks.shift(), Shift(7 - HOUR), "a step back");
    wall.store(START + 8 - HOUR, Ordering::SeqCst);
    assert_eq!(clocks.shift(), Shift(7 - HOUR), "kept after the step");
}
