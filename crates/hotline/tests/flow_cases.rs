//! The shipped flows load without an error and pass every case in `ivr-flows/*.test.yaml`
//! (the same run as `hotline flow test`), so a flow change is checked by `cargo test`.

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

#[tokio::test]
async fn shipped_flows_pass_their_test_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("ivr-flows");
    let set = match flows::load(&dir, &root.join("sounds"), &hotline_time::Zone::default()) {
        Ok(set) => set,
        Err(errors) => panic!("the shipped flows do not load:\n{errors}"),
    };
    for name in [
        "main", "identify", "bills", "arrears", "meter", "outage", "leak", "agent", "survey",
        "dunning", "notice", "followup",
    ] {
        assert!(set.find(name).is_some(), "flow {name} ships");
    }
    // The engine's default ticket policy, as `hotline flow test` uses (a leak with a known
    // district is dispatched at once).
    let policy = hotline::storage::policy(&hotline::config::Config::default());
    let verdicts = cases::run_dir(&dir, Arc::new(set), &policy)
        .await
        .expect("test files load");
    let failed = flows::report(&verdicts);
    assert!(verdicts.len() >= 70, "only {} cases", verdicts.len());
    assert_eq!(failed, 0, "flow test cases failed (see above)");
    // Every shipped flow has cases of its own.
    for name in [
        "main", "bills", "arrears", "meter", "outage", "leak", "agent", "survey", "dunning",
        "notice", "followup",
    ] {
        let file = format!("{name}.test.yaml");
        assert!(
            verdicts
                .iter()
                .any(|v| v.file.file_name().is_some_and(|f| f == file.as_str())),
            "{file} has cases"
        );
    }
}
