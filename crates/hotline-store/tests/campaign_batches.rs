//! The dial loop's batched writes on SQLite and (when configured) PostgreSQL: attempts stored
//! together each get their own answer (started, stored before, over the per-customer limit
//! counting the batch's earlier ones, on the do-not-call list) as one at a time would; the
//! ends of calls that ended together and the targets' states likewise.

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

fn target(account: &str, number: &str) -> NewTarget {
    NewTarget {
        account: account.into(),
        number: number.into(),
        data: BTreeMap::new(),
    }
}

async fn running(s: &Store, name: &str, list: &[NewTarget]) -> Vec<i64> {
    let c = s
        .create_campaign(
            &NewCampaign {
                name: name.into(),
                kind: "notice".into(),
                mode: "ivr".into(),
                flow: "notice".into(),
                queue: None,
                settings: serde_json::json!({}),
                source: serde_json::json!({}),
            },
            None,
            NOW,
        )
        .await
        .unwrap();
    s.add_campaign_targets(c.id, list, NOW).await.unwrap();
    s.set_campaign_status(c.id, CampaignStatus::Running, None, NOW)
        .await
        .unwrap();
    let filter = TargetFilter {
        limit: 100,
        ..Default::default()
    };
    let ts = s.campaign_targets(c.id, &filter).await.unwrap();
    ts.iter().map(|t| t.id).collect()
}

fn start(target_id: i64, attempt: i64, number: &str) -> AttemptToStart {
    AttemptToStart {
        target_id,
        attempt,
        number: number.into(),
        at: NOW + 1,
    }
}

#[tokio::test]
async fn a_batch_of_attempts_gets_one_answer_each_as_one_at_a_time_would() {
    each_store(|s| async move {
        let _f = fixture(&s).await;
        // Two campaigns over the same customer A-1 (so the daily limit is met inside one
        // batch), a number on the do-not-call list, an attempt stored before.
        let first = running(
            &s,
            "批量一",
            &[
                target("A-1", "13900001111"),
                target("A-2", "13900002222"),
                target("A-3", "13900003333"),
                target("A-4", "13900004444"),
            ],
        )
        .await;
        s.add_do_not_call(
            &NewDnc {
                number: Some("13900003333".into()),
                source: "api".into(),
                ..NewDnc::default()
            },
            None,
            NOW,
        )
        .await
        .unwrap();
        s.start_campaign_attempt(first[3], 1, "13900004444", NOW)
            .await
            .unwrap()
            .unwrap();
        let cap = DailyCap {
            max: 1,
            from: NOW,
            to: NOW + DAY,
        };
        let batch = [
            start(first[0], 1, "13900001111"),
            start(first[1], 1, "13900002222"),
            start(first[2], 1, "13900003333"),
            start(first[3], 1, "13900004444"),
            start(first[0], 2, "13900001111"),
        ];
        let answers = s.start_campaign_attempts(&batch, Some(cap)).await.unwrap();
        assert!(
            matches!(answers[0], AttemptStart::Started(_)),
            "{answers:?}"
        );
        assert!(
            matches!(answers[1], AttemptStart::Started(_)),
            "{answers:?}"
        );
        assert_eq!(answers[2], AttemptStart::DoNotCall);
        assert_eq!(
            answers[3],
            AttemptStart::StoredBefore,
            "an attempt stored before is said so first (it was placed: never again)"
        );
        assert_eq!(
            answers[4],
            AttemptStart::OverDailyLimit(1),
            "the batch's first call counts"
        );
        let states: Vec<String> = {
            let mut v = Vec::new();
            for t in &first {
                v.push(s.campaign_target(*t).await.unwrap().unwrap().state);
            }
            v
        };
        assert_eq!(
            states,
            ["in_progress", "in_progress", "pending", "in_progress"]
        );
        // A-4's next attempt: over the limit (its first was placed today).
        let again = s
            .start_campaign_attempts(&[start(first[3], 2, "13900004444")], Some(cap))
            .await
            .unwrap();
        assert_eq!(again, vec![AttemptStart::OverDailyLimit(1)]);
        // Targets of two campaigns in one batch are refused whole.
        let other = running(&s, "批量二", &[target("A-9", "13900009999")]).await;
        let mixed = [
            start(first[1], 2, "13900002222"),
            start(other[0], 1, "13900009999"),
        ];
        assert!(s.start_campaign_attempts(&mixed, None).await.is_err());
        assert_eq!(
            s.campaign_target(other[0]).await.unwrap().unwrap().state,
            "pending",
            "nothing of a refused batch is stored"
        );

        // The ends of calls that ended together: stored, ended before, unknown.
        let end = |result: &str| AttemptEnd {
            result: result.into(),
            at: NOW + 60_000,
            talk_ms: Some(30_000),
            ..AttemptEnd::default()
        };
        let ends = [
            (first[0], 1, end("answered")),
            (first[1], 1, end("busy")),
            (first[1], 7, end("busy")),
        ];
        let stored = s.end_campaign_attempts(&ends).await.unwrap();
        assert_eq!(stored, vec![Some(true), Some(true), None]);
        let twice = s.end_campaign_attempts(&ends[..1]).await.unwrap();
        assert_eq!(twice, vec![Some(false)]);
        let a1 = s.campaign_target(first[0]).await.unwrap().unwrap();
        assert_eq!(a1.last_result.as_deref(), Some("answered"));
        // A bad end refuses the batch: nothing of it is stored.
        let bad = AttemptEnd {
            rating: Some(9),
            ..end("answered")
        };
        assert!(s
            .end_campaign_attempts(&[(first[3], 1, end("busy")), (first[3], 1, bad)])
            .await
            .is_err());
        let a4 = s.campaign_target(first[3]).await.unwrap().unwrap();
        assert_eq!(a4.last_result, None);

        // The targets' states, in one write.
        let change = |id: i64, state: &str, due_at: Option<i64>| TargetStateChange {
            id,
            state: state.into(),
            due_at,
            last_result: None,
            skipped: None,
        };
        let found = s
            .set_target_states(
                &[
                    change(first[0], "done", None),
                    change(first[1], "due", Some(NOW + 600_000)),
                    change(999_999, "done", None),
                ],
                NOW + 60_000,
            )
            .await
            .unwrap();
        assert_eq!(found, 2);
        let a2 = s.campaign_target(first[1]).await.unwrap().unwrap();
        assert_eq!(
            (a2.state.as_str(), a2.due_at, a2.last_result.as_deref()),
            ("due", Some(NOW + 600_000), Some("busy"))
        );
        assert!(s
            .set_target_states(&[change(first[0], "bogus", None)], NOW)
            .await
            .is_err());
    })
    .await;
}
