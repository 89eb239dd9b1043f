//! A dispatch reaching the district crews' open pages, end to end against `hotline serve`
//! (release build): `--pages` (200) crew pages of one district follow `GET /api/crew/events`
//! the way `/crew` does (one crew account per page, each its own login and stream); a desk
//! agent opens a ticket and dispatches it to that district through the API, `--dispatches`
//! (100) times with `--gap-ms` (200) between them. Per page and dispatch the benchmark times,
//! from the moment before `POST /api/tickets/{id}/transitions` is sent, the arrival of the
//! `ticket` event whose `what` is `dispatch` for that ticket, and checks that every page got
//! every dispatch exactly once. Prints p50/p99/max of those times, of the dispatch request
//! itself, and the engine's CPU and memory.
//!
//! The store is a fresh SQLite file with `--customers` (10,000) demo customers, or with
//! `--db FILE` a copy of a store file (e.g. `report_month`'s, with 500,000 tickets and the
//! roll-ups' triggers; its overdue tickets are escalated before the engine starts, as a live
//! engine escalates each when it falls due).
//!
//! Run: `cargo build --release -p hotline && cargo bench --bench crew_dispatch -- [--pages 200]
//! [--dispatches 100] [--gap-ms 200] [--db FILE]` (without `--bench`, as under
//! `cargo test --benches`, a small smoke version).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{percentile, proc_cpu_ticks, proc_rss_kib};
use hotline_e2e::{digest, token, Desk, Engine, Events};
use hotline_store::seed::{seed_demo, SeedOptions};
use hotline_store::{NewAgent, OpenOptions, Policy, Role, Store};
use serde_json::json;
use tokio::sync::Mutex;

mod common;

const PASSWORD: &str = "crew-bench-pw";
const WAIT: Duration = Duration::from_secs(60);

struct Args {
    pages: usize,
    dispatches: usize,
    gap: Duration,
    customers: u64,
    db: Option<PathBuf>,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let smoke = !argv.iter().any(|a| a == "--bench");
    let mut a = Args {
        pages: if smoke { 5 } else { 200 },
        dispatches: if smoke { 3 } else { 100 },
        gap: Duration::from_millis(if smoke { 0 } else { 200 }),
        customers: if smoke { 500 } else { 10_000 },
        db: None,
    };
    for w in argv.windows(2) {
        match w[0].as_str() {
            "--pages" => a.pages = w[1].parse().expect("--pages N"),
            "--dispatches" => a.dispatches = w[1].parse().expect("--dispatches N"),
            "--gap-ms" => a.gap = Duration::from_millis(w[1].parse().expect("--gap-ms N")),
            "--customers" => a.customers = w[1].parse().expect("--customers N"),
            "--db" => a.db = Some(PathBuf::from(&w[1])),
            _ => {}
        }
    }
    a
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn agent(login: String, sip_user: String, role: Role) -> NewAgent {
    use digest::Algorithm;
    NewAgent {
        name: format!("{login} bench"),
        staff_no: format!("S-{login}"),
        ha1_md5: digest::ha1(Algorithm::Md5, &sip_user, "hotline", PASSWORD),
        ha1_sha256: digest::ha1(Algorithm::Sha256, &sip_user, "hotline", PASSWORD),
        login,
        sip_user,
        team: "bench".into(),
        role,
        language: "zh".into(),
        skills: vec![],
    }
}

/// The store the engine starts on: customers (and so districts), the desk agent and one crew
/// account per page, all in the first district. Returns the district's id.
async fn prepare(url: &str, a: &Args) -> i64 {
    let store = Store::open(OpenOptions::new(url.to_string()), Policy::default())
        .await
        .expect("store");
    let t = Instant::now();
    let seeded = seed_demo(
        &store,
        &SeedOptions {
            customers: a.customers,
            rng_seed: 7,
            now: now_ms(),
        },
    )
    .await
    .expect("seed");
    println!(
        "seeded {} customers in {:.1} s",
        seeded.customers,
        t.elapsed().as_secs_f64()
    );
    let district = store.districts().await.expect("districts")[0].id;
    store
        .upsert_agent(&agent("crewdesk".into(), "39999".into(), Role::Agent), 0)
        .await
        .expect("desk agent");
    for i in 0..a.pages {
        let crew = agent(format!("crew{i}"), format!("{}", 38000 + i), Role::Crew);
        store
            .upsert_crew(&crew, district, 0)
            .await
            .expect("crew account");
    }
    if a.db.is_some() {
        let t = Instant::now();
        let done = store.escalate_overdue(now_ms()).await.expect("escalation");
        println!(
            "escalated {} overdue milestones of the file's tickets in {:.1} s before the run",
            done.len(),
            t.elapsed().as_secs_f64()
        );
    }
    store.close().await;
    district
}

/// Waits for the stream's `ticket` events that are dispatches; records each ticket's arrival.
async fn follow(
    mut events: Events,
    want: usize,
    seen: Arc<Mutex<Vec<HashMap<i64, Instant>>>>,
    k: usize,
) {
    let mut mine = HashMap::new();
    while mine.len() < want {
        let Some((name, ev)) = events.next(WAIT).await else {
            break;
        };
        if name == "ticket" && ev["what"] == "dispatch" {
            let id = ev["ticket"]["id"].as_i64().unwrap_or(0);
            assert!(
                mine.insert(id, Instant::now()).is_none(),
                "page {k} got ticket {id}'s dispatch twice"
            );
        }
    }
    seen.lock().await[k] = mine;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let dir = std::env::temp_dir().join(format!("hotline-crew-bench-{}", token()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let db = dir.join("store.db");
    if let Some(from) = &a.db {
        std::fs::copy(from, &db).expect("copy the store file");
    }
    let url = format!("sqlite:{}", db.display());
    let district = prepare(&url, &a).await;

    let mut engine = Engine::start(&[
        ("HOTLINE_STORE_URL", &url),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "0"),
        ("HOTLINE_LOG_LEVEL", "warn"),
    ]);
    let pid = engine.pid();
    let desk = Desk::login_with(&engine, "crewdesk", PASSWORD).await;

    // Every page: its crew logged in, its stream open and its first list read.
    let seen = Arc::new(Mutex::new(vec![HashMap::new(); a.pages]));
    let mut readers = Vec::with_capacity(a.pages);
    for k in 0..a.pages {
        let crew = Desk::login_with(&engine, &format!("crew{k}"), PASSWORD).await;
        let mut events = crew.stream("/api/crew/events").await;
        let (name, _) = events.next(WAIT).await.expect("the crew's list");
        assert_eq!(name, "tickets", "page {k}: the list comes first");
        readers.push(tokio::spawn(follow(events, a.dispatches, seen.clone(), k)));
    }
    println!("{} crew pages open", a.pages);

    let (cpu0, t0) = (proc_cpu_ticks(pid), Instant::now());
    let mut sent = HashMap::new();
    let mut requests = Vec::with_capacity(a.dispatches);
    for i in 0..a.dispatches {
        let (status, t) = desk
            .post(
                "/api/tickets",
                json!({"kind": "leak", "summary": format!("漏水 {i}"), "address": format!("测试路{i}号")}),
            )
            .await;
        assert_eq!(status, 201, "ticket {i}: {t}");
        let id = t["id"].as_i64().expect("ticket id");
        let at = Instant::now();
        let (status, body) = desk
            .post(
                &format!("/api/tickets/{id}/transitions"),
                json!({"action": "dispatch", "district_id": district}),
            )
            .await;
        requests.push(at.elapsed());
        assert_eq!(status, 200, "dispatch {i}: {body}");
        sent.insert(id, at);
        tokio::time::sleep(a.gap).await;
    }
    for r in readers {
        r.await.expect("a page's reader");
    }
    let wall = t0.elapsed();
    let cpu = proc_cpu_ticks(pid).saturating_sub(cpu0) as f64 / 100.0;

    let mut lat = Vec::with_capacity(a.pages * a.dispatches);
    let mut missed = 0usize;
    for (k, page) in seen.lock().await.iter().enumerate() {
        for (id, t) in &sent {
            match page.get(id) {
                Some(at) => lat.push(at.duration_since(*t).as_micros() as u32),
                None => {
                    missed += 1;
                    eprintln!("page {k} never got ticket {id}'s dispatch");
                }
            }
        }
    }
    lat.sort_unstable();
    let mut req: Vec<u32> = requests.iter().map(|d| d.as_micros() as u32).collect();
    req.sort_unstable();
    let ms = |us: u32| us as f64 / 1000.0;
    println!(
        "pages={} dispatches={} deliveries={} missed={missed} dispatch_to_page p50={:.1}ms p99={:.1}ms max={:.1}ms \
         dispatch_request p50={:.1}ms p99={:.1}ms engine_cpu={:.0}% engine_rss={} MiB",
        a.pages,
        a.dispatches,
        lat.len(),
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
        ms(lat.last().copied().unwrap_or(0)),
        ms(percentile(&req, 0.5)),
        ms(percentile(&req, 0.99)),
        100.0 * cpu / wall.as_secs_f64(),
        proc_rss_kib(pid) / 1024,
    );
    assert!(engine.alive(), "the engine died");
    assert_eq!(missed, 0, "every page gets every dispatch");
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}
