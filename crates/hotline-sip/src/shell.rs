//! The thin async shell around [`SipCore`]: binds the UDP socket and TCP listener, frames TCP
//! streams, feeds bytes, commands and the clock to the core, and carries out what it returns.
//! All protocol decisions are the core's; this file only moves bytes and keeps connections.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use crate::api::{CallRef, Command, Location, Peer, SipEvent};
use crate::build::{self, ResponseHead};
use crate::engine::{CoreConfig, Input, Now, Output, SipCore, Stats, UserCredentials};
use crate::framing::{Framed, Framer};
use crate::headers;
use crate::tcp_limits::{ReadDeadline, Refused, TcpLimits};

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
    /// A TCP connection with no message under way is closed after this long without traffic.
    pub tcp_idle_timeout: Duration,
    /// A message begun on a TCP connection must be complete within this long, or the
    /// connection is closed (a peer trickling a byte at a time holds nothing for long).
    pub tcp_message_timeout: Duration,
    /// Most TCP connections from one address (IPv6: one /64) at once; more are refused.
    pub tcp_max_per_address: usize,
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

/// What the TCP side counts itself (the core never sees refused connections).
#[derive(Debug, Default)]
struct TcpCounters {
    refused_per_address: AtomicU64,
    refused_total: AtomicU64,
    message_timeouts: AtomicU64,
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

/// The TCP listener holds up to [`MAX_TCP_CONNECTIONS`], besides the calls' RTP sockets: a
/// soft limit of 1,024 open files (a common default) would let a few addresses exhaust the
/// process's descriptors. Raises the soft limit to the hard one.
#[allow(
    unsafe_code,
    reason = "getrlimit/setrlimit: the crate's one unsafe use, see SAFETY"
)]
fn raise_open_file_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    if got != 0 || lim.rlim_cur >= lim.rlim_max {
        return;
    }
    let before = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: as above.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } == 0 {
        debug!(before, now = lim.rlim_cur, "open-file limit raised");
    } else {
        warn!(soft = before, "cannot raise the open-file limit");
    }
    if lim.rlim_cur < (MAX_TCP_CONNECTIONS + 1024) as libc::rlim_t {
        warn!(
            limit = lim.rlim_cur,
            "open-file limit is below what the SIP TCP listener may hold"
        );
    }
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
    if tcp.is_some() {
        raise_open_file_limit();
    }
    let udp_addr = udp.as_ref().map(|s| s.local_addr()).transpose()?;
    let tcp_addr = tcp.as_ref().map(|s| s.local_addr()).transpose()?;
    cfg.core.udp_port = udp_addr.map(|a| a.port());
    cfg.core.tcp_port = tcp_addr.map(|a| a.port());

    let (tx, rx) = mpsc::unbounded_channel();
    let (net_tx, net_rx) = mpsc::channel(4096);
    let (ev_tx, events) = mpsc::unbounded_channel();
    let seed: [u8; 32] = rand::random();
    let core = SipCore::new(cfg.core.clone(), cfg.users.clone(), seed, now());
    let counters = Arc::new(TcpCounters::default());
    if let Some(listener) = tcp {
        tokio::spawn(accept_loop(
            listener,
            net_tx.clone(),
            cfg.clone(),
            counters.clone(),
        ));
    }
    tokio::spawn(run(
        core,
        udp,
        rx,
        net_rx,
        ev_tx,
        cfg.max_message_bytes,
        counters,
    ));
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
    counters: Arc<TcpCounters>,
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
                    // recv never reports more than the buffer holds.
                    let bytes = buf.get(..n).unwrap_or_default().to_vec();
                    core.handle(now(), Input::Received { peer: Peer::udp(from), bytes });
                }
                Ok((n, from)) => debug!(%from, n, "oversize datagram dropped"),
                Err(e) => debug!(error = %e, "udp receive error"),
            },
            msg = rx.recv() => match msg {
                Some(Msg::Command(cmd)) => core.handle(now(), Input::Command(cmd)),
                Some(Msg::Locate(user, reply)) => { let _ = reply.send(core.locate(&user, Instant::now())); }
                Some(Msg::Stats(reply)) => {
                    let mut stats = core.stats_at(Instant::now());
                    stats.tcp_refused_per_address = counters.refused_per_address.load(Ordering::Relaxed);
                    stats.tcp_refused_total = counters.refused_total.load(Ordering::Relaxed);
                    stats.tcp_message_timeouts = counters.message_timeouts.load(Ordering::Relaxed);
                    stats.tcp_connections = conns.len();
                    let _ = reply.send((stats, core.active_calls(), core.transaction_count()));
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

/// A connection's slot in the [`TcpLimits`], given back when the connection's task ends
/// (however it ends).
struct Slot {
    limits: Arc<Mutex<TcpLimits>>,
    ip: std::net::IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.limits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .close(self.ip);
    }
}

async fn accept_loop(
    listener: TcpListener,
    net: mpsc::Sender<Net>,
    cfg: SipServerConfig,
    counters: Arc<TcpCounters>,
) {
    let next_id = AtomicU64::new(1);
    let limits = Arc::new(Mutex::new(TcpLimits::new(
        MAX_TCP_CONNECTIONS,
        cfg.tcp_max_per_address,
    )));
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                warn!(error = %e, "tcp accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let admitted = limits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .open(addr.ip());
        if let Err(why) = admitted {
            debug!(%addr, why = why.label(), "tcp connection refused");
            match why {
                Refused::PerAddress => &counters.refused_per_address,
                Refused::Total => &counters.refused_total,
            }
            .fetch_add(1, Ordering::Relaxed);
            continue; // dropping the stream closes it
        }
        let slot = Slot {
            limits: limits.clone(),
            ip: addr.ip(),
        };
        let _ = stream.set_nodelay(true);
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        let (net, cfg, counters) = (net.clone(), cfg.clone(), counters.clone());
        tokio::spawn(async move {
            serve_connection(stream, addr, id, &net, &cfg, &counters).await;
            drop(slot);
        });
    }
}

async fn serve_connection(
    stream: TcpStream,
    addr: SocketAddr,
    id: u64,
    net: &mpsc::Sender<Net>,
    cfg: &SipServerConfig,
    counters: &TcpCounters,
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
    let mut framer = Framer::new(cfg.max_message_bytes);
    let mut chunk = vec![0u8; 16384];
    let mut deadline = ReadDeadline::new(cfg.tcp_idle_timeout, cfg.tcp_message_timeout);
    'read: loop {
        let (due, for_message) = deadline.due(Instant::now());
        let due = tokio::time::Instant::from_std(due);
        let n = match tokio::time::timeout_at(due, reader.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Err(_) => {
                if for_message {
                    debug!(%addr, "tcp message not complete in time; closing");
                    counters.message_timeouts.fetch_add(1, Ordering::Relaxed);
                }
                break;
            }
            Ok(Ok(n)) => n,
        };
        // read never reports more than the chunk holds.
        framer.push(chunk.get(..n).unwrap_or_default());
        let mut completed = false;
        loop {
            match framer.take() {
                Framed::Incomplete => break,
                Framed::Ping => {
                    completed = true;
                    let _ = wtx.send(b"\r\n".to_vec()).await;
                }
                Framed::Message(bytes) => {
                    completed = true;
                    if net.send(Net::Received(peer, bytes)).await.is_err() {
                        break 'read;
                    }
                }
                Framed::Broken {
                    status,
                    reason,
                    head,
                } => {
                    debug!(%addr, status, reason, "tcp stream cannot be framed; closing");
                    if let Some(echo) = headers::scan_echo(&head) {
                        let rport = echo
                            .top_via()
                            .is_some_and(|v| headers::parse_top_via(v).is_ok_and(|v| v.rport));
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
        deadline.after_read(Instant::now(), completed, framer.pending());
    }
    drop(wtx);
    let _ = net.send(Net::Closed(id)).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), write_task).await;
}
