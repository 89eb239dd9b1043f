//! `ivr-flows/schema.json` must be what the engine generates, so editors check flows against
//! the language the loader reads. `HOTLINE_WRITE_SCHEMA=1` rewrites it.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hotline_ivr::model::schema_json;
use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ivr-flows/schema.json")
}

#[test]
fn committed_schema_is_current() {
    let path = committed_path();
    let generated = schema_json();
    if std::env::var_os("HOTLINE_WRITE_SCHEMA").is_some_and(|v| v == "1") {
        std::fs::write(&path, format!("{generated}\n")).expect("write ivr-flows/schema.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    // `hotline flow schema > ivr-flows/schema.json` ends the file with a newline.
    assert!(
        committed.trim_end() == generated.trim_end(),
        "ivr-flows/schema.json is stale: run `hotline flow schema > ivr-flows/schema.json` \
         (or HOTLINE_WRITE_SCHEMA=1 cargo test -p hotline-ivr --test load_schema)"
    );
}

#[test]
fn schema_describes_the_flow_language() {
    let schema: serde_json::Value = serde_json::from_str(&schema_json()).expect("valid JSON");
    assert_eq!(schema["title"], "hotline IVR flow");
    assert!(schema["$schema"]
        .as_str()
        .is_some_and(|s| s.contains("json-schema.org")));
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(required, ["flow", "languages", "start", "nodes"]);
    assert_eq!(schema["additionalProperties"], false);
    let text = schema_json();
    for node_type in [
        "play", "menu", "collect", "lookup", "set", "branch", "language", "call", "return",
        "ticket", "transfer", "hangup", "schedule",
    ] {
        assert!(text.contains(&format!("\"{node_type}\"")), "{node_type}");
    }
    // Doc comments become descriptions the editor shows.
    assert!(text.contains("The id of the first node."));
    assert!(text.contains("customer_by_caller"));
}
