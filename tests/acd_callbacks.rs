//! End-to-end callbacks that keep the caller's place, through the real `hotline serve`: a
//! caller waiting in a queue with no agent hears the callback offer, presses 1, hears the
//! confirmation and is released (its record says `callback`); when an agent's phone
//! registers, the agent is rung first (the number in `X-Hotline-Callback`), and once the
//! agent answers the customer is dialled through the outbound route (a test gateway here).
//! The first attempt finds the customer busy: the agent is released and the router tries
//! again after the queue's retry time; the second reaches the customer, voice flows between
//! agent and customer, and the customer's hang-up ends the agent's leg.
//! A queue whose max wait exit is `ticket` opens a ticket and tells the caller its number.

use std::net::SocketAddr;
use std::time::Duration;

use hotline_e2e::{
    db, ended_call, prompt_ulaw as ulaw, rtp_packet, stereo_samples, stereo_tone_blocks, tag_of,
    token, tone, AgentPhone, Budget, Caller, Engine, Got, Ua, PATIENCE,
};
use tokio::net::UdpSocket;

const CUSTOMER: &str = "13812345678";

/// Flows whose `main` sends every caller straight to queue `general`, and a configuration
/// file with `queue` (TOML) and callbacks dialled through `gateway`.
fn engine_with(queue: &str, gateway: SocketAddr) -> (Engine, std::path::PathBuf) {
    engine_recording(queue, gateway, false)
}

/// [`engine_with`], recording calls when `record`.
fn engine_recording(
    queue: &str,
    gateway: SocketAddr,
    record: bool,
) -> (Engine, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("hotline-callback-{}", token()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.yaml"),
        "flow: main\nlanguages: [zh, en]\nstart: hello\nnodes:\n  hello:\n    play: { prompts: [welcome], next: queue }\n  queue:\n    transfer: { queue: general, reason: general }\n",
    )
    .unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ivr-flows/survey.yaml");
    std::fs::copy(shipped, dir.join("survey.yaml")).unwrap();
    // A calendar that is never open, for queues that keep hours.
    std::fs::write(
        dir.join("calendars.yaml"),
        "calendars:\n  never:\n    hours: {}\n",
    )
    .unwrap();
    let config = dir.join("hotline.toml");
    std::fs::write(
        &config,
        format!(
            "[acd]\ncallback_gateway = \"{gateway}\"\ncallback_caller_id = \"96655\"\n\n{queue}"
        ),
    )
    .unwrap();
    let engine = Engine::start(&[
        ("HOTLINE_CONFIG", &config.display().to_string()),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", &dir.display().to_string()),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "5"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        (
            "HOTLINE_MEDIA_RECORD",
            if record { "true" } else { "false" },
        ),
    ]);
    (engine, dir)
}

/// The next request with this method, within `wait`.
async fn request(ua: &mut Ua, method: &str, wait: Duration) -> Option<Got> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let got = ua.recv(left).await?;
        if got.code() == 0 && got.request().method.as_str() == method {
            return Some(got);
        }
    }
}

/// The caller's record, once ended: (disposition, wait_ms).
async fn record(engine: &Engine, caller: &str) -> (Option<String>, Option<i64>) {
    ended_call(&db(engine).await, "disposition, wait_ms", caller).await
}

/// The agent's phone rings for a call to CUSTOMER (named in the screen-pop header) and answers.
async fn rung_for_the_customer(agent: &mut AgentPhone) -> hotline_e2e::Talking {
    let offer = agent.rung(PATIENCE).await;
    assert!(
        offer
            .invite
            .raw
            .contains(&format!("X-Hotline-Callback: {CUSTOMER}")),
        "{}",
        offer.invite.raw
    );
    agent.answer(offer).await
}

/// The gateway answers the customer leg `inv` with PCMU on its RTP port.
async fn answer_customer(gw: &mut Ua, inv: &Got, tag: &str) {
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
        gw.rtp_port
    );
    let ok = gw.answer(inv, 200, "OK", tag, Some(&sdp));
    gw.send(&ok).await;
}

/// The caller hears the engine say goodbye and is hung up by it.
async fn released(c: &mut Caller) {
    c.expect("goodbye", &ulaw("zh", "goodbye"), None).await;
    let bye = request(&mut c.ua, "BYE", PATIENCE)
        .await
        .expect("the engine hangs up");
    let ok = c.ua.answer(&bye, 200, "OK", &c.to_tag.clone(), None);
    c.ua.send(&ok).await;
}

#[tokio::test]
async fn a_caller_asks_for_a_callback_and_is_called_back_when_an_agent_is_free() {
    // The outbound gateway: a UA bound before the engine starts, so its address can be
    // configured.
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut gw = Ua::udp("127.0.0.1:9".parse().unwrap(), "gateway").await;
    gw.rtp_port = rtp.local_addr().unwrap().port();
    let queue = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nannounce_secs = 5\nring_secs = 10\nwrap_up_secs = 0\ncallback = { attempts = 3, retry_secs = 1, dial_secs = 20 }\n";
    let (engine, dir) = engine_with(queue, gw.local);
    gw.engine = engine.udp;

    let mut c = Caller::place(&engine, CUSTOMER).await;
    c.expect("the welcome", &ulaw("zh", "welcome"), None).await;
    c.expect("the offer", &ulaw("zh", "queue_callback_offer"), Some(4000))
        .await;
    c.press("1").await;
    c.expect(
        "the confirmation",
        &ulaw("zh", "queue_callback_confirm"),
        None,
    )
    .await;
    released(&mut c).await;
    let (disposition, _) = record(&engine, CUSTOMER).await;
    assert_eq!(disposition.as_deref(), Some("callback"));

    // An agent comes: rung first, with the number to call back.
    let mut agent = AgentPhone::registered(&engine, "1001", "secret").await;
    let talking = rung_for_the_customer(&mut agent).await;

    // First attempt: the customer is busy. The agent's leg is ended.
    let inv = request(&mut gw, "INVITE", PATIENCE)
        .await
        .expect("the gateway is asked to dial the customer");
    assert!(
        inv.raw
            .starts_with(&format!("INVITE sip:{CUSTOMER}@{} SIP/2.0", gw.local)),
        "{}",
        inv.raw
    );
    assert!(inv.request().common.from.contains("96655"), "{}", inv.raw);
    let busy = gw.answer(&inv, 486, "Busy Here", "gw1", None);
    gw.send(&busy).await;
    assert!(
        agent.take_bye(&talking, PATIENCE).await,
        "the agent's leg ends when the customer is not reached"
    );

    // The retry: the agent again, then the customer answers.
    let offer = agent.rung(Duration::from_secs(15)).await;
    let talking = agent.answer(offer).await;
    let inv = request(&mut gw, "INVITE", PATIENCE)
        .await
        .expect("a second attempt");
    answer_customer(&mut gw, &inv, "gw2").await;
    let engine_rtp: SocketAddr = {
        let body = String::from_utf8_lossy(&inv.request().common.body).to_string();
        let port = body
            .lines()
            .find_map(|l| {
                l.strip_prefix("m=audio ")?
                    .split(' ')
                    .next()?
                    .parse::<u16>()
                    .ok()
            })
            .expect("m=audio");
        SocketAddr::from(([127, 0, 0, 1], port))
    };
    // Voice: the customer's reaches the agent, the agent's reaches the customer.
    let (mut agent_heard, mut customer_heard) = (false, false);
    let mut buf = vec![0u8; 2048];
    let mut budget = Budget::new(PATIENCE);
    for seq in 0..u16::MAX {
        let pkt = rtp_packet(0, seq, u32::from(seq) * 160, seq == 0, &[0x33; 160]);
        rtp.send_to(&pkt, engine_rtp).await.unwrap();
        let pkt = rtp_packet(0, seq, u32::from(seq) * 160, seq == 0, &[0x44; 160]);
        agent.rtp.send_to(&pkt, talking.engine_rtp).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(1), agent.rtp.recv(&mut buf)).await
        {
            agent_heard |= n >= 172 && buf[12..n].iter().all(|b| *b == 0x33);
        }
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(1), rtp.recv(&mut buf)).await
        {
            customer_heard |= n >= 172 && buf[12..n].iter().all(|b| *b == 0x44);
        }
        if (agent_heard && customer_heard) || !budget.alive() {
            break;
        }
    }
    assert!(agent_heard, "the agent hears the customer");
    assert!(customer_heard, "the customer hears the agent");

    // The customer hangs up: the agent's leg ends too.
    let engine_tag = tag_of(&inv.request().common.from);
    let bye = gw.in_dialog(
        "BYE",
        2,
        &inv.request().common.call_id,
        "gw2",
        CUSTOMER,
        &engine_tag,
    );
    gw.send(&bye).await;
    assert!(agent.take_bye(&talking, PATIENCE).await);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_max_wait_ticket_exit_tells_the_caller_its_ticket_number() {
    let queue = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nannounce_secs = 0\nmax_wait_secs = 2\nmax_wait_exit = \"ticket\"\n";
    // No gateway needed here, but one is configured: the caller's number is then known to
    // the router, and `ticket` must still open a ticket.
    let (engine, dir) = engine_with(queue, "127.0.0.1:9".parse().unwrap());
    told_its_ticket(&engine, "queue_ticket_left").await;
    let (disposition, wait_ms) = record(&engine, CUSTOMER).await;
    assert_eq!(disposition.as_deref(), Some("transferred"));
    assert!(wait_ms.is_some_and(|w| w >= 2000), "{wait_ms:?}");
    let (kind, phone, _) = last_ticket(&engine).await;
    assert_eq!(kind, "inquiry");
    assert_eq!(phone.as_deref(), Some(CUSTOMER));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn click_to_call_rings_the_agent_then_the_customer() {
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut gw = Ua::udp("127.0.0.1:9".parse().unwrap(), "gateway").await;
    gw.rtp_port = rtp.local_addr().unwrap().port();
    let queue = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\n";
    let (engine, dir) = engine_recording(queue, gw.local, true);
    gw.engine = engine.udp;
    let desk = hotline_e2e::Desk::login(&engine, "zhangmin").await;
    // A ticket reported from CUSTOMER, and its follow-up due now.
    let (status, ticket) = desk
        .post(
            "/api/tickets",
            serde_json::json!({"kind": "inquiry", "summary": "回访测试", "reporter_phone": CUSTOMER}),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    let pool = db(&engine).await;
    let followup: i64 = sqlx::query_scalar(
        "INSERT INTO followups (ticket_id, due_at, next_attempt_at, max_attempts, status, updated_at) \
         VALUES (?, 0, 0, 3, 'pending', 0) RETURNING id",
    )
    .bind(ticket["id"].as_i64().expect("ticket id"))
    .fetch_one(&pool)
    .await
    .expect("follow-up");
    // Without a registered phone the agent cannot be rung.
    let (status, body) = desk
        .post(
            &format!("/api/followups/{followup}/call"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &serde_json::json!("phone_offline")),
        "{body}"
    );
    let mut agent = AgentPhone::registered(&engine, "1001", "secret").await;
    let (status, body) = desk
        .post(
            &format!("/api/followups/{followup}/call"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let talking = rung_for_the_customer(&mut agent).await;
    let inv = request(&mut gw, "INVITE", PATIENCE)
        .await
        .expect("the customer is dialled");
    assert!(
        inv.raw.starts_with(&format!("INVITE sip:{CUSTOMER}@")),
        "{}",
        inv.raw
    );
    answer_customer(&mut gw, &inv, "gw3").await;
    // They talk: the customer at 400 Hz (from the gateway), the agent at 1400 Hz.
    let engine_media: SocketAddr = {
        let port = inv
            .raw
            .lines()
            .find_map(|l| {
                l.strip_prefix("m=audio ")?
                    .split(' ')
                    .next()?
                    .parse::<u16>()
                    .ok()
            })
            .expect("the engine's RTP port in the INVITE");
        SocketAddr::from(([127, 0, 0, 1], port))
    };
    for n in 0..TONE_FRAMES {
        let customer = rtp_packet(0, n as u16, n * 160, n == 0, &tone(CUSTOMER_HZ, n));
        rtp.send_to(&customer, engine_media).await.unwrap();
        let said = rtp_packet(
            0,
            500 + n as u16,
            90_000 + n * 160,
            n == 0,
            &tone(AGENT_HZ, n),
        );
        agent.rtp.send_to(&said, talking.engine_rtp).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The router has her on the call (the wallboard says so; no queue call is offered to her).
    let me = desk.get("/api/acd/me").await;
    assert_eq!(me["state"]["state"], "on_call", "{me}");
    // While on it, a second click is refused: the agent is busy.
    let (status, _) = desk
        .post(
            &format!("/api/followups/{followup}/call"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 409);
    // The agent hangs up; the customer's leg is ended by the engine.
    let mut talking = talking;
    assert_eq!(agent.hang_up(&mut talking).await, 200);
    assert!(
        request(&mut gw, "BYE", PATIENCE).await.is_some(),
        "the customer's leg is hung up"
    );
    // The call over, she is back in the state she left (ready), not left reserved.
    let mut budget = Budget::new(PATIENCE);
    loop {
        let me = desk.get("/api/acd/me").await;
        if me["state"]["state"] == "ready" {
            break;
        }
        assert!(budget.tick().await, "ready again after the call: {me}");
    }
    // The attempt's record (outbound) has its recording: the customer left, the agent right.
    let mut budget = Budget::new(PATIENCE);
    let path: String = loop {
        let found: Option<Option<String>> =
            sqlx::query_scalar("SELECT recording FROM calls WHERE direction = 'outbound'")
                .fetch_optional(&pool)
                .await
                .expect("calls");
        if let Some(Some(p)) = found {
            break p;
        }
        assert!(
            budget.tick().await,
            "the attempt's record with its recording"
        );
    };
    let samples = stereo_samples(std::path::Path::new(&path)).await;
    let (customer_blocks, agent_blocks) = stereo_tone_blocks(&samples, CUSTOMER_HZ, AGENT_HZ, 1e10);
    assert!(
        customer_blocks >= 50,
        "the customer's tone on the left in {customer_blocks} blocks"
    );
    assert!(
        agent_blocks >= 50,
        "the agent's tone on the right in {agent_blocks} blocks"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const CUSTOMER_HZ: f64 = 400.0;
const AGENT_HZ: f64 = 1400.0;
/// 20 ms frames of tone each side sends.
const TONE_FRAMES: u32 = 75;

/// A customer's call: the welcome, the prompt `notice`, the ticket's number, goodbye, and the
/// engine hangs up.
async fn told_its_ticket(engine: &Engine, notice: &str) {
    let mut c = Caller::place(engine, CUSTOMER).await;
    c.expect("the welcome", &ulaw("zh", "welcome"), None).await;
    c.expect(notice, &ulaw("zh", notice), None).await;
    c.expect("the ticket number", &ulaw("zh", "ticket_number"), None)
        .await;
    released(&mut c).await;
}

/// The last ticket's kind, reporter and summary.
async fn last_ticket(engine: &Engine) -> (String, Option<String>, String) {
    let pool = db(engine).await;
    sqlx::query_as("SELECT kind, reporter_phone, summary FROM tickets ORDER BY id DESC LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("a ticket")
}

#[tokio::test]
async fn a_closed_queue_notes_the_call_for_a_call_back() {
    let queue = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\ncalendar = \"never\"\nafter_hours = \"ticket\"\n";
    let (engine, dir) = engine_with(queue, "127.0.0.1:9".parse().unwrap());
    told_its_ticket(&engine, "queue_closed_ticket").await;
    let (disposition, wait_ms) = record(&engine, CUSTOMER).await;
    assert_eq!(disposition.as_deref(), Some("transferred"));
    assert_eq!(wait_ms, None, "it never waited in a queue");
    let (kind, phone, summary) = last_ticket(&engine).await;
    assert_eq!(
        (kind.as_str(), phone.as_deref()),
        ("inquiry", Some(CUSTOMER))
    );
    assert!(summary.contains("general队列非工作时间来电"), "{summary}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_closed_queue_hands_the_caller_to_its_duty_number_and_notes_it_when_busy() {
    let mut gw = Ua::udp("127.0.0.1:9".parse().unwrap(), "gateway").await;
    let queue = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\ncalendar = \"never\"\nafter_hours = \"number:13700009999\"\n";
    let (engine, dir) = engine_with(queue, gw.local);
    gw.engine = engine.udp;
    let mut c = Caller::place(&engine, CUSTOMER).await;
    c.expect("the welcome", &ulaw("zh", "welcome"), None).await;
    let inv = request(&mut gw, "INVITE", PATIENCE)
        .await
        .expect("the duty number is dialled");
    assert!(
        inv.raw.starts_with("INVITE sip:13700009999@"),
        "{}",
        inv.raw
    );
    let busy = gw.answer(&inv, 486, "Busy Here", "gw1", None);
    gw.send(&busy).await;
    c.expect("closed, noted", &ulaw("zh", "queue_closed_ticket"), None)
        .await;
    released(&mut c).await;
    let (disposition, _) = record(&engine, CUSTOMER).await;
    assert_eq!(disposition.as_deref(), Some("transferred"));
    let (_, _, summary) = last_ticket(&engine).await;
    assert!(summary.contains("13700009999"), "{summary}");
    let _ = std::fs::remove_dir_all(&dir);
}
