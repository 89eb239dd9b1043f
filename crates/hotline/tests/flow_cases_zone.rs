//! The shipped flows' cases with the centre in a zone with daylight saving (its own test
//! binary: it sets the process's centre zone, which `flow_cases.rs` leaves at the default).

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::Arc;

use hotline::flows::{self, cases};

/// The same cases with the centre in Europe/Berlin: the cases' times, the calendars' office
/// hours and holidays and the store's billing periods are all read in the one configured
/// zone, so the verdicts do not change.
#[tokio::test]
async fn shipped_flows_pass_their_test_cases_in_another_zone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("ivr-flows");
    let zone = hotline_time::Zone::named("Europe/Berlin").expect("bundled");
    // As `hotline serve` and `hotline flow` do at start: the zone for code not handed one
    // (the dates of bills and outages read to callers). Alone in this test binary.
    hotline_time::set_centre(zone.clone());
    let set = match flows::load(&dir, &root.join("sounds"), &zone) {
        Ok(set) => set,
        Err(errors) => panic!("the shipped flows do not load:\n{errors}"),
    };
    assert_eq!(set.zone, zone);
    // The engine's default ticket policy in that zone.
    let policy = hotline_store::Policy {
        zone,
        ..hotline::storage::policy(&hotline::config::Config::default())
    };
    let verdicts = cases::run_dir(&dir, Arc::new(set), &policy)
        .await
        .expect("test files load");
    assert_eq!(
        flows::report(&verdicts),
        0,
        "flow test cases failed (see above)"
    );
}
