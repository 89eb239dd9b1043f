//! Starts `tests/smsc_sim.py` (the SMSC simulator) and reads its JSON event lines; starts the
//! real client against it and waits on its events. Waits are on events with a deadline, never
//! sleeps. A missing python3 or smpp34 package fails the test with the reason.

use std::process::Stdio;
use std::time::Duration;

use hotline_sms::{Client, ClientConfig, Event, SessionConfig};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

pub struct Sim {
    _child: Child,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<Value>,
    /// Every line read so far, in order.
    pub seen: Vec<Value>,
    pub port: u16,
}

impl Sim {
    pub async fn start() -> Sim {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smsc_sim.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("python3 is needed to run the SMSC simulator {script}: {e}")
            });
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("simulator line {line:?} is not JSON: {e}"));
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut sim = Sim {
            _child: child,
            stdin,
            lines,
            seen: Vec::new(),
            port: 0,
        };
        let listening = tokio::time::timeout(WAIT, sim.lines.recv()).await;
        let Ok(Some(v)) = listening else {
            let mut err = String::new();
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut err).await;
            panic!("the SMSC simulator did not start (is smpp34 installed? see .ci/run): {err}");
        };
        assert_eq!(v["ev"], "listening", "{v}");
        sim.port = v["port"].as_u64().unwrap() as u16;
        sim
    }

    /// Sends a command and waits until the simulator says it is in force.
    pub async fn command(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        self.stdin.flush().await.unwrap();
        let word = line.split(' ').next().unwrap_or_default().to_string();
        self.wait_for(&format!("{word} done"), |v| {
            v["ev"] == "done" && v["command"] == word.as_str()
        })
        .await;
    }

    /// The next line matching `pred`; lines before it are kept in `seen`.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(v)) => {
                    self.seen.push(v.clone());
                    if pred(&v) {
                        return v;
                    }
                }
                _ => panic!(
                    "the simulator never reported {what}; it said: {:#?}",
                    self.seen
                ),
            }
        }
    }

    /// The `submit` lines seen for destination `dest`.
    pub fn submits_to(&self, dest: &str) -> Vec<&Value> {
        self.seen
            .iter()
            .filter(|v| v["ev"] == "submit" && v["dest"] == dest)
            .collect()
    }
}

/// The test account's client against the simulator.
pub fn client(port: u16, password: &str) -> (Client, Events) {
    let mut session = SessionConfig::new("hotline", password, "95598");
    session.throttle_backoff_ms = 50;
    session.response_timeout_ms = 5_000;
    let config = ClientConfig {
        addr: format!("127.0.0.1:{port}"),
        session,
        reconnect_min_ms: 50,
        reconnect_max_ms: 1_000,
    };
    let (client, rx) = Client::start(config);
    (
        client,
        Events {
            rx,
            seen: Vec::new(),
        },
    )
}

/// The client's events, kept as they are read.
pub struct Events {
    rx: mpsc::UnboundedReceiver<Event>,
    pub seen: Vec<Event>,
}

impl Events {
    pub async fn wait_for<T>(&mut self, what: &str, pick: impl Fn(&Event) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(e)) => {
                    self.seen.push(e.clone());
                    if let Some(t) = pick(&e) {
                        return t;
                    }
                }
                Ok(None) => panic!("the client stopped before {what}; events: {:#?}", self.seen),
                Err(_) => panic!("no {what} within {WAIT:?}; events: {:#?}", self.seen),
            }
        }
    }

    /// Waits until the client's task has ended (its event channel closed).
    pub async fn wait_closed(&mut self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(e)) => self.seen.push(e),
                Ok(None) => return,
                Err(_) => panic!("the client did not stop; events: {:#?}", self.seen),
            }
        }
    }

    pub async fn submitted(&mut self, local_id: u64) -> Vec<String> {
        self.wait_for(&format!("Submitted for {local_id}"), |e| match e {
            Event::Submitted {
                local_id: id,
                message_ids,
            } if *id == local_id => Some(message_ids.clone()),
            Event::SubmitFailed { local_id: id, .. } if *id == local_id => {
                panic!("{local_id} failed: {e:?}")
            }
            _ => None,
        })
        .await
    }
}
