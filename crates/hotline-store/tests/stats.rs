//! The wallboard's figures: per queue since a time (service level, abandons with short ones
//! apart, average speed of answer, handle time) and overdue tickets per district, on SQLite and
//! (when configured) PostgreSQL.

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

const SEC: Millis = 1000;

/// How a call went: disposition, wait, talk, agent.
type Outcome = (Disposition, i64, Option<i64>, Option<i64>);

/// A finished call in `queue` started at `at`.
async fn call(s: &Store, n: u32, at: Millis, queue: &str, (d, wait, talk, agent): Outcome) {
    let id = s
        .start_call(&NewCall {
            call_ref: format!("stats-{n}"),
            caller: "13800000000".into(),
            dialled: "96655".into(),
            started_at: at,
        })
        .await
        .expect("call")
        .id;
    s.update_call(
        id,
        &CallUpdate {
            queue: Some(queue.into()),
            disposition: Some(d),
            wait_ms: Some(wait),
            talk_ms: talk,
            agent_id: agent,
            answered_at: Some(at),
            ended_at: Some(at + wait + talk.unwrap_or(0)),
            ..CallUpdate::default()
        },
    )
    .await
    .expect("update");
}

#[tokio::test]
async fn queue_figures_follow_the_calls() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let a = Some(f.agent);
        use Disposition::*;
        // Yesterday's call does not count; another queue's neither.
        call(
            &s,
            1,
            NOW - DAY,
            "billing",
            (Answered, 5 * SEC, Some(60 * SEC), a),
        )
        .await;
        call(
            &s,
            2,
            NOW,
            "repairs",
            (Answered, 5 * SEC, Some(60 * SEC), a),
        )
        .await;
        // Today in billing: two answered within 20 s, one after 40 s, a short abandon (3 s),
        // a long abandon (50 s).
        call(
            &s,
            3,
            NOW,
            "billing",
            (Answered, 10 * SEC, Some(100 * SEC), a),
        )
        .await;
        call(
            &s,
            4,
            NOW + SEC,
            "billing",
            (Answered, 20 * SEC, Some(200 * SEC), a),
        )
        .await;
        call(
            &s,
            5,
            NOW + 2 * SEC,
            "billing",
            (Answered, 40 * SEC, Some(300 * SEC), a),
        )
        .await;
        call(
            &s,
            6,
            NOW + 3 * SEC,
            "billing",
            (AbandonedInQueue, 3 * SEC, None, None),
        )
        .await;
        call(
            &s,
            7,
            NOW + 4 * SEC,
            "billing",
            (AbandonedInQueue, 50 * SEC, None, None),
        )
        .await;
        let rule = StatsRule {
            service_level_ms: 20 * SEC,
            short_abandon_ms: 5 * SEC,
        };
        let st = s.queue_stats("billing", NOW, rule).await.expect("stats");
        assert_eq!(st.offered, 5);
        assert_eq!(st.answered, 3);
        assert_eq!(st.answered_within_sl, 2);
        assert_eq!(st.abandoned, 2);
        assert_eq!(st.short_abandoned, 1);
        // 2 within / (3 answered + 2 abandoned - 1 short) = 50 %.
        assert_eq!(st.service_level_percent, Some(50.0));
        assert_eq!(st.average_speed_of_answer_ms, Some(70 * SEC / 3));
        assert_eq!(st.average_handle_ms, Some(200 * SEC));
        // The last minute only: call 7 (abandoned, 50 s).
        let st = s
            .queue_stats("billing", NOW + 4 * SEC, rule)
            .await
            .expect("stats");
        assert_eq!((st.offered, st.answered, st.abandoned), (1, 0, 1));
        assert_eq!(st.service_level_percent, Some(0.0));
        assert_eq!(st.average_speed_of_answer_ms, None);
        // A queue with no calls.
        let st = s.queue_stats("nothing", NOW, rule).await.expect("stats");
        assert_eq!(st, QueueStats::default());
    })
    .await;
}

#[tokio::test]
async fn overdue_tickets_are_counted_per_district() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let leak = |district: Option<i64>| NewTicket {
            kind: "leak".into(),
            customer_id: None,
            district_id: district,
            summary: "leak".into(),
            ..NewTicket::default()
        };
        for d in [
            Some(f.district),
            Some(f.district),
            Some(f.other_district),
            None,
        ] {
            s.create_ticket(&leak(d), Actor::Ivr, NOW)
                .await
                .expect("ticket");
        }
        // Nothing is overdue yet; a leak must be on site within hours, so in a week all are.
        assert!(s
            .overdue_by_district(NOW)
            .await
            .expect("overdue")
            .is_empty());
        let od = s.overdue_by_district(NOW + 7 * DAY).await.expect("overdue");
        let counts: Vec<(Option<i64>, i64)> =
            od.iter().map(|d| (d.district_id, d.overdue)).collect();
        assert_eq!(counts[0], (Some(f.district), 2), "{od:?}");
        assert_eq!(counts.iter().map(|c| c.1).sum::<i64>(), 4, "{od:?}");
        assert!(counts.contains(&(None, 1)), "{od:?}");
        assert!(od
            .iter()
            .any(|d| d.district_id == Some(f.district) && !d.district.is_empty()));
    })
    .await;
}

/// A finished call started at `at` whose IVR ended (`queue`: transferred there) with `d`.
async fn ivr_call(s: &Store, n: u32, at: Millis, queue: Option<&str>, d: Disposition) {
    let id = s
        .start_call(&NewCall {
            call_ref: format!("ivr-{n}"),
            caller: "13800000000".into(),
            dialled: "96655".into(),
            started_at: at,
        })
        .await
        .expect("call")
        .id;
    let u = CallUpdate {
        ivr_ended_at: Some(at + 5 * SEC),
        queue: queue.map(str::to_string),
        disposition: Some(d),
        answered_at: Some(at),
        ended_at: Some(at + 60 * SEC),
        ..CallUpdate::default()
    };
    s.update_call(id, &u).await.expect("update");
}

#[tokio::test]
async fn ivr_figures_count_each_outcome_and_containment() {
    each_store(|s| async move {
        use Disposition::*;
        assert_eq!(s.ivr_stats(NOW).await.unwrap(), IvrStats::default());
        ivr_call(&s, 1, NOW - DAY, None, SelfServed).await; // yesterday
        ivr_call(&s, 2, NOW, None, SelfServed).await;
        ivr_call(&s, 3, NOW, None, SelfServed).await;
        ivr_call(&s, 4, NOW, None, AbandonedInIvr).await;
        ivr_call(&s, 5, NOW, None, UnservedInIvr).await;
        ivr_call(&s, 6, NOW, Some("billing"), Answered).await;
        ivr_call(&s, 7, NOW, Some("billing"), AbandonedInQueue).await;
        ivr_call(&s, 8, NOW, Some("general"), Callback).await;
        // Not an IVR call: an agent's extension dialled directly.
        let direct = s
            .start_call(&NewCall {
                call_ref: "direct".into(),
                caller: "1001".into(),
                dialled: "1002".into(),
                started_at: NOW,
            })
            .await
            .unwrap();
        let u = CallUpdate {
            disposition: Some(Answered),
            ended_at: Some(NOW + SEC),
            ..CallUpdate::default()
        };
        s.update_call(direct.id, &u).await.unwrap();
        let st = s.ivr_stats(NOW).await.unwrap();
        assert_eq!(
            (
                st.calls,
                st.self_served,
                st.transferred,
                st.abandoned,
                st.unserved
            ),
            (7, 2, 3, 1, 1)
        );
        let c = st.containment_percent.expect("containment");
        assert!((c - 200.0 / 7.0).abs() < 1e-9, "{c}");
        assert_eq!(s.ivr_stats(NOW - DAY).await.unwrap().calls, 8);
    })
    .await;
}
