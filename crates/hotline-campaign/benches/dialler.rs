//! How fast the dialler schedules: a 10,000-target IVR-only campaign at 50 call attempts a
//! second (burst 5, 1,000 lines), every call answered 3 s after its dial, driven on a
//! simulated clock from deadline to deadline exactly as the shell would. Prints the wall time
//! per target scheduled (median of 7 rounds), targets per second, and the simulated pacing
//! (attempts per simulated second: the limit, the lowest and highest full second).
//!
//! Run: `cargo bench -p hotline-campaign --bench dialler` (without `--bench`, as under
//! `cargo test --benches`, a short smoke run).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

#[path = "../../../benches/common/micro.rs"]
mod micro;

use hotline_campaign::{
    Action, CallResult, Campaign, Dialler, DoNotCall, Event, Mode, RouteLimits, Target,
};
use hotline_time::{CivilDate, Zone};

const TARGETS: u64 = 10_000;

/// Runs the campaign to its end; returns the dial times (simulated ms).
fn campaign_run() -> Vec<i64> {
    let zone = Zone::named("Asia/Shanghai").unwrap();
    let mut cfg = Campaign::new("notice", Mode::IvrOnly, zone.clone());
    cfg.route = RouteLimits {
        attempts_per_sec: 50,
        burst: 5,
        max_lines: 1000,
    };
    let list: Vec<Target> = (1..=TARGETS)
        .map(|i| Target::new(i, &format!("c{i}"), &format!("138{i:08}")))
        .collect();
    let mut d = Dialler::new(cfg, list, DoNotCall::new());
    let t0 = zone
        .at_wall_time(
            CivilDate {
                year: 2026,
                month: 3,
                day: 2,
            },
            9,
            0,
        )
        .unwrap();
    let mut now = t0;
    d.handle(now, Event::Start);
    let mut ends: BTreeMap<i64, Vec<(hotline_campaign::TargetId, u32)>> = BTreeMap::new();
    let mut dials = Vec::with_capacity(TARGETS as usize);
    loop {
        let next_end = ends.keys().next().copied();
        let out = match (d.next_deadline(), next_end) {
            (Some(t), e) if e.is_none_or(|e| t < e) => {
                now = t.max(now);
                d.handle(now, Event::Tick)
            }
            (_, Some(e)) => {
                now = e.max(now);
                let mut out = Vec::new();
                for (target, attempt) in ends.remove(&e).unwrap_or_default() {
                    out.extend(d.handle(
                        now,
                        Event::AttemptEnded {
                            target,
                            attempt,
                            result: CallResult::Answered,
                            at: now,
                            promise: None,
                        },
                    ));
                }
                out
            }
            _ => break,
        };
        for a in out {
            if let Action::Dial {
                target, attempt, ..
            } = a
            {
                dials.push(now - t0);
                ends.entry(now + 3000).or_default().push((target, attempt));
            }
        }
    }
    dials
}

fn main() {
    let smoke = micro::smoke();
    let started = Instant::now();
    let dials = campaign_run();
    let wall = started.elapsed();
    assert_eq!(dials.len() as u64, TARGETS, "every target dialled once");
    let mut per_second: BTreeMap<i64, u32> = BTreeMap::new();
    for t in &dials {
        *per_second.entry(t / 1000).or_default() += 1;
    }
    let last = dials.last().copied().unwrap_or(0) / 1000;
    let full: Vec<u32> = per_second
        .iter()
        .filter(|(s, _)| **s > 0 && **s < last)
        .map(|(_, n)| *n)
        .collect();
    println!(
        "campaign of {TARGETS} at 50/s: {:.1} simulated s, attempts in the first second {} (the \
         bucket starts empty), in each later full second min {} max {} (limit 50); one run {:.1} ms wall = {:.0} targets/s scheduled",
        dials.last().copied().unwrap_or(0) as f64 / 1000.0,
        per_second.get(&0).unwrap_or(&0),
        full.iter().min().unwrap_or(&0),
        full.iter().max().unwrap_or(&0),
        wall.as_secs_f64() * 1000.0,
        TARGETS as f64 / wall.as_secs_f64()
    );
    micro::measure(
        "dialler: 10k IVR-only targets, per target",
        TARGETS,
        smoke,
        || {
            black_box(campaign_run());
        },
    );
}
