//! The HTTP API families: login counts set as they are at each scrape (never double
//! counted), every outcome and key present from the start.

use hotline_metrics::text::sample;
use hotline_metrics::{LoginCounts, Metrics, LOGIN_OUTCOMES};

#[test]
fn login_outcomes_and_waiting_keys() {
    let m = Metrics::new("test").unwrap();
    let text = m.render();
    for outcome in LOGIN_OUTCOMES {
        assert_eq!(
            sample(&text, "hotline_api_logins_total", &[("outcome", outcome)]),
            Some(0.0),
            "{outcome}"
        );
    }
    let mut counts = LoginCounts {
        succeeded: 3,
        failed: 200,
        throttled: 194,
        waiting_accounts: 1,
        waiting_addresses: 2,
    };
    m.sync_logins(&counts);
    m.sync_logins(&counts);
    counts.failed = 201;
    m.sync_logins(&counts);
    let text = m.render();
    let v = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    assert_eq!(
        v("hotline_api_logins_total", &[("outcome", "succeeded")]),
        Some(3.0)
    );
    assert_eq!(
        v("hotline_api_logins_total", &[("outcome", "failed")]),
        Some(201.0)
    );
    assert_eq!(
        v("hotline_api_logins_total", &[("outcome", "throttled")]),
        Some(194.0)
    );
    assert_eq!(
        v("hotline_api_login_waiting", &[("key", "account")]),
        Some(1.0)
    );
    assert_eq!(
        v("hotline_api_login_waiting", &[("key", "address")]),
        Some(2.0)
    );
}
