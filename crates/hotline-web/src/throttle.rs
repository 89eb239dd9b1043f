//! Login throttling, the pure core: whether a login attempt may be checked now, from the
//! failures counted per account and per source address. No clock and no I/O: the time comes in
//! as an argument, so every rule below is tested with a fake clock.
//!
//! - A failure counts on the account tried (the login as typed, known or not, so that the
//!   throttle never tells which logins exist) and on the source address (the TCP peer).
//! - A key's first `free` failures cost nothing; after failure n > `free` the next attempt
//!   must wait `base × 2^(n − free − 1)`, at most `cap`, counted from that failure. Attempts
//!   while a key waits are refused without looking at the password — the right one too — and
//!   are not counted, so hammering does not lengthen the wait.
//! - Counters decay: one failure is forgotten per `forget` without a failure, so after an
//!   attack stops the account is back to `free` tries in `forget × n`, and the longest anyone
//!   waits after the last failure is `cap`.
//! - An address the account logged in from within `trust_for` has its own counter for that
//!   account: an attacker elsewhere cannot lock the agent out at the agent's own desk.
//! - While attempts are in flight (let through, not settled), only as many more go as could
//!   fail without a wait, so a burst of parallel requests gets no more guesses than the same
//!   requests in a row.
//! - Memory is bounded: at most `max_keys` counters of each kind. When full, idle counters go
//!   first, then those making nobody wait, then the oldest waits: a flood of made-up logins
//!   from very many addresses can at worst free an account early, never grow memory.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;

use hotline_store::Millis;

/// The backoff of one kind of key (accounts or source addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures that cost nothing.
    pub free: u32,
    /// The wait after the first failure past `free`; it doubles with each further one.
    pub base_ms: Millis,
    /// The longest wait.
    pub cap_ms: Millis,
    /// One failure is forgotten per this much time without failures.
    pub forget_ms: Millis,
}

/// The whole policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub account: Backoff,
    pub source: Backoff,
    /// How long a successful login makes its address trusted for that account.
    pub trust_for_ms: Millis,
    /// Most counters kept of each kind (and most logins with trusted addresses).
    pub max_keys: usize,
}

impl Default for ThrottlePolicy {
    /// Accounts: 5 free failures, then 1 s doubling to 2 min, one failure forgotten a minute.
    /// Addresses: 20 free (a floor of agents behind one NAT mistypes too), then 1 s doubling
    /// to 2 min, one forgotten every 30 s. Trust for 30 days. 100,000 keys of each kind.
    fn default() -> Self {
        ThrottlePolicy {
            account: Backoff {
                free: 5,
                base_ms: 1_000,
                cap_ms: 120_000,
                forget_ms: 60_000,
            },
            source: Backoff {
                free: 20,
                base_ms: 1_000,
                cap_ms: 120_000,
                forget_ms: 30_000,
            },
            trust_for_ms: 30 * 86_400_000,
            max_keys: 100_000,
        }
    }
}

/// Most addresses remembered as trusted for one login.
const TRUSTED_PER_LOGIN: usize = 4;

/// What the throttle says about an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password, then settle the ticket with the result.
    Go(Ticket),
    /// Refused without a check: try again after `retry_after_ms`. `first` is true for the
    /// first refusal since the failure that started this wait (worth an audit entry; the
    /// rest are only counted).
    Wait { retry_after_ms: Millis, first: bool },
}

/// An attempt let through, in flight until settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    account: AccountKey,
    source: IpAddr,
}

/// How a checked attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Wrong login or password: it stays counted.
    Failed,
    /// The right password: the account's counter (on this address's side) starts afresh and
    /// the address becomes trusted for the account; the address's own counter keeps its other
    /// failures (logging in to one's own account does not buy guesses at others).
    Succeeded,
    /// Not checked (the database failed): it is not counted.
    NotChecked,
}

/// An account's counter: the login, and the trusted address it is kept for (`None`: every
/// address the account has not logged in from).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AccountKey {
    login: String,
    from: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    /// Failures, as of `last`.
    count: u32,
    /// The last failure.
    last: Millis,
    /// Attempts let through and not settled yet.
    pending: u32,
    /// A refusal of the current wait was reported already.
    noted: bool,
}

impl Backoff {
    /// The wait after the `count`th failure.
    fn delay(&self, count: u32) -> Millis {
        if count <= self.free {
            return 0;
        }
        let doublings = (count - self.free - 1).min(40);
        self.base_ms
            .saturating_mul(1i64 << doublings)
            .min(self.cap_ms)
    }
}

impl Counter {
    const NEW: Counter = Counter {
        count: 0,
        last: Millis::MIN,
        pending: 0,
        noted: false,
    };

    /// Failures still counted at `now`.
    fn effective(&self, now: Millis, b: &Backoff) -> u32 {
        let quiet = now.saturating_sub(self.last).max(0);
        let forgotten = quiet / b.forget_ms.max(1);
        let forgotten = u32::try_from(forgotten).unwrap_or(u32::MAX);
        self.count.saturating_sub(forgotten)
    }
    /// Until when attempts must wait after the last failure, if they must.
    fn waits_until(&self, now: Millis, b: &Backoff) -> Option<Millis> {
        let until = self.last.saturating_add(b.delay(self.count));
        (until > now).then_some(until)
    }
    /// May one more attempt go while others are in flight? Only as many as could fail
    /// without a wait (and the one that would start it), or one at a time past that.
    fn room_in_flight(&self, now: Millis, b: &Backoff) -> bool {
        self.pending == 0 || self.effective(now, b).saturating_add(self.pending) <= b.free
    }
    /// Neither counting, nor making anyone wait, nor in flight: can be dropped.
    fn idle(&self, now: Millis, b: &Backoff) -> bool {
        self.pending == 0 && self.effective(now, b) == 0 && self.waits_until(now, b).is_none()
    }
}

/// What one kind of key says about an attempt.
enum Gate {
    Open,
    /// Waiting after a failure, until then.
    Until(Millis),
    /// Others are in flight that could start a wait.
    Busy,
}

/// The wait answered while other attempts of the same key are in flight.
const BUSY_RETRY_MS: Millis = 1_000;

/// Counters of one kind of key, bounded.
#[derive(Debug)]
struct Counters<K> {
    map: HashMap<K, Counter>,
    backoff: Backoff,
}

impl<K: Hash + Eq + Clone> Counters<K> {
    fn new(backoff: Backoff) -> Self {
        Counters {
            map: HashMap::new(),
            backoff,
        }
    }

    fn gate(&self, key: &K, now: Millis) -> Gate {
        let Some(c) = self.map.get(key) else {
            return Gate::Open;
        };
        if let Some(until) = c.waits_until(now, &self.backoff) {
            Gate::Until(until)
        } else if !c.room_in_flight(now, &self.backoff) {
            Gate::Busy
        } else {
            Gate::Open
        }
    }

    /// Marks the current wait of `key` as reported; true if it was not yet.
    fn note(&mut self, key: &K) -> bool {
        match self.map.get_mut(key) {
            Some(c) => !std::mem::replace(&mut c.noted, true),
            None => false,
        }
    }

    fn counter(&mut self, key: &K, now: Millis, max_keys: usize) -> &mut Counter {
        if !self.map.contains_key(key) {
            self.make_room(now, max_keys);
        }
        self.map.entry(key.clone()).or_insert(Counter::NEW)
    }

    fn start(&mut self, key: &K, now: Millis, max_keys: usize) {
        let c = self.counter(key, now, max_keys);
        c.pending = c.pending.saturating_add(1);
    }

    fn fail(&mut self, key: &K, now: Millis, max_keys: usize) {
        let b = self.backoff;
        let c = self.counter(key, now, max_keys);
        c.pending = c.pending.saturating_sub(1);
        c.count = c.effective(now, &b).saturating_add(1);
        c.last = now;
        c.noted = false;
    }

    /// An attempt in flight ended without failing; `reset`: its failures are forgiven.
    fn end(&mut self, key: &K, reset: bool) {
        let Some(c) = self.map.get_mut(key) else {
            return;
        };
        c.pending = c.pending.saturating_sub(1);
        if reset {
            *c = Counter {
                pending: c.pending,
                ..Counter::NEW
            };
        }
        if c.pending == 0 && c.count == 0 {
            self.map.remove(key);
        }
    }

    /// When full: drops the idle counters; if that is not enough, half of the rest, those
    /// making nobody wait first, each group oldest first (never one in flight).
    fn make_room(&mut self, now: Millis, max_keys: usize) {
        let max = max_keys.max(1);
        if self.map.len() < max {
            return;
        }
        let b = self.backoff;
        self.map.retain(|_, c| !c.idle(now, &b));
        if self.map.len() < max {
            return;
        }
        let mut order: Vec<(bool, Millis, K)> = self
            .map
            .iter()
            .filter(|(_, c)| c.pending == 0)
            .map(|(k, c)| (c.waits_until(now, &b).is_some(), c.last, k.clone()))
            .collect();
        order.sort_unstable_by_key(|(waits, last, _)| (*waits, *last));
        let drop = self.map.len() - max / 2;
        for (_, _, key) in order.into_iter().take(drop) {
            self.map.remove(&key);
        }
    }

    fn waiting(&self, now: Millis) -> usize {
        self.map
            .values()
            .filter(|c| c.waits_until(now, &self.backoff).is_some())
            .count()
    }
}

/// The throttle's state: every counter and the trusted addresses.
#[derive(Debug)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    accounts: Counters<AccountKey>,
    sources: Counters<IpAddr>,
    /// Per login, the addresses it logged in from and when, newest last.
    trusted: HashMap<String, Vec<(IpAddr, Millis)>>,
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        LoginThrottle {
            policy,
            accounts: Counters::new(policy.account),
            sources: Counters::new(policy.source),
            trusted: HashMap::new(),
        }
    }

    fn account_key(&self, login: &str, source: IpAddr, now: Millis) -> AccountKey {
        let trusted = self.trusted.get(login).is_some_and(|list| {
            list.iter()
                .any(|(ip, at)| *ip == source && now - at < self.policy.trust_for_ms)
        });
        AccountKey {
            login: login.to_string(),
            from: trusted.then_some(source),
        }
    }

    /// An attempt to log in as `login` from `source` at `now`.
    pub fn admit(&mut self, now: Millis, login: &str, source: IpAddr) -> Verdict {
        let account = self.account_key(login, source, now);
        let gates = [
            self.accounts.gate(&account, now),
            self.sources.gate(&source, now),
        ];
        let until = gates
            .iter()
            .filter_map(|g| match g {
                Gate::Until(t) => Some(*t),
                _ => None,
            })
            .max();
        if let Some(until) = until {
            let first_account = self.accounts.note(&account);
            let first_source = self.sources.note(&source);
            return Verdict::Wait {
                retry_after_ms: until - now,
                first: first_account || first_source,
            };
        }
        if gates.iter().any(|g| matches!(g, Gate::Busy)) {
            return Verdict::Wait {
                retry_after_ms: BUSY_RETRY_MS,
                first: false,
            };
        }
        let max = self.policy.max_keys;
        self.accounts.start(&account, now, max);
        self.sources.start(&source, now, max);
        Verdict::Go(Ticket { account, source })
    }

    /// The end of an attempt `admit` let through.
    pub fn settle(&mut self, now: Millis, ticket: Ticket, outcome: Outcome) {
        let max = self.policy.max_keys;
        match outcome {
            Outcome::Failed => {
                self.accounts.fail(&ticket.account, now, max);
                self.sources.fail(&ticket.source, now, max);
            }
            Outcome::NotChecked => {
                self.accounts.end(&ticket.account, false);
                self.sources.end(&ticket.source, false);
            }
            Outcome::Succeeded => {
                self.accounts.end(&ticket.account, true);
                self.sources.end(&ticket.source, false);
                self.trust(now, &ticket.account.login, ticket.source);
            }
        }
    }

    fn trust(&mut self, now: Millis, login: &str, source: IpAddr) {
        let trust_for = self.policy.trust_for_ms;
        if !self.trusted.contains_key(login) && self.trusted.len() >= self.policy.max_keys.max(1) {
            self.trusted
                .retain(|_, list| list.iter().any(|(_, at)| now - at < trust_for));
            if self.trusted.len() >= self.policy.max_keys.max(1) {
                // Still full of live trust: the login trusted longest ago makes room.
                let oldest = self
                    .trusted
                    .iter()
                    .min_by_key(|(_, list)| list.iter().map(|(_, at)| *at).max())
                    .map(|(login, _)| login.clone());
                if let Some(oldest) = oldest {
                    self.trusted.remove(&oldest);
                }
            }
        }
        let list = self.trusted.entry(login.to_string()).or_default();
        list.retain(|(ip, at)| *ip != source && now - at < trust_for);
        if list.len() >= TRUSTED_PER_LOGIN {
            list.remove(0);
        }
        list.push((source, now));
    }

    /// (accounts, addresses) that must wait now.
    pub fn waiting(&self, now: Millis) -> (usize, usize) {
        (self.accounts.waiting(now), self.sources.waiting(now))
    }

    /// Counters held now (accounts, addresses): for tests of the bound.
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        (self.accounts.map.len(), self.sources.map.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_795_000_000_000;
    const SEC: Millis = 1_000;
    const MIN: Millis = 60 * SEC;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    /// Admits and settles one attempt; the wait it got, or None when it was checked.
    fn attempt(
        t: &mut LoginThrottle,
        now: Millis,
        login: &str,
        from: IpAddr,
        ok: bool,
    ) -> Option<Millis> {
        match t.admit(now, login, from) {
            Verdict::Go(ticket) => {
                let outcome = if ok {
                    Outcome::Succeeded
                } else {
                    Outcome::Failed
                };
                t.settle(now, ticket, outcome);
                None
            }
            Verdict::Wait { retry_after_ms, .. } => Some(retry_after_ms),
        }
    }

    fn waits(t: &mut LoginThrottle, now: Millis, login: &str, from: IpAddr) -> Option<Millis> {
        match t.admit(now, login, from) {
            Verdict::Wait { retry_after_ms, .. } => Some(retry_after_ms),
            Verdict::Go(ticket) => {
                t.settle(now, ticket, Outcome::NotChecked);
                None
            }
        }
    }

    #[test]
    fn after_the_free_failures_each_wait_doubles_up_to_the_cap() {
        // Counters that never decay here, to see the whole doubling.
        let mut policy = ThrottlePolicy::default();
        policy.account.forget_ms = 24 * 60 * MIN;
        policy.source.free = 1_000;
        let mut t = LoginThrottle::new(policy);
        let mut now = T0;
        for _ in 0..5 {
            assert_eq!(attempt(&mut t, now, "zhang", ip(1), false), None);
        }
        // The 6th failure is checked and starts the first wait, of 1 s; then 2, 4, … 120 s.
        let (mut seen, mut expected) = (vec![], vec![]);
        for n in 6..=16 {
            assert_eq!(
                attempt(&mut t, now, "zhang", ip(1), false),
                None,
                "failure {n}"
            );
            let wait = waits(&mut t, now, "zhang", ip(1)).expect("a wait");
            seen.push(wait);
            expected.push((SEC << (n - 6)).min(2 * MIN));
            // The right password during the wait is refused too, up to its last ms …
            assert_eq!(
                attempt(&mut t, now + wait - 1, "zhang", ip(1), true),
                Some(1)
            );
            now += wait;
        }
        assert_eq!(seen, expected);
        // … and taken once it is over.
        assert_eq!(attempt(&mut t, now, "zhang", ip(1), true), None);
        assert_eq!(t.waiting(now), (0, 0));
    }

    #[test]
    fn refusals_do_not_lengthen_the_wait_and_only_the_first_is_reported() {
        let mut t = LoginThrottle::new(ThrottlePolicy::default());
        for _ in 0..6 {
            assert_eq!(attempt(&mut t, T0, "zhang", ip(1), false), None);
        }
        let mut firsts = 0;
        for ms in 0..200 {
            match t.admit(T0 + ms, "zhang", ip(1)) {
                Verdict::Wait {
                    retry_after_ms,
                    first,
                } => {
                    assert_eq!(retry_after_ms, SEC - ms);
                    firsts += usize::from(first);
                }
                Verdict::Go(_) => panic!("let through while waiting"),
            }
        }
        assert_eq!(firsts, 1);
        assert_eq!(attempt(&mut t, T0 + SEC, "zhang", ip(1), true), None);
        // A new failure starts a new wait, whose first refusal is reported again.
        for _ in 0..6 {
            attempt(&mut t, T0 + SEC, "zhang", ip(1), false);
        }
        assert!(matches!(
            t.admit(T0 + SEC, "zhang", ip(1)),
            Verdict::Wait { first: true, .. }
        ));
    }

    #[test]
    fn counters_decay_so_nobody_is_locked_out_for_good() {
        let mut t = LoginThrottle::new(ThrottlePolicy::default());
        let mut now = T0;
        // A long attack from many addresses: every guess it gets is checked and fails; the
        // account never waits more than the cap, and the guesses settle at about one a
        // minute (a failure is forgotten a minute).
        let mut guesses = 0;
        for round in 0..600u32 {
            let from = IpAddr::from([198, 51, (round >> 8) as u8, round as u8]);
            match attempt(&mut t, now, "zhang", from, false) {
                None => guesses += 1,
                Some(wait) => {
                    assert!(wait <= 2 * MIN, "{wait}");
                    now += wait;
                }
            }
        }
        let hours = (now - T0) as f64 / (60.0 * MIN as f64);
        let per_hour = f64::from(guesses) / hours;
        assert!(
            (40.0..=80.0).contains(&per_hour),
            "{guesses} guesses in {hours:.1} h"
        );
        // The attack stops: at most 2 min later the agent gets in from anywhere …
        let wait = waits(&mut t, now, "zhang", ip(2)).unwrap_or(0);
        assert!(wait <= 2 * MIN);
        assert_eq!(attempt(&mut t, now + wait, "zhang", ip(2), true), None);
        // … and, without her logging in, the failures are forgotten: 20 min later five typos
        // from a new place cost nothing.
        let mut t2 = LoginThrottle::new(ThrottlePolicy::default());
        for _ in 0..12 {
            while let Some(wait) = attempt(&mut t2, now, "li", ip(9), false) {
                now += wait;
            }
        }
        now += 20 * MIN;
        for _ in 0..5 {
            assert_eq!(attempt(&mut t2, now, "li", ip(3), false), None);
        }
    }

    #[test]
    fn a_trusted_address_has_its_own_account_counter() {
        let mut t = LoginThrottle::new(ThrottlePolicy::default());
        // The agent logs in from her desk.
        assert_eq!(attempt(&mut t, T0, "zhang", ip(1), true), None);
        // An attacker elsewhere makes the account wait, for any other address too.
        let mut now = T0 + SEC;
        for _ in 0..7 {
            attempt(&mut t, now, "zhang", ip(66), false);
        }
        assert!(waits(&mut t, now, "zhang", ip(66)).is_some());
        assert!(waits(&mut t, now, "zhang", ip(3)).is_some());
        // Her desk is not locked out, even with the password typed once wrong.
        assert_eq!(attempt(&mut t, now, "zhang", ip(1), false), None);
        assert_eq!(attempt(&mut t, now, "zhang", ip(1), true), None);
        // The trust ends 30 days after her last login from there.
        now = T0 + SEC + 30 * 24 * 60 * MIN;
        for _ in 0..6 {
            attempt(&mut t, now, "zhang", ip(66), false);
        }
        assert!(waits(&mut t, now, "zhang", ip(1)).is_some());
    }

    #[test]
    fn an_address_guessing_many_accounts_waits_too() {
        let mut t = LoginThrottle::new(ThrottlePolicy::default());
        for n in 0..20 {
            // Four guesses per account: never enough to make an account wait.
            let login = format!("agent{}", n / 4);
            assert_eq!(attempt(&mut t, T0, &login, ip(7), false), None, "{n}");
        }
        assert_eq!(attempt(&mut t, T0, "agent99", ip(7), false), None);
        assert_eq!(attempt(&mut t, T0, "agent98", ip(7), false), Some(SEC));
        // Another address is not affected, nor are those accounts.
        assert_eq!(attempt(&mut t, T0, "agent98", ip(8), true), None);
        // Logging in to one's own account does not buy more guesses.
        assert_eq!(attempt(&mut t, T0 + SEC, "mine", ip(7), true), None);
        assert_eq!(attempt(&mut t, T0 + SEC, "agent97", ip(7), false), None);
        assert_eq!(
            attempt(&mut t, T0 + SEC, "agent96", ip(7), false),
            Some(2 * SEC)
        );
    }

    #[test]
    fn a_parallel_burst_gets_no_more_guesses_than_the_same_attempts_in_a_row() {
        let mut t = LoginThrottle::new(ThrottlePolicy::default());
        let mut tickets = Vec::new();
        let mut busy = 0;
        for _ in 0..200 {
            match t.admit(T0, "zhang", ip(1)) {
                Verdict::Go(ticket) => tickets.push(ticket),
                Verdict::Wait { first, .. } => {
                    assert!(!first, "nothing to report yet");
                    busy += 1;
                }
            }
        }
        // In a row, attempts 1 to 6 are checked (the 6th failure starts the wait).
        assert_eq!((tickets.len(), busy), (6, 194));
        for ticket in tickets {
            t.settle(T0, ticket, Outcome::Failed);
        }
        assert_eq!(waits(&mut t, T0, "zhang", ip(1)), Some(SEC));
        // Past the free failures, one at a time.
        let now = T0 + SEC;
        let Verdict::Go(one) = t.admit(now, "zhang", ip(1)) else {
            panic!("the wait is over");
        };
        assert_eq!(waits(&mut t, now, "zhang", ip(1)), Some(SEC));
        t.settle(now, one, Outcome::Succeeded);
        assert_eq!(attempt(&mut t, now, "zhang", ip(1), true), None);
        // A database failure does not count.
        let mut t = LoginThrottle::new(ThrottlePolicy::default());
        for _ in 0..50 {
            let Verdict::Go(ticket) = t.admit(T0, "zhang", ip(1)) else {
                panic!("nothing was counted");
            };
            t.settle(T0, ticket, Outcome::NotChecked);
        }
        assert_eq!(t.held(), (0, 0));
    }

    #[test]
    fn memory_is_bounded_and_idle_counters_go_first() {
        let policy = ThrottlePolicy {
            max_keys: 100,
            ..ThrottlePolicy::default()
        };
        let mut t = LoginThrottle::new(policy);
        // A flood of made-up logins from many addresses stays within the bound.
        for n in 0..10_000u32 {
            let from = IpAddr::from([10, (n >> 16) as u8, (n >> 8) as u8, n as u8]);
            attempt(&mut t, T0 + Millis::from(n), &format!("x{n}"), from, false);
            let (accounts, sources) = t.held();
            assert!(
                accounts <= 100 && sources <= 100,
                "{n}: {accounts} {sources}"
            );
        }
        // Much later the flood is idle and makes room before anything live is dropped.
        let later = T0 + 60 * MIN;
        for _ in 0..6 {
            attempt(&mut t, later, "li", ip(2), false);
        }
        for n in 0..150u32 {
            attempt(&mut t, later, &format!("y{n}"), ip(3), false);
        }
        assert!(t.held().0 <= 100);
        assert!(waits(&mut t, later, "li", ip(4)).is_some());
        // Trusted addresses are bounded too.
        for n in 0..1_000u32 {
            attempt(&mut t, later, &format!("ok{n}"), ip(5), true);
        }
        assert!(t.trusted.len() <= 100);
    }

    #[test]
    fn delays_saturate_instead_of_overflowing() {
        let b = Backoff {
            free: 0,
            base_ms: Millis::MAX / 2,
            cap_ms: Millis::MAX,
            forget_ms: 0,
        };
        assert_eq!(b.delay(100), Millis::MAX);
        let c = Counter {
            count: u32::MAX,
            last: Millis::MAX,
            ..Counter::NEW
        };
        assert_eq!(c.effective(0, &b), u32::MAX);
        assert_eq!(c.waits_until(0, &b), Some(Millis::MAX));
    }
}
