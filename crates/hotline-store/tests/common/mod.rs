//! Test support: a fresh store on SQLite (always) and on PostgreSQL (when HOTLINE_TEST_PG
//! holds a URL; each test gets its own schema, dropped at the end), and a small fixture.
#![allow(dead_code)]

use hotline_store::*;
use std::future::Future;

pub const NOW: Millis = 1_795_000_000_000; // 2026-11-18
pub const DAY: Millis = 86_400_000;

fn unique(prefix: &str) -> String {
    use rand::Rng;
    format!(
        "{prefix}_{}_{:08x}",
        std::process::id(),
        rand::rng().random::<u32>()
    )
}

/// Runs `f` on a fresh SQLite store and, when configured, a fresh PostgreSQL one.
pub async fn each_store<F, Fut>(f: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    each_store_with(Policy::default(), f).await
}

pub async fn each_store_with<F, Fut>(policy: Policy, f: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = std::env::temp_dir().join(unique("hotline-store-test"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite:{}", dir.join("t.db").display());
    let store = Store::open(OpenOptions::new(url), policy.clone())
        .await
        .expect("open sqlite");
    f(store.clone()).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);

    if let Ok(url) = std::env::var("HOTLINE_TEST_PG") {
        if url.is_empty() {
            return;
        }
        let schema = unique("t");
        let mut opts = OpenOptions::new(url.clone());
        opts.schema = Some(schema.clone());
        opts.connections = 4;
        let store = Store::open(opts, policy).await.expect("open postgres");
        f(store.clone()).await;
        let sql = format!("DROP SCHEMA {schema} CASCADE");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(store.write_pool())
            .await
            .expect("drop schema");
        store.close().await;
    }
}

/// A district, a customer (phone 13800001111, account 1000000001, one meter at 1000) with
/// 24 months of bills of 20 m³ (the last three unpaid), and an agent.
pub struct Fixture {
    pub district: i64,
    pub other_district: i64,
    pub customer: i64,
    pub agent: i64,
}

pub async fn fixture(s: &Store) -> Fixture {
    let district = s
        .insert_district(&NewDistrict {
            code: "east".into(),
            name: "城东区".into(),
            service_centre: "城东营业所".into(),
            dispatch_contact: "王班长".into(),
            dispatch_phone: "02088880001".into(),
        })
        .await
        .expect("district");
    let other_district = s
        .insert_district(&NewDistrict {
            code: "west".into(),
            name: "城西区".into(),
            service_centre: "城西营业所".into(),
            dispatch_contact: "李班长".into(),
            dispatch_phone: "02088880002".into(),
        })
        .await
        .expect("district");
    let agent = s
        .upsert_agent(
            &NewAgent {
                login: "zhang".into(),
                name: "张敏".into(),
                staff_no: "1023".into(),
                sip_user: "1001".into(),
                ha1_md5: "0".repeat(32),
                ha1_sha256: "0".repeat(64),
                team: "billing".into(),
                role: Role::Agent,
                language: "zh".into(),
                skills: vec![("billing".into(), 8), ("key_account".into(), 5)],
            },
            NOW,
        )
        .await
        .expect("agent");
    let customer = s
        .insert_customer(
            &NewCustomer {
                account_no: "1000000001".into(),
                name: "陈建国".into(),
                address: "城东区解放路12号3单元501室".into(),
                district_id: Some(district),
                language: "zh".into(),
                tier: "key_account".into(),
                manager_agent_id: Some(agent),
                credit_flag: "dunning".into(),
                credit_note: "".into(),
                phones: vec!["+86 138 0000 1111".into(), "02088881234".into()],
                meters: vec![("W-0001".into(), Some((1000, NOW - 30 * DAY)))],
            },
            NOW - 800 * DAY,
        )
        .await
        .expect("customer");
    for back in 0..24 {
        let period = calendar::period_back(NOW, back);
        let due_at = NOW - back * 30 * DAY + 15 * DAY - 30 * DAY;
        let paid = back >= 3;
        s.insert_bill(&NewBill {
            customer_id: customer,
            period,
            volume: 20,
            amount_fen: 6900,
            due_at,
            paid_fen: if paid { 6900 } else { 0 },
            paid_at: paid.then_some(due_at - DAY),
        })
        .await
        .expect("bill");
    }
    Fixture {
        district,
        other_district,
        customer,
        agent,
    }
}
