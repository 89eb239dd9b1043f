//! The engine and its store, end to end: the first start of a fresh engine seeds demo agents
//! and customers and says so; a demo agent's softphone registers with the password from
//! `demo-agents.txt` (agents live in the store, not the config file); a call leaves a call
//! record, found as a repeat contact when the caller has an open ticket.

use std::time::Duration;

use hotline_e2e::*;
use hotline_store::{Actor, NewTicket, OpenOptions, Policy, Store};

/// What must happen: a generous wait a stalled machine does not reach (`hotline_e2e::wait`).
const WAIT: Duration = hotline_e2e::PATIENCE;

async fn open_store(engine: &Engine) -> Store {
    let url = format!("sqlite:{}", engine.dir.join("data/hotline.db").display());
    Store::open(OpenOptions::new(url), Policy::default())
        .await
        .expect("the engine's store")
}

#[tokio::test]
async fn a_fresh_engine_seeds_demo_data_and_keeps_a_record_of_each_call() {
    let engine = Engine::start(&[
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "20"),
        ("HOTLINE_SIP_USERS", ""),
    ]);
    let log = engine.startup_log.join("\n");
    assert!(log.contains("seeded demo data"), "{log}");

    // A demo agent registers with its password from the file the first start wrote.
    let agents =
        std::fs::read_to_string(engine.dir.join("data/demo-agents.txt")).expect("demo-agents.txt");
    let (_, ext, password) = agents
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0], f[1], f[2])
        })
        .next()
        .expect("a demo agent");
    let mut phone = Ua::udp(engine.udp, ext).await;
    assert_eq!(phone.register(password, 300).await, 200);
    let mut wrong = Ua::udp(engine.udp, ext).await;
    assert_eq!(wrong.register("not-the-password", 300).await, 403);

    // The same agent logs in to the HTTP API the engine serves.
    let login = agents
        .lines()
        .find(|l| l.contains(ext))
        .and_then(|l| l.split('\t').next())
        .expect("login");
    let http = format!("http://{}", engine.http.expect("the API is on"));
    let web = reqwest::Client::new();
    let health = web.get(format!("{http}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let unauth = web
        .get(format!("{http}/api/customers/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauth.status(), 401);
    let body: serde_json::Value = web
        .post(format!("{http}/api/login"))
        .json(&serde_json::json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api_token = body["token"].as_str().expect("a token").to_string();
    let view: serde_json::Value = web
        .get(format!("{http}/api/customers/1"))
        .bearer_auth(&api_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["bills"].as_array().map(Vec::len), Some(12), "{view}");

    // A seeded customer with an open ticket calls in.
    let store = open_store(&engine).await;
    let customer = store.customer(1).await.unwrap().expect("customer 1 seeded");
    let caller = customer.phones[0].clone();
    let t = NewTicket {
        kind: "repair".into(),
        customer_id: Some(customer.id),
        summary: "水表漏水".into(),
        ..NewTicket::default()
    };
    let ticket = store.create_ticket(&t, Actor::System, now()).await.unwrap();

    let mut ua = Ua::udp(engine.udp, &caller).await;
    let (call_id, from_tag) = (token(), token());
    let req = ua.invite_request("96116", &call_id, &from_tag, &branch(), "");
    ua.send(&req).await;
    let ok = ua.recv_final(WAIT).await.expect("200 OK");
    assert_eq!(ok.code(), 200, "{}", ok.raw);
    let to_tag = tag_of(&ok.response().common.to);
    let ack = ua.in_dialog("ACK", 1, &call_id, &from_tag, "96116", &to_tag);
    ua.send(&ack).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bye = ua.in_dialog("BYE", 2, &call_id, &from_tag, "96116", &to_tag);
    ua.send(&bye).await;
    let ok = ua.recv_final(WAIT).await.expect("200 to BYE");
    assert_eq!(ok.code(), 200);

    // The record is written off the call path: wait for it.
    let mut record = None;
    let mut budget = Budget::new(PATIENCE);
    loop {
        let calls = store
            .list_calls(&hotline_store::CallFilter {
                customer_id: Some(customer.id),
                ..Default::default()
            })
            .await
            .unwrap();
        if let Some(c) = calls.into_iter().find(|c| c.ended_at.is_some()) {
            record = Some(c);
            break;
        }
        if !budget.tick().await {
            break;
        }
    }
    let c = record.expect("a completed call record");
    assert_eq!(c.caller, caller);
    assert_eq!(c.dialled, "96116");
    assert!(c.repeat_contact, "the customer has an open ticket");
    assert!(c.answered_at.is_some() && c.ended_at >= c.answered_at);
    // The built-in answer flow (no IVR here) serves nothing: the caller left it.
    assert_eq!(c.disposition.as_deref(), Some("abandoned_in_ivr"));
    assert_eq!(c.hangup_side.as_deref(), Some("caller"));
    let recording = c.recording.expect("a recording");
    assert!(std::path::Path::new(&recording).exists(), "{recording}");
    assert!(store
        .open_tickets_for(Some(customer.id), None, now())
        .await
        .unwrap()
        .iter()
        .any(|t| t.id == ticket.id));
    store.close().await;
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
