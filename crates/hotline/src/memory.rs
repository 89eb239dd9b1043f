//! Giving memory back after a burst. glibc's malloc keeps what the engine frees in its arenas
//! (one per thread that allocates, up to eight per core) instead of returning it to the
//! system, so after a burst of calls the engine's resident memory stays near its peak with no
//! call up (measured: 22 MiB → 450 MiB after a 21,000-call burst, 196 MiB once trimmed; see
//! the README's call-record burst figures). Every [`CHECK`] the engine reads its resident
//! size and, when it is well above the size at start and no longer growing (the burst is
//! over, or the load steady), asks glibc to return its free pages (`malloc_trim(0)`). The
//! decision is pure ([`Trim`]); the task is a thin shell. Other allocators: nothing to do.

use std::time::Duration;

/// How often the resident size is read.
pub const CHECK: Duration = Duration::from_secs(15);
/// Growth over the size at start below which trimming is not worth it.
pub const MARGIN_BYTES: u64 = 64 << 20;

/// Checks after a trim that left memory in use before trying again at the same size.
pub const RETRY_CHECKS: u32 = 20;

/// When to trim: the resident size at start, at the last check and after the last trim.
#[derive(Debug, Clone)]
pub struct Trim {
    baseline: u64,
    last: u64,
    margin: u64,
    /// After the last trim, and the checks since.
    floor: Option<u64>,
    since: u32,
}

impl Trim {
    pub fn new(baseline: u64, margin: u64) -> Trim {
        Trim {
            baseline,
            last: baseline,
            margin,
            floor: None,
            since: 0,
        }
    }

    /// At a check with resident size `rss`: trim now? When it is well above the size at
    /// start and not growing; after a trim, once it grew again or every [`RETRY_CHECKS`]
    /// (what was in use then may be free now).
    pub fn due(&mut self, rss: u64) -> bool {
        let step = self.margin / 8;
        let grown = rss > self.baseline.saturating_add(self.margin);
        let growing = rss > self.last.saturating_add(step);
        self.last = rss;
        self.since = self.since.saturating_add(1);
        let worth = match self.floor {
            None => true,
            Some(floor) => rss > floor.saturating_add(step) || self.since >= RETRY_CHECKS,
        };
        grown && !growing && worth
    }

    /// The size after a trim.
    pub fn trimmed(&mut self, rss: u64) {
        self.last = rss;
        self.floor = Some(rss);
        self.since = 0;
    }
}

/// The resident size of this process, from `/proc/self/statm`; `None` elsewhere.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn release_free_memory() {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::os::raw::c_int;
    }
    // SAFETY: glibc's malloc_trim takes no pointers and may be called from any thread.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

/// Checks every [`CHECK`] and trims when [`Trim::due`].
pub fn spawn() {
    let Some(start) = resident_bytes() else {
        return;
    };
    tokio::spawn(async move {
        let mut trim = Trim::new(start, MARGIN_BYTES);
        let mut every = tokio::time::interval(CHECK);
        every.tick().await;
        loop {
            every.tick().await;
            let Some(rss) = resident_bytes() else {
                return;
            };
            if !trim.due(rss) {
                continue;
            }
            let took = std::time::Instant::now();
            let _ = tokio::task::spawn_blocking(release_free_memory).await;
            let after = resident_bytes().unwrap_or(rss);
            trim.trimmed(after);
            tracing::info!(
                before_mib = rss >> 20,
                after_mib = after >> 20,
                ms = took.elapsed().as_millis() as u64,
                "free memory returned to the system"
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn trims_once_a_burst_is_over_not_while_it_grows() {
        let mut t = Trim::new(22 * MIB, 64 * MIB);
        assert!(!t.due(30 * MIB), "near the start size");
        assert!(!t.due(200 * MIB), "growing");
        assert!(!t.due(450 * MIB), "still growing");
        assert!(t.due(452 * MIB), "the burst is over");
        t.trimmed(196 * MIB);
        assert!(!t.due(300 * MIB), "a new burst");
        assert!(t.due(301 * MIB), "over too");
        t.trimmed(196 * MIB);
    }

    #[test]
    fn what_a_trim_left_in_use_is_tried_again_now_and_then() {
        let mut t = Trim::new(22 * MIB, 64 * MIB);
        assert!(!t.due(400 * MIB));
        assert!(t.due(400 * MIB));
        t.trimmed(196 * MIB);
        for _ in 1..RETRY_CHECKS {
            assert!(!t.due(196 * MIB));
        }
        assert!(t.due(196 * MIB));
    }

    #[test]
    fn never_below_the_margin() {
        let mut t = Trim::new(22 * MIB, 64 * MIB);
        for _ in 0..5 {
            assert!(!t.due(80 * MIB));
        }
    }

    #[test]
    fn reads_its_own_resident_size() {
        let rss = resident_bytes().expect("linux");
        assert!(rss > MIB, "{rss}");
    }
}
