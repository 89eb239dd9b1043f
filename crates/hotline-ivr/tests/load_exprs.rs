//! Expressions and templates are parsed and type-checked against one scope for the flow set
//! (engine variables, `into`s with their lookup shapes, `set` variables typed by their
//! expressions, an `each` variable within its items), with errors at the character.

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

const END: &str = "  end:\n    hangup: {}\n";

/// The 1-based column of `needle` in line `line` (1-based) of `text`.
fn col(text: &str, line: usize, needle: &str) -> usize {
    text.lines()
        .nth(line - 1)
        .and_then(|l| l.find(needle))
        .expect(needle)
        + 1
}

fn only_error(text: &str) -> String {
    let lines = error_lines(load(&[("main.yaml", text)]));
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].clone()
}

#[test]
fn errors_point_at_the_character() {
    let text = main_with(&format!(
        "  start:\n    lookup: {{ what: customer_by_caller, into: customer, next: b, not_found: end, error: end }}\n  b:\n    branch:\n      cases:\n        - when: customer.tierr == 'x'\n          goto: end\n      otherwise: end\n{END}"
    ));
    let e = only_error(&text);
    let prefix = format!("main.yaml:10:{}: `when`: ", col(&text, 10, "tierr"));
    assert!(e.starts_with(&prefix) && e.contains("tierr"), "{e}");

    // Quoted: past the quote.
    let text = main_with(&format!(
        "  start:\n    branch: {{ cases: [{{ when: \"caller == (1\", goto: end }}], otherwise: end }}\n{END}"
    ));
    let e = only_error(&text);
    let (start, end) = (col(&text, 6, "caller =="), col(&text, 6, "\", goto"));
    let column: usize = e.split(':').nth(2).unwrap().parse().unwrap();
    assert!((start..=end).contains(&column), "{e}");

    // Folded over two lines: at the value.
    let text = main_with(&format!(
        "  start:\n    branch:\n      cases:\n        - when: caller ==\n            'x' and\n          goto: end\n      otherwise: end\n{END}"
    ));
    let e = only_error(&text);
    assert!(
        e.starts_with(&format!(
            "main.yaml:8:{}: `when`: ",
            col(&text, 8, "caller")
        )),
        "{e}"
    );
}

#[test]
fn conditions_must_be_true_or_false() {
    let text = main_with(&format!(
        "  start:\n    branch: {{ cases: [{{ when: caller, goto: end }}], otherwise: end }}\n{END}"
    ));
    assert_eq!(
        only_error(&text),
        "main.yaml:6:31: `when` must be true or false, but `caller` is text"
    );
}

#[test]
fn lookups_collects_and_tickets_give_their_types() {
    let text = main_with(&format!(
        "  start:\n    lookup: {{ what: bills, account: caller, into: bills, next: c, error: end }}\n  c:\n    collect: {{ prompts: [a], into: acct, next: t, fallback: end }}\n  t:\n    ticket: {{ kind: k, summary: \"{{acct}} {{bills.total}}\", into: tk, next: p, error: end }}\n  p:\n    play:\n      prompts:\n        - {{ say: bills.total, as: money }}\n        - {{ say: tk.number, as: digits }}\n        - {{ say: bills.total, as: date }}\n        - {{ say: acct, as: number }}\n      next: end\n{END}"
    ));
    let lines = error_lines(load(&[("main.yaml", &text)]));
    assert_eq!(
        lines,
        [
            format!(
                "main.yaml:16:{}: `say` must be a date, but `bills.total` is money",
                col(&text, 16, "bills.total")
            ),
            format!(
                "main.yaml:17:{}: `say` must be a number, but `acct` is text",
                col(&text, 17, "acct")
            ),
        ]
    );
}

#[test]
fn an_each_variable_is_seen_only_by_its_items() {
    let text = main_with(&format!(
        "  start:\n    lookup: {{ what: bills, account: caller, into: bills, next: p, error: end }}\n  p:\n    play:\n      prompts:\n        - {{ each: bills.items, as: bill, play: [{{ say: bill.amount, as: money }}, {{ say: bill.due, as: date }}] }}\n        - {{ say: bill.amount, as: money }}\n        - {{ each: bills.items, as: bill, play: [{{ say: bill.due, as: money }}] }}\n        - {{ each: bills.total, as: x, play: [a] }}\n      next: end\n{END}"
    ));
    let lines = error_lines(load(&[("main.yaml", &text)]));
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "main.yaml:11:{}: `say`: ",
            col(&text, 11, "bill.amount")
        )),
        "{lines:?}"
    );
    assert_eq!(
        lines[1],
        format!(
            "main.yaml:12:{}: `say` must be money or a number, but `bill.due` is date",
            col(&text, 12, "bill.due")
        )
    );
    assert_eq!(
        lines[2],
        format!(
            "main.yaml:13:{}: `each` must be a list, but `bills.total` is money",
            col(&text, 13, "bills.total")
        )
    );
}

#[test]
fn set_variables_take_their_expression_type_across_flows() {
    // `b` uses `greeting`, set in `a` which comes later: typed in a later pass.
    let b = "flow: b\nlanguages: [zh, en]\nstart: s\nnodes:\n  s:\n    branch: { cases: [{ when: greeting == 'hi', goto: r }], otherwise: r }\n  r:\n    return: {}\n";
    let a = "flow: a\nlanguages: [zh, en]\nstart: s\nnodes:\n  s:\n    set: { vars: { greeting: \"'hi'\", n: 1, twice: n + n }, next: c }\n  c:\n    call: { flow: b, next: end }\n  end:\n    hangup: {}\n";
    assert!(load(&[("b.yaml", b), ("a.yaml", a)]).is_ok());

    let b = b.replace("greeting == 'hi'", "twice == 'hi'");
    let lines = error_lines(load(&[("b.yaml", &b), ("a.yaml", a)]));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("b.yaml:6:"), "{lines:?}");
}

#[test]
fn a_variable_has_one_type() {
    let text = main_with(&format!(
        "  start:\n    set: {{ vars: {{ x: 1 }}, next: s2 }}\n  s2:\n    set: {{ vars: {{ x: \"'a'\" }}, next: c }}\n  c:\n    collect: {{ prompts: [a], into: x, next: end, fallback: end }}\n{END}"
    ));
    // `into`s are typed first, then `set`s: the number is the odd one out.
    assert_eq!(
        only_error(&text),
        "main.yaml:6:20: variable `x` is number here but text at main.yaml:10:36"
    );
}

#[test]
fn engine_variables_are_known() {
    let text = main_with(&format!(
        "  start:\n    branch: {{ cases: [{{ when: caller == dialled and language == 'zh', goto: end }}], otherwise: end }}\n{END}"
    ));
    assert!(load(&[("main.yaml", &text)]).is_ok());
}

#[test]
fn templates_are_checked() {
    let text = main_with(&format!(
        "  start:\n    ticket: {{ kind: k, summary: \"from {{callr}}\", next: end, error: end }}\n{END}"
    ));
    let e = only_error(&text);
    assert!(
        e.starts_with(&format!(
            "main.yaml:6:{}: `summary`: ",
            col(&text, 6, "callr")
        )),
        "{e}"
    );
}

#[test]
fn types_are_not_checked_when_a_flow_did_not_parse() {
    // `a` sets `greeting` but is broken: `b` is not blamed for the unknown variable.
    let b = "flow: b\nlanguages: [zh, en]\nstart: s\nnodes:\n  s:\n    branch: { cases: [{ when: greeting == 'hi', goto: r }], otherwise: r }\n  r:\n    return: {}\n";
    let lines = error_lines(load(&[("b.yaml", b), ("a.yaml", "flow: a\nnodes: [\n")]));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("a.yaml:"), "{lines:?}");
}
