//! Customer lookups on a large SQLite store: what the IVR and the agent's screen pop do on
//! every call. Seeds the store with `hotline_store::seed::seed_demo` up to N customers (kept
//! under target/ and reused), then measures, one at a time, random existing customers:
//! customer by phone, customer by account number, 12 months of bills and arrears (p50, p90,
//! p99, max), and the throughput of each with 8 concurrent tasks.
//!
//! Run: `cargo bench --bench store_lookup -- --customers 1000000 [--db PATH] [--lookups 20000]`
//! (without `--bench`, as under `cargo test --benches`, it runs a small smoke version).

use common::store::{file_size, kept_path, mb, samples, seed_up_to, warm_page_cache, Sample, NOW};
use hotline_store::{OpenOptions, Policy, Store};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

const TASKS: usize = 8;

struct Args {
    customers: u64,
    db: PathBuf,
    lookups: usize,
    smoke: bool,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let smoke = !argv.iter().any(|a| a == "--bench");
    let mut customers = if smoke { 3000 } else { 1_000_000 };
    let mut lookups = if smoke { 300 } else { 20_000 };
    let mut db = None;
    for w in argv.windows(2) {
        match w[0].as_str() {
            "--customers" => customers = w[1].parse().expect("--customers N"),
            "--lookups" => lookups = w[1].parse().expect("--lookups N"),
            "--db" => db = Some(PathBuf::from(&w[1])),
            _ => {}
        }
    }
    let db = db.unwrap_or_else(|| {
        if smoke {
            std::env::temp_dir()
                .join(format!("hotline-lookup-smoke-{}", std::process::id()))
                .join(format!("lookup-{customers}.db"))
        } else {
            kept_path(customers)
        }
    });
    Args {
        customers,
        db,
        lookups,
        smoke,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    ByPhone,
    ByAccount,
    Bills12,
    Arrears,
}

impl Op {
    const ALL: [Op; 4] = [Op::ByPhone, Op::ByAccount, Op::Bills12, Op::Arrears];
    fn name(self) -> &'static str {
        match self {
            Op::ByPhone => "customer by phone",
            Op::ByAccount => "customer by account",
            Op::Bills12 => "bills, 12 months",
            Op::Arrears => "arrears, 24 months",
        }
    }
    async fn run(self, store: &Store, s: &Sample) {
        match self {
            Op::ByPhone => {
                let found = store.customers_by_phone(&s.phone).await.expect("by phone");
                assert!(
                    found.iter().any(|c| c.id == s.id),
                    "phone {} not found",
                    s.phone
                );
            }
            Op::ByAccount => {
                let c = store
                    .customer_by_account(&s.account)
                    .await
                    .expect("by account");
                assert_eq!(c.map(|c| c.id), Some(s.id));
            }
            Op::Bills12 => {
                let bills = store.bills(s.id, 12, NOW).await.expect("bills");
                assert!(!bills.is_empty());
            }
            Op::Arrears => {
                store.arrears(s.id, NOW).await.expect("arrears");
            }
        }
    }
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

async fn throughput(store: &Store, op: Op, samples: &Arc<Vec<Sample>>) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (store, samples) = (store.clone(), samples.clone());
            tokio::spawn(async move {
                for s in samples.iter().skip(t).step_by(TASKS) {
                    op.run(&store, s).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    samples.len() as f64 / started.elapsed().as_secs_f64()
}

async fn run(a: Args) {
    if let Some(dir) = a.db.parent() {
        std::fs::create_dir_all(dir).expect("db dir");
    }
    let url = format!("sqlite:{}", a.db.display());
    let store = Store::open(OpenOptions::new(url), Policy::default())
        .await
        .expect("open");
    seed_up_to(&store, a.customers).await;
    let customers = store.customer_count().await.expect("count");
    println!(
        "db {} : {} ({customers} customers)",
        a.db.display(),
        mb(file_size(&a.db))
    );
    warm_page_cache(&a.db);
    let samples = Arc::new(samples(&store, a.lookups, 7).await);
    let warm = samples.len().min(2000);
    for op in Op::ALL {
        for s in &samples[..warm] {
            op.run(&store, s).await;
        }
    }

    println!();
    println!(
        "SQLite, {customers} customers, {} random customers, one lookup at a time:",
        samples.len()
    );
    println!("| operation | count | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for op in Op::ALL {
        let mut times = Vec::with_capacity(samples.len());
        for s in samples.iter() {
            let t = Instant::now();
            op.run(&store, s).await;
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            op.name(),
            times.len(),
            percentile(&times, 0.50),
            percentile(&times, 0.90),
            percentile(&times, 0.99),
            percentile(&times, 1.0)
        );
    }
    let mut line = format!("throughput, {TASKS} concurrent tasks:");
    for op in Op::ALL {
        let per_sec = throughput(&store, op, &samples).await;
        line.push_str(&format!(" {} {per_sec:.0}/s;", op.name()));
    }
    println!("{}", line.trim_end_matches(';'));
    store.close().await;
    if a.smoke {
        if let Some(dir) = a.db.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(a));
}
