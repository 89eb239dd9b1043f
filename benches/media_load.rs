//! Media load generator: places N concurrent calls at `hotline serve` (release build) from a
//! trunk address, sends 20 ms PCMU RTP on every call, receives the engine's audio, and measures
//! the engine's send pacing as seen on arrival (deviation of each inter-arrival gap from 20 ms,
//! from kernel receive timestamps: p50/p99/max), packet loss (sequence gaps), the engine's CPU,
//! its threads (`Threads:` of /proc/PID/status, the most seen during the run) and its resident
//! memory per call, and the holes in the audio (`ts_jumps`: consecutive packets whose
//! timestamps jump by more than a frame, where the engine's sender resynchronised after a late
//! tick instead of sending what it owed). Calls are recorded unless
//! `HOTLINE_MEDIA_RECORD=false` (the engine's default, as users run it); the result line says
//! which.
//!
//! SIPp spends a thread per call on media, so this is our own: one task sends all calls' RTP on
//! a 20 ms tick, one task per call receives. Generator and engine share the machine; the
//! generator runs at nice 10 so that it does not preempt the engine it measures.
//!
//! With `--ivr`, the engine runs the shipped IVR flows instead of the built-in answer flow:
//! every caller is a demo customer (recognised by its number) of a district without notices,
//! presses 1 (Mandarin) and 1 (bills) as type-ahead right after the answer, and hears `main` →
//! `bills`: the bills read out, then the menus with their timeouts, the measured streams
//! carrying the flow's prompts.
//!
//! With `--desktops N`, N agent desktops (one supervisor in 20) are logged in to the HTTP API
//! with their live event streams open for the whole run, each agent changing its not-ready
//! reason every `--churn-secs` (10): what the media timing looks like with a floor of
//! desktops following the engine.
//!
//! With `--scrape`, `/metrics` is scraped every 200 ms while the load runs: how long each
//! scrape takes, how many series, and that none fails.
//!
//! With `--reports FILE`, the engine's database starts as a copy of FILE (the SQLite file
//! `report_month` keeps: 1,000,000 call records and 500,000 tickets of December 2026), and a
//! supervisor's desktop requests that month's report (`GET /api/reports/monthly`) over and
//! over while the load runs, one after the other: what RTP pacing looks like while the
//! engine's store is busy with reports. The line says how many reports and how long each.
//! The file's tickets already overdue are escalated before the engine starts (a live engine
//! escalates each when it falls due), so that the run does not measure a backlog's one-off
//! escalation. With `--reports postgres://…/DB`, the same on PostgreSQL: DB is the database
//! `report_month --pg postgres://…/DB` seeded (its schema `bench_report_1000000_500000`), and
//! the engine runs on a copy of it made for the run (`common::pg_copy`), dropped afterwards.
//!
//! Run: `cargo build --release -p hotline && cargo bench --bench media_load -- --calls 1000 --seconds 20 [--ivr] [--desktops 200] [--scrape] [--reports target/bench-report/report-1000000-500000.db]`

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    agents, desks, kernel_timestamps, pg_copy, proc_cpu_ticks, proc_rss_kib, rtp_target,
    send_spread, summarize, StreamStats,
};
use hotline_e2e::{branch, token, Engine};
use hotline_sip::wire::{self, Message};
use hotline_store::{OpenOptions, Policy, Store};
use tokio::net::UdpSocket;
use tokio::sync::oneshot;

mod common;

struct Args {
    calls: usize,
    seconds: u64,
    setup_per_sec: u64,
    /// Each call dials its own registered agent, and the engine bridges them.
    bridged: bool,
    /// The shipped IVR flows, main → bills.
    ivr: bool,
    /// Agent desktops following the live event stream.
    desktops: usize,
    churn_secs: u64,
    /// Scrape `/metrics` every 200 ms during the run.
    scrape: bool,
    /// A report_month SQLite file, or PostgreSQL database, to start the engine's database
    /// from; monthly reports are requested in a loop during the run.
    reports: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        calls: 200,
        seconds: 10,
        setup_per_sec: 200,
        bridged: false,
        ivr: false,
        desktops: 0,
        churn_secs: 10,
        scrape: false,
        reports: None,
    };
    let argv: Vec<String> = std::env::args().collect();
    a.bridged = argv.iter().any(|x| x == "--bridged");
    a.ivr = argv.iter().any(|x| x == "--ivr");
    a.scrape = argv.iter().any(|x| x == "--scrape");
    for w in argv.windows(2) {
        if w[0] == "--reports" {
            a.reports = Some(w[1].clone());
        }
        let n = w[1].parse().ok();
        match (w[0].as_str(), n) {
            ("--calls", Some(n)) => a.calls = n as usize,
            ("--seconds", Some(n)) => a.seconds = n,
            ("--setup-per-sec", Some(n)) => a.setup_per_sec = n.max(1),
            ("--desktops", Some(n)) => a.desktops = n as usize,
            ("--churn-secs", Some(n)) => a.churn_secs = n,
            _ => {}
        }
    }
    a
}

struct Call {
    call_id: String,
    from_tag: String,
    to_tag: String,
    engine_rtp: SocketAddr,
    rtp: Arc<UdpSocket>,
    stats: Arc<Mutex<StreamStats>>,
}

/// A socket the generator receives on, where it sends from it (if anywhere), its figures.
type Stream = (Arc<UdpSocket>, Option<SocketAddr>, Arc<Mutex<StreamStats>>);

type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<String>>>>;

fn invite(
    caller: &str,
    callee: &str,
    call_id: &str,
    from_tag: &str,
    sip_local: SocketAddr,
    engine: SocketAddr,
    rtp_port: u16,
) -> String {
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {rtp_port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
         a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
    );
    format!(
        "INVITE sip:{callee}@{engine} SIP/2.0\r\nVia: SIP/2.0/UDP {sip_local};branch={}\r\nMax-Forwards: 70\r\n\
         From: <sip:{caller}@{sip_local}>;tag={from_tag}\r\nTo: <sip:{callee}@{engine}>\r\nCall-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\nContact: <sip:load@{sip_local}>\r\nContent-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        branch(),
        sdp.len()
    )
}

fn in_dialog(
    method: &str,
    cseq: u32,
    call: &Call,
    sip_local: SocketAddr,
    engine: SocketAddr,
) -> String {
    format!(
        "{method} sip:hotline@{engine} SIP/2.0\r\nVia: SIP/2.0/UDP {sip_local};branch={}\r\nMax-Forwards: 70\r\n\
         From: <sip:load@{sip_local}>;tag={}\r\nTo: <sip:95598@{engine}>;tag={}\r\nCall-ID: {}\r\n\
         CSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n",
        branch(),
        call.from_tag,
        call.to_tag,
        call.call_id
    )
}

async fn place_calls(
    a: &Args,
    callers: &[String],
    engine: SocketAddr,
    sip: Arc<UdpSocket>,
    waiters: Waiters,
) -> Vec<Call> {
    let sip_local = sip.local_addr().expect("sip socket address");
    let mut calls = Vec::with_capacity(a.calls);
    let gap = Duration::from_micros(1_000_000 / a.setup_per_sec);
    let mut tick = tokio::time::interval(gap);
    let mut pending = Vec::new();
    for i in 0..a.calls {
        tick.tick().await;
        let callee = if a.bridged {
            agents::extension(i)
        } else {
            "95598".to_string()
        };
        let rtp = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("rtp socket"));
        let port = rtp.local_addr().expect("rtp address").port();
        let (call_id, from_tag) = (format!("load-{}", token()), token());
        let (tx, rx) = oneshot::channel();
        waiters.lock().expect("waiters").insert(call_id.clone(), tx);
        let caller = callers.get(i).map_or("load", String::as_str);
        let req = invite(
            caller, &callee, &call_id, &from_tag, sip_local, engine, port,
        );
        sip.send_to(req.as_bytes(), engine)
            .await
            .expect("send INVITE");
        pending.push((call_id, from_tag, rtp, rx));
    }
    for (call_id, from_tag, rtp, rx) in pending {
        let Ok(Ok(raw)) = tokio::time::timeout(Duration::from_secs(10), rx).await else {
            eprintln!("call {call_id}: no 200 OK");
            continue;
        };
        let Ok(Message::Response(resp)) = wire::parse(raw.as_bytes()) else {
            continue;
        };
        let to_tag = resp.common.to_addr.tag.clone().unwrap_or_default();
        let Some(engine_rtp) = rtp_target(&String::from_utf8_lossy(&resp.common.body)) else {
            eprintln!("call {call_id}: no SDP answer");
            continue;
        };
        let call = Call {
            call_id,
            from_tag,
            to_tag,
            engine_rtp,
            rtp,
            stats: Arc::new(Mutex::new(StreamStats::default())),
        };
        let ack = in_dialog("ACK", 1, &call, sip_local, engine);
        sip.send_to(ack.as_bytes(), engine).await.expect("send ACK");
        calls.push(call);
    }
    calls
}

/// What the scrapes saw: each one's time, failures, series in the last one.
#[derive(Default)]
struct Scrapes {
    times: Vec<Duration>,
    failed: usize,
    series: usize,
}

impl Scrapes {
    fn line(&self) -> String {
        let mut t = self.times.clone();
        t.sort();
        let ms = |q: f64| {
            t.get(((q * t.len() as f64) as usize).min(t.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        format!(
            "scrapes={} failed={} series={} scrape_p50={:.1}ms scrape_p99={:.1}ms scrape_max={:.1}ms",
            t.len(),
            self.failed,
            self.series,
            ms(0.5),
            ms(0.99),
            ms(1.0)
        )
    }
}

/// Requests December 2026's monthly report, one after the other, until aborted.
async fn reports_in_a_loop(desk: hotline_e2e::Desk, out: Arc<Mutex<Scrapes>>) {
    let url = format!(
        "{}/api/reports/monthly?from=2026-12-01&to=2026-12-31",
        desk.base
    );
    loop {
        let t = Instant::now();
        let ok = match desk.http.get(&url).bearer_auth(&desk.token).send().await {
            Ok(res) if res.status().is_success() => res.bytes().await.is_ok(),
            _ => false,
        };
        {
            let mut s = out.lock().expect("reports");
            if ok {
                s.times.push(t.elapsed());
            } else {
                s.failed += 1;
            }
        }
        if !ok {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Scrapes `url` every `every` until aborted.
async fn scrape_every(url: String, every: Duration, out: Arc<Mutex<Scrapes>>) {
    let http = reqwest::Client::new();
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let t = Instant::now();
        let got = match http.get(&url).send().await {
            Ok(res) if res.status().is_success() => res.text().await.ok(),
            _ => None,
        };
        let mut s = out.lock().expect("scrapes");
        match got {
            Some(text) => {
                s.series = text.lines().filter(|l| !l.starts_with('#')).count();
                s.times.push(t.elapsed());
            }
            None => s.failed += 1,
        }
    }
}

/// One phone number of each of `n` demo customers with bills (so `main` recognises the
/// caller and `bills` has something to say) in districts without notices (so that nothing is
/// read before the menu and the keys typed ahead reach it).
async fn ivr_callers(db_url: &str, n: usize) -> Vec<String> {
    let pool = sqlx::AnyPool::connect(db_url)
        .await
        .expect("engine database");
    let phones: Vec<String> = sqlx::query_scalar(
        "SELECT MIN(p.phone) FROM customer_phones p JOIN customers c ON c.id = p.customer_id \
         WHERE EXISTS (SELECT 1 FROM bills b WHERE b.customer_id = p.customer_id) \
         AND NOT EXISTS (SELECT 1 FROM notice_districts nd WHERE nd.district_id = c.district_id) \
         GROUP BY p.customer_id ORDER BY p.customer_id LIMIT $1",
    )
    .bind(n as i64)
    .fetch_all(&pool)
    .await
    .expect("demo customers' phones");
    pool.close().await;
    assert!(
        phones.len() == n,
        "only {} demo customers with bills in districts without notices",
        phones.len()
    );
    phones
}

/// Presses keys on a call (RFC 4733 events, each packet sent twice).
async fn press(c: &Call, keys: &str) {
    for (i, k) in keys.chars().enumerate() {
        let schedule = hotline_media::dtmf::DtmfSender::new(Default::default())
            .schedule(k, 80_000 * (i as u32 + 1))
            .expect("a keypad key");
        for (n, p) in schedule.enumerate() {
            let mut pkt = vec![0x80, (u8::from(p.marker) << 7) | 101];
            pkt.extend_from_slice(&(50_000 + 100 * i as u16 + n as u16).to_be_bytes());
            pkt.extend_from_slice(&p.timestamp.to_be_bytes());
            pkt.extend_from_slice(&0x1234_5678u32.to_be_bytes());
            pkt.extend_from_slice(&p.payload);
            let _ = c.rtp.send_to(&pkt, c.engine_rtp).await;
            let _ = c.rtp.send_to(&pkt, c.engine_rtp).await;
        }
    }
}

/// Routes final INVITE responses to their waiters by Call-ID.
async fn sip_reader(sip: Arc<UdpSocket>, waiters: Waiters) {
    let mut buf = vec![0u8; 65536];
    while let Ok((n, _)) = sip.recv_from(&mut buf).await {
        let Ok(Message::Response(resp)) = wire::parse(&buf[..n]) else {
            continue;
        };
        if resp.code >= 200 && resp.common.cseq_method.as_str() == "INVITE" {
            if let Some(tx) = waiters
                .lock()
                .expect("waiters")
                .remove(&resp.common.call_id)
            {
                let _ = tx.send(String::from_utf8_lossy(&buf[..n]).to_string());
            }
        }
    }
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(a));
}

/// The engine's threads now (`Threads:` in /proc/PID/status); 0 if unreadable.
fn proc_threads(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

async fn run(a: Args) {
    let users = agents::users_env(if a.bridged { a.calls } else { 2 });
    // Twice as many demo customers as calls: the callers are taken among those whose district
    // has no notice (a notice is read before the menu and takes the typed-ahead keys).
    let customers = (a.calls * 2).to_string();
    // The engine's database, made beforehand so that the desktop agents are in it.
    let db_dir = std::env::temp_dir().join(format!("hotline-media-load-{}", token()));
    std::fs::create_dir_all(&db_dir).expect("db dir");
    let mut db_url = format!("sqlite:{}", db_dir.join("hotline.db").display());
    let mut pg_run = None;
    match &a.reports {
        Some(url) if url.starts_with("postgres") => {
            let t = Instant::now();
            let name = format!("hotline_media_load_{}", std::process::id());
            let run = pg_copy::copy(url, "bench_report_1000000_500000", &name).await;
            println!(
                "copied the seeded PostgreSQL database in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            db_url = run.url.clone();
            pg_run = Some(run);
        }
        Some(file) => {
            std::fs::copy(file, db_dir.join("hotline.db")).expect("the report database");
        }
        None => {}
    }
    {
        let store = Store::open(OpenOptions::new(db_url.clone()), Policy::default())
            .await
            .expect("the engine's database");
        desks::add_agents(&store, 0..a.desktops, &[("desk_bench", 5)]).await;
        if a.reports.is_some() {
            // desk19: a supervisor.
            desks::add_agents(&store, 19..20, &[("desk_bench", 5)]).await;
            // The tickets already overdue are escalated first, as a live engine escalates
            // each when it falls due: otherwise the engine would spend the run's first
            // minute and a half escalating the file's backlog (30,000 tickets on 7 December)
            // and the run would measure that, not the reports.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            let t = Instant::now();
            let done = store.escalate_overdue(now).await.expect("escalation");
            println!(
                "escalated {} overdue milestones of the file's tickets in {:.1} s before the run",
                done.len(),
                t.elapsed().as_secs_f64()
            );
        }
        store.close().await;
    }
    // The run's own call records are those after the ones the database starts with (the
    // report runs' million).
    let records_before: i64 = {
        let pool = sqlx::AnyPool::connect(&db_url)
            .await
            .expect("engine database");
        let n = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM calls")
            .fetch_one(&pool)
            .await
            .expect("the calls so far");
        pool.close().await;
        n
    };
    let mut engine = Engine::start(&[
        ("HOTLINE_STORE_URL", &db_url),
        ("HOTLINE_CALLS_ANSWER_HANGUP_SECS", "0"),
        // Without --ivr, the built-in answer flow: a prompt, then music.
        ("HOTLINE_IVR_ENTRY_FLOW", if a.ivr { "main" } else { "" }),
        (
            "HOTLINE_STORE_DEMO_CUSTOMERS",
            if a.ivr { &customers } else { "0" },
        ),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        // The engine's default range (5,000 RTP ports), not the tests' window of 1,000 ports,
        // which holds only 500 calls.
        ("HOTLINE_MEDIA_RTP_PORTS", "20000-30000"),
        ("HOTLINE_LOG_LEVEL", "warn"),
        ("HOTLINE_SIP_RATE_LIMIT_REQUESTS_PER_SEC", "100000"),
        // The BYEs at the end go out in one burst.
        ("HOTLINE_SIP_RATE_LIMIT_BURST", "100000"),
        ("HOTLINE_SIP_USERS", &users),
    ]);
    let callers = if a.ivr {
        ivr_callers(&db_url, a.calls).await
    } else {
        Vec::new()
    };
    let pid = engine.pid();
    // The generator yields the CPU to the engine it measures (the engine keeps its priority):
    // its own delays do not matter, as arrival times come from the kernel.
    // SAFETY: nice() only changes this process's scheduling priority.
    unsafe {
        libc::nice(10);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = proc_rss_kib(pid);
    let sip = Arc::new(UdpSocket::bind("127.0.0.1:0").await.expect("sip socket"));
    let waiters: Waiters = Arc::default();
    tokio::spawn(sip_reader(sip.clone(), waiters.clone()));
    let agents = if a.bridged {
        agents::register(engine.udp, a.calls).await
    } else {
        Vec::new()
    };
    let calls = place_calls(&a, &callers, engine.udp, sip.clone(), waiters).await;
    eprintln!("{} of {} calls up", calls.len(), a.calls);
    let desktops = desks::connect(&engine, 0, a.desktops, Duration::from_secs(a.churn_secs)).await;
    if a.ivr {
        for c in &calls {
            press(c, "11").await;
        }
    }
    // Every stream the generator receives: the callers', and in a bridge the agents' too.
    let mut streams: Vec<Stream> = calls
        .iter()
        .map(|c| (c.rtp.clone(), Some(c.engine_rtp), c.stats.clone()))
        .collect();
    streams.extend(agents.iter().map(|ag| {
        let engine_rtp = *ag.engine_rtp.lock().expect("agent");
        (ag.rtp.clone(), engine_rtp, ag.stats.clone())
    }));

    // Holes in the audio: consecutive audio packets whose timestamps jump by more than one
    // frame (the sender resynchronised instead of sending what it owed).
    let ts_jumps = Arc::new(std::sync::atomic::AtomicU64::new(0));
    for (rtp, _, stats) in &streams {
        let (rtp, stats, jumps) = (rtp.clone(), stats.clone(), ts_jumps.clone());
        kernel_timestamps::enable(&rtp);
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let mut last: Option<(u16, u32)> = None;
            while let Ok((n, at)) = kernel_timestamps::recv(&rtp, &mut buf).await {
                if n >= 12 && buf[0] >> 6 == 2 {
                    let seq = u16::from_be_bytes([buf[2], buf[3]]);
                    stats.lock().expect("stats").on_packet(seq, at);
                    if buf[1] & 0x7f == 0 {
                        let ts = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
                        if let Some((prev_seq, prev_ts)) = last {
                            if seq == prev_seq.wrapping_add(1) && ts.wrapping_sub(prev_ts) > 160 {
                                jumps.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                        }
                        last = Some((seq, ts));
                    }
                }
            }
        });
    }
    let targets: Vec<(Arc<UdpSocket>, SocketAddr)> = streams
        .iter()
        .filter_map(|(rtp, to, _)| to.map(|to| (rtp.clone(), to)))
        .collect();
    let sender = tokio::spawn(send_spread(targets, 0xFF));

    tokio::time::sleep(Duration::from_secs(2)).await; // warm-up
    for (_, _, stats) in &streams {
        stats.lock().expect("stats").reset();
    }
    ts_jumps.store(0, std::sync::atomic::Ordering::Relaxed);
    let (cpu0, t0) = (proc_cpu_ticks(pid), Instant::now());
    let threads = Arc::new(std::sync::atomic::AtomicU64::new(proc_threads(pid)));
    let thread_watch = {
        let threads = threads.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                threads.fetch_max(proc_threads(pid), std::sync::atomic::Ordering::Relaxed);
            }
        })
    };
    let scrapes: Arc<Mutex<Scrapes>> = Arc::default();
    let scraper = a.scrape.then(|| {
        let url = format!(
            "http://{}/metrics",
            engine.http.expect("the HTTP API is on")
        );
        tokio::spawn(scrape_every(
            url,
            Duration::from_millis(200),
            scrapes.clone(),
        ))
    });
    let reports: Arc<Mutex<Scrapes>> = Arc::default();
    let reporter = if a.reports.is_some() {
        let desk = hotline_e2e::Desk::login_with(&engine, &desks::login(19), desks::PASSWORD).await;
        Some(tokio::spawn(reports_in_a_loop(desk, reports.clone())))
    } else {
        None
    };
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    if let Some(task) = scraper {
        task.abort();
    }
    if let Some(task) = reporter {
        task.abort();
    }
    let (cpu1, elapsed) = (proc_cpu_ticks(pid), t0.elapsed());
    let loaded_rss = proc_rss_kib(pid);
    thread_watch.abort();
    let threads = threads
        .load(std::sync::atomic::Ordering::Relaxed)
        .max(proc_threads(pid));
    let recording = std::env::var("HOTLINE_MEDIA_RECORD").as_deref() != Ok("false");
    let ts_jumps = ts_jumps.load(std::sync::atomic::Ordering::Relaxed);
    sender.abort();
    let desk_figures = desktops.stop();

    let sum = summarize(streams.iter().map(|(_, _, s)| &**s));
    let clk_tck = 100.0; // USER_HZ on Linux
    let cpu = (cpu1 - cpu0) as f64 / clk_tck / elapsed.as_secs_f64() * 100.0;
    let per_call = if calls.is_empty() {
        0
    } else {
        loaded_rss.saturating_sub(idle_rss) / calls.len() as u64
    };
    println!(
        "calls={} bridged={} ivr={} recording={recording} {sum} ts_jumps={ts_jumps} engine_cpu={cpu:.0}% engine_threads={threads} rss_idle={idle_rss}KiB rss_loaded={loaded_rss}KiB per_call={per_call}KiB",
        calls.len(),
        a.bridged,
        a.ivr,
    );
    if a.desktops > 0 {
        println!("{desk_figures}");
    }
    if a.scrape {
        println!("{}", scrapes.lock().expect("scrapes").line());
    }
    if a.reports.is_some() {
        // The same figures as the scrapes': each report's time, failures.
        let line = reports.lock().expect("reports").line();
        println!(
            "{}",
            line.replace("scrape", "report").replace(" series=0", "")
        );
    }

    let sip_local = sip.local_addr().expect("sip address");
    for c in &calls {
        let bye = in_dialog("BYE", 2, c, sip_local, engine.udp);
        let _ = sip.send_to(bye.as_bytes(), engine.udp).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    if !engine.alive() {
        println!("engine died during the run");
    }
    {
        // Every call left a complete record; with --ivr, the calls really went main → bills.
        let pool = sqlx::AnyPool::connect(&db_url)
            .await
            .expect("engine database");
        // Until every call's record has ended, or nothing moved for 5 s.
        let (mut ended, mut still) = (-1i64, 0);
        while still < 20 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let now: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM calls WHERE ended_at IS NOT NULL AND id > $1",
            )
            .bind(records_before)
            .fetch_one(&pool)
            .await
            .unwrap_or(0);
            if now >= calls.len() as i64 {
                break;
            }
            still = if now == ended { still + 1 } else { 0 };
            ended = now;
        }
        let through_bills: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM calls WHERE ivr_path LIKE '%bills/latest%' AND id > $1",
        )
        .bind(records_before)
        .fetch_one(&pool)
        .await
        .expect("call records");
        let (records, done): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COUNT(ended_at) FROM calls WHERE id > $1")
                .bind(records_before)
                .fetch_one(&pool)
                .await
                .unwrap_or_default();
        println!("call records: {records}, ended: {done}");
        let log = engine.drain_log();
        for line in log
            .iter()
            .filter(|l| l.contains("WARN") || l.contains("ERROR"))
            .take(5)
        {
            println!("  engine: {line}");
        }
        if a.ivr {
            println!(
                "calls whose IVR path went main → bills: {through_bills} of {}",
                calls.len()
            );
            let others: Vec<(String, Option<String>)> = sqlx::query_as(
                "SELECT ivr_path, disposition FROM calls \
                 WHERE ivr_path NOT LIKE '%bills/latest%' AND id > $1 LIMIT 3",
            )
            .bind(records_before)
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
            for (path, disposition) in others {
                println!("  e.g. {disposition:?}: {path}");
            }
        }
    }
    drop(engine);
    if let Some(run) = pg_run {
        run.drop_now().await;
    }
    let _ = std::fs::remove_dir_all(&db_dir);
}
