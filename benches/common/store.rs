//! A large seeded SQLite store for the benchmarks that look customers up (the store lookups and
//! the screen pop): seeded with the demo generator up to N customers in steps, kept under
//! `target/bench-store/` and reused by later runs, read once into the page cache, and random
//! existing customers drawn from it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use hotline_store::seed::{seed_demo, SeedOptions};
use hotline_store::{Millis, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The time the data is seeded for (2026-11-18), fixed so that a reused file fits.
pub const NOW: Millis = 1_795_000_000_000;
const SEED_STEP: u64 = 100_000;

/// Where the store with `customers` customers is kept between runs.
pub fn kept_path(customers: u64) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-store")
        .join(format!("lookup-{customers}.db"))
}

/// The file's size with its write-ahead log.
pub fn file_size(db: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum()
}

pub fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// Seeds demo customers until the store holds `want`, printing the rate.
pub async fn seed_up_to(store: &Store, want: u64) {
    let have = store.customer_count().await.expect("count") as u64;
    if have >= want {
        println!("store holds {have} customers: no seeding needed");
        return;
    }
    println!("seeding {} customers (store holds {have}) ...", want - have);
    let started = Instant::now();
    let mut rows = 0;
    let mut done = have;
    while done < want {
        let n = SEED_STEP.min(want - done);
        let opts = SeedOptions {
            customers: n,
            rng_seed: 2026,
            now: NOW,
        };
        let r = seed_demo(store, &opts).await.expect("seed");
        rows += r.rows();
        done += n;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  {done:>9} customers  {rows:>11} rows  {secs:>6.1} s  {:>7.0} rows/s  {:>6.0} customers/s",
            rows as f64 / secs,
            (done - have) as f64 / secs
        );
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.write_pool())
        .await
        .expect("checkpoint");
    println!(
        "seeded {} customers ({rows} rows) in {:.1} s",
        want - have,
        started.elapsed().as_secs_f64()
    );
}

/// Reads the file once, as a server with enough memory holds it in the page cache.
pub fn warm_page_cache(db: &Path) {
    use std::io::Read;
    let started = Instant::now();
    let mut total = 0;
    if let Ok(mut f) = std::fs::File::open(db) {
        let mut buf = vec![0u8; 1 << 20];
        while let Ok(n) = f.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n as u64;
        }
    }
    println!(
        "page cache warmed: {} in {:.1} s",
        mb(total),
        started.elapsed().as_secs_f64()
    );
}

/// A customer with a phone.
#[derive(Clone)]
pub struct Sample {
    pub id: i64,
    pub phone: String,
    pub account: String,
}

/// `n` random customers with a phone (the same ones for the same `rng_seed`).
pub async fn samples(store: &Store, n: usize, rng_seed: u64) -> Vec<Sample> {
    let (lo, hi): (i64, i64) = sqlx::query_as("SELECT MIN(id), MAX(id) FROM customers")
        .fetch_one(store.read_pool())
        .await
        .expect("id range");
    let mut rng = StdRng::seed_from_u64(rng_seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let id = rng.random_range(lo..=hi);
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT c.account_no, p.phone FROM customers c \
             JOIN customer_phones p ON p.customer_id = c.id WHERE c.id = $1 LIMIT 1",
        )
        .bind(id)
        .fetch_optional(store.read_pool())
        .await
        .expect("sample");
        if let Some((account, phone)) = row {
            out.push(Sample { id, phone, account });
        }
    }
    out
}
