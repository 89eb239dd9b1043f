//! Waiting in end-to-end tests: for events, with budgets a stalled machine does not use up, so
//! that a slow or stalled machine gives a slow pass, not a red build.
//!
//! A [`Budget`] is time in which something could have happened. Time counts only while the
//! test process itself runs on schedule (a gap of more than [`STALL_GAP`] between two looks is
//! the machine stalled — a suspended laptop, a starved CI runner — and does not count) and
//! while no engine this process started is stopped (`T` in `/proc/<pid>/stat`: SIGSTOP, a
//! debugger). Helpers that fail when something does not happen (a prompt not heard, a phone
//! not rung, a log line not seen) wait at least [`PATIENCE`] of such time: far longer than
//! anything takes on a working engine, so only a broken one makes them fail, and it costs
//! time only then. Helpers that answer "did it happen within this window?" (`Option`,
//! `bool`) take the window as given, counted the same way. Tests about timing measure the
//! time themselves.

use std::sync::Mutex;
use std::time::Duration;

use std::time::Instant;

/// The least a test waits for something that must happen, in un-stalled time.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A gap between two looks longer than this is a stall of the machine, not waiting.
pub const STALL_GAP: Duration = Duration::from_secs(2);

/// How often a wait looks (so that a longer gap is a stall).
pub const STEP: Duration = Duration::from_millis(50);

/// Process ids of the engines this test process runs.
static ENGINES: Mutex<Vec<u32>> = Mutex::new(Vec::new());

pub(crate) fn watch(pid: u32) {
    ENGINES.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
}

pub(crate) fn unwatch(pid: u32) {
    ENGINES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|p| *p != pid);
}

/// Is process `pid` stopped (SIGSTOP or traced): every one of its threads? (A SIGSTOP takes
/// effect thread by thread as each is next scheduled: on a busy machine some threads of a
/// process just sent one can still run for a while.)
pub fn stopped(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    let mut any = false;
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // "tid (comm) S …": the state follows the last ')', as comm may hold anything.
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_string));
        match state.as_deref() {
            Some("T") | Some("t") => any = true,
            _ => return false,
        }
    }
    any
}

/// Is any engine of this process stopped now?
fn an_engine_is_stopped() -> bool {
    let pids = ENGINES.lock().unwrap_or_else(|e| e.into_inner()).clone();
    pids.into_iter().any(stopped)
}

/// Time left to wait, counted only while the machine and the engines run.
#[derive(Debug, Clone)]
pub struct Budget {
    left: Duration,
    last: Instant,
    /// Time not counted so far (stalls and stopped engines), for messages.
    pub skipped: Duration,
}

impl Budget {
    pub fn new(wait: Duration) -> Budget {
        Budget {
            left: wait,
            last: Instant::now(),
            skipped: Duration::ZERO,
        }
    }

    /// At least [`PATIENCE`]: for what must happen.
    pub fn patient(wait: Duration) -> Budget {
        Budget::new(wait.max(PATIENCE))
    }

    /// Counts the time since the last look; false once the budget is spent.
    pub fn alive(&mut self) -> bool {
        let now = Instant::now();
        let gap = now.saturating_duration_since(self.last);
        self.last = now;
        if gap > STALL_GAP || an_engine_is_stopped() {
            self.skipped += gap;
        } else {
            self.left = self.left.saturating_sub(gap);
        }
        !self.left.is_zero()
    }

    /// How long to wait before the next look: at most [`STEP`] and what is left.
    pub fn step(&self) -> Duration {
        self.left.min(STEP).max(Duration::from_millis(1))
    }

    /// Sleeps one step; false once the budget is spent.
    pub async fn tick(&mut self) -> bool {
        tokio::time::sleep(self.step()).await;
        self.alive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_process_is_seen_as_stopped() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep");
        let pid = child.id();
        let kill = |sig: &str| {
            std::process::Command::new("kill")
                .args([sig, &pid.to_string()])
                .status()
                .expect("kill")
        };
        assert!(!stopped(pid));
        kill("-STOP");
        let mut seen = false;
        for _ in 0..100 {
            seen = stopped(pid);
            if seen {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(seen, "SIGSTOP seen");
        kill("-CONT");
        let _ = child.kill();
        let _ = child.wait();
        assert!(!stopped(u32::MAX), "no such process");
    }
}
