//! Sustained ticket creation: `Store::create_ticket` (the ticket and its `created` event in one
//! transaction) from many concurrent tasks, as the IVR and the agents open work orders on an
//! outage day. Runs on a fresh SQLite file under target/ and, with `--pg URL`, on a fresh
//! PostgreSQL schema (dropped after). Prints tickets/s and latency percentiles, then checks
//! that every successful creation left exactly one ticket with its `created` event.
//!
//! Run: `cargo bench --bench ticket_rate -- [--pg URL] [--seconds 10] [--concurrency 16]`
//! (without `--bench`, as under `cargo test --benches`, it runs a one-second smoke version).

use hotline_store::seed::{seed_demo, SeedOptions};
use hotline_store::{Actor, Millis, NewAgent, NewTicket, OpenOptions, Policy, Role, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const KINDS: [&str; 5] = ["leak", "repair", "complaint", "billing_dispute", "meter"];

struct Args {
    pg: Option<String>,
    seconds: u64,
    concurrency: usize,
    smoke: bool,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let smoke = !argv.iter().any(|a| a == "--bench");
    let mut a = Args {
        pg: None,
        seconds: if smoke { 1 } else { 10 },
        concurrency: 16,
        smoke,
    };
    for w in argv.windows(2) {
        match w[0].as_str() {
            "--pg" => a.pg = Some(w[1].clone()),
            "--seconds" => a.seconds = w[1].parse().expect("--seconds N"),
            "--concurrency" => {
                a.concurrency = w[1].parse::<usize>().expect("--concurrency N").max(1)
            }
            _ => {}
        }
    }
    a
}

fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

/// Creates tickets from `concurrency` tasks for `seconds`; prints the figures and checks them.
async fn measure(label: &str, store: &Store, a: &Args) {
    let now = now_ms();
    seed_demo(
        store,
        &SeedOptions {
            customers: 200,
            rng_seed: 1,
            now,
        },
    )
    .await
    .expect("seed");
    let customers: Vec<i64> = sqlx::query_scalar("SELECT id FROM customers ORDER BY id")
        .fetch_all(store.read_pool())
        .await
        .expect("customers");
    let agent = store
        .upsert_agent(
            &NewAgent {
                login: "bench".into(),
                name: "张敏".into(),
                staff_no: "1023".into(),
                sip_user: "1001".into(),
                ha1_md5: "0".repeat(32),
                ha1_sha256: "0".repeat(64),
                team: "repairs".into(),
                role: Role::Agent,
                language: "zh".into(),
                skills: vec![("repair".into(), 5)],
            },
            now,
        )
        .await
        .expect("agent");
    let actors = [Actor::Ivr, Actor::Agent(agent)];
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..a.concurrency)
        .map(|t| {
            let (store, customers) = (store.clone(), customers.clone());
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(t as u64);
                let (mut ok, mut failed, mut times) = (Vec::new(), 0u64, Vec::new());
                while Instant::now() < deadline {
                    let new = NewTicket {
                        kind: KINDS[rng.random_range(0..KINDS.len())].into(),
                        customer_id: Some(customers[rng.random_range(0..customers.len())]),
                        summary: "用户来电反映小区停水，要求尽快处理".into(),
                        reporter_phone: Some(format!(
                            "139{:08}",
                            rng.random_range(0..100_000_000u32)
                        )),
                        ..NewTicket::default()
                    };
                    let actor = actors[rng.random_range(0..actors.len())];
                    let t0 = Instant::now();
                    match store.create_ticket(&new, actor, now_ms()).await {
                        Ok(ticket) => {
                            times.push(t0.elapsed());
                            ok.push(ticket.id);
                        }
                        Err(e) => {
                            failed += 1;
                            if failed <= 3 {
                                eprintln!("create_ticket failed: {e}");
                            }
                        }
                    }
                }
                (ok, failed, times)
            })
        })
        .collect();
    let (mut ids, mut failed, mut times) = (Vec::new(), 0, Vec::new());
    for t in tasks {
        let (ok, f, ts) = t.await.expect("task");
        ids.extend(ok);
        failed += f;
        times.extend(ts);
    }
    let secs = started.elapsed().as_secs_f64();
    times.sort();
    println!(
        "| {label} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {failed} |",
        a.concurrency,
        ids.len(),
        ids.len() as f64 / secs,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
    );
    verify(store, &mut ids).await;
    round_trip(store).await;
}

/// What one statement costs on the write connection, one at a time: a ticket takes four
/// (BEGIN, the ticket with its customer's address and district, its event, COMMIT).
async fn round_trip(store: &Store) {
    let mut times = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let t = Instant::now();
        let _: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(store.write_pool())
            .await
            .expect("select 1");
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "  one statement round trip on the write connection: p50 {:.3} ms, p99 {:.3} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
}

/// Every acknowledged ticket exists once, with exactly one `created` event, and no other
/// ticket does.
async fn verify(store: &Store, ids: &mut [i64]) {
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(store.read_pool())
        .await
        .expect("count");
    let mut created: Vec<i64> = sqlx::query_scalar(
        "SELECT t.id FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id \
         WHERE e.kind = 'created' ORDER BY t.id",
    )
    .fetch_all(store.read_pool())
    .await
    .expect("created events");
    ids.sort_unstable();
    created.dedup();
    assert_eq!(
        tickets as usize,
        ids.len(),
        "tickets in the table vs successful creations"
    );
    assert_eq!(created, ids, "each ticket has its created event");
    println!(
        "  check: {tickets} tickets = {} acknowledged, each with its created event",
        ids.len()
    );
}

async fn sqlite(a: &Args) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-store");
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join(format!("tickets-{}.db", std::process::id()));
    let url = format!("sqlite:{}", db.display());
    let store = Store::open(OpenOptions::new(url), Policy::default())
        .await
        .expect("open sqlite");
    measure("SQLite", &store, a).await;
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

async fn postgres(url: &str, a: &Args) {
    let schema = format!("bench_tickets_{}", std::process::id());
    let mut opts = OpenOptions::new(url.to_string());
    opts.schema = Some(schema.clone());
    opts.connections = a.concurrency as u32;
    let store = Store::open(opts, Policy::default())
        .await
        .expect("open postgres");
    measure("PostgreSQL", &store, a).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(store.write_pool())
        .await
        .expect("drop schema");
    store.close().await;
}

async fn run(a: Args) {
    println!(
        "ticket creation, {} s per backend{}:",
        a.seconds,
        if a.smoke { " (smoke run)" } else { "" }
    );
    println!("| backend | tasks | tickets | tickets/s | p50 ms | p99 ms | max ms | failed |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    sqlite(&a).await;
    if let Some(url) = &a.pg {
        postgres(url, &a).await;
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
