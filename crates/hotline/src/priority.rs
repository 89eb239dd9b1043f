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

use std::collections::HashSet;
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

/// Puts the thread under `SCHED_IDLE`: it runs only when no normal thread wants its core.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn set_idle(tid: u32) -> std::io::Result<()> {
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
    const SCHED_IDLE: std::os::raw::c_int = 5;
    let param = SchedParam { sched_priority: 0 };
    // SAFETY: `param` outlives the call, which only reads it; with a thread id the policy of
    // that thread alone changes, and moving to SCHED_IDLE needs no privilege.
    let r = unsafe { sched_setscheduler(tid, SCHED_IDLE, &param) };
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
fn set_idle(_tid: u32) -> std::io::Result<()> {
    Ok(())
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

    /// A thread's scheduling policy (field 41: 0 normal, 5 idle).
    fn policy(tid: u32) -> Option<i32> {
        stat_field(tid, 41)
    }

    /// Field `n` (numbered from 1 as in proc(5)) of `/proc/self/task/TID/stat`.
    fn stat_field(tid: u32, n: usize) -> Option<i32> {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
        let rest = stat.rsplit_once(')')?.1;
        rest.split_whitespace().nth(n - 3)?.parse().ok()
    }

    #[test]
    fn named_threads_are_lowered_once_and_no_other() {
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
