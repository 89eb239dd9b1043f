//! End-to-end IVR: the test agent calls the real `hotline serve` running the shipped flows,
//! answers the menus with RFC 4733 key presses (language, its account number, the menu), and
//! checks what comes back over RTP byte for byte against the shipped prompts: the bill
//! prompts with the latest bill's amount read out, in order. A meter reading keyed in lands
//! in the store, accepted or queried by the reading rules.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use hotline_e2e::{
    db, ended_call, prompt_ulaw as ulaw, rtp_packet, token, Budget, Caller as Call, Engine, Ua,
    PATIENCE,
};
use tokio::net::UdpSocket;

fn start_engine() -> Engine {
    Engine::start(&[
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "30"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ])
}

/// An account with bills, not reachable by the caller numbers used here.
async fn customer_with_bills(pool: &sqlx::SqlitePool) -> (i64, String) {
    sqlx::query_as(
        "SELECT c.id, c.account_no FROM customers c WHERE EXISTS \
         (SELECT 1 FROM bills b WHERE b.customer_id = c.id) ORDER BY c.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("a demo customer with bills")
}

/// Answers the language menu (1: Mandarin) and keys the account number when asked.
async fn identify(c: &mut Call, account: &str) {
    c.identify(account).await;
}

#[tokio::test]
async fn a_caller_keys_an_account_and_hears_the_bills_in_order() {
    let engine = start_engine();
    let pool = db(&engine).await;
    let (customer_id, account) = customer_with_bills(&pool).await;
    // The amount of the newest bill, read out the way the bills flow must say it.
    let latest: i64 = sqlx::query_scalar(
        "SELECT amount_fen FROM bills WHERE customer_id = ? ORDER BY period DESC LIMIT 1",
    )
    .bind(customer_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    let said = hotline_ivr::say::say(
        &hotline_ivr::Value::Money(latest),
        hotline_ivr::say::SayAs::Money,
        "zh",
    )
    .expect("money is said");

    let mut c = Call::place(&engine, "13912345678").await;
    identify(&mut c, &account).await;
    c.press("1").await;
    c.expect("bills_total", &ulaw("zh", "bills_total"), None)
        .await;
    c.expect("bills_latest", &ulaw("zh", "bills_latest"), None)
        .await;
    // The newest month, then "amount due" and the amount, prompt after prompt.
    c.expect("amount_due", &ulaw("zh", "amount_due"), None)
        .await;
    for name in &said {
        c.expect(name, &ulaw("zh", name), None).await;
    }
    c.hang_up().await;

    // The call record has the IVR path and the customer.
    let (path, cust): (String, Option<i64>) =
        ended_call(&pool, "ivr_path, customer_id", "13912345678").await;
    assert_eq!(
        cust,
        Some(customer_id),
        "the call is linked to the customer"
    );
    for node in ["main/menu", "identify/by_account", "bills/latest"] {
        assert!(path.contains(node), "{node} in the IVR path {path}");
    }
}

#[tokio::test]
async fn a_meter_reading_keyed_by_phone_is_accepted_or_queried() {
    let engine = start_engine();
    let pool = db(&engine).await;
    let (customer_id, account) = customer_with_bills(&pool).await;
    let last: i64 = sqlx::query_scalar("SELECT last_value FROM meters WHERE customer_id = ?")
        .bind(customer_id)
        .fetch_one(&pool)
        .await
        .expect("the customer's meter");

    // Below the last accepted reading: queried, and a meter ticket is opened.
    for (value, status, prompt) in [
        (last - 1, "queried", "reading_queried"),
        (last + 1, "accepted", "reading_saved"),
    ] {
        let mut c = Call::place(&engine, "13987654321").await;
        identify(&mut c, &account).await;
        c.press("2").await;
        c.expect(
            "the reading question",
            &ulaw("zh", "enter_reading"),
            Some(1600),
        )
        .await;
        c.press(&format!("{value}#")).await;
        c.expect("the read-back", &ulaw("zh", "reading_confirm"), None)
            .await;
        c.expect(
            "the confirm question",
            &ulaw("zh", "press_1_confirm_2_retry"),
            Some(1600),
        )
        .await;
        c.press("1").await;
        c.expect(prompt, &ulaw("zh", prompt), None).await;
        c.hang_up().await;
        let row: (String, Option<i64>) = sqlx::query_as(
            "SELECT r.status, r.ticket_id FROM meter_readings r JOIN meters m ON m.id = r.meter_id \
             WHERE m.customer_id = ? AND r.value = ? AND r.source = 'ivr'",
        )
        .bind(customer_id)
        .bind(value)
        .fetch_one(&pool)
        .await
        .expect("the reading is stored");
        assert_eq!(row.0, status, "reading {value} (last {last})");
        assert_eq!(
            row.1.is_some(),
            status == "queried",
            "a ticket only when queried"
        );
    }
}

#[tokio::test]
async fn flows_reload_for_new_calls_while_calls_in_progress_keep_theirs() {
    // The engine runs a copy of the shipped flows that this test edits.
    let flows = std::env::temp_dir().join(format!("hotline-flows-{}", token()));
    std::fs::create_dir_all(&flows).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("ivr-flows");
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&path, flows.join(path.file_name().unwrap())).unwrap();
        }
    }
    let flows_dir = flows.display().to_string();
    let engine = Engine::start(&[
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", &flows_dir),
        ("HOTLINE_IVR_RELOAD_SECS", "1"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ]);
    let mut log = engine.log_cursor();

    // Call A starts on the shipped version.
    let mut a = Call::place(&engine, "13900000001").await;
    a.expect("A's welcome", &ulaw("zh", "welcome"), Some(1600))
        .await;

    // The new version greets with a different prompt, and 1 at the language menu now
    // ends the call.
    let main = std::fs::read_to_string(flows.join("main.yaml")).unwrap();
    let edited = main
        .replacen("prompts: [welcome]", "prompts: [please_hold]", 1)
        .replacen(
            "keys: { \"1\": identify, \"2\": english }",
            "keys: { \"1\": closing, \"2\": english }",
            1,
        )
        + "  closing:\n    hangup: { prompts: [system_busy] }\n";
    assert_ne!(edited, main, "the edit applies");
    std::fs::write(flows.join("main.yaml"), &edited).unwrap();
    engine.next_log_line(&mut log, "IVR flows reloaded").await;

    // A new call hears the new greeting.
    let mut b = Call::place(&engine, "13900000002").await;
    b.expect("B's new greeting", &ulaw("zh", "please_hold"), None)
        .await;
    b.hang_up().await;

    // A, in progress, finishes on the version it started with: 1 goes on to identify.
    a.expect(
        "A's language menu",
        &ulaw("zh", "language_menu"),
        Some(1600),
    )
    .await;
    a.press("1").await;
    a.expect(
        "A's account question (the old path)",
        &ulaw("zh", "enter_account"),
        Some(1600),
    )
    .await;
    let busy = ulaw("zh", "system_busy");
    assert!(
        !a.heard
            .lock()
            .unwrap()
            .windows(1600)
            .any(|w| w == &busy[..1600]),
        "A must not take the new path"
    );
    a.hang_up().await;

    // A broken change is refused with its file:line:column, and the last good version keeps
    // serving.
    std::fs::write(
        flows.join("main.yaml"),
        edited.replacen("next: choose_language", "next: no_such_node", 1),
    )
    .unwrap();
    let refused = engine.next_log_line(&mut log, "main.yaml:").await;
    assert!(refused.contains("no_such_node"), "{refused}");
    engine.next_log_line(&mut log, "not reloaded").await;
    let mut c = Call::place(&engine, "13900000003").await;
    c.expect(
        "C's greeting from the last good version",
        &ulaw("zh", "please_hold"),
        None,
    )
    .await;
    c.hang_up().await;
    let _ = std::fs::remove_dir_all(&flows);
}

#[tokio::test]
async fn a_survey_score_keyed_in_is_stored_on_the_call() {
    let engine = Engine::start(&[
        ("HOTLINE_IVR_ENTRY_FLOW", "survey"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ]);
    let pool = db(&engine).await;
    let mut c = Call::place(&engine, "13911112222").await;
    c.expect(
        "the rating question",
        &ulaw("zh", "survey_scale"),
        Some(1600),
    )
    .await;
    c.press("4").await;
    c.expect("the thanks", &ulaw("zh", "survey_thanks"), None)
        .await;
    // The flow hangs up after goodbye; the record is then complete.
    let (score, disposition): (Option<i64>, Option<String>) =
        ended_call(&pool, "survey_score, disposition", "13911112222").await;
    assert_eq!(score, Some(4));
    // Rating a call is no self-service: the survey flow ended the call unserved.
    assert_eq!(disposition.as_deref(), Some("unserved_in_ivr"));
}

/// The next request with this method the agent's phone receives.
async fn next_request(ua: &mut Ua, method: &str) -> hotline_e2e::Got {
    loop {
        let got = ua
            .recv(PATIENCE)
            .await
            .unwrap_or_else(|| panic!("no {method}"));
        if got.code() == 0 && got.request().method.as_str() == method {
            return got;
        }
    }
}

/// Flows where `main` goes straight to the billing queue, and the shipped survey; and the
/// engine running them with the demo data (and so the demo agents: 1001 is 张敏, staff number
/// 1023, billing level 8).
fn queue_engine() -> (Engine, std::path::PathBuf) {
    let flows = std::env::temp_dir().join(format!("hotline-acd-flows-{}", token()));
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(
        flows.join("main.yaml"),
        "flow: main\nlanguages: [zh, en]\nstart: hello\nnodes:\n  hello:\n    play: { prompts: [welcome], next: to_billing }\n  to_billing:\n    transfer: { queue: billing, reason: billing }\n",
    )
    .unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("ivr-flows/survey.yaml");
    std::fs::copy(shipped, flows.join("survey.yaml")).unwrap();
    let flows_dir = flows.display().to_string();
    let engine = Engine::start(&[
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", &flows_dir),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "5"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ]);
    (engine, flows)
}

#[tokio::test]
async fn a_caller_waiting_with_no_agent_hears_its_place_and_leaving_is_an_abandon() {
    let (engine, flows) = queue_engine();
    let pool = db(&engine).await;
    let mut c = Call::place(&engine, "13933334444").await;
    c.expect("the welcome", &ulaw("zh", "welcome"), None).await;
    // Nobody is ready: "您前面还有 一 位客户在等待" (there is no agent to estimate a wait with).
    for name in ["queue_position_before", "digit_1", "queue_position_after"] {
        c.expect(name, &ulaw("zh", name), None).await;
    }
    c.hang_up().await;
    let (disposition, wait_ms, queue): (Option<String>, Option<i64>, Option<String>) =
        ended_call(&pool, "disposition, wait_ms, queue", "13933334444").await;
    assert_eq!(disposition.as_deref(), Some("abandoned_in_queue"));
    assert!(
        wait_ms.is_some_and(|w| w > 0),
        "the wait is recorded: {wait_ms:?}"
    );
    assert_eq!(queue.as_deref(), Some("billing"));
    let _ = std::fs::remove_dir_all(&flows);
}

#[tokio::test]
async fn a_transferred_caller_reaches_a_qualified_agent_hears_the_staff_number_and_the_survey() {
    let (engine, flows) = queue_engine();
    let pool = db(&engine).await;
    let mut agent = Ua::udp(engine.udp, "1001").await;
    assert_eq!(agent.register("secret", 600).await, 200);
    let agent_rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();

    let mut c = Call::place(&engine, "13922223333").await;
    c.expect("the welcome", &ulaw("zh", "welcome"), None).await;
    // The agent's phone rings with the call in a header, and answers.
    let inv = next_request(&mut agent, "INVITE").await;
    assert!(inv.raw.contains("X-Hotline-Call:"), "{}", inv.raw);
    assert!(
        inv.raw.contains("13922223333"),
        "the agent sees the caller's number"
    );
    let engine_agent_port = String::from_utf8_lossy(&inv.request().common.body)
        .lines()
        .find_map(|l| {
            l.strip_prefix("m=audio ")
                .and_then(|r| r.split(' ').next()?.parse::<u16>().ok())
        })
        .expect("m=audio");
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
        agent_rtp.local_addr().unwrap().port()
    );
    let ok = agent.answer(&inv, 200, "OK", "ag", Some(&sdp));
    agent.send(&ok).await;
    // 工号 1023 为您服务, then the bridge.
    for name in [
        "agent_intro",
        "digit_1",
        "digit_0",
        "digit_2",
        "digit_3",
        "agent_serving",
    ] {
        c.expect(name, &ulaw("zh", name), None).await;
    }
    // Voice both ways through the engine.
    let engine_agent_rtp: SocketAddr = format!("127.0.0.1:{engine_agent_port}").parse().unwrap();
    let agent_voice = [0x11u8; 160];
    let mut heard_agent = false;
    let mut budget = Budget::new(PATIENCE);
    for seq in 0..u16::MAX {
        let pkt = rtp_packet(0, seq, u32::from(seq) * 160, seq == 0, &agent_voice);
        agent_rtp.send_to(&pkt, engine_agent_rtp).await.unwrap();
        c.send_rtp(0, false, &[0x22; 160]).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        if c.heard
            .lock()
            .unwrap()
            .windows(160)
            .any(|w| w == agent_voice)
        {
            heard_agent = true;
            break;
        }
        if !budget.alive() {
            break;
        }
    }
    assert!(heard_agent, "the caller hears the agent");
    let mut buf = vec![0u8; 2048];
    let mut heard_caller = false;
    let mut budget = Budget::new(PATIENCE);
    while budget.alive() {
        c.send_rtp(0, false, &[0x22; 160]).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(1), agent_rtp.recv(&mut buf)).await
        {
            heard_caller |= n >= 172 && buf[12..n].iter().all(|b| *b == 0x22);
        }
        if heard_caller {
            break;
        }
    }
    assert!(heard_caller, "the agent hears the caller");

    // The agent hangs up first: the caller is taken to the survey and rates the call 5.
    let engine_tag = hotline_e2e::tag_of(&inv.request().common.from);
    let bye = agent.in_dialog(
        "BYE",
        2,
        &inv.request().common.call_id,
        "ag",
        "13922223333",
        &engine_tag,
    );
    agent.send(&bye).await;
    c.expect("the survey", &ulaw("zh", "survey_scale"), Some(1600))
        .await;
    c.press("5").await;
    c.expect("the thanks", &ulaw("zh", "survey_thanks"), None)
        .await;

    #[allow(clippy::type_complexity)]
    let (agent_id, wait_ms, disposition, survey, queue): (
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<String>,
    ) = ended_call(
        &pool,
        "agent_id, wait_ms, disposition, survey_score, queue",
        "13922223333",
    )
    .await;
    let zhangmin: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE sip_user = '1001'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(agent_id, Some(zhangmin), "the agent who answered");
    assert!(
        wait_ms.is_some_and(|w| w >= 0),
        "the wait is recorded: {wait_ms:?}"
    );
    assert_eq!(disposition.as_deref(), Some("answered"));
    assert_eq!(survey, Some(5));
    assert_eq!(queue.as_deref(), Some("billing"));
    let _ = std::fs::remove_dir_all(&flows);
}
