//! The rule and one pass over a real SQLite store with a fake gateway: a ticket dispatched
//! and closed gets its reporter two texts, once each; outside the window nothing goes until
//! it opens; a reporter on the do-not-call list or without a mobile gets none (stored as
//! skipped, with why).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Mutex;

use hotline_store::{Action, Actor, NewDnc, NewTicket, TransitionInput};

use super::*;

/// 2026-12-16 10:00 UTC.
const TEN: i64 = 1_797_415_200_000;
const HOUR: i64 = 3_600_000;

#[derive(Default)]
struct Fake {
    sent: Mutex<Vec<(String, String)>>,
}

#[async_trait::async_trait]
impl SmsSender for Fake {
    async fn submit(&self, to: &str, text: &str) -> Submission {
        let mut sent = self.sent.lock().unwrap();
        sent.push((to.to_string(), text.to_string()));
        Submission::Accepted {
            message_ids: vec![format!("T{}", sent.len())],
        }
    }
}

fn policy() -> Policy {
    Policy::new(&SmsConfig::default(), Zone::utc()).unwrap()
}

fn event(kind: &str, phone: &str) -> ProgressEvent {
    ProgressEvent {
        outbox_id: 1,
        ticket_id: 42,
        kind: kind.into(),
        ticket_kind: "leak".into(),
        reporter_phone: phone.into(),
        district: Some("城北区".into()),
        language: "zh".into(),
        at: TEN,
    }
}

#[test]
fn the_rule_texts_mobiles_in_the_window_and_skips_the_rest() {
    let p = policy();
    assert_eq!(
        decide(&event("dispatch", "+86 138 0000 1111"), false, TEN, &p),
        Decision::Send {
            number: "13800001111".into(),
            text: "您反映的问题（工单42）已派城北区处理，请保持电话畅通。回复TD退订".into()
        }
    );
    assert!(matches!(
        decide(&event("close", "13800001111"), false, TEN, &p),
        Decision::Send { text, .. } if text.contains("已处理完毕")
    ));
    // 22:00: after the window (08:00-21:00): later.
    assert_eq!(
        decide(&event("close", "13800001111"), false, TEN + 12 * HOUR, &p),
        Decision::Later
    );
    assert!(matches!(
        decide(&event("close", "13800001111"), true, TEN, &p),
        Decision::Skip { why, .. } if why.contains("do-not-call")
    ));
    for landline in ["02088881234", "", "12345"] {
        assert!(matches!(
            decide(&event("close", landline), false, TEN, &p),
            Decision::Skip { why, .. } if why.contains("no mobile")
        ));
    }
    // A bad template or window is a configuration error naming its key.
    let bad = SmsConfig {
        ticket_closed: "工单{ticket_no}".into(),
        ..SmsConfig::default()
    };
    assert_eq!(
        Policy::new(&bad, Zone::utc()).unwrap_err().0,
        "sms.ticket_closed"
    );
    let bad = SmsConfig {
        ticket_window: "8-21".into(),
        ..SmsConfig::default()
    };
    assert_eq!(
        Policy::new(&bad, Zone::utc()).unwrap_err().0,
        "sms.ticket_window"
    );
}

async fn ticket(store: &Store, district: i64, phone: &str) -> i64 {
    let t = store
        .create_ticket(
            &NewTicket {
                kind: "leak".into(),
                district_id: Some(district),
                summary: "路面漏水".into(),
                address: Some("城北路1号".into()),
                reporter_phone: Some(phone.into()),
                ..NewTicket::default()
            },
            Actor::System,
            TEN,
        )
        .await
        .unwrap();
    t.id
}

async fn step(store: &Store, id: i64, action: Action, at: i64) {
    store
        .transition(id, action, &TransitionInput::default(), Actor::System, at)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reporter_hears_of_dispatch_and_close_once_each() {
    let (store, district, dir) = crate::test_store::with_a_district("ticket-texts").await;
    let fake = Fake::default();
    let p = policy();
    let a = ticket(&store, district, "13800001111").await;
    let quiet = ticket(&store, district, "13900002222").await;
    store
        .add_do_not_call(
            &NewDnc {
                number: Some("13900002222".into()),
                source: "sms".into(),
                ..NewDnc::default()
            },
            None,
            TEN,
        )
        .await
        .unwrap();
    step(&store, a, Action::Dispatch, TEN).await;
    step(&store, quiet, Action::Dispatch, TEN).await;
    // At 22:00 nothing goes (the number on the list is skipped at once); the next morning
    // the other does.
    assert_eq!(once(&store, &fake, &p, TEN + 12 * HOUR).await, 1);
    assert!(fake.sent.lock().unwrap().is_empty());
    assert_eq!(once(&store, &fake, &p, TEN + 22 * HOUR).await, 1);
    assert_eq!(fake.sent.lock().unwrap().len(), 1);
    for s in [Action::Start, Action::Reply, Action::Close] {
        step(&store, a, s, TEN + 23 * HOUR).await;
    }
    assert_eq!(once(&store, &fake, &p, TEN + 23 * HOUR).await, 1);
    assert_eq!(
        once(&store, &fake, &p, TEN + 23 * HOUR).await,
        0,
        "once each"
    );
    let sent = fake.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent.iter().all(|(n, _)| n == "13800001111"));
    assert!(sent[0].1.contains("已派城北区处理"), "{}", sent[0].1);
    assert!(sent[1].1.contains("已处理完毕"), "{}", sent[1].1);
    let texts = store.ticket_texts(a).await.unwrap();
    let got: Vec<_> = texts
        .iter()
        .map(|t| (t.kind.as_str(), t.status.as_str(), t.smsc_ids.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("dispatch", "submitted", Some("T1")),
            ("close", "submitted", Some("T2"))
        ]
    );
    let skipped = store.ticket_texts(quiet).await.unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].status, "skipped");
    assert!(skipped[0].error.as_deref().unwrap().contains("do-not-call"));
    // A day later an event is too old to text.
    let late = ticket(&store, district, "13700003333").await;
    step(&store, late, Action::Dispatch, TEN).await;
    assert_eq!(once(&store, &fake, &p, TEN + 25 * HOUR).await, 0);
    let _ = std::fs::remove_dir_all(dir);
}
