//! Tests of header repair: files written by hound, then cut or corrupted as a crash would.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::*;

fn spec(channels: u16) -> hound::WavSpec {
    hound::WavSpec {
        channels,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

fn samples(n: usize) -> Vec<i16> {
    (0..n).map(|i| (i as i16).wrapping_mul(331)).collect()
}

fn write_wav(path: &Path, channels: u16, data: &[i16]) {
    let mut w = hound::WavWriter::create(path, spec(channels)).unwrap();
    for &s in data {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

fn read(path: &Path) -> Vec<i16> {
    let mut r = hound::WavReader::open(path).unwrap();
    r.samples::<i16>().map(Result::unwrap).collect()
}

/// Overwrites the RIFF size (offset 4) and hound's data size (offset 40).
fn set_sizes(path: &Path, riff: u32, data: u32) {
    let mut bytes = fs::read(path).unwrap();
    bytes[4..8].copy_from_slice(&riff.to_le_bytes());
    bytes[40..44].copy_from_slice(&data.to_le_bytes());
    fs::write(path, bytes).unwrap();
}

#[test]
fn sizes_zeroed_by_a_crash_before_the_first_flush_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    for channels in [1, 2] {
        let path = dir.path().join(format!("crash{channels}.wav"));
        let data = samples(2000);
        write_wav(&path, channels, &data);
        set_sizes(&path, 0, 0);
        assert_eq!(
            hound::WavReader::open(&path).unwrap().len(),
            0,
            "hound sees nothing"
        );
        let report = repair_file(&path);
        assert_eq!(
            report.outcome,
            RepairOutcome::Repaired {
                old_data_bytes: 0,
                data_bytes: 4000,
                truncated_bytes: 0
            }
        );
        assert_eq!(read(&path), data);
        assert_eq!(repair_file(&path).outcome, RepairOutcome::Intact);
    }
}

#[test]
fn audio_after_the_last_flush_is_kept_and_a_partial_frame_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.wav");
    let data = samples(1000); // stereo: 500 frames of 4 bytes
    write_wav(&path, 2, &data);
    // As at a flush after 100 frames; then 3 bytes of a frame the crash cut in half.
    set_sizes(&path, 36 + 400, 400);
    let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(&[1, 2, 3]).unwrap();
    drop(f);
    let report = repair_file(&path);
    assert_eq!(
        report.outcome,
        RepairOutcome::Repaired {
            old_data_bytes: 400,
            data_bytes: 2000,
            truncated_bytes: 3
        }
    );
    assert!(report
        .to_string()
        .contains("repaired, data 400 -> 2000 bytes"));
    assert_eq!(fs::metadata(&path).unwrap().len(), 44 + 2000);
    assert_eq!(read(&path), data);
}

#[test]
fn a_real_crash_leaves_a_readable_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.wav");
    let data = samples(20_000);
    let file = fs::File::create(&path).unwrap();
    let mut w = hound::WavWriter::new(BufWriter::new(file), spec(1)).unwrap();
    for (i, &s) in data.iter().enumerate() {
        w.write_sample(s).unwrap();
        if i == 7999 {
            w.flush().unwrap();
        }
    }
    // The process dies: no finalize, and what sits in the BufWriter never reaches the disk.
    std::mem::forget(w);
    assert_eq!(hound::WavReader::open(&path).unwrap().len(), 8000);
    let report = repair_file(&path);
    assert!(
        matches!(report.outcome, RepairOutcome::Repaired { .. }),
        "{report}"
    );
    let got = read(&path);
    assert!(got.len() > 8000 && got.len() <= data.len(), "{}", got.len());
    assert_eq!(got, data[..got.len()]);
}

#[test]
fn intact_files_are_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.wav");
    write_wav(&path, 1, &samples(321));
    let before = fs::read(&path).unwrap();
    let report = repair_file(&path);
    assert_eq!(report.outcome, RepairOutcome::Intact);
    assert!(report.to_string().ends_with("ok.wav: intact"));
    assert_eq!(fs::read(&path).unwrap(), before);
    // An empty recording (header only) is intact too.
    let empty = dir.path().join("empty.wav");
    write_wav(&empty, 2, &[]);
    assert_eq!(repair_file(&empty).outcome, RepairOutcome::Intact);
}

#[test]
fn chunks_before_the_data_are_walked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.wav");
    write_wav(&path, 1, &samples(100));
    let bytes = fs::read(&path).unwrap();
    // Insert a LIST chunk between fmt and data (even-sized: hound ignores RIFF padding).
    let mut patched = bytes[..36].to_vec();
    patched.extend_from_slice(b"LIST");
    patched.extend_from_slice(&6u32.to_le_bytes());
    patched.extend_from_slice(b"hello\0");
    patched.extend_from_slice(b"data");
    patched.extend_from_slice(&0u32.to_le_bytes());
    patched.extend_from_slice(&bytes[44..]);
    patched[4..8].copy_from_slice(&0u32.to_le_bytes());
    fs::write(&path, patched).unwrap();
    let report = repair_file(&path);
    assert!(
        matches!(
            report.outcome,
            RepairOutcome::Repaired {
                data_bytes: 200,
                ..
            }
        ),
        "{report}"
    );
    assert_eq!(read(&path), samples(100));
}

#[test]
fn what_is_not_a_wav_is_reported_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("empty.wav", b"", "empty file"),
        ("text.wav", b"hello, not audio", "not a RIFF/WAVE file"),
        (
            "short.wav",
            b"RIFF\0\0\0\0WAVEfmt ",
            "no data chunk in the header",
        ),
        (
            "nofmt.wav",
            b"RIFF\0\0\0\0WAVEdata\0\0\0\0\x01\x02",
            "no fmt chunk before the data",
        ),
        (
            "badfmt.wav",
            b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\0\0\x40\x1f\0\0\0\0\0\0\0\0\x10\0data\0\0\0\0",
            "invalid fmt chunk",
        ),
    ];
    for (name, bytes, why) in cases {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let report = repair_file(&path);
        match &report.outcome {
            RepairOutcome::Failed(reason) => assert!(reason.starts_with(why), "{name}: {reason}"),
            other => panic!("{name}: {other:?}"),
        }
        assert!(report.to_string().contains("cannot repair"));
        assert_eq!(fs::read(&path).unwrap(), bytes, "{name} untouched");
    }
    let missing = repair_file(&dir.path().join("nope.wav"));
    assert!(
        matches!(missing.outcome, RepairOutcome::Failed(ref r) if r.starts_with("cannot open"))
    );
}

#[test]
fn repair_dir_reports_only_what_it_fixed_or_could_not() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("2024-05-01")).unwrap();
    write_wav(&root.join("a_ok.wav"), 2, &samples(64));
    write_wav(&root.join("2024-05-01/b_crash.WAV"), 2, &samples(64));
    set_sizes(&root.join("2024-05-01/b_crash.WAV"), 0, 0);
    write_wav(&root.join("c_crash.wav"), 1, &samples(64));
    set_sizes(&root.join("c_crash.wav"), 0, 0);
    fs::write(root.join("d_junk.wav"), b"junk").unwrap();
    fs::write(root.join("e_notes.txt"), b"not a wav, not looked at").unwrap();
    let reports = repair_dir(root, &Keyring::default());
    let names: Vec<String> = reports
        .iter()
        .map(|r| r.path.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        ["2024-05-01/b_crash.WAV", "c_crash.wav", "d_junk.wav"]
    );
    assert!(matches!(reports[0].outcome, RepairOutcome::Repaired { .. }));
    assert!(matches!(reports[2].outcome, RepairOutcome::Failed(_)));
    assert_eq!(read(&root.join("c_crash.wav")), samples(64));
    assert!(repair_dir(root, &Keyring::default())
        .iter()
        .all(|r| r.path.ends_with("d_junk.wav")));
    let gone = repair_dir(&root.join("missing"), &Keyring::default());
    assert_eq!(gone.len(), 1);
    assert!(
        matches!(gone[0].outcome, RepairOutcome::Failed(ref r) if r.starts_with("cannot read folder"))
    );
}
