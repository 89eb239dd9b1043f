//! The webhook outbox through the store: the dispatch, return, reply, close and escalation of
//! a ticket each write one event in the change's transaction (nothing for other steps or for
//! refused ones); fan-out makes one delivery per receiver the event is for, once; failures
//! back off and end as dead letters, which an admin can put back in line.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::outbox::{backoff, Receiver};
use hotline_store::*;

const MIN: Millis = 60_000;

async fn kinds(s: &Store) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM outbox ORDER BY id")
        .fetch_all(s.read_pool())
        .await
        .unwrap()
}

fn noted(n: &str) -> TransitionInput {
    TransitionInput {
        note: n.into(),
        ..TransitionInput::default()
    }
}

#[tokio::test]
async fn each_notified_step_writes_one_event_with_the_change() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let a = Actor::Agent(f.agent);
        let t = s
            .create_ticket(
                &NewTicket {
                    kind: "leak".into(),
                    customer_id: Some(f.customer),
                    summary: "漏水".into(),
                    ..NewTicket::default()
                },
                a,
                NOW,
            )
            .await
            .unwrap();
        assert!(kinds(&s).await.is_empty(), "opening is not an event");
        for (action, note) in [
            (Action::Dispatch, ""),
            (Action::Return, "不属本片区"),
            (Action::Dispatch, ""),
            (Action::Start, ""),
            (Action::Reply, "已修复"),
            (Action::Close, ""),
        ] {
            s.transition(t.id, action, &noted(note), a, NOW)
                .await
                .unwrap();
        }
        assert_eq!(
            kinds(&s).await,
            ["dispatch", "return", "dispatch", "reply", "close"]
        );
        // A refused step writes nothing.
        let err = s
            .transition(t.id, Action::Dispatch, &noted(""), a, NOW)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Illegal(_)));
        let stale = TransitionInput {
            expected_version: Some(0),
            ..TransitionInput::default()
        };
        assert!(s
            .transition(t.id, Action::FollowUp, &stale, a, NOW)
            .await
            .is_err());
        assert_eq!(kinds(&s).await.len(), 5);
        // The payload says what happened, with the ticket as it was then.
        let p: String =
            sqlx::query_scalar("SELECT payload FROM outbox ORDER BY id LIMIT 1 OFFSET 1")
                .fetch_one(s.read_pool())
                .await
                .unwrap();
        let p: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(p["type"], "ticket.return");
        assert_eq!(p["note"], "不属本片区");
        assert_eq!(p["ticket"]["status"], "accepted");
        assert_eq!(p["ticket"]["district_code"], "east");
        assert_eq!(p["event_id"].as_str().map(str::len), Some(32));

        // A missed deadline: one escalation event.
        let u = s
            .create_ticket(
                &NewTicket {
                    kind: "leak".into(),
                    customer_id: Some(f.customer),
                    summary: "又漏".into(),
                    ..NewTicket::default()
                },
                a,
                NOW,
            )
            .await
            .unwrap();
        s.escalate_overdue(NOW + 46 * MIN).await.unwrap();
        s.escalate_overdue(NOW + 47 * MIN).await.unwrap();
        let esc: Vec<i64> =
            sqlx::query_scalar("SELECT ticket_id FROM outbox WHERE kind = 'escalation'")
                .fetch_all(s.read_pool())
                .await
                .unwrap();
        assert_eq!(esc, [u.id]);
    })
    .await;
}

#[tokio::test]
async fn fan_out_is_once_per_receiver_and_failures_back_off_to_dead_letters() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let a = Actor::Agent(f.agent);
        let mut ids = Vec::new();
        for district in [f.district, f.other_district] {
            let t = s
                .create_ticket(
                    &NewTicket {
                        kind: "repair".into(),
                        summary: "x".into(),
                        address: Some("路1号".into()),
                        ..NewTicket::default()
                    },
                    a,
                    NOW,
                )
                .await
                .unwrap();
            let to = TransitionInput {
                district_id: Some(district),
                ..TransitionInput::default()
            };
            s.transition(t.id, Action::Dispatch, &to, a, NOW)
                .await
                .unwrap();
            ids.push(t.id);
        }
        let receivers = [
            Receiver {
                name: "centre".into(),
                district_id: None,
            },
            Receiver {
                name: "east-sms".into(),
                district_id: Some(f.district),
            },
        ];
        assert_eq!(s.fan_out(&receivers, NOW).await.unwrap(), 2);
        assert_eq!(s.fan_out(&receivers, NOW).await.unwrap(), 0);
        let due = s.due_deliveries(NOW, 100).await.unwrap();
        let who: Vec<&str> = due.iter().map(|d| d.receiver.as_str()).collect();
        assert_eq!(who, ["centre", "east-sms", "centre"]);
        assert_eq!(due[0].event_id, due[1].event_id);
        assert_ne!(due[0].event_id, due[2].event_id);

        // Delivered: gone from the due list.
        s.delivery_done(due[0].id, NOW).await.unwrap();
        // Failing: back after the backoff, dead after the last attempt.
        let d = due[1].id;
        let mut at = NOW;
        for attempt in 1..=3 {
            let dead = s.delivery_failed(d, "HTTP 500", at, 3).await.unwrap();
            assert_eq!(dead, attempt == 3);
            let soon = s
                .due_deliveries(at + backoff(attempt) - 1, 100)
                .await
                .unwrap();
            assert!(soon.iter().all(|x| x.id != d));
            at += backoff(attempt);
            let later = s.due_deliveries(at, 100).await.unwrap();
            assert_eq!(later.iter().any(|x| x.id == d), attempt < 3);
        }
        let dead = s.dead_letters(10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(
            (dead[0].receiver.as_str(), dead[0].attempts),
            ("east-sms", 3)
        );
        assert_eq!(dead[0].last_error, "HTTP 500");
        assert_eq!(dead[0].ticket_id, ids[0]);
        s.retry_dead_letter(d, at).await.unwrap();
        assert!(s.dead_letters(10).await.unwrap().is_empty());
        assert!(s
            .due_deliveries(at, 100)
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == d));
        assert!(matches!(
            s.retry_dead_letter(d, at).await,
            Err(StoreError::NotFound { .. })
        ));
    })
    .await;
}

/// Pruning forgets what receivers have had for long enough: delivered deliveries older than
/// the cut, then the events left with none; pending deliveries and dead letters (and their
/// events) stay, and so does everything newer.
#[tokio::test]
async fn pruning_forgets_old_deliveries_and_keeps_dead_letters_and_pending_ones() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let a = Actor::Agent(f.agent);
        let dispatch = |district: i64, at: Millis| {
            let s = s.clone();
            async move {
                let t = s
                    .create_ticket(
                        &NewTicket {
                            kind: "repair".into(),
                            summary: "x".into(),
                            address: Some("路1号".into()),
                            ..NewTicket::default()
                        },
                        a,
                        at,
                    )
                    .await
                    .unwrap();
                let to = TransitionInput {
                    district_id: Some(district),
                    ..TransitionInput::default()
                };
                s.transition(t.id, Action::Dispatch, &to, a, at)
                    .await
                    .unwrap();
                t.id
            }
        };
        let receivers = [
            Receiver {
                name: "centre".into(),
                district_id: None,
            },
            Receiver {
                name: "east-sms".into(),
                district_id: Some(f.district),
            },
        ];
        let t1 = dispatch(f.district, NOW).await;
        let t2 = dispatch(f.other_district, NOW).await;
        let t3 = dispatch(f.other_district, NOW).await;
        assert_eq!(s.fan_out(&receivers, NOW).await.unwrap(), 3);
        let due = s.due_deliveries(NOW, 100).await.unwrap();
        let ticket_of = |event: &str| -> i64 {
            let p: serde_json::Value =
                serde_json::from_str(&due.iter().find(|d| d.event_id == event).unwrap().payload)
                    .unwrap();
            p["ticket"]["id"].as_i64().unwrap()
        };
        for d in &due {
            let t = ticket_of(&d.event_id);
            if t == t1 && d.receiver == "east-sms" {
                assert!(s.delivery_failed(d.id, "500", NOW + MIN, 1).await.unwrap());
            } else if t != t3 {
                s.delivery_done(d.id, NOW + MIN).await.unwrap();
            }
        }
        // A later event, delivered after the cut.
        let t4 = dispatch(f.other_district, NOW + 120 * MIN).await;
        assert_eq!(s.fan_out(&receivers, NOW + 120 * MIN).await.unwrap(), 1);
        for d in s.due_deliveries(NOW + 120 * MIN, 100).await.unwrap() {
            if d.attempts == 0 && ticket_of_payload(&d.payload) == t4 {
                s.delivery_done(d.id, NOW + 121 * MIN).await.unwrap();
            }
        }

        let (deliveries, events) = s.prune_delivered(NOW + 60 * MIN).await.unwrap();
        assert_eq!(
            (deliveries, events),
            (2, 1),
            "t1 and t2 to the centre; t2's event"
        );
        let left: Vec<i64> = sqlx::query_scalar("SELECT ticket_id FROM outbox ORDER BY ticket_id")
            .fetch_all(s.read_pool())
            .await
            .unwrap();
        assert_eq!(left, vec![t1, t3, t4], "t2's event gone");
        assert!(!left.contains(&t2));
        let dead = s.dead_letters(10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].ticket_id, t1);
        let pending = s.due_deliveries(NOW + 600 * MIN, 100).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(ticket_of_payload(&pending[0].payload), t3);
        assert_eq!(s.prune_delivered(NOW + 60 * MIN).await.unwrap(), (0, 0));
        // Later, t4's delivery goes too; the dead letter and the pending one still stay.
        assert_eq!(s.prune_delivered(NOW + 600 * MIN).await.unwrap(), (1, 1));
        assert_eq!(s.dead_letters(10).await.unwrap().len(), 1);
    })
    .await;
}

fn ticket_of_payload(payload: &str) -> i64 {
    let p: serde_json::Value = serde_json::from_str(payload).unwrap();
    p["ticket"]["id"].as_i64().unwrap()
}
