//! The desk's ticket lists on a large store: 1,000,000 customers and 500,000 tickets (a year
//! of work orders, those of the last `--open-days` (7) days still open), bulk-inserted by SQL in the database
//! itself (a recursive CTE on SQLite, `generate_series` on PostgreSQL), then each list the
//! desk asks for (`Store::list_tickets`, 50 rows, the order the desk shows: overdue first,
//! then by priority and age), timed one at a time: the desk's default list, open (accepted),
//! overdue, by district, mine (opened or handled by one agent), due within 2 hours.
//! Prints p50/p99/max per list and backend. SQLite in a fresh file under target/, PostgreSQL
//! (`--pg URL`) in a fresh schema, dropped after.
//!
//! Run: `cargo bench --bench ticket_lists -- [--pg URL] [--customers 1000000]
//! [--tickets 500000] [--runs 200] [--open-days 7]` (without `--bench`, as under `cargo test --benches`, a
//! small smoke version).

use hotline_store::seed::{seed_demo, SeedOptions};
use hotline_store::{
    Backend, Millis, NewAgent, OpenOptions, Policy, Priority, Role, Status, Store, TicketFilter,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

struct Args {
    pg: Option<String>,
    customers: u64,
    tickets: u64,
    runs: usize,
    /// Tickets of the last this many days are still open (the rest closed and followed up).
    open_days: u64,
    smoke: bool,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let smoke = !argv.iter().any(|a| a == "--bench");
    let mut a = Args {
        pg: None,
        customers: if smoke { 5_000 } else { 1_000_000 },
        tickets: if smoke { 3_000 } else { 500_000 },
        runs: if smoke { 10 } else { 200 },
        open_days: 7,
        smoke,
    };
    for w in argv.windows(2) {
        match w[0].as_str() {
            "--pg" => a.pg = Some(w[1].clone()),
            "--customers" => a.customers = w[1].parse().expect("--customers N"),
            "--tickets" => a.tickets = w[1].parse().expect("--tickets N"),
            "--runs" => a.runs = w[1].parse::<usize>().expect("--runs N").max(1),
            "--open-days" => {
                a.open_days = w[1].parse::<u64>().expect("--open-days N").clamp(1, 365)
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

const DAY: Millis = 86_400_000;

/// Makes one list's filter (random district or agent where the list has one).
type MakeFilter<'a> = Box<dyn Fn(&mut StdRng) -> TicketFilter + 'a>;
const HOUR: Millis = 3_600_000;

/// `n` rows numbered 1..=n, as the backend writes it.
fn series(backend: Backend, n: u64) -> String {
    match backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
             SELECT i FROM s"
        ),
        Backend::Postgres => {
            format!("SELECT i FROM generate_series(1::bigint, {n}::bigint) AS g(i)")
        }
    }
}

async fn exec(store: &Store, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(store.write_pool())
        .await
        .expect("bulk insert");
}

/// The customers (bare rows: the lists read no bills) and the tickets, in SQL. Ticket `i`:
/// created `i`-th of the year (oldest first), kind, priority, district and agent by `i`; those
/// of the last `open_days` days open (accepted, dispatched, in progress, replied), with
/// deadlines from the kind's limits (on site 45 min or 4 h, reply 3 days), so the older open
/// ones are overdue and some due soon; the rest closed and followed up.
async fn seed(store: &Store, a: &Args, now: Millis, agents: &[i64]) -> (Duration, Duration) {
    let backend = store.backend();
    // Districts (and a few demo customers) from the demo seeder.
    seed_demo(
        store,
        &SeedOptions {
            customers: 20,
            rng_seed: 5,
            now,
        },
    )
    .await
    .expect("seed");
    let districts: Vec<i64> = sqlx::query_scalar("SELECT id FROM districts ORDER BY id")
        .fetch_all(store.read_pool())
        .await
        .expect("districts");
    let nd = districts.len() as u64;
    let d0 = districts.first().copied().expect("districts");
    let t0 = Instant::now();
    let mut done = 0u64;
    while done < a.customers {
        let n = (a.customers - done).min(200_000);
        exec(
            store,
            format!(
                "INSERT INTO customers (account_no, name, address, district_id, language, tier, \
                 credit_flag, credit_note, created_at) \
                 SELECT CAST(5000000000 + {done} + i AS TEXT), '客户' || CAST({done} + i AS TEXT), \
                 '测试路' || CAST(({done} + i) % 999 AS TEXT) || '号', {d0} + ({done} + i) % {nd}, \
                 'zh', 'standard', 'none', '', {now} FROM ({}) AS s",
                series(backend, n)
            ),
        )
        .await;
        done += n;
    }
    let customers = t0.elapsed();
    let first: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM customers WHERE account_no >= '5000000000'")
            .fetch_one(store.read_pool())
            .await
            .expect("first");
    let nc = a.customers.max(1);
    let (na, a0) = (
        agents.len() as u64,
        agents.first().copied().expect("agents"),
    );
    let tn = a.tickets;
    let open_from = tn - tn * a.open_days / 365;
    let year = 365 * DAY;
    let t1 = Instant::now();
    let mut done = 0u64;
    while done < tn {
        let n = (tn - done).min(100_000);
        // k = the ticket's number; created at now - year + k * year / tn.
        let k = format!("({done} + i)");
        let created = format!("({now} - {year} + {k} * {} )", year / tn as i64);
        let kind = format!(
            "CASE {k} % 5 WHEN 0 THEN 'leak' WHEN 1 THEN 'repair' WHEN 2 THEN 'complaint' \
             WHEN 3 THEN 'billing_dispute' ELSE 'meter' END"
        );
        let priority = format!(
            "CASE {k} % 5 WHEN 0 THEN 'urgent' WHEN 1 THEN 'high' WHEN 4 THEN 'normal' \
             ELSE 'normal' END"
        );
        let open = format!("{k} >= {open_from}");
        let status = format!(
            "CASE WHEN {open} THEN (CASE {k} % 4 WHEN 0 THEN 'accepted' WHEN 1 THEN 'dispatched' \
             WHEN 2 THEN 'in_progress' ELSE 'replied' END) ELSE 'followed_up' END"
        );
        // On-site limits: leak 45 min, repair 4 h; reply 3 days; follow-up 2 days after closing.
        let due_on_site = format!(
            "CASE {k} % 5 WHEN 0 THEN {created} + {} WHEN 1 THEN {created} + {} ELSE NULL END",
            45 * 60_000,
            4 * HOUR
        );
        let on_site = format!(
            "CASE WHEN {k} % 5 < 2 AND NOT ({open} AND {k} % 4 < 2) THEN {created} + 1800000 \
             ELSE NULL END"
        );
        let replied = format!(
            "CASE WHEN NOT {open} OR {k} % 4 = 3 THEN {created} + {} ELSE NULL END",
            DAY
        );
        let closed = format!(
            "CASE WHEN NOT {open} THEN {created} + {} ELSE NULL END",
            2 * DAY
        );
        exec(
            store,
            format!(
                "INSERT INTO tickets (kind, priority, status, customer_id, district_id, address, \
                 summary, reporter_phone, reporter_name, created_via, created_by, handled_by, \
                 created_at, updated_at, version, dispatched_at, on_site_at, replied_at, \
                 closed_at, followed_up_at, due_on_site_at, due_reply_at, due_follow_up_at, \
                 escalated, rating) \
                 SELECT {kind}, {priority}, {status}, {first} + ({k} * 7919) % {nc}, \
                 {d0} + ({k} / 7) % {nd}, '测试路' || CAST({k} % 999 AS TEXT) || '号', '用户来电反映', \
                 '', '', 'agent', {a0} + {k} % {na}, {a0} + ({k} / 3) % {na}, {created}, \
                 {created}, 1, {created} + 600000, {on_site}, {replied}, {closed}, \
                 CASE WHEN NOT {open} THEN {created} + {} ELSE NULL END, {due_on_site}, \
                 {created} + {}, CASE WHEN NOT {open} THEN {created} + {} ELSE NULL END, '', \
                 CASE WHEN NOT {open} THEN 1 + {k} % 5 ELSE NULL END FROM ({}) AS s",
                3 * DAY,
                3 * DAY,
                4 * DAY,
                series(backend, n)
            ),
        )
        .await;
        done += n;
    }
    exec(store, "ANALYZE".into()).await;
    (customers, t1.elapsed())
}

async fn measure(label: &str, store: &Store, a: &Args) {
    let now = now_ms();
    let mut agents = Vec::new();
    for i in 0..20 {
        let id = store
            .upsert_agent(
                &NewAgent {
                    login: format!("bench{i}"),
                    name: format!("坐席{i}"),
                    staff_no: format!("{}", 3000 + i),
                    sip_user: format!("{}", 3000 + i),
                    ha1_md5: "0".repeat(32),
                    ha1_sha256: "0".repeat(64),
                    team: "general".into(),
                    role: Role::Agent,
                    language: "zh".into(),
                    skills: vec![("general".into(), 5)],
                },
                now,
            )
            .await
            .expect("agent");
        agents.push(id);
    }
    let (c, t) = seed(store, a, now, &agents).await;
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(store.read_pool())
            .await
            .expect("count")
    };
    let tickets = count("SELECT COUNT(*) FROM tickets").await;
    let customers = count("SELECT COUNT(*) FROM customers").await;
    let open = count("SELECT COUNT(*) FROM tickets WHERE status IN ('accepted', 'dispatched', 'in_progress', 'replied')").await;
    let overdue: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM tickets WHERE (on_site_at IS NULL AND replied_at IS NULL AND \
         due_on_site_at < {now}) OR (replied_at IS NULL AND due_reply_at < {now}) OR \
         (followed_up_at IS NULL AND due_follow_up_at < {now})"
    )))
    .fetch_one(store.read_pool())
    .await
    .expect("overdue");
    println!(
        "  {label}: {customers} customers written in {:.1} s, {tickets} tickets ({open} open, \
         {overdue} overdue) in {:.1} s",
        c.as_secs_f64(),
        t.as_secs_f64()
    );
    let districts: Vec<i64> = sqlx::query_scalar("SELECT id FROM districts ORDER BY id")
        .fetch_all(store.read_pool())
        .await
        .expect("districts");
    let mut rng = StdRng::seed_from_u64(9);
    let lists: [(&str, MakeFilter); 7] = [
        (
            "desk default (all)",
            Box::new(|_| TicketFilter {
                limit: 50,
                ..TicketFilter::default()
            }),
        ),
        (
            "open (accepted)",
            Box::new(|_| TicketFilter {
                status: Some(Status::Accepted),
                limit: 50,
                ..TicketFilter::default()
            }),
        ),
        (
            "overdue",
            Box::new(|_| TicketFilter {
                overdue_only: true,
                limit: 50,
                ..TicketFilter::default()
            }),
        ),
        (
            "by district",
            Box::new(|r| TicketFilter {
                district_id: Some(districts[r.random_range(0..districts.len())]),
                limit: 50,
                ..TicketFilter::default()
            }),
        ),
        (
            "by district, open",
            Box::new(|r| TicketFilter {
                district_id: Some(districts[r.random_range(0..districts.len())]),
                status: Some(Status::Dispatched),
                limit: 50,
                ..TicketFilter::default()
            }),
        ),
        (
            "mine",
            Box::new(|r| TicketFilter {
                agent_id: Some(agents[r.random_range(0..agents.len())]),
                limit: 50,
                ..TicketFilter::default()
            }),
        ),
        (
            "due within 2 h",
            Box::new(move |_| TicketFilter {
                due_before: Some(now + 2 * HOUR),
                priority: None::<Priority>,
                limit: 50,
                ..TicketFilter::default()
            }),
        ),
    ];
    for (name, make) in &lists {
        let mut times = Vec::with_capacity(a.runs);
        let mut rows = 0;
        // One warm-up.
        store
            .list_tickets(&make(&mut rng), now)
            .await
            .expect("list");
        for _ in 0..a.runs {
            let f = make(&mut rng);
            let t0 = Instant::now();
            rows = store.list_tickets(&f, now).await.expect("list").len();
            times.push(t0.elapsed());
        }
        times.sort();
        println!(
            "| {label} | {name} | {rows} | {:.2} | {:.2} | {:.2} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            percentile(&times, 1.0)
        );
    }
}

async fn sqlite(a: &Args) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-store");
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join(format!("lists-{}.db", std::process::id()));
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
    let schema = format!("bench_lists_{}", std::process::id());
    let mut opts = OpenOptions::new(url.to_string());
    opts.schema = Some(schema.clone());
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

#[tokio::main]
async fn main() {
    let a = args();
    println!(
        "the desk's ticket lists, {} customers, {} tickets (open: the last {} days), {} runs each{}:",
        a.customers,
        a.tickets,
        a.open_days,
        a.runs,
        if a.smoke { " (smoke run)" } else { "" }
    );
    println!("| backend | list | rows | p50 ms | p99 ms | max ms |");
    println!("|---|---|---:|---:|---:|---:|");
    sqlite(&a).await;
    if let Some(url) = a.pg.clone() {
        postgres(&url, &a).await;
    }
}
