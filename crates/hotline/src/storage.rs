//! The store as the engine runs it: where the database is, the rules taken from the
//! configuration, the demo data a fresh checkout starts with, and the background work
//! (escalating missed ticket deadlines, keeping the registrar's accounts in step with the
//! agents in the store).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hotline_sip::digest::{self, Algorithm};
use hotline_sip::UserCredentials;
use hotline_store::incidents::IncidentRule;
use hotline_store::lifecycle::Limits;
use hotline_store::seed::{seed_demo, SeedOptions};
use hotline_store::{KindPolicy, Millis, NewAgent, OpenOptions, Policy, Priority, Role, Store};
use rand::Rng;
use tracing::{info, warn};

use crate::config::Config;

/// How often old webhook deliveries are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Wall-clock time in Unix milliseconds (the store's time; read here, in the shell).
pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// The database URL: configured, else SQLite in the data directory.
pub fn url(cfg: &Config) -> String {
    if cfg.store.url.is_empty() {
        format!("sqlite:{}", cfg.data.dir.join("hotline.db").display())
    } else {
        cfg.store.url.clone()
    }
}

/// The store's rules from the configuration.
pub fn policy(cfg: &Config) -> Policy {
    const MIN: Millis = 60_000;
    const HOUR: Millis = 60 * MIN;
    let limit = |v: u64, unit: Millis| (v > 0).then(|| v as Millis * unit);
    let kinds = cfg
        .tickets
        .kinds
        .iter()
        .map(|(name, k)| {
            let policy = KindPolicy {
                default_priority: Priority::parse(&k.priority).unwrap_or(Priority::Normal),
                limits: Limits {
                    on_site: limit(k.on_site_mins, MIN),
                    reply: limit(k.reply_hours, HOUR),
                    follow_up: limit(k.follow_up_hours, HOUR),
                },
                follow_up: k.follow_up_hours > 0,
                auto_dispatch: k.auto_dispatch,
            };
            (name.clone(), policy)
        })
        .collect();
    let mut p = Policy {
        kinds,
        // Validated at start; the default only if a caller skipped validation.
        zone: cfg.centre.zone().unwrap_or_default(),
        ..Policy::default()
    };
    p.follow_up.max_attempts = i64::from(cfg.tickets.follow_up_max_attempts);
    p.escalation_multiple = i64::try_from(cfg.tickets.escalation_multiple).unwrap_or(i64::MAX);
    p.follow_up.retry_after = cfg.tickets.follow_up_retry_mins as Millis * MIN;
    p.late_fee.daily_rate_ppm = i64::from(cfg.billing.late_fee_daily_ppm);
    p.late_fee.grace_days = i64::from(cfg.billing.late_fee_grace_days);
    p.late_fee.cap_percent = i64::from(cfg.billing.late_fee_cap_percent);
    p.reading.factor = cfg.billing.reading_query_factor;
    p.reading.min_usual_per_month = i64::from(cfg.billing.reading_min_usual);
    p.token_ttl = cfg.http.token_ttl_hours as Millis * HOUR;
    p.incidents = (cfg.tickets.incident_threshold > 0).then(|| IncidentRule {
        threshold: cfg.tickets.incident_threshold as usize,
        window_ms: Millis::try_from(cfg.tickets.incident_window_mins)
            .unwrap_or(Millis::MAX / MIN)
            .saturating_mul(MIN),
    });
    p
}

/// Opens and migrates the store.
pub async fn open(cfg: &Config) -> Result<Store, String> {
    std::fs::create_dir_all(&cfg.data.dir)
        .map_err(|e| format!("data.dir {}: {e}", cfg.data.dir.display()))?;
    let mut opts = OpenOptions::new(url(cfg));
    opts.connections = cfg.store.connections;
    let store = Store::open(opts, policy(cfg))
        .await
        .map_err(|e| format!("store.url: {e}"))?;
    info!(backend = ?store.backend(), "store open and migrated");
    Ok(store)
}

/// An agent for the store with HA1 hashes of `password` over `realm`.
#[allow(clippy::too_many_arguments)]
pub fn new_agent(
    login: &str,
    name: &str,
    staff_no: &str,
    sip_user: &str,
    password: &str,
    realm: &str,
    role: Role,
    team: &str,
    skills: Vec<(String, i64)>,
) -> NewAgent {
    NewAgent {
        login: login.into(),
        name: name.into(),
        staff_no: staff_no.into(),
        sip_user: sip_user.into(),
        ha1_md5: digest::ha1(Algorithm::Md5, sip_user, realm, password),
        ha1_sha256: digest::ha1(Algorithm::Sha256, sip_user, realm, password),
        team: team.into(),
        role,
        language: "zh".into(),
        skills,
    }
}

/// The demo floor: (login, name, staff number, extension, role, team, skills).
type DemoAgent = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Role,
    &'static str,
    &'static [(&'static str, i64)],
);
const DEMO_AGENTS: &[DemoAgent] = &[
    (
        "zhangmin",
        "张敏",
        "1023",
        "1001",
        Role::Agent,
        "billing",
        &[("billing", 8), ("general", 6)],
    ),
    (
        "liqiang",
        "李强",
        "1024",
        "1002",
        Role::Agent,
        "repair",
        &[("repair", 7), ("general", 7)],
    ),
    (
        "wangfang",
        "王芳",
        "1025",
        "1003",
        Role::Agent,
        "key_accounts",
        &[("key_account", 9), ("billing", 6), ("general", 5)],
    ),
    (
        "chenjing",
        "陈静",
        "1026",
        "1004",
        Role::Agent,
        "general",
        &[("general", 8), ("english", 7)],
    ),
    (
        "zhaolei",
        "赵磊",
        "2001",
        "1009",
        Role::Supervisor,
        "floor",
        &[
            ("general", 9),
            ("billing", 9),
            ("repair", 9),
            ("key_account", 9),
        ],
    ),
    // A quality evaluator (no skills: never offered calls): scores recorded calls on /wall/qa.
    ("sunli", "孙丽", "3001", "1010", Role::Qa, "quality", &[]),
];

/// Seeds demo agents (random passwords, written to `<data.dir>/demo-agents.txt`) when the
/// store has none, and `customers` demo customers when it has no customers.
/// Keeps the queues' service-level and short-abandon thresholds for the reports' hourly
/// roll-ups, recomputing them when the thresholds changed (said in the log, with the time it
/// took). A failure is logged: reports then read the call records, slower but right.
pub async fn keep_report_rules(store: &Store, queues: &[hotline_acd::QueueConfig]) {
    let started = std::time::Instant::now();
    match store
        .set_report_rules(&hotline_web::report_rules_of(queues))
        .await
    {
        Ok(true) => tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "reports: queue thresholds changed, hourly roll-ups recomputed"
        ),
        Ok(false) => {}
        Err(e) => tracing::error!(
            error = %e,
            "reports: cannot keep the queue thresholds; reports read the call records"
        ),
    }
}

pub async fn seed_demo_if_empty(store: &Store, cfg: &Config, customers: u64) -> Result<(), String> {
    if customers == 0 {
        return Ok(());
    }
    let now = now_ms();
    if store.agents().await.map_err(|e| e.to_string())?.is_empty() {
        seed_demo_agents(store, cfg).await?;
    }
    if store.customer_count().await.map_err(|e| e.to_string())? == 0 {
        let report = seed_demo(
            store,
            &SeedOptions {
                customers,
                rng_seed: 2026,
                now,
            },
        )
        .await
        .map_err(|e| format!("seeding demo data: {e}"))?;
        info!(
            customers = report.customers,
            districts = report.districts,
            bills = report.bills,
            "the store had no customers: seeded demo data (store.demo_customers = 0 turns this off)"
        );
    }
    Ok(())
}

/// Creates the demo agents with random passwords, written to `<data.dir>/demo-agents.txt`.
pub async fn seed_demo_agents(store: &Store, cfg: &Config) -> Result<(), String> {
    let now = now_ms();
    {
        let mut lines = String::from("# Demo agents: login, extension (SIP user), password. Created by the first `hotline serve`.\n");
        for (login, name, staff_no, sip_user, role, team, skills) in DEMO_AGENTS {
            let password: String = {
                let mut rng = rand::rng();
                (0..12)
                    .map(|_| {
                        let c = rng.random_range(0..32u8);
                        char::from(if c < 8 { b'2' + c } else { b'a' + c - 8 })
                    })
                    .collect()
            };
            let skills = skills.iter().map(|(s, l)| (s.to_string(), *l)).collect();
            let a = new_agent(
                login,
                name,
                staff_no,
                sip_user,
                &password,
                &cfg.sip.realm,
                *role,
                team,
                skills,
            );
            store
                .upsert_agent(&a, now)
                .await
                .map_err(|e| e.to_string())?;
            lines.push_str(&format!("{login}\t{sip_user}\t{password}\n"));
        }
        let path = cfg.data.dir.join("demo-agents.txt");
        write_private(&path, &lines).map_err(|e| format!("{}: {e}", path.display()))?;
        info!(agents = DEMO_AGENTS.len(), file = %path.display(), "seeded demo agents; their passwords are in the file");
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

/// The registrar's accounts: the agents in the store, plus `sip.users` from the
/// configuration (which win on a clash, with a warning).
pub async fn sip_users(
    store: &Store,
    configured: &HashMap<String, UserCredentials>,
) -> Result<HashMap<String, UserCredentials>, String> {
    let mut users: HashMap<String, UserCredentials> = store
        .sip_credentials()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|c| {
            let creds = UserCredentials {
                ha1_md5: Some(c.ha1_md5),
                ha1_sha256: Some(c.ha1_sha256),
            };
            (c.sip_user, creds)
        })
        .collect();
    for (name, creds) in configured {
        if users.insert(name.clone(), creds.clone()).is_some() {
            warn!(user = %name, "sip.users names an agent's extension too; the configuration's credentials are used");
        }
    }
    Ok(users)
}

/// Escalates missed ticket deadlines every `every`, refreshes the registrar's accounts
/// (`known` at the start) from the store, so agents added while running can register
/// without a restart, and once an hour forgets webhook deliveries older than `webhook_keep`
/// (`None`: kept).
pub async fn background(
    store: Store,
    every: Duration,
    webhook_keep: Option<Duration>,
    sip: hotline_sip::shell::SipHandle,
    configured: HashMap<String, UserCredentials>,
    mut known: HashMap<String, UserCredentials>,
) {
    let mut tick = tokio::time::interval(every);
    let mut pruned: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        if let Some(keep) = webhook_keep {
            if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                pruned = Some(tokio::time::Instant::now());
                let keep = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
                match store.prune_delivered(now_ms().saturating_sub(keep)).await {
                    Ok((0, 0)) => {}
                    Ok((deliveries, events)) => {
                        info!(deliveries, events, "old webhook deliveries forgotten")
                    }
                    Err(e) => warn!(error = %e, "pruning webhook deliveries failed"),
                }
            }
        }
        match store.escalate_overdue(now_ms()).await {
            Ok(done) if !done.is_empty() => {
                for (id, m) in &done {
                    warn!(
                        ticket = id,
                        milestone = m.as_str(),
                        "ticket overdue: escalated"
                    );
                }
            }
            Ok(_) => {}
            Err(e) => warn!(error = %e, "escalation check failed"),
        }
        match sip_users(&store, &configured).await {
            Ok(users) if users != known => {
                info!(users = users.len(), "SIP accounts updated from the store");
                sip.set_users(users.clone());
                known = users;
            }
            Ok(_) => {}
            Err(e) => warn!(error = %e, "reading SIP accounts from the store failed"),
        }
    }
}
