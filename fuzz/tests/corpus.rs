//! Replays every seed corpus (`corpus/<target>/`) and every crash regression input
//! (`regressions/<target>/`) through the targets' bodies: plain `cargo test`, no libFuzzer,
//! so it runs on the stable toolchain everywhere. A panic fails the test, naming the file.

use std::path::Path;

fn replay(target: &str, body: fn(&[u8]), min_seeds: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = 0;
    for folder in ["corpus", "regressions"] {
        let dir = root.join(folder).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).expect("readable");
            let name = file.display().to_string();
            if std::panic::catch_unwind(|| body(&data)).is_err() {
                panic!("{target} panics on {name}");
            }
            if folder == "corpus" {
                seeds += 1;
            }
        }
    }
    assert!(seeds >= min_seeds, "{target}: only {seeds} seeds");
}

#[test]
fn sdp_corpus() {
    replay("sdp", hotline_fuzz::sdp, 5);
}

#[test]
fn ivr_flow_corpus() {
    replay("ivr_flow", hotline_fuzz::ivr_flow, 10);
}

#[test]
fn ivr_expr_corpus() {
    replay("ivr_expr", hotline_fuzz::ivr_expr, 20);
}
