//! Call reasons and notes: the shipped tree, reasons recorded by call id (replaced, checked
//! against the tree), the note, "given since" for the wrap-up check, and the counts by reason
//! over the calls of a period, on SQLite and (when configured) PostgreSQL.

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

async fn call(s: &Store, r: &str, at: Millis) {
    s.start_call(&NewCall {
        call_ref: r.into(),
        caller: "13800000000".into(),
        dialled: "96655".into(),
        started_at: at,
    })
    .await
    .expect("call");
}

fn codes(c: &[&str]) -> Vec<String> {
    c.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn the_shipped_tree_is_in_chinese_and_english() {
    each_store(|s| async move {
        let t = s.reason_tree().await.unwrap();
        let q = t.iter().find(|r| r.code == "billing/query").unwrap();
        assert_eq!(
            (q.name_zh.as_str(), q.name_en.as_str()),
            ("查询", "Enquiry")
        );
        assert!(q.pickable);
        let b = t.iter().find(|r| r.code == "billing").unwrap();
        assert_eq!(b.name_zh, "账务");
        assert!(!b.pickable);
        for c in ["billing/dispute", "repair/leak", "complaint/attitude"] {
            assert!(t.iter().any(|r| r.code == c), "{c}");
        }
    })
    .await;
}

#[tokio::test]
async fn reasons_are_kept_by_call_and_counted() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        call(&s, "r-1", NOW).await;
        call(&s, "r-2", NOW + 1000).await;
        call(&s, "r-old", NOW - DAY).await;
        let agent = ReasonSource::Agent(f.agent);
        assert!(!s.reasons_given_since(f.agent, NOW).await.unwrap());
        let got = s
            .record_call_reasons(
                "r-1",
                &codes(&["billing/query"]),
                Some("  asked twice  "),
                agent,
                NOW + 5000,
            )
            .await
            .unwrap();
        assert_eq!(got.note.as_deref(), Some("asked twice"));
        // Given again: replaced, not added.
        s.record_call_reasons(
            "r-1",
            &codes(&["billing/dispute", "complaint/attitude"]),
            Some("disputed the bill"),
            agent,
            NOW + 6000,
        )
        .await
        .unwrap();
        let r1 = s.call_reasons("r-1").await.unwrap();
        assert_eq!(
            r1.reasons,
            codes(&["billing/dispute", "complaint/attitude"])
        );
        assert_eq!(r1.note.as_deref(), Some("disputed the bill"));
        s.record_call_reasons("r-2", &codes(&["billing/dispute"]), None, agent, NOW + 7000)
            .await
            .unwrap();
        s.record_call_reasons(
            "r-old",
            &codes(&["repair/leak"]),
            None,
            ReasonSource::Ivr,
            NOW,
        )
        .await
        .unwrap();
        assert!(s.reasons_given_since(f.agent, NOW + 7000).await.unwrap());
        assert!(!s.reasons_given_since(f.agent, NOW + 7001).await.unwrap());
        assert_eq!(s.call_reasons("r-2").await.unwrap().note, None);

        let today = s.calls_by_reason(NOW, NOW + DAY).await.unwrap();
        let n = |code: &str| today.iter().find(|c| c.code == code).map(|c| c.calls);
        assert_eq!(n("billing/dispute"), Some(2));
        assert_eq!(n("complaint/attitude"), Some(1));
        assert_eq!(n("billing/query"), Some(0));
        assert_eq!(n("repair/leak"), Some(0), "yesterday's call");
        assert_eq!(n("billing"), None, "categories are not counted");
        let totals = s.reason_totals().await.unwrap();
        let t = |code: &str| totals.iter().find(|c| c.code == code).map(|c| c.calls);
        assert_eq!((t("billing/dispute"), t("repair/leak")), (Some(2), Some(1)));
        assert_eq!(totals.len(), today.len());
    })
    .await;
}

#[tokio::test]
async fn bad_reasons_are_refused_naming_the_field_and_nothing_is_kept() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let agent = ReasonSource::Agent(f.agent);
        s.record_call_reasons("x-1", &codes(&["billing/query"]), Some("first"), agent, NOW)
            .await
            .unwrap();
        let cases: [(&str, Vec<String>, Option<String>, &str); 5] = [
            ("x-1", codes(&[]), None, "reasons"),
            ("x-1", codes(&["billing"]), None, "reasons"),
            ("x-1", codes(&["nope/none"]), None, "reasons"),
            (
                "x-1",
                codes(&["billing/query"]),
                Some("长".repeat(2001)),
                "note",
            ),
            ("", codes(&["billing/query"]), None, "call_ref"),
        ];
        for (r, c, note, field) in cases {
            match s
                .record_call_reasons(r, &c, note.as_deref(), agent, NOW + 1)
                .await
            {
                Err(StoreError::Invalid { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{c:?}: {other:?}"),
            }
        }
        let kept = s.call_reasons("x-1").await.unwrap();
        assert_eq!(kept.reasons, codes(&["billing/query"]));
        assert_eq!(kept.note.as_deref(), Some("first"));
    })
    .await;
}
