//! The engine's threads' scheduling as the real binary sets it (`media.realtime_priority`,
//! `crates/hotline/src/priority.rs`): with the default, the runtime's workers (media, SIP, IVR,
//! ACD) run under `SCHED_RR` at priority 1 once they have gone idle, and so does the call
//! log's spool thread (which makes their records durable); no other thread does (the HTTP
//! API's, the store's, the recorders' keep theirs); with 0, none does. Where the
//! process may not raise itself (not root, no `CAP_SYS_NICE`, no `RLIMIT_RTPRIO`), the log
//! says so once and every thread keeps the normal policy. Linux only.
#![cfg(target_os = "linux")]

use hotline_e2e::Engine;

/// `(thread name, policy, real-time priority)` of each of `pid`'s threads (fields 41 and 40
/// of `/proc/PID/task/TID/stat`; 0 normal, 2 round robin, 5 idle).
fn threads(pid: u32) -> Vec<(String, i32, i32)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/task")).expect("the engine's threads") {
        let dir = e.expect("a thread").path();
        let (Ok(comm), Ok(stat)) = (
            std::fs::read_to_string(dir.join("comm")),
            std::fs::read_to_string(dir.join("stat")),
        ) else {
            continue; // gone meanwhile
        };
        let rest: Vec<&str> = stat
            .rsplit_once(')')
            .expect("stat has the name in parentheses")
            .1
            .split_whitespace()
            .collect();
        let field = |n: usize| rest[n - 3].parse::<i32>().expect("a number");
        out.push((comm.trim().to_string(), field(41), field(40)));
    }
    out
}

#[tokio::test]
async fn the_call_handling_threads_run_real_time_and_no_other() {
    let engine = Engine::start(&[]);
    let mut seen = Vec::new();
    let line = engine.log_line(&mut seen, "call-handling threads").await;
    let all = threads(engine.pid());
    let rt: Vec<_> = all.iter().filter(|(_, policy, _)| *policy == 2).collect();
    if line.contains("keep the normal priority") {
        // Not permitted here: said once, nothing raised.
        assert!(rt.is_empty(), "{all:?}");
        let said = seen
            .iter()
            .filter(|l| l.contains("call-handling threads"))
            .count();
        assert_eq!(said, 1, "{seen:#?}");
        return;
    }
    assert!(line.contains("run under SCHED_RR"), "{line}");
    assert!(!rt.is_empty(), "{all:?}");
    for (name, _, priority) in &rt {
        assert!(
            name == "tokio-rt-worker" || name == "hotline-call-lo",
            "only the runtime's workers and the call log's thread: {all:?}"
        );
        assert_eq!(*priority, 1, "{all:?}");
    }
    // The spool thread: entries wait in memory until it writes them, and the real-time
    // workers making them must not keep it off the cores.
    let spool = rt
        .iter()
        .filter(|(name, ..)| name == "hotline-call-lo")
        .count();
    assert_eq!(
        spool, 1,
        "the call log's spool thread is real-time: {all:?}"
    );
    // At most the runtime's workers (one per core), never its blocking threads.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        rt.len() - spool <= cores,
        "{} real-time threads on {cores} cores: {all:?}",
        rt.len()
    );
    for (name, policy, _) in &all {
        if name.starts_with("hotline-http") || name.starts_with("rec-writer") {
            assert_eq!(*policy, 0, "{name} keeps the normal policy: {all:?}");
        }
    }
}

#[tokio::test]
async fn zero_leaves_every_thread_as_it_was() {
    let engine = Engine::start(&[("HOTLINE_MEDIA_REALTIME_PRIORITY", "0")]);
    // Ready: the workers have been idle by now; the store's threads may go idle-policy.
    let mut seen = Vec::new();
    engine.log_line(&mut seen, " ready:").await;
    let all = threads(engine.pid());
    assert!(all.iter().all(|(_, policy, _)| *policy != 2), "{all:?}");
    assert!(
        !seen.iter().any(|l| l.contains("call-handling threads")),
        "{seen:#?}"
    );
}
