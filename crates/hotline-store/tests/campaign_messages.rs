//! SMS campaigns' messages on SQLite and (when configured) PostgreSQL: stored before the
//! submission and never twice for one attempt, only while the campaign runs; accepted with
//! the SMSC's ids per part or refused; closed as `unknown` after a restart (never resent);
//! receipts per part making the message delivered (all parts) or failed (any part); an
//! unknown receipt ignored; a STOP reply stored and its number on the do-not-call list.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use std::collections::BTreeMap;

use common::*;
use hotline_store::*;

fn sms_campaign(name: &str) -> NewCampaign {
    NewCampaign {
        name: name.into(),
        kind: "notice".into(),
        mode: "ivr".into(),
        flow: "sms".into(),
        queue: None,
        settings: serde_json::json!({"channel": "sms", "sms": {"templates": {"zh": "停水通知"}}}),
        source: serde_json::json!({"rule": "upload"}),
    }
}

fn message(target_id: i64, attempt: i64) -> NewMessage {
    NewMessage {
        target_id,
        attempt,
        number: "13800001111".into(),
        language: "zh".into(),
        text: "停水通知：明日9时至17时".into(),
    }
}

async fn three_targets(s: &Store) -> (i64, Vec<i64>) {
    let c = s
        .create_campaign(&sms_campaign("sms"), None, NOW)
        .await
        .unwrap();
    let targets: Vec<NewTarget> = ["13800001111", "13900002222", "13900003333"]
        .iter()
        .enumerate()
        .map(|(i, n)| NewTarget {
            account: format!("A-{i}"),
            number: n.to_string(),
            data: BTreeMap::new(),
        })
        .collect();
    s.add_campaign_targets(c.id, &targets, NOW).await.unwrap();
    let ts = s
        .campaign_targets(
            c.id,
            &TargetFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (c.id, ts.iter().map(|t| t.id).collect())
}

#[tokio::test]
async fn a_message_is_stored_once_before_it_is_sent_and_completed_by_the_smsc() {
    each_store(|s| async move {
        let (c, t) = three_targets(&s).await;
        // Not running: nothing is sent.
        assert!(matches!(
            s.start_campaign_message(&message(t[0], 1), NOW).await,
            Err(StoreError::Conflict(_))
        ));
        s.set_campaign_status(c, CampaignStatus::Running, None, NOW)
            .await
            .unwrap();
        let a = s
            .start_campaign_message(&message(t[0], 1), NOW)
            .await
            .unwrap()
            .unwrap();
        // The same attempt again (a restart replaying the dialler): never sent twice.
        assert_eq!(
            s.start_campaign_message(&message(t[0], 1), NOW + 5)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            s.campaign_target(t[0]).await.unwrap().unwrap().state,
            "in_progress"
        );
        let ids = vec!["SIM1".to_string(), "SIM2".to_string()];
        assert!(s.message_submitted(a, &ids, NOW + 10).await.unwrap());
        assert!(
            !s.message_submitted(a, &ids, NOW + 11).await.unwrap(),
            "once"
        );
        assert!(s.message_submitted(a, &[], NOW).await.is_err());
        let b = s
            .start_campaign_message(&message(t[1], 1), NOW)
            .await
            .unwrap()
            .unwrap();
        assert!(s
            .message_not_submitted(b, "rejected", "ESME_RINVDSTADR", NOW + 3)
            .await
            .unwrap());
        assert!(s.message_not_submitted(b, "bogus", "x", NOW).await.is_err());
        // One under way when the engine stopped: unknown, never sent again.
        let z = s
            .start_campaign_message(&message(t[2], 1), NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.close_unfinished_messages(c, NOW + 20).await.unwrap(), 1);
        let all = s.campaign_messages(c, None, 10).await.unwrap();
        let by_id = |id: i64| all.iter().find(|m| m.id == id).unwrap().clone();
        let m = by_id(a);
        assert_eq!(
            (m.status.as_str(), m.parts, m.smsc_ids.as_deref()),
            ("submitted", 2, Some("SIM1 SIM2"))
        );
        assert_eq!(m.text, "停水通知：明日9时至17时");
        assert_eq!(
            (by_id(b).status.as_str(), by_id(b).error.as_deref()),
            ("rejected", Some("ESME_RINVDSTADR"))
        );
        assert_eq!(by_id(z).status, "unknown");
        assert!(!s
            .message_submitted(z, &["late".into()], NOW + 30)
            .await
            .unwrap());

        // Receipts: one part delivered is not yet the message; both are.
        let r = s
            .apply_receipt("SIM1", "delivered", NOW + 40)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.message_id, r.target_id, r.campaign_id), (a, t[0], c));
        assert_eq!(r.status, "submitted");
        let r = s
            .apply_receipt("SIM2", "delivered", NOW + 41)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.status, "delivered");
        let target = s.campaign_target(t[0]).await.unwrap().unwrap();
        assert_eq!(
            target.last_result.as_deref(),
            Some("delivered"),
            "the target shows its text's last word"
        );
        // Receipts for texts of others, or intermediate states, change nothing.
        assert_eq!(
            s.apply_receipt("OTHER", "delivered", NOW).await.unwrap(),
            None
        );
        assert_eq!(s.apply_receipt("SIM1", "enroute", NOW).await.unwrap(), None);
        let counts = s.campaign_message_counts(c).await.unwrap();
        assert_eq!(
            counts,
            vec![
                ("delivered".to_string(), 1),
                ("rejected".to_string(), 1),
                ("unknown".to_string(), 1)
            ]
        );
        assert_eq!(s.message_counts().await.unwrap(), counts);
        // Messages of one target.
        assert_eq!(
            s.campaign_messages(c, Some(t[1]), 10).await.unwrap().len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn a_failed_part_fails_the_message() {
    each_store(|s| async move {
        let (c, t) = three_targets(&s).await;
        s.set_campaign_status(c, CampaignStatus::Running, None, NOW)
            .await
            .unwrap();
        let a = s
            .start_campaign_message(&message(t[0], 1), NOW)
            .await
            .unwrap()
            .unwrap();
        s.message_submitted(a, &["P1".into(), "P2".into()], NOW)
            .await
            .unwrap();
        let r = s
            .apply_receipt("P1", "expired", NOW + 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.status, "expired");
        // A later part delivered does not hide the failure.
        let r = s
            .apply_receipt("P2", "delivered", NOW + 2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.status, "expired");
    })
    .await;
}

#[tokio::test]
async fn a_stop_reply_is_stored_and_puts_the_number_on_the_do_not_call_list() {
    each_store(|s| async move {
        let n = s
            .record_inbound_sms("8613800001111", "退订", true, NOW)
            .await
            .unwrap();
        assert_eq!(n, "13800001111");
        s.record_inbound_sms("+86 138 0000 1111", "TD", true, NOW + 1)
            .await
            .unwrap();
        s.record_inbound_sms("13900002222", "谢谢", false, NOW + 2)
            .await
            .unwrap();
        assert!(s
            .record_inbound_sms("abc", "STOP", true, NOW)
            .await
            .is_err());
        let dnc = s.do_not_call_since(0).await.unwrap();
        assert_eq!(dnc.len(), 1, "once, and not the thanks: {dnc:?}");
        assert_eq!(dnc[0].number.as_deref(), Some("13800001111"));
        assert_eq!(dnc[0].source, "sms");
        let got = s.inbound_sms("13800001111", 10).await.unwrap();
        assert_eq!(
            got,
            vec![
                ("TD".to_string(), true, NOW + 1),
                ("退订".to_string(), true, NOW)
            ]
        );
        assert!(!s.inbound_sms("13900002222", 10).await.unwrap()[0].1);
    })
    .await;
}
