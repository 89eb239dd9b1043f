//! The ACD router driven through the core contract ([`hotline_core::Core`]) on one clock: the
//! router keeps its shape (`handle(input, now_ms)`), and this adapter gives it its time from the
//! monotonic clock, expressed in Unix milliseconds from an anchor taken once (the moment the
//! adapter was made). Ring timeouts, wrap-up, max wait, announcements, waits and service-level
//! figures therefore never move when the wall clock is stepped (NTP, an operator); the stamps
//! the router hands out (`since`, `until`) read as Unix time and drift from the wall clock only
//! by such steps.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use hotline_acd::{Input, Millis, Output, Router};
use hotline_core::{Core, Now};

/// The router on the core contract.
#[derive(Debug)]
pub struct RouterCore {
    router: Router,
    anchor_mono: Instant,
    anchor_unix: Millis,
    out: VecDeque<Output>,
}

impl RouterCore {
    /// `router`, its clock anchored at `now`.
    pub fn new(router: Router, now: Now) -> RouterCore {
        RouterCore {
            router,
            anchor_mono: now.mono,
            anchor_unix: now.unix_ms,
            out: VecDeque::new(),
        }
    }

    /// The router's time at `now`: the anchor's Unix time plus the monotonic time since.
    pub fn clock(&self, now: Now) -> Millis {
        self.anchor_unix
            .saturating_add(now.ms_since(self.anchor_mono))
    }

    /// The monotonic instant of router time `at`.
    pub fn instant(&self, at: Millis) -> Instant {
        let ms = at.saturating_sub(self.anchor_unix).max(0);
        self.anchor_mono + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }

    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Replaces the queues (see `Router::reconfigure`); the outputs are queued.
    pub fn reconfigure(&mut self, now: Now, queues: Vec<hotline_acd::QueueConfig>) {
        let at = self.clock(now);
        let outputs = self.router.reconfigure(queues, at);
        self.out.extend(outputs);
    }

    /// `handle` returning the outputs of this one input directly (for requests that want
    /// them back); nothing is queued.
    pub fn handle_now(&mut self, now: Now, input: Input) -> Vec<Output> {
        let at = self.clock(now);
        self.router.handle(input, at)
    }
}

impl Core for RouterCore {
    type Input = Input;
    type Output = Output;

    fn handle(&mut self, now: Now, input: Input) {
        let outputs = self.handle_now(now, input);
        self.out.extend(outputs);
    }

    fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.router.next_deadline().map(|at| self.instant(at))
    }

    fn handle_timeout(&mut self, now: Now) {
        let due = self
            .router
            .next_deadline()
            .is_some_and(|at| at <= self.clock(now));
        if due {
            self.handle(now, Input::Tick);
        }
    }
}

#[cfg(test)]
mod tests;
