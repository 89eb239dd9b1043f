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

/// Recordings: one per language, replaced by a new upload (a new `uploaded_at`), listed with
/// the notice, read back byte for byte, removed; bad languages, oversized files and unknown
/// notices refused.
#[tokio::test]
async fn a_notice_keeps_one_recording_per_language() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let n = s
            .create_notice(&works(vec![f.district]), NOW)
            .await
            .unwrap();
        let wav: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let r = s
            .put_notice_recording(n.id, "zh", &wav, 35_000, "zhaolei", NOW)
            .await
            .unwrap();
        assert_eq!(
            (r.language.as_str(), r.samples, r.uploaded_at),
            ("zh", 35_000, NOW)
        );
        s.put_notice_recording(n.id, "en", &wav[..100], 40, "zhaolei", NOW + 1)
            .await
            .unwrap();
        let again = s
            .put_notice_recording(n.id, "zh", &wav[..50], 3, "lilei", NOW + 2)
            .await
            .unwrap();
        assert_eq!(again.uploaded_at, NOW + 2);
        let listed = s.notice(n.id).await.unwrap().unwrap().recordings;
        let langs: Vec<(&str, i64, &str)> = listed
            .iter()
            .map(|r| (r.language.as_str(), r.uploaded_at, r.uploaded_by.as_str()))
            .collect();
        assert_eq!(
            langs,
            [("en", NOW + 1, "zhaolei"), ("zh", NOW + 2, "lilei")]
        );
        assert_eq!(
            s.notice_recording_wav(n.id, "zh").await.unwrap(),
            Some((NOW + 2, wav[..50].to_vec()))
        );
        assert_eq!(
            s.list_notices(NOW, false).await.unwrap()[0]
                .recordings
                .len(),
            2
        );
        assert!(s.delete_notice_recording(n.id, "en").await.unwrap());
        assert!(!s.delete_notice_recording(n.id, "en").await.unwrap());
        assert_eq!(s.notice_recording_wav(n.id, "en").await.unwrap(), None);
        assert_eq!(s.notice(n.id).await.unwrap().unwrap().recordings.len(), 1);
        // Refused.
        for lang in ["", "zh/../x", "a b", "abcdefghijklmnopq"] {
            let e = s
                .put_notice_recording(n.id, lang, &wav, 1, "x", NOW)
                .await
                .expect_err(lang);
            assert!(
                matches!(
                    e,
                    StoreError::Invalid {
                        field: "language",
                        ..
                    }
                ),
                "{e:?}"
            );
        }
        let big = vec![0u8; hotline_store::notice_recordings::MAX_RECORDING_BYTES + 1];
        assert!(matches!(
            s.put_notice_recording(n.id, "zh", &big, 1, "x", NOW).await,
            Err(StoreError::Invalid { .. })
        ));
        assert!(matches!(
            s.put_notice_recording(n.id + 100, "zh", &wav, 1, "x", NOW)
                .await,
            Err(StoreError::NotFound { .. })
        ));
        // The old upload is what is kept after the refusals.
        assert_eq!(
            s.notice_recording_wav(n.id, "zh").await.unwrap(),
            Some((NOW + 2, wav[..50].to_vec()))
        );
    })
    .await;
}
