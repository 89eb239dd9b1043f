//! A call's other recordings (consultations) on SQLite and (when configured) PostgreSQL: kept
//! once however often the call log replays the entry, listed oldest first, purged with the
//! call unless it is on legal hold.

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
async fn other_recordings_are_kept_once_listed_and_purged_unless_held() {
    each_store(|s| async move {
        let id = s
            .start_call(&NewCall {
                call_ref: "r-1".into(),
                caller: "13800001111".into(),
                dialled: "96655".into(),
                started_at: NOW,
            })
            .await
            .unwrap()
            .id;
        for _ in 0..2 {
            s.add_call_recording(id, "consult", "/rec/b.wav", NOW + 20)
                .await
                .unwrap();
        }
        s.add_call_recording(id, "consult", "/rec/a.wav", NOW + 10)
            .await
            .unwrap();
        assert!(s
            .add_call_recording(id, "", "/rec/c.wav", NOW)
            .await
            .is_err());
        let listed = s.call_recordings(id).await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|r| (r.path.as_deref(), r.kind.as_str(), r.available))
                .collect::<Vec<_>>(),
            vec![
                (Some("/rec/a.wav"), "consult", true),
                (Some("/rec/b.wav"), "consult", true)
            ]
        );
        s.set_legal_hold(id, true).await.unwrap();
        assert!(s
            .call_recordings_purged(id, NOW + 99)
            .await
            .unwrap()
            .is_empty());
        s.set_legal_hold(id, false).await.unwrap();
        let mut gone = s.call_recordings_purged(id, NOW + 99).await.unwrap();
        gone.sort();
        assert_eq!(gone, vec!["/rec/a.wav", "/rec/b.wav"]);
        assert!(s
            .call_recordings(id)
            .await
            .unwrap()
            .iter()
            .all(|r| !r.available));
        assert!(s
            .call_recordings_purged(id, NOW + 100)
            .await
            .unwrap()
            .is_empty());
    })
    .await;
}
