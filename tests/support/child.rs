//! Child processes the tests start (engines, Prometheus, SIPp, helper processes), killed and
//! reaped when their guard is dropped: when a test ends, and when it panics anywhere after the
//! start — a failed wait for the engine's ready line included — so that no test leaves a
//! process behind.

use std::io;
use std::process::{Child, Command};

/// A running child process, killed (SIGKILL) and reaped on drop.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
    what: String,
}

impl ChildGuard {
    /// Starts `cmd`; `what` names it in messages.
    pub fn spawn(cmd: &mut Command, what: &str) -> io::Result<ChildGuard> {
        let child = cmd.spawn()?;
        Ok(ChildGuard {
            child,
            what: what.to_string(),
        })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The process, for its pipes and its status.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Kills it now (SIGKILL) and reaps it: its exit status.
    pub fn kill(&mut self) -> io::Result<std::process::ExitStatus> {
        // An error here means it had exited already; `wait` tells how.
        let _ = self.child.kill();
        self.child.wait()
    }

    /// Sends it a signal by name (`HUP`, `STOP`, `CONT`, …).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([format!("-{name}"), self.id().to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "SIG{name} sent to {} ({})", self.what, self.id());
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Is there a process `pid` (not yet reaped)?
pub fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}
