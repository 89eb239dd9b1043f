//! Overload control for every new call, trunks included: a ceiling on concurrent inbound calls
//! and on new calls per second (a token bucket holding one second's worth). Above either, a new
//! INVITE is refused with `503 Service Unavailable` and a `Retry-After` (RFC 3261 §21.5.4; the
//! spirit of RFC 7339's rate-based control), before the engine hears of it and so before any
//! RTP port is leased. Pure: the count of calls and the time come in as arguments.

use std::time::{Duration, Instant};

/// The configured ceilings. A zero turns that ceiling off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverloadLimits {
    /// Most inbound calls held at once (any state).
    pub max_calls: usize,
    /// New inbound calls accepted per second, on average; a second's worth at once.
    pub calls_per_sec: f64,
    /// `Retry-After` when the concurrent ceiling is reached.
    pub retry_after: Duration,
}

/// Which ceiling refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverloadReason {
    MaxCalls,
    CallRate,
}

impl OverloadReason {
    pub const ALL: [OverloadReason; 2] = [OverloadReason::MaxCalls, OverloadReason::CallRate];

    /// A bounded label for logs and metrics.
    pub fn label(self) -> &'static str {
        match self {
            OverloadReason::MaxCalls => "max_calls",
            OverloadReason::CallRate => "call_rate",
        }
    }
}

/// The decision on one new call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Admit,
    /// Refuse with 503 and `Retry-After: retry_after_secs`.
    Busy {
        reason: OverloadReason,
        retry_after_secs: u32,
    },
}

/// The ceilings and the call-rate bucket.
#[derive(Debug, Clone)]
pub struct OverloadControl {
    limits: OverloadLimits,
    tokens: f64,
    at: Option<Instant>,
}

impl OverloadControl {
    pub fn new(limits: OverloadLimits) -> OverloadControl {
        let rate = if limits.calls_per_sec.is_finite() && limits.calls_per_sec > 0.0 {
            limits.calls_per_sec
        } else {
            0.0
        };
        OverloadControl {
            limits: OverloadLimits {
                calls_per_sec: rate,
                ..limits
            },
            tokens: burst(rate),
            at: None,
        }
    }

    /// A new inbound call at `now`, with `active` inbound calls held: admit it (taking a token
    /// of the call rate) or say why not. A refused call takes no token.
    pub fn admit(&mut self, active: usize, now: Instant) -> Verdict {
        if self.limits.max_calls > 0 && active >= self.limits.max_calls {
            return Verdict::Busy {
                reason: OverloadReason::MaxCalls,
                retry_after_secs: whole_secs(self.limits.retry_after),
            };
        }
        let rate = self.limits.calls_per_sec;
        if rate == 0.0 {
            return Verdict::Admit;
        }
        let elapsed = self
            .at
            .map_or(0.0, |at| now.saturating_duration_since(at).as_secs_f64());
        self.tokens = (self.tokens + elapsed * rate).min(burst(rate));
        self.at = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Verdict::Admit;
        }
        // When the next token comes, in whole seconds.
        let wait = (1.0 - self.tokens) / rate;
        Verdict::Busy {
            reason: OverloadReason::CallRate,
            retry_after_secs: whole_secs(Duration::from_secs_f64(wait.min(3600.0))),
        }
    }
}

/// The bucket holds one second of calls (at least one call).
fn burst(rate: f64) -> f64 {
    rate.max(1.0)
}

/// Rounded up, at least 1 (RFC 3261's Retry-After is whole seconds; 0 would invite a retry
/// storm).
fn whole_secs(d: Duration) -> u32 {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    u32::try_from(s.max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(max_calls: usize, calls_per_sec: f64) -> OverloadControl {
        OverloadControl::new(OverloadLimits {
            max_calls,
            calls_per_sec,
            retry_after: Duration::from_secs(5),
        })
    }

    #[test]
    fn the_concurrent_ceiling() {
        let t0 = Instant::now();
        let mut c = control(3, 0.0);
        for active in 0..3 {
            assert_eq!(c.admit(active, t0), Verdict::Admit);
        }
        assert_eq!(
            c.admit(3, t0),
            Verdict::Busy {
                reason: OverloadReason::MaxCalls,
                retry_after_secs: 5
            }
        );
        assert_eq!(c.admit(2, t0), Verdict::Admit, "a call ended: room again");
    }

    #[test]
    fn the_call_rate_on_a_fake_clock() {
        let t0 = Instant::now();
        let mut c = control(0, 10.0);
        // A second's worth at once, then refused until tokens come back.
        for _ in 0..10 {
            assert_eq!(c.admit(0, t0), Verdict::Admit);
        }
        assert_eq!(
            c.admit(0, t0),
            Verdict::Busy {
                reason: OverloadReason::CallRate,
                retry_after_secs: 1
            }
        );
        // 100 ms later one more token.
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!(c.admit(0, t1), Verdict::Admit);
        assert!(matches!(c.admit(0, t1), Verdict::Busy { .. }));
        // A steady 10 calls/s is always admitted; 20 calls/s gets about half through.
        let mut admitted = 0;
        for i in 0..200u64 {
            let now = t1 + Duration::from_millis(50 * (i + 1));
            if c.admit(0, now) == Verdict::Admit {
                admitted += 1;
            }
        }
        assert!((100..=101).contains(&admitted), "{admitted}");
        // Refused calls took no tokens: after a quiet second the full burst is back.
        let t2 = t1 + Duration::from_secs(20);
        for _ in 0..10 {
            assert_eq!(c.admit(0, t2), Verdict::Admit);
        }
    }

    #[test]
    fn a_slow_rate_asks_for_a_longer_wait() {
        let t0 = Instant::now();
        let mut c = control(0, 0.25);
        assert_eq!(c.admit(0, t0), Verdict::Admit);
        assert_eq!(
            c.admit(0, t0),
            Verdict::Busy {
                reason: OverloadReason::CallRate,
                retry_after_secs: 4
            }
        );
    }

    #[test]
    fn zero_means_no_ceiling_and_max_calls_comes_first() {
        let t0 = Instant::now();
        let mut c = control(0, 0.0);
        for active in 0..10_000 {
            assert_eq!(c.admit(active, t0), Verdict::Admit);
        }
        let mut c = control(1, 1.0);
        assert!(matches!(
            c.admit(1, t0),
            Verdict::Busy {
                reason: OverloadReason::MaxCalls,
                ..
            }
        ));
        assert_eq!(c.admit(0, t0), Verdict::Admit, "the refusal took no token");
        let mut c = control(0, f64::NAN);
        assert_eq!(c.admit(0, t0), Verdict::Admit);
    }
}
