//! Outbound campaign load (issue 21, "Prove it", Speed): an IVR-only notice campaign to N
//! customers (10,000 by default) at the route's limit (50 call attempts/s) with about 1,000
//! calls up at once, run by the release `hotline serve` through its outbound route
//! (`acd.callback_gateway`), with recording on (the engine's default, unless
//! `HOTLINE_MEDIA_RECORD=false` is set; the line says which).
//!
//! The benchmark is the gateway: a UAS on one loopback UDP socket that answers every INVITE
//! 200 with a PCMU answer pointing at an RTP socket of the call, sends 20 ms PCMU frames to the
//! engine (one task for all calls on a 1 ms tick, each call at its own phase of the 20 ms, as
//! `media_load` does), receives the engine's audio (a task per call, kernel receive
//! timestamps) and hangs up with a BYE `--hold-secs` after the answer (so about rate × hold
//! calls are up at once); a BYE from the engine first is answered 200.
//!
//! The campaign is made over the API as an operator makes one: `POST /api/campaigns`
//! (`mode: ivr`, the flow below, settings: a window all day, holidays not skipped,
//! `attempts_per_sec` = `--rate`, `max_lines` ≥ the concurrency), the list uploaded as CSV
//! (`account,number,district`: distinct mainland mobile numbers 139…, accounts the store does
//! not need to know), then started. The flow (`bench_notice`, written to a scratch flows
//! folder) reads planned works for the target's district and then, with no key pressed,
//! reads the notice again, up to 10 times, so the engine sends prompts for the whole call.
//!
//! It measures: INVITEs a second as they arrived at the gateway (kernel timestamps; the mean
//! over the steady part, i.e. every whole second but the first and the last, the least and
//! most in one second, the mean's deviation from the limit, seconds within ±5 %), the peak of
//! calls up at once, the engine's RTP pacing as seen on arrival (|gap − 20 ms|: p50, p99,
//! max) and loss over every call, the engine's CPU (over the run and at full load), threads
//! and memory, and at the end every attempt's result in the engine's SQLite file (attempts
//! with a result, targets final, results by kind, cross-checked with
//! `GET /api/campaigns/{id}/results`) and the time from start to the campaign being done.
//!
//! Run: `cargo build --release -p hotline && cargo bench --bench campaign_load -- [--targets 10000] [--rate 50] [--hold-secs 20] [--max-lines N]`

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    desks, kernel_timestamps, proc_cpu_ticks, proc_rss_kib, proc_threads, rtp_target, summarize,
    StreamStats,
};
use hotline_e2e::{branch, reply, roomy, token, Desk, Engine};
use hotline_sip::wire::{self, Message, Method, Request};
use hotline_store::{OpenOptions, Policy, Role, Store};
use serde_json::{json, Value};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

mod common;

struct Args {
    targets: usize,
    rate: u32,
    hold_secs: u64,
    max_lines: Option<u32>,
}

fn args() -> Args {
    let mut a = Args {
        targets: 10_000,
        rate: 50,
        hold_secs: 20,
        max_lines: None,
    };
    let argv: Vec<String> = std::env::args().collect();
    for w in argv.windows(2) {
        let (Some(k), Some(v)) = (w.first(), w.get(1)) else {
            continue;
        };
        let n: Option<u64> = v.parse().ok();
        match (k.as_str(), n) {
            ("--targets", Some(n)) => a.targets = (n as usize).max(1),
            ("--rate", Some(n)) => a.rate = u32::try_from(n).unwrap_or(1000).clamp(1, 1000),
            ("--hold-secs", Some(n)) => a.hold_secs = n.max(1),
            ("--max-lines", Some(n)) => {
                a.max_lines = Some(u32::try_from(n).unwrap_or(10_000).clamp(1, 10_000))
            }
            _ => {}
        }
    }
    a
}

/// The campaign's flow: planned works in the target's district, then the notice again while
/// no key is pressed (a menu whose no-input prompt is the greeting), so that the engine plays
/// prompts for about three minutes unless the gateway hangs up first.
const FLOW: &str = r#"flow: bench_notice
description: >-
  The campaign_load benchmark's notice: planned works in the customer's district (from the
  list's `district` column), then 1 to hear it again; with no key the greeting is read again,
  up to 10 times, so that the engine sends audio for the whole call.
languages: [zh, en]
target:
  account: text
  district: text
start: greet
nodes:
  greet:
    play:
      prompts:
        - notice_call_greeting
        - notice_kind_planned_works
        - { when: 'target.district == "east"', play: [district_east] }
        - { when: 'target.district == "west"', play: [district_west] }
        - { when: 'target.district == "south"', play: [district_south] }
        - { when: 'target.district == "north"', play: [district_north] }
        - { when: 'target.district == "hitech"', play: [district_hitech] }
        - { when: 'target.district == "binjiang"', play: [district_binjiang] }
        - { when: 'target.district == "econ"', play: [district_econ] }
        - { when: 'target.district == "oldtown"', play: [district_oldtown] }
        - notice_area_yours
        - notice_no_end
        - notice_cause
        - notice_cause_construction
      next: told
  told:
    result: { is: reached, next: menu }
  menu:
    menu:
      prompts: [notice_call_menu]
      keys: { "1": greet }
      timeout: 1s
      no_input: [notice_call_greeting]
      retries: 10
      fallback: bye
  bye:
    hangup: { prompts: [outbound_goodbye] }
"#;

/// The engine loads flows only with an entry flow for the calls that come in; this one
/// hangs up (no call comes in during the benchmark).
const INBOUND_FLOW: &str = "flow: bench_inbound\n\
description: No inbound calls in the campaign benchmark.\n\
languages: [zh, en]\n\
start: bye\n\
nodes:\n  bye:\n    hangup: { prompts: [] }\n";

const DISTRICTS: [&str; 8] = [
    "east", "west", "south", "north", "hitech", "binjiang", "econ", "oldtown",
];

/// The target list: `account,number,district`, numbers 139… one apart.
fn target_csv(n: usize) -> String {
    let mut csv = String::with_capacity(40 * n + 32);
    csv.push_str("account,number,district\n");
    for i in 0..n {
        let district = DISTRICTS
            .get(i % DISTRICTS.len())
            .copied()
            .unwrap_or("east");
        csv.push_str(&format!(
            "B{:07},{},{district}\n",
            i + 1,
            13_900_000_000u64 + i as u64 + 1
        ));
    }
    csv
}

/// One call the gateway answered.
struct Call {
    /// Its place in the sender's slots while its media runs.
    slot: Option<usize>,
    /// The 200 OK sent (sent again for a retransmitted INVITE).
    ok: String,
    /// Our BYE's Request-URI, From (our To with our tag) and To (the engine's From).
    uri: String,
    our_side: String,
    engine_side: String,
    recv: Option<JoinHandle<()>>,
    /// Our BYE: the text, when last sent, how many times.
    bye: Option<(String, tokio::time::Instant, u32)>,
    bye_answered: bool,
}

/// What the gateway holds and counts; locked briefly, never across an await.
#[derive(Default)]
struct Gateway {
    calls: HashMap<String, Call>,
    /// The sender's slots: an RTP socket and where its frames go.
    slots: Vec<Option<(Arc<UdpSocket>, SocketAddr)>>,
    free: Vec<usize>,
    stats: Vec<Arc<Mutex<StreamStats>>>,
    /// Kernel arrival time of each new INVITE.
    invites: Vec<Duration>,
    up: usize,
    peak: usize,
    answered: u64,
    acks: u64,
    invite_retransmits: u64,
    engine_byes: u64,
    our_byes: u64,
    bye_answers: u64,
    bye_retransmits: u64,
    refused: u64,
    other_requests: u64,
    unparsable: u64,
    /// Our BYEs still unanswered.
    byes_pending: HashSet<String>,
}

impl Gateway {
    fn take_slot(&mut self, sock: Arc<UdpSocket>, to: SocketAddr) -> usize {
        match self.free.pop() {
            Some(i) => {
                if let Some(s) = self.slots.get_mut(i) {
                    *s = Some((sock, to));
                }
                i
            }
            None => {
                self.slots.push(Some((sock, to)));
                self.slots.len() - 1
            }
        }
    }

    /// The call's media stops (its frames and its receiver); `true` if it was up.
    fn end_media(&mut self, call_id: &str) -> bool {
        let Some(c) = self.calls.get_mut(call_id) else {
            return false;
        };
        let mut was_up = false;
        if let Some(i) = c.slot.take() {
            if let Some(s) = self.slots.get_mut(i) {
                *s = None;
            }
            self.free.push(i);
            was_up = true;
        }
        if let Some(task) = c.recv.take() {
            task.abort();
        }
        if was_up {
            self.up = self.up.saturating_sub(1);
        }
        was_up
    }
}

type Shared = Arc<Mutex<Gateway>>;

fn lock(g: &Shared) -> std::sync::MutexGuard<'_, Gateway> {
    g.lock().unwrap_or_else(|e| e.into_inner())
}

/// The engine's audio on one call, timed by the kernel; timestamp jumps counted.
async fn receive(rtp: Arc<UdpSocket>, stats: Arc<Mutex<StreamStats>>, jumps: Arc<AtomicU64>) {
    let mut buf = [0u8; 2048];
    let mut last: Option<(u16, u32)> = None;
    while let Ok((n, at)) = kernel_timestamps::recv(&rtp, &mut buf).await {
        let Some(h) = buf.get(..12).filter(|_| n >= 12) else {
            continue;
        };
        if h[0] >> 6 != 2 {
            continue;
        }
        let seq = u16::from_be_bytes([h[2], h[3]]);
        stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .on_packet(seq, at);
        if h[1] & 0x7f == 0 {
            let ts = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
            if let Some((prev_seq, prev_ts)) = last {
                if seq == prev_seq.wrapping_add(1) && ts.wrapping_sub(prev_ts) > 160 {
                    jumps.fetch_add(1, Ordering::Relaxed);
                }
            }
            last = Some((seq, ts));
        }
    }
}

/// A 20 ms PCMU frame to every call up, every 20 ms, each slot at its own phase (slot mod 20)
/// of the 20 ms. Runs until aborted.
async fn send_frames(g: Shared, sent: Arc<AtomicU64>) {
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut pkt = [0xFFu8; 172];
    pkt[0] = 0x80;
    pkt[1] = 0;
    pkt[8..12].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    for n in 0u64.. {
        tick.tick().await;
        let (phase, frame) = ((n % 20) as usize, (n / 20) as u32);
        pkt[2..4].copy_from_slice(&(frame as u16).to_be_bytes());
        pkt[4..8].copy_from_slice(&frame.wrapping_mul(160).to_be_bytes());
        let gw = lock(&g);
        for (sock, to) in gw.slots.iter().skip(phase).step_by(20).flatten() {
            if sock.try_send_to(&pkt, *to).is_ok() {
                sent.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// The Request-URI of an in-dialog request to the engine: its Contact, else its address.
fn contact_uri(req: &Request, engine: SocketAddr) -> String {
    req.common
        .contacts
        .first()
        .map(|c| {
            let c = c.trim();
            match (c.find('<'), c.find('>')) {
                (Some(a), Some(b)) if a < b => c.get(a + 1..b).unwrap_or(c).to_string(),
                _ => c.split(';').next().unwrap_or(c).to_string(),
            }
        })
        .filter(|u| u.starts_with("sip:"))
        .unwrap_or_else(|| format!("sip:hotline@{engine}"))
}

fn bye_text(c: &Call, call_id: &str, local: SocketAddr) -> String {
    format!(
        "BYE {} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={}\r\nMax-Forwards: 70\r\n\
         From: {}\r\nTo: {}\r\nCall-ID: {call_id}\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
        c.uri,
        branch(),
        c.our_side,
        c.engine_side
    )
}

struct Sip {
    g: Shared,
    sock: Arc<UdpSocket>,
    local: SocketAddr,
    engine: SocketAddr,
    hold: Duration,
    hangups: mpsc::UnboundedSender<(tokio::time::Instant, String)>,
    jumps: Arc<AtomicU64>,
}

impl Sip {
    async fn send(&self, text: &str) {
        if let Err(e) = self.sock.send_to(text.as_bytes(), self.engine).await {
            eprintln!("gateway: a SIP message not sent: {e}");
        }
    }

    /// Answers a new INVITE 200 with our RTP socket; a retransmission gets the same 200.
    async fn invite(&self, req: &Request, raw: &str, at: Duration) {
        let call_id = req.common.call_id.clone();
        let again = lock(&self.g).calls.get(&call_id).map(|c| c.ok.clone());
        if let Some(ok) = again {
            lock(&self.g).invite_retransmits += 1;
            return self.send(&ok).await;
        }
        if req.common.to_addr.tag.is_some() {
            // A re-INVITE of a call we no longer know.
            lock(&self.g).other_requests += 1;
            let no = reply(raw, 481, "Call Does Not Exist", "gw", &self.contact(), None);
            return self.send(&no).await;
        }
        lock(&self.g).invites.push(at);
        let offer = String::from_utf8_lossy(&req.common.body).to_string();
        let Some(engine_rtp) = rtp_target(&offer) else {
            lock(&self.g).refused += 1;
            let no = reply(
                raw,
                488,
                "Not Acceptable Here",
                &token(),
                &self.contact(),
                None,
            );
            return self.send(&no).await;
        };
        let rtp = match UdpSocket::bind("127.0.0.1:0").await {
            Ok(s) => Arc::new(s),
            Err(e) => {
                eprintln!("gateway: no RTP socket for a call: {e}");
                lock(&self.g).refused += 1;
                let no = reply(
                    raw,
                    503,
                    "Service Unavailable",
                    &token(),
                    &self.contact(),
                    None,
                );
                return self.send(&no).await;
            }
        };
        let port = rtp.local_addr().map(|a| a.port()).unwrap_or(0);
        kernel_timestamps::enable(&rtp);
        let tag = token();
        let sdp = format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
             a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
        );
        let ok = reply(raw, 200, "OK", &tag, &self.contact(), Some(&sdp));
        let stats = Arc::new(Mutex::new(StreamStats::default()));
        let recv = tokio::spawn(receive(rtp.clone(), stats.clone(), self.jumps.clone()));
        {
            let mut gw = lock(&self.g);
            let slot = gw.take_slot(rtp, engine_rtp);
            gw.stats.push(stats);
            gw.up += 1;
            gw.peak = gw.peak.max(gw.up);
            gw.answered += 1;
            gw.calls.insert(
                call_id.clone(),
                Call {
                    slot: Some(slot),
                    ok: ok.clone(),
                    uri: contact_uri(req, self.engine),
                    our_side: format!("{};tag={tag}", req.common.to.trim()),
                    engine_side: req.common.from.trim().to_string(),
                    recv: Some(recv),
                    bye: None,
                    bye_answered: false,
                },
            );
        }
        self.send(&ok).await;
        let _ = self
            .hangups
            .send((tokio::time::Instant::now() + self.hold, call_id));
    }

    fn contact(&self) -> String {
        format!("<sip:gateway@{}>", self.local)
    }

    async fn request(&self, req: &Request, raw: &str, at: Duration) {
        match &req.method {
            Method::Invite => self.invite(req, raw, at).await,
            Method::Ack => lock(&self.g).acks += 1,
            Method::Bye => {
                {
                    let mut gw = lock(&self.g);
                    if gw.end_media(&req.common.call_id) {
                        gw.engine_byes += 1;
                    }
                }
                let ok = reply(raw, 200, "OK", "gw", &self.contact(), None);
                self.send(&ok).await;
            }
            _ => {
                lock(&self.g).other_requests += 1;
                let ok = reply(raw, 200, "OK", "gw", &self.contact(), None);
                self.send(&ok).await;
            }
        }
    }

    /// Reads the gateway's SIP socket until aborted.
    async fn read(self) {
        kernel_timestamps::enable(&self.sock);
        let mut buf = vec![0u8; 65536];
        loop {
            let (n, at) = match kernel_timestamps::recv(&self.sock, &mut buf).await {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("gateway: SIP socket: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let Some(bytes) = buf.get(..n) else { continue };
            match wire::parse(bytes) {
                Ok(Message::Request(req)) => {
                    let raw = String::from_utf8_lossy(bytes).to_string();
                    self.request(&req, &raw, at).await;
                }
                Ok(Message::Response(resp)) => {
                    if resp.common.cseq_method == Method::Bye && resp.code >= 200 {
                        let mut gw = lock(&self.g);
                        let call_id = resp.common.call_id.clone();
                        let first = match gw.calls.get_mut(&call_id) {
                            Some(c) if !c.bye_answered => {
                                c.bye_answered = true;
                                true
                            }
                            _ => false,
                        };
                        if first {
                            gw.bye_answers += 1;
                            gw.byes_pending.remove(&call_id);
                        }
                    }
                }
                Err(_) => lock(&self.g).unparsable += 1,
            }
        }
    }
}

/// Hangs each call up `hold` after its answer (the queue is in answer order), and sends a
/// BYE again while unanswered (0.5, 1, 2, 4 s after, as RFC 3261's timer E would).
async fn hang_up(
    g: Shared,
    sock: Arc<UdpSocket>,
    local: SocketAddr,
    engine: SocketAddr,
    mut rx: mpsc::UnboundedReceiver<(tokio::time::Instant, String)>,
) {
    let mut retry = tokio::time::interval(Duration::from_millis(250));
    let mut queue: VecDeque<(tokio::time::Instant, String)> = VecDeque::new();
    let mut open = true;
    loop {
        let next = queue.front().map(|(at, _)| *at);
        tokio::select! {
            got = rx.recv(), if open => match got {
                Some(h) => queue.push_back(h),
                None => open = false,
            },
            () = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                let Some((_, call_id)) = queue.pop_front() else { continue };
                let bye = {
                    let mut gw = lock(&g);
                    if gw.end_media(&call_id) {
                        gw.our_byes += 1;
                        gw.byes_pending.insert(call_id.clone());
                        gw.calls.get_mut(&call_id).map(|c| {
                            let text = bye_text(c, &call_id, local);
                            c.bye = Some((text.clone(), tokio::time::Instant::now(), 1));
                            text
                        })
                    } else {
                        None
                    }
                };
                if let Some(text) = bye {
                    let _ = sock.send_to(text.as_bytes(), engine).await;
                }
            }
            _ = retry.tick() => {
                let now = tokio::time::Instant::now();
                let again: Vec<String> = {
                    let mut gw = lock(&g);
                    let pending: Vec<String> = gw.byes_pending.iter().cloned().collect();
                    let mut out = Vec::new();
                    for id in pending {
                        let Some(c) = gw.calls.get_mut(&id) else { continue };
                        let Some((text, at, tries)) = c.bye.as_mut() else { continue };
                        if *tries >= 5 {
                            continue;
                        }
                        if now.duration_since(*at) >= Duration::from_millis(500 << (*tries - 1)) {
                            *at = now;
                            *tries += 1;
                            out.push(text.clone());
                        }
                    }
                    gw.bye_retransmits += out.len() as u64;
                    out
                };
                for text in again {
                    let _ = sock.send_to(text.as_bytes(), engine).await;
                }
            }
        }
    }
}

/// One look at the engine and the gateway.
#[derive(Clone, Copy)]
struct Sample {
    at: Duration,
    cpu: u64,
    up: usize,
}

/// INVITEs a second from their arrival times.
struct Pacing {
    n: usize,
    overall: f64,
    steady_secs: usize,
    mean: f64,
    min: u64,
    max: u64,
    within: usize,
    dev_percent: f64,
    gap_p50_ms: f64,
    gap_p99_ms: f64,
    gap_max_ms: f64,
    per_sec: Vec<u64>,
}

fn pacing(mut t: Vec<Duration>, rate: u32) -> Pacing {
    t.sort();
    let n = t.len();
    let (first, last) = (
        t.first().copied().unwrap_or_default(),
        t.last().copied().unwrap_or_default(),
    );
    let span = last.saturating_sub(first).as_secs_f64();
    let overall = if n > 1 && span > 0.0 {
        (n - 1) as f64 / span
    } else {
        0.0
    };
    let secs = span as usize + 1;
    let mut per_sec = vec![0u64; secs];
    for x in &t {
        let i = x.saturating_sub(first).as_secs() as usize;
        if let Some(b) = per_sec.get_mut(i) {
            *b += 1;
        }
    }
    // The steady part: every whole second but the first (the bucket filling) and the last
    // (partial).
    let steady: &[u64] = if per_sec.len() > 2 {
        per_sec.get(1..per_sec.len() - 1).unwrap_or(&[])
    } else {
        &[]
    };
    let mean = if steady.is_empty() {
        overall
    } else {
        steady.iter().sum::<u64>() as f64 / steady.len() as f64
    };
    let r = f64::from(rate);
    let within = steady
        .iter()
        .filter(|&&c| (c as f64 - r).abs() <= 0.05 * r)
        .count();
    let mut gaps: Vec<u32> = t
        .windows(2)
        .filter_map(|w| match w {
            [a, b] => Some(u32::try_from(b.saturating_sub(*a).as_micros()).unwrap_or(u32::MAX)),
            _ => None,
        })
        .collect();
    gaps.sort_unstable();
    let ms = |us: u32| f64::from(us) / 1000.0;
    Pacing {
        n,
        overall,
        steady_secs: steady.len(),
        mean,
        min: steady.iter().copied().min().unwrap_or(0),
        max: steady.iter().copied().max().unwrap_or(0),
        within,
        dev_percent: (mean - r) / r * 100.0,
        gap_p50_ms: ms(common::percentile(&gaps, 0.5)),
        gap_p99_ms: ms(common::percentile(&gaps, 0.99)),
        gap_max_ms: ms(gaps.last().copied().unwrap_or(0)),
        per_sec,
    }
}

/// Recordings (and their bytes) under `dir`: files ending `.wav` or `.hlenc` (sealed).
fn wav_files(dir: &std::path::Path) -> (u64, u64) {
    let (mut n, mut bytes) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "wav" || x == "hlenc") {
                n += 1;
                bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    (n, bytes)
}

/// Each thread of process `pid`: its name (with its scheduling policy when not the normal
/// one: `rt` for SCHED_FIFO/RR) and CPU ticks so far (utime + stime).
fn thread_ticks(pid: u32) -> HashMap<String, (String, u64)> {
    let mut out = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in tasks.flatten() {
        let tid = t.file_name().to_string_lossy().to_string();
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        let name = stat
            .split_once(" (")
            .and_then(|(_, r)| r.rsplit_once(") "))
            .map_or("?", |(n, _)| n)
            .to_string();
        let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = rest.split(' ').collect();
        let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        // Field 41 of the full line: the policy (1 FIFO, 2 RR).
        let name = match field(38) {
            1 | 2 => format!("{name} (rt)"),
            _ => name,
        };
        out.insert(tid, (name, field(11) + field(12)));
    }
    out
}

/// The machine's load averages (1, 5, 15 min).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split(' ')
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(a));
}

async fn run(a: Args) {
    let hold = Duration::from_secs(a.hold_secs);
    let concurrency = u64::from(a.rate) * a.hold_secs;
    // Room above rate × hold: a line is busy from the INVITE until the engine has the call's
    // end, a little longer than the hold.
    let max_lines = a
        .max_lines
        .unwrap_or_else(|| u32::try_from(concurrency + concurrency / 5 + 10).unwrap_or(10_000))
        .min(10_000);
    let recording = std::env::var("HOTLINE_MEDIA_RECORD").as_deref() != Ok("false");
    println!(
        "campaign_load: {} targets at {}/s, hold {} s (about {concurrency} calls up), max_lines {max_lines}, recording {recording}",
        a.targets, a.rate, a.hold_secs
    );

    let dir = std::env::temp_dir().join(format!("hotline-campaign-load-{}", token()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).expect("scratch dir");
    std::fs::write(flows.join("bench_notice.yaml"), FLOW).expect("the flow file");
    std::fs::write(flows.join("bench_inbound.yaml"), INBOUND_FLOW).expect("the flow file");
    let db_url = format!("sqlite:{}", dir.join("hotline.db").display());
    {
        // desk19: a supervisor, who makes and starts the campaign.
        let store = Store::open(OpenOptions::new(db_url.clone()), Policy::default())
            .await
            .expect("the engine's database");
        desks::add_agent(&store, 19, "bench", Role::Supervisor, &[]).await;
        store.close().await;
    }

    let gw_sock = Arc::new(
        UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("gateway socket"),
    );
    roomy(&gw_sock);
    let gw_local = gw_sock.local_addr().expect("gateway address");
    let mut engine = Engine::start(&[
        ("HOTLINE_STORE_URL", &db_url),
        ("HOTLINE_ACD_CALLBACK_GATEWAY", &gw_local.to_string()),
        ("HOTLINE_IVR_FLOWS_DIR", &flows.display().to_string()),
        ("HOTLINE_IVR_ENTRY_FLOW", "bench_inbound"),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "0"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        // The engine's default range, not the tests' window of 1,000 ports (500 calls).
        ("HOTLINE_MEDIA_RTP_PORTS", "20000-30000"),
        ("HOTLINE_LOG_LEVEL", "warn"),
        ("HOTLINE_SIP_RATE_LIMIT_REQUESTS_PER_SEC", "100000"),
        ("HOTLINE_SIP_RATE_LIMIT_BURST", "100000"),
    ]);
    let pid = engine.pid();
    // The generator yields the CPU to the engine it measures; arrival times are the kernel's.
    // SAFETY: nice() only changes this process's scheduling priority.
    unsafe {
        libc::nice(10);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = proc_rss_kib(pid);

    let desk = Desk::login_with(&engine, &desks::login(19), desks::PASSWORD).await;
    let (status, made) = desk
        .post(
            "/api/campaigns",
            json!({
                "name": format!("bench notice {}", token()),
                "kind": "notice",
                "mode": "ivr",
                "flow": "bench_notice",
                "settings": {
                    "window": ["00:00-24:00"],
                    "skip_holidays": false,
                    "attempts_per_sec": a.rate,
                    "max_lines": max_lines,
                    "caller_id": "96655"
                }
            }),
        )
        .await;
    assert_eq!(status, 201, "the campaign is made: {made}");
    let id = made["campaign"]["id"].as_i64().expect("campaign id");
    // The API takes bodies of at most 64 KiB (`hotline_web::MAX_BODY`), about 1,800 rows of
    // this list: it goes up in pieces of 1,500 rows, each a CSV with its header, as the
    // endpoint adds every upload to the draft's list.
    let t = Instant::now();
    let (mut added, mut refused, mut pieces) = (0u64, 0usize, 0usize);
    let csv = target_csv(a.targets);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    for chunk in rows.chunks(1500) {
        let body = format!("account,number,district\n{}\n", chunk.join("\n"));
        let res = desk
            .http
            .post(format!("{}/api/campaigns/{id}/targets", desk.base))
            .bearer_auth(&desk.token)
            .header("Content-Type", "text/csv")
            .body(body)
            .send()
            .await
            .expect("the list uploaded");
        let code = res.status().as_u16();
        let report: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(code, 200, "the list is taken: {report}");
        added += report["added"].as_u64().unwrap_or(0);
        refused += report["refused"].as_array().map_or(0, Vec::len);
        pieces += 1;
    }
    println!(
        "list uploaded in {pieces} pieces in {:.1} s: added {added}, refused {refused}",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(added, a.targets as u64, "every target added");

    let g: Shared = Arc::default();
    let jumps = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let (hangups, hangup_rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(
        Sip {
            g: g.clone(),
            sock: gw_sock.clone(),
            local: gw_local,
            engine: engine.udp,
            hold,
            hangups,
            jumps: jumps.clone(),
        }
        .read(),
    );
    let sender = tokio::spawn(send_frames(g.clone(), sent.clone()));
    let hanger = tokio::spawn(hang_up(
        g.clone(),
        gw_sock.clone(),
        gw_local,
        engine.udp,
        hangup_rx,
    ));
    let threads = Arc::new(AtomicU64::new(proc_threads(pid)));
    let rss_peak = Arc::new(AtomicU64::new(proc_rss_kib(pid)));
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let t0 = Instant::now();
    let monitor = {
        let (g, threads, rss_peak, samples) = (
            g.clone(),
            threads.clone(),
            rss_peak.clone(),
            samples.clone(),
        );
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(500));
            let mut n = 0u64;
            loop {
                every.tick().await;
                threads.fetch_max(proc_threads(pid), Ordering::Relaxed);
                rss_peak.fetch_max(proc_rss_kib(pid), Ordering::Relaxed);
                let (up, invites, engine_byes) = {
                    let gw = lock(&g);
                    (gw.up, gw.invites.len(), gw.engine_byes)
                };
                samples
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Sample {
                        at: t0.elapsed(),
                        cpu: proc_cpu_ticks(pid),
                        up,
                    });
                n += 1;
                if n.is_multiple_of(20) {
                    eprintln!(
                        "  {:>4} s: {invites} INVITEs, {up} calls up, {engine_byes} ended by the engine",
                        t0.elapsed().as_secs()
                    );
                }
            }
        })
    };

    let cpu_start = proc_cpu_ticks(pid);
    let threads_start = thread_ticks(pid);
    let load_start = loadavg();
    let (status, started) = desk
        .post(&format!("/api/campaigns/{id}/start"), json!({}))
        .await;
    assert_eq!(status, 200, "the campaign starts: {started}");
    let started_at = Instant::now();

    // Until the campaign is done, or nothing moved for a long while.
    let pool = sqlx::AnyPool::connect(&db_url)
        .await
        .expect("engine database");
    let budget =
        Duration::from_secs((a.targets as u64).div_ceil(u64::from(a.rate)) * 2 + a.hold_secs + 120);
    let mut done_after = None;
    let mut status_now = String::new();
    while started_at.elapsed() < budget {
        tokio::time::sleep(Duration::from_millis(250)).await;
        status_now = sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap_or_default();
        if status_now == "done" {
            done_after = Some(started_at.elapsed());
            break;
        }
        if status_now == "paused" || status_now == "stopped" {
            println!("the campaign is {status_now}");
            break;
        }
        if !engine.alive() {
            println!("the engine died during the run");
            break;
        }
        if started_at.elapsed() > Duration::from_secs(30) && lock(&g).invites.is_empty() {
            println!("no INVITE came to the gateway in 30 s");
            break;
        }
    }
    let cpu_end = proc_cpu_ticks(pid);
    let elapsed = started_at.elapsed();
    let threads_end = thread_ticks(pid);
    let load_end = loadavg();
    // The calls still up (none when the run went well) are hung up; their media stops.
    tokio::time::sleep(Duration::from_millis(500)).await;
    monitor.abort();
    sender.abort();
    hanger.abort();
    let loaded_rss = rss_peak.load(Ordering::Relaxed);
    let threads = threads.load(Ordering::Relaxed).max(proc_threads(pid));

    reader.abort();
    tokio::task::yield_now().await;
    // The gateway's figures, copied out (its lock is never held across an await).
    let (gw, p, sum, streams) = {
        let mut gw = lock(&g);
        let p = pacing(std::mem::take(&mut gw.invites), a.rate);
        let sum = summarize(gw.stats.iter().map(|s| &**s));
        let streams = gw.stats.len();
        gw.stats.clear();
        gw.calls.clear();
        gw.slots.clear();
        (std::mem::take(&mut *gw), p, sum, streams)
    };
    let clk_tck = 100.0; // USER_HZ on Linux
    let cpu_all =
        (cpu_end.saturating_sub(cpu_start)) as f64 / clk_tck / elapsed.as_secs_f64() * 100.0;
    // At full load: from when the first calls are hung up (all the concurrency there) to the
    // last INVITE.
    let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let first_invite_at = samples.iter().find(|s| s.up > 0).map(|s| s.at);
    let full: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            first_invite_at.is_some_and(|f| s.at >= f + hold) && s.up as u64 >= concurrency * 9 / 10
        })
        .collect();
    let cpu_full = match (full.first(), full.last()) {
        (Some(x), Some(y)) if y.at > x.at => Some(
            (y.cpu.saturating_sub(x.cpu)) as f64 / clk_tck / (y.at - x.at).as_secs_f64() * 100.0,
        ),
        _ => None,
    };
    let cpu_full_text = cpu_full.map_or("-".to_string(), |c| format!("{c:.0}%"));

    // What the engine stored.
    let n = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap_or(-1)
        }
    };
    let targets = n("SELECT COUNT(*) FROM campaign_targets WHERE campaign_id = $1").await;
    let final_targets = n(
        "SELECT COUNT(*) FROM campaign_targets WHERE campaign_id = $1 \
         AND state IN ('done', 'given_up', 'skipped')",
    )
    .await;
    let attempts = n("SELECT COUNT(*) FROM campaign_attempts WHERE campaign_id = $1").await;
    let with_result = n(
        "SELECT COUNT(*) FROM campaign_attempts WHERE campaign_id = $1 \
         AND result IS NOT NULL AND ended_at IS NOT NULL",
    )
    .await;
    let targets_with_result = n("SELECT COUNT(DISTINCT target_id) FROM campaign_attempts \
         WHERE campaign_id = $1 AND result IS NOT NULL")
    .await;
    let by_result: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT result, COUNT(*) FROM campaign_attempts WHERE campaign_id = $1 \
         GROUP BY result ORDER BY 2 DESC",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap_or_default();
    let by_note: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT note, COUNT(*) FROM campaign_attempts WHERE campaign_id = $1 \
         GROUP BY note ORDER BY 2 DESC LIMIT 5",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap_or_default();
    let talk: Vec<(Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT MIN(talk_ms), CAST(AVG(talk_ms) AS BIGINT), MAX(talk_ms) FROM campaign_attempts \
         WHERE campaign_id = $1",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap_or_default();
    pool.close().await;
    // The same through the API, as an operator exports them.
    let api_rows = match desk
        .http
        .get(format!("{}/api/campaigns/{id}/results", desk.base))
        .bearer_auth(&desk.token)
        .send()
        .await
    {
        Ok(res) if res.status().is_success() => res
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| {
                v.as_array().map(|r| {
                    r.iter()
                        .filter(|x| x["result"].as_str().is_some_and(|s| !s.is_empty()))
                        .count()
                })
            })
            .map_or_else(|| "unreadable".to_string(), |n| n.to_string()),
        Ok(res) => format!("HTTP {}", res.status().as_u16()),
        Err(e) => format!("failed: {e}"),
    };
    let (wavs, wav_bytes) = wav_files(&engine.dir);
    let results: Vec<String> = by_result
        .iter()
        .map(|(r, c)| format!("{}={c}", r.as_deref().unwrap_or("none")))
        .collect();
    let finish = done_after.map_or_else(
        || {
            format!(
                "not done after {:.0}s (status {status_now})",
                elapsed.as_secs_f64()
            )
        },
        |d| format!("{:.1}s", d.as_secs_f64()),
    );

    println!(
        "campaign_load targets={} rate={}/s hold={}s max_lines={max_lines} recording={recording} \
         invites={} invite_rate={:.2}/s (steady {} s: mean {:.2}/s, dev {:+.2}%, per-second min {} max {}, {}/{} s within ±5%) \
         peak_concurrent={} {sum} ts_jumps={} engine_cpu={cpu_all:.0}% (full load {cpu_full_text}) engine_threads={threads} \
         rss_idle={idle_rss}KiB rss_peak={loaded_rss}KiB attempts={attempts} with_result={with_result} \
         targets_with_result={targets_with_result}/{targets} final_targets={final_targets} api_results={api_rows} finish={finish}",
        a.targets,
        a.rate,
        a.hold_secs,
        p.n,
        p.overall,
        p.steady_secs,
        p.mean,
        p.dev_percent,
        p.min,
        p.max,
        p.within,
        p.steady_secs,
        gw.peak,
        jumps.load(Ordering::Relaxed),
    );
    println!();
    println!("| figure | measured |");
    println!("|---|---|");
    println!(
        "| INVITEs at the gateway | {} (of {} targets); {} retransmitted INVITEs |",
        p.n, a.targets, gw.invite_retransmits
    );
    println!(
        "| attempts a second, first to last INVITE | {:.2} (limit {}) |",
        p.overall, a.rate
    );
    println!(
        "| attempts a second, steady part ({} whole seconds) | mean {:.2} ({:+.2} %), min {}, max {}; {} of {} seconds within ±5 % |",
        p.steady_secs, p.mean, p.dev_percent, p.min, p.max, p.within, p.steady_secs
    );
    println!(
        "| gap between INVITEs | p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms |",
        p.gap_p50_ms, p.gap_p99_ms, p.gap_max_ms
    );
    println!(
        "| calls up at once (peak) | {} (rate × hold = {concurrency}) |",
        gw.peak
    );
    println!(
        "| RTP pacing, engine → gateway | p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} packets of {} calls; lost {} ({:.3} %); silent calls {}; ts_jumps {} |",
        sum.p50_ms,
        sum.p99_ms,
        sum.max_ms,
        sum.received,
        streams,
        sum.lost,
        sum.lost_percent,
        sum.silent_streams,
        jumps.load(Ordering::Relaxed)
    );
    println!(
        "| RTP frames sent by the gateway | {} |",
        sent.load(Ordering::Relaxed)
    );
    println!(
        "| engine | CPU {cpu_all:.0} % of a core over the run, {cpu_full_text} at full load; {threads} threads at most; RSS {idle_rss} KiB idle, {loaded_rss} KiB at most |"
    );
    println!(
        "| hang-ups | {} BYEs from the gateway ({} answered, {} sent again), {} from the engine; {} ACKs |",
        gw.our_byes, gw.bye_answers, gw.bye_retransmits, gw.engine_byes, gw.acks
    );
    println!(
        "| refused or odd | {} INVITEs refused, {} other requests, {} unparsable |",
        gw.refused, gw.other_requests, gw.unparsable
    );
    println!(
        "| stored | {attempts} attempts, {with_result} with a result and an end; {targets_with_result} of {targets} targets with a result, {final_targets} final; API results {api_rows}; results {} |",
        results.join(" ")
    );
    if let Some((min, avg, max)) = talk.first() {
        println!(
            "| talk time stored | min {} ms, mean {} ms, max {} ms |",
            min.unwrap_or(-1),
            avg.unwrap_or(-1),
            max.unwrap_or(-1)
        );
    }
    let notes: Vec<String> = by_note
        .iter()
        .map(|(r, c)| format!("{}={c}", r.as_deref().unwrap_or("none")))
        .collect();
    println!("| notes stored | {} |", notes.join(" "));
    println!(
        "| recordings | {wavs} files (.wav, .hlenc), {:.0} MiB |",
        wav_bytes as f64 / 1_048_576.0
    );
    println!("| time to finish | {finish} from the start |");
    println!("| machine load average (1, 5, 15 min) | {load_start} at the start, {load_end} at the end |");
    // Where the engine's CPU went: the busiest threads, then by thread name.
    let mut each: Vec<(String, u64)> = threads_end
        .iter()
        .map(|(tid, (name, end))| {
            let start = threads_start.get(tid).map_or(0, |(_, t)| *t);
            (name.clone(), end.saturating_sub(start))
        })
        .collect();
    each.sort_by_key(|y| std::cmp::Reverse(y.1));
    let busiest: Vec<String> = each
        .iter()
        .take(6)
        .map(|(n, t)| {
            format!(
                "{n} {:.0}%",
                *t as f64 / clk_tck / elapsed.as_secs_f64() * 100.0
            )
        })
        .collect();
    println!("| engine's busiest threads | {} |", busiest.join(", "));
    let mut by_name: HashMap<String, u64> = HashMap::new();
    for (tid, (name, end)) in &threads_end {
        let start = threads_start.get(tid).map_or(0, |(_, t)| *t);
        *by_name.entry(name.clone()).or_default() += end.saturating_sub(start);
    }
    let mut by_name: Vec<(String, u64)> = by_name.into_iter().collect();
    by_name.sort_by_key(|y| std::cmp::Reverse(y.1));
    let top: Vec<String> = by_name
        .iter()
        .take(8)
        .map(|(n, t)| {
            format!(
                "{n} {:.0}%",
                *t as f64 / clk_tck / elapsed.as_secs_f64() * 100.0
            )
        })
        .collect();
    println!("| engine CPU by thread name | {} |", top.join(", "));
    let per_sec: Vec<String> = p.per_sec.iter().map(u64::to_string).collect();
    println!("INVITEs per second: {}", per_sec.join(" "));

    let log = engine.drain_log();
    let odd: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    println!("engine warnings and errors: {}", odd.len());
    for line in odd.iter().take(8) {
        println!("  engine: {line}");
    }
    if !engine.alive() {
        println!("the engine is not running at the end");
    }
    let engine_dir = engine.dir.clone();
    drop(engine);
    let _ = std::fs::remove_dir_all(&engine_dir);
    let _ = std::fs::remove_dir_all(&dir);
}
