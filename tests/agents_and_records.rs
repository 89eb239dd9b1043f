//! Issue 24 end to end, through the real `hotline serve` with real SIP: agents' states that
//! registrations do not override (a phone re-registering from a new port, one of two contacts
//! expiring, while the agent is on a break or has just missed a call); a key account whose
//! manager misses reaching a general agent at the queue's configured step; the desktop's
//! hang-up taking the caller to the survey, with a record whose every field tells the truth;
//! a callback's conversation recorded (outbound, linked to the original call) and hung up from
//! the desktop; a busy callback customer told to the agent (a prompt and a desk event).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hotline_e2e::{
    db, ended_call, prompt_ulaw as ulaw, token, AgentPhone, Caller, Desk, Engine, Got, Ua,
};
use serde_json::json;

/// `main` hands every caller to the queue `general`.
const GENERAL_FLOW: &str = r#"flow: main
languages: [zh, en]
start: to_queue
nodes:
  to_queue:
    transfer: { queue: general, reason: general }
"#;

/// As the shipped `agent` flow transfers a key account: the queue's steps decide who answers
/// (no skills given here).
const KEY_ACCOUNT_FLOW: &str = r#"flow: main
languages: [zh, en]
start: find
nodes:
  find:
    lookup:
      what: customer_by_caller
      into: customer
      next: to_manager
      not_found: unknown
      error: unknown
  to_manager:
    transfer:
      queue: key_accounts
      priority: 80
      reason: key_account
      preferred_agent: customer.manager
  unknown:
    hangup: { prompts: [system_busy] }
"#;

/// The shipped key-account queue's shape (`deploy/hotline.toml`), its steps shortened: the
/// manager alone, then key-account agents from 2 s, then anyone with general skills from 4 s.
const KEY_ACCOUNT_QUEUE: &str = r#"[[acd.queues]]
name = "key_accounts"
ring_secs = 1
wrap_up_secs = 0
announce_secs = 0
steps = [{ after_secs = 0, preferred_only = true, tier = "key_account" }, { after_secs = 2, skills = { key_account = 1 } }, { after_secs = 4, skills = { general = 1 } }]
"#;

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The engine running `flow` as `main` (with the shipped survey), the configuration `config`
/// (queues, callbacks), SIP users 1001–1003 with password "secret".
fn start(flow: &str, config: &str, customers: &str) -> (Engine, Scratch) {
    let scratch = Scratch(std::env::temp_dir().join(format!("hotline-issue24-{}", token())));
    let flows = scratch.0.join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(flows.join("main.yaml"), flow).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("ivr-flows/survey.yaml");
    std::fs::copy(shipped, flows.join("survey.yaml")).unwrap();
    let file = scratch.0.join("hotline.toml");
    std::fs::write(&file, config).unwrap();
    let engine = Engine::start(&[
        ("HOTLINE_CONFIG", &file.display().to_string()),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", &flows.display().to_string()),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", customers),
        ("HOTLINE_SIP_USERS", "1001:secret,1002:secret,1003:secret"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ]);
    (engine, scratch)
}

fn general_queue(ring_secs: u32, wrap_up_secs: u32) -> String {
    format!(
        "[[acd.queues]]\nname = \"general\"\nskills = {{ general = 1 }}\nring_secs = {ring_secs}\n\
         wrap_up_secs = {wrap_up_secs}\nannounce_secs = 0\n\
         callback = {{ attempts = 1, retry_secs = 1, dial_secs = 20 }}\n"
    )
}

async fn agent_id(pool: &sqlx::SqlitePool, login: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM agents WHERE login = ?")
        .bind(login)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("demo agent {login}: {e}"))
}

/// The caller hears "工号 <digits> 为您服务".
async fn hears_staff_number(c: &mut Caller, staff_no: &str) {
    c.expect("agent_intro", &ulaw("zh", "agent_intro"), None)
        .await;
    for d in staff_no.chars() {
        let name = format!("digit_{d}");
        c.expect(&name, &ulaw("zh", &name), None).await;
    }
    c.expect("agent_serving", &ulaw("zh", "agent_serving"), None)
        .await;
}

/// Waits (up to 10 s) until `sql` (one row, one nullable integer) is not null.
async fn eventually_i64(pool: &sqlx::SqlitePool, sql: &str, bind: &str) -> i64 {
    for _ in 0..100 {
        let v: Option<Option<i64>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .bind(bind)
            .fetch_optional(pool)
            .await
            .expect("query");
        if let Some(Some(v)) = v {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{sql} ({bind}) stayed null");
}

// ---------------------------------------------------------------------------------------------
// 1. Registrations never end a state the agent (or the router) chose.

#[tokio::test]
async fn registration_changes_never_end_a_break_or_a_missed_state() {
    let (engine, _scratch) = start(GENERAL_FLOW, &general_queue(1, 0), "5");
    let pool = db(&engine).await;
    let me = agent_id(&pool, "zhangmin").await;
    let desk = Desk::login(&engine, "zhangmin").await;
    // The first registration makes the freshly logged-in agent ready (acd.ready_on_register).
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    desk.agent_in(me, "ready").await;

    // On a break; the phone re-registers from a new port: a second contact.
    let (status, body) = desk
        .set_state(json!({ "state": "not_ready", "reason": "break" }))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut log = Vec::new();
    let mut moved = AgentPhone::registered(&engine, "1001", "secret").await;
    engine.log_line(&mut log, "contacts=2").await;
    let a = desk.agent(me).await;
    assert_eq!(a["state"]["state"], "not_ready", "{a}");
    assert_eq!(
        a["state"]["reason"], "break",
        "a second contact ends no break: {a}"
    );

    // One of the two contacts expires (Expires: 0): still on the break.
    let mut log = Vec::new();
    assert_eq!(phone.ua.register("secret", 0).await, 200);
    engine.log_line(&mut log, "contacts=1").await;
    let a = desk.agent(me).await;
    assert_eq!(
        a["state"]["reason"], "break",
        "one contact of two expiring: {a}"
    );
    assert_eq!(a["registered"], true, "{a}");

    // Ready, then a call she misses: not ready (missed), which a re-registration keeps too.
    let (status, body) = desk.set_state(json!({ "state": "ready" })).await;
    assert_eq!(status, 200, "{body}");
    let c = Caller::place(&engine, "13900004444").await;
    let offer = moved.rung(Duration::from_secs(5)).await;
    moved.ring(&offer).await;
    assert!(
        moved.take_cancel(&offer, Duration::from_secs(5)).await,
        "the ring time ends the offer"
    );
    let missed = desk.agent(me).await;
    assert_eq!(missed["state"]["reason"], "missed", "{missed}");
    let mut log = Vec::new();
    let _third = AgentPhone::registered(&engine, "1001", "secret").await;
    engine.log_line(&mut log, "contacts=2").await;
    let a = desk.agent(me).await;
    assert_eq!(
        a["state"]["reason"], "missed",
        "re-registering ends no missed state: {a}"
    );
    assert!(
        moved
            .next_invite(Duration::from_millis(500))
            .await
            .is_none(),
        "not rung again while not ready"
    );
    c.hang_up().await;
}

// ---------------------------------------------------------------------------------------------
// 2. A key account reaches someone.

#[tokio::test]
async fn a_key_account_whose_manager_misses_reaches_a_general_agent_at_the_configured_step() {
    let (engine, _scratch) = start(KEY_ACCOUNT_FLOW, KEY_ACCOUNT_QUEUE, "100");
    let pool = db(&engine).await;
    // The first key account, made wangfang's (1003); zhangmin (1001) has general skills and
    // no key_account skill.
    let (customer, phone): (i64, String) = sqlx::query_as(
        "SELECT c.id, p.phone FROM customers c JOIN customer_phones p ON p.customer_id = c.id \
         WHERE c.tier = 'key_account' ORDER BY c.id, p.phone LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("a demo key account");
    let wangfang = agent_id(&pool, "wangfang").await;
    sqlx::query("UPDATE customers SET manager_agent_id = ? WHERE id = ?")
        .bind(wangfang)
        .bind(customer)
        .execute(&pool)
        .await
        .unwrap();
    let desk = Desk::login(&engine, "zhangmin").await;
    let mut manager = AgentPhone::registered(&engine, "1003", "secret").await;
    desk.agent_in(wangfang, "ready").await;
    let mut general = AgentPhone::registered(&engine, "1001", "secret").await;
    let zhangmin = agent_id(&pool, "zhangmin").await;
    desk.agent_in(zhangmin, "ready").await;

    let mut c = Caller::place(&engine, &phone).await;
    // The manager rings first and misses (her 1 s ring time ends).
    let offer = manager.rung(Duration::from_secs(5)).await;
    manager.ring(&offer).await;
    assert!(manager.take_cancel(&offer, Duration::from_secs(5)).await);
    // Only a general agent is ready: she is rung once the general step begins, and answers.
    let offer = general.rung(Duration::from_secs(10)).await;
    let talk = general.answer(offer).await;
    hears_staff_number(&mut c, "1023").await;
    c.hang_up().await;
    assert!(general.take_bye(&talk, Duration::from_secs(5)).await);
    let (agent, wait_ms, disposition): (Option<i64>, Option<i64>, Option<String>) =
        ended_call(&pool, "agent_id, wait_ms, disposition", &phone).await;
    assert_eq!(agent, Some(zhangmin), "a general agent answered");
    assert_eq!(disposition.as_deref(), Some("answered"));
    // The router keeps time in whole milliseconds: its step "4 s after the call arrived" can
    // begin up to 1 ms before 4 s of the call core's finer clock, which the wait is measured on
    // (CI saw 3,999 ms).
    assert!(
        wait_ms.is_some_and(|w| w >= 4000 - 1),
        "not before the general step at 4 s: {wait_ms:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. The desktop's hang-up takes the caller to the survey; the record tells the truth.

#[tokio::test]
async fn a_desk_hang_up_takes_the_caller_to_the_survey_and_the_record_tells_the_truth() {
    let (engine, _scratch) = start(GENERAL_FLOW, &general_queue(5, 1), "5");
    let pool = db(&engine).await;
    let me = agent_id(&pool, "zhangmin").await;
    let desk = Desk::login(&engine, "zhangmin").await;
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    desk.agent_in(me, "ready").await;
    let caller = "13900005555";
    let mut c = Caller::place(&engine, caller).await;
    let offer = phone.rung(Duration::from_secs(5)).await;
    let talk = phone.answer(offer).await;
    hears_staff_number(&mut c, "1023").await;

    // The agent hangs up from the desktop: her leg ends, the caller is asked to rate the call.
    let (status, body) = desk.post("/api/acd/me/call/hangup", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        phone.take_bye(&talk, Duration::from_secs(5)).await,
        "the agent's leg is hung up"
    );
    c.expect("the survey", &ulaw("zh", "survey_scale"), Some(1600))
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    c.press("5").await;
    c.expect("the thanks", &ulaw("zh", "survey_thanks"), None)
        .await;
    c.hang_up().await;

    #[allow(clippy::type_complexity)]
    let (
        started,
        answered,
        agent_answered,
        ended,
        wait,
        talk_ms,
        hold,
        side,
        disposition,
        path,
        survey,
    ): (
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
        Option<i64>,
    ) = ended_call(
        &pool,
        "started_at, answered_at, agent_answered_at, ended_at, wait_ms, talk_ms, hold_ms, \
         hangup_side, disposition, ivr_path, survey_score",
        caller,
    )
    .await;
    let (answered, agent_answered, ended) = (
        answered.expect("answered_at"),
        agent_answered.expect("agent_answered_at"),
        ended.expect("ended_at"),
    );
    assert!(
        started <= answered && answered < agent_answered,
        "the IVR answered, then the agent"
    );
    assert_eq!(disposition.as_deref(), Some("answered"));
    assert_eq!(
        side.as_deref(),
        Some("agent"),
        "the desk hung up the agent's side"
    );
    assert_eq!(survey, Some(5));
    assert_eq!(hold, Some(0));
    let talk_ms = talk_ms.expect("talk_ms");
    // Talk ends with the agent's leg: the survey (more than 1.5 s here) is not in it.
    assert!(
        talk_ms > 0 && talk_ms + 1500 <= ended - agent_answered,
        "talk {talk_ms} ms of {} ms after the agent answered",
        ended - agent_answered
    );
    assert!(
        wait.is_some_and(|w| w >= 0 && w <= agent_answered - started),
        "{wait:?}"
    );
    let path: Vec<String> = serde_json::from_str(&path).unwrap();
    assert_eq!(
        path.first().map(String::as_str),
        Some("main/to_queue"),
        "{path:?}"
    );
    assert!(
        path.iter().any(|s| s.starts_with("survey/")),
        "the survey's steps are appended: {path:?}"
    );
    // The agent's wrap-up (the queue's 1 s) is the call's.
    let wrap = eventually_i64(
        &pool,
        "SELECT wrapup_ms FROM calls WHERE caller = ? AND ended_at IS NOT NULL",
        caller,
    )
    .await;
    assert!((900..=1500).contains(&wrap), "wrap-up {wrap} ms");
}

// ---------------------------------------------------------------------------------------------
// 4. Callbacks: the conversation is a record; the desk hangs up; a busy customer is told.

/// The outbound gateway: a UA bound before the engine starts, so its address can be configured.
async fn gateway() -> (Ua, tokio::net::UdpSocket) {
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut gw = Ua::udp("127.0.0.1:9".parse().unwrap(), "gateway").await;
    gw.rtp_port = rtp.local_addr().unwrap().port();
    (gw, rtp)
}

fn callback_config(gw: SocketAddr) -> String {
    format!(
        "[acd]\ncallback_gateway = \"{gw}\"\ncallback_caller_id = \"96655\"\n\n{}",
        // Announcements (every 5 s, the first at once) offer the callback.
        general_queue(10, 0).replace("announce_secs = 0", "announce_secs = 5")
    )
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

/// A caller waiting in `general` asks for a callback and is released.
async fn asks_for_a_callback(engine: &Engine, caller: &str) {
    let mut c = Caller::place(engine, caller).await;
    c.expect("the offer", &ulaw("zh", "queue_callback_offer"), Some(4000))
        .await;
    c.press("1").await;
    c.expect("the goodbye", &ulaw("zh", "goodbye"), None).await;
    let bye = request(&mut c.ua, "BYE", Duration::from_secs(10))
        .await
        .expect("the engine hangs up");
    let ok = c.ua.answer(&bye, 200, "OK", &c.to_tag.clone(), None);
    c.ua.send(&ok).await;
}

/// The callback attempts of the call from `caller`: (agent, answered_at, talk_ms, result,
/// disposition, hangup_side), once written.
#[allow(clippy::type_complexity)]
async fn attempts(
    pool: &sqlx::SqlitePool,
    caller: &str,
) -> Vec<(
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
)> {
    for _ in 0..100 {
        let rows = sqlx::query_as(
            "SELECT agent_id, answered_at, talk_ms, result, disposition, hangup_side FROM calls \
             WHERE direction = 'outbound' AND ended_at IS NOT NULL AND parent_call_ref = \
             (SELECT call_ref FROM calls WHERE caller = ?) ORDER BY id",
        )
        .bind(caller)
        .fetch_all(pool)
        .await
        .expect("attempts");
        if !rows.is_empty() {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no callback attempt recorded for {caller}");
}

#[tokio::test]
async fn a_callback_conversation_is_recorded_and_the_desk_hangs_it_up() {
    let (mut gw, _rtp) = gateway().await;
    let (engine, _scratch) = start(GENERAL_FLOW, &callback_config(gw.local), "5");
    gw.engine = engine.udp;
    let pool = db(&engine).await;
    let customer = "13812340001";
    asks_for_a_callback(&engine, customer).await;
    let (disposition, talk): (Option<String>, Option<i64>) =
        ended_call(&pool, "disposition, talk_ms", customer).await;
    assert_eq!(disposition.as_deref(), Some("callback"));
    assert_eq!(talk, None, "no talk time for a callback request");

    let me = agent_id(&pool, "zhangmin").await;
    let desk = Desk::login(&engine, "zhangmin").await;
    let mut agent = AgentPhone::registered(&engine, "1001", "secret").await;
    let offer = agent.rung(Duration::from_secs(10)).await;
    let talking = agent.answer(offer).await;
    let inv = request(&mut gw, "INVITE", Duration::from_secs(10))
        .await
        .expect("the customer is dialled");
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
        gw.rtp_port
    );
    let ok = gw.answer(&inv, 200, "OK", "gw1", Some(&sdp));
    gw.send(&ok).await;
    let on_call = desk.agent_in(me, "on_call").await;
    assert_eq!(on_call["state"]["state"], "on_call");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The desk hangs the callback up: both legs end.
    let (status, body) = desk.post("/api/acd/me/call/hangup", json!({})).await;
    assert_eq!(status, 200, "the desk can hang up a callback: {body}");
    assert!(agent.take_bye(&talking, Duration::from_secs(5)).await);
    let bye = request(&mut gw, "BYE", Duration::from_secs(5))
        .await
        .expect("the customer's leg is hung up");
    let ok = gw.answer(&bye, 200, "OK", "gw1", None);
    gw.send(&ok).await;

    let rows = attempts(&pool, customer).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (agent_id, answered, talk, result, disposition, side) = rows[0].clone();
    assert_eq!(agent_id, Some(me));
    assert!(answered.is_some(), "the customer answered");
    assert!(talk.is_some_and(|t| t >= 250), "{talk:?}");
    assert_eq!(result.as_deref(), Some("reached"));
    assert_eq!(disposition.as_deref(), Some("answered"));
    assert_eq!(side.as_deref(), Some("agent"));
}

#[tokio::test]
async fn a_busy_callback_customer_is_told_to_the_agent_and_recorded() {
    let (mut gw, _rtp) = gateway().await;
    let (engine, _scratch) = start(GENERAL_FLOW, &callback_config(gw.local), "5");
    gw.engine = engine.udp;
    let pool = db(&engine).await;
    let customer = "13812340002";
    asks_for_a_callback(&engine, customer).await;

    let me = agent_id(&pool, "zhangmin").await;
    let desk = Desk::login(&engine, "zhangmin").await;
    let mut events = desk.events().await;
    let mut agent = AgentPhone::registered(&engine, "1001", "secret").await;
    let offer = agent.rung(Duration::from_secs(10)).await;
    let talking = agent.answer(offer).await;
    let inv = request(&mut gw, "INVITE", Duration::from_secs(10))
        .await
        .expect("the customer is dialled");
    let busy = gw.answer(&inv, 486, "Busy Here", "gw1", None);
    gw.send(&busy).await;
    // The desktop is told, and the agent hears why before the leg ends.
    let notice = events
        .next_named("call_notice", Duration::from_secs(5))
        .await
        .expect("a call_notice event");
    assert_eq!(notice["agent"], me, "{notice}");
    assert_eq!(notice["notice"], "callback_customer_busy", "{notice}");
    // The engine plays the prompt as it is on disk: its first 1600 bytes show up in the audio.
    let notice = ulaw("zh", "callback_customer_busy");
    let want = &notice[..1600.min(notice.len())];
    let (mut buf, mut got) = (vec![0u8; 2048], Vec::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    while !got.windows(want.len()).any(|w| w == want) {
        let n = tokio::time::timeout_at(deadline, agent.rtp.recv(&mut buf))
            .await
            .expect("the agent hears callback_customer_busy")
            .unwrap();
        if n > 12 {
            got.extend_from_slice(&buf[12..n]);
        }
    }
    assert!(agent.take_bye(&talking, Duration::from_secs(10)).await);
    let rows = attempts(&pool, customer).await;
    let (agent_id, answered, talk, result, disposition, _) = rows[0].clone();
    assert_eq!(agent_id, Some(me));
    assert_eq!((answered, talk), (None, None), "not reached");
    assert_eq!(result.as_deref(), Some("busy"));
    assert_eq!(disposition.as_deref(), Some("failed"));
}
