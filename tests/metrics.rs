//! `GET /metrics` against the real `hotline serve`: a caller the agent answers and one who
//! gives up waiting; the queue's counters, wait histogram and agent states, and the IVR's node
//! counts, outcomes and lookups on `/metrics` equal what the call records say; no token is
//! needed, and the content type is Prometheus' text format.

use std::time::Duration;

use hotline_e2e::{db, start_queue_engine, AgentPhone, Budget, Caller, Desk, PATIENCE};
use hotline_metrics::text::sample;
use serde_json::json;

const QUEUES: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nring_secs = 10\nwrap_up_secs = 0\nannounce_secs = 0\nshort_abandon_secs = 5\n";

#[tokio::test]
async fn the_queue_figures_on_metrics_equal_the_call_records() {
    let (engine, dir) = start_queue_engine("hotline-metrics", QUEUES, &[]);
    let base = format!("http://{}", engine.http.expect("http"));
    let desk = Desk::login(&engine, "zhangmin").await;
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    desk.agent_in(
        desk.get("/api/me").await["id"].as_i64().expect("id"),
        "ready",
    )
    .await;

    // One call answered ...
    let caller = Caller::place(&engine, "13900000001").await;
    let offer = phone.rung(Duration::from_secs(10)).await;
    let mut talk = phone.answer(offer).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(phone.hang_up(&mut talk).await, 200);
    drop(caller);
    // ... then the agent takes a break and the next caller gives up after a second.
    let (status, body) = desk
        .set_state(json!({ "state": "not_ready", "reason": "break" }))
        .await;
    assert_eq!(status, 200, "{body}");
    let caller = Caller::place(&engine, "13900000002").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    caller.hang_up().await;

    // The records, once both calls ended.
    let pool = db(&engine).await;
    let mut rows: Vec<(String, i64)>;
    let mut budget = Budget::new(PATIENCE);
    loop {
        rows = sqlx::query_as(
            "SELECT disposition, wait_ms FROM calls WHERE queue = 'general' \
             AND ended_at IS NOT NULL ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .expect("records");
        if rows.len() == 2 || !budget.tick().await {
            break;
        }
    }
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "answered");
    assert_eq!(rows[1].0, "abandoned_in_queue");

    // Two tickets from the desktop.
    for kind in ["inquiry", "leak"] {
        let (status, ticket) = desk
            .post(
                "/api/tickets",
                json!({"kind": kind, "summary": "指标测试", "reporter_phone": "13900000001"}),
            )
            .await;
        assert_eq!(status, 201, "{ticket}");
    }

    let res = reqwest::get(format!("{base}/metrics")).await.expect("GET");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = res.text().await.expect("body");
    let q = [("queue", "general")];
    let v = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    assert_eq!(
        v("hotline_queue_calls_offered_total", &q),
        Some(2.0),
        "{text}"
    );
    assert_eq!(v("hotline_queue_calls_answered_total", &q), Some(1.0));
    assert_eq!(
        v("hotline_queue_calls_answered_within_sl_total", &q),
        Some(1.0)
    );
    assert_eq!(v("hotline_queue_calls_abandoned_total", &q), Some(1.0));
    assert_eq!(
        v("hotline_queue_calls_short_abandoned_total", &q),
        Some(1.0)
    );
    let answered = [("queue", "general"), ("outcome", "answered")];
    let abandoned = [("queue", "general"), ("outcome", "abandoned")];
    assert_eq!(v("hotline_queue_wait_seconds_count", &answered), Some(1.0));
    assert_eq!(v("hotline_queue_wait_seconds_count", &abandoned), Some(1.0));
    // The abandoned caller's wait as the record has it, to the millisecond.
    let waited = v("hotline_queue_wait_seconds_sum", &abandoned).expect("sum");
    assert!(
        (waited - rows[1].1 as f64 / 1000.0).abs() < 0.0015,
        "{waited} s on /metrics, {} ms in the record",
        rows[1].1
    );
    assert_eq!(
        v(
            "hotline_agents",
            &[("state", "not_ready"), ("reason", "break")]
        ),
        Some(1.0)
    );
    assert_eq!(v("hotline_queue_handle_seconds_count", &q), Some(1.0));
    assert!(v("hotline_build_info", &[]).is_some());
    // The IVR: both callers went main/find (not found: not customers) → main/to_agent.
    let find = [("flow", "main"), ("node", "find")];
    assert_eq!(v("hotline_ivr_node_entries_total", &find), Some(2.0));
    assert_eq!(
        v(
            "hotline_ivr_node_exits_total",
            &[("flow", "main"), ("node", "find"), ("exit", "not_found")]
        ),
        Some(2.0)
    );
    assert_eq!(
        v(
            "hotline_ivr_node_entries_total",
            &[("flow", "main"), ("node", "to_agent")]
        ),
        Some(2.0)
    );
    let transferred: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE queue IS NOT NULL")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(
        v("hotline_ivr_calls_total", &[("outcome", "transferred")]),
        Some(transferred as f64)
    );
    assert_eq!(
        v("hotline_ivr_calls_total", &[("outcome", "self_served")]),
        Some(0.0)
    );
    assert_eq!(
        v(
            "hotline_ivr_lookup_seconds_count",
            &[("what", "customer_by_caller")]
        ),
        Some(2.0)
    );
    assert_eq!(
        v(
            "hotline_ivr_lookup_errors_total",
            &[("what", "customer_by_caller")]
        ),
        Some(0.0)
    );
    // Tickets as the store counts them.
    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, COUNT(*) FROM tickets GROUP BY kind")
            .fetch_all(&pool)
            .await
            .expect("tickets");
    assert!(kinds.iter().any(|(k, _)| k == "leak"), "{kinds:?}");
    for (kind, n) in &kinds {
        assert_eq!(
            v("hotline_tickets_created_total", &[("kind", kind)]),
            Some(*n as f64),
            "{kind}"
        );
    }
    let open_leaks: f64 = text
        .lines()
        .filter(|l| l.starts_with("hotline_tickets_open{") && l.contains("kind=\"leak\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(open_leaks, 1.0, "{text}");
    assert_eq!(v("hotline_ticket_rating_count", &[]), Some(0.0));
    assert!(v("hotline_followups_due", &[]).is_some());
    // The engine: the callers' INVITEs and the phone's REGISTER, answers, setup times, the
    // closed legs' RTP, the call records' writes.
    let at_least = |name: &str, labels: &[(&str, &str)], n: f64| {
        let got = sample(&text, name, labels);
        assert!(got.is_some_and(|v| v >= n), "{name}{labels:?}: {got:?}");
    };
    at_least("hotline_sip_requests_total", &[("method", "INVITE")], 2.0);
    at_least("hotline_sip_requests_total", &[("method", "REGISTER")], 1.0);
    at_least("hotline_sip_responses_total", &[("class", "2xx")], 3.0);
    at_least("hotline_sip_registered_users", &[], 1.0);
    at_least("hotline_call_setup_seconds_count", &[], 2.0);
    at_least("hotline_rtp_packets_total", &[("direction", "sent")], 1.0);
    at_least(
        "hotline_db_query_seconds_count",
        &[("op", "call_start")],
        2.0,
    );
    assert_eq!(v("hotline_sip_auth_failures_total", &[]), Some(0.0));
    assert!(v("hotline_calls_active", &[]).is_some());
    // Nothing names a caller.
    assert!(!text.contains("13900000001") && !text.contains("13900000002"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The series on `/metrics` (every sample line), and whether any names `queue="name"`.
async fn series(base: &str, queue: &str) -> (usize, bool) {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("body");
    let lines = text.lines().filter(|l| !l.starts_with('#')).count();
    (lines, text.contains(&format!("queue=\"{queue}\"")))
}

#[tokio::test]
async fn a_queue_renamed_by_reload_leaves_no_series_behind() {
    let queues = |other: &str| {
        format!("{QUEUES}\n[[acd.queues]]\nname = \"{other}\"\nskills = {{ billing = 2 }}\n")
    };
    let (engine, dir) = start_queue_engine("hotline-metrics-reload", &queues("billing"), &[]);
    let base = format!("http://{}", engine.http.expect("http"));
    let (before, billing) = series(&base, "billing").await;
    assert!(billing, "the billing queue has series");
    let mut log = engine.log_cursor();
    for round in 0..5 {
        // Each round waits for its own "applied" line, the next after the last one's.
        let name = format!("accounts_{round}");
        std::fs::write(dir.join("hotline.toml"), queues(&name)).unwrap();
        engine.sighup();
        engine.next_log_line(&mut log, "ACD queues applied").await;
        let (now, old) = series(&base, "billing").await;
        assert!(!old, "round {round}: billing's series are gone");
        assert!(
            series(&base, &name).await.1,
            "round {round}: {name} has series"
        );
        if round > 0 {
            let previous = format!("accounts_{}", round - 1);
            assert!(!series(&base, &previous).await.1, "{previous} is gone");
        }
        assert_eq!(now, before, "round {round}: as many series as before");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
