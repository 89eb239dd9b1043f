//! How many TCP connections the SIP listener holds: at most `total` at once, and at most
//! `per_address` from one source, so that one address (or one IPv6 /64, which a single host
//! may own whole) cannot take every slot and starve the phones elsewhere; and how long a
//! connection may wait for its next bytes ([`ReadDeadline`]): long between messages (idle
//! keep-alive), short once a message has begun. Pure bookkeeping: the shell asks before
//! serving an accepted connection, reports when it closes, and passes the time.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

/// When a connection's next read must have happened. Between messages the idle timeout
/// counts from the last read; once a message has begun, it must be complete within the
/// message timeout of the read that began it, however many reads it trickles over.
#[derive(Debug, Clone)]
pub struct ReadDeadline {
    idle: Duration,
    message: Duration,
    /// When the message under way must be complete; None between messages.
    message_due: Option<Instant>,
}

impl ReadDeadline {
    pub fn new(idle: Duration, message: Duration) -> ReadDeadline {
        ReadDeadline {
            idle,
            message,
            message_due: None,
        }
    }

    /// The moment to give up waiting for bytes, as of `now`; and whether that is the
    /// message deadline (a trickler) rather than the idle timeout.
    pub fn due(&self, now: Instant) -> (Instant, bool) {
        match self.message_due {
            Some(due) => (due, true),
            None => (now + self.idle, false),
        }
    }

    /// A read at `now` was framed: `completed` whether a message (or ping) came whole out of
    /// it, `pending` whether bytes of an unfinished message are left.
    pub fn after_read(&mut self, now: Instant, completed: bool, pending: bool) {
        self.message_due = match (pending, self.message_due) {
            (false, _) => None,
            // A message began in this read (the first, or the next after one completed).
            (true, None) => Some(now + self.message),
            (true, Some(_)) if completed => Some(now + self.message),
            // The same message goes on: its deadline stands.
            (true, Some(due)) => Some(due),
        };
    }
}

use crate::admission::canonical;

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The listener holds its maximum of connections.
    Total,
    /// This source address (or /64) holds its maximum.
    PerAddress,
}

impl Refused {
    /// A bounded label for logs and metrics.
    pub fn label(self) -> &'static str {
        match self {
            Refused::Total => "total",
            Refused::PerAddress => "per_address",
        }
    }
}

/// The open connections, counted in total and per source.
#[derive(Debug, Clone)]
pub struct TcpLimits {
    total: usize,
    per_address: usize,
    open: usize,
    by_source: HashMap<IpAddr, usize>,
}

/// The key a source is counted under: IPv4 (and IPv4-mapped IPv6) by address, IPv6 by /64.
pub fn source_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let net = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(net))
        }
        v4 => v4,
    }
}

impl TcpLimits {
    pub fn new(total: usize, per_address: usize) -> TcpLimits {
        TcpLimits {
            total: total.max(1),
            per_address: per_address.max(1),
            open: 0,
            by_source: HashMap::new(),
        }
    }

    /// Takes a slot for a connection from `ip`, or says why there is none.
    pub fn open(&mut self, ip: IpAddr) -> Result<(), Refused> {
        if self.open >= self.total {
            return Err(Refused::Total);
        }
        let n = self.by_source.entry(source_key(ip)).or_insert(0);
        if *n >= self.per_address {
            return Err(Refused::PerAddress);
        }
        *n += 1;
        self.open += 1;
        Ok(())
    }

    /// A connection from `ip` that [`TcpLimits::open`] let in has closed.
    pub fn close(&mut self, ip: IpAddr) {
        let key = source_key(ip);
        if let Some(n) = self.by_source.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.by_source.remove(&key);
            }
            self.open = self.open.saturating_sub(1);
        }
    }

    /// Connections open now.
    pub fn open_count(&self) -> usize {
        self.open
    }

    /// Sources with at least one connection open now.
    pub fn sources(&self) -> usize {
        self.by_source.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trickled_message_keeps_its_first_deadline() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut d = ReadDeadline::new(s(3900), s(10));
        assert_eq!(d.due(t0), (t0 + s(3900), false), "idle between messages");
        // A header byte every half second: the deadline stays 10 s after the first.
        d.after_read(t0, false, true);
        for i in 1..40u64 {
            let now = t0 + Duration::from_millis(500 * i);
            assert_eq!(d.due(now), (t0 + s(10), true));
            d.after_read(now, false, true);
        }
        // The message completes: idle again, counted from now.
        let t1 = t0 + s(9);
        d.after_read(t1, true, false);
        assert_eq!(d.due(t1), (t1 + s(3900), false));
    }

    #[test]
    fn a_new_message_after_a_complete_one_gets_a_new_deadline() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut d = ReadDeadline::new(s(60), s(10));
        d.after_read(t0, false, true);
        // One read completes the first message and begins the next.
        d.after_read(t0 + s(8), true, true);
        assert_eq!(d.due(t0 + s(8)), (t0 + s(18), true));
        // A keep-alive with nothing left over: idle.
        d.after_read(t0 + s(9), true, false);
        assert_eq!(d.due(t0 + s(9)), (t0 + s(69), false));
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn one_address_cannot_take_every_slot() {
        let mut l = TcpLimits::new(10, 3);
        let a = ip("127.0.0.1");
        for _ in 0..3 {
            assert_eq!(l.open(a), Ok(()));
        }
        assert_eq!(l.open(a), Err(Refused::PerAddress));
        assert_eq!(l.open(ip("::ffff:127.0.0.1")), Err(Refused::PerAddress));
        assert_eq!(l.open(ip("127.0.0.2")), Ok(()));
        l.close(a);
        assert_eq!(l.open(a), Ok(()));
        assert_eq!(l.open_count(), 4);
    }

    #[test]
    fn the_total_still_holds() {
        let mut l = TcpLimits::new(4, 3);
        for i in 0..4u32 {
            assert_eq!(l.open(IpAddr::V4((0x0a00_0000 + i).into())), Ok(()));
        }
        assert_eq!(l.open(ip("10.9.9.9")), Err(Refused::Total));
        l.close(ip("10.0.0.0"));
        assert_eq!(l.open(ip("10.9.9.9")), Ok(()));
    }

    #[test]
    fn ipv6_is_counted_by_its_64() {
        let mut l = TcpLimits::new(100, 2);
        assert_eq!(l.open(ip("2001:db8:1:2::1")), Ok(()));
        assert_eq!(l.open(ip("2001:db8:1:2:ffff::9")), Ok(()));
        assert_eq!(l.open(ip("2001:db8:1:2::77")), Err(Refused::PerAddress));
        assert_eq!(l.open(ip("2001:db8:1:3::1")), Ok(()));
        assert_eq!(l.sources(), 2);
    }

    #[test]
    fn closing_what_was_never_opened_changes_nothing() {
        let mut l = TcpLimits::new(10, 1);
        l.close(ip("192.0.2.1"));
        assert_eq!(l.open_count(), 0);
        assert_eq!(l.open(ip("192.0.2.1")), Ok(()));
        l.close(ip("192.0.2.1"));
        l.close(ip("192.0.2.1"));
        assert_eq!((l.open_count(), l.sources()), (0, 0));
    }
}
