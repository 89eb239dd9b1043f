//! RTP port allocation: a pool of even ports (RTP), each with the odd port above it for RTCP
//! (RFC 3550 §11), handed out as RAII leases.
//!
//! A port goes back to the pool when its [`PortLease`] is dropped, so a call that ends by any
//! path — hang-up, error, timeout, a panicking task — frees its port. Released ports queue at
//! the back and the next allocation takes the front, so the port a call just left is the last
//! one handed out again: late packets for the old call do not land in a new one.
//!
//! The pool only does bookkeeping; binding the sockets is the RTP shell's job.

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
