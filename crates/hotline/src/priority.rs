//! The reports' SQLite work at the lowest CPU priority. On SQLite the database runs inside
//! the engine's process, one sqlx worker thread per connection; a month's report keeps its
//! connection's thread busy for about half a second, and on a two-core machine that delayed
//! the RTP threads' wake-ups (1,000 IVR calls with reports in a loop: pacing p99 3.2 ms,
//! `media_load --reports`). The store runs reports on a connection of their own and names its
//! thread ([`hotline_store::Store::report_threads`]); at the start that thread is put under
//! Linux's `SCHED_IDLE` policy: it runs on a core nothing else wants, and a media thread that
//! wakes takes the core from it at once (the call log and the IVR's lookups too). Nice 19
//! instead left the p99 at 2.0–2.6 ms. A thread that cannot be lowered is said in the log; nothing else
//! changes. Linux only.

/// Puts `threads` (Linux thread ids of this process) under `SCHED_IDLE`; how many it
/// lowered.
pub fn lower(threads: &[u32]) -> usize {
    let mut lowered = 0;
    for &tid in threads {
        match set_idle(tid) {
            Ok(()) => lowered += 1,
            Err(e) => {
                tracing::warn!(tid, error = %e, "the reports' store thread keeps its priority")
            }
        }
    }
    if lowered > 0 {
        tracing::info!(
            threads = lowered,
            "reports' store thread at the idle CPU priority (SCHED_IDLE)"
        );
    }
    lowered
}

/// Linux's `SCHED_IDLE` scheduling policy.
const SCHED_IDLE: i32 = 5;

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn set_idle(tid: u32) -> std::io::Result<()> {
    #[repr(C)]
    struct SchedParam {
        sched_priority: std::os::raw::c_int,
    }
    extern "C" {
        fn sched_setscheduler(
            pid: std::os::raw::c_int,
            policy: std::os::raw::c_int,
            param: *const SchedParam,
        ) -> std::os::raw::c_int;
    }
    let Ok(pid) = std::os::raw::c_int::try_from(tid) else {
        return Err(std::io::Error::from(std::io::ErrorKind::InvalidInput));
    };
    let param = SchedParam { sched_priority: 0 };
    // SAFETY: `param` is a valid sched_param that outlives the call, which only reads it; on
    // Linux a thread id as `pid` changes that thread alone, and lowering needs no privilege.
    let r = unsafe { sched_setscheduler(pid, SCHED_IDLE, &param) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn set_idle(_tid: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    /// A thread's scheduling policy, from `/proc/self/task/TID/stat` (field 41); `None`
    /// once the thread is gone (other tests' threads come and go).
    fn policy(tid: u32) -> Option<i32> {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
        let rest = stat.rsplit_once(')')?.1;
        rest.split_whitespace().nth(38)?.parse().ok()
    }

    fn policy_of(tid: u32) -> i32 {
        policy(tid).unwrap()
    }

    /// The ids of this process's threads whose name starts with `prefix`.
    fn threads_named(prefix: &str) -> Vec<u32> {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|e| {
                let e = e.ok()?;
                let tid: u32 = e.file_name().to_str()?.parse().ok()?;
                let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
                comm.starts_with(prefix).then_some(tid)
            })
            .collect()
    }

    #[test]
    fn the_named_thread_is_put_under_sched_idle_and_no_other() {
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
        let others: Vec<u32> = threads_named("")
            .into_iter()
            .filter(|&t| t != tid)
            .collect();
        assert!(!others.is_empty());
        let before: Vec<(u32, Option<i32>)> = others.iter().map(|&t| (t, policy(t))).collect();
        assert_eq!(policy_of(tid), 0, "SCHED_OTHER");
        assert_eq!(lower(&[tid]), 1);
        assert_eq!(policy_of(tid), SCHED_IDLE);
        for (t, was) in before {
            if let (Some(was), Some(now)) = (was, policy(t)) {
                assert_eq!(was, now, "thread {t} keeps its policy");
            }
        }
        // A thread that is gone: said, not counted.
        stop_tx.send(()).unwrap();
        worker.join().unwrap();
        assert_eq!(lower(&[tid]), 0);
    }
}
