//! `hotline recordings rekey` after a key rotation: a recording sealed under the old key is
//! sealed again under the new one (the new key given in a key file readable by its owner
//! only, the old in `HOTLINE_RECORDING_KEYS_OLD`), the same WAV inside, readable with the new
//! key alone; run again, nothing to do. Refused, changing nothing: no current key, a key file
//! others may read (the key never printed).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Cursor;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use hotline_media::recording::{
    Channels, Keyring, Recording, RecordingKey, RecordingOptions, Sealed, Side,
};

const OLD: &str = "0707070707070707070707070707070707070707070707070707070707070707";
const NEW: &str = "0808080808080808080808080808080808080808080808080808080808080808";

fn hotline(dir: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    cmd.args(["recordings", "rekey"])
        .current_dir(dir)
        .env_remove("RUST_LOG");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HOTLINE_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("HOTLINE_DATA_DIR", dir.join("data"));
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run hotline");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "hotline panicked: {stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// The WAV the sealed file holds with `keys`, if they open it.
fn unseal(path: &Path, keys: &Keyring) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let s = Sealed::open(&bytes, bytes.len() as u64, keys).ok()?;
    let mut r = Cursor::new(&bytes);
    s.verify_end(&mut r).ok()?;
    s.read_range(&mut r, 0, s.plain_len()).ok()
}

fn key(hex_byte: u8) -> RecordingKey {
    RecordingKey::from_bytes([hex_byte; 32])
}

#[test]
fn recordings_under_an_old_key_are_sealed_again_under_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let recordings = d.join("data/recordings/2026/12");
    std::fs::create_dir_all(&recordings).unwrap();
    let path = recordings.join("call-1.wav.hlenc");
    let mut o = RecordingOptions::new(Channels::Stereo);
    o.queue_chunks = 512;
    let rec = Recording::create_keyed(&path, o, Some(&key(7))).unwrap();
    let sink = rec.sink();
    for i in 0..100i16 {
        assert!(sink.push(Side::Caller, &[i; 160]));
        assert!(sink.push(Side::Agent, &[-i; 160]));
    }
    rec.close().unwrap();
    let wav = unseal(&path, &Keyring::new(Some(key(7)), vec![])).expect("sealed under the old key");
    let before = std::fs::read(&path).unwrap();

    // A key file others may read: refused, the key not shown, nothing changed.
    let key_file = d.join("new.key");
    std::fs::write(&key_file, format!("{NEW}\n")).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let file = key_file.display().to_string();
    let (code, _, err) = hotline(
        d,
        &[
            ("HOTLINE_RECORDING_KEY_FILE", &file),
            ("HOTLINE_RECORDING_KEYS_OLD", OLD),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("HOTLINE_RECORDING_KEY_FILE") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(
        !err.contains(NEW) && !err.contains(OLD),
        "a key leaks: {err}"
    );
    // No current key: refused.
    let (code, _, err) = hotline(d, &[("HOTLINE_RECORDING_KEYS_OLD", OLD)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no current key"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing changed");

    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let env = [
        ("HOTLINE_RECORDING_KEY_FILE", file.as_str()),
        ("HOTLINE_RECORDING_KEYS_OLD", OLD),
    ];
    let (code, out, err) = hotline(d, &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("rekeyed ") && out.contains("call-1.wav.hlenc"),
        "{out}"
    );
    assert!(
        out.contains("1 rekeyed, 0 under the current key already"),
        "{out}"
    );
    assert!(
        !out.contains(NEW) && !out.contains(OLD),
        "a key leaks: {out}"
    );
    let again = unseal(&path, &Keyring::new(Some(key(8)), vec![]))
        .expect("readable with the new key alone");
    assert_eq!(again, wav, "the same WAV inside");
    assert!(unseal(&path, &Keyring::new(Some(key(7)), vec![])).is_none());
    let (code, out, _) = hotline(d, &env);
    assert_eq!(code, 0);
    assert!(
        out.contains("0 rekeyed, 1 under the current key already"),
        "{out}"
    );
}
