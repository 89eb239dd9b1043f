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

/// An outbound case's target data is converted by the flow's `target:` types (bad data is the
/// case file's error, naming the case and the field), and its result, promise and opt-out
/// expectations fail when the call did otherwise.
#[tokio::test]
async fn outbound_cases_check_their_target_data_and_results() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let set = flows::load(
        &root.join("ivr-flows"),
        &root.join("sounds"),
        &hotline_time::Zone::default(),
    )
    .expect("the shipped flows load");
    let set = Arc::new(set);
    let policy = hotline::storage::policy(&hotline::config::Config::default());
    let dir = std::env::temp_dir().join(format!("hotline-outbound-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let bad = dir.join("bad.test.yaml");
    std::fs::write(
        &bad,
        "flow: dunning\ncases:\n  - name: no months\n    caller: \"13800000001\"\n    \
         target: { account: \"1\", amount_due: \"12.345\" }\n    expect: {}\n",
    )
    .expect("write");
    let err = cases::run_file(&bad, Arc::clone(&set), &policy)
        .await
        .expect_err("bad target data is refused");
    assert!(
        err.contains("case \"no months\": target data: amount_due: `12.345` is not an amount")
            && err.contains("months: missing"),
        "{err}"
    );

    let wrong = dir.join("wrong.test.yaml");
    std::fs::write(
        &wrong,
        "flow: dunning\ncases:\n  - name: not the holder\n    caller: \"13800000001\"\n    \
         target: { account: \"1\", amount_due: \"10\", months: \"1\" }\n    keys: \"2\"\n    \
         expect: { result: promise, promise: \"10.00 by 2026-11-25\", opt_out: true }\n",
    )
    .expect("write");
    let verdicts = cases::run_file(&wrong, set, &policy)
        .await
        .expect("the file runs");
    let _ = std::fs::remove_dir_all(&dir);
    let failures = &verdicts[0].failures;
    assert_eq!(
        failures,
        &vec![
            "result: expected promise, got wrong_person".to_string(),
            "promise: expected 10.00 by 2026-11-25, got none".to_string(),
            "opt_out: expected true, got false".to_string(),
        ]
    );
}
