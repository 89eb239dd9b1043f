//! Conferences and supervision beside bridged calls, end to end against `hotline serve`
//! (release build, recording on as the engine's default): what mixing costs in RTP pacing and
//! CPU next to plain bridges.
//!
//! Agents are created in the store before the engine starts (`common::desks`): A call-takers
//! (skill `general`, team `bench`), one consult target per conference (no skill, so never
//! offered a queued call) and one supervisor per monitored call (role supervisor, team `floor`,
//! no skill: a floor supervisor, who may monitor anyone). Every phone registers with digest
//! (`common::agents`), answers the engine's INVITEs at once and sends 20 ms PCMU frames; so
//! does every caller (`common::trunk`, from a trunk address). The engine runs a flow queueing
//! every caller to the one queue `general`; the router offers each call to a ready
//! call-taker. Once every call is bridged (each side hears the other's frames), the desks of
//! the first `--conferences` call-takers consult their target (`POST
//! /api/acd/me/call/consult`; the target's phone is rung and answers) and, once the target
//! hears the agent, make a conference (`POST /api/acd/me/call/conference`: caller, agent and
//! target in one mix); the next `--monitored` call-takers are monitored by a supervisor each
//! (`PUT /api/acd/agents/{id}/monitor {"mode":"listen"}`: the supervisor's phone is rung and
//! hears both). The rest stay plain bridges. Then, for `--seconds`, every stream the engine
//! sends is timed from kernel receive timestamps (as `media_load` does): pacing deviation
//! p50/p99/max, loss and timestamp jumps over all streams, over the mixed parties
//! (conference and monitored calls: caller, agent, third party) and over the plain bridged
//! legs; the engine's CPU, threads and memory.
//!
//! Every party sends its own constant frame (caller, agent, target, supervisor each a level of
//! their own), so what each receives tells whom it hears: a plain leg the other side's frame
//! unchanged; in a conference each party the sum of the other two (decoded, added, encoded
//! as the mixer does); a supervisor listening the sum of caller and agent, the caller and the
//! agent each other only. The run fails unless every party heard what it should during the
//! measurement, every consult, conference and monitor request answered 200, and every call
//! left an ended record with its agent (and a recording when recording is on). The lines
//! also give the share of frames that carried what the party should hear and the share of
//! silent ones: a leg sends silence at its send tick when the other side's frame has not
//! reached it, which is what a late generator causes; `generator_late_*` says how late the
//! generator's own 1 ms send ticks ran (it runs at nice 10, below the engine).
//!
//! CPU per mixed party against a plain bridged leg: before mixing, the same run measures the
//! engine for `--baseline-seconds` with every call a plain bridge (2 legs a call); the CPU
//! per mixed party is then (CPU while mixing − plain legs × CPU per bridged leg) / mixed
//! parties. `--only-bridged` runs the same number of calls as plain bridges only (no mixing),
//! the other shape to compare with; its CPU per leg can be given to a mixing run as
//! `--bridged-leg-cpu PERCENT` for the same computation against it.
//!
//! Run: `cargo build --release -p hotline && cargo bench --bench mix_load -- --seconds 20
//! [--bridged 300 --conferences 100 --monitored 100] [--only-bridged] [--bridged-leg-cpu P]`
//! (without `--bench`, as under `cargo test --benches`, a small smoke version: 2 bridged, 2
//! conferenced and 2 monitored calls for 3 s).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::trunk::Trunk;
use common::{
    agents, desks, kernel_timestamps, proc_cpu_ticks, proc_rss_kib, proc_threads, send_spread_each,
    summarize, StreamStats, Summary,
};
use hotline_e2e::{identify_and_queue_flow, token, Desk, Engine};
use hotline_media::g711::{linear_to_ulaw, ulaw_to_linear};
use hotline_store::{OpenOptions, Policy, Role, Store};
use serde_json::{json, Value};
use tokio::net::UdpSocket;

mod common;

const QUEUE: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nring_secs = 10\nwrap_up_secs = 0\nannounce_secs = 0\n";

/// USER_HZ on Linux: the unit of /proc/PID/stat's CPU times.
const CLK_TCK: f64 = 100.0;

struct Args {
    bridged: usize,
    conferences: usize,
    monitored: usize,
    seconds: u64,
    baseline_seconds: u64,
    setup_per_sec: u64,
    /// CPU per bridged leg (% of a core) from an `--only-bridged` run.
    bridged_leg_cpu: Option<f64>,
    only_bridged: bool,
    smoke: bool,
}

fn args() -> Result<Args, String> {
    let argv: Vec<String> = std::env::args().collect();
    let smoke = !argv.iter().any(|a| a == "--bench");
    let mut a = if smoke {
        Args {
            bridged: 2,
            conferences: 2,
            monitored: 2,
            seconds: 3,
            baseline_seconds: 1,
            setup_per_sec: 20,
            bridged_leg_cpu: None,
            only_bridged: false,
            smoke,
        }
    } else {
        Args {
            bridged: 300,
            conferences: 100,
            monitored: 100,
            seconds: 20,
            baseline_seconds: 10,
            setup_per_sec: 100,
            bridged_leg_cpu: None,
            only_bridged: false,
            smoke,
        }
    };
    a.only_bridged = argv.iter().any(|x| x == "--only-bridged");
    fn number<T: std::str::FromStr>(flag: &str, v: Option<&String>) -> Result<T, String> {
        v.and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{flag} needs a number"))
    }
    let mut it = argv.iter().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--bridged" => a.bridged = number(flag, it.next())?,
            "--conferences" => a.conferences = number(flag, it.next())?,
            "--monitored" => a.monitored = number(flag, it.next())?,
            "--seconds" => a.seconds = number(flag, it.next())?,
            "--baseline-seconds" => a.baseline_seconds = number(flag, it.next())?,
            "--setup-per-sec" => a.setup_per_sec = number::<u64>(flag, it.next())?.max(1),
            "--bridged-leg-cpu" => a.bridged_leg_cpu = Some(number(flag, it.next())?),
            _ => {}
        }
    }
    if a.only_bridged {
        a.bridged += a.conferences + a.monitored;
        a.conferences = 0;
        a.monitored = 0;
    }
    if a.bridged + a.conferences + a.monitored == 0 || a.seconds == 0 {
        return Err("nothing to measure: give some calls and --seconds above 0".into());
    }
    Ok(a)
}

/// Who a party is; each sends its own constant frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Caller,
    Agent,
    Target,
    Supervisor,
}

impl Who {
    /// The PCMU byte this party's frames are filled with (a level of its own).
    fn fill(self) -> u8 {
        linear_to_ulaw(match self {
            Who::Caller => 1500,
            Who::Agent => -2500,
            Who::Target => 4500,
            Who::Supervisor => -6500,
        })
    }
}

/// What a party hears when it hears `others`: their frames decoded, added and encoded (one
/// party alone: its own frame, unchanged).
fn sum_of(others: &[Who]) -> u8 {
    let total: i32 = others
        .iter()
        .map(|w| i32::from(ulaw_to_linear(w.fill())))
        .sum();
    linear_to_ulaw(total.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16)
}

/// Which frames a party received: per byte, how many packets were filled with it alone; how
/// many were not constant; how many timestamp jumps (a hole in the audio).
struct Ear {
    constant: Vec<u64>,
    other: u64,
    jumps: u64,
}

impl Default for Ear {
    fn default() -> Ear {
        Ear {
            constant: vec![0; 256],
            other: 0,
            jumps: 0,
        }
    }
}

impl Ear {
    fn heard(&self, byte: u8) -> u64 {
        self.constant.get(usize::from(byte)).copied().unwrap_or(0)
    }
}

/// One RTP stream of the generator: a caller's or a phone's.
struct Party {
    who: Who,
    rtp: Arc<UdpSocket>,
    /// Where the engine wants this party's RTP (a phone: once rung).
    engine_rtp: Arc<Mutex<Option<SocketAddr>>>,
    stats: Arc<Mutex<StreamStats>>,
    ear: Arc<Mutex<Ear>>,
}

impl Party {
    fn new(who: Who, rtp: Arc<UdpSocket>, engine_rtp: Arc<Mutex<Option<SocketAddr>>>) -> Party {
        let p = Party {
            who,
            rtp,
            engine_rtp,
            stats: Arc::default(),
            ear: Arc::default(),
        };
        listen(p.rtp.clone(), p.stats.clone(), p.ear.clone());
        p
    }

    fn heard(&self, byte: u8) -> u64 {
        self.ear.lock().expect("ear").heard(byte)
    }

    fn reset(&self) {
        self.stats.lock().expect("stats").reset();
        *self.ear.lock().expect("ear") = Ear::default();
    }
}

/// Receives a party's RTP until the socket fails: kernel arrival times into `stats`, what the
/// frames held into `ear`.
fn listen(rtp: Arc<UdpSocket>, stats: Arc<Mutex<StreamStats>>, ear: Arc<Mutex<Ear>>) {
    kernel_timestamps::enable(&rtp);
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        let mut last: Option<(u16, u32)> = None;
        while let Ok((n, at)) = kernel_timestamps::recv(&rtp, &mut buf).await {
            let Some(pkt) = buf.get(..n) else { continue };
            let (Some(head), Some(payload)) = (pkt.get(..12), pkt.get(12..)) else {
                continue;
            };
            if head[0] >> 6 != 2 {
                continue;
            }
            let seq = u16::from_be_bytes([head[2], head[3]]);
            stats.lock().expect("stats").on_packet(seq, at);
            if head[1] & 0x7f != 0 {
                continue; // telephone-event
            }
            let ts = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
            let mut ear = ear.lock().expect("ear");
            if let Some((prev_seq, prev_ts)) = last {
                if seq == prev_seq.wrapping_add(1) && ts.wrapping_sub(prev_ts) > 160 {
                    ear.jumps += 1;
                }
            }
            last = Some((seq, ts));
            match payload.first() {
                Some(&b) if payload.iter().all(|x| *x == b) => {
                    if let Some(c) = ear.constant.get_mut(usize::from(b)) {
                        *c += 1;
                    }
                }
                _ => ear.other += 1,
            }
        }
    });
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Plain,
    Conference,
    Monitored,
}

/// One call: its parties (indices into the party list) and what becomes of it.
struct CallSet {
    kind: Kind,
    caller: usize,
    agent: usize,
    /// The consult target or the supervisor.
    third: Option<usize>,
}

impl CallSet {
    /// Each party of the call with the frame it should hear once the call is what it will be.
    fn expectations(&self) -> Vec<(usize, u8)> {
        use Who::*;
        match (self.kind, self.third) {
            (Kind::Conference, Some(t)) => vec![
                (self.caller, sum_of(&[Agent, Target])),
                (self.agent, sum_of(&[Caller, Target])),
                (t, sum_of(&[Caller, Agent])),
            ],
            (Kind::Monitored, Some(s)) => vec![
                (self.caller, sum_of(&[Agent])),
                (self.agent, sum_of(&[Caller])),
                (s, sum_of(&[Caller, Agent])),
            ],
            _ => vec![
                (self.caller, sum_of(&[Agent])),
                (self.agent, sum_of(&[Caller])),
            ],
        }
    }

    fn parties(&self) -> Vec<usize> {
        let mut v = vec![self.caller, self.agent];
        v.extend(self.third);
        v
    }
}

/// The engine's CPU (% of one core) over a window, and its most threads and its memory.
struct Window {
    cpu: f64,
    threads: u64,
    rss_kib: u64,
}

/// Lets `d` pass, watching the engine's CPU and threads.
async fn measure(pid: u32, d: Duration) -> Window {
    let (cpu0, t0) = (proc_cpu_ticks(pid), Instant::now());
    let mut threads = proc_threads(pid);
    while t0.elapsed() < d {
        tokio::time::sleep((d - t0.elapsed()).min(Duration::from_millis(500))).await;
        threads = threads.max(proc_threads(pid));
    }
    let (cpu1, elapsed) = (proc_cpu_ticks(pid), t0.elapsed());
    Window {
        cpu: cpu1.saturating_sub(cpu0) as f64 / CLK_TCK / elapsed.as_secs_f64() * 100.0,
        threads,
        rss_kib: proc_rss_kib(pid),
    }
}

/// A request from a desk: the status (0: no answer) and the body.
async fn api(desk: &Desk, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let res = desk
        .http
        .request(method, format!("{}{path}", desk.base))
        .bearer_auth(&desk.token)
        .json(&body)
        .send()
        .await;
    match res {
        Ok(res) => {
            let status = res.status().as_u16();
            (status, res.json().await.unwrap_or(Value::Null))
        }
        Err(e) => (0, json!({ "error": e.to_string() })),
    }
}

/// Waits until `done` holds, checking every 100 ms, for at most `wait`; whether it did.
async fn until(wait: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What became of one consult-and-conference or one monitor request.
struct Outcome {
    /// consult's status (monitor's, for a monitored call).
    first: u16,
    /// conference's status (0: not asked).
    conference: u16,
    error: Option<String>,
}

/// Agent `desk` consults `target` (agent id), whose phone is `target_party`; once the target
/// hears the agent, makes a conference.
async fn consult_and_conference(desk: Desk, target: i64, target_ear: Arc<Mutex<Ear>>) -> Outcome {
    let (first, body) = api(
        &desk,
        reqwest::Method::POST,
        "/api/acd/me/call/consult",
        json!({ "agent": target }),
    )
    .await;
    if first != 200 {
        return Outcome {
            first,
            conference: 0,
            error: Some(format!("consult: {first} {body}")),
        };
    }
    let agent = Who::Agent.fill();
    let answered = until(Duration::from_secs(30), || {
        target_ear.lock().expect("ear").heard(agent) > 0
    })
    .await;
    if !answered {
        return Outcome {
            first,
            conference: 0,
            error: Some(format!("the target (agent {target}) never heard the agent")),
        };
    }
    let (conference, body) = api(
        &desk,
        reqwest::Method::POST,
        "/api/acd/me/call/conference",
        json!({}),
    )
    .await;
    Outcome {
        first,
        conference,
        error: (conference != 200).then(|| format!("conference: {conference} {body}")),
    }
}

/// The pacing line of the parties `ids` (indices into `all`).
fn line(ids: &[usize], expect: &HashMap<usize, u8>, all: &[Party]) -> String {
    let parties: Vec<&Party> = ids.iter().filter_map(|i| all.get(*i)).collect();
    let sum: Summary = summarize(parties.iter().map(|p| &*p.stats));
    let (mut jumps, mut right, mut silent, mut frames) = (0u64, 0u64, 0u64, 0u64);
    for (i, p) in ids.iter().zip(&parties) {
        let ear = p.ear.lock().expect("ear");
        jumps += ear.jumps;
        frames += ear.constant.iter().sum::<u64>() + ear.other;
        silent += ear.heard(linear_to_ulaw(0));
        if let Some(b) = expect.get(i) {
            right += ear.heard(*b);
        }
    }
    let share = |n: u64| {
        if frames == 0 {
            0.0
        } else {
            n as f64 * 100.0 / frames as f64
        }
    };
    format!(
        "streams={} {sum} ts_jumps={jumps} frames_as_expected={:.1}% silent_frames={:.1}%",
        parties.len(),
        share(right),
        share(silent)
    )
}

/// How late the generator's send ticks ran: p50/p99/max in ms (late sends reach the engine in
/// bursts, which its legs pass on as silence where a frame was missing at their send tick).
fn lateness(late: &Mutex<Vec<u32>>) -> String {
    let mut v = late.lock().expect("lateness").clone();
    v.sort_unstable();
    let ms = |p: f64| f64::from(common::percentile(&v, p)) / 1000.0;
    format!(
        "generator_late_p50={:.2}ms p99={:.2}ms max={:.1}ms",
        ms(0.5),
        ms(0.99),
        f64::from(v.last().copied().unwrap_or(0)) / 1000.0
    )
}

fn percent_per(cpu: f64, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        cpu / n as f64
    }
}

async fn run(a: Args) -> Vec<String> {
    let mut failures = Vec::new();
    let (b, c, m) = (a.bridged, a.conferences, a.monitored);
    let takers = b + c + m;
    // Agent indices: call-takers 0..takers (the first c consult, the next m are monitored),
    // then the c targets, then the m supervisors.
    let target_of = |k: usize| takers + k;
    let supervisor_of = |k: usize| takers + c + k;
    let phones = takers + c + m;

    // Every frame a party may hear must tell whom it comes from.
    {
        use Who::*;
        let mut bytes = vec![
            sum_of(&[Caller]),
            sum_of(&[Agent]),
            sum_of(&[Target]),
            sum_of(&[Supervisor]),
            sum_of(&[Agent, Target]),
            sum_of(&[Caller, Target]),
            sum_of(&[Caller, Agent]),
        ];
        bytes.sort_unstable();
        bytes.dedup();
        assert_eq!(bytes.len(), 7, "the parties' frames must differ");
    }

    let dir = std::env::temp_dir().join(format!("hotline-mix-load-{}", token()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).expect("scratch folder");
    std::fs::write(
        flows.join("main.yaml"),
        identify_and_queue_flow("general", "billing"),
    )
    .expect("flow");
    std::fs::write(dir.join("hotline.toml"), QUEUE).expect("configuration");
    let db_url = format!("sqlite:{}", dir.join("hotline.db").display());
    let ids: HashMap<String, i64> = {
        let store = Store::open(OpenOptions::new(db_url.clone()), Policy::default())
            .await
            .expect("the engine's database");
        for i in 0..takers {
            desks::add_agent(&store, i, "bench", Role::Agent, &[("general", 5)]).await;
        }
        for k in 0..c {
            desks::add_agent(&store, target_of(k), "bench", Role::Agent, &[]).await;
        }
        for k in 0..m {
            desks::add_agent(&store, supervisor_of(k), "floor", Role::Supervisor, &[]).await;
        }
        let all = store.agents().await.expect("the agents");
        store.close().await;
        all.into_iter().map(|a| (a.login, a.id)).collect()
    };
    let id_of = |i: usize| ids.get(&desks::login(i)).copied().unwrap_or(-1);

    let config = dir.join("hotline.toml").display().to_string();
    let flows_dir = flows.display().to_string();
    let mut env = vec![
        ("HOTLINE_CONFIG", config.as_str()),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", flows_dir.as_str()),
        ("HOTLINE_STORE_URL", db_url.as_str()),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "0"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_LOG_LEVEL", "warn"),
        ("HOTLINE_SIP_RATE_LIMIT_REQUESTS_PER_SEC", "100000"),
        ("HOTLINE_SIP_RATE_LIMIT_BURST", "100000"),
    ];
    if !a.smoke {
        // The engine's default range (5,000 legs), not the tests' window of 1,000 ports.
        env.push(("HOTLINE_MEDIA_RTP_PORTS", "20000-30000"));
    }
    let mut engine = Engine::start(&env);
    let recording = std::env::var("HOTLINE_MEDIA_RECORD").as_deref() != Ok("false");
    let pid = engine.pid();
    // The generator yields the CPU to the engine it measures: arrival times come from the
    // kernel, so its own delays do not count.
    // SAFETY: nice() only changes this process's scheduling priority.
    unsafe {
        libc::nice(10);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = proc_rss_kib(pid);

    // Desks: the consulting agents', the supervisors', and one to watch the ACD with.
    let watcher = Desk::login_with(&engine, &desks::login(0), desks::PASSWORD).await;
    let mut agent_desks = Vec::with_capacity(c);
    for k in 0..c {
        agent_desks.push(Desk::login_with(&engine, &desks::login(k), desks::PASSWORD).await);
    }
    let mut supervisor_desks = Vec::with_capacity(m);
    for k in 0..m {
        let login = desks::login(supervisor_of(k));
        supervisor_desks.push(Desk::login_with(&engine, &login, desks::PASSWORD).await);
    }

    // Every phone registers (a call-taker's registration makes it ready).
    let t = Instant::now();
    let users: Vec<(String, String)> = (0..phones)
        .map(|i| (desks::extension(i), desks::PASSWORD.to_string()))
        .collect();
    let phone_list = agents::register_users(engine.udp, &users).await;
    let mut parties: Vec<Party> = phone_list
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let who = if i < takers {
                Who::Agent
            } else if i < takers + c {
                Who::Target
            } else {
                Who::Supervisor
            };
            Party::new(who, p.rtp.clone(), p.engine_rtp.clone())
        })
        .collect();
    let taker_ids: Vec<i64> = (0..takers).map(id_of).collect();
    let (all_ready, ready) = {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, acd) = api(&watcher, reqwest::Method::GET, "/api/acd", Value::Null).await;
            let ready = acd["agents"].as_array().map_or(0, |list| {
                list.iter()
                    .filter(|x| {
                        x["state"]["state"] == "ready"
                            && x["id"].as_i64().is_some_and(|id| taker_ids.contains(&id))
                    })
                    .count()
            });
            if status == 200 && ready == takers {
                break (true, ready);
            }
            if Instant::now() >= deadline {
                break (false, ready);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    eprintln!(
        "{phones} phones registered, {ready} of {takers} call-takers ready in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if !all_ready {
        failures.push(format!("only {ready} of {takers} call-takers ready"));
        return finish(engine, dir, failures).await;
    }

    // The calls, each from its own number.
    let t = Instant::now();
    let numbers: Vec<String> = (0..takers).map(|i| format!("139{:08}", i)).collect();
    let trunk = Trunk::open(engine.udp).await;
    let placed = trunk
        .place(&numbers, "95598", a.setup_per_sec, Duration::from_secs(30))
        .await;
    let mut calls_up = Vec::new();
    let mut caller_party: HashMap<String, usize> = HashMap::new();
    for p in placed {
        match p {
            Ok(call) => {
                caller_party.insert(call.number.clone(), parties.len());
                parties.push(Party::new(
                    Who::Caller,
                    call.rtp.clone(),
                    Arc::new(Mutex::new(Some(call.engine_rtp))),
                ));
                calls_up.push(call);
            }
            Err(e) => failures.push(format!("call not answered: {e}")),
        }
    }
    eprintln!(
        "{} of {takers} calls answered in {:.1} s",
        calls_up.len(),
        t.elapsed().as_secs_f64()
    );
    let late: Arc<Mutex<Vec<u32>>> = Arc::default();
    let sender = tokio::spawn(send_spread_each(
        parties
            .iter()
            .map(|p| (p.rtp.clone(), p.engine_rtp.clone(), p.who.fill()))
            .collect(),
        late.clone(),
    ));

    // Every call-taker rung by a caller of ours (the INVITE's From), and bridged: each side
    // hears the other's frames.
    let (caller_fill, agent_fill) = (Who::Caller.fill(), Who::Agent.fill());
    let t = Instant::now();
    let mut sets: Vec<CallSet> = Vec::new();
    let bridged = until(Duration::from_secs(90), || {
        sets.clear();
        for (k, phone) in phone_list.iter().take(takers).enumerate() {
            let number = phone.caller.lock().expect("caller").clone();
            let Some(&caller) = number.as_ref().and_then(|n| caller_party.get(n)) else {
                continue;
            };
            let (kind, third) = if k < c {
                (Kind::Conference, Some(target_of(k)))
            } else if k < c + m {
                (Kind::Monitored, Some(supervisor_of(k - c)))
            } else {
                (Kind::Plain, None)
            };
            sets.push(CallSet {
                kind,
                caller,
                agent: k,
                third,
            });
        }
        sets.len() == takers
            && sets.iter().all(|s| {
                parties[s.caller].heard(agent_fill) > 0 && parties[s.agent].heard(caller_fill) > 0
            })
    })
    .await;
    let bridged_now = sets
        .iter()
        .filter(|s| {
            parties[s.caller].heard(agent_fill) > 0 && parties[s.agent].heard(caller_fill) > 0
        })
        .count();
    eprintln!(
        "{bridged_now} of {takers} calls bridged in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut callers_seen: Vec<usize> = sets.iter().map(|s| s.caller).collect();
    callers_seen.sort_unstable();
    callers_seen.dedup();
    if !bridged || callers_seen.len() != sets.len() {
        failures.push(format!(
            "only {bridged_now} of {takers} calls bridged ({} call-takers rung by {} callers)",
            sets.len(),
            callers_seen.len()
        ));
        sender.abort();
        hang_up(&trunk, &calls_up).await;
        return finish(engine, dir, failures).await;
    }

    // Before mixing: every call a plain bridge.
    let mut baseline = None;
    if c + m > 0 && a.baseline_seconds > 0 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        parties.iter().for_each(Party::reset);
        late.lock().expect("lateness").clear();
        let w = measure(pid, Duration::from_secs(a.baseline_seconds)).await;
        let legs: Vec<usize> = sets.iter().flat_map(|s| [s.caller, s.agent]).collect();
        let expect: HashMap<usize, u8> = sets
            .iter()
            .flat_map(|s| {
                [
                    (s.caller, sum_of(&[Who::Agent])),
                    (s.agent, sum_of(&[Who::Caller])),
                ]
            })
            .collect();
        let figures = format!("{} {}", line(&legs, &expect, &parties), lateness(&late));
        baseline = Some((w, legs.len(), figures));
    }

    // Conferences and monitoring, spread over a couple of seconds.
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (k, desk) in agent_desks.into_iter().enumerate() {
        let target = id_of(target_of(k));
        let ear = parties[target_of(k)].ear.clone();
        let delay = Duration::from_millis(20 * k as u64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            consult_and_conference(desk, target, ear).await
        }));
    }
    for (k, desk) in supervisor_desks.into_iter().enumerate() {
        let agent = id_of(c + k);
        let delay = Duration::from_millis(20 * k as u64 + 10);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let path = format!("/api/acd/agents/{agent}/monitor");
            let (first, body) = api(
                &desk,
                reqwest::Method::PUT,
                &path,
                json!({ "mode": "listen" }),
            )
            .await;
            Outcome {
                first,
                conference: 0,
                error: (first != 200).then(|| format!("monitor agent {agent}: {first} {body}")),
            }
        }));
    }
    let (mut consults, mut conferences, mut monitors) = (0, 0, 0);
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await {
            Ok(o) => {
                if i < c {
                    consults += usize::from(o.first == 200);
                    conferences += usize::from(o.conference == 200);
                } else {
                    monitors += usize::from(o.first == 200);
                }
                if let Some(e) = o.error {
                    failures.push(e);
                }
            }
            Err(e) => failures.push(format!("a request task failed: {e}")),
        }
    }
    let requests =
        format!("requests answered 200: consult {consults}/{c} conference {conferences}/{c} monitor {monitors}/{m}");
    // Every party of a mixed call hearing what it should.
    let expect: HashMap<usize, u8> = sets.iter().flat_map(CallSet::expectations).collect();
    let mixed_up = until(Duration::from_secs(30), || {
        expect.iter().all(|(i, b)| parties[*i].heard(*b) > 0)
    })
    .await;
    if c + m > 0 {
        eprintln!(
            "{requests}; mixes heard in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    if !mixed_up {
        let missing = expect
            .iter()
            .filter(|(i, b)| parties[**i].heard(**b) == 0)
            .count();
        failures.push(format!(
            "{missing} parties never heard what they should before the measurement"
        ));
    }

    // The measurement.
    tokio::time::sleep(Duration::from_secs(2)).await; // warm-up
    parties.iter().for_each(Party::reset);
    late.lock().expect("lateness").clear();
    let w = measure(pid, Duration::from_secs(a.seconds)).await;
    sender.abort();
    let generator = lateness(&late);
    let deaf: Vec<String> = expect
        .iter()
        .filter(|(i, b)| parties[**i].heard(**b) == 0)
        .map(|(i, _)| format!("{:?} {i}", parties[*i].who))
        .collect();
    if !deaf.is_empty() {
        failures.push(format!(
            "{} parties did not hear what they should during the measurement (e.g. {})",
            deaf.len(),
            deaf.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ));
    }

    let group = |keep: &dyn Fn(&CallSet) -> bool| -> Vec<usize> {
        sets.iter()
            .filter(|s| keep(s))
            .flat_map(CallSet::parties)
            .collect()
    };
    let all = group(&|_| true);
    let mixed = group(&|s| s.kind != Kind::Plain);
    let plain = group(&|s| s.kind == Kind::Plain);
    let shape = if a.only_bridged {
        "only-bridged"
    } else {
        "mix"
    };
    let per_call = w.rss_kib.saturating_sub(idle_rss) / takers as u64;
    println!(
        "shape={shape} calls={takers} bridged={b} conferenced={c} monitored={m} recording={recording} {} engine_cpu={:.0}% engine_threads={} rss_idle={idle_rss}KiB rss_loaded={}KiB per_call={per_call}KiB {generator}",
        line(&all, &expect, &parties),
        w.cpu,
        w.threads,
        w.rss_kib
    );
    if c + m > 0 {
        println!("  mixed parties: {}", line(&mixed, &expect, &parties));
        println!("  bridged legs:  {}", line(&plain, &expect, &parties));
        println!("  {requests}");
    }
    // CPU per leg, and per mixed party against a bridged leg.
    let per_leg = percent_per(w.cpu, all.len());
    if c + m == 0 {
        println!(
            "  cpu: {:.1}% for {} bridged legs = {per_leg:.3}% of a core per bridged leg (give it to a mixing run as --bridged-leg-cpu {per_leg:.4})",
            w.cpu,
            all.len()
        );
    } else {
        let per_party = |leg: f64| (w.cpu - leg * plain.len() as f64) / mixed.len() as f64;
        if let Some((bw, legs, figures)) = &baseline {
            let leg = percent_per(bw.cpu, *legs);
            let party = per_party(leg);
            println!(
                "  before mixing ({} s, all {takers} calls bridged): {figures} engine_cpu={:.0}% = {leg:.3}% per bridged leg",
                a.baseline_seconds, bw.cpu
            );
            println!(
                "  cpu: {:.1}% for {} bridged legs + {} mixed parties: {party:.3}% per mixed party = {:+.3}% over a bridged leg ({:.2}x), by this run's own bridged window",
                w.cpu,
                plain.len(),
                mixed.len(),
                party - leg,
                party / leg.max(1e-9)
            );
        }
        if let Some(leg) = a.bridged_leg_cpu {
            let party = per_party(leg);
            println!(
                "  cpu: {party:.3}% per mixed party = {:+.3}% over a bridged leg ({:.2}x), by --bridged-leg-cpu {leg}",
                party - leg,
                party / leg.max(1e-9)
            );
        }
    }

    hang_up(&trunk, &calls_up).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    if !engine.alive() {
        failures.push("the engine died during the run".into());
    }
    check_records(&db_url, &numbers, recording, &mut failures).await;
    if !calls_up.is_empty() && a.smoke {
        eprintln!("smoke run: pacing and loss are shown, not checked");
    }
    finish(engine, dir, failures).await
}

async fn hang_up(trunk: &Trunk, calls: &[common::trunk::TrunkCall]) {
    for call in calls {
        trunk.hang_up(call).await;
    }
}

/// Every caller's record ended, named an agent and (recording on) a recording.
async fn check_records(
    db_url: &str,
    numbers: &[String],
    recording: bool,
    failures: &mut Vec<String>,
) {
    let pool = match sqlx::AnyPool::connect(db_url).await {
        Ok(p) => p,
        Err(e) => {
            failures.push(format!("the engine's database: {e}"));
            return;
        }
    };
    type Row = (String, Option<i64>, Option<i64>, Option<String>);
    let mut rows: Vec<Row> = Vec::new();
    // Until every call's record has ended, or nothing moved for 5 s.
    let (mut ended, mut still) = (usize::MAX, 0);
    while still < 20 {
        rows = sqlx::query_as("SELECT caller, ended_at, agent_id, recording FROM calls")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
        let now = rows.iter().filter(|r| r.1.is_some()).count();
        if now >= numbers.len() {
            break;
        }
        still = if now == ended { still + 1 } else { 0 };
        ended = now;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    pool.close().await;
    let by_caller: HashMap<&str, &Row> = rows.iter().map(|r| (r.0.as_str(), r)).collect();
    let (mut found, mut done, mut with_agent, mut with_recording) = (0, 0, 0, 0);
    for n in numbers {
        if let Some(r) = by_caller.get(n.as_str()) {
            found += 1;
            done += usize::from(r.1.is_some());
            with_agent += usize::from(r.2.is_some());
            with_recording += usize::from(r.3.as_deref().is_some_and(|f| !f.is_empty()));
        }
    }
    println!(
        "  call records: {} in all; of our {} callers: {found} found, {done} ended, {with_agent} with an agent, {with_recording} with a recording",
        rows.len(),
        numbers.len()
    );
    let want = numbers.len();
    if found < want || done < want || with_agent < want || (recording && with_recording < want) {
        failures.push(format!(
            "call records: {found} found, {done} ended, {with_agent} with an agent, {with_recording} with a recording, of {want}"
        ));
    }
}

/// The engine's warnings, then the engine stopped and the scratch folder removed.
async fn finish(engine: Engine, dir: std::path::PathBuf, failures: Vec<String>) -> Vec<String> {
    for l in engine
        .drain_log()
        .iter()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .take(5)
    {
        println!("  engine: {l}");
    }
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
    failures
}

fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mix_load: {e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let failures = rt.block_on(run(a));
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAILED: {f}");
        }
        std::process::exit(1);
    }
}
