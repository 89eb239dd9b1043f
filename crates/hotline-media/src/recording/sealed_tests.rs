//! Tests of keyed recordings: the writer with a key writes the very WAV the plain writer
//! writes, sealed, and no plaintext audio reaches the disk; a keyed recording cut off by a
//! crash is closed by repair, losing less than one chunk.

use std::fs;
use std::io::Cursor;
use std::path::Path;

use super::*;
use crate::prompt::FRAME_SAMPLES;

fn key(n: u8) -> RecordingKey {
    RecordingKey::from_bytes([n; 32])
}

/// Two seconds of both sides: a recognisable, never-silent pattern per side.
fn feed(rec: &Recording) {
    let sink = rec.sink();
    for i in 0..100i32 {
        let caller: Vec<i16> = (0..FRAME_SAMPLES as i32)
            .map(|k| (1000 + i * 37 + k * 11) as i16)
            .collect();
        let agent: Vec<i16> = caller.iter().map(|s| s.wrapping_mul(-3)).collect();
        assert!(sink.push(Side::Caller, &caller));
        assert!(sink.push(Side::Agent, &agent));
    }
}

fn options(channels: Channels) -> RecordingOptions {
    let mut o = RecordingOptions::new(channels);
    o.queue_chunks = 256; // room for all of it: the test pushes faster than real time
    o
}

/// The WAV a sealed file holds, read whole.
fn unseal(path: &Path, keys: &Keyring) -> Result<Vec<u8>, SealError> {
    let bytes = fs::read(path)?;
    let s = Sealed::open(&bytes, bytes.len() as u64, keys)?;
    let mut r = Cursor::new(&bytes);
    s.verify_end(&mut r)?;
    s.read_range(&mut r, 0, s.plain_len())
}

#[test]
fn a_keyed_recording_is_the_plain_wav_sealed_with_no_plaintext_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let k = key(1);
    let keys = Keyring::new(Some(k.clone()), vec![]);
    for channels in [Channels::Stereo, Channels::Mono] {
        let plain_path = dir.path().join(format!("{channels:?}.wav"));
        let sealed_path = dir.path().join(format!("{channels:?}.wav.hlenc"));
        let plain = Recording::create_with(&plain_path, options(channels)).unwrap();
        let sealed = Recording::create_keyed(&sealed_path, options(channels), Some(&k)).unwrap();
        feed(&plain);
        feed(&sealed);
        let (a, b) = (plain.close().unwrap(), sealed.close().unwrap());
        assert_eq!(a.samples, 16_000);
        assert_eq!(b.samples, a.samples);
        let wav = fs::read(&plain_path).unwrap();
        assert_eq!(
            unseal(&sealed_path, &keys).unwrap(),
            wav,
            "{channels:?}: the sealed file holds the plain WAV, byte for byte"
        );
        let on_disk = fs::read(&sealed_path).unwrap();
        assert!(hound::WavReader::open(&sealed_path).is_err(), "not a WAV");
        assert!(!on_disk.windows(4).any(|w| w == b"RIFF" || w == b"data"));
        // No 16-byte run of the PCM (every one of them differs: the pattern never repeats
        // within 16 bytes) is anywhere in the file.
        let pcm = &wav[44..];
        for probe in pcm.chunks_exact(16).step_by(7) {
            assert!(
                !on_disk.windows(16).any(|w| w == probe),
                "{channels:?}: plaintext audio on disk"
            );
        }
    }
}

#[test]
fn a_keyed_recording_under_an_unknown_key_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.wav.hlenc");
    let rec = Recording::create_keyed(&path, options(Channels::Stereo), Some(&key(2))).unwrap();
    feed(&rec);
    rec.close().unwrap();
    let other = Keyring::new(Some(key(3)), vec![]);
    let err = unseal(&path, &other).unwrap_err();
    assert!(err.to_string().contains(&key(2).id().to_string()), "{err}");
    let rotated = Keyring::new(Some(key(3)), vec![key(2)]);
    assert!(unseal(&path, &rotated).is_ok());
}

#[test]
fn a_keyed_recording_cut_off_mid_call_is_closed_by_repair() {
    let dir = tempfile::tempdir().unwrap();
    let k = key(4);
    let keys = Keyring::new(Some(k.clone()), vec![]);
    let path = dir.path().join("crash.wav.hlenc");
    let rec = Recording::create_keyed(&path, options(Channels::Stereo), Some(&k)).unwrap();
    feed(&rec);
    rec.close().unwrap();
    let whole = unseal(&path, &keys).unwrap();
    let bytes = fs::read(&path).unwrap();
    let step = sealed::DEFAULT_CHUNK as usize + sealed::TAG_LEN;
    // The crash: 2 whole chunks on disk, the 3rd written in part, the rest never sealed.
    let cut = sealed::HEADER_LEN + 2 * step + 1000;
    assert!(
        bytes.len() > cut + step,
        "the test recording spans 4 chunks"
    );
    fs::write(&path, &bytes[..cut]).unwrap();
    assert!(unseal(&path, &keys).is_err(), "a cut file is refused");
    let report = repair_dir(dir.path(), &keys);
    assert_eq!(report.len(), 1, "{report:?}");
    let kept = 2 * sealed::DEFAULT_CHUNK as u64;
    assert_eq!(
        report[0].outcome,
        RepairOutcome::Closed {
            chunks: 2,
            plain_bytes: kept,
            cut_bytes: 1000,
        }
    );
    let repaired = unseal(&path, &keys).unwrap();
    assert_eq!(repaired.len() as u64, kept);
    // The audio up to the last whole chunk is all there; the header's sizes say so.
    assert_eq!(repaired[44..], whole[44..kept as usize]);
    let wav = hound::WavReader::new(Cursor::new(&repaired)).unwrap();
    assert_eq!(u64::from(wav.len()) * 2, kept - 44);
    // Repaired once: intact from then on.
    assert!(repair_dir(dir.path(), &keys).is_empty());
    // Without the key, repair says so and leaves the file alone.
    let before = fs::read(&path).unwrap();
    let report = repair_dir(dir.path(), &Keyring::default());
    assert!(
        matches!(&report[0].outcome, RepairOutcome::Failed(why) if why.contains("not among the keys")),
        "{report:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn repair_cut_short_itself_or_with_nothing_whole_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let k = key(5);
    let keys = Keyring::new(None, vec![k.clone()]); // an older key repairs too
    let path = dir.path().join("r.wav.hlenc");
    let rec = Recording::create_keyed(&path, options(Channels::Stereo), Some(&k)).unwrap();
    feed(&rec);
    rec.close().unwrap();
    let bytes = fs::read(&path).unwrap();
    let step = sealed::DEFAULT_CHUNK as usize + sealed::TAG_LEN;
    // A repair that resealed chunk 1 as the last but died before cutting the file.
    fs::write(&path, &bytes[..sealed::HEADER_LEN + 2 * step + 5]).unwrap();
    let first = repair_sealed(&path, &keys);
    assert!(matches!(
        first.outcome,
        RepairOutcome::Closed { chunks: 2, .. }
    ));
    let closed = fs::read(&path).unwrap();
    let mut half_done = closed.clone();
    half_done.extend_from_slice(&bytes[closed.len()..closed.len() + 300]);
    fs::write(&path, &half_done).unwrap();
    let again = repair_sealed(&path, &keys);
    assert_eq!(
        again.outcome,
        RepairOutcome::Closed {
            chunks: 2,
            plain_bytes: 2 * u64::from(sealed::DEFAULT_CHUNK),
            cut_bytes: 300,
        }
    );
    assert_eq!(
        fs::read(&path).unwrap(),
        closed,
        "the same bytes as the first repair"
    );
    // Cut before the first chunk was sealed: nothing to recover, said and left alone.
    let early = &bytes[..sealed::HEADER_LEN + 100];
    fs::write(&path, early).unwrap();
    let nothing = repair_sealed(&path, &keys);
    assert!(
        matches!(&nothing.outcome, RepairOutcome::Failed(why) if why.contains("no audio")),
        "{nothing:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), early);
    // A whole chunk that fails authentication is not a crash cut: left alone.
    let mut bad = bytes[..sealed::HEADER_LEN + 2 * step].to_vec();
    bad[sealed::HEADER_LEN + step + 9] ^= 4;
    fs::write(&path, &bad).unwrap();
    let refused = repair_sealed(&path, &keys);
    assert!(
        matches!(&refused.outcome, RepairOutcome::Failed(why) if why.contains("authentication")),
        "{refused:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), bad);
}
