//! Issue 21's preview mode through the real `hotline serve`: a gateway stands in for the
//! outbound route and the customers' phones, zhangmin's test phone is registered and ready
//! in `general`. A preview campaign over two customers is made over the API and started:
//! the first customer is offered to her desk (live `preview` event, `GET
//! /api/acd/me/preview`), nothing is dialled; a skip without a reason is refused naming the
//! field, with one it is kept and the second customer offered. She dials it: her phone rings
//! first (the screen pop names the campaign and the account), she answers, then the customer
//! is dialled with the campaign's caller id and header, answers and is bridged; she hangs up
//! and the customer is let go. The results: the skip with its reason, the answered attempt
//! with her as the agent; the campaign is done; a dial with nothing offered is a 409.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hotline_e2e::{get_until, next_invite, AgentCampaign, Caller, Desk, PATIENCE};
use serde_json::json;

const REMIND: &str = "flow: remind\nlanguages: [zh, en]\ntarget:\n  amount_due: money\n  \
    months: number\nstart: bye\nnodes:\n  bye:\n    hangup: { prompts: [goodbye] }\n";

#[tokio::test]
async fn a_preview_campaign_offers_each_customer_to_an_agent_who_skips_or_dials() {
    let AgentCampaign {
        engine,
        mut gw,
        zhangmin,
        desk,
        mut events,
        mut phone,
    } = AgentCampaign::start("preview", "remind", REMIND).await;
    assert_eq!(desk.get("/api/acd/me/preview").await["offer"], json!(null));

    let sup = Desk::login(&engine, "zhaolei").await;
    let list = "account,number,amount_due,months\n\
        K-1,13900000021,5200.00,2\n\
        K-2,13900000022,880.00,1\n";
    let id = sup
        .start_campaign(
            json!({
                "name": "大客户欠费预览",
                "kind": "dunning",
                "mode": "preview",
                "flow": "remind",
                "queue": "general",
                "settings": {
                    "window": ["00:00-24:00"],
                    "skip_holidays": false,
                    "caller_id": "96655"
                }
            }),
            list,
        )
        .await;

    // 1: offered to her desk, not dialled.
    let offered = events
        .next_named("preview", PATIENCE)
        .await
        .expect("the offer on her desk");
    assert_eq!(offered["agent"], zhangmin);
    let offer = &offered["offer"];
    assert_eq!(
        (
            offer["account"].as_str(),
            offer["number"].as_str(),
            offer["campaign_name"].as_str(),
            offer["data"]["amount_due"].as_str(),
            offer["dialling"].as_bool()
        ),
        (
            Some("K-1"),
            Some("13900000021"),
            Some("大客户欠费预览"),
            Some("5200.00"),
            Some(false)
        ),
        "{offered}"
    );
    assert_eq!(desk.get("/api/acd/me/preview").await["offer"], *offer);
    let (status, refused) = desk
        .post("/api/acd/me/preview/skip", json!({"reason": "  "}))
        .await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("reason")),
        "{refused}"
    );
    let (status, skipped) = desk
        .post(
            "/api/acd/me/preview/skip",
            json!({"reason": "已在营业厅缴清"}),
        )
        .await;
    assert_eq!(
        (status, skipped["done"].as_str()),
        (200, Some("skipped")),
        "{skipped}"
    );

    // 2: offered next; she dials it: her phone first, then the customer.
    let next = loop {
        let e = events
            .next_named("preview", PATIENCE)
            .await
            .expect("the next offer");
        if !e["offer"].is_null() {
            break e;
        }
    };
    assert_eq!(next["offer"]["account"], "K-2", "{next}");
    let (status, dialling) = desk.post("/api/acd/me/preview/dial", json!({})).await;
    assert_eq!(
        (status, dialling["done"].as_str()),
        (202, Some("dialling")),
        "{dialling}"
    );
    let ring = phone.rung(PATIENCE).await;
    assert_eq!(ring.caller, "13900000022", "her phone shows the customer");
    let pop = loop {
        let (name, data) = events.next(PATIENCE).await.expect("the screen pop");
        if name == "offer" {
            break data;
        }
    };
    assert_eq!(
        (
            pop["campaign"].as_str(),
            pop["customer_account"].as_str(),
            pop["reason"].as_str()
        ),
        (Some("大客户欠费预览"), Some("K-2"), Some("campaign")),
        "{pop}"
    );
    let mut talk = phone.answer(ring).await;
    let (inv, number) = next_invite(&mut gw).await;
    assert_eq!(number, "13900000022");
    assert!(
        inv.raw.contains(&format!("X-Hotline-Campaign: {id}\r\n")),
        "the campaign's id: {}",
        inv.raw
    );
    let from = inv
        .raw
        .lines()
        .find(|l| l.starts_with("From:"))
        .unwrap_or("");
    assert!(
        from.contains("sip:96655@"),
        "the campaign's caller id: {from}"
    );
    let customer = Caller::answering(gw, &inv, "k2").await;
    assert_eq!(phone.hang_up(&mut talk).await, 200);
    let Caller {
        mut ua,
        call_id,
        to_tag,
        ..
    } = customer;
    assert!(
        ua.take_bye(&call_id, &to_tag, PATIENCE).await,
        "the customer is let go when she hangs up"
    );

    let results = get_until(&sup, &format!("/api/campaigns/{id}/results"), |r| {
        r.as_array()
            .is_some_and(|rows| rows.len() == 1 && !rows[0]["result"].is_null())
    })
    .await;
    let row = &results[0];
    assert_eq!(
        (row["account"].as_str(), row["result"].as_str()),
        (Some("K-2"), Some("answered")),
        "{results:#}"
    );
    assert_eq!(row["note"], format!("talked to agent {zhangmin}").as_str());
    let targets = get_until(&sup, &format!("/api/campaigns/{id}/targets"), |t| {
        t.as_array().is_some_and(|ts| {
            ts.iter()
                .all(|t| t["state"] == "done" || t["state"] == "skipped")
        })
    })
    .await;
    let k1 = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["account"] == "K-1")
        .unwrap()
        .clone();
    assert_eq!(k1["skipped"], "已在营业厅缴清", "{targets:#}");
    let done = get_until(&sup, &format!("/api/campaigns/{id}"), |c| {
        c["status"] == "done"
    })
    .await;
    assert_eq!(done["progress"]["skipped"], 1, "{done:#}");
    let (status, none) = desk.post("/api/acd/me/preview/dial", json!({})).await;
    assert_eq!(
        (status, none["error"]["code"].as_str()),
        (409, Some("no_offer")),
        "{none}"
    );
}
