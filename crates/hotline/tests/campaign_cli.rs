//! `hotline campaign …` on a seeded store: a dunning campaign made from the arrears rule, a
//! CSV list added to another with its bad rows reported by line, the moves in order (a start
//! out of order refused), the results CSV on stdout, the do-not-call list; refusals name the
//! option and change nothing; every change is audited as done by `command line`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Command;

fn hotline(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    cmd.args(args).current_dir(dir).env_remove("RUST_LOG");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HOTLINE_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("HOTLINE_DATA_DIR", dir.join("data"));
    let out = cmd.output().expect("run hotline");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "hotline panicked: {stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = hotline(dir, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn refused(dir: &Path, args: &[&str], says: &str) {
    let (code, _, err) = hotline(dir, args);
    assert_ne!(code, 0, "{args:?} must fail");
    assert!(err.contains(says), "{args:?}: {err}");
}

#[test]
fn a_campaign_is_made_listed_moved_and_exported_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    ok(d, &["db", "seed", "--customers", "60"]);
    let out = ok(
        d,
        &[
            "campaign",
            "create",
            "--name",
            "十二月催缴",
            "--kind",
            "dunning",
            "--flow",
            "dunning",
            "--arrears",
            "0.01",
            "--months",
            "1",
        ],
    );
    assert!(out.contains("campaign 1 created (draft)"), "{out}");
    let added: u64 = out
        .lines()
        .find_map(|l| l.strip_suffix(" refused"))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the import line");
    assert!(added > 0, "seeded customers owe something: {out}");
    // Refusals name the option and make nothing.
    refused(
        d,
        &[
            "campaign",
            "create",
            "--name",
            "x",
            "--kind",
            "dunning",
            "--flow",
            "dunning",
            "--settings",
            r#"{"window": ["9-12"]}"#,
        ],
        "--settings: settings.window[0]",
    );
    refused(
        d,
        &[
            "campaign",
            "create",
            "--name",
            "x",
            "--kind",
            "dunning",
            "--flow",
            "dunning",
            "--arrears",
            "0",
        ],
        "--arrears",
    );
    refused(
        d,
        &[
            "campaign",
            "create",
            "--name",
            "x",
            "--kind",
            "dunning",
            "--flow",
            "dunning",
            "--arrears",
            "1",
            "--notice",
            "1",
        ],
        "one list rule at a time",
    );
    refused(
        d,
        &[
            "campaign", "create", "--name", "x", "--kind", "spam", "--flow", "f",
        ],
        "--kind",
    );
    // A CSV list for a second campaign.
    ok(
        d,
        &[
            "campaign", "create", "--name", "通知", "--kind", "notice", "--flow", "notice",
        ],
    );
    let csv = d.join("list.csv");
    std::fs::write(
        &csv,
        "account,number,district\nA-1,13800001111,east\nA-2,13x,east\nA-3,139 0000 2222,west\n",
    )
    .unwrap();
    let out = ok(d, &["campaign", "upload", "2", csv.to_str().unwrap()]);
    assert!(
        out.contains("2 added, 0 already in the campaign, 1 refused"),
        "{out}"
    );
    assert!(out.contains("row 3: bad number"), "{out}");
    std::fs::write(&csv, "account,number\n1,\"2\n").unwrap();
    refused(
        d,
        &["campaign", "upload", "2", csv.to_str().unwrap()],
        "FILE: line 2",
    );
    // Moves.
    refused(
        d,
        &["campaign", "resume", "1"],
        "the campaign is draft: it cannot resume",
    );
    assert!(ok(d, &["campaign", "start", "1"]).contains("campaign 1: running"));
    assert!(ok(d, &["campaign", "pause", "1", "--reason", "trunk"]).contains("campaign 1: paused"));
    let list = ok(d, &["campaign", "list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("1\tpaused\tdunning\tivr")),
        "{list}"
    );
    assert!(
        list.lines().any(|l| l.starts_with("2\tdraft\tnotice")),
        "{list}"
    );
    let show = ok(d, &["campaign", "show", "1"]);
    assert!(show.contains("reason: trunk"), "{show}");
    assert!(
        show.contains("\"09:00-12:00\""),
        "the defaults written out: {show}"
    );
    assert!(ok(d, &["campaign", "stop", "1", "--reason", "done"]).contains("campaign 1: stopped"));
    refused(d, &["campaign", "start", "1"], "it cannot start");
    let results = ok(d, &["campaign", "results", "1"]);
    assert!(
        results
            .trim_start_matches('\u{feff}')
            .starts_with("campaign,target,account"),
        "{results}"
    );
    refused(d, &["campaign", "results", "99"], "campaign 99 not found");
    // Do not call.
    assert!(ok(
        d,
        &[
            "campaign",
            "dnc",
            "add",
            "--number",
            "+86 139 0000 3333",
            "--note",
            "asked"
        ]
    )
    .contains("1 added"));
    assert!(ok(d, &["campaign", "dnc", "add", "--number", "13900003333"]).contains("0 added"));
    refused(
        d,
        &["campaign", "dnc", "add", "--number", "13x"],
        "--number",
    );
    let dnc = ok(d, &["campaign", "dnc", "list"]);
    assert!(dnc.contains("13900003333"), "{dnc}");
    let id = dnc.split('\t').next().unwrap().trim().to_string();
    assert!(ok(d, &["campaign", "dnc", "remove", &id]).contains("removed"));
    assert!(!ok(d, &["campaign", "dnc", "list"]).contains("13900003333"));
    // Audited.
    let url = format!("sqlite:{}", d.join("data/hotline.db").display());
    let rows = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = hotline_store::Store::open(
            hotline_store::OpenOptions::new(&url),
            hotline_store::Policy::default(),
        )
        .await
        .unwrap();
        store.audit_events_of(Some("campaign"), 100).await.unwrap()
    });
    let said: Vec<String> = rows
        .iter()
        .map(|e| format!("{}|{}", e.actor, e.detail))
        .collect();
    assert!(
        said.iter()
            .any(|r| r == "command line|create campaign 1 \"十二月催缴\""),
        "{said:?}"
    );
    assert!(
        said.iter().any(|r| r == "command line|stop campaign 1"),
        "{said:?}"
    );
}
