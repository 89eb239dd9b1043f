//! Engine runs and the calls a crashed run left open: closed at the next start as
//! `interrupted`, ended at the dead run's last heartbeat, keeping their recording; the calls
//! of the live run and the ended ones untouched. SQLite always, PostgreSQL when configured.

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
use hotline_store::*;

fn new_call(r: &str, at: Millis) -> NewCall {
    NewCall {
        call_ref: r.into(),
        caller: "13800001111".into(),
        dialled: "96655".into(),
        started_at: at,
    }
}

#[tokio::test]
async fn calls_left_open_by_a_dead_run_are_closed_as_interrupted() {
    each_store(|s| async move {
        let dead = s.start_run(NOW).await.unwrap();
        s.heartbeat(dead, NOW + 2_000).await.unwrap();
        s.heartbeat(dead, NOW + 4_000).await.unwrap();
        // An older beat arriving late never moves the sign of life back.
        s.heartbeat(dead, NOW + 3_000).await.unwrap();
        assert_eq!(s.run_last_seen(dead).await.unwrap(), Some(NOW + 4_000));
        let open = s
            .start_call_in_run(&new_call("a-1", NOW + 1_000), Some(dead))
            .await
            .unwrap()
            .id;
        s.update_call(
            open,
            &CallUpdate {
                answered_at: Some(NOW + 1_100),
                recording: Some("recordings/1-a-1.wav".into()),
                ..CallUpdate::default()
            },
        )
        .await
        .unwrap();
        // Started after the last heartbeat: ends when it started, not before.
        let late = s
            .start_call_in_run(&new_call("a-2", NOW + 4_500), Some(dead))
            .await
            .unwrap()
            .id;
        let ended = s
            .start_call_in_run(&new_call("a-3", NOW + 1_000), Some(dead))
            .await
            .unwrap()
            .id;
        s.update_call(
            ended,
            &CallUpdate {
                ended_at: Some(NOW + 2_500),
                disposition: Some(Disposition::Answered),
                ..CallUpdate::default()
            },
        )
        .await
        .unwrap();

        let live = s.start_run(NOW + 10_000).await.unwrap();
        let current = s
            .start_call_in_run(&new_call("b-1", NOW + 10_100), Some(live))
            .await
            .unwrap()
            .id;
        let closed = s.close_interrupted_calls(live).await.unwrap();
        let ids: Vec<i64> = closed.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![open, late]);
        assert_eq!(closed[0].recording.as_deref(), Some("recordings/1-a-1.wav"));
        assert_eq!(closed[0].run_id, Some(dead));

        let c = s.call(open).await.unwrap().unwrap();
        assert_eq!(c.ended_at, Some(NOW + 4_000));
        assert_eq!(c.disposition.as_deref(), Some("interrupted"));
        assert_eq!(c.hangup_side.as_deref(), Some("system"));
        assert_eq!(c.recording.as_deref(), Some("recordings/1-a-1.wav"));
        let c = s.call(late).await.unwrap().unwrap();
        assert_eq!(c.ended_at, Some(NOW + 4_500));
        let c = s.call(ended).await.unwrap().unwrap();
        assert_eq!(c.disposition.as_deref(), Some("answered"));
        assert_eq!(c.ended_at, Some(NOW + 2_500));
        let c = s.call(current).await.unwrap().unwrap();
        assert_eq!((c.ended_at, c.disposition), (None, None));

        // Twice is once.
        assert!(s.close_interrupted_calls(live).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_stopped_run_ends_its_open_calls_at_its_stop() {
    each_store(|s| async move {
        let run = s.start_run(NOW).await.unwrap();
        let id = s
            .start_call_in_run(&new_call("c-1", NOW + 100), Some(run))
            .await
            .unwrap()
            .id;
        s.stop_run(run, NOW + 7_000).await.unwrap();
        // Rows from before runs were recorded have no run: closed at their last known time.
        let legacy = s.start_call(&new_call("c-0", NOW + 50)).await.unwrap().id;
        let next = s.start_run(NOW + 9_000).await.unwrap();
        let closed = s.close_interrupted_calls(next).await.unwrap();
        assert_eq!(closed.len(), 2);
        let c = s.call(id).await.unwrap().unwrap();
        assert_eq!(c.ended_at, Some(NOW + 7_000));
        let c = s.call(legacy).await.unwrap().unwrap();
        assert_eq!(c.ended_at, Some(NOW + 50));
        assert_eq!(c.disposition.as_deref(), Some("interrupted"));
    })
    .await;
}
