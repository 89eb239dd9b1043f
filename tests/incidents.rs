//! The incident rule end to end, against the real engine and the shipped leak flow: with
//! `tickets.incident_threshold = 2`, the first IVR leak report of a district is dispatched
//! and the caller hears that the district's crew is notified; the second report of the same
//! district is linked to it (no second dispatch) and its caller hears the same, true words;
//! the two reports are one incident opened by the rule, the first reporter marked.

use hotline_e2e::{db, prompt_ulaw as ulaw, Caller, Engine};

/// A demo customer with a district: (district, account).
async fn customer(pool: &sqlx::SqlitePool) -> (i64, String) {
    sqlx::query_as(
        "SELECT district_id, account_no FROM customers WHERE district_id IS NOT NULL \
         ORDER BY id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("a demo customer with a district")
}

/// A leak reported by `caller` at the account's address; the caller hears the ticket number
/// and then that the district's crew is notified.
async fn report(engine: &Engine, caller: &str, account: &str) {
    let mut c = Caller::place(engine, caller).await;
    c.identify(account).await;
    c.press("4").await;
    c.expect("the leak question", &ulaw("zh", "leak_menu"), Some(1600))
        .await;
    c.press("1").await;
    c.expect("the ticket number", &ulaw("zh", "leak_ticket"), None)
        .await;
    c.expect(
        "the crew is notified",
        &ulaw("zh", "leak_dispatched"),
        Some(1600),
    )
    .await;
    c.hang_up().await;
}

#[tokio::test]
async fn the_second_leak_report_of_a_district_joins_the_first_and_is_not_dispatched_again() {
    let engine = Engine::start(&[
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "30"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
        ("HOTLINE_TICKETS_INCIDENT_THRESHOLD", "2"),
        ("HOTLINE_TICKETS_INCIDENT_WINDOW_MINS", "10"),
    ]);
    let pool = db(&engine).await;
    let (district, account) = customer(&pool).await;
    let before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'dispatch' AND district_id = ?",
    )
    .bind(district)
    .fetch_one(&pool)
    .await
    .expect("outbox");

    report(&engine, "13911110001", &account).await;
    report(&engine, "13911110002", &account).await;

    let tickets: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, status, reporter_phone FROM tickets WHERE kind = 'leak' \
         AND created_via = 'ivr' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("tickets");
    assert_eq!(tickets.len(), 2, "{tickets:?}");
    assert_eq!(tickets[0].1, "dispatched");
    assert_eq!(tickets[1].1, "accepted", "linked, not dispatched again");
    let after: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'dispatch' AND district_id = ?",
    )
    .bind(district)
    .fetch_one(&pool)
    .await
    .expect("outbox");
    assert_eq!(after - before, 1, "one dispatch");

    let incidents: Vec<(i64, i64, String, Option<i64>)> =
        sqlx::query_as("SELECT id, district_id, opened_by, ticket_id FROM incidents")
            .fetch_all(&pool)
            .await
            .expect("incidents");
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let (incident, d, by, dispatched) = incidents[0].clone();
    assert_eq!(
        (d, by.as_str(), dispatched),
        (district, "rule", Some(tickets[0].0))
    );
    let reporters: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT ticket_id, caller_phone, first_reporter FROM incident_reports \
         WHERE incident_id = ? ORDER BY reported_at, ticket_id",
    )
    .bind(incident)
    .fetch_all(&pool)
    .await
    .expect("reporters");
    assert_eq!(
        reporters,
        [
            (tickets[0].0, "13911110001".to_string(), 1),
            (tickets[1].0, "13911110002".to_string(), 0)
        ]
    );
}
