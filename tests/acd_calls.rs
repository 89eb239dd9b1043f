//! End-to-end ACD: the real `hotline serve`, callers placed by a flow into queues configured
//! in a TOML file, and agents' softphones ([`AgentPhone`]) plus their desktop (the HTTP API).
//! It proves that a key account rings its own manager first and anyone after the queue's step
//! time; that the desktop's ready / not ready / wrap-up states decide who is rung and refuse
//! illegal changes; that badly behaved phones (garbage on the SIP port, a phone that rings and
//! then ignores everything, a phone that moves to another socket mid-call) neither break calls
//! nor leave agents stuck; and that a SIGHUP reload of the queues keeps waiting callers, while
//! an invalid file is refused and the queues in force keep serving.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hotline_e2e::{
    branch, db, ended_call, prompt_ulaw as ulaw, token, AgentPhone, Caller, Desk, Engine, Ringing,
    Ua, PATIENCE,
};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Setup: flows, queues, the engine.

/// `main` hands every caller to the queue `general`.
const GENERAL_FLOW: &str = r#"flow: main
languages: [zh, en]
start: to_queue
nodes:
  to_queue:
    transfer: { queue: general, reason: general }
"#;

/// `main` looks the caller up and hands a known customer to `key_accounts` with their manager
/// preferred (as the shipped `agent` flow does); an unknown caller hears "system busy".
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

/// A scratch folder (flows and the configuration file), removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Scratch {
    fn config(&self) -> PathBuf {
        self.0.join("hotline.toml")
    }
}

/// The engine running `flow` as `main` (with the shipped survey) and the queues `queues`
/// (`[[acd.queues]]` tables) from its configuration file; SIP users 1001–1003 have the
/// password "secret"; the store has `customers` demo customers and the demo agents.
fn start(flow: &str, queues: &str, customers: &str) -> (Engine, Scratch) {
    let scratch = Scratch(std::env::temp_dir().join(format!("hotline-acd-e2e-{}", token())));
    let flows = scratch.0.join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(flows.join("main.yaml"), flow).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("ivr-flows/survey.yaml");
    std::fs::copy(shipped, flows.join("survey.yaml")).unwrap();
    std::fs::write(scratch.config(), queues).unwrap();
    let (flows_dir, config) = (
        flows.display().to_string(),
        scratch.config().display().to_string(),
    );
    let engine = Engine::start(&[
        ("HOTLINE_CONFIG", &config),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", &flows_dir),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", customers),
        ("HOTLINE_SIP_USERS", "1001:secret,1002:secret,1003:secret"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ]);
    (engine, scratch)
}

/// One queue `general` (skill general ≥ 1) with these timings.
fn general_queue(ring_secs: u32, wrap_up_secs: u32, announce_secs: u32) -> String {
    format!(
        "[[acd.queues]]\nname = \"general\"\nskills = {{ general = 1 }}\nring_secs = {ring_secs}\n\
         wrap_up_secs = {wrap_up_secs}\nannounce_secs = {announce_secs}\n"
    )
}

// ---------------------------------------------------------------------------------------------
// The store.

async fn agent_id(pool: &sqlx::SqlitePool, login: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM agents WHERE login = ?")
        .bind(login)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("demo agent {login}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

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

/// The caller hears its place: "您前面还有 一 位客户在等待" (no expected wait: nobody ready).
async fn hears_first_in_line(c: &mut Caller) {
    for name in ["queue_position_before", "digit_1", "queue_position_after"] {
        c.expect(name, &ulaw("zh", name), None).await;
    }
}

/// An OPTIONS from a fresh socket; the engine's answer code (0: none within `PATIENCE`).
async fn options_answer(engine: &Engine) -> u16 {
    let mut ua = Ua::udp(engine.udp, "probe").await;
    let req = format!(
        "OPTIONS sip:hotline@{e} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\nFrom: <sip:probe@{l}>;tag={}\r\n\
         To: <sip:hotline@{e}>\r\nCall-ID: {}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
        ua.via(&branch()),
        token(),
        token(),
        e = engine.udp,
        l = ua.local,
    );
    ua.send(&req).await;
    match ua.recv_final(PATIENCE).await {
        Some(got) => got.code(),
        None => 0,
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Key accounts: the manager first, then anyone.

/// The key account's queue: the manager alone for 3 s, then anyone with the general skill.
/// A busy agent is skipped for one ring time (6 s, longer than the manager's step).
const KEY_ACCOUNT_QUEUES: &str = r#"[[acd.queues]]
name = "key_accounts"
skills = { general = 1 }
ring_secs = 6
wrap_up_secs = 0
announce_secs = 0
steps = [{ after_secs = 0, preferred_only = true, tier = "key_account" }, { after_secs = 3 }]
"#;

/// The demo key-account customer (id, account number, one of its phone numbers), made
/// wangfang's (1003) account. The demo seed picks a key account's manager among every agent
/// with the key_account skill, which with 100 customers is the supervisor zhaolei; the test
/// names wangfang so that the manager is an ordinary agent with her own phone.
async fn key_account_of_wangfang(pool: &sqlx::SqlitePool) -> (i64, String, String) {
    let (id, account): (i64, String) = sqlx::query_as(
        "SELECT id, account_no FROM customers WHERE tier = 'key_account' ORDER BY id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("a demo key account (100 demo customers make one)");
    let wangfang = agent_id(pool, "wangfang").await;
    sqlx::query("UPDATE customers SET manager_agent_id = ? WHERE id = ?")
        .bind(wangfang)
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    let phone: String = sqlx::query_scalar(
        "SELECT phone FROM customer_phones WHERE customer_id = ? ORDER BY phone LIMIT 1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .expect("the key account's phone");
    (id, account, phone)
}

/// zhangmin (1001) and then wangfang (1003) register, each ready before the next, so that
/// zhangmin is the longest idle.
async fn zhangmin_then_wangfang(
    engine: &Engine,
    pool: &sqlx::SqlitePool,
) -> (AgentPhone, AgentPhone, Desk) {
    let desk = Desk::login(engine, "zhangmin").await;
    let zhangmin = AgentPhone::registered(engine, "1001", "secret").await;
    desk.agent_in(agent_id(pool, "zhangmin").await, "ready")
        .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let wangfang = AgentPhone::registered(engine, "1003", "secret").await;
    desk.agent_in(agent_id(pool, "wangfang").await, "ready")
        .await;
    (zhangmin, wangfang, desk)
}

/// The manager's phone rings first, with the customer's account for the screen pop.
async fn manager_rings_first(
    wangfang: &mut AgentPhone,
    phone: &str,
    account: &str,
) -> (Ringing, Instant) {
    let offer = wangfang.rung(Duration::from_secs(5)).await;
    let rang_at = Instant::now();
    assert_eq!(offer.caller, phone, "the manager sees the caller's number");
    assert_eq!(
        offer.invite.header("X-Customer-Account").as_deref(),
        Some(account),
        "the screen pop names the account: {}",
        offer.invite.raw
    );
    (offer, rang_at)
}

/// After the manager's turn, zhangmin's phone rings: not before the 3 s step (counted from
/// the manager's ring, which is after the call entered the queue), and not much later.
async fn anyone_after_the_step(zhangmin: &mut AgentPhone, manager_rang: Instant) -> Ringing {
    let offer = zhangmin.rung(Duration::from_secs(10)).await;
    let after = manager_rang.elapsed();
    assert!(
        after >= Duration::from_millis(2500),
        "zhangmin rang {after:?} after the manager: the manager-only step lasts 3 s"
    );
    assert!(
        after <= Duration::from_millis(4500),
        "zhangmin rang {after:?} after the manager: the step ends at 3 s"
    );
    offer
}

/// The record of the call: answered by zhangmin in key_accounts after a wait of at least the
/// manager's step, for the customer.
async fn answered_by_zhangmin(pool: &sqlx::SqlitePool, phone: &str, customer: i64) {
    #[allow(clippy::type_complexity)]
    let (agent, queue, wait_ms, disposition, cust): (
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<i64>,
    ) = ended_call(
        pool,
        "agent_id, queue, wait_ms, disposition, customer_id",
        phone,
    )
    .await;
    assert_eq!(
        agent,
        Some(agent_id(pool, "zhangmin").await),
        "answered by zhangmin"
    );
    assert_eq!(queue.as_deref(), Some("key_accounts"));
    assert!(
        wait_ms.is_some_and(|w| w >= 2500),
        "the wait covers the manager's 3 s: {wait_ms:?}"
    );
    assert_eq!(disposition.as_deref(), Some("answered"));
    assert_eq!(cust, Some(customer), "the call is the key account's");
}

#[tokio::test]
async fn key_account_caller_reaches_their_manager_first_then_anyone() {
    let (engine, _scratch) = start(KEY_ACCOUNT_FLOW, KEY_ACCOUNT_QUEUES, "100");
    let pool = db(&engine).await;
    let (customer, account, phone) = key_account_of_wangfang(&pool).await;
    let (mut zhangmin, mut wangfang, _desk) = zhangmin_then_wangfang(&engine, &pool).await;

    let mut c = Caller::place(&engine, &phone).await;
    // The manager, not the longest idle agent, rings first; she is busy.
    let (offer, rang_at) = manager_rings_first(&mut wangfang, &phone, &account).await;
    wangfang.reject(&offer, 486, "Busy Here").await;
    // From 3 s anyone qualifies: zhangmin rings, answers, and the caller hears her number.
    let offer = anyone_after_the_step(&mut zhangmin, rang_at).await;
    let talk = zhangmin.answer(offer).await;
    hears_staff_number(&mut c, "1023").await;
    let (heard_agent, heard_caller) = zhangmin.voice_both_ways(&talk, &mut c, 0x11).await;
    assert!(
        heard_agent && heard_caller,
        "bridged: {heard_agent} {heard_caller}"
    );
    assert!(
        wangfang
            .next_invite(Duration::from_millis(200))
            .await
            .is_none(),
        "the manager is not rung again"
    );
    c.hang_up().await;
    assert!(
        zhangmin.take_bye(&talk, PATIENCE).await,
        "the agent's leg is hung up"
    );
    answered_by_zhangmin(&pool, &phone, customer).await;
}

#[tokio::test]
async fn the_manager_answers_her_key_account_and_the_caller_rates_the_call() {
    let (engine, _scratch) = start(KEY_ACCOUNT_FLOW, KEY_ACCOUNT_QUEUES, "100");
    let pool = db(&engine).await;
    let (customer, account, phone) = key_account_of_wangfang(&pool).await;
    let (mut zhangmin, mut wangfang, _desk) = zhangmin_then_wangfang(&engine, &pool).await;

    let mut c = Caller::place(&engine, &phone).await;
    let (offer, _) = manager_rings_first(&mut wangfang, &phone, &account).await;
    let mut talk = wangfang.answer(offer).await;
    // 工号 1025 为您服务: wangfang's staff number; then voice both ways.
    hears_staff_number(&mut c, "1025").await;
    let (heard_agent, heard_caller) = wangfang.voice_both_ways(&talk, &mut c, 0x21).await;
    assert!(
        heard_agent && heard_caller,
        "bridged: {heard_agent} {heard_caller}"
    );
    assert!(
        zhangmin
            .next_invite(Duration::from_millis(200))
            .await
            .is_none(),
        "nobody else is rung"
    );
    // The manager hangs up first: the caller is asked to rate the call and keys 4.
    assert_eq!(wangfang.hang_up(&mut talk).await, 200);
    c.expect("the survey", &ulaw("zh", "survey_scale"), Some(1600))
        .await;
    c.press("4").await;
    c.expect("the thanks", &ulaw("zh", "survey_thanks"), None)
        .await;
    #[allow(clippy::type_complexity)]
    let (agent, queue, wait_ms, talk_ms, disposition, survey, cust): (
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<i64>,
    ) = ended_call(
        &pool,
        "agent_id, queue, wait_ms, talk_ms, disposition, survey_score, customer_id",
        &phone,
    )
    .await;
    assert_eq!(agent, Some(agent_id(&pool, "wangfang").await));
    assert_eq!(queue.as_deref(), Some("key_accounts"));
    assert!(
        wait_ms.is_some_and(|w| (0..2500).contains(&w)),
        "{wait_ms:?}"
    );
    assert!(talk_ms.is_some_and(|t| t > 0), "{talk_ms:?}");
    assert_eq!(disposition.as_deref(), Some("answered"));
    assert_eq!(survey, Some(4));
    assert_eq!(cust, Some(customer));
}

#[tokio::test]
async fn key_account_call_rings_out_at_the_manager_then_goes_to_anyone() {
    // The manager rings for 2 s only (her offer times out before the 3 s step ends).
    let queues = KEY_ACCOUNT_QUEUES.replace("ring_secs = 6", "ring_secs = 2");
    let (engine, _scratch) = start(KEY_ACCOUNT_FLOW, &queues, "100");
    let pool = db(&engine).await;
    let (customer, account, phone) = key_account_of_wangfang(&pool).await;
    let (mut zhangmin, mut wangfang, desk) = zhangmin_then_wangfang(&engine, &pool).await;

    let mut c = Caller::place(&engine, &phone).await;
    let (offer, rang_at) = manager_rings_first(&mut wangfang, &phone, &account).await;
    wangfang.ring(&offer).await;
    // The engine gives up on her after the ring time, with a CANCEL she accepts (200, 487).
    assert!(
        wangfang.take_cancel(&offer, PATIENCE).await,
        "the manager's ringing is cancelled"
    );
    let offer = anyone_after_the_step(&mut zhangmin, rang_at).await;
    let talk = zhangmin.answer(offer).await;
    hears_staff_number(&mut c, "1023").await;
    let missed = desk.agent(agent_id(&pool, "wangfang").await).await;
    assert_eq!(missed["state"]["state"], "not_ready", "{missed}");
    assert_eq!(missed["state"]["reason"], "missed", "{missed}");
    c.hang_up().await;
    assert!(zhangmin.take_bye(&talk, PATIENCE).await);
    answered_by_zhangmin(&pool, &phone, customer).await;
}

// ---------------------------------------------------------------------------------------------
// 2. The desktop's states decide routing.

#[tokio::test]
async fn desktop_states_control_routing() {
    let (engine, _scratch) = start(GENERAL_FLOW, &general_queue(5, 30, 30), "5");
    let pool = db(&engine).await;
    let me = agent_id(&pool, "zhangmin").await;
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    let desk = Desk::login(&engine, "zhangmin").await;
    desk.agent_in(me, "ready").await;

    // On a break: a caller waits and is not offered to her.
    let (status, body) = desk
        .set_state(json!({ "state": "not_ready", "reason": "break" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"]["state"], "not_ready", "{body}");
    assert_eq!(body["state"]["reason"], "break", "{body}");
    let mut c = Caller::place(&engine, "13900001111").await;
    hears_first_in_line(&mut c).await;
    assert!(
        phone.next_invite(Duration::from_secs(2)).await.is_none(),
        "an agent on a break is not rung"
    );

    // Ready: her phone rings at once with the waiting call.
    let (status, body) = desk.set_state(json!({ "state": "ready" })).await;
    assert_eq!(status, 200, "{body}");
    let offer = phone.rung(Duration::from_secs(3)).await;
    assert_eq!(offer.caller, "13900001111");
    let talk = phone.answer(offer).await;
    hears_staff_number(&mut c, "1023").await;

    // Ready while on the call is refused, and changes nothing.
    let on_call = desk.get("/api/acd/me").await;
    assert_eq!(on_call["state"]["state"], "on_call", "{on_call}");
    let (status, body) = desk.set_state(json!({ "state": "ready" })).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "illegal_state", "{body}");
    let still = desk.get("/api/acd/me").await;
    assert_eq!(still["state"], on_call["state"], "unchanged by the refusal");

    // The caller hangs up: wrap-up for the queue's 30 s, which ready ends early.
    c.hang_up().await;
    assert!(phone.take_bye(&talk, PATIENCE).await);
    let wrap = desk.agent_in(me, "wrap_up").await;
    let (since, until) = (
        wrap["state"]["since"].as_i64().expect("since"),
        wrap["state"]["until"].as_i64().expect("until"),
    );
    assert_eq!(until - since, 30_000, "the queue's wrap-up: {wrap}");
    let (status, body) = desk.set_state(json!({ "state": "ready" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"]["state"], "ready", "{body}");
    let me_now = desk.get("/api/acd/me").await;
    assert_eq!(me_now["state"]["state"], "ready", "{me_now}");
    assert_eq!(me_now["calls_handled"], 1, "{me_now}");
}

// ---------------------------------------------------------------------------------------------
// 3. Badly behaved agent phones.

#[tokio::test]
async fn garbage_from_an_agent_phone_neither_stops_the_engine_nor_the_call() {
    let (mut engine, _scratch) = start(GENERAL_FLOW, &general_queue(5, 0, 30), "5");
    let pool = db(&engine).await;
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    let mut c = Caller::place(&engine, "13900002222").await;
    let offer = phone.rung(Duration::from_secs(5)).await;
    let mut talk = phone.answer(offer).await;
    hears_staff_number(&mut c, "1023").await;
    let (a, b) = phone.voice_both_ways(&talk, &mut c, 0x11).await;
    assert!(a && b, "bridged before the garbage: {a} {b}");

    // Garbage from the agent's own SIP socket: random bytes, a BYE of this very dialog cut
    // off in its CSeq, a bare status line, NULs in a header, a datagram of 60,000 bytes.
    let noise: Vec<u8> = (0..512).map(|_| rand::random::<u8>()).collect();
    let bye = phone.ua.in_dialog(
        "BYE",
        7,
        &talk.call_id,
        &talk.tag,
        &talk.caller,
        &talk.engine_tag,
    );
    let cut = &bye[..bye.find("CSeq: 7 B").expect("CSeq") + "CSeq: 7 B".len()];
    let garbage: Vec<Vec<u8>> = vec![
        noise,
        cut.as_bytes().to_vec(),
        b"SIP/2.0 200 OK\r\n\r\n".to_vec(),
        b"OPTIONS sip:hotline SIP/2.0\r\nVia: \0\0\0\r\nCall-ID: \0\r\n\r\n".to_vec(),
        vec![b'A'; 60_000],
        Vec::new(),
    ];
    for g in &garbage {
        phone.ua.send_raw(g).await;
    }
    // Whatever the engine answers to that is read and dropped.
    while phone.ua.recv(Duration::from_millis(300)).await.is_some() {}

    // The engine still runs and answers everyone, the phone can register again, the call
    // is bridged.
    assert!(engine.alive(), "the engine survived the garbage");
    assert_eq!(
        options_answer(&engine).await,
        200,
        "OPTIONS after the garbage"
    );
    assert_eq!(
        phone.register("secret").await,
        200,
        "REGISTER after the garbage"
    );
    let (a, b) = phone.voice_both_ways(&talk, &mut c, 0x33).await;
    assert!(a && b, "still bridged after the garbage: {a} {b}");

    // The agent hangs up normally; the caller goes on to the survey.
    assert_eq!(phone.hang_up(&mut talk).await, 200, "BYE");
    c.expect("the survey", &ulaw("zh", "survey_scale"), Some(1600))
        .await;
    c.hang_up().await;
    let (agent, answered): (Option<i64>, Option<i64>) =
        ended_call(&pool, "agent_id, answered_at", "13900002222").await;
    assert_eq!(agent, Some(agent_id(&pool, "zhangmin").await));
    assert!(answered.is_some(), "the call was answered");
}

#[tokio::test]
async fn a_phone_that_rings_and_then_ignores_everything_is_passed_over_and_not_stuck() {
    let (engine, _scratch) = start(GENERAL_FLOW, &general_queue(3, 0, 30), "5");
    let pool = db(&engine).await;
    let (zhangmin_id, liqiang_id) = (
        agent_id(&pool, "zhangmin").await,
        agent_id(&pool, "liqiang").await,
    );
    let desk = Desk::login(&engine, "zhangmin").await;
    let mut deaf = AgentPhone::registered(&engine, "1001", "secret").await;
    desk.agent_in(zhangmin_id, "ready").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut liqiang = AgentPhone::registered(&engine, "1002", "secret").await;
    desk.agent_in(liqiang_id, "ready").await;

    let mut c = Caller::place(&engine, "13900003333").await;
    // zhangmin, the longest idle, rings; her phone says 180 and then nothing, ever.
    let offer = deaf.rung(Duration::from_secs(5)).await;
    let rang_at = Instant::now();
    deaf.ring(&offer).await;
    // After the 3 s ring time the call goes to liqiang, who answers.
    let next = liqiang.rung(Duration::from_secs(8)).await;
    let after = rang_at.elapsed();
    assert!(
        after >= Duration::from_millis(2500) && after <= Duration::from_millis(4500),
        "liqiang, ready all along, must ring when zhangmin's 3 s ring time ends, not {after:?} after zhangmin"
    );
    let mut talk = liqiang.answer(next).await;
    hears_staff_number(&mut c, "1024").await;
    // The ignored phone was sent a CANCEL for the offer.
    let mut cancelled = false;
    while let Some(got) = deaf.ua.recv(Duration::from_millis(300)).await {
        cancelled |= got.raw.starts_with("CANCEL ") && got.raw.contains(&offer.call_id);
    }
    assert!(cancelled, "the unanswered ringing is cancelled");

    // zhangmin is not ready (missed), not reserved; liqiang is on the call.
    let z = desk.agent(zhangmin_id).await;
    assert_eq!(z["state"]["state"], "not_ready", "{z}");
    assert_eq!(z["state"]["reason"], "missed", "{z}");
    assert_eq!(z["registered"], true, "{z}");
    let l = desk.agent(liqiang_id).await;
    assert_eq!(l["state"]["state"], "on_call", "{l}");
    assert_eq!(liqiang.hang_up(&mut talk).await, 200);
    c.hang_up().await;

    // Still not reserved later; and she can go ready again (refused while reserved).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let z = desk.agent(zhangmin_id).await;
    assert_eq!(z["state"]["state"], "not_ready", "{z}");
    let (status, body) = desk.set_state(json!({ "state": "ready" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"]["state"], "ready", "{body}");
    let (agent, queue): (Option<i64>, Option<String>) =
        ended_call(&pool, "agent_id, queue", "13900003333").await;
    assert_eq!(agent, Some(liqiang_id), "answered by liqiang");
    assert_eq!(queue.as_deref(), Some("general"));
}

#[tokio::test]
async fn an_agent_phone_moving_to_another_socket_mid_call_keeps_the_call_and_gets_the_next() {
    let (engine, _scratch) = start(GENERAL_FLOW, &general_queue(5, 0, 30), "5");
    let mut old = AgentPhone::registered(&engine, "1001", "secret").await;
    let mut c = Caller::place(&engine, "13900004444").await;
    let offer = old.rung(Duration::from_secs(5)).await;
    let mut talk = old.answer(offer).await;
    hears_staff_number(&mut c, "1023").await;

    // The phone registers again from a new socket (a new address, as after a NAT rebinding).
    let mut moved = AgentPhone::registered(&engine, "1001", "secret").await;
    let (a, b) = old.voice_both_ways(&talk, &mut c, 0x11).await;
    assert!(a && b, "the call continues after the move: {a} {b}");
    // It hangs up the call from its new address; the caller goes on to the survey.
    assert_eq!(
        moved.hang_up(&mut talk).await,
        200,
        "BYE from the new address"
    );
    c.expect("the survey", &ulaw("zh", "survey_scale"), Some(1600))
        .await;
    c.hang_up().await;

    // The next call rings the new address, not the old one.
    let mut c2 = Caller::place(&engine, "13900005555").await;
    let offer = moved.rung(Duration::from_secs(5)).await;
    assert_eq!(offer.caller, "13900005555");
    assert!(
        old.next_invite(Duration::from_millis(300)).await.is_none(),
        "the old address is not rung"
    );
    let talk = moved.answer(offer).await;
    hears_staff_number(&mut c2, "1023").await;
    c2.hang_up().await;
    assert!(moved.take_bye(&talk, PATIENCE).await);
}

// ---------------------------------------------------------------------------------------------
// 4. Reloading the queues.

#[tokio::test]
async fn queue_reload_keeps_waiting_calls() {
    let (engine, scratch) = start(GENERAL_FLOW, &general_queue(5, 0, 30), "5");
    let pool = db(&engine).await;
    let desk = Desk::login(&engine, "zhangmin").await;
    let mut log = engine.log_cursor();
    let hup = || engine.sighup();

    // A caller waits: no agent's phone is registered.
    let mut c = Caller::place(&engine, "13900006666").await;
    hears_first_in_line(&mut c).await;
    let before = desk.queue("general").await;
    assert_eq!(before["waiting"], 1, "{before}");

    // New settings for general and a new queue: applied, and the caller keeps its place.
    let new = general_queue(5, 0, 10)
        + "\n[[acd.queues]]\nname = \"billing\"\nskills = { billing = 2 }\nrecording_retention_days = 90\n";
    std::fs::write(scratch.config(), new).unwrap();
    hup();
    let applied = engine.next_log_line(&mut log, "ACD queues applied").await;
    assert!(applied.contains("queues=2"), "{applied}");
    // The purge keeps the new queue's recordings 90 days from now on.
    let kept = engine
        .next_log_line(&mut log, "recording retentions applied")
        .await;
    assert!(kept.contains("general=0 billing=90"), "{kept}");
    assert_eq!(desk.queue_names().await, ["general", "billing"]);
    let after = desk.queue("general").await;
    assert_eq!(
        after["waiting"], 1,
        "still waiting after the reload: {after}"
    );
    assert!(
        after["longest_wait_ms"].as_i64().unwrap_or(0)
            >= before["longest_wait_ms"].as_i64().unwrap_or(i64::MAX),
        "the wait goes on from the same start: {before} then {after}"
    );

    // An invalid file is refused with its problem named; the queues in force keep serving.
    std::fs::write(scratch.config(), general_queue(0, 0, 10)).unwrap();
    hup();
    engine
        .next_log_line(&mut log, "configuration reload refused")
        .await;
    let why = engine
        .next_log_line(&mut log, "ring_secs must be at least 1")
        .await;
    assert_eq!(
        desk.queue_names().await,
        ["general", "billing"],
        "the queues in force after the refusal ({why})"
    );
    assert_eq!(desk.queue("general").await["waiting"], 1);

    // An agent's phone registers: the waiting caller is offered to her and connected.
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    let offer = phone.rung(Duration::from_secs(5)).await;
    assert_eq!(offer.caller, "13900006666");
    let talk = phone.answer(offer).await;
    hears_staff_number(&mut c, "1023").await;
    c.hang_up().await;
    assert!(phone.take_bye(&talk, PATIENCE).await);
    let (agent, queue, wait_ms): (Option<i64>, Option<String>, Option<i64>) =
        ended_call(&pool, "agent_id, queue, wait_ms", "13900006666").await;
    assert_eq!(agent, Some(agent_id(&pool, "zhangmin").await));
    assert_eq!(queue.as_deref(), Some("general"));
    assert!(
        wait_ms.is_some_and(|w| w >= before["longest_wait_ms"].as_i64().unwrap_or(0)),
        "one wait across both reloads: {wait_ms:?}"
    );
}
