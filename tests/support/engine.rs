//! The real `hotline serve` for a test: built if needed, started on loopback ports in a scratch
//! directory under a guard that kills it however the test ends, its log kept and searchable
//! (any line so far, or the next one after a cursor), and signals (reload, stop, continue).

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use crate::child::ChildGuard;
use crate::wait::{self, Budget};

/// The `hotline` binary: `HOTLINE_BIN` if set; else the workspace's, brought up to date by
/// `cargo build -p hotline` (in the profile these tests were built in) once per test process,
/// so that `cargo test --test ivr_calls` alone never starts a missing or stale engine. Cargo
/// builds the binaries of the package under test only, and the engine is another package.
pub fn binary() -> PathBuf {
    if let Ok(p) = std::env::var("HOTLINE_BIN") {
        return PathBuf::from(p);
    }
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build_binary) {
        Ok(p) => p.clone(),
        Err(e) => panic!("{e}"),
    }
}

fn build_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("test executable: {e}"))?;
    // <target>/<profile dir>/deps/<test>: the binary goes to <target>/<profile dir>/.
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .ok_or("the test executable is not in a target directory")?;
    let bin = dir.join(format!("hotline{}", std::env::consts::EXE_SUFFIX));
    let profile = match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => vec![],
        Some("release") => vec!["--release".to_string()],
        Some(other) => vec!["--profile".to_string(), other.to_string()],
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "hotline", "--manifest-path"])
        .arg(&manifest)
        .args(&profile)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cargo build -p hotline: {e} (or set HOTLINE_BIN)"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo build -p hotline failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

/// A window of 1,000 RTP ports of its own for each engine, within 10000-19999: below Linux's
/// ephemeral ports (where the tests' own sockets are) and apart from the default 20000-30000
/// (where engines and benchmarks run outside the tests). Engines started side by side would
/// otherwise all take 20000, 20002, … and refuse calls with 503 once those are busy.
fn rtp_ports() -> String {
    let start = 10_000 + 2 * rand::random_range(0..4_500u32);
    format!("{start}-{}", start + 999)
}

/// What the engine printed, line by line, as it comes.
#[derive(Default)]
struct Log {
    lines: Mutex<Vec<String>>,
    grew: Condvar,
}

impl Log {
    fn read_from(self: &Arc<Self>, pipe: impl Read + Send + 'static) {
        let log = Arc::clone(self);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                log.lines
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(line);
                log.grew.notify_all();
            }
        });
    }

    fn lines(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A place in the engine's log: [`Engine::next_log_line`] looks only after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogCursor(usize);

/// A running engine, killed on drop (and when a test panics).
pub struct Engine {
    child: ChildGuard,
    pub udp: SocketAddr,
    pub tcp: SocketAddr,
    /// The HTTP API's address, when it is on.
    pub http: Option<SocketAddr>,
    pub dir: PathBuf,
    log: Arc<Log>,
    /// How many lines `drain_log` handed out.
    drained: Mutex<usize>,
    /// What the engine logged up to its ready line.
    pub startup_log: Vec<String>,
}

impl Engine {
    /// Starts `hotline serve` with SIP on loopback port 0, users 1001/1002 (password "secret"),
    /// and the given extra environment.
    pub fn start(extra_env: &[(&str, &str)]) -> Engine {
        Engine::start_binary(&binary(), extra_env, wait::PATIENCE)
    }

    /// Starts `bin serve` as [`Engine::start`] does, waiting `ready_within` (un-stalled time)
    /// for its ready line; panics after killing it when none comes.
    pub fn start_binary(bin: &Path, extra_env: &[(&str, &str)], ready_within: Duration) -> Engine {
        let dir = std::env::temp_dir().join(format!(
            "hotline-test-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .current_dir(&dir)
            .env("HOTLINE_SIP_LISTEN_UDP", "127.0.0.1:0")
            .env("HOTLINE_SIP_LISTEN_TCP", "127.0.0.1:0")
            .env("HOTLINE_SIP_PUBLIC_HOST", "127.0.0.1")
            .env("HOTLINE_SIP_USERS", "1001:secret,1002:secret")
            .env("HOTLINE_SIP_TRUNKS", "127.0.0.1/32")
            .env("HOTLINE_MEDIA_PUBLIC_ADDRESS", "127.0.0.1")
            .env("HOTLINE_MEDIA_RTP_PORTS", rtp_ports())
            .env("HOTLINE_DATA_DIR", dir.join("data"))
            .env(
                "HOTLINE_MEDIA_SOUNDS_DIR",
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sounds"),
            )
            .env(
                "HOTLINE_QA_FORMS_DIR",
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("qa-forms"),
            )
            .env("HOTLINE_LOG_LEVEL", "info")
            .env("HOTLINE_HTTP_LISTEN", "127.0.0.1:0")
            .env("HOTLINE_STORE_DEMO_CUSTOMERS", "0")
            // The SIP and media tests talk to the built-in answer flow; IVR tests set
            // HOTLINE_IVR_ENTRY_FLOW.
            .env("HOTLINE_IVR_ENTRY_FLOW", "")
            .env(
                "HOTLINE_IVR_FLOWS_DIR",
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ivr-flows"),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        // From here on the guard kills the engine whatever happens, this function's own
        // panics included.
        let mut child = ChildGuard::spawn(&mut cmd, "hotline")
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let log = Arc::new(Log::default());
        if let Some(out) = child.child().stdout.take() {
            log.read_from(out);
        }
        if let Some(err) = child.child().stderr.take() {
            log.read_from(err);
        }
        let (mut udp, mut tcp, mut http) = (None, None, None);
        let mut budget = Budget::new(ready_within);
        let mut read = 0;
        let mut startup_log = Vec::new();
        while udp.is_none() || tcp.is_none() {
            let mut lines = log.lines();
            if lines.len() == read {
                let exited = matches!(child.child().try_wait(), Ok(Some(_)));
                if !budget.alive() || exited {
                    drop(lines);
                    std::thread::sleep(Duration::from_millis(100)); // the last words
                    let said = log.lines().join("\n");
                    panic!(
                        "hotline did not report its SIP ports (exited: {exited}, waited {:?} \
                         besides {:?} of stalls); it said:\n{said}",
                        ready_within, budget.skipped
                    );
                }
                lines = log
                    .grew
                    .wait_timeout(lines, budget.step())
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            for line in lines[read..].iter() {
                for word in line.split_whitespace() {
                    if let Some(a) = word.strip_prefix("sip_udp=") {
                        udp = a.parse().ok();
                    }
                    if let Some(a) = word.strip_prefix("sip_tcp=") {
                        tcp = a.parse().ok();
                    }
                    if let Some(a) = word.strip_prefix("http=") {
                        http = a.parse().ok();
                    }
                }
                startup_log.push(line.clone());
                read += 1;
                if udp.is_some() && tcp.is_some() {
                    break;
                }
            }
        }
        wait::watch(child.id());
        Engine {
            child,
            udp: udp.expect("udp"),
            tcp: tcp.expect("tcp"),
            http,
            dir,
            log,
            drained: Mutex::new(0),
            startup_log,
        }
    }

    /// The engine's process id (for CPU and memory readings in benchmarks).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Is the process still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.child().try_wait(), Ok(None))
    }

    /// What the engine logged since the last call (everything, the first time).
    pub fn drain_log(&self) -> Vec<String> {
        let lines = self.log.lines();
        let mut drained = self.drained.lock().unwrap_or_else(|e| e.into_inner());
        let new = lines[*drained..].to_vec();
        *drained = lines.len();
        new
    }

    /// Sends the engine SIGHUP (re-read the queues), as `systemctl reload` does.
    pub fn sighup(&self) {
        self.child.signal("HUP");
    }

    /// Stops the engine (SIGSTOP), as a stalled machine would: it does nothing until
    /// [`Engine::resume`]. Returns once every thread of it has stopped. The support library's
    /// waits do not count the time it is stopped.
    pub fn pause(&self) {
        self.child.signal("STOP");
        let mut budget = Budget::patient(Duration::ZERO);
        while !wait::stopped(self.pid()) {
            assert!(budget.alive(), "the engine did not stop");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Continues a stopped engine (SIGCONT).
    pub fn resume(&self) {
        self.child.signal("CONT");
    }

    /// Waits (at least [`wait::PATIENCE`]) for a log line containing `text` among everything
    /// the engine logged so far; `seen` is kept a copy of the log (pass an empty one). A second
    /// wait for the same text finds the same line: to wait for a new one, use
    /// [`Engine::next_log_line`].
    pub async fn log_line(&self, seen: &mut Vec<String>, text: &str) -> String {
        let mut budget = Budget::patient(Duration::ZERO);
        loop {
            {
                let lines = self.log.lines();
                if seen.len() < lines.len() {
                    seen.extend_from_slice(&lines[seen.len()..]);
                }
            }
            if let Some(l) = seen.iter().find(|l| l.contains(text)) {
                return l.clone();
            }
            if !budget.tick().await {
                panic!("no log line with {text:?}; the log: {seen:#?}");
            }
        }
    }

    /// The end of what the engine logged so far: take one before an action, then wait for
    /// the line the action causes with [`Engine::next_log_line`].
    pub fn log_cursor(&self) -> LogCursor {
        LogCursor(self.log.lines().len())
    }

    /// Waits (at least [`wait::PATIENCE`]) for the next log line after `cursor` containing
    /// `text`, and moves the cursor past it: waiting twice for the same text finds two lines.
    pub async fn next_log_line(&self, cursor: &mut LogCursor, text: &str) -> String {
        let mut budget = Budget::patient(Duration::ZERO);
        loop {
            let found = {
                let lines = self.log.lines();
                lines
                    .iter()
                    .enumerate()
                    .skip(cursor.0)
                    .find(|(_, l)| l.contains(text))
                    .map(|(i, l)| (i, l.clone()))
            };
            if let Some((i, line)) = found {
                cursor.0 = i + 1;
                return line;
            }
            if !budget.tick().await {
                let lines = self.log.lines();
                panic!(
                    "no log line with {text:?} after line {}; the log: {:#?}",
                    cursor.0,
                    &lines[cursor.0.min(lines.len())..]
                );
            }
        }
    }
}

/// How much of the engine's log a failing test shows.
const LOG_TAIL: usize = 200;

impl Drop for Engine {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let lines = self.log.lines();
            let from = lines.len().saturating_sub(LOG_TAIL);
            eprintln!(
                "--- the engine's log (its last {} lines) ---\n{}\n---",
                lines.len() - from,
                lines[from..].join("\n")
            );
        }
        wait::unwatch(self.child.id());
        let _ = self.child.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
