//! Random event sequences (seeded xorshift, as the ACD's property test) over simulated days:
//! starts, pauses, stops, route failures, ticks at and between deadlines, attempt ends with
//! every result (and stale or unknown ones), answers, free-agent counts, do-not-call entries,
//! preview skips. After every event the dialler's actions are checked against an independent
//! model: no (target, attempt) dialled twice and attempt numbers consecutive; no dial outside
//! the window, while not running, to a do-not-call number or customer, to a final target, or
//! before its retry is due; never more calls than lines, more dials in a second than rate +
//! burst, more unanswered calls than free agents × ratio, or more calls a customer a day than
//! the limit; `Done` only with nothing under way; the progress figures agree. At the end of
//! each sequence the dialler restored from the model's store has the same target states.

use std::collections::{BTreeMap, BTreeSet};

use hotline_campaign::{
    Action, Attempt, CallResult, Campaign, DailyLimit, Dialler, DoNotCall, Event, Mode, RetryRules,
    RouteLimits, SkipReason, StoredTarget, Target, TargetId, TargetState, Window,
};
use hotline_time::CivilDate;

use crate::support::*;

/// xorshift64*: deterministic, no crates.
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

#[derive(Default)]
struct Model {
    started: bool,
    paused: bool,
    route_down: bool,
    stopped: bool,
    done: bool,
    free: u32,
    /// Attempts under way: target → (attempt, answered).
    live: BTreeMap<TargetId, (u32, bool)>,
    /// Every attempt: target → attempts (number, dialled at, end).
    attempts: BTreeMap<TargetId, Vec<Attempt>>,
    finals: BTreeSet<TargetId>,
    skipped: BTreeMap<TargetId, SkipReason>,
    dnc_numbers: BTreeSet<String>,
    dnc_customers: BTreeSet<String>,
    dial_times: Vec<i64>,
    per_day: BTreeMap<(String, CivilDate), u32>,
}

fn check(
    seed: u64,
    cfg: &Campaign,
    list: &BTreeMap<TargetId, Target>,
    m: &mut Model,
    d: &Dialler,
    now: i64,
    out: &[Action],
) {
    let ctx = format!("seed {seed} at {now}");
    let ratio = match cfg.mode {
        Mode::Preview => 1000,
        _ => cfg.over_dial_permille,
    };
    for a in out {
        match a {
            Action::Dial {
                target,
                number,
                attempt,
            }
            | Action::Preview {
                target,
                number,
                attempt,
            } => {
                assert_eq!(
                    matches!(a, Action::Preview { .. }),
                    cfg.mode == Mode::Preview,
                    "{ctx}"
                );
                let t = &list[target];
                assert_eq!(&t.number, number, "{ctx}");
                assert!(cfg.window.is_open(now), "{ctx}: dial outside the window");
                assert!(
                    m.started && !m.paused && !m.route_down && !m.stopped && !m.done,
                    "{ctx}: dial while not running"
                );
                assert!(
                    !m.dnc_numbers.contains(number) && !m.dnc_customers.contains(&t.customer),
                    "{ctx}: do-not-call dialled"
                );
                assert!(!m.finals.contains(target), "{ctx}: final target dialled");
                assert!(
                    !m.live.contains_key(target),
                    "{ctx}: {target} dialled while under way"
                );
                let past = m.attempts.entry(*target).or_default();
                assert_eq!(*attempt as usize, past.len() + 1, "{ctx}: attempt numbers");
                if let Some((end, result)) = past.last().and_then(|p| p.ended) {
                    let Some(rule) = cfg.retry.rule(result) else {
                        panic!("{ctx}: redialled after the final {result:?}");
                    };
                    assert!(now >= end + rule.interval, "{ctx}: retried before due");
                    assert!(
                        past.len() < rule.attempts as usize,
                        "{ctx}: attempt {attempt} after {result:?}"
                    );
                }
                past.push(Attempt {
                    attempt: *attempt,
                    dialled_at: now,
                    ended: None,
                    promise: None,
                });
                m.live.insert(*target, (*attempt, false));
                assert!(m.live.len() as u32 <= cfg.route.max_lines, "{ctx}: lines");
                if cfg.mode != Mode::IvrOnly {
                    let claims = m.live.values().filter(|(_, answered)| !answered).count() as u64;
                    assert!(
                        claims * 1000 <= u64::from(m.free) * u64::from(ratio),
                        "{ctx}: {claims} ringing for {} free agents",
                        m.free
                    );
                }
                m.dial_times.push(now);
                let recent = m.dial_times.iter().filter(|t| **t > now - 1000).count() as u32;
                assert!(
                    recent <= cfg.route.attempts_per_sec + cfg.route.burst,
                    "{ctx}: {recent} dials in a second"
                );
                let day = cfg.window.zone().date(now);
                let n = m.per_day.entry((t.customer.clone(), day)).or_default();
                *n += 1;
                if let Some(max) = cfg.daily_limit.max_per_day {
                    assert!(*n <= max, "{ctx}: customer limit");
                }
            }
            Action::Target { target, state } => {
                if let TargetState::Skipped(reason) = state {
                    m.skipped.insert(*target, reason.clone());
                }
                if state.is_final() {
                    m.finals.insert(*target);
                }
            }
            Action::Done => {
                assert!(m.live.is_empty(), "{ctx}: done with calls under way");
                assert_eq!(m.finals.len(), list.len(), "{ctx}: done with targets left");
                m.done = true;
            }
            Action::Throttled { ratio_permille, .. } => {
                assert!(*ratio_permille <= 1000, "{ctx}");
            }
            _ => {}
        }
    }
    let p = d.progress();
    assert_eq!(p.dialled as usize, m.dial_times.len(), "{ctx}: dialled");
    assert_eq!(p.in_progress as usize, m.live.len(), "{ctx}: in progress");
    assert_eq!(
        p.remaining as usize,
        list.len() - m.finals.len(),
        "{ctx}: remaining"
    );
}

fn config(rng: &mut Rng) -> Campaign {
    let mode = [Mode::IvrOnly, Mode::Progressive, Mode::Preview][rng.below(3) as usize];
    let mut c = Campaign::new(
        "prop",
        mode,
        if rng.chance(50) { shanghai() } else { berlin() },
    );
    if rng.chance(30) {
        c.window = Window::standard(c.window.zone().clone())
            .with_weekdays(&[0, 1, 2, 3, 4])
            .with_holidays([date(2026, 3, 4)]);
    }
    c.route = RouteLimits {
        attempts_per_sec: 1 + rng.below(20) as u32,
        burst: 1 + rng.below(5) as u32,
        max_lines: 1 + rng.below(12) as u32,
    };
    if rng.chance(60) {
        c.daily_limit = DailyLimit {
            max_per_day: Some(1 + rng.below(3) as u32),
        };
    }
    c.over_dial_permille = 1000 + 100 * rng.below(11) as u32;
    c.abandoned_sample = 5 + rng.below(50) as u32;
    c.retry = RetryRules::default();
    c
}

fn run(seed: u64, steps: usize) -> (usize, usize) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let cfg = config(&mut rng);
    let customers = 5 + rng.below(30);
    let n = 10 + rng.below(60);
    let list: Vec<Target> = (1..=n)
        .map(|i| Target::new(i, &format!("c{}", i % customers), &format!("139{i:08}")))
        .collect();
    let by_id: BTreeMap<TargetId, Target> = list.iter().map(|t| (t.id, t.clone())).collect();
    let mut m = Model::default();
    let mut dnc = DoNotCall::new();
    for t in &list {
        if rng.chance(5) {
            dnc.add_number(&t.number);
            m.dnc_numbers.insert(t.number.clone());
        }
    }
    let mut d = Dialler::new(cfg.clone(), list.clone(), dnc);
    let mut now = at(cfg.window.zone(), date(2026, 3, 2), 7, 0) + rng.below(4 * 3600) as i64 * SEC;
    let mut ticks_at_deadline = 0;
    for _ in 0..steps {
        let ev = match rng.below(100) {
            0..=2 => Event::Start,
            3 => Event::Pause,
            4..=6 => Event::Resume,
            7 if rng.chance(10) => Event::Stop,
            8 => Event::RouteDown {
                reason: "503".into(),
            },
            9..=11 => Event::RouteUp,
            12..=19 => Event::FreeAgents(rng.below(7) as u32),
            20..=23 => {
                let t = &list[rng.below(n) as usize];
                if rng.chance(50) {
                    m.dnc_numbers.insert(t.number.clone());
                    Event::DoNotCallNumber(t.number.clone())
                } else {
                    m.dnc_customers.insert(t.customer.clone());
                    Event::DoNotCallCustomer(t.customer.clone())
                }
            }
            24..=55 if !m.live.is_empty() => {
                let k = rng.below(m.live.len() as u64) as usize;
                let (target, (attempt, answered)) =
                    m.live.iter().nth(k).map(|(t, a)| (*t, *a)).unwrap();
                let stale = rng.chance(5);
                let attempt = if stale { attempt + 1 } else { attempt };
                match rng.below(10) {
                    0 if !answered => {
                        if !stale {
                            m.live.insert(target, (attempt, true));
                        }
                        Event::AttemptAnswered { target, attempt }
                    }
                    1 if cfg.mode == Mode::Preview && !answered => {
                        if !stale {
                            m.live.remove(&target);
                        }
                        Event::PreviewSkipped {
                            target,
                            attempt,
                            reason: "paid".into(),
                        }
                    }
                    _ => {
                        let result = CallResult::ALL[rng.below(7) as usize];
                        let end = now - rng.below(2000) as i64;
                        if !stale {
                            m.live.remove(&target);
                            let a = m.attempts.get_mut(&target).unwrap().last_mut().unwrap();
                            a.ended = Some((end, result));
                            if result == CallResult::OptedOut {
                                let t = &by_id[&target];
                                m.dnc_numbers.insert(t.number.clone());
                                m.dnc_customers.insert(t.customer.clone());
                            }
                        }
                        Event::AttemptEnded {
                            target,
                            attempt,
                            result,
                            at: end,
                            promise: None,
                        }
                    }
                }
            }
            56..=58 => Event::AttemptEnded {
                target: TargetId(10_000),
                attempt: 1,
                result: CallResult::Busy,
                at: now,
                promise: None,
            },
            _ => {
                // Time passes: to the deadline, or a random step (up to an hour, or a night).
                match d.next_deadline() {
                    Some(t) if rng.chance(60) && t >= now && t - now < 20 * 3600 * SEC => {
                        ticks_at_deadline += 1;
                        now = t;
                    }
                    _ if rng.chance(3) => now += 10 * 3600 * SEC,
                    _ => {
                        let span = if rng.chance(70) { 2000 } else { 3_600_000 };
                        now += rng.below(span) as i64;
                    }
                }
                Event::Tick
            }
        };
        match &ev {
            Event::Start => m.started = m.started || !m.stopped,
            Event::Pause => m.paused = !m.stopped && !m.done || m.paused,
            Event::Resume => m.paused = false,
            Event::Stop => m.stopped = m.stopped || !m.done,
            Event::RouteDown { .. } => m.route_down = true,
            Event::RouteUp => m.route_down = false,
            Event::FreeAgents(k) => m.free = *k,
            _ => {}
        }
        let out = d.handle(now, ev);
        check(seed, &cfg, &by_id, &mut m, &d, now, &out);
    }
    // Restored from the model's store, the dialler agrees on every target (the per-customer
    // deferral to tomorrow is not stored, so only without a limit).
    if cfg.daily_limit.max_per_day.is_none() {
        let stored: Vec<StoredTarget> = list
            .iter()
            .map(|t| StoredTarget {
                target: t.clone(),
                attempts: m.attempts.get(&t.id).cloned().unwrap_or_default(),
                skipped: m.skipped.get(&t.id).cloned(),
            })
            .collect();
        let restored = Dialler::restore(cfg.clone(), stored, DoNotCall::new());
        for t in &list {
            let live = d.state(t.id).unwrap();
            let back = restored.state(t.id).unwrap();
            assert_eq!(live, back, "seed {seed}: {} restored", t.id);
        }
        let (a, b) = (d.progress(), restored.progress());
        assert_eq!(
            (
                a.dialled,
                a.in_progress,
                a.remaining,
                a.reached,
                a.given_up,
                a.skipped
            ),
            (
                b.dialled,
                b.in_progress,
                b.remaining,
                b.reached,
                b.given_up,
                b.skipped
            ),
            "seed {seed}"
        );
    }
    (m.dial_times.len(), ticks_at_deadline)
}

#[test]
fn random_sequences_keep_every_invariant() {
    let seeds = std::env::var("CAMPAIGN_PROPERTY_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150u64);
    let mut dials = 0;
    let mut deadlines = 0;
    for seed in 1..=seeds {
        let (n, t) = run(seed, 1500);
        dials += n;
        deadlines += t;
    }
    // The sequences did dial (and reach deadlines), or the checks proved nothing.
    assert!(dials > 20 * seeds as usize, "{dials} dials");
    assert!(
        deadlines > 10 * seeds as usize,
        "{deadlines} deadline ticks"
    );
}
