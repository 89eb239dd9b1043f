//! The live event stream the agent desktop follows, against the real `hotline serve`: a
//! logged-in agent's stream starts with the overview, shows her going ready when her phone
//! registers, pops the screen when a caller the IVR identified is offered to her (caller,
//! account, queue, reason, IVR path, before or as her phone rings), then follows her through
//! the call (on call, wrap-up). The account the pop names is what the desktop then looks up.

use std::time::Instant;

use hotline_e2e::{
    db, prompt_ulaw as ulaw, start_queue_engine, AgentPhone, Budget, Caller, Desk, Engine, PATIENCE,
};
use serde_json::json;

const QUEUES: &str = "[[acd.queues]]\nname = \"general\"\nskills = { general = 1 }\nring_secs = 10\nwrap_up_secs = 30\nannounce_secs = 0\n";

/// The engine with a flow that identifies callers and queues them to `general`, `QUEUES` and
/// 5 demo customers; its scratch folder.
fn start() -> (Engine, std::path::PathBuf) {
    start_queue_engine("hotline-desk", QUEUES, &["survey"])
}

#[tokio::test]
async fn the_desktop_follows_the_agent_and_pops_the_caller() {
    let (engine, dir) = start();
    let pool = db(&engine).await;
    let (account, phone): (String, String) = sqlx::query_as(
        "SELECT c.account_no, p.phone FROM customers c JOIN customer_phones p ON p.customer_id = c.id \
         ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("a demo customer with a phone");
    let zhangmin: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE login = 'zhangmin'")
        .fetch_one(&pool)
        .await
        .unwrap();

    let desk = Desk::login(&engine, "zhangmin").await;
    let mut events = desk.events().await;
    let overview = events
        .next_named("overview", PATIENCE)
        .await
        .expect("the stream starts with the overview");
    assert_eq!(overview["queues"][0]["name"], "general");

    let mut phone_of_agent = AgentPhone::registered(&engine, "1001", "secret").await;
    let ready = events
        .next_named("agent_state", PATIENCE)
        .await
        .expect("her state");
    assert_eq!(ready["agent"], zhangmin);
    assert_eq!(ready["state"]["state"], "ready", "{ready}");

    let _caller = Caller::place(&engine, &phone).await;
    // Reserved for the call, then the pop (overviews may come in between).
    let mut seen = Vec::new();
    let pop = loop {
        let (name, data) = events.next(PATIENCE).await.expect("the screen pop");
        match name.as_str() {
            "offer" => break data,
            "agent_state" => seen.push(data["state"]["state"].as_str().unwrap_or("").to_string()),
            _ => {}
        }
    };
    let popped = Instant::now();
    assert_eq!(seen, ["reserved"], "reserved before the pop");
    let offer = phone_of_agent.rung(PATIENCE).await;
    let rang = Instant::now();
    eprintln!(
        "screen pop event {} the INVITE by {:?}",
        if popped <= rang { "before" } else { "after" },
        rang.max(popped) - rang.min(popped)
    );
    assert_eq!(pop["agent"], zhangmin);
    assert_eq!(pop["caller"], phone.as_str());
    assert_eq!(pop["customer_account"], account.as_str());
    assert_eq!(pop["queue"], "general");
    assert_eq!(pop["reason"], "billing");
    assert_eq!(pop["callback"], false);
    assert!(
        pop["ivr_path"]
            .as_str()
            .is_some_and(|p| p.contains("main/find")),
        "{pop}"
    );
    assert_eq!(
        offer.invite.header("X-Hotline-Call").as_deref(),
        Some(pop["call"].to_string().as_str()),
        "the pop and the phone name the same call"
    );
    // The record the pop names (written as the call arrived) is found by its reference.
    let call_ref = pop["call_ref"]
        .as_str()
        .expect("the pop names the call record");
    let mut record;
    let mut budget = Budget::new(PATIENCE);
    loop {
        record = desk.get(&format!("/api/calls?call_ref={call_ref}")).await;
        if record[0]["caller"] == phone.as_str() || !budget.tick().await {
            break;
        }
    }
    assert_eq!(record[0]["caller"], phone.as_str(), "{record}");
    assert_eq!(record[0]["call_ref"], call_ref);
    // The desktop looks the account up.
    let found = desk.get(&format!("/api/customers?account={account}")).await;
    assert_eq!(found[0]["account_no"], account.as_str());

    let mut talk = phone_of_agent.answer(offer).await;
    let on_call = events
        .next_named("agent_state", PATIENCE)
        .await
        .expect("on call");
    assert_eq!(on_call["state"]["state"], "on_call", "{on_call}");
    assert_eq!(phone_of_agent.hang_up(&mut talk).await, 200);
    let wrap = events
        .next_named("agent_state", PATIENCE)
        .await
        .expect("wrap-up");
    assert_eq!(wrap["state"]["state"], "wrap_up", "{wrap}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_desktop_holds_and_transfers_the_call() {
    let (engine, dir) = start();
    let desk = Desk::login(&engine, "zhangmin").await;
    // No call yet: nothing to control.
    let (status, body) = desk.post("/api/acd/me/call/hangup", json!({})).await;
    assert_eq!(status, 409, "{body}");
    let mut phone = AgentPhone::registered(&engine, "1001", "secret").await;
    let mut c = Caller::place(&engine, "13912345678").await;
    let offer = phone.rung(PATIENCE).await;
    let talk = phone.answer(offer).await;
    c.expect("the staff number", &ulaw("zh", "agent_serving"), None)
        .await;
    // Hold: the caller hears music; unhold: voice again.
    let (status, body) = desk
        .post("/api/acd/me/call/hold", json!({"on": true}))
        .await;
    assert_eq!((status, &body["done"]), (200, &json!("hold")), "{body}");
    c.expect("music on hold", &ulaw("common", "moh"), Some(1600))
        .await;
    let (status, _) = desk
        .post("/api/acd/me/call/hold", json!({"on": false}))
        .await;
    assert_eq!(status, 200);
    let (heard_agent, heard_caller) = phone.voice_both_ways(&talk, &mut c, 0x35).await;
    assert!(heard_agent && heard_caller, "{heard_agent} {heard_caller}");
    // Unknown targets are refused naming the field; the call goes on.
    let (status, body) = desk
        .post("/api/acd/me/call/transfer", json!({"queue": "nowhere"}))
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (422, &json!("queue")),
        "{body}"
    );
    let (status, body) = desk
        .post("/api/acd/me/call/transfer", json!({"flow": "nowhere"}))
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (422, &json!("flow")),
        "{body}"
    );
    // To the survey flow: the agent's leg ends (wrap-up), the caller hears the survey.
    let (status, body) = desk
        .post("/api/acd/me/call/transfer", json!({"flow": "survey"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        phone.take_bye(&talk, PATIENCE).await,
        "the agent is released"
    );
    c.expect("the survey", &ulaw("zh", "survey_scale"), Some(1600))
        .await;
    let me = desk.get("/api/acd/me").await;
    assert_eq!(me["state"]["state"], "wrap_up", "{me}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_call_transferred_to_a_queue_reaches_the_next_agent() {
    let (engine, dir) = start();
    let desk = Desk::login(&engine, "zhangmin").await;
    let mut zhangmin = AgentPhone::registered(&engine, "1001", "secret").await;
    let mut c = Caller::place(&engine, "13912345679").await;
    let offer = zhangmin.rung(PATIENCE).await;
    let talk = zhangmin.answer(offer).await;
    c.expect("the staff number", &ulaw("zh", "agent_serving"), None)
        .await;
    let (status, body) = desk
        .post("/api/acd/me/call/transfer", json!({"queue": "general"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(zhangmin.take_bye(&talk, PATIENCE).await);
    // She is in wrap-up; liqiang comes and takes the caller, who hears his number (1024).
    let mut liqiang = AgentPhone::registered(&engine, "1002", "secret").await;
    let offer = liqiang.rung(PATIENCE).await;
    let talk = liqiang.answer(offer).await;
    for name in ["agent_intro", "digit_1", "digit_0", "digit_2", "digit_4"] {
        c.expect(name, &ulaw("zh", name), None).await;
    }
    let (heard_agent, heard_caller) = liqiang.voice_both_ways(&talk, &mut c, 0x47).await;
    assert!(heard_agent && heard_caller, "{heard_agent} {heard_caller}");
    c.hang_up().await;
    assert!(liqiang.take_bye(&talk, PATIENCE).await);
    let _ = std::fs::remove_dir_all(&dir);
}
