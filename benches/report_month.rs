//! A month's report over a large store: 1,000,000 call records (with their call reasons) and
//! 500,000 tickets in one month (December 2026, Asia/Shanghai), on SQLite (a file kept under
//! `target/bench-report/` and reused) and, with `--pg URL`, on PostgreSQL (a schema of its
//! own, kept and reused). Seeds with multi-row INSERTs in time order (as the call log writes
//! records and the desk opens tickets), then times the monthly report (one
//! period) and the daily report over the same month (31 periods), each `--rounds` times, as
//! `GET /api/reports/…` builds them with the queues' thresholds kept (the engine's start
//! does it): the calls' and the tickets' figures from their hourly roll-ups, combined by the
//! pure report builder. Prints the time the roll-ups took to
//! recompute for the thresholds, the reports' times, the rows per second and the load
//! average; after the last round of each, builds the same report from the call records in
//! SQL and row by row (the reference, `build_report_by_rows`) and checks the three are equal
//! (`--no-compare` skips it).
//!
//! Then what the roll-ups' triggers cost the call log's writes (`record_writes`).
//!
//! Run: `cargo bench --bench report_month -- [--calls 1000000] [--tickets 500000]
//! [--pg postgres://postgres@127.0.0.1:5432/test] [--rounds 3] [--no-compare] [--writes 5000]`
//! (without `--bench`, as under `cargo test --benches`, it runs a small smoke version).

use hotline_store::report::{Builder, Period, Rules};
use hotline_store::{Millis, NewAgent, NewDistrict, OpenOptions, Policy, Role, Store};
use hotline_time::{CivilDate, Zone};
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Args {
    calls: u64,
    tickets: u64,
    pg: Option<String>,
    rounds: usize,
    smoke: bool,
    /// Skip the row-by-row reference report (slow) that the last round is compared with.
    no_compare: bool,
    /// Calls recorded one at a time with and without the roll-ups' triggers.
    writes: u64,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let smoke = !argv.iter().any(|a| a == "--bench");
    let mut a = Args {
        calls: if smoke { 20_000 } else { 1_000_000 },
        tickets: if smoke { 10_000 } else { 500_000 },
        pg: None,
        rounds: if smoke { 1 } else { 3 },
        smoke,
        no_compare: argv.iter().any(|a| a == "--no-compare"),
        writes: if smoke { 200 } else { 5_000 },
    };
    for w in argv.windows(2) {
        match w[0].as_str() {
            "--calls" => a.calls = w[1].parse().expect("--calls N"),
            "--tickets" => a.tickets = w[1].parse().expect("--tickets N"),
            "--rounds" => a.rounds = w[1].parse().expect("--rounds N"),
            "--writes" => a.writes = w[1].parse().expect("--writes N"),
            "--pg" => a.pg = Some(w[1].clone()),
            _ => {}
        }
    }
    a
}

const DAY: Millis = 86_400_000;
const QUEUES: [&str; 4] = ["general", "billing", "repairs", "key_accounts"];
const REASONS: [&str; 6] = [
    "billing/query",
    "billing/dispute",
    "repair/leak",
    "repair/meter",
    "complaint/attitude",
    "info/outage",
];
const KINDS: [&str; 4] = ["leak", "meter_fault", "billing_dispute", "inquiry"];

fn zone() -> Zone {
    Zone::named("Asia/Shanghai").expect("zone")
}

fn month_start() -> Millis {
    zone().day_start(CivilDate {
        year: 2026,
        month: 12,
        day: 1,
    })
}

/// A small deterministic generator (the same data on every run).
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

async fn count(store: &Store, table: &str) -> u64 {
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(store.write_pool())
        .await
        .expect("count");
    n as u64
}

async fn exec(store: &Store, sql: String) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(store.write_pool())
        .await
        .expect("insert");
}

/// Agents and districts for the rows to point at; their ids.
async fn people(store: &Store) -> (Vec<i64>, Vec<i64>) {
    let mut agents = Vec::new();
    for i in 0..50 {
        let id = store
            .upsert_agent(
                &NewAgent {
                    login: format!("bench{i}"),
                    name: format!("坐席{i}"),
                    staff_no: format!("B{i:03}"),
                    sip_user: format!("{}", 5000 + i),
                    ha1_md5: "0".repeat(32),
                    ha1_sha256: "0".repeat(64),
                    team: "billing".into(),
                    role: Role::Agent,
                    language: "zh".into(),
                    skills: vec![],
                },
                month_start(),
            )
            .await
            .expect("agent");
        agents.push(id);
    }
    let mut districts: Vec<i64> = sqlx::query_scalar("SELECT id FROM districts ORDER BY id")
        .fetch_all(store.write_pool())
        .await
        .expect("districts");
    for i in districts.len()..10 {
        let id = store
            .insert_district(&NewDistrict {
                code: format!("bench{i}"),
                name: format!("区{i}"),
                service_centre: format!("营业所{i}"),
                dispatch_contact: "班长".into(),
                dispatch_phone: "02000000000".into(),
            })
            .await
            .expect("district");
        districts.push(id);
    }
    (agents, districts)
}

async fn seed(store: &Store, a: &Args) {
    let (agents, districts) = people(store).await;
    let have = count(store, "calls").await;
    let start = month_start();
    let span = 31 * DAY;
    let mut g = Gen(2026);
    if have < a.calls {
        let t = Instant::now();
        let mut i = have;
        while i < a.calls {
            let n = 500.min(a.calls - i);
            let mut calls = String::from(
                "INSERT INTO calls (call_ref, caller, dialled, started_at, ivr_ended_at, ended_at, \
                 queue, agent_id, disposition, wait_ms, talk_ms, hold_ms, wrapup_ms, survey_score) VALUES ",
            );
            let mut reasons = String::from(
                "INSERT INTO call_reasons (call_ref, code, source, agent_id, at) VALUES ",
            );
            let mut any_reason = false;
            for k in 0..n {
                // Records are written as calls end: in time order, as here.
                let at = start + ((i + k) as i64) * (span / a.calls as i64) + g.below(1000) as i64;
                let r = g.below(100);
                let queue = QUEUES[g.below(4) as usize];
                let agent = agents[g.below(agents.len() as u64) as usize];
                let wait = g.below(90_000) as i64;
                let (q, ag, disp, talk, score) = match r {
                    0..=19 => (
                        "NULL".to_string(),
                        "NULL".to_string(),
                        "self_served",
                        "NULL".to_string(),
                        "NULL".to_string(),
                    ),
                    20..=29 => (
                        format!("'{queue}'"),
                        "NULL".to_string(),
                        "abandoned_in_queue",
                        "NULL".to_string(),
                        "NULL".to_string(),
                    ),
                    _ => (
                        format!("'{queue}'"),
                        agent.to_string(),
                        "answered",
                        (30_000 + g.below(400_000)).to_string(),
                        if r.is_multiple_of(3) {
                            (1 + g.below(5)).to_string()
                        } else {
                            "NULL".to_string()
                        },
                    ),
                };
                let sep = if k == 0 { "" } else { "," };
                calls.push_str(&format!(
                    "{sep}('bench-{}', '138{:08}', '96655', {at}, {}, {}, {q}, {ag}, '{disp}', {wait}, {talk}, 0, 10000, {score})",
                    i + k,
                    g.below(100_000_000),
                    at + 20_000,
                    at + 400_000,
                ));
                if disp == "answered" {
                    let code = REASONS[g.below(REASONS.len() as u64) as usize];
                    let sep = if any_reason { "," } else { "" };
                    reasons.push_str(&format!(
                        "{sep}('bench-{}', '{code}', 'agent', {ag}, {at})",
                        i + k
                    ));
                    any_reason = true;
                }
            }
            let mut sql = calls;
            sql.push(';');
            if any_reason {
                sql.push_str(&reasons);
                sql.push(';');
            }
            exec(store, format!("BEGIN; {sql} COMMIT;")).await;
            i += n;
            if i % 100_000 == 0 {
                println!(
                    "  calls: {i} ({:.0}/s)",
                    (i - have) as f64 / t.elapsed().as_secs_f64()
                );
            }
        }
        println!(
            "seeded {} calls in {:.1} s",
            a.calls - have,
            t.elapsed().as_secs_f64()
        );
    }
    let have = count(store, "tickets").await;
    if have < a.tickets {
        let t = Instant::now();
        let mut i = have;
        while i < a.tickets {
            let n = 500.min(a.tickets - i);
            let mut sql = String::from(
                "INSERT INTO tickets (kind, priority, status, district_id, address, summary, \
                 created_via, created_at, updated_at, on_site_at, replied_at, closed_at, \
                 due_on_site_at, due_reply_at) VALUES ",
            );
            for k in 0..n {
                let at =
                    start + ((i + k) as i64) * (span / a.tickets as i64) + g.below(1000) as i64;
                let kind = KINDS[g.below(4) as usize];
                let district = districts[g.below(districts.len() as u64) as usize];
                let done = g.below(10) < 7;
                let (status, on_site, replied, closed) = if done {
                    let on = at + g.below(4 * 3_600_000) as i64;
                    (
                        "closed",
                        on.to_string(),
                        (on + 3_600_000).to_string(),
                        (on + 7_200_000).to_string(),
                    )
                } else {
                    ("accepted", "NULL".into(), "NULL".into(), "NULL".into())
                };
                let sep = if k == 0 { "" } else { "," };
                sql.push_str(&format!(
                    "{sep}('{kind}', 'normal', '{status}', {district}, '人民路{k}号', '基准工单', 'agent', \
                     {at}, {at}, {on_site}, {replied}, {closed}, {}, {})",
                    at + 2 * 3_600_000,
                    at + 24 * 3_600_000,
                ));
            }
            exec(store, format!("BEGIN; {sql}; COMMIT;")).await;
            i += n;
        }
        println!(
            "seeded {} tickets in {:.1} s",
            a.tickets - have,
            t.elapsed().as_secs_f64()
        );
    }
}

/// Each queue's service level and short-abandon thresholds, as an engine's configuration
/// gives them.
fn rules() -> Rules {
    let mut r = Rules::default();
    for (q, sl, short) in [
        ("general", 20, 5),
        ("billing", 30, 10),
        ("repairs", 15, 2),
        ("key_accounts", 10, 3),
    ] {
        r.queues.insert(
            q.into(),
            hotline_store::StatsRule {
                service_level_ms: sl * 1000,
                short_abandon_ms: short * 1000,
            },
        );
    }
    r
}

async fn measure(name: &str, store: &Store, a: &Args) {
    seed(store, a).await;
    if name == "PostgreSQL" {
        // The planner's statistics, as autovacuum keeps them on a live database (right after
        // seeding a million rows they may not be there yet, and the planner then sorts
        // groups on disk instead of hashing them).
        exec(store, "ANALYZE".into()).await;
    }
    let calls = count(store, "calls").await;
    let tickets = count(store, "tickets").await;
    println!("{name}: {calls} call records, {tickets} tickets");
    let dec = |day| CivilDate {
        year: 2026,
        month: 12,
        day,
    };
    let now = month_start() + 40 * DAY;
    // The queues' thresholds, as an engine keeps them at its start: the roll-ups are
    // recomputed over every record when they changed (not on a reused store).
    let t = Instant::now();
    let recomputed = store.set_report_rules(&rules()).await.expect("rules");
    if recomputed {
        println!(
            "{name}: hourly roll-ups recomputed for the queues' thresholds in {:.3} s",
            t.elapsed().as_secs_f64()
        );
    }
    for (label, period) in [
        ("monthly (1 period)", Period::Monthly),
        ("daily (31 periods)", Period::Daily),
    ] {
        for round in 1..=a.rounds {
            let b = Builder::new(zone(), period, dec(1), dec(31), rules());
            let t = Instant::now();
            let cpu = cpu_secs();
            let r = store.build_report(b, now).await.expect("report");
            let secs = t.elapsed().as_secs_f64();
            // On SQLite the database's work is this process's (its connections' threads).
            let cpu = cpu_secs() - cpu;
            let offered: i64 = r.periods.iter().map(|p| p.ivr.calls).sum();
            let created: i64 = r.periods.iter().map(|p| p.tickets.created).sum();
            assert_eq!(
                offered as u64, calls,
                "every call of the month in the report"
            );
            assert_eq!(
                created as u64, tickets,
                "every ticket of the month in the report"
            );
            println!(
                "{name}: {label} round {round}: {:.3} s ({:.0} rows/s; this process's CPU {:.2} s; load average {})",
                secs,
                (calls + tickets) as f64 / secs,
                cpu,
                load()
            );
            if round == a.rounds && !a.no_compare {
                // The same report from the call records, aggregated in SQL: thresholds that
                // are not the kept ones (one more queue, which took no calls) make the store
                // read the call records instead of their roll-ups (the tickets' roll-up
                // depends on no threshold and serves both); equal figures.
                let mut other = rules();
                other.queues.insert("no_calls".into(), other.default);
                let b = Builder::new(zone(), period, dec(1), dec(31), other);
                let t = Instant::now();
                let raw = store.build_report(b, now).await.expect("report");
                println!(
                    "{name}: {label} from the call records in SQL: {:.3} s, {}",
                    t.elapsed().as_secs_f64(),
                    if raw == r { "equal" } else { "DIFFERENT" }
                );
                assert!(raw == r, "the roll-ups' report differs from the records'");
                // The same report built row by row (the reference): equal figures.
                let b = Builder::new(zone(), period, dec(1), dec(31), rules());
                let t = Instant::now();
                let rows = store.build_report_by_rows(b, now).await.expect("report");
                println!(
                    "{name}: {label} row by row (the reference): {:.3} s, {}",
                    t.elapsed().as_secs_f64(),
                    if rows == r { "equal" } else { "DIFFERENT" }
                );
                assert!(
                    rows == r,
                    "the SQL-aggregated report differs from the row-by-row one"
                );
            }
        }
    }
}

/// This process's CPU time (user + system) in seconds, from `/proc/self/stat` (100 ticks/s).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces) start at the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the ')'.
    (ticks(11) + ticks(12)) / 100.0
}

/// The machine's load average over the last minute (`/proc/loadavg`).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn kept(a: &Args) -> PathBuf {
    let dir = if a.smoke {
        std::env::temp_dir().join(format!("hotline-report-smoke-{}", std::process::id()))
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-report")
    };
    std::fs::create_dir_all(&dir).expect("dir");
    dir.join(format!("report-{}-{}.db", a.calls, a.tickets))
}

/// The pure builder alone over `calls` rows made in memory: its share of a report's time.
fn builder_alone(calls: u64) {
    use hotline_store::report::CallRow;
    let start = month_start();
    let span = 31 * DAY;
    let mut g = Gen(7);
    let rows: Vec<CallRow> = (0..calls)
        .map(|i| CallRow {
            started_at: start + (i as i64) * (span / calls as i64),
            queue: Some(QUEUES[g.below(4) as usize].to_string()),
            agent_id: Some(g.below(50) as i64),
            district_id: Some(g.below(10) as i64),
            disposition: Some("answered".into()),
            ivr: true,
            wait_ms: Some(g.below(90_000) as i64),
            talk_ms: Some(100_000),
            hold_ms: Some(0),
            wrapup_ms: Some(10_000),
            survey_score: None,
            reasons: vec![REASONS[g.below(6) as usize].to_string()],
            flows: vec!["main".into(), "bills".into()],
        })
        .collect();
    let dec = |day| CivilDate {
        year: 2026,
        month: 12,
        day,
    };
    let mut b = Builder::new(zone(), Period::Monthly, dec(1), dec(31), Rules::default());
    let t = Instant::now();
    for r in &rows {
        b.add_call(r);
    }
    let report = b.finish();
    println!(
        "builder alone: {calls} call rows in {:.3} s ({} offered)",
        t.elapsed().as_secs_f64(),
        report.periods.first().map_or(0, |p| p.calls.offered)
    );
}

#[tokio::main]
async fn main() {
    let a = args();
    builder_alone(a.calls);
    let db = kept(&a);
    let store = Store::open(
        OpenOptions::new(format!("sqlite:{}", db.display())),
        Policy::default(),
    )
    .await
    .expect("open sqlite");
    measure("SQLite", &store, &a).await;
    store.close().await;
    if a.smoke {
        let _ = std::fs::remove_dir_all(db.parent().expect("dir"));
    }
    let scratch = std::env::temp_dir().join(format!("hotline-writes-{}.db", std::process::id()));
    let store = Store::open(
        OpenOptions::new(format!("sqlite:{}", scratch.display())),
        Policy::default(),
    )
    .await
    .expect("open sqlite");
    record_writes("SQLite", &store, &a).await;
    store.close().await;
    for f in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{f}", scratch.display()));
    }
    if let Some(url) = a.pg.clone() {
        let mut opts = OpenOptions::new(url.clone());
        opts.schema = Some(format!("bench_report_{}_{}", a.calls, a.tickets));
        opts.connections = 4;
        let store = Store::open(opts, Policy::default())
            .await
            .expect("open postgres");
        measure("PostgreSQL", &store, &a).await;
        store.close().await;
        let mut opts = OpenOptions::new(url);
        let schema = format!("bench_writes_{}", std::process::id());
        opts.schema = Some(schema.clone());
        let store = Store::open(opts, Policy::default())
            .await
            .expect("open postgres");
        record_writes("PostgreSQL", &store, &a).await;
        exec(&store, format!("DROP SCHEMA {schema} CASCADE")).await;
        store.close().await;
    }
}

/// What the roll-ups' triggers cost the call log: `--writes` calls recorded one statement at
/// a time as the call log does (opened, finished with their final record, then their wrap-up),
/// on a fresh store with the triggers, then the same number with the triggers dropped.
async fn record_writes(name: &str, store: &Store, a: &Args) {
    use hotline_store::{CallUpdate, Disposition, NewCall};
    let start = month_start();
    let mut g = Gen(11);
    let mut round = |label: &'static str, first: u64| {
        let store = store.clone();
        let mut picks: Vec<(u64, u64, u64)> = (0..a.writes)
            .map(|_| (g.below(4), g.below(60_000), g.below(600_000)))
            .collect();
        async move {
            let t = Instant::now();
            for (i, (q, wait, talk)) in picks.drain(..).enumerate() {
                let n = first + i as u64;
                let at = start + n as i64 * 1000;
                let id = store
                    .start_call(&NewCall {
                        call_ref: format!("w{n}"),
                        caller: format!("139{n:08}"),
                        dialled: "96655".into(),
                        started_at: at,
                    })
                    .await
                    .expect("start")
                    .id;
                let done = CallUpdate {
                    ivr_ended_at: Some(at + 20_000),
                    ivr_path: Some(vec!["main/start".into(), "main/menu".into()]),
                    queued_at: Some(at + 20_000),
                    queue: Some(QUEUES[q as usize].into()),
                    answered_at: Some(at + 20_000 + wait as i64),
                    wait_ms: Some(wait as i64),
                    talk_ms: Some(talk as i64),
                    ended_at: Some(at + 30_000 + (wait + talk) as i64),
                    disposition: Some(Disposition::Answered),
                    ..CallUpdate::default()
                };
                store.set_call_fields(id, &done).await.expect("end");
                let wrap = CallUpdate {
                    wrapup_ms: Some(15_000),
                    ..CallUpdate::default()
                };
                store.set_call_fields(id, &wrap).await.expect("wrap-up");
            }
            let secs = t.elapsed().as_secs_f64();
            println!(
                "{name}: call-log writes {label}: {} calls (3 statements each) in {:.3} s, {:.0} calls/s",
                a.writes,
                secs,
                a.writes as f64 / secs
            );
        }
    };
    round("with the roll-ups' triggers", 0).await;
    let pg = name == "PostgreSQL";
    for (trigger, table) in [
        ("calls_roll_insert", "calls"),
        ("calls_roll_update", "calls"),
        ("calls_roll_delete", "calls"),
    ] {
        let on = if pg {
            format!(" ON {table}")
        } else {
            String::new()
        };
        exec(store, format!("DROP TRIGGER {trigger}{on}")).await;
    }
    round("without them", a.writes).await;
}
