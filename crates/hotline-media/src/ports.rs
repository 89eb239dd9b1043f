//! RTP port allocation: a pool of even ports (RTP), each with the odd port above it for RTCP
//! (RFC 3550 §11), handed out as RAII leases.
//!
//! A port goes back to the pool when its [`PortLease`] is dropped, so a call that ends by any
//! path — hang-up, error, timeout, a panicking task — frees its port. Released ports queue at
//! the back and the next allocation takes the front, so the port a call just left is the last
//! one handed out again: late packets for the old call do not land in a new one.
//!
//! The pool does bookkeeping; [`PortAllocator::allocate_bound`] leases and binds in one go,
//! the shell's `bind` closure doing the binding: a port another program holds is skipped, and
//! every free port of the pool is tried once before a call is refused.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A thread-safe pool of RTP ports. Cheap to share behind an `Arc`; every operation is O(1).
pub struct PortAllocator {
    pool: Arc<Mutex<Pool>>,
    capacity: usize,
}

#[derive(Debug)]
struct Pool {
    free: VecDeque<u16>,
    in_use: usize,
}

impl PortAllocator {
    /// A pool over `start..=end`. It holds every even port `p` with `p >= start` and
    /// `p + 1 <= end`, so both the RTP port and its RTCP port lie inside the range; port 0 is
    /// never used. An empty or backwards range gives a pool of capacity 0 (every allocation
    /// fails), so a bad configuration shows up as calls refused for want of ports, which the
    /// caller should check for at start-up with [`capacity`](Self::capacity).
    pub fn new(start: u16, end: u16) -> Self {
        let first = (u32::from(start.max(1)) + 1) & !1;
        let free: VecDeque<u16> = (first..u32::from(end))
            .step_by(2)
            .filter_map(|p| u16::try_from(p).ok())
            .collect();
        PortAllocator {
            capacity: free.len(),
            pool: Arc::new(Mutex::new(Pool { free, in_use: 0 })),
        }
    }

    /// Takes the port that has been free longest, or `None` when all are leased.
    pub fn allocate(&self) -> Option<PortLease> {
        let mut pool = lock(&self.pool);
        let port = pool.free.pop_front()?;
        pool.in_use += 1;
        Some(PortLease {
            port,
            pool: Arc::clone(&self.pool),
        })
    }

    /// Leases a port that `bind` accepts: tries the free ports in order (the one free longest
    /// first), each at most once and at most `max_tries` in all, and returns the first lease
    /// whose port `bind` succeeded on, with what `bind` returned. The ports that failed (held
    /// by another program) go back to the pool afterwards, at the back. `None` when no free
    /// port could be bound; `failed` counts the attempts that failed, for the log.
    pub fn allocate_bound<T, E>(
        &self,
        max_tries: usize,
        mut bind: impl FnMut(u16) -> Result<T, E>,
        mut failed: impl FnMut(u16, E),
    ) -> Option<(PortLease, T)> {
        // Held until the end, so that a failed port is not offered again in this search.
        let mut busy = Vec::new();
        while busy.len() < max_tries {
            let lease = self.allocate()?;
            match bind(lease.port()) {
                Ok(bound) => return Some((lease, bound)),
                Err(e) => {
                    failed(lease.port(), e);
                    busy.push(lease);
                }
            }
        }
        None
    }

    /// How many ports are leased now.
    pub fn in_use(&self) -> usize {
        lock(&self.pool).in_use
    }

    /// How many ports are free now.
    pub fn available(&self) -> usize {
        lock(&self.pool).free.len()
    }

    /// How many RTP ports the pool holds (free and leased).
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl fmt::Debug for PortAllocator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortAllocator")
            .field("capacity", &self.capacity)
            .field("in_use", &self.in_use())
            .finish()
    }
}

/// One leased RTP port (and the RTCP port above it). Dropping it returns the port to the
/// pool, even if the [`PortAllocator`] itself is gone by then.
pub struct PortLease {
    port: u16,
    pool: Arc<Mutex<Pool>>,
}

impl PortLease {
    /// The RTP port (even).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The RTCP port: the RTP port + 1, inside the pool's range by construction.
    pub fn rtcp_port(&self) -> u16 {
        self.port.saturating_add(1)
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        let mut pool = lock(&self.pool);
        pool.free.push_back(self.port);
        pool.in_use = pool.in_use.saturating_sub(1);
    }
}

impl fmt::Debug for PortLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PortLease").field(&self.port).finish()
    }
}

/// The pool's updates cannot be left half-done by a panic (a push or a pop, then a counter), so
/// a poisoned lock still guards a consistent pool: take it rather than panic in `drop`.
fn lock(pool: &Mutex<Pool>) -> MutexGuard<'_, Pool> {
    pool.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::thread;

    #[test]
    fn even_ports_with_rtcp_inside_the_range() {
        let pool = PortAllocator::new(10000, 10007);
        assert_eq!(pool.capacity(), 4);
        let leases: Vec<_> = std::iter::from_fn(|| pool.allocate()).collect();
        let ports: Vec<u16> = leases.iter().map(PortLease::port).collect();
        assert_eq!(ports, [10000, 10002, 10004, 10006]);
        assert_eq!(leases[3].rtcp_port(), 10007);
    }

    #[test]
    fn odd_start_and_even_end_round_inwards() {
        let pool = PortAllocator::new(10001, 10006);
        // 10002 (RTCP 10003) and 10004 (RTCP 10005); 10006 would need 10007.
        assert_eq!(pool.capacity(), 2);
        assert_eq!(pool.allocate().map(|l| l.port()), Some(10002));
    }

    #[test]
    fn empty_backwards_and_edge_ranges() {
        assert_eq!(PortAllocator::new(20000, 10000).capacity(), 0);
        assert_eq!(PortAllocator::new(10000, 10000).capacity(), 0);
        assert!(PortAllocator::new(5, 5).allocate().is_none());
        // Port 0 is never handed out.
        let low = PortAllocator::new(0, 5);
        assert_eq!(low.capacity(), 2);
        assert_eq!(low.allocate().map(|l| l.port()), Some(2));
        // The top of the port space: 65534 with RTCP 65535.
        let high = PortAllocator::new(65530, u16::MAX);
        assert_eq!(high.capacity(), 3);
        let leases: Vec<_> = std::iter::from_fn(|| high.allocate()).collect();
        assert_eq!(leases.last().map(|l| l.rtcp_port()), Some(u16::MAX));
    }

    #[test]
    fn exhaustion_and_return_on_drop() {
        let pool = PortAllocator::new(4000, 4003);
        let a = pool.allocate();
        let b = pool.allocate();
        assert!(a.is_some() && b.is_some());
        assert!(pool.allocate().is_none());
        assert_eq!((pool.in_use(), pool.available()), (2, 0));
        drop(a);
        assert_eq!((pool.in_use(), pool.available()), (1, 1));
        let c = pool.allocate().map(|l| l.port());
        assert_eq!(c, Some(4000));
        assert_eq!(pool.in_use(), 1, "the temporary lease was dropped at once");
    }

    #[test]
    fn the_port_just_released_is_reused_last() {
        let pool = PortAllocator::new(6000, 6009); // 6000, 6002, 6004, 6006, 6008
        let first = pool.allocate();
        assert_eq!(first.as_ref().map(PortLease::port), Some(6000));
        drop(first);
        let next: Vec<u16> = std::iter::from_fn(|| pool.allocate())
            .map(|l| l.port())
            .take(5)
            .collect();
        assert_eq!(next, [6002, 6004, 6006, 6008, 6000]);
    }

    #[test]
    fn allocate_bound_skips_ports_held_by_another_socket() {
        // 100 ports; another program holds all but the last one (bound on 127.0.0.1).
        let (start, end) = (45000u16, 45199u16);
        let pool = PortAllocator::new(start, end);
        let last = end - 1;
        let held: Vec<_> = (start..last)
            .step_by(2)
            .filter_map(|p| std::net::UdpSocket::bind(("127.0.0.1", p)).ok())
            .collect();
        assert!(held.len() > 90, "could hold only {} ports", held.len());
        let mut failures = 0;
        let bound = pool.allocate_bound(
            pool.capacity(),
            |port| std::net::UdpSocket::bind(("127.0.0.1", port)),
            |_, _| failures += 1,
        );
        let (lease, socket) = bound.expect("the free port was found");
        assert_eq!(lease.port(), last);
        assert_eq!(socket.local_addr().map(|a| a.port()).ok(), Some(last));
        assert_eq!(failures, 99, "every held port tried once");
        // The busy ports went back to the pool; only the bound one is leased.
        assert_eq!((pool.in_use(), pool.available()), (1, 99));
        // With that one leased too, nothing can be bound: None after trying each once.
        let mut tried = Vec::new();
        let none = pool.allocate_bound(
            usize::MAX,
            |port| std::net::UdpSocket::bind(("127.0.0.1", port)),
            |port, _| tried.push(port),
        );
        assert!(none.is_none());
        let unique: HashSet<u16> = tried.iter().copied().collect();
        assert_eq!((tried.len(), unique.len()), (99, 99));
        assert_eq!(pool.available(), 99);
        drop(held);
    }

    #[test]
    fn allocate_bound_stops_at_its_bound() {
        let pool = PortAllocator::new(6000, 6019); // 10 ports
        let mut tried = Vec::new();
        let got = pool.allocate_bound(4, |_| Err::<(), &str>("busy"), |p, _| tried.push(p));
        assert!(got.is_none());
        assert_eq!(tried, [6000, 6002, 6004, 6006]);
        assert_eq!((pool.in_use(), pool.available()), (0, 10));
        // An empty pool: None without a try.
        let empty = PortAllocator::new(6000, 6000);
        assert!(empty
            .allocate_bound(10, |_| Ok::<(), ()>(()), |_, _| panic!("tried"))
            .is_none());
    }

    #[test]
    fn a_lease_may_outlive_its_allocator() {
        let pool = PortAllocator::new(7000, 7003);
        let lease = pool.allocate();
        drop(pool);
        drop(lease); // must not panic
    }

    #[test]
    fn no_duplicates_under_many_threads() {
        let pool = Arc::new(PortAllocator::new(20000, 20999)); // 500 ports
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let pool = Arc::clone(&pool);
                thread::spawn(move || {
                    let mut held = Vec::new();
                    for round in 0..2000 {
                        if round % 3 == 2 {
                            held.pop();
                        } else if let Some(lease) = pool.allocate() {
                            held.push(lease);
                        }
                    }
                    held
                })
            })
            .collect();
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.join().unwrap_or_default());
        }
        let unique: HashSet<u16> = all.iter().map(PortLease::port).collect();
        assert_eq!(unique.len(), all.len(), "a port was leased twice");
        assert_eq!(pool.in_use(), all.len());
        assert_eq!(pool.in_use() + pool.available(), pool.capacity());
        drop(all);
        assert_eq!((pool.in_use(), pool.available()), (0, 500));
    }
}
