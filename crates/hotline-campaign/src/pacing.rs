//! The two pacing devices the dialler uses, pure and in integers: the route's token bucket
//! (call attempts per second with a small burst) and the running abandoned share over the
//! last answered calls (progressive mode's limit).

use std::collections::VecDeque;

use hotline_time::Millis;

/// A token is a thousand milli-tokens: the refill is exact in integers
/// (`elapsed_ms × attempts_per_sec` milli-tokens).
const TOKEN: u64 = 1000;

/// A token bucket: `rate` tokens a second, at most `burst` saved up. Starts empty, so a
/// (re)start never begins with a burst.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBucket {
    rate: u64,
    cap: u64,
    level: u64,
    at: Millis,
}

impl TokenBucket {
    /// An empty bucket at `now`: `rate` a second (0 = never a token), `burst` at least 1.
    pub fn new(rate: u32, burst: u32, now: Millis) -> TokenBucket {
        TokenBucket {
            rate: u64::from(rate),
            cap: u64::from(burst.max(1)) * TOKEN,
            level: 0,
            at: now,
        }
    }

    /// Empties the bucket at `now`.
    pub fn reset(&mut self, now: Millis) {
        self.level = 0;
        self.at = now;
    }

    fn level_at(&self, now: Millis) -> u64 {
        let elapsed = u64::try_from(now.saturating_sub(self.at)).unwrap_or(0);
        self.level
            .saturating_add(elapsed.saturating_mul(self.rate))
            .min(self.cap)
    }

    /// Takes a token at `now` if there is one.
    pub fn take(&mut self, now: Millis) -> bool {
        let level = self.level_at(now);
        self.at = self.at.max(now);
        if level >= TOKEN {
            self.level = level - TOKEN;
            true
        } else {
            self.level = level;
            false
        }
    }

    /// Whether a token is there at `now`.
    pub fn has_token(&self, now: Millis) -> bool {
        self.level_at(now) >= TOKEN
    }

    /// When the next token is there (`now` if one is); `None` at a rate of 0.
    pub fn ready_at(&self, now: Millis) -> Option<Millis> {
        let level = self.level_at(now);
        if level >= TOKEN {
            return Some(now);
        }
        if self.rate == 0 {
            return None;
        }
        let wait = (TOKEN - level).div_ceil(self.rate);
        Some(now.saturating_add(Millis::try_from(wait).unwrap_or(Millis::MAX)))
    }
}

/// The share of abandoned calls among the last `sample` answered ones, in thousandths.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AbandonedShare {
    sample: usize,
    recent: VecDeque<bool>,
    abandoned: u32,
}

impl AbandonedShare {
    /// Over the last `sample` answered calls (at least 1).
    pub fn new(sample: u32) -> AbandonedShare {
        AbandonedShare {
            sample: usize::try_from(sample.max(1)).unwrap_or(usize::MAX),
            recent: VecDeque::new(),
            abandoned: 0,
        }
    }

    /// Records one answered call, abandoned or not.
    pub fn record(&mut self, abandoned: bool) {
        self.recent.push_back(abandoned);
        if abandoned {
            self.abandoned += 1;
        }
        while self.recent.len() > self.sample {
            if self.recent.pop_front() == Some(true) {
                self.abandoned = self.abandoned.saturating_sub(1);
            }
        }
    }

    /// The share in thousandths (0 with no call yet).
    pub fn permille(&self) -> u32 {
        let n = self.recent.len() as u64;
        if n == 0 {
            return 0;
        }
        u32::try_from(u64::from(self.abandoned) * 1000 / n).unwrap_or(u32::MAX)
    }
}
