//! Screen pop on a large store, end to end against `hotline serve` (release build): callers
//! who are random customers of a store seeded with N customers (1 million by default, the file
//! of `store_lookup`, kept under `target/bench-store/` and reused) dial the hotline one after
//! another; the IVR identifies each by the calling number and queues it; the one agent of the
//! queue has her softphone registered and her desktop's live event stream open. Per call the
//! benchmark times, from the moment her phone receives the INVITE:
//! - the `offer` event on her stream (negative when it came before the INVITE);
//! - the customer's name on screen: the offer, then `POST /api/customers/search` by account,
//!   as the desktop page does;
//! - the whole account view: then `GET /api/customers/{id}` (12 months of bills, arrears,
//!   readings, tickets, past calls, notices);
//!
//! and checks that the pop named the caller and the customer the caller is. With
//! `--desktops N`, N more desktops (one supervisor in 20) follow the stream for the whole run,
//! each agent changing its not-ready reason every 10 s. Calls follow each other with a pause
//! of `--gap-ms` (100) between one's end and the next.
//!
//! Run: `cargo build --release -p hotline && cargo bench --bench screen_pop -- --customers 1000000 --calls 200 [--desktops 200]`
//! (without `--bench`, as under `cargo test --benches`, a small smoke version).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::desks;
use common::store::{file_size, kept_path, mb, samples, seed_up_to, warm_page_cache};
use hotline_e2e::{identify_and_queue_flow, token, AgentPhone, Caller, Desk, Engine, Events};
use hotline_store::{OpenOptions, Policy, Store};
use serde_json::{json, Value};

mod common;

const QUEUES: &str = "[[acd.queues]]\nname = \"pop\"\nskills = { pop = 1 }\nring_secs = 10\nwrap_up_secs = 0\nannounce_secs = 0\n";

const WAIT: Duration = Duration::from_secs(30);

struct Args {
    customers: u64,
    calls: usize,
    desktops: usize,
    /// Pause between one call's end and the next call.
    gap: Duration,
    db: Option<PathBuf>,
    smoke: bool,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let smoke = !argv.iter().any(|a| a == "--bench");
    let mut a = Args {
        customers: if smoke { 2000 } else { 1_000_000 },
        calls: if smoke { 5 } else { 200 },
        desktops: 0,
        gap: Duration::from_millis(if smoke { 0 } else { 100 }),
        db: None,
        smoke,
    };
    for w in argv.windows(2) {
        match w[0].as_str() {
            "--customers" => a.customers = w[1].parse().expect("--customers N"),
            "--calls" => a.calls = w[1].parse().expect("--calls N"),
            "--desktops" => a.desktops = w[1].parse().expect("--desktops N"),
            "--gap-ms" => a.gap = Duration::from_millis(w[1].parse().expect("--gap-ms N")),
            "--db" => a.db = Some(PathBuf::from(&w[1])),
            _ => {}
        }
    }
    a
}

/// One call's times from the agent's INVITE, in ms.
struct Times {
    offer: f64,
    name: f64,
    view: f64,
}

fn ms_since(t0: Instant, t: Instant) -> f64 {
    if t >= t0 {
        (t - t0).as_secs_f64() * 1e3
    } else {
        -((t0 - t).as_secs_f64() * 1e3)
    }
}

/// The `offer` event, then the lookups the desktop makes on it: (when each was done, the
/// offer, the search result, the account view).
async fn pop(events: &mut Events, desk: &Desk) -> ([Instant; 3], Value, Value, Value) {
    let offer = loop {
        let (name, data) = events.next(WAIT).await.expect("the offer event");
        if name == "offer" {
            break data;
        }
    };
    let t_offer = Instant::now();
    let account = offer["customer_account"].as_str().unwrap_or("").to_string();
    let (status, found) = desk
        .post("/api/customers/search", json!({ "account": account }))
        .await;
    assert_eq!(status, 200, "search: {found}");
    let t_name = Instant::now();
    let id = found[0]["id"].as_i64().expect("the customer found");
    let view = desk.get(&format!("/api/customers/{id}")).await;
    ([t_offer, t_name, Instant::now()], offer, found, view)
}

async fn wait_ready(events: &mut Events) {
    loop {
        let (name, data) = events.next(WAIT).await.expect("back to ready");
        if name == "agent_state" && data["state"]["state"] == "ready" {
            return;
        }
    }
}

fn row(what: &str, mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    format!(
        "| {what} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
        q(0.0),
        q(0.5),
        q(0.9),
        q(0.99),
        q(1.0)
    )
}

async fn run(a: Args) {
    let db = a.db.clone().unwrap_or_else(|| {
        if a.smoke {
            std::env::temp_dir()
                .join(format!("hotline-pop-smoke-{}", token()))
                .join("pop.db")
        } else {
            kept_path(a.customers)
        }
    });
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir).expect("db dir");
    }
    let url = format!("sqlite:{}", db.display());
    let sample = {
        let store = Store::open(OpenOptions::new(url.clone()), Policy::default())
            .await
            .expect("open the store");
        seed_up_to(&store, a.customers).await;
        desks::add_agents(&store, 0..1, &[("pop", 5)]).await;
        desks::add_agents(&store, 1..1 + a.desktops, &[("desk_bench", 5)]).await;
        let customers = store.customer_count().await.expect("count");
        println!(
            "db {}: {} ({customers} customers)",
            db.display(),
            mb(file_size(&db))
        );
        let s = samples(&store, a.calls, 11).await;
        store.close().await;
        s
    };
    warm_page_cache(&db);

    let dir = std::env::temp_dir().join(format!("hotline-pop-{}", token()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).expect("flows dir");
    std::fs::write(
        flows.join("main.yaml"),
        identify_and_queue_flow("pop", "billing"),
    )
    .expect("flow");
    std::fs::write(dir.join("hotline.toml"), QUEUES).expect("config");
    let engine = Engine::start(&[
        (
            "HOTLINE_CONFIG",
            &dir.join("hotline.toml").display().to_string(),
        ),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", &flows.display().to_string()),
        ("HOTLINE_STORE_URL", &url),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "0"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
        ("HOTLINE_LOG_LEVEL", "warn"),
    ]);
    let desk = Desk::login_with(&engine, &desks::login(0), desks::PASSWORD).await;
    let mut events = desk.events().await;
    let mut phone = AgentPhone::registered(&engine, &desks::extension(0), desks::PASSWORD).await;
    wait_ready(&mut events).await;
    let others = desks::connect(&engine, 1, a.desktops, Duration::from_secs(10)).await;

    let mut times = Vec::with_capacity(sample.len());
    let started = Instant::now();
    for (k, s) in sample.iter().enumerate() {
        let (caller, (ring, t_invite), (t, offer, found, view)) = tokio::join!(
            Caller::place(&engine, &s.phone),
            async {
                let ring = phone.rung(WAIT).await;
                (ring, Instant::now())
            },
            pop(&mut events, &desk),
        );
        // The pop is the caller's and the customer the caller is.
        assert_eq!(offer["caller"], s.phone.as_str(), "call {k}: {offer}");
        assert_eq!(offer["customer_account"], s.account.as_str(), "call {k}");
        assert!(
            found
                .as_array()
                .is_some_and(|l| l.iter().any(|c| c["id"] == s.id)),
            "call {k}: {found}"
        );
        assert_eq!(view["customer"]["id"], s.id, "call {k}");
        assert_eq!(
            ring.invite.header("X-Hotline-Call").as_deref(),
            Some(offer["call"].to_string().as_str()),
            "call {k}: the pop and the phone name the same call"
        );
        times.push(Times {
            offer: ms_since(t_invite, t[0]),
            name: ms_since(t_invite, t[1]),
            view: ms_since(t_invite, t[2]),
        });
        let talk = phone.answer(ring).await;
        caller.hang_up().await;
        assert!(phone.take_bye(&talk, WAIT).await, "call {k} ends");
        wait_ready(&mut events).await;
        tokio::time::sleep(a.gap).await;
    }
    let elapsed = started.elapsed();
    let desk_figures = others.stop();

    println!();
    println!(
        "screen pop, {} calls in {:.1} s, {} customers, {} other desktops; ms from the agent's INVITE:",
        times.len(),
        elapsed.as_secs_f64(),
        a.customers,
        a.desktops
    );
    println!("| from the agent's INVITE to | min | p50 | p90 | p99 | max |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "{}",
        row("the offer event", times.iter().map(|t| t.offer).collect())
    );
    println!(
        "{}",
        row(
            "the customer's name (offer + search)",
            times.iter().map(|t| t.name).collect()
        )
    );
    println!(
        "{}",
        row(
            "the whole account view",
            times.iter().map(|t| t.view).collect()
        )
    );
    if a.desktops > 0 {
        println!("{desk_figures}");
    }
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
    if a.smoke {
        if let Some(d) = db.parent() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(a));
}
