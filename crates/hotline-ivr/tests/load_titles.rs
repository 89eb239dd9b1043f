//! Node titles (what the desk shows for a caller's IVR path): accepted in the flow's
//! languages, refused with the file, line and column otherwise; the shipped flows title
//! every node in every language.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod load_support;

use load_support::*;
use std::path::PathBuf;

fn one(nodes: &str) -> Result<hotline_ivr::FlowSet, hotline_ivr::load::LoadErrors> {
    let text = main_with(nodes);
    load(&[("main.yaml", text.as_str())])
}

#[test]
fn titles_are_kept_by_flow_and_node() {
    let set = one(
        "  start:\n    play:\n      title: { zh: 欢迎语, en: Greeting }\n      prompts: [welcome]\n      next: plain\n  plain:\n    play: { prompts: [welcome], next: end }\n  end:\n    hangup: { title: { zh: 再见 }, prompts: [goodbye] }\n",
    )
    .expect("loads");
    let titles = set.titles();
    assert_eq!(titles.len(), 2, "{titles:?}");
    let start = &titles["main/start"];
    assert_eq!(start["zh"], "欢迎语");
    assert_eq!(start["en"], "Greeting");
    assert_eq!(titles["main/end"].len(), 1);
    assert!(!titles.contains_key("main/plain"));
}

#[test]
fn titles_in_other_languages_or_empty_or_long_are_refused() {
    assert_error(
        one("  start:\n    hangup: { title: { fr: Au revoir }, prompts: [goodbye] }\n"),
        "main.yaml:6:24: title in `fr`, which is not one of the flow's languages (zh, en)",
    );
    assert_error(
        one("  start:\n    hangup:\n      title: { zh: \" \" }\n      prompts: [goodbye]\n"),
        "main.yaml:7:16: the `zh` title is empty",
    );
    let long = "长".repeat(41);
    assert_error(
        one(&format!(
            "  start:\n    hangup:\n      title: {{ zh: {long} }}\n      prompts: [goodbye]\n"
        )),
        "main.yaml:7:16: the `zh` title is 41 characters long (at most 40)",
    );
}

#[test]
fn the_shipped_flows_title_every_node_in_every_language() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ivr-flows");
    let mut untitled = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("ivr-flows") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !name.ends_with(".yaml") || name.ends_with(".test.yaml") || name == "calendars.yaml" {
            continue;
        }
        let doc: serde_json::Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&path).expect("read")).expect("yaml");
        for (id, node) in doc["nodes"].as_object().expect("nodes") {
            let body = node
                .as_object()
                .and_then(|m| m.values().next())
                .expect("node type");
            for lang in ["zh", "en"] {
                if body["title"][lang]
                    .as_str()
                    .is_none_or(|t| t.trim().is_empty())
                {
                    untitled.push(format!("{name} {id} {lang}"));
                }
            }
        }
    }
    assert!(untitled.is_empty(), "untitled: {untitled:?}");
}

/// A ticket node's summary in other languages: templates checked like `summary`, in the
/// flow's languages only.
#[test]
fn ticket_summaries_in_other_languages_are_templates_of_the_flow_languages() {
    let node = |summaries: &str| {
        format!(
            "  start:\n    ticket:\n      kind: leak\n      summary: \"漏水：{{caller}}\"\n      summaries: {summaries}\n      next: end\n      error: end\n  end:\n    hangup: {{ prompts: [goodbye] }}\n"
        )
    };
    let set = one(&node("{ en: \"Leak reported by {caller}\" }")).expect("loads");
    let hotline_ivr::NodeKind::Ticket(t) = &set.flows[0].nodes[0].kind else {
        panic!("a ticket node");
    };
    assert_eq!(t.summaries.len(), 1);
    assert_eq!(t.summaries[0].0, "en");
    let e = one(&node("{ fr: \"Fuite\" }")).unwrap_err().to_string();
    assert!(
        e.contains("main.yaml:9:20:")
            && e.contains("summary in `fr`, which is not one of the flow's languages (zh, en)"),
        "{e}"
    );
    let e = one(&node("{ en: \"Leak at {nowhere.street}\" }"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("main.yaml:9:") && e.contains("summaries"), "{e}");
}
