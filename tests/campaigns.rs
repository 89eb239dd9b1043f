//! Issue 21 through the real `hotline serve`: a dunning campaign made over the API with its
//! list uploaded, run by the engine against a gateway standing in for the outbound route
//! and the customers' phones. One line at a time: the first customer answers, confirms they
//! hold the account, hears the months and amount due, and presses 9 then 1 to stop these
//! calls (an opt-out, on the do-not-call list at once); the second keys a pay date three days
//! on and confirms it (a promise of the amount due, by that date); the third's number is on
//! the do-not-call list and is never dialled; the fourth is busy. Every attempt's result is
//! stored and exported, and the campaign's figures agree.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hotline_e2e::{
    get_until, next_invite, prompt_ulaw as ulaw, Caller, Desk, Engine, Ua, PATIENCE,
};
use serde_json::json;

/// The customer hangs... no: the engine ends the call; the gateway's UA comes back for the
/// next one.
async fn released(c: Caller) -> Ua {
    let Caller {
        mut ua,
        call_id,
        to_tag,
        ..
    } = c;
    assert!(
        ua.take_bye(&call_id, &to_tag, PATIENCE).await,
        "the engine hangs up"
    );
    ua
}

/// The customer hears the greeting, confirms the account, hears the arrears and the menu.
async fn holder_hears_the_arrears(c: &mut Caller) {
    c.expect("the greeting", &ulaw("zh", "dun_greeting"), None)
        .await;
    c.expect("the holder question", &ulaw("zh", "dun_holder"), Some(1600))
        .await;
    c.press("1").await;
    c.expect("the months", &ulaw("zh", "dun_months_before"), None)
        .await;
    c.expect("the amount", &ulaw("zh", "amount_due"), None)
        .await;
    c.expect("the ways to pay", &ulaw("zh", "dun_pay_ways"), None)
        .await;
    c.expect("the menu", &ulaw("zh", "dun_menu"), Some(1600))
        .await;
}

#[tokio::test]
async fn a_dunning_campaign_reaches_its_customers_and_keeps_every_result() {
    let mut gw = Ua::udp("127.0.0.1:9".parse().unwrap(), "gateway").await;
    let engine = Engine::start(&[
        ("HOTLINE_ACD_CALLBACK_GATEWAY", &gw.local.to_string()),
        ("HOTLINE_STORE_DEMO_CUSTOMERS", "5"),
        ("HOTLINE_IVR_ENTRY_FLOW", "main"),
        ("HOTLINE_MEDIA_TIMEOUT_SECS", "0"),
    ]);
    gw.engine = engine.udp;
    let sup = Desk::login(&engine, "zhaolei").await;
    let (status, dnc) = sup
        .post(
            "/api/do-not-call",
            json!({"number": "13900000003", "note": "asked before"}),
        )
        .await;
    assert_eq!(status, 201, "{dnc}");
    let (status, made) = sup
        .post(
            "/api/campaigns",
            json!({
                "name": "十二月电费催缴",
                "kind": "dunning",
                "mode": "ivr",
                "flow": "dunning",
                "settings": {
                    "window": ["00:00-24:00"],
                    "skip_holidays": false,
                    "max_lines": 1,
                    "attempts_per_sec": 5,
                    "caller_id": "96655"
                }
            }),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["campaign"]["id"].as_i64().unwrap();
    let list = "account,number,amount_due,months\n\
        A-1,13900000001,207.50,3\n\
        A-2,13900000002,99.00,1\n\
        A-3,13900000003,10.00,1\n\
        A-4,13900000004,10.00,1\n";
    let (status, report) = sup
        .post_csv(&format!("/api/campaigns/{id}/targets"), list)
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["added"], 4, "{report}");
    let (status, started) = sup
        .post(&format!("/api/campaigns/{id}/start"), json!({}))
        .await;
    assert_eq!(status, 200, "{started}");

    // 1: the holder stops these calls.
    let (inv, number) = next_invite(&mut gw).await;
    assert_eq!(number, "13900000001");
    assert!(
        inv.raw.contains(&format!("X-Hotline-Campaign: {id}\r\n")),
        "the campaign's id: {}",
        inv.raw
    );
    let mut c = Caller::answering(gw, &inv, "cust1").await;
    holder_hears_the_arrears(&mut c).await;
    c.press("9").await;
    c.expect("stop?", &ulaw("zh", "outbound_stop_confirm"), Some(1600))
        .await;
    c.press("1").await;
    c.expect("stopped", &ulaw("zh", "outbound_stopped"), None)
        .await;
    let mut gw = released(c).await;

    // 2: a promise three days on.
    let (inv, number) = next_invite(&mut gw).await;
    assert_eq!(number, "13900000002");
    let zone = hotline_time::Zone::named("Asia/Shanghai").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let by = zone.date(now + 3 * 86_400_000);
    let mut c = Caller::answering(gw, &inv, "cust2").await;
    holder_hears_the_arrears(&mut c).await;
    c.press("1").await;
    c.expect(
        "the date question",
        &ulaw("zh", "dun_enter_date"),
        Some(1600),
    )
    .await;
    c.press(&format!("{:02}{:02}", by.month, by.day)).await;
    c.expect("the date read back", &ulaw("zh", "dun_date_is"), None)
        .await;
    c.expect(
        "confirm",
        &ulaw("zh", "press_1_confirm_2_retry"),
        Some(1600),
    )
    .await;
    c.press("1").await;
    c.expect("thanks", &ulaw("zh", "dun_promised"), None).await;
    let mut gw = released(c).await;

    // 4 (3 is on the do-not-call list): busy.
    let (inv, number) = next_invite(&mut gw).await;
    assert_eq!(number, "13900000004", "the number on the list is skipped");
    let busy = gw.answer(&inv, 486, "Busy Here", "busy4", None);
    gw.send(&busy).await;

    let targets = get_until(&sup, &format!("/api/campaigns/{id}/targets"), |t| {
        t.as_array().is_some_and(|ts| {
            ts.iter()
                .all(|t| t["state"] != "pending" && t["state"] != "in_progress")
        })
    })
    .await;
    let states: Vec<(String, String)> = targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["account"].as_str().unwrap().to_string(),
                format!(
                    "{} {}",
                    t["state"].as_str().unwrap(),
                    t["last_result"]
                        .as_str()
                        .or(t["skipped"].as_str())
                        .unwrap_or("-")
                ),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("A-1".to_string(), "done opted_out".to_string()),
            ("A-2".to_string(), "done answered".to_string()),
            ("A-3".to_string(), "skipped do_not_call".to_string()),
            ("A-4".to_string(), "due busy".to_string()),
        ]
    );
    let results = sup.get(&format!("/api/campaigns/{id}/results")).await;
    let rows = results.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{results:#}");
    let one = |acct: &str| rows.iter().find(|r| r["account"] == acct).unwrap().clone();
    assert_eq!(one("A-1")["result"], "opted_out");
    assert_eq!(one("A-1")["keys"], "191");
    assert!(one("A-1")["talk_ms"].as_i64().unwrap() > 1000);
    let a2 = one("A-2");
    assert_eq!(a2["result"], "answered");
    assert_eq!(a2["promise_fen"], 9_900, "the amount due");
    assert_eq!(a2["promise_by"], by.to_string());
    assert_eq!(a2["note"], "promise");
    assert_eq!(one("A-4")["result"], "busy");
    // The opt-out is on the do-not-call list.
    let dnc = sup.get("/api/do-not-call").await;
    assert!(
        dnc.as_array()
            .unwrap()
            .iter()
            .any(|e| e["number"] == "13900000001" && e["source"] == "keypad"),
        "{dnc:#}"
    );
    // The answered calls are outbound call records of their own, recorded from the answer
    // (no agent took them); the busy one has none.
    let calls = get_until(&sup, "/api/calls?limit=20", |c| {
        c.as_array().is_some_and(|cs| {
            cs.iter()
                .filter(|c| c["direction"] == "outbound" && c["ended_at"].is_i64())
                .count()
                >= 2
        })
    })
    .await;
    let mut answered: Vec<(String, bool, bool)> = calls
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["direction"] == "outbound")
        .map(|c| {
            (
                c["dialled"].as_str().unwrap_or("").to_string(),
                c["agent_id"].is_null() && c["disposition"] == "self_served",
                c["recording"].as_str().is_some_and(|r| r.ends_with(".wav")),
            )
        })
        .collect();
    answered.sort();
    assert_eq!(
        answered,
        [
            ("13900000001".to_string(), true, true),
            ("13900000002".to_string(), true, true)
        ],
        "{calls:#}"
    );
    let c = sup.get(&format!("/api/campaigns/{id}")).await;
    let p = &c["progress"];
    assert_eq!(
        (
            p["dialled"].as_i64(),
            p["reached"].as_i64(),
            p["promises"].as_i64(),
            p["promised_fen"].as_i64(),
            p["opted_out"].as_i64(),
            p["skipped"].as_i64()
        ),
        (Some(3), Some(2), Some(1), Some(9_900), Some(1), Some(1)),
        "{c:#}"
    );
    assert_eq!(c["status"], "running", "the busy one is retried later");
    let (status, stopped) = sup
        .post(
            &format!("/api/campaigns/{id}/stop"),
            json!({"reason": "test over"}),
        )
        .await;
    assert_eq!((status, stopped["status"].as_str()), (200, Some("stopped")));
}
