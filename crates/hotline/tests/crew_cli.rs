//! `hotline agent add --role crew --district CODE`: a crew is saved bound to the district
//! with that code; without a district, with an unknown one, or a district for another role,
//! the command fails naming `--district` and saves nothing.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
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
    cmd.env("HOTLINE_DATA_DIR", dir.join("data"))
        .env("HOTLINE_AGENT_PASSWORD", "crew-pass");
    let out = cmd.output().expect("run hotline");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "hotline panicked: {stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

fn add(dir: &Path, login: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "agent",
        "add",
        "--login",
        login,
        "--name",
        "城东抢修一班",
        "--staff-no",
        login,
        "--sip-user",
        login,
    ];
    args.extend_from_slice(extra);
    hotline(dir, &args)
}

#[test]
fn a_crew_is_added_with_its_district_and_refused_without_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, err) = hotline(dir.path(), &["db", "seed", "--customers", "2"]);
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = add(
        dir.path(),
        "c8001",
        &["--role", "crew", "--district", "east"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("c8001 saved"), "{out}");

    for (login, extra, says) in [
        (
            "c8002",
            vec!["--role", "crew"],
            "--district: a crew needs its district",
        ),
        (
            "c8003",
            vec!["--role", "crew", "--district", "nowhere"],
            "--district: no district with the code \"nowhere\"",
        ),
        (
            "c8004",
            vec!["--role", "agent", "--district", "east"],
            "--district: only for --role crew",
        ),
    ] {
        let (code, _, err) = add(dir.path(), login, &extra);
        assert_ne!(code, 0, "{login} was accepted");
        assert!(err.contains(says), "{login}: {err}");
    }

    let (code, out, err) = hotline(dir.path(), &["agent", "list"]);
    assert_eq!(code, 0, "{err}");
    let crews: Vec<&str> = out.lines().filter(|l| l.contains("\tcrew")).collect();
    assert_eq!(crews.len(), 1, "{out}");
    assert!(crews[0].contains("c8001"), "{out}");
    assert!(!out.contains("c8002") && !out.contains("c8003") && !out.contains("c8004"));
}
