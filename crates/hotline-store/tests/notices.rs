//! Notices as a managed thing: created over several districts, heard by every one of them
//! (any kind), changed (districts replaced), ended (no longer in force, kept in the list of
//! all), bad input refused naming the field with the old notice kept whole. SQLite and (when
//! configured) PostgreSQL.

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

const HOUR: Millis = 3_600_000;

fn works(districts: Vec<i64>) -> NoticeInput {
    NoticeInput {
        kind: "planned_works".into(),
        district_ids: districts,
        starts_at: NOW - HOUR,
        ends_at: Some(NOW + 8 * HOUR),
        title: "管道改造计划停水".into(),
        body: "因解放路供水管道改造施工，周边区域计划停水。".into(),
        cause: "construction".into(),
        figures: Figures::default(),
    }
}

fn ids(list: &[Notice]) -> Vec<i64> {
    list.iter().map(|n| n.id).collect()
}

#[tokio::test]
async fn a_notice_over_two_districts_is_in_force_in_both_until_it_is_ended() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let n = s
            .create_notice(&works(vec![f.district, f.other_district]), NOW)
            .await
            .expect("created");
        assert_eq!(n.kind, "planned_works");
        assert_eq!(n.cause, "construction");
        assert_eq!(n.created_at, Some(NOW));
        let codes: Vec<&str> = n.districts.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["east", "west"]);
        for d in [f.district, f.other_district] {
            assert_eq!(ids(&s.notices(d, NOW, DAY).await.unwrap()), [n.id]);
        }
        assert_eq!(ids(&s.notices_in_force(NOW).await.unwrap()), [n.id]);
        // Through the data source the IVR uses, by district code.
        let by_code = CustomerSource::notices(&s, "west", NOW).await.unwrap();
        assert_eq!(ids(&by_code), [n.id]);

        let ended = s.end_notice(n.id, NOW + HOUR).await.expect("ended");
        assert_eq!(ended.ends_at, Some(NOW + HOUR));
        assert!(s
            .notices(f.district, NOW + HOUR, DAY)
            .await
            .unwrap()
            .is_empty());
        assert!(s.notices_in_force(NOW + HOUR).await.unwrap().is_empty());
        assert!(s.list_notices(NOW + HOUR, false).await.unwrap().is_empty());
        assert_eq!(
            ids(&s.list_notices(NOW + HOUR, true).await.unwrap()),
            [n.id]
        );
        // Ending again keeps the first end.
        let again = s.end_notice(n.id, NOW + 2 * HOUR).await.unwrap();
        assert_eq!(again.ends_at, Some(NOW + HOUR));
        assert!(matches!(
            s.end_notice(n.id + 100, NOW).await,
            Err(StoreError::NotFound { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn a_change_replaces_the_districts_and_a_refused_one_keeps_the_old_notice() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let n = s
            .create_notice(&works(vec![f.district]), NOW)
            .await
            .unwrap();
        let mut quality = works(vec![f.other_district]);
        quality.kind = "water_quality".into();
        quality.cause = "flushing".into();
        quality.figures = Figures {
            turbidity_mntu: Some(350),
            chlorine_ug_l: Some(450),
            pressure_kpa: Some(280),
        };
        let changed = s.update_notice(n.id, &quality, NOW + 1).await.unwrap();
        assert_eq!(changed.kind, "water_quality");
        assert_eq!(changed.figures, quality.figures);
        assert_eq!(changed.updated_at, Some(NOW + 1));
        assert!(s.notices(f.district, NOW, DAY).await.unwrap().is_empty());
        assert_eq!(
            ids(&s.notices(f.other_district, NOW, DAY).await.unwrap()),
            [n.id]
        );

        // An unknown district and an end before the start: refused, naming the field;
        // the notice is as it was.
        let mut unknown = quality.clone();
        unknown.district_ids = vec![f.district, 9_999];
        match s.update_notice(n.id, &unknown, NOW + 2).await {
            Err(StoreError::Invalid { field, reason }) => {
                assert_eq!(field, "district_ids");
                assert!(reason.contains("9999"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let mut backwards = quality.clone();
        backwards.ends_at = Some(backwards.starts_at - 1);
        match s.update_notice(n.id, &backwards, NOW + 2).await {
            Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "ends_at"),
            other => panic!("{other:?}"),
        }
        assert_eq!(s.notice(n.id).await.unwrap(), Some(changed));
        assert!(matches!(
            s.update_notice(n.id + 100, &quality, NOW).await,
            Err(StoreError::NotFound { .. })
        ));
        // A create with an unknown district writes nothing.
        let mut bad = works(vec![9_999]);
        bad.title = "不应写入".into();
        assert!(s.create_notice(&bad, NOW).await.is_err());
        assert_eq!(s.list_notices(NOW, true).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_coming_notice_is_heard_within_a_day_and_withdrawn_before_it_starts() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let mut tomorrow = works(vec![f.district]);
        tomorrow.starts_at = NOW + 18 * HOUR;
        tomorrow.ends_at = Some(NOW + 28 * HOUR);
        let n = s.create_notice(&tomorrow, NOW).await.unwrap();
        assert_eq!(ids(&s.notices(f.district, NOW, DAY).await.unwrap()), [n.id]);
        assert!(s.notices_in_force(NOW).await.unwrap().is_empty());
        let withdrawn = s.end_notice(n.id, NOW).await.unwrap();
        assert_eq!(withdrawn.ends_at, Some(NOW));
        assert!(withdrawn.starts_at < NOW);
        assert!(s.notices(f.district, NOW, DAY).await.unwrap().is_empty());
        // The seeder's and flow tests' one-district notices are found the same way.
        let old = s
            .insert_notice(&NewNotice {
                district_id: f.district,
                kind: "outage".into(),
                title: "爆管抢修".into(),
                body: String::new(),
                starts_at: NOW - HOUR,
                ends_at: None,
            })
            .await
            .unwrap();
        assert_eq!(ids(&s.notices(f.district, NOW, DAY).await.unwrap()), [old]);
    })
    .await;
}
