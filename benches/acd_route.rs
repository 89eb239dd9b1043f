//! ACD routing decision time: 5,000 agents, 100 queues, 20,000 waiting calls, on one thread.
//!
//! Builds the scenario (every agent logged in, registered and on a call, 20,000 calls waiting
//! with mixed priorities, tiers, languages, preferred agents, skill levels, routing steps and
//! relaxation), then runs a steady state: calls arrive, calls end (agents go to wrap-up),
//! agents end wrap-up and take the best waiting call, 90 % of offers are answered and the rest
//! ring out (the router's own timeout, on a tick at the deadline), missed agents come back
//! ready, callers abandon to hold the line at 20,000, and every other due timer
//! (announcements, step changes, relaxation) runs on ticks at its deadline.
//!
//! Prints per-decision latency (p50 / p99 / max) for each kind of input, the share of
//! decisions over the 50 µs target, and events per second on one core (inputs handled divided
//! by the time spent inside `Router::handle`, and by wall time of the whole loop).
//!
//! Run: `cargo bench --bench acd_route` (without `--bench`, as under `cargo test --benches`,
//! a small smoke run).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use hotline_acd::{
    AgentId, AgentProfile, CallId, CallRequest, Exit, Input, Millis, Output, QueueConfig, Relax,
    RouteStep, Router, Strategy, Tier,
};

const T0: Millis = 1_700_000_000_000;

/// Deterministic xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A set with O(1) insert, remove and random pick.
#[derive(Default)]
struct Pool {
    items: Vec<u64>,
    at: HashMap<u64, usize>,
}

impl Pool {
    fn insert(&mut self, x: u64) {
        if !self.at.contains_key(&x) {
            self.at.insert(x, self.items.len());
            self.items.push(x);
        }
    }

    fn remove(&mut self, x: u64) -> bool {
        let Some(i) = self.at.remove(&x) else {
            return false;
        };
        self.items.swap_remove(i);
        if let Some(&moved) = self.items.get(i) {
            self.at.insert(moved, i);
        }
        true
    }

    fn take_random(&mut self, rng: &mut Rng) -> Option<u64> {
        if self.items.is_empty() {
            return None;
        }
        let x = self.items[rng.below(self.items.len() as u64) as usize];
        self.remove(x);
        Some(x)
    }

    fn len(&self) -> usize {
        self.items.len()
    }
}

struct Size {
    agents: i64,
    queues: usize,
    waiting: usize,
    events: usize,
}

fn skill(i: usize) -> String {
    format!("s{:02}", i % 20)
}

fn queues(n: usize) -> Vec<QueueConfig> {
    (0..n)
        .map(|i| {
            let mut q = QueueConfig::new(format!("q{i:03}"));
            q.skills = [(skill(i), 1 + (i % 3) as u8)].into();
            q.strategy = match i % 10 {
                0 => Strategy::MostSkilled,
                1 => Strategy::RoundRobin,
                _ => Strategy::LongestIdle,
            };
            q.ring_secs = 20;
            q.wrap_up_secs = 30;
            q.announce_secs = 30;
            q.max_wait_secs = Some(3600);
            q.max_wait_exit = Exit::Ticket;
            if i % 4 == 0 {
                q.relax = vec![Relax {
                    after_secs: 30,
                    by: 1,
                }];
            }
            if i % 10 == 2 {
                q.steps = vec![
                    RouteStep {
                        after_secs: 0,
                        preferred_only: true,
                        tier: Some(Tier::KeyAccount),
                        ..RouteStep::default()
                    },
                    RouteStep {
                        after_secs: 20,
                        skills: [("key_account".to_string(), 1)].into(),
                        tier: Some(Tier::KeyAccount),
                        ..RouteStep::default()
                    },
                    RouteStep {
                        after_secs: 60,
                        ..RouteStep::default()
                    },
                ];
            }
            q
        })
        .collect()
}

/// Agents serve 3 random queues with the queue's skill at 3–10, plus two random skills.
fn agents(rng: &mut Rng, size: &Size) -> (Vec<AgentProfile>, Vec<Vec<i64>>) {
    let mut members = vec![Vec::new(); size.queues];
    let profiles = (1..=size.agents)
        .map(|id| {
            let mut skills = BTreeMap::new();
            let mut served = Vec::new();
            while served.len() < 3 {
                let q = rng.below(size.queues as u64) as usize;
                if !served.contains(&q) {
                    served.push(q);
                    skills.insert(skill(q), 3 + rng.below(8) as u8);
                    members[q].push(id);
                }
            }
            for _ in 0..2 {
                skills
                    .entry(skill(rng.below(20) as usize))
                    .or_insert(1 + rng.below(10) as u8);
            }
            if rng.chance(5) {
                skills.insert("key_account".into(), 1);
            }
            let mut languages = vec!["zh".to_string()];
            if rng.chance(30) {
                languages.push("en".into());
            }
            AgentProfile {
                id: AgentId(id),
                skills,
                languages,
                queues: served.iter().map(|q| format!("q{q:03}")).collect(),
            }
        })
        .collect();
    (profiles, members)
}

fn new_call(rng: &mut Rng, id: u64, size: &Size, members: &[Vec<i64>]) -> CallRequest {
    let q = rng.below(size.queues as u64) as usize;
    let mut r = CallRequest::new(CallId(id), format!("q{q:03}"));
    r.priority = rng.below(101) as u8;
    if rng.chance(10) {
        r.language = Some("en".into());
    }
    if rng.chance(5) && !members[q].is_empty() {
        r.tier = Tier::KeyAccount;
        r.preferred_agent = Some(AgentId(
            members[q][rng.below(members[q].len() as u64) as usize],
        ));
    }
    r
}

#[derive(Default)]
struct Stats {
    by_kind: BTreeMap<&'static str, Vec<u64>>,
    total_ns: u64,
    inputs: u64,
}

impl Stats {
    fn record(&mut self, kind: &'static str, ns: u64) {
        self.by_kind.entry(kind).or_default().push(ns);
    }
}

/// The bench's view of the router, kept from outputs.
#[derive(Default)]
struct World {
    waiting: Pool,
    connected: Pool,
    ringing: HashMap<u64, i64>,
    wrap_up: Pool,
    missed: Pool,
}

impl World {
    fn apply(&mut self, out: &[Output], rng: &mut Rng, answers: &mut Vec<(u64, i64)>) {
        for o in out {
            match o {
                Output::Offer { call, agent } => {
                    self.waiting.remove(call.0);
                    self.ringing.insert(call.0, agent.0);
                    // 90 % are answered; the rest ring out.
                    if rng.chance(90) {
                        answers.push((call.0, agent.0));
                    }
                }
                Output::RingTimeout { call, agent } => {
                    self.ringing.remove(&call.0);
                    self.waiting.insert(call.0);
                    self.missed.insert(agent.0 as u64);
                }
                Output::Connected { call, .. } => {
                    self.ringing.remove(&call.0);
                    self.connected.insert(call.0);
                }
                Output::MaxWait { call, .. } | Output::Abandoned { call, .. } => {
                    self.waiting.remove(call.0);
                }
                _ => {}
            }
        }
    }
}

struct Bench {
    r: Router,
    now: Millis,
    rng: Rng,
    stats: Stats,
    world: World,
    answers: Vec<(u64, i64)>,
}

impl Bench {
    /// Handles one input, timing it when `kind` is given.
    fn input(&mut self, input: Input, kind: Option<&'static str>) -> Vec<Output> {
        let start = Instant::now();
        let out = self.r.handle(input, self.now);
        let ns = start.elapsed().as_nanos() as u64;
        self.stats.total_ns += ns;
        self.stats.inputs += 1;
        if let Some(kind) = kind {
            let kind = match kind {
                "tick" if out.iter().any(|o| matches!(o, Output::RingTimeout { .. })) => {
                    "offer timeout (tick)"
                }
                k => k,
            };
            self.stats.record(kind, ns);
        }
        self.world.apply(&out, &mut self.rng, &mut self.answers);
        out
    }

    fn answer_pending(&mut self, timed: bool) {
        while let Some((call, agent)) = self.answers.pop() {
            let input = Input::Answered {
                call: CallId(call),
                agent: AgentId(agent),
            };
            self.input(input, timed.then_some("answer"));
        }
    }

    /// Ticks at every deadline up to `until`, one tick per deadline.
    fn ticks_until(&mut self, until: Millis, timed: bool) {
        while let Some(d) = self.r.next_deadline() {
            if d > until {
                break;
            }
            self.now = self.now.max(d);
            self.input(Input::Tick, timed.then_some("tick"));
            self.answer_pending(timed);
        }
        self.now = until;
    }
}

/// Prints latency percentiles per kind of input and events per second.
fn report(stats: &mut Stats, wall_secs: f64) {
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>10} {:>8}",
        "decision", "count", "p50 µs", "p99 µs", "max µs", ">50 µs"
    );
    let mut all: Vec<u64> = Vec::new();
    for (kind, v) in &mut stats.by_kind {
        v.sort_unstable();
        all.extend_from_slice(v);
        let pct = |p: usize| v[(v.len() - 1) * p / 100] as f64 / 1000.0;
        let over = v.iter().filter(|&&ns| ns > 50_000).count();
        println!(
            "{:<28} {:>9} {:>9.2} {:>9.2} {:>10.1} {:>7.3}%",
            kind,
            v.len(),
            pct(50),
            pct(99),
            *v.last().unwrap_or(&0) as f64 / 1000.0,
            over as f64 * 100.0 / v.len().max(1) as f64
        );
    }
    all.sort_unstable();
    if !all.is_empty() {
        let pct = |p: usize| all[(all.len() - 1) * p / 100] as f64 / 1000.0;
        println!(
            "{:<28} {:>9} {:>9.2} {:>9.2} {:>10.1}",
            "all inputs",
            all.len(),
            pct(50),
            pct(99),
            *all.last().unwrap_or(&0) as f64 / 1000.0
        );
    }
    let inside = stats.total_ns as f64 / 1e9;
    println!(
        "events/s on one core: {:.0} (inputs / time inside handle), {:.0} (inputs / wall time of the loop incl. bench bookkeeping)",
        stats.inputs as f64 / inside,
        stats.inputs as f64 / wall_secs
    );
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let size = if smoke {
        Size {
            agents: 200,
            queues: 10,
            waiting: 800,
            events: 2_000,
        }
    } else {
        Size {
            agents: 5_000,
            queues: 100,
            waiting: 20_000,
            events: 300_000,
        }
    };
    let mut rng = Rng(0x5EED_ACD0_0000_0001);
    let (profiles, members) = agents(&mut rng, &size);
    let mut b = Bench {
        r: Router::new(queues(size.queues)),
        now: T0,
        rng,
        stats: Stats::default(),
        world: World::default(),
        answers: Vec::new(),
    };

    // Build: agents in, calls until 20,000 wait (one a millisecond) (offers answered as they come).
    let build = Instant::now();
    for p in profiles {
        let id = p.id;
        b.input(Input::AgentLogin(p), None);
        b.input(
            Input::AgentRegistered {
                agent: id,
                registered: true,
            },
            None,
        );
        b.input(Input::AgentReady(id), None);
    }
    let mut next_id = 1u64;
    while b.world.waiting.len() < size.waiting {
        b.now += 1;
        let r = new_call(&mut b.rng, next_id, &size, &members);
        next_id += 1;
        b.world.waiting.insert(r.id.0);
        b.input(Input::CallArrived(r), None);
        b.answer_pending(false);
        let now = b.now;
        b.ticks_until(now, false);
    }
    let snap = b.r.snapshot(b.now);
    let ready: u32 = snap.queues.iter().map(|q| q.agents_ready).sum();
    println!(
        "scenario: {} agents, {} queues, {} waiting calls, {} connected, {} agent-queue pairs ready (built in {:.1} s)",
        size.agents,
        size.queues,
        b.world.waiting.len(),
        b.world.connected.len(),
        ready,
        build.elapsed().as_secs_f64()
    );

    // Steady state: 1–9 ms (5 on average) of router time per step, so inputs do not fall on
    // a grid (announcements of calls that arrived on one would coincide).
    b.stats = Stats::default();
    let run = Instant::now();
    for i in 0..size.events {
        let until = b.now + 1 + b.rng.below(9) as Millis;
        b.ticks_until(until, true);
        match i % 4 {
            0 => {
                let r = new_call(&mut b.rng, next_id, &size, &members);
                next_id += 1;
                b.world.waiting.insert(r.id.0);
                b.input(Input::CallArrived(r), Some("call arrival"));
            }
            1 => {
                if b.world.waiting.len() > size.waiting {
                    if let Some(call) = b.world.waiting.take_random(&mut b.rng) {
                        b.input(Input::CallAbandoned(CallId(call)), Some("abandon"));
                    }
                } else {
                    let r = new_call(&mut b.rng, next_id, &size, &members);
                    next_id += 1;
                    b.world.waiting.insert(r.id.0);
                    b.input(Input::CallArrived(r), Some("call arrival"));
                }
            }
            2 => {
                if let Some(call) = b.world.connected.take_random(&mut b.rng) {
                    let out = b.input(Input::CallEnded(CallId(call)), Some("hang-up"));
                    for o in &out {
                        if let Output::AgentStateChanged { agent, .. } = o {
                            b.world.wrap_up.insert(agent.0 as u64);
                        }
                    }
                }
            }
            _ => {
                // An agent becomes ready: ends wrap-up early, or comes back after a miss.
                let missed = b.rng.chance(10) && b.world.missed.len() > 0;
                let (pool, kind) = if missed {
                    (&mut b.world.missed, "agent ready (after miss)")
                } else {
                    (&mut b.world.wrap_up, "agent ready (end wrap-up)")
                };
                if let Some(agent) = pool.take_random(&mut b.rng) {
                    let input = if missed {
                        Input::AgentReady(AgentId(agent as i64))
                    } else {
                        Input::EndWrapUp(AgentId(agent as i64))
                    };
                    b.input(input, Some(kind));
                }
            }
        }
        b.answer_pending(true);
    }
    let wall = run.elapsed();
    println!(
        "-- steady state: {} waiting, every agent busy:",
        size.waiting
    );
    report(&mut b.stats, wall.as_secs_f64());
    let snap = b.r.snapshot(b.now);
    let waiting: u32 = snap.queues.iter().map(|q| q.waiting).sum();
    let answered: u64 = snap.queues.iter().map(|q| q.counters.answered).sum();
    let timeouts: u64 = snap.queues.iter().map(|q| q.counters.no_answers).sum();
    println!(
        "after: {waiting} waiting, {answered} answered, {timeouts} ring-outs, {} s of router time",
        (b.now - T0) / 1000
    );
    if smoke {
        b.r.check_invariants().expect("router invariants");
    }
    free_agents_phase(&size, smoke);
}

/// The other branch of a call arrival: every agent free (ready sets full), so each call picks
/// an agent by its queue's strategy at once; the agent answers, hangs up and ends wrap-up.
fn free_agents_phase(size: &Size, smoke: bool) {
    let mut rng = Rng(0x5EED_ACD0_0000_0002);
    let (profiles, members) = agents(&mut rng, size);
    let mut b = Bench {
        r: Router::new(queues(size.queues)),
        now: T0,
        rng,
        stats: Stats::default(),
        world: World::default(),
        answers: Vec::new(),
    };
    for p in profiles {
        let id = p.id;
        b.input(Input::AgentLogin(p), None);
        let registered = Input::AgentRegistered {
            agent: id,
            registered: true,
        };
        b.input(registered, None);
        b.now += 1;
        b.input(Input::AgentReady(id), None);
    }
    b.stats = Stats::default();
    let run = Instant::now();
    for next_id in 1..=(size.events / 4) as u64 {
        b.now += 1 + b.rng.below(9) as Millis;
        let r = new_call(&mut b.rng, next_id, size, &members);
        let out = b.input(Input::CallArrived(r), Some("call arrival (agents free)"));
        let Some((call, agent)) = out.iter().find_map(|o| match o {
            Output::Offer { call, agent } => Some((*call, *agent)),
            _ => None,
        }) else {
            continue;
        };
        b.answers.clear();
        b.input(Input::Answered { call, agent }, None);
        b.input(Input::CallEnded(call), None);
        b.input(Input::EndWrapUp(agent), None);
        let now = b.now;
        b.ticks_until(now, false);
    }
    let wall = run.elapsed();
    println!("-- all {} agents free, calls routed at once:", size.agents);
    report(&mut b.stats, wall.as_secs_f64());
    if smoke {
        b.r.check_invariants().expect("router invariants");
    }
}
