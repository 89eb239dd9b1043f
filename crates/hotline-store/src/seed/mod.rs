//! Demo data: a synthetic water utility, so that a fresh engine has customers to call about.
//!
//! `seed_demo` writes the districts of one city (only into a store that has none), customers
//! with Chinese names, addresses, phones and a meter, 24 months of bills with their payments,
//! arrears, dunning and legal flags for a few, key accounts with their managers, and today's
//! notices. Account numbers continue after the highest existing one, so seeding again
//! appends. The output depends only on the options and on what the store already holds.
//!
//! It is built for millions of rows: customers are generated in chunks of 5,000, each written
//! in one transaction (`write`) with bulk inserts that bind one JSON parameter per 10,000 rows
//! (`bulk` says why not `VALUES` lists), and progress is logged every few seconds. A million
//! customers (51 million rows) take about three minutes on SQLite.

mod bulk;
mod districts;
mod generate;
mod names;
mod write;

pub use generate::{residential_amount, BUSINESS_FEN_PER_M3, DUE_DAYS, RESIDENTIAL_TIERS};

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use generate::Ctx;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// How many customers to add.
    pub customers: u64,
    /// The same seed on the same store gives the same data.
    pub rng_seed: u64,
    /// The time the data is written for: bills end with the last completed month before it,
    /// notices are in force at it.
    pub now: Millis,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Districts created (0 when the store had some already).
    pub districts: u64,
    pub customers: u64,
    pub phones: u64,
    pub meters: u64,
    pub bills: u64,
    pub payments: u64,
    /// The meter reader's readings (the last periods of each meter).
    pub readings: u64,
    pub notices: u64,
    pub key_accounts: u64,
    /// Customers with an unpaid bill past its due date.
    pub in_arrears: u64,
}

impl SeedReport {
    /// Rows written in all tables.
    pub fn rows(&self) -> u64 {
        self.districts
            + self.customers
            + self.phones
            + self.meters
            + self.bills
            + self.payments
            + self.readings
            + self.notices
    }
}

/// Customers generated and written per transaction.
const CHUNK: u64 = 5000;
/// The first account number of an empty store.
const FIRST_ACCOUNT: u64 = 3_100_000_001;
/// Account numbers have ten digits.
const LAST_ACCOUNT: u64 = 9_999_999_999;
/// Months of bills per customer.
const MONTHS: i64 = 24;
const PROGRESS_EVERY: Duration = Duration::from_secs(3);

/// Writes a synthetic water utility (see the module documentation).
pub async fn seed_demo(store: &Store, opts: &SeedOptions) -> Result<SeedReport> {
    let started = Instant::now();
    let mut report = SeedReport::default();
    let (districts, created) = districts::ensure(store).await?;
    report.districts = created;
    let managers = key_account_managers(store).await?;
    let first = next_account(store).await?;
    if first.saturating_add(opts.customers) > LAST_ACCOUNT + 1 {
        return Err(StoreError::invalid(
            "customers",
            "account numbers would exceed ten digits",
        ));
    }
    // The start account enters the seed: seeding again appends different people.
    let mut rng = StdRng::seed_from_u64(opts.rng_seed ^ first.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    report.notices = districts::notices(store, &mut rng, &districts, opts.now).await?;
    let key_accounts = key_account_positions(&mut rng, opts.customers);
    let periods = generate::periods(opts.now, MONTHS);
    let ctx = Ctx {
        now: opts.now,
        periods: &periods,
        districts: &districts,
        managers: &managers,
    };
    tracing::info!(
        customers = opts.customers,
        first_account = first,
        "seeding demo data"
    );
    let mut last_log = Instant::now();
    let mut done = 0u64;
    while done < opts.customers {
        let n = CHUNK.min(opts.customers - done);
        let chunk: Vec<_> = (done..done + n)
            .map(|i| generate::customer(&mut rng, &ctx, first + i, key_accounts.contains(&i)))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                StoreError::invalid("districts", "no district to seed customers into")
            })?;
        report.key_accounts += chunk.iter().filter(|c| c.tier == "key_account").count() as u64;
        report.in_arrears += chunk.iter().filter(|c| c.in_arrears(opts.now)).count() as u64;
        write::chunk(store, &chunk, &mut report).await?;
        done += n;
        if last_log.elapsed() >= PROGRESS_EVERY {
            last_log = Instant::now();
            let secs = started.elapsed().as_secs_f64();
            tracing::info!(
                customers = done,
                of = opts.customers,
                rows = report.rows(),
                rows_per_sec = (report.rows() as f64 / secs) as u64,
                customers_per_sec = (done as f64 / secs) as u64,
                "seeding"
            );
        }
    }
    tracing::info!(
        customers = report.customers,
        rows = report.rows(),
        secs = started.elapsed().as_secs_f64(),
        "seeded demo data"
    );
    Ok(report)
}

/// The agents (role `agent`: not supervisors, who may have the skill to take such calls) with
/// the `key_account` skill, or else every agent.
async fn key_account_managers(store: &Store) -> Result<Vec<i64>> {
    let agents = store.agents().await?;
    let skilled: Vec<i64> = agents
        .iter()
        .filter(|a| a.role == crate::Role::Agent)
        .filter(|a| a.skills.iter().any(|(s, _)| s == "key_account"))
        .map(|a| a.id)
        .collect();
    Ok(if skilled.is_empty() {
        agents.iter().map(|a| a.id).collect()
    } else {
        skilled
    })
}

/// The account number after the highest ten-digit one in the store.
async fn next_account(store: &Store) -> Result<u64> {
    // Ten-character strings between these bounds start with a digit; the rest is checked here.
    let candidates: Vec<String> = sqlx::query_scalar(
        "SELECT account_no FROM customers WHERE account_no >= '0000000000' \
         AND account_no <= '9999999999' AND LENGTH(account_no) = 10 \
         ORDER BY account_no DESC LIMIT 100",
    )
    .fetch_all(store.write_pool())
    .await?;
    let highest = candidates
        .iter()
        .find(|a| a.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|a| a.parse::<u64>().ok());
    Ok(highest.map_or(FIRST_ACCOUNT, |h| h + 1))
}

/// Which of the `n` new customers are key accounts: 5 in 10,000, and at least two when
/// seeding 20 or more (a small demo still has key accounts for their managers to see).
fn key_account_positions(rng: &mut StdRng, n: u64) -> HashSet<u64> {
    let want = if n >= 20 {
        ((n * 5 + 5000) / 10_000).max(2)
    } else {
        0
    };
    let mut set = HashSet::new();
    while (set.len() as u64) < want {
        set.insert(rng.random_range(0..n));
    }
    set
}
