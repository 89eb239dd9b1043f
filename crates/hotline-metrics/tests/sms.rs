//! SMS campaigns' texts become `hotline_sms_messages_total{result}`: the store's counts by
//! status, every status a series (0 before a text has it), and a status the store does not
//! know never becomes a label.

use hotline_metrics::text::sample;
use hotline_metrics::Metrics;
use hotline_store::CampaignFigures;

#[test]
fn texts_by_status_become_a_bounded_family() {
    let m = Metrics::new("test").unwrap_or_else(|e| panic!("{e}"));
    let s = |v: &str| v.to_string();
    m.sync_campaigns(&CampaignFigures {
        messages: vec![(s("delivered"), 7), (s("failed"), 2), (s("bogus"), 5)],
        ..CampaignFigures::default()
    });
    let text = m.render();
    let v = |result: &str| sample(&text, "hotline_sms_messages_total", &[("result", result)]);
    assert_eq!(v("delivered"), Some(7.0));
    assert_eq!(v("failed"), Some(2.0));
    assert_eq!(v("submitted"), Some(0.0), "a series before the first");
    assert_eq!(v("bogus"), None, "only the known statuses");
    // The next look replaces the counts (they are the store's).
    m.sync_campaigns(&CampaignFigures {
        messages: vec![(s("delivered"), 9)],
        ..CampaignFigures::default()
    });
    let text = m.render();
    assert_eq!(
        sample(
            &text,
            "hotline_sms_messages_total",
            &[("result", "delivered")]
        ),
        Some(9.0)
    );
}
