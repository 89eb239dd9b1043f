//! Texts on a ticket's progress, on SQLite and (when configured) PostgreSQL: each dispatch
//! and close of a ticket is an event to text its reporter (a return or reply is not), with the
//! ticket's kind and district; a text stored for an event takes it off the list and is never
//! stored twice; one `sending` when the engine stopped becomes `unknown`; events before the
//! given time are not texted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_store::*;

#[tokio::test]
async fn dispatch_and_close_are_texted_once_each() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let a = Actor::Agent(f.agent);
        let t = s
            .create_ticket(
                &NewTicket {
                    kind: "leak".into(),
                    customer_id: Some(f.customer),
                    summary: "漏水".into(),
                    reporter_phone: Some("13800001111".into()),
                    ..NewTicket::default()
                },
                a,
                NOW,
            )
            .await
            .unwrap();
        assert!(s.ticket_events_to_text(0, 10).await.unwrap().is_empty());
        for action in [
            Action::Dispatch,
            Action::Start,
            Action::Reply,
            Action::Close,
        ] {
            s.transition(t.id, action, &TransitionInput::default(), a, NOW)
                .await
                .unwrap();
        }
        let events = s.ticket_events_to_text(0, 10).await.unwrap();
        let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["dispatch", "close"]);
        let e = &events[0];
        assert_eq!(
            (
                e.ticket_id,
                e.ticket_kind.as_str(),
                e.reporter_phone.as_str()
            ),
            (t.id, "leak", "13800001111")
        );
        assert!(e.district.is_some(), "the customer's district");
        assert_eq!(e.language, "zh");
        // Too old: not texted.
        assert!(s
            .ticket_events_to_text(NOW + 1, 10)
            .await
            .unwrap()
            .is_empty());

        let id = s
            .start_ticket_text(e, "13800001111", "已派单", "sending", None, NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            s.start_ticket_text(e, "13800001111", "again", "sending", None, NOW)
                .await
                .unwrap(),
            None,
            "never twice"
        );
        assert!(s
            .finish_ticket_text(id, "submitted", &["SIM9".into()], None, NOW + 1)
            .await
            .unwrap());
        assert!(!s
            .finish_ticket_text(id, "failed", &[], Some("late"), NOW + 2)
            .await
            .unwrap());
        assert!(s
            .finish_ticket_text(id, "sending", &[], None, NOW)
            .await
            .is_err());
        let close = &events[1];
        s.start_ticket_text(close, "13800001111", "已办结", "sending", None, NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.close_unfinished_ticket_texts(NOW + 3).await.unwrap(), 1);
        assert!(s.ticket_events_to_text(0, 10).await.unwrap().is_empty());
        let texts = s.ticket_texts(t.id).await.unwrap();
        let got: Vec<_> = texts
            .iter()
            .map(|x| (x.kind.as_str(), x.status.as_str(), x.smsc_ids.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("dispatch", "submitted", Some("SIM9")),
                ("close", "unknown", None)
            ]
        );
    })
    .await;
}
