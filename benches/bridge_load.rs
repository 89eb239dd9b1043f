//! Bridged-call load: N caller↔agent pairs of media legs (`hotline_media::leg`, the tasks the
//! engine runs per call leg) bridged two by two on a 2-worker tokio runtime like the engine's,
//! each leg talking to its own generator socket that sends 20 ms PCMU frames (phases spread
//! over the 20 ms) and receives the bridged voice. Measures each leg's send pacing from kernel
//! receive timestamps (deviation from 20 ms: p50/p99/max), loss, the media threads' CPU and the
//! memory per bridged call.
//!
//! In-process because calls reach an agent only through the ACD, which does not exist yet; the
//! generator runs on its own thread at nice 10.
//!
//! Run: `cargo bench --bench bridge_load -- --pairs 400 --seconds 20`

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{kernel_timestamps, proc_rss_kib, send_spread, summarize, StreamStats};
use hotline_media::leg::{self, LegCommand, LegConfig, LegHandle, LegMedia};
use hotline_media::Codec;
use tokio::net::UdpSocket;

fn arg(name: &str, default: u64) -> u64 {
    let argv: Vec<String> = std::env::args().collect();
    argv.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

/// CPU ticks of this process's threads whose name starts with `prefix`.
fn threads_cpu_ticks(prefix: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| t.ok())
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .map(|c| c.trim().starts_with(prefix))
                .unwrap_or(false)
        })
        .map(|t| {
            let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
            let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
            let f: Vec<&str> = rest.split(' ').collect();
            let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            field(11) + field(12)
        })
        .sum()
}

struct Peer {
    sock: Arc<UdpSocket>,
    leg_addr: std::net::SocketAddr,
    stats: Arc<Mutex<StreamStats>>,
}

fn main() {
    let pairs = arg("--pairs", 100) as usize;
    let seconds = arg("--seconds", 10);
    let media = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("media-worker")
        .enable_all()
        .build()
        .expect("media runtime");
    let gen = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("generator runtime");
    let idle_rss = proc_rss_kib(std::process::id());

    // Legs and their generator peers.
    let (peers, legs): (Vec<Peer>, Vec<LegHandle>) = gen.block_on(async {
        let mut peers = Vec::new();
        let mut legs = Vec::new();
        for i in 0..pairs * 2 {
            let sock = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("peer socket"));
            kernel_timestamps::enable(&sock);
            let leg_sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("leg socket");
            leg_sock.set_nonblocking(true).expect("nonblocking");
            let leg_addr = leg_sock.local_addr().expect("leg address");
            let cfg = LegConfig {
                media: LegMedia {
                    codec: Codec::Pcmu,
                    audio_pt: 0,
                    dtmf_pt: Some(101),
                    remote: Some(sock.local_addr().expect("peer address")),
                    send: true,
                    receive: true,
                },
                media_timeout: Duration::from_secs(3600),
                seed: i as u64,
            };
            let (handle, mut events) = {
                // The leg (its socket and task) belongs to the media runtime.
                let _media = media.enter();
                let s = UdpSocket::from_std(leg_sock).expect("tokio socket");
                leg::spawn(s, cfg)
            };
            media.spawn(async move { while events.recv().await.is_some() {} });
            legs.push(handle);
            peers.push(Peer {
                sock,
                leg_addr,
                stats: Arc::new(Mutex::new(StreamStats::default())),
            });
        }
        for pair in legs.chunks(2) {
            leg::bridge(&pair[0], &pair[1]);
        }
        (peers, legs)
    });

    let loaded = gen.block_on(async {
        // SAFETY: on Linux nice() changes the calling thread only: the generator's.
        unsafe {
            libc::nice(10);
        }
        for p in &peers {
            let (sock, stats) = (p.sock.clone(), p.stats.clone());
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                while let Ok((n, at)) = kernel_timestamps::recv(&sock, &mut buf).await {
                    if n >= 12 && buf[0] >> 6 == 2 && buf[1] & 0x7f == 0 {
                        let seq = u16::from_be_bytes([buf[2], buf[3]]);
                        stats.lock().expect("stats").on_packet(seq, at);
                    }
                }
            });
        }
        let targets: Vec<(Arc<UdpSocket>, std::net::SocketAddr)> =
            peers.iter().map(|p| (p.sock.clone(), p.leg_addr)).collect();
        tokio::spawn(send_spread(targets, 0x55));
        tokio::time::sleep(Duration::from_secs(2)).await;
        for p in &peers {
            p.stats.lock().expect("stats").reset();
        }
        let (cpu0, t0) = (threads_cpu_ticks("media-worker"), Instant::now());
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let cpu =
            (threads_cpu_ticks("media-worker") - cpu0) as f64 / 100.0 / t0.elapsed().as_secs_f64()
                * 100.0;
        (cpu, proc_rss_kib(std::process::id()))
    });
    let (cpu, loaded_rss) = loaded;

    let sum = summarize(peers.iter().map(|p| &*p.stats));
    println!(
        "bridged_calls={pairs} legs={} {sum} media_cpu={cpu:.0}% rss_per_bridged_call={}KiB (generator sockets included)",
        pairs * 2,
        loaded_rss.saturating_sub(idle_rss) / pairs.max(1) as u64,
    );
    for l in &legs {
        l.send(LegCommand::Close);
    }
}
