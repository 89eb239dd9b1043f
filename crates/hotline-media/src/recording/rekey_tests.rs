//! Tests of rekeying: a recording sealed under an old key is sealed again under the current
//! one with the very same WAV inside, the old key no longer needed to read it; current and
//! plain files are left alone; a file not closed (being recorded, or cut off and not repaired)
//! is refused and left as it was; without a current key nothing is written.

use std::fs;
use std::io::Cursor;
use std::path::Path;

use super::*;
use crate::prompt::FRAME_SAMPLES;

fn key(n: u8) -> RecordingKey {
    RecordingKey::from_bytes([n; 32])
}

/// Three seconds of both sides, a pattern per side.
fn recorded(path: &Path, key: Option<&RecordingKey>) {
    let mut o = RecordingOptions::new(Channels::Stereo);
    o.queue_chunks = 512;
    let rec = match key {
        Some(k) => Recording::create_keyed(path, o, Some(k)).unwrap(),
        None => Recording::create_with(path, o).unwrap(),
    };
    let sink = rec.sink();
    for i in 0..150i32 {
        let caller: Vec<i16> = (0..FRAME_SAMPLES as i32)
            .map(|k| (500 + i * 13 + k * 7) as i16)
            .collect();
        let agent: Vec<i16> = caller.iter().map(|s| s.wrapping_mul(-5)).collect();
        assert!(sink.push(Side::Caller, &caller));
        assert!(sink.push(Side::Agent, &agent));
    }
    rec.close().unwrap();
}

/// The WAV a sealed file holds, and the key it names.
fn unseal(path: &Path, keys: &Keyring) -> Result<(Vec<u8>, KeyId), SealError> {
    let bytes = fs::read(path)?;
    let s = Sealed::open(&bytes, bytes.len() as u64, keys)?;
    let mut r = Cursor::new(&bytes);
    s.verify_end(&mut r)?;
    Ok((s.read_range(&mut r, 0, s.plain_len())?, s.key_id()))
}

#[test]
fn a_recording_under_an_old_key_is_sealed_again_under_the_current_one() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (key(7), key(8));
    let old_path = dir.path().join("a/old.wav.hlenc");
    let new_path = dir.path().join("new.wav.hlenc");
    let plain_path = dir.path().join("plain.wav");
    fs::create_dir_all(dir.path().join("a")).unwrap();
    recorded(&old_path, Some(&old));
    recorded(&new_path, Some(&new));
    recorded(&plain_path, None);
    let before_old = fs::read(&old_path).unwrap();
    let (wav, id) = unseal(&old_path, &Keyring::new(Some(old.clone()), vec![])).unwrap();
    assert_eq!(id, old.id());
    let before_new = fs::read(&new_path).unwrap();
    let before_plain = fs::read(&plain_path).unwrap();

    let rotated = Keyring::new(Some(new.clone()), vec![old.clone()]);
    let mut report = rekey_dir(dir.path(), &rotated);
    report.sort_by(|a, b| a.path.cmp(&b.path));
    let outcomes: Vec<(String, RekeyOutcome)> = report
        .iter()
        .map(|r| {
            let name = r
                .path
                .strip_prefix(dir.path())
                .unwrap()
                .display()
                .to_string();
            (name, r.outcome.clone())
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (
                "a/old.wav.hlenc".to_string(),
                RekeyOutcome::Rekeyed {
                    from: old.id(),
                    plain_bytes: wav.len() as u64
                }
            ),
            ("new.wav.hlenc".to_string(), RekeyOutcome::Current),
            ("plain.wav".to_string(), RekeyOutcome::Plain),
        ]
    );
    // The same WAV, under the new key alone; the old bytes are gone.
    let (again, id) = unseal(&old_path, &Keyring::new(Some(new.clone()), vec![])).unwrap();
    assert_eq!(id, new.id());
    assert_eq!(again, wav, "the very same WAV inside");
    assert_ne!(fs::read(&old_path).unwrap(), before_old);
    assert!(
        unseal(&old_path, &Keyring::new(Some(old.clone()), vec![])).is_err(),
        "the old key reads it no more"
    );
    hound::WavReader::new(Cursor::new(&again)).unwrap();
    assert_eq!(fs::read(&new_path).unwrap(), before_new, "left alone");
    assert_eq!(fs::read(&plain_path).unwrap(), before_plain, "left alone");
    assert!(
        !dir.path().join("a/old.wav.hlenc.rekey").exists(),
        "no temporary left"
    );
    // Again: nothing to do.
    assert!(rekey_dir(dir.path(), &rotated)
        .iter()
        .all(|r| matches!(r.outcome, RekeyOutcome::Current | RekeyOutcome::Plain)));
}

#[test]
fn a_file_not_closed_or_a_keyring_without_a_current_key_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (key(3), key(4));
    let path = dir.path().join("cut.wav.hlenc");
    recorded(&path, Some(&old));
    let bytes = fs::read(&path).unwrap();
    // Cut off mid-chunk, as by a crash (not repaired yet): refused, left as it was.
    let cut = sealed::HEADER_LEN + 2 * (sealed::DEFAULT_CHUNK as usize + sealed::TAG_LEN) + 500;
    fs::write(&path, &bytes[..cut]).unwrap();
    let rotated = Keyring::new(Some(new.clone()), vec![old.clone()]);
    match rekey_file(&path, &rotated) {
        RekeyOutcome::Failed(why) => assert!(why.contains("not closed"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(&path).unwrap(), &bytes[..cut]);
    // No current key: nothing to seal under.
    fs::write(&path, &bytes).unwrap();
    match rekey_file(&path, &Keyring::new(None, vec![old.clone()])) {
        RekeyOutcome::Failed(why) => assert!(why.contains("no current key"), "{why}"),
        other => panic!("{other:?}"),
    }
    // A key the keyring does not hold: named, unchanged.
    match rekey_file(&path, &Keyring::new(Some(new), vec![])) {
        RekeyOutcome::Failed(why) => assert!(why.contains("not among the keys"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(&path).unwrap(), bytes);
}
