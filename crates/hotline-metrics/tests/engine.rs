//! The engine families: the SIP core's counters set as they are (again and again, without
//! double counting), closed legs' RTP figures summed and their jitter observed, media
//! timeouts, and database operations outside the known list folded into `other`.

use hotline_metrics::text::sample;
use hotline_metrics::{LegFigures, Metrics};
use hotline_sip::engine::Stats;

#[test]
fn sip_media_and_database_figures() {
    let m = Metrics::new("test").unwrap();
    let mut sip = Stats {
        requests_in: [("INVITE", 10), ("REGISTER", 4)].into_iter().collect(),
        responses_out: [0, 10, 12, 0, 3, 1, 0],
        auth_failures: 2,
        registered_users: 3,
        blocked_addresses: 1,
        ..Stats::default()
    };
    m.sync_sip(&sip, 5, 9);
    m.sync_sip(&sip, 5, 9);
    sip.requests_in.insert("INVITE", 11);
    m.sync_sip(&sip, 5, 9);
    for _ in 0..2 {
        m.leg_closed(&LegFigures {
            received: 500,
            sent: 498,
            lost: 3,
            dropped: 1,
            dropped_wrong_source: 1,
            jitter_secs: 0.004,
        });
    }
    m.media_timeout();
    m.unexpected_input("answered");
    m.unexpected_input("answered");
    m.unexpected_input("something new");
    m.db_query("call_start", 0.002);
    m.db_query("something_else", 0.002);
    let text = m.render();
    let v = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    assert_eq!(
        v("hotline_sip_requests_total", &[("method", "INVITE")]),
        Some(11.0)
    );
    assert_eq!(
        v("hotline_sip_responses_total", &[("class", "2xx")]),
        Some(12.0)
    );
    assert_eq!(
        v("hotline_sip_responses_total", &[("class", "4xx")]),
        Some(3.0)
    );
    assert_eq!(v("hotline_sip_auth_failures_total", &[]), Some(2.0));
    assert_eq!(v("hotline_sip_blocked_addresses", &[]), Some(1.0));
    assert_eq!(v("hotline_calls_active", &[]), Some(5.0));
    assert_eq!(
        v("hotline_rtp_packets_total", &[("direction", "received")]),
        Some(1000.0)
    );
    assert_eq!(v("hotline_rtp_packets_lost_total", &[]), Some(6.0));
    assert_eq!(v("hotline_rtp_packets_dropped_total", &[]), Some(2.0));
    assert_eq!(
        v("hotline_rtp_packets_dropped_wrong_source_total", &[]),
        Some(2.0)
    );
    assert_eq!(v("hotline_rtp_jitter_seconds_count", &[]), Some(2.0));
    assert_eq!(
        v("hotline_rtp_jitter_seconds_bucket", &[("le", "0.005")]),
        Some(2.0)
    );
    assert_eq!(
        v("hotline_rtp_jitter_seconds_bucket", &[("le", "0.002")]),
        Some(0.0)
    );
    assert_eq!(v("hotline_media_timeouts_total", &[]), Some(1.0));
    assert_eq!(
        v(
            "hotline_call_unexpected_inputs_total",
            &[("input", "answered")]
        ),
        Some(2.0)
    );
    assert_eq!(
        v(
            "hotline_call_unexpected_inputs_total",
            &[("input", "other")]
        ),
        Some(1.0),
        "an input name outside the set is counted as other"
    );
    assert_eq!(
        v(
            "hotline_call_unexpected_inputs_total",
            &[("input", "ended")]
        ),
        Some(0.0)
    );
    assert_eq!(
        v("hotline_db_query_seconds_count", &[("op", "call_start")]),
        Some(1.0)
    );
    assert_eq!(
        v("hotline_db_query_seconds_count", &[("op", "other")]),
        Some(1.0)
    );
    assert!(!text.contains("something_else"));
}

/// Refusals and challenges by reason, and throttled accounts: every reason present from the
/// start (at 0), each set from the core's counts without double counting.
#[test]
fn refusals_challenges_and_throttled_accounts() {
    let m = Metrics::new("test").unwrap();
    let text = m.render();
    for r in hotline_sip::engine::Refusal::ALL {
        assert_eq!(
            sample(&text, "hotline_sip_refused_total", &[("reason", r.label())]),
            Some(0.0),
            "{}",
            r.label()
        );
    }
    for c in hotline_sip::engine::ChallengeReason::ALL {
        assert_eq!(
            sample(
                &text,
                "hotline_sip_auth_challenges_total",
                &[("reason", c.label())]
            ),
            Some(0.0),
            "{}",
            c.label()
        );
    }
    let sip = Stats {
        refused: [("not_registered", 3), ("uri_mismatch", 1)]
            .into_iter()
            .collect(),
        challenges: [("no_credentials", 7), ("replayed", 2)]
            .into_iter()
            .collect(),
        throttled_accounts: 1,
        ..Stats::default()
    };
    m.sync_sip(&sip, 0, 0);
    m.sync_sip(&sip, 0, 0);
    let text = m.render();
    let v = |name: &str, reason: &str| sample(&text, name, &[("reason", reason)]);
    assert_eq!(v("hotline_sip_refused_total", "not_registered"), Some(3.0));
    assert_eq!(v("hotline_sip_refused_total", "uri_mismatch"), Some(1.0));
    assert_eq!(v("hotline_sip_refused_total", "auth_failed"), Some(0.0));
    assert_eq!(
        v("hotline_sip_auth_challenges_total", "no_credentials"),
        Some(7.0)
    );
    assert_eq!(
        v("hotline_sip_auth_challenges_total", "replayed"),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, "hotline_sip_throttled_accounts", &[]),
        Some(1.0)
    );
}
