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
/// The router time of an earlier instant, rounded once (see [`Clocks::mono_at`]).
type AtSource = Arc<dyn Fn(std::time::Instant) -> Millis + Send + Sync>;

/// How far the wall clock may move from the monotonic one before times for people follow it.
pub const SHIFT_TOLERANCE_MS: Millis = 1_000;

/// The monotonic clock the router runs on and the wall clock people read.
#[derive(Clone)]
pub struct Clocks {
    mono: Source,
    /// The machine's clock gives the router time of any instant; fake clocks do not.
    at: Option<AtSource>,
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
        let at = move |t: std::time::Instant| {
            base.saturating_add(
                Millis::try_from(t.saturating_duration_since(started).as_millis())
                    .unwrap_or(Millis::MAX),
            )
        };
        let mut clocks = Clocks::new(
            move || at(std::time::Instant::now()),
            crate::storage::now_ms,
        );
        clocks.at = Some(Arc::new(at));
        clocks
    }

    /// Given clocks (tests: fake ones).
    pub fn new(
        mono: impl Fn() -> Millis + Send + Sync + 'static,
        unix: impl Fn() -> Millis + Send + Sync + 'static,
    ) -> Clocks {
        let kept = unix().saturating_sub(mono());
        Clocks {
            mono: Arc::new(mono),
            at: None,
            unix: Arc::new(unix),
            kept: Arc::new(AtomicI64::new(kept)),
        }
    }

    /// The router's time now.
    pub fn mono(&self) -> Millis {
        (self.mono)()
    }

    /// The router's time of `at`, an instant already past (when the call core handled the
    /// input the router is now given). On the machine's clock it is rounded once from the
    /// instant itself, so two inputs' times are as far apart as the core's instants were
    /// (to the millisecond, as the call record has it); taking the time now minus how long
    /// the message waited rounded twice, and a caller's wait on `/metrics` could differ
    /// from the record's by 2 ms. Fake clocks: their time now minus the wait.
    pub fn mono_at(&self, at: std::time::Instant) -> Millis {
        match &self.at {
            Some(of) => of(at),
            None => {
                let ago = Millis::try_from(at.elapsed().as_millis()).unwrap_or(Millis::MAX);
                self.mono().saturating_sub(ago)
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn an_instants_router_time_is_rounded_once_from_the_instant() {
        let clocks = Clocks::system();
        let t0 = Instant::now();
        // Instants 1.9 ms apart, at every phase of the millisecond: their router times are
        // 1 or 2 ms apart (rounded once each), never 3 as "now minus the wait" could give.
        for k in 0..50u64 {
            let a = t0 + Duration::from_micros(37 * k);
            let b = a + Duration::from_micros(1_900);
            let d = clocks.mono_at(b) - clocks.mono_at(a);
            assert!((1..=2).contains(&d), "{d} ms at phase {k}");
        }
        // The same instant, the same time however late it is asked.
        let then = Instant::now();
        let first = clocks.mono_at(then);
        std::thread::sleep(Duration::from_millis(3));
        assert_eq!(clocks.mono_at(then), first);
        assert!(clocks.mono() >= first + 3);
    }
}
