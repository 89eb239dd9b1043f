//! Issue 24's proof of the call records: a mix of calls through the real `hotline serve` with
//! real SIP (self-served, abandoned short and long, two callbacks, one reached and one not,
//! answered, surveyed after the agent hung up, transferred from the desktop to another queue),
//! then every field of every record checked against the README's glossary — on SQLite, and on
//! PostgreSQL (an own schema, dropped after) when `HOTLINE_TEST_PG` holds a URL.

use std::net::SocketAddr;
use std::time::Duration;

use hotline_e2e::{
    prompt_ulaw as ulaw, tag_of, token, AgentPhone, Caller, Desk, Engine, Got, Ringing, Ua,
};
use hotline_store::{Call, CallFilter, OpenOptions, Store};
use serde_json::json;

/// `main`: key 1 to the queue `general`, key 9 a self-service message (a `served` node) and
/// goodbye.
const FLOW: &str = r#"flow: main
languages: [zh, en]
start: menu
nodes:
  menu:
    menu:
      prompts: [main_menu]
      keys: { "1": to_queue, "9": info }
      timeout: 10s
      retries: 0
      fallback: done
  to_queue:
    transfer: { queue: general, reason: general }
  info:
    play:
      prompts: [no_bills]
      served: true
      next: done
  done:
    hangup: { prompts: [goodbye] }
"#;

fn config(gw: SocketAddr) -> String {
    format!(
        r#"[acd]
callback_gateway = "{gw}"
callback_caller_id = "96655"

[[acd.queues]]
name = "general"
skills = {{ general = 1 }}
ring_secs = 10
wrap_up_secs = 1
announce_secs = 5
short_abandon_secs = 2
callback = {{ attempts = 1, retry_secs = 1, dial_secs = 20 }}

[[acd.queues]]
name = "other"
skills = {{ repair = 1 }}
announce_secs = 0
"#
    )
}

const SELF_SERVED: &str = "13900010001";
const SHORT_ABANDON: &str = "13900010002";
const LONG_ABANDON: &str = "13900010003";
const CALLBACK_BUSY: &str = "13900010004";
const CALLBACK_REACHED: &str = "13900010005";
const ANSWERED: &str = "13900010006";
const SURVEYED: &str = "13900010007";
const TRANSFERRED: &str = "13900010008";

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

/// A caller who keys 1 and so waits in `general`.
async fn queued(engine: &Engine, number: &str) -> Caller {
    let mut c = Caller::place(engine, number).await;
    c.expect("the menu", &ulaw("zh", "main_menu"), Some(1600))
        .await;
    c.press("1").await;
    c
}

/// The engine's BYE to the caller, answered.
async fn engine_hangs_up(c: &mut Caller) {
    let bye = request(&mut c.ua, "BYE", Duration::from_secs(10))
        .await
        .expect("the engine hangs up");
    let ok = c.ua.answer(&bye, 200, "OK", &c.to_tag.clone(), None);
    c.ua.send(&ok).await;
}

/// A queued caller asks for a callback and is released.
async fn asks_for_a_callback(engine: &Engine, number: &str) {
    let mut c = queued(engine, number).await;
    c.expect("the offer", &ulaw("zh", "queue_callback_offer"), Some(1600))
        .await;
    c.press("1").await;
    c.expect("the goodbye", &ulaw("zh", "goodbye"), None).await;
    engine_hangs_up(&mut c).await;
}

/// The first announcement (at once): the caller is in the queue.
async fn hears_its_place(c: &mut Caller) {
    c.expect(
        "the position",
        &ulaw("zh", "queue_position_before"),
        Some(800),
    )
    .await;
}

async fn hears_staff_number(c: &mut Caller) {
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
}

/// The callback's agent leg: rung with the customer's number, answered.
async fn callback_rings(phone: &mut AgentPhone, number: &str) -> hotline_e2e::Talking {
    let offer: Ringing = phone.rung(Duration::from_secs(15)).await;
    assert!(
        offer
            .invite
            .raw
            .contains(&format!("X-Hotline-Callback: {number}")),
        "{}",
        offer.invite.raw
    );
    phone.answer(offer).await
}

/// Places every call of the mix on `engine` (callbacks through the gateway `gw`).
async fn place_the_mix(engine: &Engine, gw: &mut Ua) {
    // Self-served: 9, goodbye, the engine hangs up.
    let mut c = Caller::place(engine, SELF_SERVED).await;
    c.expect("the menu", &ulaw("zh", "main_menu"), Some(1600))
        .await;
    c.press("9").await;
    c.expect("the goodbye", &ulaw("zh", "goodbye"), None).await;
    engine_hangs_up(&mut c).await;

    // No agent yet: a short abandon, a long one, two callback requests.
    let mut c = queued(engine, SHORT_ABANDON).await;
    hears_its_place(&mut c).await;
    c.hang_up().await;
    let mut c = queued(engine, LONG_ABANDON).await;
    hears_its_place(&mut c).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    c.hang_up().await;
    asks_for_a_callback(engine, CALLBACK_BUSY).await;
    asks_for_a_callback(engine, CALLBACK_REACHED).await;

    // The agent comes: the callbacks first, in their order.
    let desk = Desk::login(engine, "zhangmin").await;
    let me = desk.get("/api/acd/me").await["id"].as_i64().expect("my id");
    let mut phone = AgentPhone::registered(engine, "1001", "secret").await;
    let talking = callback_rings(&mut phone, CALLBACK_BUSY).await;
    let inv = request(gw, "INVITE", Duration::from_secs(10))
        .await
        .expect("the first customer is dialled");
    let busy = gw.answer(&inv, 486, "Busy Here", "gw1", None);
    gw.send(&busy).await;
    assert!(phone.take_bye(&talking, Duration::from_secs(10)).await);

    let talking = callback_rings(&mut phone, CALLBACK_REACHED).await;
    let inv = request(gw, "INVITE", Duration::from_secs(10))
        .await
        .expect("the second customer is dialled");
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
        gw.rtp_port
    );
    let ok = gw.answer(&inv, 200, "OK", "gw2", Some(&sdp));
    gw.send(&ok).await;
    desk.agent_in(me, "on_call").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The customer hangs up.
    let bye = gw.in_dialog(
        "BYE",
        2,
        &inv.request().common.call_id,
        "gw2",
        CALLBACK_REACHED,
        &tag_of(&inv.request().common.from),
    );
    gw.send(&bye).await;
    assert!(phone.take_bye(&talking, Duration::from_secs(10)).await);
    desk.agent_in(me, "ready").await;

    // Answered; the caller hangs up.
    let mut c = queued(engine, ANSWERED).await;
    let offer = phone.rung(Duration::from_secs(10)).await;
    let talk = phone.answer(offer).await;
    hears_staff_number(&mut c).await;
    c.hang_up().await;
    assert!(phone.take_bye(&talk, Duration::from_secs(5)).await);
    desk.agent_in(me, "ready").await;

    // Surveyed: the agent hangs up, the caller rates 4.
    let mut c = queued(engine, SURVEYED).await;
    let offer = phone.rung(Duration::from_secs(10)).await;
    let mut talk = phone.answer(offer).await;
    hears_staff_number(&mut c).await;
    assert_eq!(phone.hang_up(&mut talk).await, 200);
    c.expect("the survey", &ulaw("zh", "survey_scale"), Some(1600))
        .await;
    c.press("4").await;
    c.expect("the thanks", &ulaw("zh", "survey_thanks"), None)
        .await;
    engine_hangs_up(&mut c).await;
    desk.agent_in(me, "ready").await;

    // Transferred from the desktop to `other` (nobody serves it); the caller gives up there.
    let mut c = queued(engine, TRANSFERRED).await;
    let offer = phone.rung(Duration::from_secs(10)).await;
    let talk = phone.answer(offer).await;
    hears_staff_number(&mut c).await;
    let (status, body) = desk
        .post("/api/acd/me/call/transfer", json!({ "queue": "other" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(phone.take_bye(&talk, Duration::from_secs(5)).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.hang_up().await;
}

/// Every record, once all are written (inbound ended, attempts written, wrap-ups in).
async fn records(store: &Store) -> Vec<Call> {
    for _ in 0..150 {
        let calls = store
            .list_calls(&CallFilter {
                limit: 100,
                ..CallFilter::default()
            })
            .await
            .expect("calls");
        let ended = calls.iter().filter(|c| c.ended_at.is_some()).count();
        let wrapped = calls
            .iter()
            .filter(|c| [ANSWERED, SURVEYED, TRANSFERRED].contains(&c.caller.as_str()))
            .all(|c| c.wrapup_ms.is_some());
        if ended == 10 && wrapped {
            return calls;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the records were not all written");
}

fn by_caller<'a>(calls: &'a [Call], caller: &str) -> &'a Call {
    calls
        .iter()
        .find(|c| c.caller == caller && c.direction == "inbound")
        .unwrap_or_else(|| panic!("no record for {caller}"))
}

/// The glossary, field by field, for a call that never reached an agent.
fn no_agent(c: &Call) {
    assert_eq!(c.direction, "inbound", "{c:?}");
    assert_eq!(c.agent_id, None, "{c:?}");
    assert_eq!(c.agent_answered_at, None, "{c:?}");
    assert_eq!(
        (c.talk_ms, c.hold_ms, c.wrapup_ms),
        (None, None, None),
        "{c:?}"
    );
    assert_eq!(c.survey_score, None, "{c:?}");
    assert_eq!((&c.parent_call_ref, &c.result), (&None, &None), "{c:?}");
}

/// For a call an agent answered: the times in order, talk within the agent's part.
fn with_agent(c: &Call, agent: i64) {
    assert_eq!(c.direction, "inbound", "{c:?}");
    assert_eq!(c.agent_id, Some(agent), "{c:?}");
    let (answered, agent_answered, queued, ended) = (
        c.answered_at.expect("answered_at"),
        c.agent_answered_at.expect("agent_answered_at"),
        c.queued_at.expect("queued_at"),
        c.ended_at.expect("ended_at"),
    );
    assert!(
        c.started_at <= answered && answered <= queued && queued <= agent_answered,
        "{c:?}"
    );
    assert!(agent_answered <= ended, "{c:?}");
    let wait = c.wait_ms.expect("wait_ms");
    assert!((0..=agent_answered - queued + 50).contains(&wait), "{c:?}");
    let talk = c.talk_ms.expect("talk_ms");
    assert!(talk > 0 && talk <= ended - agent_answered + 50, "{c:?}");
    assert_eq!(c.hold_ms, Some(0), "{c:?}");
    let wrap = c.wrapup_ms.expect("wrapup_ms");
    assert!(
        (800..=1600).contains(&wrap),
        "the queue's 1 s wrap-up: {c:?}"
    );
    assert_eq!(c.disposition.as_deref(), Some("answered"), "{c:?}");
    assert_eq!(
        c.ivr_path.first().map(String::as_str),
        Some("main/menu"),
        "{c:?}"
    );
    assert!(c.ivr_path.iter().any(|s| s == "main/to_queue"), "{c:?}");
}

fn check_the_mix(calls: &[Call], agent: i64) {
    let c = by_caller(calls, SELF_SERVED);
    no_agent(c);
    assert_eq!(c.disposition.as_deref(), Some("self_served"));
    assert!(c.answered_at.is_some() && c.ivr_ended_at.is_some(), "{c:?}");
    assert_eq!(
        (c.queued_at, c.wait_ms, &c.queue),
        (None, None, &None),
        "{c:?}"
    );
    assert_eq!(c.hangup_side.as_deref(), Some("system"));
    assert_eq!(c.ivr_path, ["main/menu", "main/info", "main/done"], "{c:?}");

    for (number, short) in [(SHORT_ABANDON, true), (LONG_ABANDON, false)] {
        let c = by_caller(calls, number);
        no_agent(c);
        assert_eq!(
            c.disposition.as_deref(),
            Some("abandoned_in_queue"),
            "{c:?}"
        );
        assert_eq!(c.queue.as_deref(), Some("general"));
        assert_eq!(c.hangup_side.as_deref(), Some("caller"));
        let wait = c.wait_ms.expect("an abandon's wait");
        assert_eq!(wait < 2000, short, "short abandon under 2 s: {c:?}");
        assert!(
            wait <= c.ended_at.unwrap() - c.queued_at.unwrap() + 50,
            "{c:?}"
        );
    }

    for number in [CALLBACK_BUSY, CALLBACK_REACHED] {
        let c = by_caller(calls, number);
        no_agent(c);
        assert_eq!(c.disposition.as_deref(), Some("callback"), "{c:?}");
        assert!(c.wait_ms.is_some_and(|w| w > 0), "{c:?}");
        assert_eq!(c.hangup_side.as_deref(), Some("system"), "{c:?}");
        let attempts: Vec<&Call> = calls
            .iter()
            .filter(|a| a.parent_call_ref.as_deref() == Some(c.call_ref.as_str()))
            .collect();
        assert_eq!(attempts.len(), 1, "one attempt each: {attempts:?}");
        let a = attempts[0];
        assert_eq!(a.direction, "outbound");
        assert_eq!(a.dialled, number);
        assert_eq!(a.agent_id, Some(agent));
        assert!(a.agent_answered_at.is_some(), "the agent answered: {a:?}");
        assert_eq!((&a.queue, a.wait_ms, a.survey_score), (&None, None, None));
        if number == CALLBACK_BUSY {
            assert_eq!(a.result.as_deref(), Some("busy"), "{a:?}");
            assert_eq!(a.disposition.as_deref(), Some("failed"));
            assert_eq!((a.answered_at, a.talk_ms), (None, None), "{a:?}");
        } else {
            assert_eq!(a.result.as_deref(), Some("reached"), "{a:?}");
            assert_eq!(a.disposition.as_deref(), Some("answered"));
            assert!(a.answered_at.is_some(), "{a:?}");
            assert!(a.talk_ms.is_some_and(|t| t >= 400), "{a:?}");
            assert_eq!(
                a.hangup_side.as_deref(),
                Some("caller"),
                "the customer hung up"
            );
        }
    }

    let c = by_caller(calls, ANSWERED);
    with_agent(c, agent);
    assert_eq!(c.queue.as_deref(), Some("general"));
    assert_eq!(c.hangup_side.as_deref(), Some("caller"));
    assert_eq!(c.survey_score, None);

    let c = by_caller(calls, SURVEYED);
    with_agent(c, agent);
    assert_eq!(c.hangup_side.as_deref(), Some("agent"));
    assert_eq!(c.survey_score, Some(4));
    assert!(c.ivr_path.iter().any(|s| s.starts_with("survey/")), "{c:?}");
    // Talk ends with the agent's leg: the survey (its prompts last seconds) is not in it.
    let after_agent = c.ended_at.unwrap() - c.agent_answered_at.unwrap();
    assert!(c.talk_ms.unwrap() + 2000 < after_agent, "{c:?}");

    let c = by_caller(calls, TRANSFERRED);
    with_agent(c, agent);
    assert_eq!(c.queue.as_deref(), Some("other"), "the last queue: {c:?}");
    assert_eq!(c.hangup_side.as_deref(), Some("agent"), "{c:?}");
}

/// Runs the mix on an engine whose store is `url` (`None`: its own SQLite file) and checks it.
async fn mix(store_url: Option<(String, String)>) {
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut gw = Ua::udp("127.0.0.1:9".parse().unwrap(), "gateway").await;
    gw.rtp_port = rtp.local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("hotline-records-{}", token()));
    let flows = dir.join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    std::fs::write(flows.join("main.yaml"), FLOW).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ivr-flows/survey.yaml");
    std::fs::copy(shipped, flows.join("survey.yaml")).unwrap();
    std::fs::write(dir.join("hotline.toml"), config(gw.local)).unwrap();
    let (config_path, flows_dir) = (
        dir.join("hotline.toml").display().to_string(),
        flows.display().to_string(),
    );
    let engine_url = store_url.as_ref().map(|(url, schema)| {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}options=-csearch_path%3D{schema}")
    });
    let mut env = vec![
        ("HOTLINE_CONFIG", config_path.as_str()),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_IVR_FLOWS_DIR", flows_dir.as_str()),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "5"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
        ("HOTLINE_MEDIA_RECORD", "false"),
    ];
    if let Some(url) = &engine_url {
        env.push(("HOTLINE_STORE_URL", url.as_str()));
    }
    let engine = Engine::start(&env);
    gw.engine = engine.udp;
    let store = match &store_url {
        Some((url, schema)) => {
            let mut o = OpenOptions::new(url.clone());
            o.schema = Some(schema.clone());
            Store::open(o, Default::default()).await
        }
        None => {
            let file = engine.dir.join("data/hotline.db");
            Store::open(
                OpenOptions::new(format!("sqlite:{}", file.display())),
                Default::default(),
            )
            .await
        }
    }
    .expect("the engine's store");

    place_the_mix(&engine, &mut gw).await;
    let calls = records(&store).await;
    let agent = store
        .agents()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.login == "zhangmin")
        .expect("zhangmin")
        .id;
    check_the_mix(&calls, agent);
    drop(engine);
    if let Some((_, schema)) = &store_url {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(store.write_pool())
            .await
            .expect("drop schema");
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn every_field_of_every_record_follows_the_glossary_on_sqlite() {
    mix(None).await;
}

#[tokio::test]
async fn every_field_of_every_record_follows_the_glossary_on_postgresql() {
    let Some(url) = std::env::var("HOTLINE_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("HOTLINE_TEST_PG not set: the PostgreSQL run is skipped");
        return;
    };
    // The schema must exist before the engine connects with it as its search path.
    let schema = format!("records_{}", token());
    let mut o = OpenOptions::new(url.clone());
    o.schema = Some(schema.clone());
    Store::open(o, Default::default())
        .await
        .expect("create the schema")
        .close()
        .await;
    mix(Some((url, schema))).await;
}
