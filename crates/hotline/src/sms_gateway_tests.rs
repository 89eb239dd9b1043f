//! The gateway against the SMSC simulator (`crates/hotline-sms/tests/smsc_sim.py`, loopback,
//! port 0): a text accepted with the SMSC's id; throttled past the retries, a failure the
//! campaign retries; a bind dropped with a text unanswered, the text accepted after the
//! rebind; a wrong password or no SMSC at all, a failure saying why at once, not a wait.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;

struct Sim {
    child: Child,
    stdin: ChildStdin,
    events: Arc<Mutex<Vec<serde_json::Value>>>,
    port: u16,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sim {
    async fn start() -> Sim {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../hotline-sms/tests/smsc_sim.py"
        );
        let mut child = Command::new("python3")
            .args([script, "--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the SMSC simulator");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    sink.lock().unwrap().push(v);
                }
            }
        });
        let mut sim = Sim {
            child,
            stdin,
            events,
            port: 0,
        };
        let v = sim.wait_for("listening", |v| v["ev"] == "listening").await;
        sim.port = u16::try_from(v["port"].as_u64().unwrap()).unwrap();
        sim
    }

    async fn wait_for(
        &self,
        what: &str,
        f: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        for _ in 0..200 {
            if let Some(v) = self.events.lock().unwrap().iter().find(|v| f(v)) {
                return v.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the simulator never reported {what}");
    }

    async fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        let word = line.split(' ').next().unwrap().to_string();
        self.wait_for(line, |v| v["ev"] == "done" && v["command"] == word.as_str())
            .await;
    }
}

fn config(port: u16, password: &str) -> SmsConfig {
    SmsConfig {
        host: "127.0.0.1".into(),
        port,
        password: password.into(),
        ..SmsConfig::default()
    }
}

fn quick() -> Tuning {
    Tuning {
        bind_grace: Duration::from_millis(800),
        throttle_backoff_ms: 20,
        max_retries: 2,
        reconnect_min_ms: 50,
    }
}

async fn gateway(port: u16, password: &str) -> (Arc<Gateway>, std::path::PathBuf) {
    let (store, _, dir) = crate::test_store::with_a_district("sms-gateway").await;
    let g = Gateway::start_tuned(&config(port, password), store, Arc::new(|| 0), quick());
    (g, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_are_accepted_throttling_fails_and_a_dropped_bind_resends() {
    let mut sim = Sim::start().await;
    let (g, dir) = gateway(sim.port, "secret").await;
    let ok = g.submit("13800000001", "您好，停水通知").await;
    let Submission::Accepted { message_ids } = ok else {
        panic!("{ok:?}")
    };
    assert_eq!(message_ids.len(), 1);
    assert!(message_ids[0].starts_with("SIM"));

    // Throttled more often than the client retries: failed, for the campaign to retry.
    sim.command("throttle 10").await;
    let throttled = g.submit("13800000002", "x").await;
    assert!(
        matches!(&throttled, Submission::Failed { reason } if reason.contains("0x00000058")),
        "{throttled:?}"
    );
    sim.command("throttle 0").await;

    // The SMSC holds a text and drops the bind: the client binds again and resends it.
    sim.command("hold").await;
    let held = tokio::spawn({
        let g = g.clone();
        async move { g.submit("13800000003", "held").await }
    });
    sim.wait_for("the held text", |v| {
        v["ev"] == "submit" && v["answered"] == false
    })
    .await;
    sim.command("drop").await;
    let after = tokio::time::timeout(Duration::from_secs(10), held)
        .await
        .expect("answered after the rebind")
        .unwrap();
    assert!(matches!(after, Submission::Accepted { .. }), "{after:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_no_smsc_fails_saying_why() {
    let sim = Sim::start().await;
    let (g, dir) = gateway(sim.port, "wrong").await;
    let refused = g.submit("13800000001", "x").await;
    assert!(
        matches!(&refused, Submission::Failed { reason } if reason.contains("refused the bind")),
        "{refused:?}"
    );
    let _ = std::fs::remove_dir_all(dir);

    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (g, dir) = gateway(port, "secret").await;
    let started = std::time::Instant::now();
    let down = g.submit("13800000001", "x").await;
    assert!(
        matches!(&down, Submission::Failed { reason } if reason.contains("not bound")),
        "{down:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "failed within the grace"
    );
    let _ = std::fs::remove_dir_all(dir);
}
