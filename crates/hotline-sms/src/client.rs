//! The tokio shell around [`Session`]: owns the TCP connection and the clock, feeds bytes,
//! commands and deadlines to the session and carries out what it says. After a lost link it
//! reconnects with exponential backoff (the session keeps unacknowledged parts and resends
//! them after the next bind); after a rejected bind or an unbind it stops, reporting every
//! text not yet accepted as failed (retryable).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::pdu::status;
use crate::session::{Event, Input, LostReason, Output, Session, SessionConfig};

/// Where the SMSC is, the account, and the reconnect pacing.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `host:port` of the SMSC.
    pub addr: String,
    pub session: SessionConfig,
    pub reconnect_min_ms: u64,
    pub reconnect_max_ms: u64,
}

/// The client has stopped (bind rejected, unbound, or its task ended).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the SMS client has stopped")]
pub struct Stopped;

enum Command {
    Submit {
        local_id: u64,
        to: String,
        text: String,
    },
    Unbind,
}

/// A handle to a running client; events come on the receiver [`Client::start`] returns.
pub struct Client {
    commands: mpsc::UnboundedSender<Command>,
    next_local_id: AtomicU64,
}

impl Client {
    /// Starts the client task (it connects at once).
    pub fn start(config: ClientConfig) -> (Client, mpsc::UnboundedReceiver<Event>) {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::unbounded_channel();
        tokio::spawn(run(config, command_rx, event_tx));
        let client = Client {
            commands,
            next_local_id: AtomicU64::new(1),
        };
        (client, events)
    }

    /// Queues `text` for `to`; returns the local id its events will carry.
    pub fn send(&self, to: &str, text: &str) -> Result<u64, Stopped> {
        let local_id = self.next_local_id.fetch_add(1, Ordering::Relaxed);
        let command = Command::Submit {
            local_id,
            to: to.to_string(),
            text: text.to_string(),
        };
        self.commands.send(command).map_err(|_| Stopped)?;
        Ok(local_id)
    }

    /// Unbinds and stops; `Event::Unbound` follows.
    pub fn unbind(&self) -> Result<(), Stopped> {
        self.commands.send(Command::Unbind).map_err(|_| Stopped)
    }
}

/// How a connection ended.
enum Ended {
    /// Reconnect; `was_bound` resets the backoff.
    Lost {
        was_bound: bool,
    },
    Stop,
}

struct Shell {
    session: Session,
    started: Instant,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
}

impl Shell {
    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn input(&mut self, command: Option<Command>) -> Input {
        match command {
            Some(Command::Submit { local_id, to, text }) => Input::Submit { local_id, to, text },
            Some(Command::Unbind) | None => Input::Unbind,
        }
    }

    /// Reports every text not yet accepted as failed, those still in the command channel
    /// too, and closes the channel: the client is stopping.
    fn abandon(&mut self, status: u32) {
        for output in self.session.abandon(status) {
            if let Output::Event(e) = output {
                let _ = self.events.send(e);
            }
        }
        self.commands.close();
        while let Ok(command) = self.commands.try_recv() {
            if let Command::Submit { local_id, .. } = command {
                let _ = self.events.send(Event::SubmitFailed {
                    local_id,
                    status,
                    retryable: true,
                });
            }
        }
    }

    /// Runs one connection until it ends.
    async fn connection(&mut self, stream: TcpStream) -> Ended {
        let (mut reader, mut writer) = stream.into_split();
        let mut outputs = self.session.handle(self.now(), Input::Connected);
        let mut buf = vec![0u8; 16 * 1024];
        let mut was_bound = false;
        loop {
            let mut close = false;
            let mut stop_status = None;
            for output in outputs.drain(..) {
                match output {
                    Output::Send(bytes) => {
                        if writer.write_all(&bytes).await.is_err() {
                            close = true;
                        }
                    }
                    Output::Close => close = true,
                    Output::Event(e) => {
                        match &e {
                            Event::Bound { .. } => was_bound = true,
                            Event::BindRejected { status } => stop_status = Some(*status),
                            Event::Unbound => stop_status = Some(status::ESME_RINVBNDSTS),
                            _ => {}
                        }
                        let _ = self.events.send(e);
                    }
                }
            }
            if let Some(status) = stop_status {
                self.abandon(status);
                return Ended::Stop;
            }
            if close {
                if !self.session.is_down() {
                    // A write failed while binding or bound: tell the session (it keeps the
                    // unacknowledged parts and must bind afresh on the next connection).
                    outputs = self.session.handle(self.now(), Input::Closed);
                    continue;
                }
                return Ended::Lost { was_bound };
            }
            let deadline = self.session.next_deadline();
            let wake = deadline.map(|ms| self.started + Duration::from_millis(ms));
            tokio::select! {
                read = reader.read(&mut buf) => {
                    let input = match read {
                        Ok(n) if n > 0 => Input::Received(buf.get(..n).unwrap_or(&[]).to_vec()),
                        _ => Input::Closed,
                    };
                    outputs = self.session.handle(self.now(), input);
                }
                command = self.commands.recv() => {
                    let input = self.input(command);
                    outputs = self.session.handle(self.now(), input);
                }
                _ = sleep_until(wake) => {
                    outputs = self.session.handle(self.now(), Input::Tick);
                }
            }
        }
    }

    /// Waits `pause` while still taking submissions; false when told to stop.
    async fn backoff(&mut self, pause: Duration) -> bool {
        let until = Instant::now() + pause;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => return true,
                command = self.commands.recv() => {
                    let input = self.input(command);
                    let stop = input == Input::Unbind;
                    for output in self.session.handle(self.now(), input) {
                        if let Output::Event(e) = output {
                            let _ = self.events.send(e);
                        }
                    }
                    if stop {
                        self.abandon(status::ESME_RINVBNDSTS);
                        return false;
                    }
                }
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn run(
    config: ClientConfig,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
) {
    let mut shell = Shell {
        session: Session::new(config.session.clone()),
        started: Instant::now(),
        commands,
        events,
    };
    let mut pause = config.reconnect_min_ms;
    loop {
        let connect = tokio::time::timeout(
            Duration::from_millis(config.session.response_timeout_ms),
            TcpStream::connect(&config.addr),
        )
        .await;
        match connect {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                match shell.connection(stream).await {
                    Ended::Stop => return,
                    Ended::Lost { was_bound } => {
                        if was_bound {
                            pause = config.reconnect_min_ms;
                        }
                    }
                }
            }
            Ok(Err(e)) => {
                let reason = LostReason::ConnectFailed(e.to_string());
                let _ = shell.events.send(Event::Lost { reason });
            }
            Err(_) => {
                let reason = LostReason::ConnectFailed("connect timed out".to_string());
                let _ = shell.events.send(Event::Lost { reason });
            }
        }
        if !shell.backoff(Duration::from_millis(pause)).await {
            return;
        }
        pause = (pause * 2).min(config.reconnect_max_ms);
    }
}
