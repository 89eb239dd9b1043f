//! The thin async shell around [`SipCore`]: binds the UDP socket and TCP listener, frames TCP
//! streams, feeds bytes, commands and the clock to the core, and carries out what it returns.
//! All protocol decisions are the core's; this file only moves bytes and keeps connections.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use crate::api::{CallRef, Command, Location, Peer, SipEvent};
use crate::build::{self, ResponseHead};
use crate::engine::{CoreConfig, Input, Now, Output, SipCore, Stats, UserCredentials};
use crate::framing::{next_frame, Frame};
use crate::headers;

/// Outbound call handles start here so they never meet the core's own numbering.
const OUTBOUND_CALL_BASE: u64 = 1 << 62;
/// Most TCP connections held at once; more are refused.
const MAX_TCP_CONNECTIONS: usize = 10_000;

/// What the shell needs beyond the core's configuration.
#[derive(Debug, Clone)]
pub struct SipServerConfig {
    pub core: CoreConfig,
    pub users: HashMap<String, UserCredentials>,
    pub udp: Option<SocketAddr>,
    pub tcp: Option<SocketAddr>,
    pub max_message_bytes: usize,
    pub tcp_idle_timeout: Duration,
}

enum Msg {
    Command(Command),
    Locate(String, oneshot::Sender<Vec<Location>>),
    Stats(oneshot::Sender<(Stats, usize, usize)>),
    SetUsers(HashMap<String, UserCredentials>),
    Shutdown,
}

enum Net {
    Received(Peer, Vec<u8>),
    Opened(u64, mpsc::Sender<Vec<u8>>),
    Closed(u64),
}

/// The engine's way to talk to the SIP core. Cheap to clone.
#[derive(Clone)]
pub struct SipHandle {
    tx: mpsc::UnboundedSender<Msg>,
    next_call: Arc<AtomicU64>,
}

impl SipHandle {
    pub fn send(&self, cmd: Command) {
        let _ = self.tx.send(Msg::Command(cmd));
    }

    /// A handle for an outbound call, to use in `Command::Dial`.
    pub fn new_call_ref(&self) -> CallRef {
        CallRef(self.next_call.fetch_add(1, Ordering::Relaxed))
    }

    /// Where is `user` registered now? Best contact first.
    pub async fn locate(&self, user: &str) -> Vec<Location> {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Msg::Locate(user.to_string(), tx));
        rx.await.unwrap_or_default()
    }

    /// The core's counters, and its active calls and transactions.
    pub async fn stats(&self) -> Option<(Stats, usize, usize)> {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Msg::Stats(tx));
        rx.await.ok()
    }

    pub fn set_users(&self, users: HashMap<String, UserCredentials>) {
        let _ = self.tx.send(Msg::SetUsers(users));
    }

    pub fn shutdown(&self) {
        let _ = self.tx.send(Msg::Shutdown);
    }
}

/// A running SIP server.
pub struct SipServer {
    pub udp_addr: Option<SocketAddr>,
    pub tcp_addr: Option<SocketAddr>,
    pub handle: SipHandle,
    pub events: mpsc::UnboundedReceiver<SipEvent>,
}

fn now() -> Now {
    Now {
        mono: Instant::now(),
        unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    }
}

/// Receive buffer asked for the UDP socket. The kernel's default (about 200 KiB, counted with
/// per-packet overhead) holds only a couple of hundred small datagrams: a burst of BYEs at
/// the end of a busy hour overflowed it. The kernel caps the size at `net.core.rmem_max`.
const UDP_RECEIVE_BUFFER: usize = 4 << 20;

fn widen_receive_buffer(sock: &UdpSocket) {
    let s = socket2::SockRef::from(sock);
    if let Err(e) = s.set_recv_buffer_size(UDP_RECEIVE_BUFFER) {
        tracing::warn!(error = %e, "cannot widen the SIP UDP receive buffer");
    }
    tracing::debug!(bytes = ?s.recv_buffer_size().ok(), "SIP UDP receive buffer");
}

/// Binds the sockets (so a taken port is an error here, not later) and starts the core task.
pub async fn start(mut cfg: SipServerConfig) -> io::Result<SipServer> {
    let udp = match cfg.udp {
        Some(addr) => Some(UdpSocket::bind(addr).await?),
        None => None,
    };
    if let Some(sock) = &udp {
        widen_receive_buffer(sock);
    }
    let tcp = match cfg.tcp {
        Some(addr) => Some(TcpListener::bind(addr).await?),
        None => None,
    };
    let udp_addr = udp.as_ref().map(|s| s.local_addr()).transpose()?;
    let tcp_addr = tcp.as_ref().map(|s| s.local_addr()).transpose()?;
    cfg.core.udp_port = udp_addr.map(|a| a.port());
    cfg.core.tcp_port = tcp_addr.map(|a| a.port());

    let (tx, rx) = mpsc::unbounded_channel();
    let (net_tx, net_rx) = mpsc::channel(4096);
    let (ev_tx, events) = mpsc::unbounded_channel();
    let seed: [u8; 32] = rand::random();
    let core = SipCore::new(cfg.core.clone(), cfg.users.clone(), seed, now());
    if let Some(listener) = tcp {
        tokio::spawn(accept_loop(listener, net_tx.clone(), cfg.clone()));
    }
    tokio::spawn(run(core, udp, rx, net_rx, ev_tx, cfg.max_message_bytes));
    info!(udp = ?udp_addr, tcp = ?tcp_addr, "SIP listening");
    Ok(SipServer {
        udp_addr,
        tcp_addr,
        handle: SipHandle {
            tx,
            next_call: Arc::new(AtomicU64::new(OUTBOUND_CALL_BASE)),
        },
        events,
    })
}

async fn run(
    mut core: SipCore,
    udp: Option<UdpSocket>,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    mut net_rx: mpsc::Receiver<Net>,
    events: mpsc::UnboundedSender<SipEvent>,
    max_message: usize,
) {
    let mut conns: HashMap<u64, mpsc::Sender<Vec<u8>>> = HashMap::new();
    let mut buf = vec![0u8; 65536];
    loop {
        let deadline = core
            .poll_timeout()
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            r = recv(udp.as_ref(), &mut buf) => match r {
                Ok((n, from)) if n <= max_message => {
                    core.handle(now(), Input::Received { peer: Peer::udp(from), bytes: buf[..n].to_vec() });
                }
                Ok((n, from)) => debug!(%from, n, "oversize datagram dropped"),
                Err(e) => debug!(error = %e, "udp receive error"),
            },
            msg = rx.recv() => match msg {
                Some(Msg::Command(cmd)) => core.handle(now(), Input::Command(cmd)),
                Some(Msg::Locate(user, reply)) => { let _ = reply.send(core.locate(&user, Instant::now())); }
                Some(Msg::Stats(reply)) => {
                    let _ = reply.send((core.stats_at(Instant::now()), core.active_calls(), core.transaction_count()));
                }
                Some(Msg::SetUsers(users)) => core.set_users(users),
                Some(Msg::Shutdown) | None => break,
            },
            Some(net) = net_rx.recv() => match net {
                Net::Received(peer, bytes) => core.handle(now(), Input::Received { peer, bytes }),
                Net::Opened(id, writer) => { conns.insert(id, writer); }
                Net::Closed(id) => {
                    conns.remove(&id);
                    core.handle(now(), Input::ConnectionClosed(id));
                }
            },
            _ = tokio::time::sleep_until(deadline) => core.handle_timeout(now()),
        }
        while let Some(out) = core.poll_output() {
            match out {
                Output::Transmit { peer, bytes } => match peer.conn {
                    None => {
                        if let Some(sock) = &udp {
                            send_udp(sock, &bytes, peer.addr).await;
                        }
                    }
                    Some(id) => match conns.get(&id) {
                        Some(w) => {
                            if w.try_send(bytes).is_err() {
                                debug!(conn = id, "tcp writer full or gone; message dropped");
                            }
                        }
                        None => {
                            debug!(conn = id, dest = %peer.addr, "tcp connection gone; message dropped")
                        }
                    },
                },
                Output::Event(ev) => {
                    let _ = events.send(ev);
                }
            }
        }
    }
    info!("SIP core stopped");
}

async fn recv(sock: Option<&UdpSocket>, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
    match sock {
        Some(s) => s.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

async fn send_udp(sock: &UdpSocket, bytes: &[u8], to: SocketAddr) {
    match sock.try_send_to(bytes, to) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            if let Err(e) = sock.send_to(bytes, to).await {
                debug!(%to, error = %e, "udp send failed");
            }
        }
        Err(e) => debug!(%to, error = %e, "udp send failed"),
    }
}

async fn accept_loop(listener: TcpListener, net: mpsc::Sender<Net>, cfg: SipServerConfig) {
    let next_id = AtomicU64::new(1);
    let open = Arc::new(AtomicU64::new(0));
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                warn!(error = %e, "tcp accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if open.load(Ordering::Relaxed) as usize >= MAX_TCP_CONNECTIONS {
            debug!(%addr, "too many tcp connections; refused");
            continue;
        }
        let _ = stream.set_nodelay(true);
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        let (net, open, cfg) = (net.clone(), open.clone(), cfg.clone());
        open.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            serve_connection(stream, addr, id, &net, &cfg).await;
            open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

async fn serve_connection(
    stream: TcpStream,
    addr: SocketAddr,
    id: u64,
    net: &mpsc::Sender<Net>,
    cfg: &SipServerConfig,
) {
    let (mut reader, mut writer) = stream.into_split();
    let (wtx, mut wrx) = mpsc::channel::<Vec<u8>>(256);
    if net.send(Net::Opened(id, wtx.clone())).await.is_err() {
        return;
    }
    let write_task = tokio::spawn(async move {
        while let Some(bytes) = wrx.recv().await {
            if writer.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = writer.shutdown().await;
    });
    let peer = Peer::tcp(addr, id);
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = vec![0u8; 16384];
    'read: loop {
        let n = match tokio::time::timeout(cfg.tcp_idle_timeout, reader.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        loop {
            match next_frame(&buf, cfg.max_message_bytes) {
                Frame::Incomplete => break,
                Frame::Skip(n) => {
                    buf.drain(..n);
                }
                Frame::Ping(n) => {
                    buf.drain(..n);
                    let _ = wtx.send(b"\r\n".to_vec()).await;
                }
                Frame::Message(n) => {
                    let bytes: Vec<u8> = buf.drain(..n).collect();
                    if net.send(Net::Received(peer, bytes)).await.is_err() {
                        break 'read;
                    }
                }
                Frame::Broken {
                    status,
                    reason,
                    header_len,
                } => {
                    debug!(%addr, status, reason, "tcp stream cannot be framed; closing");
                    if let Some(echo) = headers::scan_echo(&buf[..header_len.min(buf.len())]) {
                        let rport = headers::parse_top_via(&echo.vias[0])
                            .map(|v| v.rport)
                            .unwrap_or(false);
                        let resp = build::response(
                            &ResponseHead::of_echo(&echo),
                            addr,
                            rport,
                            status,
                            Some(reason),
                            None,
                            &[],
                            &cfg.core.user_agent,
                            None,
                        );
                        let _ = wtx.send(resp).await;
                    }
                    break 'read;
                }
            }
        }
    }
    drop(wtx);
    let _ = net.send(Net::Closed(id)).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), write_task).await;
}
