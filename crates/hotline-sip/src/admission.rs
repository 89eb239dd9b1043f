//! Who may talk to the engine before any authentication: carrier trunks by address (CIDR
//! allowlist), everyone else rate-limited per source address, and addresses that keep failing
//! digest authentication blocked for a while. Pure: time comes in as an `Instant`.
//!
//! Failures are counted per address and remembered per account they were against: a success
//! for one account from an address forgives only that address's failures against that same
//! account (a phone whose password was just corrected), never those against other accounts, so
//! owning one account does not buy unlimited guesses at the others.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// An address block such as `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("not an IP address")]
    BadAddress,
    #[error("prefix length must be 0..={0}")]
    BadPrefix(u8),
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| CidrError::BadAddress)?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or(CidrError::BadPrefix(max))?,
        };
        Ok(Cidr {
            addr: canonical(addr),
            prefix,
        })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// IPv4-mapped IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket reports v4 peers) as plain v4.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The carrier trunks' addresses: calls from them need no digest authentication.
#[derive(Debug, Clone, Default)]
pub struct TrunkAllowlist {
    nets: Vec<Cidr>,
}

impl TrunkAllowlist {
    pub fn new(nets: Vec<Cidr>) -> Self {
        TrunkAllowlist { nets }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(ip))
    }
}

#[derive(Debug, Clone)]
struct FailureRecord {
    window_start: Instant,
    failures: u32,
    /// This window's failures by account (a keyed hash of the name, so a long user name costs
    /// nothing): what a success for that account forgives. At most `max` entries, since the
    /// address is blocked at `max` failures.
    by_account: Vec<(u64, u32)>,
    blocked_until: Option<Instant>,
}

/// Blocks an address for `block_for` after `max` authentication failures within `window`.
#[derive(Debug, Clone)]
pub struct FailureThrottle {
    max: u32,
    window: Duration,
    block_for: Duration,
    max_tracked: usize,
    records: HashMap<IpAddr, FailureRecord>,
    account_keys: RandomState,
}

impl FailureThrottle {
    pub fn new(max: u32, window: Duration, block_for: Duration, max_tracked: usize) -> Self {
        FailureThrottle {
            max: max.max(1),
            window,
            block_for,
            max_tracked: max_tracked.max(1),
            records: HashMap::new(),
            account_keys: RandomState::new(),
        }
    }

    pub fn is_blocked(&self, ip: IpAddr, now: Instant) -> bool {
        self.records
            .get(&canonical(ip))
            .and_then(|r| r.blocked_until)
            .is_some_and(|until| now < until)
    }

    /// Counts a failure against `account`; true when this failure makes the address blocked.
    pub fn record_failure(&mut self, ip: IpAddr, account: &str, now: Instant) -> bool {
        let ip = canonical(ip);
        let key = self.account_keys.hash_one(account);
        if !self.records.contains_key(&ip) && self.records.len() >= self.max_tracked {
            self.purge(now);
            if self.records.len() >= self.max_tracked {
                // Still full: forget the record whose window began longest ago.
                if let Some(oldest) = self
                    .records
                    .iter()
                    .min_by_key(|(_, r)| r.window_start)
                    .map(|(k, _)| *k)
                {
                    self.records.remove(&oldest);
                }
            }
        }
        let rec = self.records.entry(ip).or_insert(FailureRecord {
            window_start: now,
            failures: 0,
            by_account: Vec::new(),
            blocked_until: None,
        });
        if rec.blocked_until.is_some_and(|until| now < until) {
            return false;
        }
        if now.saturating_duration_since(rec.window_start) > self.window
            || rec.blocked_until.is_some()
        {
            rec.window_start = now;
            rec.failures = 0;
            rec.by_account.clear();
            rec.blocked_until = None;
        }
        rec.failures += 1;
        match rec.by_account.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => rec.by_account.push((key, 1)),
        }
        if rec.failures >= self.max {
            rec.blocked_until = Some(now + self.block_for);
            return true;
        }
        false
    }

    /// `account` authenticated from `ip`: forgets the address's failures against that account
    /// (a typo its owner just corrected), and only those. An active block stays.
    pub fn record_success(&mut self, ip: IpAddr, account: &str) {
        let ip = canonical(ip);
        let key = self.account_keys.hash_one(account);
        let Some(rec) = self.records.get_mut(&ip) else {
            return;
        };
        if rec.blocked_until.is_some() {
            return;
        }
        if let Some(i) = rec.by_account.iter().position(|(k, _)| *k == key) {
            let (_, n) = rec.by_account.swap_remove(i);
            rec.failures = rec.failures.saturating_sub(n);
        }
        if rec.failures == 0 {
            self.records.remove(&ip);
        }
    }

    pub fn purge(&mut self, now: Instant) {
        let window = self.window;
        self.records.retain(|_, r| match r.blocked_until {
            Some(until) => now < until,
            None => now.saturating_duration_since(r.window_start) <= window,
        });
    }

    pub fn tracked(&self) -> usize {
        self.records.len()
    }

    /// Addresses blocked at `now`.
    pub fn blocked(&self, now: Instant) -> usize {
        self.records
            .values()
            .filter(|r| r.blocked_until.is_some_and(|until| now < until))
            .count()
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per source address: `rate` requests a second on average, `burst` at once.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    max_tracked: usize,
    buckets: HashMap<IpAddr, Bucket>,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: u32, max_tracked: usize) -> Self {
        RateLimiter {
            rate: if rate.is_finite() && rate > 0.0 {
                rate
            } else {
                1.0
            },
            burst: f64::from(burst.max(1)),
            max_tracked: max_tracked.max(1),
            buckets: HashMap::new(),
        }
    }

    /// Takes a token for `ip`; false when its bucket is empty.
    pub fn allow(&mut self, ip: IpAddr, now: Instant) -> bool {
        let ip = canonical(ip);
        if !self.buckets.contains_key(&ip) && self.buckets.len() >= self.max_tracked {
            self.purge(now);
            if self.buckets.len() >= self.max_tracked {
                // Under a spoofed-source flood: shed new addresses rather than grow without bound.
                return false;
            }
        }
        let (rate, burst) = (self.rate, self.burst);
        let b = self.buckets.entry(ip).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Forgets buckets that have refilled (they behave exactly like new ones).
    pub fn purge(&mut self, now: Instant) {
        let (rate, burst) = (self.rate, self.burst);
        self.buckets.retain(|_, b| {
            b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
        });
    }

    pub fn tracked(&self) -> usize {
        self.buckets.len()
    }
}

/// What to do with an out-of-dialog request from an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// From a trunk: no authentication, no rate limit.
    Trunk,
    /// Anyone else: go on, but authenticate.
    NeedsAuth,
    /// Blocked after repeated authentication failures: drop silently.
    Blocked,
    /// Over its rate: drop silently.
    RateLimited,
}

/// The admission rules together.
#[derive(Debug, Clone)]
pub struct AdmissionPolicy {
    trunks: TrunkAllowlist,
    throttle: FailureThrottle,
    limiter: RateLimiter,
}

impl AdmissionPolicy {
    pub fn new(trunks: TrunkAllowlist, throttle: FailureThrottle, limiter: RateLimiter) -> Self {
        AdmissionPolicy {
            trunks,
            throttle,
            limiter,
        }
    }

    /// Addresses blocked for failed authentication at `now`.
    pub fn blocked(&self, now: Instant) -> usize {
        self.throttle.blocked(now)
    }

    pub fn decide(&mut self, ip: IpAddr, now: Instant) -> Admission {
        if self.trunks.contains(ip) {
            return Admission::Trunk;
        }
        if self.throttle.is_blocked(ip, now) {
            return Admission::Blocked;
        }
        if !self.limiter.allow(ip, now) {
            return Admission::RateLimited;
        }
        Admission::NeedsAuth
    }

    pub fn is_trunk(&self, ip: IpAddr) -> bool {
        self.trunks.contains(ip)
    }

    pub fn is_blocked(&self, ip: IpAddr, now: Instant) -> bool {
        !self.trunks.contains(ip) && self.throttle.is_blocked(ip, now)
    }

    /// Counts a failed authentication against `account` from `ip`; true when it blocks `ip`.
    pub fn record_failure(&mut self, ip: IpAddr, account: &str, now: Instant) -> bool {
        self.throttle.record_failure(ip, account, now)
    }

    /// `account` authenticated from `ip`: forgives `ip`'s failures against `account` only.
    pub fn record_success(&mut self, ip: IpAddr, account: &str) {
        self.throttle.record_success(ip, account)
    }

    pub fn purge(&mut self, now: Instant) {
        self.throttle.purge(now);
        self.limiter.purge(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_parsing_and_matching() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.255.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.2.3")));
        assert!(!net.contains(ip("2001:db8::1")));
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        let mapped: Cidr = "::ffff:192.0.2.0/120".parse().unwrap();
        assert_eq!(mapped.to_string(), "192.0.2.0/120");
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0/8",
            "host/8",
            "::/129",
            "1.2.3.4/-1",
            "1.2.3.4/",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn throttle_blocks_after_max_failures_then_releases() {
        let t0 = Instant::now();
        let mut t = FailureThrottle::new(3, Duration::from_secs(60), Duration::from_secs(300), 10);
        let a = ip("198.51.100.9");
        assert!(!t.record_failure(a, "1001", t0));
        assert!(!t.record_failure(a, "1001", t0 + Duration::from_secs(1)));
        assert!(t.record_failure(a, "1001", t0 + Duration::from_secs(2)));
        assert!(t.is_blocked(a, t0 + Duration::from_secs(3)));
        assert!(!t.is_blocked(ip("198.51.100.10"), t0));
        t.record_success(a, "1001"); // does not lift a block
        assert!(t.is_blocked(a, t0 + Duration::from_secs(301)));
        assert!(!t.is_blocked(a, t0 + Duration::from_secs(302)));
        // A fresh count after the block.
        assert!(!t.record_failure(a, "1001", t0 + Duration::from_secs(303)));
    }

    #[test]
    fn throttle_window_resets_count_and_success_clears_it() {
        let t0 = Instant::now();
        let mut t = FailureThrottle::new(2, Duration::from_secs(60), Duration::from_secs(300), 10);
        let a = ip("198.51.100.9");
        assert!(!t.record_failure(a, "1001", t0));
        assert!(!t.record_failure(a, "1001", t0 + Duration::from_secs(61)));
        t.record_success(a, "1001");
        assert!(!t.record_failure(a, "1001", t0 + Duration::from_secs(62)));
        assert!(t.record_failure(a, "1001", t0 + Duration::from_secs(63)));
    }

    /// The attack: 30 wrong guesses at 1002, each followed by a success of one's own 1001.
    #[test]
    fn success_for_one_account_never_forgives_guesses_at_another() {
        let t0 = Instant::now();
        let mut t = FailureThrottle::new(5, Duration::from_secs(60), Duration::from_secs(300), 10);
        let a = ip("198.51.100.9");
        let mut blocked_at = None;
        for i in 0..30u64 {
            let now = t0 + Duration::from_millis(100 * i);
            if t.is_blocked(a, now) {
                blocked_at.get_or_insert(i);
                continue;
            }
            t.record_failure(a, "1002", now);
            t.record_success(a, "1001");
        }
        assert_eq!(blocked_at, Some(5), "blocked after the fifth guess");
        // Its own typos are forgiven by its own success, the guesses at others are not.
        let b = ip("198.51.100.10");
        t.record_failure(b, "1001", t0);
        t.record_failure(b, "1002", t0);
        t.record_failure(b, "1001", t0);
        t.record_success(b, "1001");
        for _ in 0..3 {
            assert!(!t.record_failure(b, "1003", t0));
        }
        assert!(
            t.record_failure(b, "1003", t0),
            "1002's failure still counted"
        );
    }

    #[test]
    fn throttle_memory_is_bounded() {
        let t0 = Instant::now();
        let mut t = FailureThrottle::new(5, Duration::from_secs(60), Duration::from_secs(300), 100);
        for i in 0..10_000u32 {
            t.record_failure(IpAddr::V4(i.into()), "1001", t0);
        }
        assert!(t.tracked() <= 100);
        t.purge(t0 + Duration::from_secs(61));
        assert_eq!(t.tracked(), 0);
    }

    #[test]
    fn rate_limiter_bursts_then_refills() {
        let t0 = Instant::now();
        let mut r = RateLimiter::new(10.0, 5, 100);
        let a = ip("203.0.113.1");
        for _ in 0..5 {
            assert!(r.allow(a, t0));
        }
        assert!(!r.allow(a, t0));
        assert!(r.allow(ip("203.0.113.2"), t0), "per address");
        assert!(r.allow(a, t0 + Duration::from_millis(100)));
        assert!(!r.allow(a, t0 + Duration::from_millis(100)));
        r.purge(t0 + Duration::from_secs(10));
        assert_eq!(r.tracked(), 0);
    }

    #[test]
    fn rate_limiter_sheds_when_table_full() {
        let t0 = Instant::now();
        let mut r = RateLimiter::new(1.0, 2, 3);
        for i in 0..3u32 {
            assert!(r.allow(IpAddr::V4(i.into()), t0));
        }
        assert!(!r.allow(ip("203.0.113.50"), t0));
        assert!(r.allow(ip("203.0.113.50"), t0 + Duration::from_secs(5)));
    }

    #[test]
    fn policy_order() {
        let t0 = Instant::now();
        let mut p = AdmissionPolicy::new(
            TrunkAllowlist::new(vec!["192.0.2.0/24".parse().unwrap()]),
            FailureThrottle::new(1, Duration::from_secs(60), Duration::from_secs(60), 10),
            RateLimiter::new(1.0, 1, 10),
        );
        let trunk = ip("192.0.2.5");
        let phone = ip("198.51.100.1");
        for _ in 0..10 {
            assert_eq!(p.decide(trunk, t0), Admission::Trunk);
        }
        assert_eq!(p.decide(phone, t0), Admission::NeedsAuth);
        assert_eq!(p.decide(phone, t0), Admission::RateLimited);
        assert!(p.record_failure(phone, "1001", t0));
        assert_eq!(
            p.decide(phone, t0 + Duration::from_secs(2)),
            Admission::Blocked
        );
        assert!(p.is_blocked(phone, t0) && !p.is_blocked(trunk, t0));
        assert!(p.is_trunk(trunk) && !p.is_trunk(phone));
    }
}
