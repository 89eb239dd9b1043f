//! The IVR families: node entries and exits only for the flows loaded now (a reload that drops
//! or renames nodes leaves no series behind, however many times), outcomes and lookups with
//! unknown kinds folded into `other`.

use hotline_metrics::text::sample;
use hotline_metrics::{IvrOutcome, LookupOutcome, Metrics};

type Counts = Vec<((String, String, String), u64)>;

fn flows(n: usize, prefix: &str) -> (Vec<(String, String)>, Counts) {
    let mut nodes = Vec::new();
    let mut counts = Vec::new();
    for f in 0..n {
        for node in 0..10 {
            let (flow, node) = (format!("flow{f}"), format!("{prefix}{node}"));
            counts.push(((flow.clone(), node.clone(), "entered".into()), 5));
            counts.push(((flow.clone(), node.clone(), "key_1".into()), 3));
            counts.push(((flow.clone(), node.clone(), "timeout".into()), 2));
            nodes.push((flow, node));
        }
    }
    (nodes, counts)
}

#[test]
fn node_counts_follow_the_flows_loaded_now() {
    let m = Metrics::new("test").unwrap();
    let (nodes, counts) = flows(100, "a");
    m.sync_ivr(&nodes, &counts);
    let text = m.render();
    let node = [("flow", "flow7"), ("node", "a3")];
    assert_eq!(
        sample(&text, "hotline_ivr_node_entries_total", &node),
        Some(5.0)
    );
    assert_eq!(
        sample(
            &text,
            "hotline_ivr_node_exits_total",
            &[("flow", "flow7"), ("node", "a3"), ("exit", "key_1")]
        ),
        Some(3.0)
    );
    let series = m.series();
    // 1,000 nodes: an entries series each and two exits each, plus the fixed families.
    assert!(series >= 3000, "{series}");
    let mut all_counts = counts;
    for round in 0..10 {
        // Renamed nodes: the engine's counts keep the old names; only the loaded ones show.
        let (nodes, counts) = flows(100, &format!("r{round}_"));
        all_counts.extend(counts);
        m.sync_ivr(&nodes, &all_counts);
        assert_eq!(m.series(), series, "round {round}");
        let text = m.render();
        assert!(!text.contains("node=\"a3\""));
        assert_eq!(
            sample(
                &text,
                "hotline_ivr_node_entries_total",
                &[("flow", "flow7"), ("node", &format!("r{round}_3"))]
            ),
            Some(5.0)
        );
    }
    // A node loaded but never reached is there with 0 entries.
    m.sync_ivr(&[("main".into(), "quiet".into())], &[]);
    let text = m.render();
    assert_eq!(
        sample(
            &text,
            "hotline_ivr_node_entries_total",
            &[("flow", "main"), ("node", "quiet")]
        ),
        Some(0.0)
    );
}

#[test]
fn outcomes_and_lookups() {
    let m = Metrics::new("test").unwrap();
    m.ivr_ended(IvrOutcome::SelfServed);
    m.ivr_ended(IvrOutcome::SelfServed);
    m.ivr_ended(IvrOutcome::Transferred);
    m.ivr_ended(IvrOutcome::Unserved);
    m.ivr_lookup("bills", LookupOutcome::Found, 0.004);
    m.ivr_lookup("bills", LookupOutcome::Error, 2.0);
    m.ivr_lookup("made_up_kind", LookupOutcome::Error, 0.1);
    let text = m.render();
    let v = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    assert_eq!(
        v("hotline_ivr_calls_total", &[("outcome", "self_served")]),
        Some(2.0)
    );
    assert_eq!(
        v("hotline_ivr_calls_total", &[("outcome", "transferred")]),
        Some(1.0)
    );
    assert_eq!(
        v("hotline_ivr_calls_total", &[("outcome", "abandoned")]),
        Some(0.0)
    );
    assert_eq!(
        v("hotline_ivr_calls_total", &[("outcome", "unserved")]),
        Some(1.0)
    );
    assert_eq!(
        v("hotline_ivr_lookup_seconds_count", &[("what", "bills")]),
        Some(2.0)
    );
    assert_eq!(
        v("hotline_ivr_lookup_errors_total", &[("what", "bills")]),
        Some(1.0)
    );
    assert_eq!(
        v("hotline_ivr_lookup_errors_total", &[("what", "other")]),
        Some(1.0)
    );
    assert!(!text.contains("made_up_kind"));
}
