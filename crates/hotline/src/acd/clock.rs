//! The ACD shell's two clocks. The router runs on a monotonic clock (milliseconds of
//! `Instant` since the engine started, plus the Unix time at start so the figures stay positive
//! and read like times), so its timers (ring timeouts, wrap-up, max wait, retries, ageing) and
//! waits never move when the wall clock is stepped (NTP, an operator). Times leave the router
//! for people (an agent's state `since`/`until`, a snapshot's `at`) converted to Unix time with
//! the wall clock read at that moment ([`Shift`]); durations (waits, expected waits, talk
//! times) need no conversion. The shift is kept while the two clocks agree to within
//! [`SHIFT_TOLERANCE_MS`] (they tick at different sub-millisecond phases, and a state's
//! `since` must read the same twice), and follows the wall clock when it steps further. The metrics keep the router's own times: they count seconds
//! between router times, which a wall-clock step must not stretch or shrink.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use hotline_acd::{AgentSnapshot, AgentState, Millis, Output, Snapshot};

type Source = Arc<dyn Fn() -> Millis + Send + Sync>;

/// How far the wall clock may move from the monotonic one before times for people follow it.
pub const SHIFT_TOLERANCE_MS: Millis = 1_000;

/// The monotonic clock the router runs on and the wall clock people read.
#[derive(Clone)]
pub struct Clocks {
    mono: Source,
    unix: Source,
    /// The shift in force (see [`Clocks::shift`]).
    kept: Arc<AtomicI64>,
}

impl Clocks {
    /// The machine's clocks: `Instant` for the router (starting at the Unix time now),
    /// `SystemTime` for people.
    pub fn system() -> Clocks {
        let started = std::time::Instant::now();
        let base = crate::storage::now_ms();
        Clocks::new(
            move || {
                base.saturating_add(
                    Millis::try_from(started.elapsed().as_millis()).unwrap_or(Millis::MAX),
                )
            },
            crate::storage::now_ms,
        )
    }

    /// Given clocks (tests: fake ones).
    pub fn new(
        mono: impl Fn() -> Millis + Send + Sync + 'static,
        unix: impl Fn() -> Millis + Send + Sync + 'static,
    ) -> Clocks {
        let kept = unix().saturating_sub(mono());
        Clocks {
            mono: Arc::new(mono),
            unix: Arc::new(unix),
            kept: Arc::new(AtomicI64::new(kept)),
        }
    }

    /// The router's time now.
    pub fn mono(&self) -> Millis {
        (self.mono)()
    }

    /// How to turn router times into Unix times now: the shift in force, unless the wall
    /// clock has moved more than [`SHIFT_TOLERANCE_MS`] from it (a step), then the new one.
    pub fn shift(&self) -> Shift {
        let measured = (self.unix)().saturating_sub(self.mono());
        let kept = self.kept.load(Ordering::Relaxed);
        if measured.saturating_sub(kept).abs() > SHIFT_TOLERANCE_MS {
            self.kept.store(measured, Ordering::Relaxed);
            Shift(measured)
        } else {
            Shift(kept)
        }
    }
}

impl std::fmt::Debug for Clocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clocks")
    }
}

/// Unix time minus router time, read at one moment: added to a router time it gives the Unix
/// time that is as long before the wall clock's "now" as the router time is before the
/// router's "now".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift(pub Millis);

impl Shift {
    pub fn time(self, t: Millis) -> Millis {
        t.saturating_add(self.0)
    }

    pub fn state(self, state: AgentState) -> AgentState {
        match state {
            AgentState::LoggedOut { since } => AgentState::LoggedOut {
                since: self.time(since),
            },
            AgentState::Ready { since } => AgentState::Ready {
                since: self.time(since),
            },
            AgentState::NotReady { reason, since } => AgentState::NotReady {
                reason,
                since: self.time(since),
            },
            AgentState::Reserved { call, since } => AgentState::Reserved {
                call,
                since: self.time(since),
            },
            AgentState::OnCall { call, since } => AgentState::OnCall {
                call,
                since: self.time(since),
            },
            AgentState::WrapUp { since, until } => AgentState::WrapUp {
                since: self.time(since),
                until: self.time(until),
            },
        }
    }

    pub fn agent(self, a: AgentSnapshot) -> AgentSnapshot {
        AgentSnapshot {
            state: self.state(a.state),
            ..a
        }
    }

    /// Only `AgentStateChanged` carries times; every other output carries durations.
    pub fn output(self, o: Output) -> Output {
        match o {
            Output::AgentStateChanged { agent, state } => Output::AgentStateChanged {
                agent,
                state: self.state(state),
            },
            other => other,
        }
    }

    pub fn snapshot(self, s: Snapshot) -> Snapshot {
        Snapshot {
            at: self.time(s.at),
            queues: s.queues,
            agents: s.agents.into_iter().map(|a| self.agent(a)).collect(),
        }
    }
}
