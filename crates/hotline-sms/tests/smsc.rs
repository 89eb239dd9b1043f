//! The real client against the SMSC simulator (`tests/smsc_sim.py`, PDUs by the PyPI `smpp34`
//! codec) over loopback TCP: bind, long Chinese and ASCII messages with their receipts, a wrong
//! password, a dropped bind with resubmission, throttling, and inbound STOP / 退订.

// The test harness (tests/sim) states its expectations with unwrap and panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod sim;

use std::collections::BTreeSet;

use hotline_sms::{Event, LostReason, MessageState};
use sim::{client, Sim};

const CUSTOMER: &str = "8613800000001";
/// 110 characters: two UCS-2 parts (67 + 43).
const CHINESE: &str = "尊敬的客户您好，您的电费已逾期，请及时缴纳。尊敬的客户您好，您的电费已逾期，请及时缴纳。尊敬的客户您好，您的电费已逾期，请及时缴纳。尊敬的客户您好，您的电费已逾期，请及时缴纳。尊敬的客户您好，您的电费已逾期，请及时缴纳。";
const ASCII: &str = "Your bill of 88.50 is due on 2026-12-20 (ref A7).";

async fn bound(events: &mut sim::Events) {
    events
        .wait_for("Bound", |e| matches!(e, Event::Bound { .. }).then_some(()))
        .await;
}

#[tokio::test]
async fn chinese_and_ascii_messages_are_submitted_and_receipted() {
    let mut sim = Sim::start().await;
    let (client, mut events) = client(sim.port, "secret");
    bound(&mut events).await;
    sim.wait_for("the bind", |v| v["ev"] == "bind" && v["ok"] == true)
        .await;

    let chinese = client.send(CUSTOMER, CHINESE).unwrap();
    let ascii = client.send("8613800000002", ASCII).unwrap();
    let chinese_ids = events.submitted(chinese).await;
    let ascii_ids = events.submitted(ascii).await;
    assert_eq!(chinese_ids.len(), 2, "two UCS-2 parts");
    assert_eq!(ascii_ids.len(), 1);

    // The simulator, decoding with its own codec, got the texts whole.
    let zh = sim
        .wait_for("the Chinese text", |v| {
            v["ev"] == "message" && v["dest"] == CUSTOMER
        })
        .await;
    assert_eq!(zh["text"], CHINESE);
    assert_eq!(
        (zh["dc"].as_u64(), zh["parts"].as_u64()),
        (Some(8), Some(2))
    );
    let en = sim
        .wait_for("the ASCII text", |v| {
            v["ev"] == "message" && v["dest"] == "8613800000002"
        })
        .await;
    assert_eq!(en["text"], ASCII);
    assert_eq!(
        (en["dc"].as_u64(), en["parts"].as_u64()),
        (Some(0), Some(1))
    );
    for part in sim.submits_to(CUSTOMER) {
        assert_eq!(part["esm"].as_u64(), Some(0x40), "UDH indicator: {part}");
        assert_eq!(part["registered_delivery"].as_u64(), Some(1));
    }

    let mut waiting: BTreeSet<String> = chinese_ids.into_iter().chain(ascii_ids).collect();
    while !waiting.is_empty() {
        let (id, state) = events
            .wait_for("a receipt", |e| match e {
                Event::Receipt { receipt, .. } => Some((receipt.message_id.clone(), receipt.state)),
                _ => None,
            })
            .await;
        assert!(
            waiting.remove(&id),
            "a receipt for {id}, not one of ours or twice"
        );
        assert_eq!(state, MessageState::Delivered);
    }
    // Each receipt was answered with deliver_sm_resp ESME_ROK.
    for _ in 0..3 {
        let resp = sim
            .wait_for("deliver_sm_resp", |v| v["ev"] == "deliver_resp")
            .await;
        assert_eq!(resp["status"].as_u64(), Some(0));
    }
}

#[tokio::test]
async fn a_wrong_password_is_a_clear_error_and_stops_the_client() {
    let mut sim = Sim::start().await;
    let (client, mut events) = client(sim.port, "wrong");
    let queued = client.send(CUSTOMER, "never sent").unwrap();
    let status = events
        .wait_for("BindRejected", |e| match e {
            Event::BindRejected { status } => Some(*status),
            Event::Bound { .. } => panic!("bound with a wrong password"),
            _ => None,
        })
        .await;
    assert_eq!(status, 0x0D, "ESME_RBINDFAIL");
    sim.wait_for("the refused bind", |v| {
        v["ev"] == "bind" && v["ok"] == false
    })
    .await;
    events.wait_closed().await;
    assert!(
        events.seen.contains(&Event::SubmitFailed {
            local_id: queued,
            status: 0x0D,
            retryable: true
        }),
        "the text queued before the refusal is reported: {:#?}",
        events.seen
    );
    assert!(sim.submits_to(CUSTOMER).is_empty());
    assert!(
        client.send(CUSTOMER, "x").is_err(),
        "a stopped client says so"
    );
}

#[tokio::test]
async fn a_dropped_bind_reconnects_and_resends_only_what_was_not_acknowledged() {
    let mut sim = Sim::start().await;
    let (client, mut events) = client(sim.port, "secret");
    bound(&mut events).await;

    let first = client
        .send("8613800000011", "acknowledged before the drop")
        .unwrap();
    events.submitted(first).await;

    sim.command("hold").await;
    let second = client
        .send("8613800000012", "unanswered when the link drops")
        .unwrap();
    sim.wait_for("the held submit", |v| {
        v["ev"] == "submit" && v["dest"] == "8613800000012" && v["answered"] == false
    })
    .await;
    sim.command("drop").await;
    events
        .wait_for("Lost", |e| {
            matches!(
                e,
                Event::Lost {
                    reason: LostReason::Closed
                }
            )
            .then_some(())
        })
        .await;
    bound(&mut events).await;
    let ids = events.submitted(second).await;
    events
        .wait_for("the resent message's receipt", |e| match e {
            Event::Receipt { receipt, .. } if receipt.message_id == ids[0] => Some(()),
            _ => None,
        })
        .await;
    sim.wait_for("the resent submit answered", |v| {
        v["ev"] == "submit" && v["dest"] == "8613800000012" && v["answered"] == true
    })
    .await;

    let firsts = sim.submits_to("8613800000011");
    assert_eq!(
        firsts.len(),
        1,
        "the acknowledged message went once: {firsts:#?}"
    );
    let seconds = sim.submits_to("8613800000012");
    let answered: Vec<_> = seconds.iter().filter(|v| v["answered"] == true).collect();
    assert_eq!((seconds.len(), answered.len()), (2, 1), "{seconds:#?}");
    assert_eq!(answered[0]["message_id"], ids[0].as_str());
    let binds = sim.seen.iter().filter(|v| v["ev"] == "bind").count();
    assert_eq!(binds, 2, "bound again after the drop");
}

#[tokio::test]
async fn a_throttled_submit_is_retried_after_the_pause() {
    let mut sim = Sim::start().await;
    let (client, mut events) = client(sim.port, "secret");
    bound(&mut events).await;
    sim.command("throttle 2").await;
    let id = client
        .send(CUSTOMER, "throttled twice, then taken")
        .unwrap();
    let ids = events.submitted(id).await;
    sim.wait_for("the accepted try", |v| {
        v["ev"] == "submit" && v["dest"] == CUSTOMER && v["status"] == 0
    })
    .await;
    let tries = sim.submits_to(CUSTOMER);
    let statuses: Vec<_> = tries.iter().map(|v| v["status"].as_u64()).collect();
    assert_eq!(statuses, vec![Some(0x58), Some(0x58), Some(0)]);
    assert_eq!(tries[2]["message_id"], ids[0].as_str());
}

#[tokio::test]
async fn inbound_stop_and_tuiding_are_reported_with_the_sender() {
    let mut sim = Sim::start().await;
    let (_client, mut events) = client(sim.port, "secret");
    bound(&mut events).await;
    sim.wait_for("the bind", |v| v["ev"] == "bind").await;
    sim.command("mo 8613800000009 退订").await;
    sim.command("mo 8613800000008 STOP").await;
    for (from, text) in [("8613800000009", "退订"), ("8613800000008", "STOP")] {
        let (to, got) = events
            .wait_for("an inbound message", |e| match e {
                Event::Inbound { from: f, to, text } if f == from => {
                    Some((to.clone(), text.clone()))
                }
                _ => None,
            })
            .await;
        assert_eq!((to.as_str(), got.as_str()), ("95598", text));
    }
}
