//! The store's SQLite work at the lowest CPU priority, below the media. On SQLite the
//! database runs inside the engine's process, one sqlx worker thread per connection; a
//! month's report keeps one of them busy for about half a second, and on a two-core machine
//! that delayed the RTP threads' wake-ups (1,000 IVR calls with reports back to back: pacing
//! p99 3.2–3.8 ms, `media_load --reports`). At the start and every few seconds after (pools
//! open connections as they need them), the worker threads (`sqlx-sqlite-worker-N`, which
//! Linux shortens to `sqlx-sqlite-wor`) not lowered yet are given nice [`NICE`] and the
//! `SCHED_IDLE` policy: a nice thread still keeps the core it has for a while when a media
//! thread wakes, an idle-policy one gives it up at once. Measured (README, Reports): every
//! SQLite thread at nice 19 gave p99 1.57–1.64 ms on one machine and 2.61–2.96 ms on a
//! later one, where `SCHED_IDLE` as well gave 2.14–2.23 ms. The call log and the IVR's
//! lookups then wait for the media when the cores are full: the call log's spool keeps its
//! records meanwhile. A thread that cannot be lowered is said in the log; nothing else
//! changes. Neither needs a privilege (both only lower). Linux only.
//!
//! The other way round, the call-handling threads (the main runtime's workers: media, SIP,
//! IVR, ACD) are raised to the real-time policy `SCHED_RR` at `media.realtime_priority`
//! ([`realtime_on_park`], each worker raising itself the first time it goes idle: tokio's
//! blocking-pool threads never park, so file writes and memory trims stay normal). With the
//! SQLite threads idle and the workers real-time, nothing else on the machine delays an RTP
//! tick: 1,000 IVR calls with reports back to back went from p99 4.7-13.9 ms to 1.0-1.3 ms on a
//! 2-core VM (README, Reports). Raising needs root, `CAP_SYS_NICE` or `RLIMIT_RTPRIO`; a
//! worker that may not is said once in the log and runs on at normal priority.

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The SQLite threads' niceness (0 is the default, 19 the lowest priority).
pub const NICE: i32 = 19;
/// How often new worker threads (a pool's new connection) are looked for.
const CHECK: Duration = Duration::from_secs(5);
/// The start of the worker threads' names as `/proc` shows them (15 bytes at most).
const WORKER: &str = "sqlx-sqlite-wor";

/// The ids of this process's threads whose name starts with `prefix`.
fn threads_named(prefix: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let tid: u32 = e.file_name().to_str()?.parse().ok()?;
        let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
        comm.starts_with(prefix).then_some(tid)
    })
    .collect()
}

/// Lowers the threads named `prefix` that are not in `done` (which it updates; threads gone
/// are forgotten); how many it lowered.
fn lower_new(prefix: &str, done: &mut HashSet<u32>) -> usize {
    let now: HashSet<u32> = threads_named(prefix).into_iter().collect();
    done.retain(|t| now.contains(t));
    let mut lowered = 0;
    for tid in now {
        if !done.insert(tid) {
            continue;
        }
        match set_nice(tid, NICE).and_then(|()| set_idle(tid)) {
            Ok(()) => lowered += 1,
            Err(e) => tracing::warn!(tid, error = %e, "a store thread keeps its CPU priority"),
        }
    }
    lowered
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn set_nice(tid: u32, nice: i32) -> std::io::Result<()> {
    extern "C" {
        fn setpriority(
            which: std::os::raw::c_int,
            who: u32,
            prio: std::os::raw::c_int,
        ) -> std::os::raw::c_int;
    }
    const PRIO_PROCESS: std::os::raw::c_int = 0;
    // SAFETY: setpriority takes no pointers; on Linux, PRIO_PROCESS with a thread id changes
    // that thread alone, and lowering a priority needs no privilege.
    let r = unsafe { setpriority(PRIO_PROCESS, tid, nice) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Linux's `SCHED_OTHER`: the normal policy.
const SCHED_OTHER: i32 = 0;
/// Linux's `SCHED_RR`: real-time, round robin between threads of one priority.
const SCHED_RR: i32 = 2;
/// Linux's `SCHED_IDLE`: runs only when no other thread wants the core.
const SCHED_IDLE: i32 = 5;

/// Puts the thread under `SCHED_IDLE`: it runs only when no normal thread wants its core.
fn set_idle(tid: u32) -> std::io::Result<()> {
    set_policy(tid, SCHED_IDLE, 0)
}

/// Sets thread `tid`'s scheduling policy (0: the calling thread).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn set_policy(tid: u32, policy: i32, priority: i32) -> std::io::Result<()> {
    #[repr(C)]
    struct SchedParam {
        sched_priority: std::os::raw::c_int,
    }
    extern "C" {
        fn sched_setscheduler(
            pid: u32,
            policy: std::os::raw::c_int,
            param: *const SchedParam,
        ) -> std::os::raw::c_int;
    }
    let param = SchedParam {
        sched_priority: priority,
    };
    // SAFETY: `param` outlives the call, which only reads it; with a thread id the policy of
    // that thread alone changes (the kernel refuses what the process may not do).
    let r = unsafe { sched_setscheduler(tid, policy, &param) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn set_nice(_tid: u32, _nice: i32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn set_policy(_tid: u32, _policy: i32, _priority: i32) -> std::io::Result<()> {
    Ok(())
}

thread_local! {
    /// Whether this thread has tried to raise itself already.
    static RAISED: Cell<bool> = const { Cell::new(false) };
}

/// Whether the outcome has been logged (once per process, not once per worker).
static RAISED_LOGGED: AtomicBool = AtomicBool::new(false);
static REFUSAL_LOGGED: AtomicBool = AtomicBool::new(false);

/// Raises the calling thread to `SCHED_RR` at `priority` (1–99).
pub fn raise_self(priority: u8) -> std::io::Result<()> {
    set_policy(0, SCHED_RR, i32::from(priority))
}

/// The runtime's park hook for `media.realtime_priority`: the first time a worker thread
/// goes idle it raises itself (once; a refusal is logged once per process). 0 does nothing.
pub fn realtime_on_park(priority: u8) -> impl Fn() + Send + Sync + 'static {
    move || {
        if priority == 0 || RAISED.with(|r| r.replace(true)) {
            return;
        }
        match raise_self(priority) {
            Ok(()) => {
                if !RAISED_LOGGED.swap(true, Ordering::Relaxed) {
                    tracing::info!(priority, "the call-handling threads run under SCHED_RR");
                }
            }
            Err(e) => {
                if !REFUSAL_LOGGED.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        priority,
                        error = %e,
                        "the call-handling threads keep the normal priority: media.realtime_priority \
                         needs root, CAP_SYS_NICE or LimitRTPRIO (0 turns it off)"
                    );
                }
            }
        }
    }
}

/// The runtime's thread-start hook for `media.realtime_priority`: every thread the runtime
/// starts takes the normal policy first. A thread inherits its creator's policy, and a
/// blocking-pool thread is often started by a real-time worker (a `spawn_blocking`); it never
/// parks, so without this it would stay real-time (seen in CI: three real-time
/// `tokio-rt-worker` threads on two cores). Workers raise themselves again at their first
/// park ([`realtime_on_park`]). Lowering needs no privilege; a refusal changes nothing.
pub fn normal_on_start(priority: u8) -> impl Fn() + Send + Sync + 'static {
    move || {
        if priority > 0 {
            let _ = set_policy(0, SCHED_OTHER, 0);
        }
    }
}

/// Lowers the store's SQLite threads now and every [`CHECK`] (none on PostgreSQL).
pub fn spawn() {
    tokio::spawn(async move {
        let mut done = HashSet::new();
        let mut every = tokio::time::interval(CHECK);
        loop {
            every.tick().await;
            let n = lower_new(WORKER, &mut done);
            if n > 0 {
                tracing::debug!(threads = n, nice = NICE, "store threads lowered");
            }
        }
    });
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    /// A thread's niceness, from `/proc/self/task/TID/stat` (field 19); `None` once the
    /// thread is gone (other tests' threads come and go).
    fn nice(tid: u32) -> Option<i32> {
        stat_field(tid, 19)
    }

    /// A thread's scheduling policy (field 41: 0 normal, 2 round robin, 5 idle).
    fn policy(tid: u32) -> Option<i32> {
        stat_field(tid, 41)
    }

    /// A thread's real-time priority (field 40; 0 for the normal policies).
    fn rt_priority(tid: u32) -> Option<i32> {
        stat_field(tid, 40)
    }

    /// The calling thread's id.
    #[allow(unsafe_code)]
    fn my_tid() -> u32 {
        extern "C" {
            fn gettid() -> i32;
        }
        // SAFETY: gettid takes nothing and cannot fail.
        u32::try_from(unsafe { gettid() }).unwrap()
    }

    /// The tests change threads' policies and check that others' stay: one at a time.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn the_start_hook_puts_a_thread_started_by_a_real_time_one_back_to_normal() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let (raised, started, after) = std::thread::spawn(|| {
            let raised = raise_self(2).is_ok();
            // A thread this real-time thread starts inherits its policy, until the hook.
            let (started, after) = std::thread::spawn(|| {
                let started = (policy(my_tid()), rt_priority(my_tid()));
                normal_on_start(2)();
                (started, (policy(my_tid()), rt_priority(my_tid())))
            })
            .join()
            .unwrap();
            set_policy(0, 0, 0).unwrap();
            (raised, started, after)
        })
        .join()
        .unwrap();
        if raised {
            assert_eq!(started, (Some(2), Some(2)), "inherited");
        }
        assert_eq!(after, (Some(0), Some(0)), "normal again");
    }

    #[test]
    fn the_park_hook_raises_its_thread_once_and_zero_does_nothing() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        // Each in a thread of its own (the hook remembers per thread).
        let off = std::thread::spawn(|| {
            realtime_on_park(0)();
            (policy(my_tid()), rt_priority(my_tid()))
        })
        .join()
        .unwrap();
        assert_eq!(off, (Some(0), Some(0)));
        let (first, raised, after) = std::thread::spawn(|| {
            let hook = realtime_on_park(3);
            let first = raise_self(3).map_err(|e| e.kind());
            // Back to normal (allowed: lowering), then the hook: it raises once, whatever the
            // direct call did, and a second call changes nothing.
            set_policy(0, 0, 0).unwrap();
            hook();
            let raised = (policy(my_tid()), rt_priority(my_tid()));
            set_policy(0, 0, 0).unwrap();
            hook();
            (first, raised, (policy(my_tid()), rt_priority(my_tid())))
        })
        .join()
        .unwrap();
        match first {
            Ok(()) => assert_eq!(raised, (Some(2), Some(3)), "raised to SCHED_RR 3"),
            // Not permitted here (not root, no CAP_SYS_NICE): the hook leaves it as it was.
            Err(kind) => {
                assert_eq!(kind, std::io::ErrorKind::PermissionDenied);
                assert_eq!(raised, (Some(0), Some(0)));
            }
        }
        assert_eq!(after, (Some(0), Some(0)), "not raised a second time");
    }

    /// Field `n` (numbered from 1 as in proc(5)) of `/proc/self/task/TID/stat`.
    fn stat_field(tid: u32, n: usize) -> Option<i32> {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
        let rest = stat.rsplit_once(')')?.1;
        rest.split_whitespace().nth(n - 3)?.parse().ok()
    }

    #[test]
    fn named_threads_are_lowered_once_and_no_other() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::Builder::new()
            .name("hotline-prio-test-worker".into())
            .spawn(move || {
                tx.send(()).unwrap();
                stop_rx.recv().unwrap();
            })
            .unwrap();
        rx.recv().unwrap();
        let tids = threads_named("hotline-prio-te");
        assert_eq!(tids.len(), 1, "the one thread so named");
        let tid = tids[0];
        let before: Vec<(u32, Option<i32>, Option<i32>)> = threads_named("")
            .into_iter()
            .filter(|&t| t != tid)
            .map(|t| (t, nice(t), policy(t)))
            .collect();
        assert!(!before.is_empty());
        assert_eq!((nice(tid), policy(tid)), (Some(0), Some(0)));
        let mut done = HashSet::new();
        assert_eq!(lower_new("hotline-prio-te", &mut done), 1);
        assert_eq!((nice(tid), policy(tid)), (Some(NICE), Some(5)));
        for (t, was, was_policy) in before {
            if let (Some(was), Some(now)) = (was, nice(t)) {
                assert_eq!(was, now, "thread {t} keeps its niceness");
            }
            if let (Some(was), Some(now)) = (was_policy, policy(t)) {
                assert_eq!(was, now, "thread {t} keeps its policy");
            }
        }
        // Once: not lowered again.
        assert_eq!(lower_new("hotline-prio-te", &mut done), 0);
        stop_tx.send(()).unwrap();
        worker.join().unwrap();
        // Gone: forgotten.
        assert_eq!(lower_new("hotline-prio-te", &mut done), 0);
        assert!(done.is_empty());
    }
}
