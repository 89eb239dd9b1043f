//! Each refusal of the loader, with its `file:line:column: message`.

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

fn main_file(nodes: &str) -> Vec<(&'static str, String)> {
    vec![("main.yaml", main_with(nodes))]
}

fn run(files: &[(&str, String)]) -> Result<hotline_ivr::FlowSet, hotline_ivr::load::LoadErrors> {
    let list: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    load(&list)
}

fn one(nodes: &str) -> Result<hotline_ivr::FlowSet, hotline_ivr::load::LoadErrors> {
    run(&main_file(nodes))
}

#[test]
fn yaml_syntax() {
    assert_error(
        load(&[("main.yaml", "flow: main\nlanguages: [zh, en\nstart: a\n")]),
        "main.yaml:3:6: illegal placement of ':' indicator",
    );
    assert_error(
        load(&[("main.yaml", "flow: main\n\tlanguages: x\n")]),
        "main.yaml:1:7: while scanning a plain scalar, found a tab",
    );
    assert_error(
        load(&[("main.yaml", "")]),
        "main.yaml:1:1: unexpected end of file",
    );
}

#[test]
fn unknown_fields() {
    assert_error(
        one(&format!(
            "  start:\n    play: {{ prompts: [a], next: end, nxt: x }}\n{END}"
        )),
        "main.yaml:6:38: unknown field `nxt`, expected one of title, prompts, barge_in, served, reason, next",
    );
    // Only what serves the caller takes `served`: not a menu, a branch or a transfer.
    assert_error(
        one(&format!(
            "  start:\n    menu: {{ prompts: [a], keys: {{ \"1\": end }}, fallback: end, served: true }}\n{END}"
        )),
        "main.yaml:6:62: unknown field `served`, expected one of title, prompts, keys, timeout, retries, invalid, no_input, fallback",
    );
    assert_error(
        run(&[("main.yaml", format!("{}extra: 1\n", main_with("  start:\n    hangup: {}\n")))]),
        "main.yaml:7:1: unknown field `extra`, expected one of flow, description, languages, start, nodes, target",
    );
    assert_error(
        one("  start:\n    plai: { prompts: [a], next: end }\n"),
        "main.yaml:6:5: unknown variant `plai`, expected one of play, menu, collect, lookup, set, branch, language, call, return, ticket, transfer, hangup, schedule, promise, opt_out, result",
    );
    assert_error(
        one(&format!("  start:\n    play:\n      prompts:\n        - a\n        - {{ sai: x, as: money }}\n      next: end\n{END}")),
        "main.yaml:9:13: unknown field `sai`, expected one of say, each, when, hours, as, limit, play",
    );
}

#[test]
fn wrong_types_and_shapes() {
    assert_error(
        one(&format!(
            "  start:\n    play: {{ prompts: [a], next: end, barge_in: maybe }}\n{END}"
        )),
        "main.yaml:6:48: expected true or false",
    );
    assert_error(
        one(&format!("  start:\n    menu: {{ prompts: [a], keys: {{\"1\": end}}, retries: lots, fallback: end }}\n{END}")),
        "main.yaml:6:54: expected a whole number",
    );
    assert_error(
        one(&format!(
            "  start:\n    play: {{ prompts: a, next: end }}\n{END}"
        )),
        "main.yaml:6:22: expected a list",
    );
    assert_error(
        one("  start:\n    play: { prompts: [a] }\n"),
        "main.yaml:6:13: missing field `next`",
    );
    assert_error(
        one(&format!("  start:\n    play:\n      prompts:\n        - a\n        - {{ say: x }}\n      next: end\n{END}")),
        "main.yaml:9:13: missing field `as`",
    );
    assert_error(
        one("  start:\n    hangup: {}\n    return: {}\n"),
        "main.yaml:7:5: a node has exactly one node type (play, menu, collect, …)",
    );
    assert_error(
        one("  start:\n    hangup: {}\n  start:\n    hangup: {}\n"),
        "main.yaml:7:3: duplicate mapping key `start` is not allowed here",
    );
}

#[test]
fn flow_name_is_the_file_name_and_unique() {
    assert_error(
        run(&[(
            "main.yaml",
            main_with("  start:\n    hangup: {}\n").replace("flow: main", "flow: mian"),
        )]),
        "main.yaml:1:7: the flow in `main.yaml` must be called `main`, not `mian`",
    );
    let flow = main_with("  start:\n    hangup: {}\n");
    assert_error(
        run(&[("a/main.yaml", flow.clone()), ("b/main.yaml", flow)]),
        "b/main.yaml:1:7: flow `main` is defined twice (also in a/main.yaml)",
    );
}

#[test]
fn node_ids_and_targets() {
    assert_error(
        one("  start:\n    play: { prompts: [a], next: Bad-Id }\n  Bad-Id:\n    hangup: {}\n"),
        "main.yaml:7:3: node id `Bad-Id` is not lower_snake_case",
    );
    let r = run(&[(
        "main.yaml",
        main_with(&format!("  start:\n    menu: {{ prompts: [a], keys: {{\"1\": nowhere, \"2\": end}}, fallback: ned }}\n{END}"))
            .replace("start: start", "start: begin"),
    )]);
    let lines = error_lines(r);
    assert_eq!(
        lines,
        [
            "main.yaml:3:8: no node `begin` in this flow",
            "main.yaml:6:39: no node `nowhere` in this flow",
            "main.yaml:6:69: no node `ned` in this flow; did you mean `end`?",
        ]
    );
    // Every kind of exit is checked.
    for node in [
        "play: { prompts: [a], next: xx }",
        "collect: { prompts: [a], into: n, next: end, fallback: xx }",
        "collect: { prompts: [a], into: n, next: xx, fallback: end }",
        "menu: { prompts: [a], keys: { \"5\": xx }, fallback: end }",
        "menu: { prompts: [a], keys: { \"5\": end }, fallback: xx }",
        "lookup: { what: customer_by_caller, into: c, next: end, not_found: xx, error: end }",
        "lookup: { what: customer_by_caller, into: c, next: end, not_found: end, error: xx }",
        "lookup: { what: customer_by_caller, into: c, next: xx, not_found: end, error: end }",
        "set: { vars: { v: 1 }, next: xx }",
        "branch: { cases: [{ when: true, goto: xx }], otherwise: end }",
        "branch: { cases: [{ when: true, goto: end }], otherwise: xx }",
        "language: { set: zh, next: xx }",
        "call: { flow: main2, next: xx }",
        "ticket: { kind: k, summary: s, next: end, error: xx }",
        "ticket: { kind: k, summary: s, next: xx, error: end }",
        "schedule: { calendar: office, open: xx, closed: end }",
        "schedule: { calendar: office, open: end, closed: xx }",
    ] {
        let sub = "flow: main2\nlanguages: [zh, en]\nstart: r\nnodes:\n  r:\n    return: {}\n";
        let cal = "calendars:\n  office: {}\n";
        let main = main_with(&format!("  start:\n    {node}\n{END}"));
        let list = [("main.yaml", main.as_str()), ("main2.yaml", sub)];
        let col = 5 + node.find(": xx").expect("xx") + 2;
        assert_error(
            load_cal(&list, cal),
            &format!("main.yaml:6:{col}: no node `xx` in this flow"),
        );
    }
}

#[test]
fn unreachable_nodes() {
    assert_error(
        one(&format!("  start:\n    play: {{ prompts: [a], next: end }}\n  lost:\n    play: {{ prompts: [a], next: end }}\n{END}")),
        "main.yaml:7:3: node `lost` is not reachable from `start` (`start`)",
    );
}

#[test]
fn loops_that_never_wait() {
    let lines = error_lines(one(&format!(
        "  start:\n    play: {{ prompts: [a], next: again }}\n  again:\n    set: {{ vars: {{ x: true }}, next: check }}\n  check:\n    branch: {{ cases: [{{ when: x, goto: start }}], otherwise: end }}\n{END}"
    )));
    assert_eq!(
        lines,
        ["main.yaml:5:3: loop that never waits for the caller: start → again → check → start (add a menu or collect to it)"]
    );
    assert_error(
        one("  start:\n    play: { prompts: [a], next: start }\n"),
        "main.yaml:5:3: loop that never waits for the caller: start → start (add a menu or collect to it)",
    );
    // A menu in the loop, or a call of a flow that waits, is fine.
    assert!(one(&format!("  start:\n    play: {{ prompts: [a], next: m }}\n  m:\n    menu: {{ prompts: [a], keys: {{\"1\": start}}, fallback: end }}\n{END}")).is_ok());
    let waits = "flow: ask\nlanguages: [zh, en]\nstart: m\nnodes:\n  m:\n    menu: { prompts: [a], keys: { \"1\": r }, fallback: r }\n  r:\n    return: {}\n";
    let no_wait = "flow: ask\nlanguages: [zh, en]\nstart: r\nnodes:\n  r:\n    return: {}\n";
    let main = main_with(
        &format!("  start:\n    call: {{ flow: ask, next: start }}\n{END}").replace(END, ""),
    );
    assert!(load(&[("main.yaml", &main), ("ask.yaml", waits)]).is_ok());
    assert_error(
        load(&[("main.yaml", &main), ("ask.yaml", no_wait)]),
        "main.yaml:5:3: loop that never waits for the caller: start → start (add a menu or collect to it)",
    );
}

#[test]
fn not_found_exactly_when_a_lookup_can_miss() {
    assert_error(
        one(&format!("  start:\n    lookup: {{ what: customer_by_caller, into: c, next: end, error: end }}\n{END}")),
        "main.yaml:6:21: `customer_by_caller` can find nothing: it needs `not_found`",
    );
    assert_error(
        one(&format!("  start:\n    lookup: {{ what: bills, account: caller, into: b, next: end, not_found: end, error: end }}\n{END}")),
        "main.yaml:6:76: `bills` always finds something: `not_found` is not allowed",
    );
}

#[test]
fn lookup_arguments() {
    let lines = error_lines(one(&format!(
        "  start:\n    lookup: {{ what: bills, district: caller, into: b, next: end, error: end }}\n{END}"
    )));
    assert_eq!(
        lines,
        [
            "main.yaml:6:21: `bills` needs `account`",
            "main.yaml:6:38: `bills` takes no `district`",
        ]
    );
    assert_error(
        one(&format!("  start:\n    lookup: {{ what: weather, into: b, next: end, error: end }}\n{END}")),
        "main.yaml:6:21: `weather` is not a lookup (customer_by_caller, customer_by_account, bills, arrears, notices, submit_reading, submit_survey)",
    );
    assert_error(
        one(&format!("  start:\n    lookup: {{ what: submit_reading, account: caller, kind: x, into: r, next: end, error: end }}\n{END}")),
        "main.yaml:6:21: `submit_reading` needs `value`",
    );
    assert_error(
        one(&format!("  start:\n    lookup: {{ what: submit_reading, account: caller, kind: x, into: r, next: end, error: end }}\n{END}")),
        "main.yaml:6:60: `submit_reading` takes no `kind`",
    );
    assert!(one(&format!("  start:\n    lookup: {{ what: arrears, account: caller, into: a, next: end, error: end }}\n{END}")).is_ok());
}

#[test]
fn keypad_keys() {
    let lines = error_lines(one(&format!(
        "  start:\n    menu:\n      prompts: [a]\n      keys: {{ \"1\": end, \"A\": end, \"12\": end, 1: end }}\n      fallback: end\n{END}"
    )));
    assert_eq!(
        lines,
        [
            "main.yaml:8:25: `A` is not a keypad key (0-9, *, #)",
            "main.yaml:8:35: `12` is not a keypad key (0-9, *, #)",
            "main.yaml:8:46: key `1` is listed twice",
        ]
    );
    assert_error(
        one(&format!(
            "  start:\n    menu: {{ prompts: [a], keys: {{}}, fallback: end }}\n{END}"
        )),
        "main.yaml:6:5: a menu needs at least one key in `keys`",
    );
}

#[test]
fn prompts_exist_for_every_language() {
    let lines = error_lines(one(&format!(
        "  start:\n    play: {{ prompts: [missing_a, zh_only, common/missing_beep, ../etc/passwd], next: end }}\n{END}"
    )));
    assert_eq!(
        lines,
        [
            "main.yaml:6:23: prompt `missing_a` is missing for zh, en (sounds/zh/missing_a.wav)",
            "main.yaml:6:34: prompt `zh_only` is missing for en (sounds/en/zh_only.wav)",
            "main.yaml:6:43: prompt `common/missing_beep` is missing (sounds/common/missing_beep.wav)",
            "main.yaml:6:64: `../etc/passwd` is not a prompt name (letters, digits, `_`, `-`; `common/` for common sounds)",
        ]
    );
    // In every prompt list: invalid, no_input, confirm, each bodies, hangup.
    for node in [
        "menu: { prompts: [a], keys: {\"1\": end}, invalid: [missing_x], fallback: end }",
        "menu: { prompts: [a], keys: {\"1\": end}, no_input: [missing_x], fallback: end }",
        "collect: { prompts: [a], into: n, invalid: [missing_x], next: end, fallback: end }",
        "collect: { prompts: [a], into: n, no_input: [missing_x], next: end, fallback: end }",
        "collect: { prompts: [a], into: n, confirm: { prompts: [missing_x] }, next: end, fallback: end }",
        "collect: { prompts: [a], into: n, confirm: { ask: [missing_x] }, next: end, fallback: end }",
        "play: { prompts: [{ each: caller, as: c, play: [a, missing_x] }], next: end }",
        "play: { prompts: [{ when: caller == \"1\", play: [a, missing_x] }], next: end }",
        "hangup: { prompts: [missing_x] }",
    ] {
        let col = 5 + node.find("missing_x").expect("missing_x");
        assert_error(
            one(&format!("  start:\n    {node}\n{END}")),
            &format!("main.yaml:6:{col}: prompt `missing_x` is missing for zh, en (sounds/zh/missing_x.wav)"),
        );
    }
    // The defaults too, once per flow.
    let no_invalid = |_: &str, n: &str| n != "invalid_input";
    let lines = error_lines(load_with(
        &[("main.yaml", &main_with(&format!("  start:\n    menu: {{ prompts: [a], keys: {{\"1\": m2}}, fallback: end }}\n  m2:\n    menu: {{ prompts: [a], keys: {{\"1\": end}}, fallback: end }}\n{END}")))],
        &no_invalid,
    ));
    assert_eq!(
        lines,
        ["main.yaml:6:5: prompt `invalid_input` (the default `invalid`) is missing for zh, en (sounds/zh/invalid_input.wav); add it or set `invalid`"]
    );
}

#[test]
fn when_items_need_a_condition_and_only_play() {
    // The condition must be true or false.
    let node = "play: { prompts: [{ when: caller, play: [a] }], next: end }";
    let lines = error_lines(one(&format!("  start:\n    {node}\n{END}")));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("main.yaml:6:31: ") && l.contains("true or false")),
        "{lines:?}"
    );
    assert_error(
        one(&format!("  start:\n    play: {{ prompts: [{{ when: caller == \"1\", as: x, play: [a] }}], next: end }}\n{END}")),
        "main.yaml:6:23: `as` and `limit` do not belong to `when` (only `play`)",
    );
    assert_error(
        one(&format!("  start:\n    play: {{ prompts: [{{ when: caller == \"1\", say: caller, play: [a] }}], next: end }}\n{END}")),
        "main.yaml:6:23: a prompt item has one of `say`, `each` or `when`, not two",
    );
    assert_error(
        one(&format!(
            "  start:\n    play: {{ prompts: [{{ when: caller == \"1\" }}], next: end }}\n{END}"
        )),
        "main.yaml:6:25: missing field `play`",
    );
    // Said kinds check the value's type: a time is not a date.
    assert_error(
        one(&format!(
            "  start:\n    play: {{ prompts: [{{ say: caller, as: clock }}], next: end }}\n{END}"
        )),
        "main.yaml:6:30: `say` must be a time, but `caller` is text",
    );
}

#[test]
fn languages() {
    assert_error(
        run(&[(
            "main.yaml",
            main_with(&format!(
                "  start:\n    language: {{ set: en, next: end }}\n{END}"
            ))
            .replace("[zh, en]", "[zh]"),
        )]),
        "main.yaml:6:22: `en` is not one of this flow's languages (zh)",
    );
    let lines = error_lines(run(&[(
        "main.yaml",
        main_with("  start:\n    hangup: {}\n").replace("[zh, en]", "[zh, fr, zh]"),
    )]));
    assert_eq!(
        lines,
        [
            "main.yaml:2:17: `fr` is not a language (zh, en)",
            "main.yaml:2:21: language `zh` is listed twice",
        ]
    );
    assert_error(
        run(&[(
            "main.yaml",
            main_with("  start:\n    hangup: {}\n").replace("[zh, en]", "[]"),
        )]),
        "main.yaml:2:12: `languages` is empty (zh, en)",
    );
}

#[test]
fn calls_name_existing_flows() {
    assert_error(
        one(&format!(
            "  start:\n    call: {{ flow: nothere, next: end }}\n{END}"
        )),
        "main.yaml:6:19: no flow `nothere` (no file `nothere.yaml`)",
    );
    // A flow whose file is broken is reported there, not at its callers.
    let lines = error_lines(load(&[
        (
            "main.yaml",
            &main_with(&format!(
                "  start:\n    call: {{ flow: broken, next: end }}\n{END}"
            )),
        ),
        ("broken.yaml", "flow: broken\nnodes: [\n"),
    ]));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("broken.yaml:"), "{lines:?}");
}

#[test]
fn collect_limits() {
    let lines = error_lines(one(&format!(
        "  start:\n    collect: {{ prompts: [a], into: n, min: 9, max: 65, pattern: \"[a-z]+\", retries: 11, first_timeout: 50ms, inter_timeout: 3m, terminator: x, next: end, fallback: end }}\n{END}"
    )));
    assert_eq!(
        lines,
        [
            "main.yaml:6:52: `max` must be 1–64, not 65",
            "main.yaml:6:65: `pattern` may only match digits, `*` and `#` (found `a`)",
            "main.yaml:6:84: `retries` must be 0–10, not 11",
            "main.yaml:6:103: `first_timeout` must be between 100ms and 120s",
            "main.yaml:6:124: `inter_timeout` must be between 100ms and 120s",
            "main.yaml:6:140: `terminator` is `#`, `*` or `none`, not `x`",
        ]
    );
    let lines = error_lines(one(&format!(
        "  start:\n    collect: {{ prompts: [a], into: caller, min: 9, max: 5, pattern: \"[0-9\", next: end, fallback: end }}\n{END}"
    )));
    assert_eq!(
        lines,
        [
            "main.yaml:6:36: `caller` is set by the engine",
            "main.yaml:6:49: `min` (9) is more than `max` (5)",
            "main.yaml:6:69: `pattern` is not a valid regular expression: error: unclosed character class",
        ]
    );
    let lines = error_lines(one(&format!(
        "  start:\n    collect: {{ prompts: [a], into: n, pattern: \"\\\\d{{1000}}{{1000}}\", first_timeout: soon, next: end, fallback: end }}\n{END}"
    )));
    assert_eq!(
        lines,
        [
            "main.yaml:6:48: `pattern` is not a valid regular expression: Compiled regex exceeds size limit of 65536 bytes.",
            "main.yaml:6:82: `first_timeout`: `soon` is not a duration (`500ms`, `5s`, `2m`)",
        ]
    );
    assert_error(
        one(&format!("  start:\n    menu: {{ prompts: [a], keys: {{\"1\": end}}, timeout: 2h, retries: -1, fallback: end }}\n{END}")),
        "main.yaml:6:54: `timeout`: `2h` is not a duration (`500ms`, `5s`, `2m`)",
    );
    assert_error(
        one(&format!("  start:\n    menu: {{ prompts: [a], keys: {{\"1\": end}}, timeout: 2h, retries: -1, fallback: end }}\n{END}")),
        "main.yaml:6:67: `retries` must be 0–10, not -1",
    );
    // Plain seconds and the edges of the range are fine.
    assert!(one(&format!("  start:\n    menu: {{ prompts: [a], keys: {{\"*\": end}}, timeout: 120, fallback: end }}\n  m:\n    menu: {{ prompts: [a], keys: {{\"#\": end}}, timeout: 100ms, fallback: end }}\n{END}").replace("\"*\": end", "\"*\": m")).is_ok());
}

#[test]
fn transfer_and_ticket_values() {
    let lines = error_lines(one(
        "  start:\n    transfer: { queue: \"\", skills: { billing: 7, \"\": 2 }, priority: 101 }\n",
    ));
    assert_eq!(
        lines,
        [
            "main.yaml:6:24: `queue` is empty",
            "main.yaml:6:47: `skill level` must be 1–5, not 7",
            "main.yaml:6:50: a skill name is empty",
            "main.yaml:6:69: `priority` must be 0–100, not 101",
        ]
    );
    let lines = error_lines(one(&format!(
        "  start:\n    ticket: {{ kind: \" \", summary: s, into: 'Bad', next: end, error: end }}\n{END}"
    )));
    assert_eq!(
        lines,
        [
            "main.yaml:6:21: `kind` is empty",
            "main.yaml:6:44: `Bad` is not a variable name (lower_snake_case)",
        ]
    );
}

#[test]
fn variable_names() {
    let lines = error_lines(one(&format!(
        "  start:\n    set: {{ vars: {{ caller: '1', and: 2, X: 3 }}, next: end }}\n{END}"
    )));
    assert_eq!(
        lines,
        [
            "main.yaml:6:20: `caller` is set by the engine",
            "main.yaml:6:33: `and` is a keyword, not a variable name",
            "main.yaml:6:41: `X` is not a variable name (lower_snake_case)",
        ]
    );
}

#[test]
fn schedule_and_calendars() {
    let lines = error_lines(load_cal(
        &[("main.yaml", &main_with(&format!("  start:\n    schedule: {{ calendar: night, open: end, closed: end }}\n{END}")))],
        "calendars:\n  office:\n    utc_offset: \"+8\"\n    hours: { mon: \"08:30-17:30\", monday: \"09:00-10:00\", tue: \"17:00-08:00\" }\n    holidays: [\"2026-02-30\", tomorrow]\n",
    ));
    assert_eq!(
        lines,
        [
            "calendars.yaml:3:17: `utc_offset` is no longer read: calendars follow the centre's time zone (`centre.time_zone` in hotline.toml, an IANA name such as \"Asia/Shanghai\" for `+08:00`); delete this line",
            "calendars.yaml:4:34: `monday` is not a weekday (mon, tue, wed, thu, fri, sat, sun)",
            "calendars.yaml:4:62: `17:00-08:00` ends before it starts",
            "calendars.yaml:5:16: `2026-02-30` is not a date (YYYY-MM-DD)",
            "calendars.yaml:5:30: `tomorrow` is not a date (YYYY-MM-DD)",
            "main.yaml:6:27: no calendar `night` in calendars.yaml",
        ]
    );
    assert_error(
        one(&format!(
            "  start:\n    schedule: {{ calendar: office, open: end, closed: end }}\n{END}"
        )),
        "main.yaml:6:27: no calendar `office` in calendars.yaml",
    );
    assert_error(
        load_cal(
            &[("main.yaml", &main_with("  start:\n    hangup: {}\n"))],
            "calendars:\n  office:\n    hours: { mon: \"08:00-12:00, 11:00-13:00\" }\n",
        ),
        "calendars.yaml:3:19: `11:00-13:00` overlaps or is out of order",
    );
}

#[test]
fn all_errors_of_all_files_are_reported() {
    let lines = error_lines(load(&[
        ("a.yaml", &main_with(&format!("  start:\n    play: {{ prompts: [a], next: x }}\n  lost:\n    hangup: {{}}\n{END}")).replace("flow: main", "flow: a")),
        ("b.yaml", "flow: b\nlanguages: [zh, en]\nstart: s\nnodes:\n  s:\n    hangup: { prompts: [missing_1, missing_2] }\n"),
        ("c.yaml", "flow: c\nnodes: {\n"),
    ]));
    assert_eq!(
        lines,
        [
            "a.yaml:6:33: no node `x` in this flow",
            "a.yaml:7:3: node `lost` is not reachable from `start` (`start`)",
            "a.yaml:9:3: node `end` is not reachable from `start` (`start`)",
            "b.yaml:6:25: prompt `missing_1` is missing for zh, en (sounds/zh/missing_1.wav)",
            "b.yaml:6:36: prompt `missing_2` is missing for zh, en (sounds/zh/missing_2.wav)",
            "c.yaml:2:8: unclosed bracket '{'",
        ]
    );
}

#[test]
fn call_reasons_on_nodes() {
    // A reason code is `category/reason`; anything else is refused where it is written.
    for bad in [
        "billing",
        "Billing/Query",
        "billing/",
        "/query",
        "billing/query/x",
        "账务/查询",
    ] {
        let lines = error_lines(one(&format!(
            "  start:\n    play: {{ prompts: [a], next: end, reason: \"{bad}\" }}\n{END}"
        )));
        assert_eq!(lines.len(), 1, "{bad}: {lines:?}");
        assert!(
            lines[0].starts_with("main.yaml:6:") && lines[0].contains("is not a call reason code"),
            "{bad}: {lines:?}"
        );
    }
    let set = one(&format!(
        "  start:\n    play: {{ prompts: [a], next: end, served: true, reason: billing/query }}\n{END}"
    ))
    .unwrap();
    assert_eq!(
        set.flows[0].nodes[0].reason.as_deref(),
        Some("billing/query")
    );
    // Only what serves the caller takes a reason.
    assert_error(
        one(&format!(
            "  start:\n    menu: {{ prompts: [a], keys: {{ \"1\": end }}, fallback: end, reason: a/b }}\n{END}"
        )),
        "main.yaml:6:62: unknown field `reason`, expected one of title, prompts, keys, timeout, retries, invalid, no_input, fallback",
    );
}
