//! Digest nonces that cannot be replayed (RFC 7616 §3.3, §3.4 and §5.10): every nonce we issue
//! is remembered with when and to which address it went and the highest nonce count (`nc`)
//! accepted with it. Credentials are accepted once per `nc`, and each use must count higher than
//! the last (a phone reusing a nonce for its next REGISTER sends nc+1); credentials without
//! `qop` (RFC 2069 style, no `nc`) make the nonce single-use. A captured request replayed as it
//! was — to de-register an agent, or to place a call — repeats an `nc` already seen, and gets a
//! fresh challenge instead.
//!
//! Optionally a nonce is only good from the IP address it was issued to (the port may change:
//! NAT rebinding, a new TCP connection). A phone whose address did change gets one more
//! challenge with `stale=true` and retries on its own, so the binding costs an honest phone at
//! most one round trip.
//!
//! Memory is bounded: nonces expire after the TTL, and beyond `cap` live nonces the oldest is
//! forgotten (a flood of challenges pushes out only challenges nobody answered yet; a phone
//! whose nonce was forgotten is challenged again, `stale=true`).
//!
//! Pure: time comes in as an `Instant`; the caller draws the nonce values (random, 128 bits,
//! sent as 32 hex digits and kept as the number: a live nonce costs a few dozen bytes).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::admission::canonical;

/// What a nonce presented with verified credentials is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceUse {
    /// Ours, live, from the right address, and this `nc` is new and higher: accept.
    Fresh,
    /// Ours but older than the TTL.
    Expired,
    /// Not one we remember: forged, forgotten under the cap, or from before a restart.
    Unknown,
    /// This `nc` (or a higher one) was already accepted with this nonce: a replay.
    Replayed,
    /// Issued to another IP address (only when nonces are bound to addresses).
    OtherAddress,
}

impl NonceUse {
    /// The label of a refused use, for the challenges counter. Expired and unknown are one:
    /// once an expired nonce is purged it is unknown, so the difference is only timing.
    pub fn label(self) -> &'static str {
        match self {
            NonceUse::Fresh => "fresh",
            NonceUse::Expired | NonceUse::Unknown => "stale",
            NonceUse::Replayed => "replayed",
            NonceUse::OtherAddress => "other_address",
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    issued: Instant,
    ip: IpAddr,
    /// Highest `nc` accepted; 0 = unused; `u32::MAX` after a use without `qop`.
    last_nc: u32,
}

/// The nonces we issued and have not forgotten. See the module documentation.
#[derive(Debug, Clone)]
pub struct NonceStore {
    ttl: Duration,
    cap: usize,
    bind_to_address: bool,
    entries: HashMap<u128, Entry>,
    /// Nonces in the order issued (so by age): expiry and the cap take from the front.
    order: VecDeque<u128>,
}

impl NonceStore {
    pub fn new(ttl: Duration, cap: usize, bind_to_address: bool) -> Self {
        NonceStore {
            ttl,
            cap: cap.max(1),
            bind_to_address,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Remembers the nonce `value`, about to be sent in a challenge to `ip`; its text.
    pub fn issue(&mut self, value: u128, ip: IpAddr, now: Instant) -> String {
        self.purge(now);
        while self.entries.len() >= self.cap {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.entries.remove(&oldest);
        }
        let entry = Entry {
            issued: now,
            ip: canonical(ip),
            last_nc: 0,
        };
        if self.entries.insert(value, entry).is_none() {
            self.order.push_back(value);
        }
        format!("{value:032x}")
    }

    /// Checks a nonce that came with credentials already verified, and records the use when
    /// it is [`NonceUse::Fresh`]. `nc` is the parsed nonce count, `None` without `qop`.
    /// Call it only after the response was verified, so that nobody without the password can
    /// use up a phone's nonce counts.
    pub fn use_nonce(
        &mut self,
        nonce: &str,
        nc: Option<u32>,
        ip: IpAddr,
        now: Instant,
    ) -> NonceUse {
        let value = (nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u128::from_str_radix(nonce, 16).ok())
            .flatten();
        let Some(e) = value.and_then(|v| self.entries.get_mut(&v)) else {
            return NonceUse::Unknown;
        };
        if now.saturating_duration_since(e.issued) > self.ttl {
            return NonceUse::Expired;
        }
        if self.bind_to_address && e.ip != canonical(ip) {
            return NonceUse::OtherAddress;
        }
        match nc {
            Some(nc) if nc > e.last_nc && e.last_nc != u32::MAX => {
                e.last_nc = nc;
                NonceUse::Fresh
            }
            None if e.last_nc == 0 => {
                e.last_nc = u32::MAX;
                NonceUse::Fresh
            }
            _ => NonceUse::Replayed,
        }
    }

    /// Forgets nonces older than the TTL.
    pub fn purge(&mut self, now: Instant) {
        while let Some(front) = self.order.front() {
            let expired = self
                .entries
                .get(front)
                .is_none_or(|e| now.saturating_duration_since(e.issued) > self.ttl);
            if !expired {
                break;
            }
            if let Some(gone) = self.order.pop_front() {
                self.entries.remove(&gone);
            }
        }
    }

    /// Nonces remembered now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const PHONE: &str = "192.0.2.7";

    fn store(bind: bool) -> (NonceStore, Instant) {
        (
            NonceStore::new(Duration::from_secs(300), 1000, bind),
            Instant::now(),
        )
    }

    #[test]
    fn each_nc_is_accepted_once_and_must_increase() {
        let (mut s, t0) = store(true);
        let n1 = s.issue(1, ip(PHONE), t0);
        assert_eq!(s.use_nonce(&n1, Some(1), ip(PHONE), t0), NonceUse::Fresh);
        assert_eq!(
            s.use_nonce(&n1, Some(1), ip(PHONE), t0),
            NonceUse::Replayed,
            "the same nc again is a replay"
        );
        assert_eq!(s.use_nonce(&n1, Some(2), ip(PHONE), t0), NonceUse::Fresh);
        assert_eq!(s.use_nonce(&n1, Some(5), ip(PHONE), t0), NonceUse::Fresh);
        assert_eq!(
            s.use_nonce(&n1, Some(4), ip(PHONE), t0),
            NonceUse::Replayed,
            "a lower nc after a higher one"
        );
        assert_eq!(s.use_nonce(&n1, None, ip(PHONE), t0), NonceUse::Replayed);
    }

    #[test]
    fn without_qop_a_nonce_is_single_use() {
        let (mut s, t0) = store(true);
        let n1 = s.issue(1, ip(PHONE), t0);
        assert_eq!(s.use_nonce(&n1, None, ip(PHONE), t0), NonceUse::Fresh);
        assert_eq!(s.use_nonce(&n1, None, ip(PHONE), t0), NonceUse::Replayed);
        assert_eq!(s.use_nonce(&n1, Some(7), ip(PHONE), t0), NonceUse::Replayed);
    }

    #[test]
    fn bound_to_the_address_it_was_issued_to() {
        let (mut s, t0) = store(true);
        let n1 = s.issue(1, ip(PHONE), t0);
        assert_eq!(
            s.use_nonce(&n1, Some(1), ip("203.0.113.66"), t0),
            NonceUse::OtherAddress
        );
        // The attempt from elsewhere used up nothing: the phone's own first use is fine.
        assert_eq!(
            s.use_nonce(&n1, Some(1), ip("::ffff:192.0.2.7"), t0),
            NonceUse::Fresh,
            "an IPv4-mapped address is the same address"
        );
        // Without binding, another address may use it, but not replay it.
        let (mut s, t0) = store(false);
        let n1 = s.issue(1, ip(PHONE), t0);
        assert_eq!(
            s.use_nonce(&n1, Some(1), ip("203.0.113.66"), t0),
            NonceUse::Fresh
        );
        assert_eq!(s.use_nonce(&n1, Some(1), ip(PHONE), t0), NonceUse::Replayed);
    }

    #[test]
    fn expired_and_unknown() {
        let (mut s, t0) = store(true);
        let n1 = s.issue(1, ip(PHONE), t0);
        let late = t0 + Duration::from_secs(301);
        assert_eq!(
            s.use_nonce(&n1, Some(1), ip(PHONE), late),
            NonceUse::Expired
        );
        for forged in [
            "forged",
            "",
            &format!("{:032x}", 2),
            &n1.to_uppercase()[..31],
        ] {
            assert_eq!(
                s.use_nonce(forged, Some(1), ip(PHONE), t0),
                NonceUse::Unknown,
                "{forged:?}"
            );
        }
        assert_eq!(n1, "00000000000000000000000000000001");
        s.purge(late);
        assert!(s.is_empty());
        assert_eq!(
            s.use_nonce(&n1, Some(1), ip(PHONE), late),
            NonceUse::Unknown
        );
        assert_eq!(NonceUse::Replayed.label(), "replayed");
    }

    #[test]
    fn memory_is_bounded_by_the_cap_and_the_ttl() {
        let mut s = NonceStore::new(Duration::from_secs(300), 100, true);
        let t0 = Instant::now();
        let mut issued = Vec::new();
        for i in 0..100_000u32 {
            issued.push(s.issue(u128::from(i) << 64 | 7, IpAddr::V4(i.into()), t0));
        }
        assert_eq!(s.len(), 100);
        assert_eq!(s.order.len(), 100);
        // The newest survive, the oldest were forgotten.
        assert_eq!(
            s.use_nonce(&issued[99_999], Some(1), IpAddr::V4(99_999u32.into()), t0),
            NonceUse::Fresh
        );
        assert_eq!(
            s.use_nonce(&issued[0], Some(1), IpAddr::V4(0u32.into()), t0),
            NonceUse::Unknown
        );
        // Issuing after the TTL clears the old ones first.
        s.issue(42, ip(PHONE), t0 + Duration::from_secs(301));
        assert_eq!(s.len(), 1);
        assert_eq!(s.order.len(), 1);
    }
}
