//! Issue 21's progressive mode through the real `hotline serve`: a gateway stands in for the
//! outbound route and the customers' phones, zhangmin's test phone is registered and ready
//! in `general`. A progressive campaign over two customers is made over the API and started:
//! the first customer is dialled only because zhangmin is free; once they answer, her phone
//! rings with the customer's number, her desktop's screen pop names the campaign and the
//! account, she answers and the customer hears her staff number; she hangs up and the
//! engine lets the customer go (no survey). The second customer is dialled when she is free
//! again; this time she lets her phone ring: after the campaign's agent wait the ring stops
//! and the customer hears the apology. The attempts are stored (answered with the agent,
//! abandoned), and zhangmin's own call search finds the outbound call she took.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hotline_e2e::{
    get_until, next_invite, prompt_ulaw as ulaw, AgentCampaign, Caller, Desk, PATIENCE,
};

const REMIND: &str = "flow: remind\nlanguages: [zh, en]\ntarget:\n  amount_due: money\n  \
    months: number\nstart: bye\nnodes:\n  bye:\n    hangup: { prompts: [goodbye] }\n";
use serde_json::json;

#[tokio::test]
async fn a_progressive_campaign_connects_answered_customers_to_a_free_agent() {
    let AgentCampaign {
        engine,
        mut gw,
        zhangmin,
        desk,
        mut events,
        mut phone,
    } = AgentCampaign::start("progressive", "remind", REMIND).await;

    let sup = Desk::login(&engine, "zhaolei").await;
    let list = "account,number,amount_due,months\n\
        K-1,13900000011,5200.00,2\n\
        K-2,13900000012,880.00,1\n";
    let id = sup
        .start_campaign(
            json!({
                "name": "重点客户欠费回访",
                "kind": "dunning",
                "mode": "progressive",
                "flow": "remind",
                "queue": "general",
                "settings": {
                    "window": ["00:00-24:00"],
                    "skip_holidays": false,
                    "agent_wait_secs": 4,
                    "retry": {"abandoned": {"attempts": 2, "interval_min": 60}},
                    "caller_id": "96655"
                }
            }),
            list,
        )
        .await;

    // 1: answered, connected to zhangmin.
    let (inv, number) = next_invite(&mut gw).await;
    assert_eq!(number, "13900000011");
    let mut customer = Caller::answering(gw, &inv, "k1").await;
    let offer = phone.rung(PATIENCE).await;
    assert_eq!(offer.caller, "13900000011", "her phone shows the customer");
    let pop = loop {
        let (name, data) = events.next(PATIENCE).await.expect("the screen pop");
        if name == "offer" {
            break data;
        }
    };
    assert_eq!(pop["agent"], zhangmin);
    assert_eq!(pop["campaign"], "重点客户欠费回访", "{pop}");
    assert_eq!(pop["customer_account"], "K-1");
    assert_eq!(pop["caller"], "13900000011");
    assert_eq!(pop["reason"], "campaign");
    let mut talk = phone.answer(offer).await;
    customer
        .expect("her staff number", &ulaw("zh", "agent_intro"), None)
        .await;
    assert_eq!(phone.hang_up(&mut talk).await, 200);
    let mut gw = {
        let Caller {
            mut ua,
            call_id,
            to_tag,
            ..
        } = customer;
        assert!(
            ua.take_bye(&call_id, &to_tag, PATIENCE).await,
            "the engine lets the customer go when the agent hangs up"
        );
        ua
    };

    // 2: answered, zhangmin lets her phone ring past the agent wait.
    let (inv, number) = next_invite(&mut gw).await;
    assert_eq!(number, "13900000012", "dialled once she is free again");
    let mut customer = Caller::answering(gw, &inv, "k2").await;
    let offer = phone.rung(PATIENCE).await;
    assert_eq!(offer.caller, "13900000012");
    customer
        .expect("the apology", &ulaw("zh", "campaign_no_agent"), None)
        .await;
    assert!(
        customer.released(PATIENCE).await,
        "the engine hangs up after the apology"
    );

    let results = get_until(&sup, &format!("/api/campaigns/{id}/results"), |r| {
        r.as_array()
            .is_some_and(|rows| rows.len() == 2 && rows.iter().all(|row| !row["result"].is_null()))
    })
    .await;
    let rows = results.as_array().unwrap();
    let one = |acct: &str| {
        rows.iter()
            .find(|r| r["account"] == acct)
            .unwrap_or_else(|| panic!("{acct}: {results:#}"))
            .clone()
    };
    assert_eq!(one("K-1")["result"], "answered", "{results:#}");
    assert_eq!(
        one("K-1")["note"],
        format!("talked to agent {zhangmin}").as_str()
    );
    assert_eq!(one("K-2")["result"], "abandoned", "{results:#}");
    // Her own calls: the outbound call she took, with its talk time.
    let mine = get_until(&desk, "/api/calls?limit=10", |c| {
        c.as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["direction"] == "outbound"))
    })
    .await;
    let call = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["direction"] == "outbound")
        .unwrap_or_else(|| panic!("{mine:#}"))
        .clone();
    assert_eq!(call["agent_id"], zhangmin);
    assert_eq!(call["dialled"], "13900000011");
    assert!(call["ended_at"].is_i64(), "{call}");
    let (status, stopped) = sup
        .post(
            &format!("/api/campaigns/{id}/stop"),
            json!({"reason": "test over"}),
        )
        .await;
    assert_eq!((status, stopped["status"].as_str()), (200, Some("stopped")));
}
