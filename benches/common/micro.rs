//! The micro-benchmark runner the crates' hot-path benches share (`crates/hotline-sip/benches`,
//! `crates/hotline-media/benches`, each including this file by path): the median time per
//! item of 7 rounds, a short smoke run without `--bench`, and `BENCH_ONLY` / `BENCH_FIXED` for
//! counting instructions with `perf stat`.

use std::time::{Duration, Instant};

/// Whether this is only a smoke run (no `--bench`, as under `cargo test --benches`).
pub fn smoke() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

/// Median nanoseconds per item of `f` (which handles `items` items a call), 7 rounds.
pub fn measure(name: &str, items: u64, smoke: bool, mut f: impl FnMut()) {
    // BENCH_ONLY=<name part> BENCH_FIXED=<n>: run only the matching benchmarks, each exactly
    // n times and untimed (for counting instructions with `perf stat`, which load does not skew).
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        if !name.contains(&only) {
            return;
        }
    }
    if let Some(n) = std::env::var("BENCH_FIXED")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
    {
        for _ in 0..n {
            f();
        }
        println!("{name}: {n} runs");
        return;
    }
    let round = if smoke {
        Duration::from_millis(2)
    } else {
        Duration::from_millis(150)
    };
    let mut n = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        if t.elapsed() >= round {
            break;
        }
        n *= 2;
    }
    let mut per: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_nanos() as f64 / (n * items) as f64
        })
        .collect();
    per.sort_by(f64::total_cmp);
    let median = per.get(per.len() / 2).copied().unwrap_or(f64::NAN);
    println!("{name:<40} {median:>10.1} ns");
}
