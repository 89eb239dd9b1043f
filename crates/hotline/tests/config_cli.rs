//! The `hotline` binary's configuration handling seen from outside: `config check` verdicts and
//! exit codes, error messages that name the file, line, key or variable, `config default`
//! round-tripping, and `serve` refusing a bad configuration without panicking.

// A test crate: its helpers, like its tests, state what they expect with unwrap, expect,
// panic and indexing (clippy.toml's test allowances reach only #[test] functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A `hotline` command in `dir`, with no `HOTLINE_*` or `RUST_LOG` inherited from the test's
/// own environment.
fn hotline(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    cmd.args(args).current_dir(dir).env_remove("RUST_LOG");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HOTLINE_") {
            cmd.env_remove(name);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = hotline(dir, args, env).output().expect("run hotline");
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    assert!(!stderr.contains("panicked"), "hotline panicked: {stderr}");
    (status.code().unwrap_or(-1), stdout, stderr)
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn wrong_type_names_file_line_and_key() {
    let dir = scratch();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "[sip]\nrealm = \"acme\"\n\n[sip.registrar]\nmax_expires = 7200\nmin_expires = \"x\"\n",
    )
    .expect("write");
    let path = file.to_string_lossy().into_owned();
    let (code, stdout, stderr) = run(dir.path(), &["--config", &path, "config", "check"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.starts_with("hotline: "), "{stderr}");
    assert!(stderr.contains("bad.toml:6:"), "{stderr}");
    assert!(stderr.contains("sip.registrar.min_expires"), "{stderr}");
    assert!(stderr.contains("expected u32"), "{stderr}");
}

#[test]
fn hotline_toml_in_the_working_directory_is_used() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("hotline.toml"),
        "[calls]\nring_secs = \"soon\"\n",
    )
    .expect("write");
    let (code, _, stderr) = run(dir.path(), &["config", "check"], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("hotline.toml:2:") && stderr.contains("calls.ring_secs"),
        "{stderr}"
    );
    // --config after the subcommand works too, and so does HOTLINE_CONFIG.
    std::fs::write(dir.path().join("good.toml"), "[calls]\nring_secs = 5\n").expect("write");
    let (code, stdout, stderr) = run(
        dir.path(),
        &["config", "check", "--config", "good.toml"],
        &[],
    );
    assert_eq!(
        (code, stdout.trim()),
        (0, "config ok: good.toml"),
        "{stderr}"
    );
    let (code, stdout, _) = run(
        dir.path(),
        &["config", "check"],
        &[("HOTLINE_CONFIG", "good.toml")],
    );
    assert_eq!((code, stdout.trim()), (0, "config ok: good.toml"));
}

#[test]
fn unknown_key_is_refused_with_its_path() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("hotline.toml"),
        "[sip.auth]\nmax_failure = 3\n",
    )
    .expect("write");
    let (code, _, stderr) = run(dir.path(), &["config", "check"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("hotline.toml:2:"), "{stderr}");
    assert!(
        stderr.contains("sip.auth.max_failure: unknown field"),
        "{stderr}"
    );
}

#[test]
fn missing_config_file_is_an_error() {
    let dir = scratch();
    let (code, _, stderr) = run(dir.path(), &["-c", "nowhere.toml", "config", "check"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nowhere.toml: cannot read"), "{stderr}");
}

#[test]
fn bad_env_override_names_the_variable() {
    let dir = scratch();
    let (code, _, stderr) = run(
        dir.path(),
        &["config", "check"],
        &[("HOTLINE_SIP_AUTH_BLOCK_SECS", "forever")],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("HOTLINE_SIP_AUTH_BLOCK_SECS: sip.auth.block_secs: invalid"),
        "{stderr}"
    );

    let (code, _, stderr) = run(
        dir.path(),
        &["config", "check"],
        &[("HOTLINE_SIP_LISTEN_UPD", "127.0.0.1:5060")],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("HOTLINE_SIP_LISTEN_UPD: matches no configuration key"),
        "{stderr}"
    );
}

#[test]
fn env_overrides_are_reported_as_the_source() {
    let dir = scratch();
    let (code, stdout, stderr) = run(
        dir.path(),
        &["config", "check"],
        &[
            ("HOTLINE_SIP_USERS", "1001:secret"),
            ("HOTLINE_LOG_LEVEL", "debug"),
            ("HOTLINE_TEST_PG", "postgres://ignored"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.trim(),
        "config ok: built-in defaults + HOTLINE_LOG_LEVEL + HOTLINE_SIP_USERS"
    );
    assert!(!stderr.contains("secret"), "{stderr}");
}

#[test]
fn config_default_round_trips_through_check() {
    let dir = scratch();
    let (code, default, _) = run(dir.path(), &["config", "default"], &[]);
    assert_eq!(code, 0);
    assert!(default.contains("[sip.registrar]"), "{default}");
    std::fs::write(dir.path().join("hotline.toml"), &default).expect("write");
    let (code, stdout, stderr) = run(dir.path(), &["config", "check"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "config ok: hotline.toml");
    // `config default` does not read the configuration, so it works when that is broken.
    std::fs::write(dir.path().join("hotline.toml"), "nonsense").expect("write");
    let (code, again, _) = run(dir.path(), &["config", "default"], &[]);
    assert_eq!((code, again), (0, default));
}

#[test]
fn usage_errors_exit_2() {
    let dir = scratch();
    let (code, _, _) = run(dir.path(), &["frobnicate"], &[]);
    assert_eq!(code, 2);
    let (code, _, _) = run(dir.path(), &[], &[]);
    assert_eq!(code, 2);
    let (code, stdout, _) = run(dir.path(), &["--help"], &[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("serve"), "{stdout}");
}

#[test]
fn serve_refuses_a_bad_configuration() {
    let dir = scratch();
    for (file, env) in [
        ("[media]\nrtp_ports = \"9-5\"\n", vec![]),
        ("[sip]\nlisten_udp = 5060\n", vec![]),
        ("", vec![("HOTLINE_SIP_LISTEN_UDP", "not an address")]),
        ("", vec![("HOTLINE_LOG_LEVEL", "chatty")]),
        ("", vec![("HOTLINE_SIP_USERS", "1001")]),
        ("[[sip.users]]\nusername = \"1001\"\n", vec![]),
        ("[sip\n", vec![]),
    ] {
        std::fs::write(dir.path().join("hotline.toml"), file).expect("write");
        let (code, stdout, stderr) = run(dir.path(), &["serve"], &env);
        assert_eq!(code, 2, "{file:?} {env:?}: {stderr}");
        assert!(stderr.starts_with("hotline: "), "{stderr}");
        assert!(!stdout.contains("ready"), "{stdout}");
    }
}

/// The one test that listens: `serve` on loopback port 0 reports where it listens on stdout,
/// logs (JSON here) on stderr, and is stopped.
#[test]
fn serve_starts_with_env_only_configuration() {
    // The repository's prompts (the engine refuses to start without them).
    let sounds = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../sounds")
        .to_string_lossy()
        .to_string();
    // And its IVR flows (likewise).
    let flows = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../ivr-flows")
        .to_string_lossy()
        .to_string();
    // And its QA forms (likewise).
    let forms = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../qa-forms")
        .to_string_lossy()
        .to_string();
    let dir = scratch();
    let data = dir.path().join("data");
    let data = data.to_string_lossy().into_owned();
    let mut child = hotline(
        dir.path(),
        &["serve"],
        &[
            ("HOTLINE_SIP_LISTEN_UDP", "127.0.0.1:0"),
            ("HOTLINE_SIP_LISTEN_TCP", ""),
            ("HOTLINE_HTTP_LISTEN", ""),
            ("HOTLINE_SIP_USERS", "1001:secret"),
            ("HOTLINE_MEDIA_PUBLIC_ADDRESS", "127.0.0.1"),
            ("HOTLINE_DATA_DIR", &data),
            ("HOTLINE_MEDIA_SOUNDS_DIR", &sounds),
            ("HOTLINE_IVR_FLOWS_DIR", &flows),
            ("HOTLINE_QA_FORMS_DIR", &forms),
            ("HOTLINE_LOG_FORMAT", "json"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("start hotline");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let ready = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(" ready: ") => break Some(line),
            Ok(_) => continue,
            Err(_) => break None,
        }
    };
    let _ = child.kill();
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ready = ready.unwrap_or_else(|| panic!("no ready line; stderr: {stderr}"));
    assert!(ready.contains("sip_udp=127.0.0.1:"), "{ready}");
    assert!(ready.contains("sip_tcp=off"), "{ready}");
    assert!(Path::new(&data).is_dir(), "data.dir created");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with('{') && first.contains("configuration loaded"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A flow that transfers to a queue the configuration does not define is refused by
/// `flow check` (and so at start) with the flow file and line; a bad callback route is a
/// configuration error naming its key.
#[test]
fn flows_must_transfer_to_configured_queues() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = scratch();
    let file = dir.path().join("hotline.toml");
    let base = format!(
        "[ivr]\nflows_dir = \"{}\"\n\n[media]\nsounds_dir = \"{}\"\n\n",
        repo.join("ivr-flows").display(),
        repo.join("sounds").display()
    );
    // The shipped flows transfer to general, billing, repairs and key_accounts.
    std::fs::write(
        &file,
        format!("{base}[[acd.queues]]\nname = \"general\"\n\n[[acd.queues]]\nname = \"billing\"\n"),
    )
    .expect("write");
    let path = file.to_string_lossy().into_owned();
    let (code, stdout, stderr) = run(dir.path(), &["--config", &path, "flow", "check"], &[]);
    assert_ne!(code, 0, "{stdout}");
    for needle in ["agent.yaml:", "`repairs`", "`key_accounts`", "acd.queues"] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert!(!stderr.contains("`billing`, which"), "{stderr}");
    // With the built-in queues the same flows are fine.
    std::fs::write(&file, &base).expect("write");
    let (code, stdout, stderr) = run(dir.path(), &["--config", &path, "flow", "check"], &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");

    std::fs::write(
        &file,
        "[acd]\ncallback_gateway = \"gateway.example:5060\"\ncallback_caller_id = \"96-655\"\n",
    )
    .expect("write");
    let (code, _, stderr) = run(dir.path(), &["--config", &path, "config", "check"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("acd.callback_gateway"), "{stderr}");
    assert!(stderr.contains("acd.callback_caller_id"), "{stderr}");
}

#[test]
fn a_queue_calendar_must_be_one_of_the_flows_calendars() {
    let dir = scratch();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let config = |calendar: &str| {
        let mut s = format!(
            "[ivr]\nflows_dir = \"{}\"\n\n[media]\nsounds_dir = \"{}\"\n",
            root.join("ivr-flows").display(),
            root.join("sounds").display()
        );
        for q in ["key_accounts", "billing", "repairs", "general"] {
            s.push_str(&format!("\n[[acd.queues]]\nname = \"{q}\"\n"));
        }
        s.push_str(&format!(
            "calendar = \"{calendar}\"\nafter_hours = \"queue:repairs\"\n"
        ));
        s
    };
    std::fs::write(dir.path().join("hotline.toml"), config("nights")).expect("write");
    let (code, _, stderr) = run(dir.path(), &["flow", "check"], &[]);
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains("acd.queues `general`: calendar `nights` is not in calendars.yaml"),
        "{stderr}"
    );
    std::fs::write(dir.path().join("hotline.toml"), config("office")).expect("write");
    let (code, stdout, stderr) = run(dir.path(), &["flow", "check"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("flows ok"), "{stdout}");
}
