//! Hostile or oversized input is refused with bounded time and memory: too many nodes or
//! files, files too large, YAML nested too deep, alias bombs, call cycles, calls nested too
//! deep; and no input makes the loader panic.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod load_support;

use hotline_ivr::load::{load_dir, load_files};
use load_support::*;
use std::fmt::Write;
use std::path::PathBuf;

/// A flow of `n` play nodes in a chain, ending in a hangup.
fn chain_flow(n: usize) -> String {
    let mut s = String::from("flow: main\nlanguages: [zh, en]\nstart: n0\nnodes:\n");
    for i in 0..n {
        let _ = write!(
            s,
            "  n{i}:\n    play: {{ prompts: [a], next: n{} }}\n",
            i + 1
        );
    }
    let _ = write!(s, "  n{n}:\n    hangup: {{}}\n");
    s
}

#[test]
fn a_flow_of_2000_nodes_loads() {
    let set = load(&[("main.yaml", &chain_flow(1999))]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.flows[0].nodes.len(), 2000);
}

#[test]
fn a_flow_of_10000_nodes_is_refused() {
    let lines = error_lines(load(&[("main.yaml", &chain_flow(10_000))]));
    // Refused at the `nodes` map, as soon as the 2001st node starts.
    assert_eq!(lines, ["main.yaml:5:3: a flow has at most 2000 nodes"]);
}

#[test]
fn a_2mb_file_is_refused() {
    let mut big = chain_flow(10);
    big.push_str("# ");
    big.push_str(&"x".repeat(2 << 20));
    big.push('\n');
    assert_eq!(
        error_lines(load(&[("main.yaml", &big)])),
        ["main.yaml: the file is larger than 1024 KiB"]
    );
    assert_eq!(
        error_lines(load_files(
            &[],
            Some((PathBuf::from("calendars.yaml"), big.clone())),
            &prompts
        )),
        ["calendars.yaml: the file is larger than 1024 KiB"]
    );
    // From a folder: never read past the limit.
    let dir = std::env::temp_dir().join(format!("hotline-load-big-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.yaml"), &big).unwrap();
    let err = load_dir(&dir, &prompts).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: the file is larger than 1024 KiB",
            dir.join("main.yaml").display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn more_than_200_flow_files_are_refused() {
    let flows: Vec<(PathBuf, String)> = (0..201)
        .map(|i| (PathBuf::from(format!("f{i}.yaml")), String::new()))
        .collect();
    assert_eq!(
        load_files(&flows, None, &prompts).unwrap_err().to_string(),
        "f200.yaml: more than 200 flow files"
    );
}

#[test]
fn deeply_nested_yaml_is_refused() {
    let depth = 100_000;
    let flow_style = format!(
        "flow: main\ndescription: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let lines = error_lines(load(&[("main.yaml", &flow_style)]));
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with("main.yaml:2:"), "{lines:?}");

    let mut block = String::from("flow: main\ndescription:\n");
    for i in 0..2_000 {
        let _ = writeln!(block, "{}- ", " ".repeat(i * 2 + 2));
    }
    let lines = error_lines(load(&[("main.yaml", &block)]));
    assert_eq!(lines.len(), 1, "{lines:?}");

    // Prompt items nested deeper than the budget, each level valid.
    let mut items = String::from("a");
    for _ in 0..40 {
        items = format!("{{ each: caller, as: x, play: [{items}] }}");
    }
    let nested = main_with(&format!(
        "  start:\n    play: {{ prompts: [{items}], next: end }}\n  end:\n    hangup: {{}}\n"
    ));
    let lines = error_lines(load(&[("main.yaml", &nested)]));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("main.yaml:6:"), "{lines:?}");
    assert!(
        lines[0].ends_with(": YAML nested more than 24 levels deep"),
        "{lines:?}"
    );
}

#[test]
fn alias_bombs_are_refused() {
    // The classic: nine levels of ten aliases, 10^9 strings when expanded.
    let mut lol = String::from("flow: main\nlanguages: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for i in 1..10 {
        let refs = vec![format!("*l{}", i - 1); 10].join(", ");
        let _ = writeln!(lol, "l{i}: &l{i} [{refs}]");
    }
    assert!(load(&[("main.yaml", &lol)]).is_err());

    // One the model reads all of: `each` items whose `play` repeats the level below,
    // 10^7 prompt items once expanded.
    let mut y = String::from("flow: main\nlanguages: [zh, en]\nstart: start\nnodes:\n  start:\n    play:\n      next: end\n      prompts:\n");
    let _ = writeln!(
        y,
        "        - &e0 {{ each: caller, as: x, play: [a, a, a, a, a, a, a, a, a, a] }}"
    );
    for i in 1..7 {
        let refs = vec![format!("*e{}", i - 1); 10].join(", ");
        let _ = writeln!(
            y,
            "        - &e{i} {{ each: caller, as: x, play: [{refs}] }}"
        );
    }
    y.push_str("  end:\n    hangup: {}\n");
    let lines = error_lines(load(&[("main.yaml", &y)]));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("too large or too complex") || lines[0].contains("too many aliases"),
        "{lines:?}"
    );
}

fn call_flow(name: &str, callee: Option<&str>) -> String {
    match callee {
        Some(c) => format!(
            "flow: {name}\nlanguages: [zh, en]\nstart: go\nnodes:\n  go:\n    call: {{ flow: {c}, next: back }}\n  back:\n    return: {{}}\n"
        ),
        None => format!("flow: {name}\nlanguages: [zh, en]\nstart: back\nnodes:\n  back:\n    return: {{}}\n"),
    }
}

#[test]
fn call_cycles_are_refused() {
    let (main, a, b) = (
        call_flow("main", Some("a")),
        call_flow("a", Some("b")),
        call_flow("b", Some("main")),
    );
    assert_eq!(
        error_lines(load(&[
            ("main.yaml", &main),
            ("a.yaml", &a),
            ("b.yaml", &b)
        ])),
        ["main.yaml:6:19: call cycle: main → a → b → main"]
    );
    let own = call_flow("main", Some("main"));
    assert_eq!(
        error_lines(load(&[("main.yaml", &own)])),
        ["main.yaml:6:19: call cycle: main → main"]
    );
}

fn call_chain(length: usize) -> Vec<(PathBuf, String)> {
    (0..=length)
        .map(|i| {
            let name = format!("f{i}");
            let callee = (i < length).then(|| format!("f{}", i + 1));
            (
                PathBuf::from(format!("{name}.yaml")),
                call_flow(&name, callee.as_deref()),
            )
        })
        .collect()
}

#[test]
fn calls_nested_deeper_than_8_are_refused() {
    assert!(load_files(&call_chain(8), None, &prompts).is_ok());
    let err = load_files(&call_chain(9), None, &prompts)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "f0.yaml:6:19: calls nested 9 deep: f0 → f1 → f2 → f3 → f4 → f5 → f6 → f7 → f8 → f9 (at most 8)"
    );
    let err = load_files(&call_chain(20), None, &prompts)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "f0.yaml:6:19: calls nested 20 deep: f0 → f1 → f2 → f3 → f4 → f5 → … → f16 → f17 → f18 → f19 → f20 (at most 8)"
    );
}

#[test]
fn long_names_are_shortened_in_messages() {
    let long = "x".repeat(100_000);
    let flow = main_with(&format!(
        "  start:\n    play: {{ prompts: [a], next: {long} }}\n"
    ));
    let lines = error_lines(load(&[("main.yaml", &flow)]));
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("main.yaml:6:33: no node `xxx"),
        "{}",
        &lines[0][..60]
    );
    assert!(lines[0].chars().count() < 400 && lines[0].ends_with('…'));
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn garbage_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let good = main_with("  start:\n    menu: { prompts: [a, { say: caller, as: digits }], keys: { \"1\": l }, fallback: end }\n  l:\n    lookup: { what: bills, account: caller, into: b, next: p, error: end }\n  p:\n    play: { prompts: [{ each: b.items, as: i, limit: 2, play: [{ say: i.amount, as: money }] }], next: start }\n  end:\n    hangup: {}\n");
    let alphabet: &[u8] = b"{}[]:,-&*!|>'\"#%@` \n\t\\abcxyz0189.~?";
    for round in 0..400 {
        let text = if round % 2 == 0 {
            // Random bytes, mostly YAML punctuation.
            let len = rng.below(300);
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.below(4) == 0 {
                        (rng.next() & 0xff) as u8
                    } else {
                        alphabet[rng.below(alphabet.len())]
                    }
                })
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            // A good flow with a few characters replaced, inserted or removed.
            let mut chars: Vec<char> = good.chars().collect();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(chars.len());
                let c = alphabet[rng.below(alphabet.len())] as char;
                match rng.below(3) {
                    0 => chars[at] = c,
                    1 => chars.insert(at, c),
                    _ => {
                        chars.remove(at);
                    }
                }
            }
            chars.into_iter().collect()
        };
        let calendars = (round % 3 == 0).then(|| (PathBuf::from("calendars.yaml"), text.clone()));
        let _ = load_files(&[(PathBuf::from("main.yaml"), text)], calendars, &prompts);
    }
}
