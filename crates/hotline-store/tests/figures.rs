//! The ticket figures for `/metrics`: created per kind, open per kind and district, overdue
//! per district a week on, follow-ups due; SQLite and (when configured) PostgreSQL.

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

#[tokio::test]
async fn tickets_are_counted_by_kind_district_and_deadline() {
    each_store(|s| async move {
        let f = fixture(&s).await;
        let ticket = |kind: &str, district: Option<i64>| NewTicket {
            kind: kind.into(),
            customer_id: None,
            district_id: district,
            summary: "x".into(),
            ..NewTicket::default()
        };
        for (kind, d) in [
            ("leak", Some(f.district)),
            ("leak", Some(f.district)),
            ("leak", Some(f.other_district)),
            ("meter", None),
        ] {
            s.create_ticket(&ticket(kind, d), Actor::Ivr, NOW)
                .await
                .expect("ticket");
        }
        let now = s.ticket_figures(NOW).await.expect("figures");
        assert_eq!(
            now.created,
            vec![("leak".to_string(), 3), ("meter".to_string(), 1)]
        );
        let mut open = now.open.clone();
        open.sort();
        assert_eq!(
            open,
            vec![
                ("leak".to_string(), "east".to_string(), 2),
                ("leak".to_string(), "west".to_string(), 1),
                ("meter".to_string(), String::new(), 1),
            ]
        );
        // Every district is listed, none overdue yet.
        assert_eq!(
            now.overdue,
            vec![("east".to_string(), 0), ("west".to_string(), 0)]
        );
        assert_eq!(now.followups_due, 0);
        assert!(now.ratings.is_empty());
        // A week on every leak is past its on-site deadline.
        let later = s.ticket_figures(NOW + 7 * DAY).await.expect("figures");
        let overdue: i64 = later
            .overdue
            .iter()
            .filter(|(d, _)| d == "east")
            .map(|(_, n)| n)
            .sum();
        assert_eq!(overdue, 2, "{:?}", later.overdue);
    })
    .await;
}
