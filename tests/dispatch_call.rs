//! The district's dispatch phone is called for every ticket dispatched there (issue 18): a
//! gateway stands in for the outbound route; the phone answers, hears the work order and
//! presses 1, and the acknowledgement is on the ticket; a phone that is busy every time is
//! called again, then given up: the ticket is escalated, with the reason, and the supervisors'
//! live stream (their wall and desks) is told.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use hotline_e2e::{prompt_ulaw as ulaw, Caller, Desk, Engine, Got, Ua, PATIENCE};
use serde_json::{json, Value};

/// The engine with the gateway `gw` as its outbound route; dispatch calls tried `attempts`
/// times, 1 s apart.
fn engine(gw: &Ua, attempts: &str) -> Engine {
    Engine::start(&[
        ("HOTLINE_ACD_CALLBACK_GATEWAY", &gw.local.to_string()),
        ("HOTLINE_TICKETS_DISPATCH_CALL_ATTEMPTS", attempts),
        ("HOTLINE_TICKETS_DISPATCH_CALL_RETRY_SECS", "1"),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "5"),
        // The calls speak with the IVR's prompt library.
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
    ])
}

/// Opens an urgent leak ticket and dispatches it to the district `code`; its id and the
/// district's dispatch phone.
async fn dispatch(desk: &Desk, code: &str) -> (i64, String) {
    let districts = desk.get("/api/districts").await;
    let d = districts
        .as_array()
        .expect("districts")
        .iter()
        .find(|d| d["code"] == code)
        .expect("the district")
        .clone();
    let (status, t) = desk
        .post(
            "/api/tickets",
            json!({"kind": "leak", "summary": "路面冒水", "address": "解放路1号"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_i64().expect("ticket id");
    let (status, body) = desk
        .post(
            &format!("/api/tickets/{id}/transitions"),
            json!({"action": "dispatch", "district_id": d["id"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (id, d["dispatch_phone"].as_str().expect("phone").to_string())
}

/// The next INVITE the gateway receives.
async fn invite(gw: &mut Ua) -> Got {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let got = gw.recv(left).await.expect("the dispatch phone is called");
        if got.code() == 0 && got.request().method.as_str() == "INVITE" {
            return got;
        }
    }
}

/// The ticket's events' notes.
async fn notes(desk: &Desk, id: i64) -> Vec<String> {
    let t: Value = desk.get(&format!("/api/tickets/{id}")).await;
    t["events"]
        .as_array()
        .map(|es| {
            es.iter()
                .filter_map(|e| e["note"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Waits (un-stalled time) until the ticket has a note containing `what`.
async fn noted(desk: &Desk, id: i64, what: &str) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let n = notes(desk, id).await;
        if n.iter().any(|x| x.contains(what)) || tokio::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_district_phone_hears_the_work_order_and_acknowledges_it_with_1() {
    let mut gw = Ua::udp("127.0.0.1:9".parse().unwrap(), "gateway").await;
    let engine = engine(&gw, "2");
    gw.engine = engine.udp;
    let desk = Desk::login(&engine, "zhangmin").await;
    let (id, phone) = dispatch(&desk, "east").await;
    let inv = invite(&mut gw).await;
    assert!(
        inv.raw.starts_with(&format!("INVITE sip:{phone}@")),
        "{}",
        inv.raw
    );
    let mut district = Caller::answering(gw, &inv, "dispatch1").await;
    district
        .expect("a new work order", &ulaw("zh", "dispatch_new"), None)
        .await;
    district
        .expect("its number", &ulaw("zh", "ticket_number"), None)
        .await;
    district
        .expect("urgent", &ulaw("zh", "dispatch_urgent"), None)
        .await;
    district
        .expect("the district", &ulaw("zh", "district_east"), None)
        .await;
    district
        .expect("press 1", &ulaw("zh", "notify_ack"), Some(1600))
        .await;
    district.press("1").await;
    district
        .expect("thanks", &ulaw("zh", "notify_thanks"), None)
        .await;
    let n = noted(&desk, id, "acknowledged by the district's dispatch phone").await;
    assert!(
        n.iter()
            .any(|x| x.contains("acknowledged by the district's dispatch phone")),
        "{n:?}"
    );
}

#[tokio::test]
async fn a_busy_district_phone_is_called_again_then_given_up_with_a_note() {
    let mut gw = Ua::udp("127.0.0.1:9".parse().unwrap(), "gateway").await;
    let engine = engine(&gw, "2");
    gw.engine = engine.udp;
    let desk = Desk::login(&engine, "zhangmin").await;
    let supervisor = Desk::login(&engine, "zhaolei").await;
    let mut events = supervisor.events().await;
    let (id, _) = dispatch(&desk, "west").await;
    for attempt in 1..=2 {
        let inv = invite(&mut gw).await;
        let busy = gw.answer(&inv, 486, "Busy Here", &format!("busy{attempt}"), None);
        gw.send(&busy).await;
    }
    let n = noted(
        &desk,
        id,
        "not acknowledged by the district's dispatch phone",
    )
    .await;
    assert!(
        n.iter()
            .any(|x| x.contains("not acknowledged by the district's dispatch phone after 2 calls")),
        "{n:?}"
    );
    // Escalated: level 1, and the supervisors' walls and desks are told why.
    let t = desk.get(&format!("/api/tickets/{id}")).await;
    assert_eq!(t["ticket"]["escalation_level"], 1, "{t}");
    let esc = events
        .next_named("escalation", PATIENCE)
        .await
        .expect("the supervisor's stream tells of the escalation");
    assert_eq!(esc["ticket_id"], id, "{esc}");
    assert_eq!(esc["reason"], "dispatch_unacknowledged", "{esc}");
    let (status, attempts): (String, i64) = sqlx::query_as(
        "SELECT status, attempts FROM outbox_deliveries WHERE receiver = 'phone:west'",
    )
    .fetch_one(&hotline_e2e::db(&engine).await)
    .await
    .expect("the phone's delivery");
    assert_eq!(
        (status.as_str(), attempts),
        ("dead", 2),
        "a dead letter for the admins"
    );
}
