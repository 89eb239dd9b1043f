//! Outbound flows in the loader: `target:` fields typed and offered to expressions as
//! `target`, `today` a date, and the `promise`, `opt_out` and `result` nodes compiled; every
//! mistake refused with its `file:line:column: message`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod load_support;

use hotline_ivr::outbound::{FieldType, RecordNode, ResultKind};
use hotline_ivr::NodeKind;
use load_support::*;

/// An outbound flow `dun` with these nodes after its `target:` header.
fn dun(target: &str, nodes: &str) -> String {
    format!("flow: dun\nlanguages: [zh, en]\nstart: start\ntarget:\n{target}nodes:\n{nodes}")
}

const TARGET: &str = "  account: text\n  amount_due: money\n  months: number\n";

const GOOD: &str = "  start:
    collect: { prompts: [a], into: pay_keys, min: 4, max: 4, next: check, fallback: bye }
  check:
    branch:
      cases:
        - { when: \"days_between(today, mmdd_date(pay_keys, today)) < 0\", goto: start }
      otherwise: promise
  promise:
    promise: { amount: target.amount_due, by: \"mmdd_date(pay_keys, today)\", next: rate, error: bye }
  rate:
    result: { is: rating, score: pay_keys, next: stop }
  stop:
    opt_out: { next: wrong }
  wrong:
    result: { is: wrong_person, next: bye }
  bye:
    hangup: { prompts: [{ say: target.months, as: number }] }
";

fn errors(files: &[(&str, &str)]) -> String {
    error_lines(load(files)).join("\n")
}

#[test]
fn an_outbound_flow_loads_with_its_target_and_nodes() {
    let text = dun(TARGET, GOOD);
    let set = load(&[("dun.yaml", &text)]).unwrap_or_else(|e| panic!("{e}"));
    let flow = &set.flows[0];
    assert_eq!(
        flow.target,
        vec![
            ("account".to_string(), FieldType::Text),
            ("amount_due".to_string(), FieldType::Money),
            ("months".to_string(), FieldType::Number)
        ]
    );
    let kinds: Vec<&NodeKind> = flow.nodes.iter().map(|n| &n.kind).collect();
    assert!(matches!(
        kinds[2],
        NodeKind::Outbound {
            node: RecordNode::Promise { .. },
            ..
        }
    ));
    assert!(matches!(
        kinds[3],
        NodeKind::Outbound {
            node: RecordNode::Result {
                is: ResultKind::Rating,
                score: Some(_)
            },
            ..
        }
    ));
    assert!(matches!(
        kinds[4],
        NodeKind::Outbound {
            node: RecordNode::OptOut,
            ..
        }
    ));
    let graph = hotline_ivr::graph::mermaid(flow);
    assert!(graph.contains("promise"), "{graph}");
}

#[test]
fn target_fields_are_checked() {
    let text = dun(
        "  account: text\n  amount_due: dollars\n  Months: number\n",
        "  start:\n    hangup: {}\n",
    );
    let e = errors(&[("dun.yaml", &text)]);
    assert!(
        e.contains(
            "dun.yaml:6:15: `dollars` is not a target field type (text, number, money, date)"
        ),
        "{e}"
    );
    assert!(
        e.contains("dun.yaml:7:3: target field `Months` is not lower_snake_case"),
        "{e}"
    );
}

#[test]
fn a_target_field_with_two_types_across_flows_is_refused() {
    let a = dun("  amount_due: money\n", "  start:\n    hangup: {}\n");
    let b = "flow: other\nlanguages: [zh, en]\nstart: start\ntarget:\n  amount_due: text\nnodes:\n  start:\n    hangup: {}\n";
    let e = errors(&[("dun.yaml", &a), ("other.yaml", b)]);
    assert!(
        e.contains("other.yaml:5:3: target field `amount_due` is text here but money in dun.yaml"),
        "{e}"
    );
}

#[test]
fn target_and_today_are_typed_and_read_only() {
    // A field no flow declares.
    let text = dun(
        TARGET,
        "  start:\n    hangup: { prompts: [{ say: target.amount, as: money }] }\n",
    );
    let e = errors(&[("dun.yaml", &text)]);
    assert!(e.contains("has no field `amount`"), "{e}");
    // `today` is a date, not text.
    let text = dun(TARGET, "  start:\n    branch: { cases: [{ when: \"today == '2026-11-18'\", goto: end }], otherwise: end }\n  end:\n    hangup: {}\n");
    let e = errors(&[("dun.yaml", &text)]);
    assert!(e.contains("cannot compare date with text"), "{e}");
    // The engine sets them.
    let text = dun(TARGET, "  start:\n    set: { vars: { today: \"1\", target: \"2\" }, next: end }\n  end:\n    hangup: {}\n");
    let e = errors(&[("dun.yaml", &text)]);
    assert!(
        e.contains("dun.yaml:10:20: `today` is set by the engine"),
        "{e}"
    );
    assert!(
        e.contains("dun.yaml:10:32: `target` is set by the engine"),
        "{e}"
    );
    // Without any `target:` declaration, `target` is unknown.
    let text =
        main_with("  start:\n    hangup: { prompts: [{ say: target.months, as: number }] }\n");
    let e = errors(&[("main.yaml", &text)]);
    assert!(e.contains("unknown variable `target`"), "{e}");
}

#[test]
fn promise_nodes_are_checked() {
    let wrong_types = dun(TARGET, "  start:\n    promise: { amount: target.account, by: target.months, next: end, error: end }\n  end:\n    hangup: {}\n");
    let e = errors(&[("dun.yaml", &wrong_types)]);
    assert!(
        e.contains("amount") && e.contains("money or a number"),
        "{e}"
    );
    assert!(e.contains("a date"), "{e}");
    let no_error = dun(TARGET, "  start:\n    promise: { amount: target.amount_due, by: today, next: end }\n  end:\n    hangup: {}\n");
    let e = errors(&[("dun.yaml", &no_error)]);
    assert!(e.contains("missing field `error`"), "{e}");
    let typo = dun(TARGET, "  start:\n    promise: { amout: target.amount_due, by: today, next: end, error: end }\n  end:\n    hangup: {}\n");
    let e = errors(&[("dun.yaml", &typo)]);
    assert!(
        e.contains("unknown field `amout`, expected one of title, amount, by, next, error"),
        "{e}"
    );
    let no_node = dun(TARGET, "  start:\n    promise: { amount: target.amount_due, by: today, next: thanks, error: end }\n  end:\n    hangup: {}\n");
    let e = errors(&[("dun.yaml", &no_node)]);
    assert!(
        e.contains("dun.yaml:10:60: no node `thanks` in this flow"),
        "{e}"
    );
}

#[test]
fn result_and_opt_out_nodes_are_checked() {
    let cases = [
        ("result: { is: maybe, next: end }", "dun.yaml:10:19: `maybe` is not a result (reached, wrong_person, promise, opt_out, rating)"),
        ("result: { is: rating, next: end }", "dun.yaml:10:19: `is: rating` needs `score` (the rating 1–5)"),
        ("result: { is: reached, score: \"5\", next: end }", "dun.yaml:10:35: `score` belongs only to `is: rating`"),
        ("result: { is: rating, score: target.amount_due, next: end }", "text or a number"),
        ("opt_out: { next: nowhere }", "dun.yaml:10:22: no node `nowhere` in this flow"),
        ("opt_out: { next: end, reason: x }", "unknown field `reason`, expected one of title, next"),
    ];
    for (node, want) in cases {
        let text = dun(
            TARGET,
            &format!("  start:\n    {node}\n  end:\n    hangup: {{}}\n"),
        );
        let e = errors(&[("dun.yaml", &text)]);
        assert!(e.contains(want), "{node}:\n{e}");
    }
}
