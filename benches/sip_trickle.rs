//! SIP TCP trickle load: N connections each send a request header that never ends, one byte
//! every `--interval-ms`, after an optional `--prefill` of header bytes in one write; the
//! engine's CPU over the run is what it costs to frame them. A connection the engine closes
//! (a message deadline, or 513 once past the largest message) is opened again at once, so
//! the load stays N connections. Reports bytes trickled, reconnections and the engine's CPU.
//!
//! Run: `cargo bench --bench sip_trickle -- --conns 20 --interval-ms 2 --prefill 60000 --seconds 20`
//! (add `--message-timeout-secs 3600` to measure framing alone, without the deadline cutting
//! connections off; `HOTLINE_BIN=path` to measure another build of the engine).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{proc_cpu_ticks, proc_rss_kib};
use hotline_e2e::Engine;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

mod common;

struct Args {
    conns: usize,
    interval_ms: u64,
    prefill: usize,
    seconds: u64,
    message_timeout_secs: Option<u64>,
}

fn args() -> Args {
    let mut a = Args {
        conns: 20,
        interval_ms: 2,
        prefill: 0,
        seconds: 20,
        message_timeout_secs: None,
    };
    let argv: Vec<String> = std::env::args().collect();
    for w in argv.windows(2) {
        let n = w[1].parse::<u64>().ok();
        match (w[0].as_str(), n) {
            ("--conns", Some(n)) => a.conns = n as usize,
            ("--interval-ms", Some(n)) => a.interval_ms = n.max(1),
            ("--prefill", Some(n)) => a.prefill = n as usize,
            ("--seconds", Some(n)) => a.seconds = n,
            ("--message-timeout-secs", Some(n)) => a.message_timeout_secs = Some(n),
            _ => {}
        }
    }
    a
}

#[derive(Default)]
struct Counts {
    bytes: AtomicU64,
    reconnects: AtomicU64,
}

/// One trickling connection, reopened whenever the engine closes it, until `until`.
async fn trickle(engine: std::net::SocketAddr, a: Arc<Args>, counts: Arc<Counts>, until: Instant) {
    let head = {
        let mut h = b"OPTIONS sip:hotline SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtrickle\r\nX-Trickle: ".to_vec();
        h.resize(h.len() + a.prefill, b'p');
        h
    };
    let mut tick = tokio::time::interval(Duration::from_millis(a.interval_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    'conn: while Instant::now() < until {
        let Ok(mut s) = TcpStream::connect(engine).await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = s.set_nodelay(true);
        if s.write_all(&head).await.is_err() {
            counts.reconnects.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        while Instant::now() < until {
            tick.tick().await;
            if s.write_all(b"x").await.is_err() {
                counts.reconnects.fetch_add(1, Ordering::Relaxed);
                continue 'conn;
            }
            counts.bytes.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[tokio::main]
async fn main() {
    let a = Arc::new(args());
    let timeout = a.message_timeout_secs.map(|s| s.to_string());
    let mut env = vec![("HOTLINE_LOG_LEVEL", "warn")];
    if let Some(t) = &timeout {
        env.push(("HOTLINE_SIP_TCP_MESSAGE_TIMEOUT_SECS", t));
        // All trickle connections come from 127.0.0.1.
        env.push(("HOTLINE_SIP_TCP_MAX_CONNECTIONS_PER_ADDRESS", "10000"));
    }
    let engine = Engine::start(&env);
    let pid = engine.pid();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let counts = Arc::new(Counts::default());
    let started = Instant::now();
    let until = started + Duration::from_secs(a.seconds);
    let ticks0 = proc_cpu_ticks(pid);
    let tasks: Vec<_> = (0..a.conns)
        .map(|_| tokio::spawn(trickle(engine.tcp, a.clone(), counts.clone(), until)))
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ticks = proc_cpu_ticks(pid).saturating_sub(ticks0);
    // SAFETY: sysconf only reads a system constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let cpu = ticks as f64 / hz / elapsed * 100.0;
    println!(
        "sip_trickle: {} connections, 1 byte / {} ms after {} prefill bytes, {:.1} s: {} bytes trickled, {} reconnections, engine CPU {:.1} % of a core, RSS {} MiB",
        a.conns,
        a.interval_ms,
        a.prefill,
        elapsed,
        counts.bytes.load(Ordering::Relaxed),
        counts.reconnects.load(Ordering::Relaxed),
        cpu,
        proc_rss_kib(pid) / 1024
    );
}
