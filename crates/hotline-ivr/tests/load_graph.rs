//! Drawings of a loaded flow: every node and every exit label appears, calls have their own
//! shape, and labels with quotes or markup are escaped for Mermaid and DOT.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod load_support;

use hotline_ivr::graph::{dot, dot_in, mermaid, mermaid_in};
use hotline_ivr::load::load_files;
use load_support::{files, main_with, prompts, BILLS, CALENDARS, MAIN};
use std::path::PathBuf;

fn good_set() -> hotline_ivr::FlowSet {
    load_files(
        &files(&[("main.yaml", MAIN), ("bills.yaml", BILLS)]),
        Some((PathBuf::from("calendars.yaml"), CALENDARS.to_owned())),
        &prompts,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

const EXIT_LABELS: [&str; 15] = [
    "next",
    "1",
    "2",
    "3",
    "0",
    "#35;",
    "timeout/fallback",
    "not_found",
    "error",
    "when is_key",
    "otherwise",
    "open",
    "closed",
    "next",
    "error",
];

#[test]
fn mermaid_has_every_node_and_exit() {
    let set = good_set();
    let main = &set.flows[set.find("main").unwrap()];
    let text = mermaid_in(&set, main);
    assert!(text.starts_with("flowchart TD\n"), "{text}");
    for node in &main.nodes {
        assert!(
            text.contains(&format!("\"{}<br/>", node.id)),
            "{}: {text}",
            node.id
        );
    }
    for label in EXIT_LABELS {
        assert!(
            text.contains(&format!("-->|\"{label}\"|")),
            "{label}: {text}"
        );
    }
    // Self-service actions say so; other nodes do not.
    assert!(
        text.contains("\"report<br/>ticket (served): fault\""),
        "{text}"
    );
    assert!(
        text.contains("\"tell_notices<br/>play (served): "),
        "{text}"
    );
    assert_eq!(text.matches("(served)").count(), 2, "{text}");
    let call = main.nodes.iter().position(|n| n.id == "bills").unwrap();
    assert!(
        text.contains(&format!("n{call}[[\"bills<br/>call: bills\"]]")),
        "{text}"
    );
    assert!(
        text.contains("lookup: customer_by_caller → customer"),
        "{text}"
    );
    assert!(text.contains("transfer: queue key_accounts"), "{text}");
    assert!(
        text.contains(&format!("start_ --> n{}", main.start)),
        "{text}"
    );
    // Edges: one per exit.
    let edges = text.lines().filter(|l| l.contains("-->|")).count();
    let exits: usize = main
        .nodes
        .iter()
        .map(|n| hotline_ivr::graph::exits(&n.kind).len())
        .sum();
    assert_eq!(edges, exits);
    // Without the set, a call names the flow by its index.
    assert!(mermaid(main).contains("call: flow #"));
}

#[test]
fn dot_has_every_node_and_exit() {
    let set = good_set();
    let main = &set.flows[set.find("main").unwrap()];
    let text = dot_in(&set, main);
    assert!(
        text.starts_with("digraph \"main\" {\n") && text.ends_with("}\n"),
        "{text}"
    );
    for node in &main.nodes {
        assert!(
            text.contains(&format!("[label=\"{}\\n", node.id)),
            "{}: {text}",
            node.id
        );
    }
    for label in EXIT_LABELS.map(|l| if l == "#35;" { "#" } else { l }) {
        assert!(
            text.contains(&format!("[label=\"{label}\"];")),
            "{label}: {text}"
        );
    }
    assert!(text.contains("call: bills\", shape=component"), "{text}");
    let bills = &set.flows[set.find("bills").unwrap()];
    let text = dot(bills);
    assert!(
        text.contains("tell\\nplay: bill_for, each bills.items"),
        "{text}"
    );
    assert!(text.contains("shape=box, style=\"rounded,bold\""), "{text}");
}

#[test]
fn labels_are_escaped() {
    let flow = main_with(
        "  start:\n    lookup: { what: customer_by_caller, into: customer, next: check, not_found: end, error: end }\n  check:\n    branch:\n      cases:\n        - when: customer.tier == \"key_account\"\n          goto: t\n      otherwise: end\n  t:\n    ticket: { kind: 'say \"hi\" \\ <b>|x;#', summary: s, next: end, error: end }\n  end:\n    hangup: {}\n",
    );
    let set = load_files(&files(&[("main.yaml", &flow)]), None, &prompts)
        .unwrap_or_else(|e| panic!("{e}"));
    let f = &set.flows[0];

    let m = mermaid(f);
    assert!(
        m.contains("-->|\"when customer.tier == #quot;key_account#quot;\"|"),
        "{m}"
    );
    assert!(
        m.contains("ticket: say #quot;hi#quot; \\ #lt;b#gt;#124;x#59;#35;"),
        "{m}"
    );
    for line in m.lines().filter(|l| l.contains('[') || l.contains("-->|")) {
        assert_eq!(line.matches('"').count(), 2, "unescaped quote in {line}");
    }

    let d = dot(f);
    assert!(
        d.contains("[label=\"when customer.tier == \\\"key_account\\\"\"];"),
        "{d}"
    );
    assert!(d.contains("ticket: say \\\"hi\\\" \\\\ <b>|x;#\""), "{d}");
}
