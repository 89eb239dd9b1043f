//! What the IVR leaves in the store must be true, end to end against the real engine and the
//! shipped flows: tickets the IVR opens (a queried meter reading's, a leak report's) are
//! linked to the call and carry the caller's number as the reporter phone; a caller who heard
//! the bills and hung up at the menu is self-served, one who hung up at the greeting abandoned
//! the IVR, and the wallboard's containment and `/metrics` count them the same way.

use std::time::Duration;

use hotline_e2e::{db, ended_call, prompt_ulaw as ulaw, Caller, Desk, Engine};

fn start_engine() -> Engine {
    Engine::start(&[
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "30"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ])
}

/// A demo customer with bills and a meter in a district with no water-quality notice (so
/// that nothing but what a test chooses is a self-service action), not reachable by the
/// caller numbers used here: (id, account).
async fn quiet_customer(pool: &sqlx::SqlitePool) -> (i64, String) {
    sqlx::query_as(
        "SELECT c.id, c.account_no FROM customers c \
         WHERE EXISTS (SELECT 1 FROM bills b WHERE b.customer_id = c.id) \
         AND EXISTS (SELECT 1 FROM meters m WHERE m.customer_id = c.id) \
         AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.district_id = c.district_id \
                         AND n.kind = 'water_quality') \
         ORDER BY c.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("a demo customer with bills in a district without a quality notice")
}

/// The record id of the call from `caller`, once it has ended.
async fn call_id(pool: &sqlx::SqlitePool, caller: &str) -> i64 {
    let (id,): (i64,) = ended_call(pool, "id", caller).await;
    id
}

/// Waits (up to 10 s) for `ticket` to be linked to `call`.
async fn linked(pool: &sqlx::SqlitePool, call: i64, ticket: i64) -> bool {
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM call_tickets WHERE call_id = ? AND ticket_id = ?",
        )
        .bind(call)
        .bind(ticket)
        .fetch_one(pool)
        .await
        .expect("call_tickets");
        if n == 1 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn reporter_phone(pool: &sqlx::SqlitePool, ticket: i64) -> (String, String) {
    sqlx::query_as("SELECT kind, reporter_phone FROM tickets WHERE id = ?")
        .bind(ticket)
        .fetch_one(pool)
        .await
        .expect("the ticket")
}

#[tokio::test]
async fn tickets_the_ivr_opens_are_linked_to_the_call_with_the_callers_number() {
    let engine = start_engine();
    let pool = db(&engine).await;
    let (customer_id, account) = quiet_customer(&pool).await;
    let last: i64 = sqlx::query_scalar("SELECT last_value FROM meters WHERE customer_id = ?")
        .bind(customer_id)
        .fetch_one(&pool)
        .await
        .expect("the customer's meter");

    // A reading below the last one: queried, and a meter ticket opened ("staff will contact
    // you": they need the number).
    let mut c = Caller::place(&engine, "13987654321").await;
    c.identify(&account).await;
    c.press("2").await;
    c.expect(
        "the reading question",
        &ulaw("zh", "enter_reading"),
        Some(1600),
    )
    .await;
    c.press(&format!("{}#", last - 1)).await;
    let ask = ulaw("zh", "press_1_confirm_2_retry");
    c.expect("the confirm question", &ask, Some(1600)).await;
    c.press("1").await;
    c.expect("the query", &ulaw("zh", "reading_queried"), None)
        .await;
    c.hang_up().await;
    let meter_ticket: i64 = sqlx::query_scalar(
        "SELECT r.ticket_id FROM meter_readings r JOIN meters m ON m.id = r.meter_id \
         WHERE m.customer_id = ? AND r.value = ? AND r.source = 'ivr'",
    )
    .bind(customer_id)
    .bind(last - 1)
    .fetch_one(&pool)
    .await
    .expect("the queried reading's ticket");
    let call = call_id(&pool, "13987654321").await;
    assert!(
        linked(&pool, call, meter_ticket).await,
        "meter ticket linked to the call"
    );
    assert_eq!(
        reporter_phone(&pool, meter_ticket).await,
        ("meter".to_string(), "13987654321".to_string())
    );

    // A leak at the caller's own address: a leak ticket, the number read to the caller.
    let mut c = Caller::place(&engine, "13911110000").await;
    c.identify(&account).await;
    c.press("4").await;
    c.expect("the leak question", &ulaw("zh", "leak_menu"), Some(1600))
        .await;
    c.press("1").await;
    c.expect("the ticket number", &ulaw("zh", "leak_ticket"), None)
        .await;
    c.hang_up().await;
    let call = call_id(&pool, "13911110000").await;
    let leak: i64 = sqlx::query_scalar("SELECT id FROM tickets WHERE kind = 'leak'")
        .fetch_one(&pool)
        .await
        .expect("one leak ticket");
    assert!(
        linked(&pool, call, leak).await,
        "leak ticket linked to the call"
    );
    assert_eq!(
        reporter_phone(&pool, leak).await,
        ("leak".to_string(), "13911110000".to_string())
    );
    // Its summary in Chinese, and in English from the flow's `summaries` for English desks.
    let (summary, summaries): (String, String) =
        sqlx::query_as("SELECT summary, summaries FROM tickets WHERE id = ?")
            .bind(leak)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(summary.starts_with("语音自助报漏水："), "{summary}");
    let summaries: serde_json::Value = serde_json::from_str(&summaries).expect("JSON");
    assert!(
        summaries["en"]
            .as_str()
            .is_some_and(|s| s.starts_with("Leak reported by voice self-service: ")),
        "{summaries}"
    );
    // Each call has its own ticket and no other.
    let links: Vec<(i64, i64)> =
        sqlx::query_as("SELECT call_id, ticket_id FROM call_tickets ORDER BY call_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(links.len(), 2, "{links:?}");
}

/// The value of a `/metrics` sample with exactly these labels.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.trim().parse().ok())
}

#[tokio::test]
async fn a_caller_who_heard_the_bills_is_self_served_and_one_who_left_at_the_greeting_is_not() {
    let engine = start_engine();
    let pool = db(&engine).await;
    let (_, account) = quiet_customer(&pool).await;

    // Hears the bills, then hangs up at the bills' menu.
    let mut c = Caller::place(&engine, "13955550001").await;
    c.identify(&account).await;
    c.press("1").await;
    c.expect("the total", &ulaw("zh", "bills_total"), None)
        .await;
    let more = ulaw("zh", "bills_more_menu");
    c.expect("the bills' menu", &more, Some(1600)).await;
    c.hang_up().await;
    // Hangs up during the greeting.
    let mut c = Caller::place(&engine, "13955550002").await;
    c.expect("the welcome", &ulaw("zh", "welcome"), Some(1600))
        .await;
    c.hang_up().await;

    let (d1, path): (Option<String>, String) =
        ended_call(&pool, "disposition, ivr_path", "13955550001").await;
    assert_eq!(d1.as_deref(), Some("self_served"), "{path}");
    assert!(path.contains("bills/latest"), "{path}");
    let (d2,): (Option<String>,) = ended_call(&pool, "disposition", "13955550002").await;
    assert_eq!(d2.as_deref(), Some("abandoned_in_ivr"));

    // The wallboard's containment counts the first, out of both.
    let desk = Desk::login(&engine, "zhaolei").await;
    let wall = desk.get("/api/wallboard").await;
    let today = &wall["ivr"]["today"];
    assert_eq!(today["calls"], 2, "{wall}");
    assert_eq!(today["self_served"], 1, "{wall}");
    assert_eq!(today["abandoned"], 1, "{wall}");
    assert_eq!(today["transferred"], 0, "{wall}");
    assert_eq!(today["containment_percent"], 50.0, "{wall}");
    assert_eq!(wall["ivr"]["last_15_min"]["self_served"], 1, "{wall}");

    // And /metrics the same.
    let url = format!("http://{}/metrics", engine.http.expect("http"));
    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    let outcome = |o: &str| {
        sample(
            &text,
            &format!("hotline_ivr_calls_total{{outcome=\"{o}\"}}"),
        )
    };
    assert_eq!(outcome("self_served"), Some(1.0), "{text}");
    assert_eq!(outcome("abandoned"), Some(1.0));
    assert_eq!(outcome("transferred"), Some(0.0));
    assert_eq!(outcome("unserved"), Some(0.0));
}
