//! The demo seeder: consistent data on each backend (phones, meters, 24 bills, payments,
//! arrears, key accounts with managers, notices), lookups that find seeded customers,
//! appending without collisions, and reproducibility for a given seed.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::seed::{seed_demo, SeedOptions};
use hotline_store::*;

fn opts(customers: u64, rng_seed: u64) -> SeedOptions {
    SeedOptions {
        customers,
        rng_seed,
        now: NOW,
    }
}

async fn scalar(s: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(s.read_pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn key_account_agent(s: &Store) -> i64 {
    s.upsert_agent(
        &NewAgent {
            login: "km".into(),
            name: "周经理".into(),
            staff_no: "2001".into(),
            sip_user: "2001".into(),
            ha1_md5: "0".repeat(32),
            ha1_sha256: "0".repeat(64),
            team: "key_accounts".into(),
            role: Role::Agent,
            language: "zh".into(),
            skills: vec![("key_account".into(), 9)],
        },
        NOW,
    )
    .await
    .expect("agent")
}

#[tokio::test]
async fn a_small_demo_has_key_accounts_managed_by_agents_not_supervisors() {
    each_store(|s| async move {
        let manager = key_account_agent(&s).await;
        let mut boss = NewAgent {
            login: "boss".into(),
            name: "赵主管".into(),
            staff_no: "3001".into(),
            sip_user: "3001".into(),
            ha1_md5: "0".repeat(32),
            ha1_sha256: "0".repeat(64),
            team: "floor".into(),
            role: Role::Supervisor,
            language: "zh".into(),
            skills: vec![("key_account".into(), 9)],
        };
        s.upsert_agent(&boss, NOW).await.expect("supervisor");
        boss.login = "boss2".into();
        boss.staff_no = "3002".into();
        boss.sip_user = "3002".into();
        s.upsert_agent(&boss, NOW).await.expect("supervisor");
        let r = seed_demo(&s, &opts(50, 7)).await.expect("seed");
        assert_eq!(r.key_accounts, 2);
        let managers: Vec<Option<i64>> =
            sqlx::query_scalar("SELECT manager_agent_id FROM customers WHERE tier = 'key_account'")
                .fetch_all(s.read_pool())
                .await
                .expect("managers");
        assert_eq!(managers, vec![Some(manager); 2]);
        let mine = s
            .search_customers(
                &CustomerQuery {
                    manager: Some(manager),
                    ..CustomerQuery::default()
                },
                20,
            )
            .await
            .expect("search");
        assert_eq!(mine.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn seeding_200_customers_gives_consistent_data() {
    each_store(|s| async move {
        let manager = key_account_agent(&s).await;
        let r = seed_demo(&s, &opts(200, 42)).await.expect("seed");
        assert_eq!((r.districts, r.customers, r.meters, r.bills), (8, 200, 200, 4800));
        assert_eq!(r.notices, 3);
        assert!(r.phones >= 200 && r.phones <= 400);
        assert_eq!(r.key_accounts, 2);
        assert_eq!(r.readings, 200 * 6);
        assert!(r.in_arrears > 0, "{r:?}");
        assert_eq!(scalar(&s, "SELECT COUNT(*) FROM customers").await, 200);
        assert_eq!(scalar(&s, "SELECT COUNT(*) FROM customer_phones").await, r.phones as i64);
        assert_eq!(
            scalar(&s, "SELECT COUNT(*) FROM customers c WHERE NOT EXISTS \
                (SELECT 1 FROM customer_phones p WHERE p.customer_id = c.id)")
            .await,
            0
        );
        assert_eq!(
            scalar(&s, "SELECT COUNT(*) FROM customers c WHERE \
                (SELECT COUNT(*) FROM meters m WHERE m.customer_id = c.id) <> 1 \
                OR (SELECT COUNT(*) FROM bills b WHERE b.customer_id = c.id) <> 24")
            .await,
            0
        );
        // One payment per paid bill, for what was paid.
        let paid = scalar(&s, "SELECT COUNT(*) FROM bills WHERE paid_fen > 0").await;
        assert_eq!(r.payments as i64, paid);
        assert_eq!(scalar(&s, "SELECT COUNT(*) FROM payments").await, paid);
        assert_eq!(
            scalar(&s, "SELECT COUNT(*) FROM payments p JOIN bills b ON b.id = p.bill_id \
                WHERE p.amount_fen = b.paid_fen AND p.customer_id = b.customer_id \
                AND p.paid_at = b.paid_at")
            .await,
            paid
        );
        // The meter's last reading is at least everything billed, and not in the future.
        assert_eq!(
            scalar(&s, "SELECT COUNT(*) FROM meters m WHERE m.last_read_at > 1795000000000 OR \
                m.last_value < (SELECT SUM(volume) FROM bills b WHERE b.customer_id = m.customer_id)")
            .await,
            0
        );

        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM customers ORDER BY id")
            .fetch_all(s.read_pool())
            .await
            .expect("ids");
        let mut owing = 0;
        for &id in &ids {
            let c = s.customer(id).await.expect("customer").expect("exists");
            assert!(c.district_name.is_some());
            for p in &c.phones {
                let found = s.customers_by_phone(p).await.expect("by phone");
                assert!(found.iter().any(|f| f.id == id), "phone {p}");
            }
            let by_account = s.customer_by_account(&c.account_no).await.expect("by account");
            assert_eq!(by_account.map(|b| b.id), Some(id));
            let bills = s.bills(id, 25, NOW).await.expect("bills");
            assert_eq!(bills.len(), 24);
            // The account view's meter, its last six readings (the newest the meter's last
            // value, each month's difference that month's bill) and the payments.
            let meters = s.meters(id).await.expect("meters");
            assert_eq!(meters.len(), 1);
            let readings = s.readings(id, 10).await.expect("readings");
            assert_eq!(readings.len(), 6);
            assert!(readings.iter().all(|r| r.meter_serial == meters[0].serial
                && r.source == "meter_reader" && r.status == "accepted"));
            assert_eq!(Some(readings[0].value), meters[0].last_value);
            assert_eq!(Some(readings[0].read_at), meters[0].last_read_at);
            for (w, b) in readings.windows(2).zip(&bills) {
                assert_eq!(w[0].value - w[1].value, b.volume, "{}", b.period);
            }
            let payments = s.payments(id, 50).await.expect("payments");
            let paid: Vec<&Bill> = bills.iter().filter(|b| b.paid_fen > 0).collect();
            assert_eq!(payments.len(), paid.len());
            assert!(payments.windows(2).all(|w| w[0].paid_at >= w[1].paid_at));
            assert!(payments.iter().all(|p| paid.iter().any(|b| Some(&b.period) == p.period.as_ref()
                && b.paid_fen == p.amount_fen && b.paid_at == Some(p.paid_at))));
            let a = s.arrears(id, NOW).await.expect("arrears");
            owing += i64::from(!a.items.is_empty());
            if c.credit_flag != "none" {
                assert!(!a.items.is_empty() && !c.credit_note.is_empty());
            }
            if c.tier == "key_account" {
                assert_eq!(c.manager_agent_id, Some(manager));
                assert!(!c.name.is_empty());
            } else {
                assert_eq!(c.manager_agent_id, None);
            }
        }
        assert_eq!(owing, r.in_arrears as i64);

        // Notices: one outage in force now, a water-quality notice, works starting tomorrow.
        let mut kinds = Vec::new();
        for d in s.districts().await.expect("districts") {
            for n in s.notices(d.id, NOW, DAY).await.expect("notices") {
                kinds.push((n.kind.clone(), n.starts_at <= NOW));
            }
        }
        kinds.sort();
        assert_eq!(
            kinds,
            vec![
                ("outage".to_string(), true),
                ("planned_works".to_string(), false),
                ("water_quality".to_string(), true)
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn seeding_again_appends_after_existing_accounts() {
    each_store(|s| async move {
        let f = fixture(&s).await; // districts east and west, account 1000000001
        let first = seed_demo(&s, &opts(150, 1)).await.expect("seed");
        assert_eq!(first.districts, 0);
        let second = seed_demo(&s, &opts(150, 1)).await.expect("seed again");
        assert_eq!(
            (second.districts, second.notices, second.customers),
            (0, 0, 150)
        );
        assert_eq!(scalar(&s, "SELECT COUNT(*) FROM customers").await, 301);
        assert_eq!(
            scalar(&s, "SELECT COUNT(DISTINCT account_no) FROM customers").await,
            301
        );
        assert_eq!(scalar(&s, "SELECT COUNT(*) FROM districts").await, 2);
        let accounts: Vec<String> =
            sqlx::query_scalar("SELECT account_no FROM customers ORDER BY id")
                .fetch_all(s.read_pool())
                .await
                .expect("accounts");
        let expected: Vec<String> = (1_000_000_001u64..=1_000_000_301)
            .map(|a| a.to_string())
            .collect();
        assert_eq!(accounts, expected);
        // The fixture's agent has the key_account skill.
        let managers: Vec<Option<i64>> = sqlx::query_scalar(
            "SELECT manager_agent_id FROM customers WHERE tier = 'key_account' AND id <> $1",
        )
        .bind(f.customer)
        .fetch_all(s.read_pool())
        .await
        .expect("key accounts");
        assert_eq!(managers, vec![Some(f.agent); 4]);
        // Different people the second time, although the seed is the same.
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM customers ORDER BY id")
            .fetch_all(s.read_pool())
            .await
            .expect("names");
        assert_ne!(names[1..151], names[151..301]);
    })
    .await;
}

async fn fresh_sqlite(tag: &str) -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("hotline-seed-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite:{}", dir.join("s.db").display());
    let s = Store::open(OpenOptions::new(url), Policy::default())
        .await
        .expect("open");
    (s, dir)
}

async fn people(s: &Store) -> Vec<(String, String, String, String)> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.account_no, c.name, c.address, p.phone FROM customers c \
         JOIN customer_phones p ON p.customer_id = c.id ORDER BY c.account_no, p.phone",
    )
    .fetch_all(s.read_pool())
    .await
    .expect("people");
    rows
}

#[tokio::test]
async fn the_same_seed_gives_the_same_people_and_no_agents_no_manager() {
    let (a, dir_a) = fresh_sqlite("a").await;
    let (b, dir_b) = fresh_sqlite("b").await;
    let (c, dir_c) = fresh_sqlite("c").await;
    seed_demo(&a, &opts(120, 9)).await.expect("a");
    seed_demo(&b, &opts(120, 9)).await.expect("b");
    seed_demo(&c, &opts(120, 10)).await.expect("c");
    let (pa, pb, pc) = (people(&a).await, people(&b).await, people(&c).await);
    assert_eq!(pa, pb);
    assert_ne!(pa, pc);
    assert!(pa.iter().any(|p| p.1.chars().count() >= 2));
    let managed = scalar(
        &a,
        "SELECT COUNT(*) FROM customers WHERE manager_agent_id IS NOT NULL",
    )
    .await;
    assert_eq!(managed, 0);
    assert_eq!(
        scalar(
            &a,
            "SELECT COUNT(*) FROM customers WHERE tier = 'key_account'"
        )
        .await,
        2
    );
    for (s, dir) in [(a, dir_a), (b, dir_b), (c, dir_c)] {
        s.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
