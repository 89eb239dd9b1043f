//! The ticket families follow the store's figures: counters set to the store's counts, open and
//! overdue combinations that went to zero disappear, the ratings histogram is cumulative.

use hotline_metrics::text::sample;
use hotline_metrics::Metrics;
use hotline_store::TicketFigures;

#[test]
fn ticket_figures_become_series() {
    let m = Metrics::new("test").unwrap();
    let s = |v: &str| v.to_string();
    m.sync_tickets(&TicketFigures {
        created: vec![(s("leak"), 7), (s("meter"), 2)],
        open: vec![(s("leak"), s("east"), 3), (s("meter"), s(""), 1)],
        overdue: vec![(s("east"), 2)],
        followups_due: 4,
        followups: vec![(s("pending"), 5), (s("reached"), 9), (s("not_reached"), 1)],
        ratings: vec![(1, 1), (4, 2), (5, 6)],
    });
    let text = m.render();
    let v = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    assert_eq!(
        v("hotline_tickets_created_total", &[("kind", "leak")]),
        Some(7.0)
    );
    assert_eq!(
        v(
            "hotline_tickets_open",
            &[("kind", "leak"), ("district", "east")]
        ),
        Some(3.0)
    );
    assert_eq!(
        v("hotline_tickets_overdue", &[("district", "east")]),
        Some(2.0)
    );
    assert_eq!(v("hotline_followups_due", &[]), Some(4.0));
    assert_eq!(v("hotline_followups_pending", &[]), Some(5.0));
    assert_eq!(
        v("hotline_followups_done_total", &[("result", "reached")]),
        Some(9.0)
    );
    assert_eq!(v("hotline_ticket_rating_count", &[]), Some(9.0));
    assert_eq!(v("hotline_ticket_rating_sum", &[]), Some(1.0 + 8.0 + 30.0));
    assert_eq!(v("hotline_ticket_rating_bucket", &[("le", "3")]), Some(1.0));
    assert_eq!(v("hotline_ticket_rating_bucket", &[("le", "4")]), Some(3.0));
    assert_eq!(
        v("hotline_ticket_rating_bucket", &[("le", "+Inf")]),
        Some(9.0)
    );
    // The east leaks are done: no open or overdue series for east any more.
    m.sync_tickets(&TicketFigures {
        created: vec![(s("leak"), 8), (s("meter"), 2)],
        open: vec![(s("meter"), s(""), 1)],
        ..TicketFigures::default()
    });
    let text = m.render();
    assert!(!text.contains("district=\"east\""), "{text}");
    assert_eq!(
        sample(&text, "hotline_tickets_created_total", &[("kind", "leak")]),
        Some(8.0)
    );
}
