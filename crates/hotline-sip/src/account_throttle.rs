//! Throttling of an account whose password is being guessed from many addresses, which the
//! per-address block cannot stop (a botnet sends each address's few guesses and moves on).
//!
//! After `max_failures` wrong passwords for one account within `window`, from any addresses,
//! the account is throttled for `base_block`; each further throttle doubles that, up to
//! `max_block`, and the doubling starts again after `max_block` without a throttle. While an
//! account is throttled, its credentials are refused from every address except those it
//! authenticated from lately (its phones' addresses) — refused the same way as a wrong
//! password, so guessing during a throttle learns nothing. Failures during a throttle are not
//! counted again (the address block still counts them).
//!
//! So a guesser gets at most `max_failures` guesses per `max_block` against one account, the
//! agent's own phones keep working through it, and an agent at a new address is kept out at
//! most `max_block` at a time — a bounded backoff, never a permanent lock someone else can
//! impose. A success does not clear an account's failures: the owner's phones refresh every
//! few minutes and would otherwise reopen the door for the guesser each time.
//!
//! Only accounts that exist are tracked (the caller decides), so memory is bounded by the
//! number of accounts and by `max_tracked`. Pure: time comes in as an `Instant`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::admission::canonical;

/// How long an address an account authenticated from is trusted to bypass its throttle.
pub const KNOWN_ADDRESS_FOR: Duration = Duration::from_secs(24 * 3600);
/// Addresses remembered per account (the most recent).
pub const KNOWN_ADDRESSES: usize = 8;

#[derive(Debug, Clone)]
struct Record {
    window_start: Instant,
    failures: u32,
    blocked_until: Option<Instant>,
    /// Throttles so far in this run of attacks: the next lasts `base_block * 2^level`.
    level: u32,
    /// Addresses of recent successes, with when.
    known: Vec<(IpAddr, Instant)>,
    touched: Instant,
}

/// The settings of [`AccountThrottle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountLimits {
    pub max_failures: u32,
    pub window: Duration,
    pub base_block: Duration,
    pub max_block: Duration,
    pub max_tracked: usize,
}

/// Per-account failure counts and throttles. See the module documentation.
#[derive(Debug, Clone)]
pub struct AccountThrottle {
    limits: AccountLimits,
    records: HashMap<String, Record>,
}

impl AccountThrottle {
    pub fn new(limits: AccountLimits) -> Self {
        AccountThrottle {
            limits: AccountLimits {
                max_failures: limits.max_failures.max(1),
                max_tracked: limits.max_tracked.max(1),
                max_block: limits.max_block.max(limits.base_block),
                ..limits
            },
            records: HashMap::new(),
        }
    }

    /// Are `account`'s credentials refused from `ip` at `now`?
    pub fn is_throttled_for(&self, account: &str, ip: IpAddr, now: Instant) -> bool {
        let Some(r) = self.records.get(account) else {
            return false;
        };
        let blocked = r.blocked_until.is_some_and(|until| now < until);
        blocked && !known(r, canonical(ip), now)
    }

    /// Counts a wrong password for `account`; `Some(block)` when this failure throttles it.
    pub fn record_failure(&mut self, account: &str, now: Instant) -> Option<Duration> {
        let limits = self.limits;
        let r = self.record(account, now)?;
        r.touched = now;
        if let Some(until) = r.blocked_until {
            if now < until {
                return None;
            }
            // The backoff starts again after a quiet max_block since the last throttle.
            if now.saturating_duration_since(until) > limits.max_block {
                r.level = 0;
            }
            r.blocked_until = None;
            r.failures = 0;
            r.window_start = now;
        }
        if now.saturating_duration_since(r.window_start) > limits.window {
            r.window_start = now;
            r.failures = 0;
        }
        r.failures += 1;
        if r.failures < limits.max_failures {
            return None;
        }
        let block = limits
            .base_block
            .saturating_mul(1u32 << r.level.min(20))
            .min(limits.max_block);
        r.blocked_until = Some(now + block);
        r.level = (r.level + 1).min(20);
        r.failures = 0;
        Some(block)
    }

    /// `account` authenticated from `ip`: that address may bypass the account's throttles.
    pub fn record_success(&mut self, account: &str, ip: IpAddr, now: Instant) {
        let Some(r) = self.record(account, now) else {
            return;
        };
        r.touched = now;
        let ip = canonical(ip);
        r.known
            .retain(|(a, at)| *a != ip && now.saturating_duration_since(*at) <= KNOWN_ADDRESS_FOR);
        if r.known.len() >= KNOWN_ADDRESSES {
            r.known.remove(0);
        }
        r.known.push((ip, now));
    }

    /// Forgets what no longer counts: ended windows and throttles, old addresses.
    pub fn purge(&mut self, now: Instant) {
        let limits = self.limits;
        self.records.retain(|_, r| {
            r.known
                .retain(|(_, at)| now.saturating_duration_since(*at) <= KNOWN_ADDRESS_FOR);
            let throttle_matters = r
                .blocked_until
                .is_some_and(|until| now.saturating_duration_since(until) <= limits.max_block);
            let counting =
                r.failures > 0 && now.saturating_duration_since(r.window_start) <= limits.window;
            throttle_matters || counting || !r.known.is_empty()
        });
    }

    /// Accounts throttled at `now`.
    pub fn throttled(&self, now: Instant) -> usize {
        self.records
            .values()
            .filter(|r| r.blocked_until.is_some_and(|until| now < until))
            .count()
    }

    pub fn tracked(&self) -> usize {
        self.records.len()
    }

    /// The record of `account`, made if need be; None only if the table is full of records
    /// that matter even after a purge and the least recently touched cannot go either.
    fn record(&mut self, account: &str, now: Instant) -> Option<&mut Record> {
        if !self.records.contains_key(account) && self.records.len() >= self.limits.max_tracked {
            self.purge(now);
            if self.records.len() >= self.limits.max_tracked {
                let stalest = self
                    .records
                    .iter()
                    .min_by_key(|(_, r)| r.touched)
                    .map(|(k, _)| k.clone())?;
                self.records.remove(&stalest);
            }
        }
        Some(
            self.records
                .entry(account.to_string())
                .or_insert_with(|| Record {
                    window_start: now,
                    failures: 0,
                    blocked_until: None,
                    level: 0,
                    known: Vec::new(),
                    touched: now,
                }),
        )
    }
}

fn known(r: &Record, ip: IpAddr, now: Instant) -> bool {
    r.known
        .iter()
        .any(|(a, at)| *a == ip && now.saturating_duration_since(*at) <= KNOWN_ADDRESS_FOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn limits() -> AccountLimits {
        AccountLimits {
            max_failures: 3,
            window: Duration::from_secs(60),
            base_block: Duration::from_secs(30),
            max_block: Duration::from_secs(120),
            max_tracked: 100,
        }
    }

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn guesses_from_many_addresses_throttle_the_account_but_not_its_phone() {
        let t0 = Instant::now();
        let mut t = AccountThrottle::new(limits());
        let phone = ip("192.0.2.7");
        t.record_success("1001", phone, t0);
        assert_eq!(t.record_failure("1001", t0 + S), None);
        assert_eq!(t.record_failure("1001", t0 + 2 * S), None);
        assert_eq!(t.record_failure("1001", t0 + 3 * S), Some(30 * S));
        for bot in ["203.0.113.1", "203.0.113.2", "2001:db8::9"] {
            assert!(t.is_throttled_for("1001", ip(bot), t0 + 4 * S), "{bot}");
        }
        assert!(
            !t.is_throttled_for("1001", phone, t0 + 4 * S),
            "its own phone"
        );
        assert!(
            !t.is_throttled_for("1001", ip("::ffff:192.0.2.7"), t0 + 4 * S),
            "the same address, IPv4-mapped"
        );
        assert!(!t.is_throttled_for("1002", ip("203.0.113.1"), t0 + 4 * S));
        assert_eq!(t.throttled(t0 + 4 * S), 1);
        // Failures during the throttle do not extend it.
        assert_eq!(t.record_failure("1001", t0 + 5 * S), None);
        assert!(!t.is_throttled_for("1001", ip("203.0.113.1"), t0 + 33 * S));
        assert_eq!(t.throttled(t0 + 33 * S), 0);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_then_starts_again() {
        let t0 = Instant::now();
        let mut t = AccountThrottle::new(limits());
        let mut now = t0;
        let mut blocks = Vec::new();
        for _ in 0..5 {
            let block = loop {
                now += S;
                if let Some(b) = t.record_failure("1001", now) {
                    break b;
                }
            };
            blocks.push(block.as_secs());
            assert!(t.is_throttled_for("1001", ip("203.0.113.1"), now + block - S));
            now += block;
            assert!(!t.is_throttled_for("1001", ip("203.0.113.1"), now));
        }
        assert_eq!(blocks, vec![30, 60, 120, 120, 120], "bounded backoff");
        // A quiet max_block later, the next throttle is short again.
        now += 121 * S;
        let block = loop {
            now += S;
            if let Some(b) = t.record_failure("1001", now) {
                break b;
            }
        };
        assert_eq!(block, 30 * S);
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up_and_success_does_not_clear() {
        let t0 = Instant::now();
        let mut t = AccountThrottle::new(limits());
        assert_eq!(t.record_failure("1001", t0), None);
        assert_eq!(t.record_failure("1001", t0 + 61 * S), None);
        assert_eq!(t.record_failure("1001", t0 + 62 * S), None);
        // The owner's phone succeeding in between does not reset the count.
        t.record_success("1001", ip("192.0.2.7"), t0 + 62 * S);
        assert!(t.record_failure("1001", t0 + 63 * S).is_some());
    }

    #[test]
    fn known_addresses_are_few_and_age() {
        let t0 = Instant::now();
        let mut t = AccountThrottle::new(limits());
        for i in 0..20u32 {
            t.record_success("1001", IpAddr::V4(i.into()), t0);
        }
        for _ in 0..3 {
            t.record_failure("1001", t0 + S);
        }
        assert!(!t.is_throttled_for("1001", IpAddr::V4(19u32.into()), t0 + 2 * S));
        assert!(
            t.is_throttled_for("1001", IpAddr::V4(0u32.into()), t0 + 2 * S),
            "only the {KNOWN_ADDRESSES} most recent are kept"
        );
        // A day later, even the newest is forgotten, and the record with it.
        t.purge(t0 + KNOWN_ADDRESS_FOR + 200 * S);
        assert_eq!(t.tracked(), 0);
    }

    #[test]
    fn memory_is_bounded() {
        let t0 = Instant::now();
        let mut t = AccountThrottle::new(AccountLimits {
            max_tracked: 50,
            ..limits()
        });
        for i in 0..10_000 {
            t.record_failure(&format!("user{i}"), t0);
        }
        assert!(t.tracked() <= 50);
        t.purge(t0 + 61 * S);
        assert_eq!(t.tracked(), 0);
    }
}
