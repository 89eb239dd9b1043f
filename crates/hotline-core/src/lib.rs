//! What every pure core of the engine shares (the SIP core, the call core, the ACD router, the
//! IVR interpreter): one call id, one clock, one contract, one phone-number mask. No tokio, no
//! sockets, no clock reads. (Also the one "did you mean …?" speller of error messages.)
//!
//! # The core contract
//! A core is a plain state machine driven by its shell:
//! - `handle(now, input)`: one input (bytes, an event, a command, an answer to a request the
//!   core made), with the time it happened;
//! - `poll_output()`: what the core wants done, one output at a time, until `None`; the shell
//!   carries each out (send bytes, spawn a task, write a record) and feeds any answer back as
//!   a later input;
//! - `poll_timeout()`: the earliest monotonic instant at which the core has a timer due;
//! - `handle_timeout(now)`: called at (or after) that instant; fires every timer due.
//!
//! The core never reads a clock and never waits: timers live in a set inside it, so tests and
//! the simulation harness run hours of calls on a virtual clock in milliseconds, and a race
//! (two inputs in the same instant) is staged by feeding them in the order wanted.
//! [`Core`] states the contract as a trait, for shells and harnesses that drive several cores.

#![warn(unreachable_pub)]

pub mod desk;
pub mod end;
pub mod spelling;

pub use end::EndReason;

use std::fmt;
use std::time::{Duration, Instant};

/// A call: one SIP dialog as the engine names it (not the SIP Call-ID), and the same number in
/// the ACD router, the call core and the call records. Inbound and outbound calls share the
/// numbering (the SIP core hands out fresh ids for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct CallId(pub u64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

/// Unix time in milliseconds (stamps, calendars, records).
pub type UnixMs = i64;

/// The time, twice: the monotonic clock for timers and waits (an NTP step never moves it) and
/// Unix time for stamps. Cores take it as an argument; only shells read clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub mono: Instant,
    pub unix_ms: UnixMs,
}

impl Now {
    /// The clocks of this machine now (for shells only).
    pub fn system() -> Now {
        let unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Now {
            mono: Instant::now(),
            unix_ms,
        }
    }

    /// `d` later on both clocks.
    pub fn after(self, d: Duration) -> Now {
        Now {
            mono: self.mono + d,
            unix_ms: self
                .unix_ms
                .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        }
    }

    /// Milliseconds from `earlier` to `self` on the monotonic clock (0 if `earlier` is later).
    pub fn ms_since(self, earlier: Instant) -> i64 {
        i64::try_from(self.mono.saturating_duration_since(earlier).as_millis()).unwrap_or(i64::MAX)
    }
}

/// The contract every core follows (see the module documentation).
pub trait Core {
    type Input;
    type Output;
    fn handle(&mut self, now: Now, input: Self::Input);
    fn poll_output(&mut self) -> Option<Self::Output>;
    fn poll_timeout(&self) -> Option<Instant>;
    fn handle_timeout(&mut self, now: Now);
}

/// Masks a phone or account number for logs at info level: `13812345678` → `138******78`,
/// `95598` → `9**98`, four characters or fewer entirely.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n = chars.len();
    if n <= 4 {
        return "*".repeat(n);
    }
    let keep_head = if n >= 8 { 3 } else { 1 };
    let head: String = chars.iter().take(keep_head).collect();
    let tail: String = chars.iter().skip(n - 2).collect();
    format!("{head}{}{tail}", "*".repeat(n - keep_head - 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking() {
        assert_eq!(mask("13812345678"), "138******78");
        assert_eq!(mask("1001"), "****");
        assert_eq!(mask("95598"), "9**98");
        assert_eq!(mask("电话号码很长的"), "电****长的");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn the_clock_moves_both_ways_together_and_waits_never_go_negative() {
        let t0 = Now {
            mono: Instant::now(),
            unix_ms: 1_000,
        };
        let t1 = t0.after(Duration::from_millis(1500));
        assert_eq!(t1.unix_ms, 2_500);
        assert_eq!(t1.ms_since(t0.mono), 1500);
        assert_eq!(t0.ms_since(t1.mono), 0);
    }

    #[test]
    fn call_ids_read_short_in_logs() {
        assert_eq!(CallId(42).to_string(), "c42");
    }
}
