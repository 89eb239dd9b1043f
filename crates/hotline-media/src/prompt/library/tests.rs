//! Tests of the prompt library: WAV files written with hound into temporary folders.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::g711;
use crate::sdp::Codec;

fn spec(channels: u16, rate: u32, bits: u16, format: hound::SampleFormat) -> hound::WavSpec {
    hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: format,
    }
}

fn good_spec() -> hound::WavSpec {
    spec(1, 8000, 16, hound::SampleFormat::Int)
}

fn write_wav(path: &Path, spec: hound::WavSpec, samples: &[i16]) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Float, _) => w.write_sample(f32::from(s) / 32768.0).unwrap(),
            (_, 8) => w.write_sample((s >> 8) as i8).unwrap(),
            (_, 16) => w.write_sample(s).unwrap(),
            _ => w.write_sample(i32::from(s)).unwrap(),
        }
    }
    w.finalize().unwrap();
}

fn ramp(n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| ((i * 97) % 20_000) as i16 - 10_000)
        .collect()
}

fn errors_of(root: &Path, langs: &[&str]) -> Vec<(String, String)> {
    let err = PromptLibrary::load(root, langs).unwrap_err();
    err.errors
        .iter()
        .map(|e| {
            let rel = e.path.strip_prefix(root).unwrap().display().to_string();
            (rel, e.kind.to_string())
        })
        .collect()
}

#[test]
fn loads_every_language_once_with_both_encodings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let pcm = ramp(1234);
    write_wav(&root.join("en/digit_0.wav"), good_spec(), &pcm);
    write_wav(&root.join("en/bill_for.wav"), good_spec(), &ramp(800));
    write_wav(&root.join("zh/digit_0.wav"), good_spec(), &ramp(10));
    let lib = PromptLibrary::load(root, &["en", "zh"]).unwrap();
    assert_eq!(lib.len(), 3);
    assert_eq!(lib.languages(), ["en", "zh"]);
    assert_eq!(lib.names("en"), ["bill_for", "digit_0"]);
    assert!(lib.names("fr").is_empty());
    let p = lib.get("en", "digit_0").unwrap();
    assert_eq!((p.lang(), p.name()), ("en", "digit_0"));
    assert_eq!(p.pcm(), &pcm[..]);
    let (mut ulaw, mut alaw) = (Vec::new(), Vec::new());
    g711::encode(Codec::Pcmu, &pcm, &mut ulaw);
    g711::encode(Codec::Pcma, &pcm, &mut alaw);
    assert_eq!(p.encoded(Codec::Pcmu), &ulaw[..]);
    assert_eq!(p.encoded(Codec::Pcma), &alaw[..]);
    // Shared, not copied: every lookup hands out the same allocation.
    assert!(Arc::ptr_eq(&p, &lib.get("en", "digit_0").unwrap()));
    assert_eq!(lib.get("zh", "digit_0").unwrap().samples(), 10);
    assert!(lib.get("zh", "bill_for").is_none());
    assert!(lib.get("fr", "digit_0").is_none());
    assert_eq!(lib.memory_bytes(), 4 * (1234 + 800 + 10));
}

#[test]
fn ignores_what_is_not_a_flat_wav_and_matches_the_extension_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_wav(&root.join("en/yes.WAV"), good_spec(), &ramp(5));
    write_wav(&root.join("en/sub/deeper.wav"), good_spec(), &ramp(5));
    write_wav(&root.join("en/.hidden.wav"), good_spec(), &ramp(5));
    fs::create_dir_all(root.join("en/folder.wav")).unwrap();
    fs::write(root.join("en/README.md"), "prompts").unwrap();
    fs::write(root.join("en/.wav"), "").unwrap();
    fs::write(root.join("en/notes.txt"), "").unwrap();
    let lib = PromptLibrary::load(root, &["en"]).unwrap();
    assert_eq!(lib.names("en"), ["yes"]);
}

#[test]
fn every_bad_file_is_named_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let int = hound::SampleFormat::Int;
    write_wav(&root.join("zh/ok.wav"), good_spec(), &ramp(100));
    write_wav(
        &root.join("zh/digit_0.wav"),
        spec(1, 16000, 16, int),
        &ramp(100),
    );
    write_wav(
        &root.join("zh/stereo.wav"),
        spec(2, 8000, 16, int),
        &ramp(100),
    );
    write_wav(
        &root.join("zh/eight_bit.wav"),
        spec(1, 8000, 8, int),
        &ramp(100),
    );
    write_wav(
        &root.join("zh/wide.wav"),
        spec(1, 8000, 24, int),
        &ramp(100),
    );
    let float = spec(1, 8000, 32, hound::SampleFormat::Float);
    write_wav(&root.join("zh/float.wav"), float, &ramp(100));
    write_wav(
        &root.join("zh/all_wrong.wav"),
        spec(2, 44100, 8, int),
        &ramp(100),
    );
    write_wav(&root.join("zh/silent.wav"), good_spec(), &[]);
    fs::write(root.join("zh/empty.wav"), b"").unwrap();
    fs::write(root.join("zh/text.wav"), b"this is not audio at all").unwrap();
    fs::write(root.join("zh/short.wav"), b"RIFF\x10\0\0\0WAVEfm").unwrap();
    let got = errors_of(root, &["zh"]);
    let want = [
        ("zh/all_wrong.wav", "sample rate 44100 Hz, need 8000, 2 channels, need 1 (mono), 8-bit samples, need 16-bit"),
        ("zh/digit_0.wav", "sample rate 16000 Hz, need 8000"),
        ("zh/eight_bit.wav", "8-bit samples, need 16-bit"),
        ("zh/empty.wav", "empty file"),
        ("zh/float.wav", "32-bit float samples, need 16-bit integer PCM"),
        ("zh/short.wav", "not a WAV file (file ends inside the header)"),
        ("zh/silent.wav", "no audio (0 samples)"),
        ("zh/stereo.wav", "2 channels, need 1 (mono)"),
        ("zh/text.wav", "not a WAV file (no RIFF tag found)"),
        ("zh/wide.wav", "24-bit samples, need 16-bit"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn error_message_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sounds");
    let int = hound::SampleFormat::Int;
    write_wav(
        &root.join("zh/digit_0.wav"),
        spec(1, 16000, 16, int),
        &ramp(10),
    );
    let err = PromptLibrary::load(&root, &["zh"]).unwrap_err();
    let path = root.join("zh").join("digit_0.wav");
    assert_eq!(
        err.to_string(),
        format!("{}: sample rate 16000 Hz, need 8000", path.display())
    );
    fs::write(root.join("zh/a.wav"), b"").unwrap();
    let err = PromptLibrary::load(&root, &["zh"]).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("2 unusable prompt files or folders:\n  "),
        "{text}"
    );
    assert!(text.contains("a.wav: empty file"), "{text}");
}

#[test]
fn truncated_data_and_foreign_encodings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let path = root.join("en/cut.wav");
    write_wav(&path, good_spec(), &ramp(1000));
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 501]).unwrap();
    // A µ-law WAV (format tag 7): hound reads only PCM and float.
    let mut ulaw = Vec::new();
    ulaw.extend_from_slice(b"RIFF");
    ulaw.extend_from_slice(&(4u32 + 8 + 16 + 8 + 4).to_le_bytes());
    ulaw.extend_from_slice(b"WAVEfmt ");
    ulaw.extend_from_slice(&16u32.to_le_bytes());
    for v in [7u16, 1] {
        ulaw.extend_from_slice(&v.to_le_bytes());
    }
    ulaw.extend_from_slice(&8000u32.to_le_bytes());
    ulaw.extend_from_slice(&8000u32.to_le_bytes());
    for v in [1u16, 8] {
        ulaw.extend_from_slice(&v.to_le_bytes());
    }
    ulaw.extend_from_slice(b"data");
    ulaw.extend_from_slice(&4u32.to_le_bytes());
    ulaw.extend_from_slice(&[0xFF; 4]);
    fs::write(root.join("en/mulaw.wav"), &ulaw).unwrap();
    let got = errors_of(root, &["en"]);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "en/cut.wav");
    assert!(
        got[0]
            .1
            .starts_with("bad sample data: header says 1000 samples, file ends after 749"),
        "{got:?}"
    );
    assert_eq!(got[1].0, "en/mulaw.wav");
    assert_eq!(
        got[1].1,
        "unsupported WAV encoding, need 16-bit integer PCM"
    );
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("en")).unwrap();
    let f = fs::File::create(root.join("en/huge.wav")).unwrap();
    f.set_len(MAX_PROMPT_BYTES + 1).unwrap(); // sparse: costs no disk
    let got = errors_of(root, &["en"]);
    assert_eq!(got.len(), 1);
    assert!(
        got[0].1.starts_with("file too large (67108865 bytes"),
        "{got:?}"
    );
}

#[test]
fn missing_or_bad_language_folders_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_wav(&root.join("en/a.wav"), good_spec(), &ramp(5));
    fs::write(root.join("fr"), "a file, not a folder").unwrap();
    let got = errors_of(root, &["en", "zh", "fr", "../en", ""]);
    let kinds: Vec<&str> = got.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "not a directory",
            "not a directory",
            "language name must be letters, digits, `-` or `_`",
            "language name must be letters, digits, `-` or `_`",
        ]
    );
    assert_eq!(got[0].0, "zh");
}

#[cfg(target_os = "linux")]
#[test]
fn same_name_in_two_cases_and_non_utf8_names_are_errors() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_wav(&root.join("en/a.WAV"), good_spec(), &ramp(5));
    write_wav(&root.join("en/a.wav"), good_spec(), &ramp(5));
    let odd = root.join("en").join(OsStr::from_bytes(b"caf\xe9.wav"));
    write_wav(&odd, good_spec(), &ramp(5));
    let got = errors_of(root, &["en"]);
    let kinds: Vec<&str> = got.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "duplicate prompt name `a` (the same name with another extension case)",
            "file name is not valid UTF-8",
        ]
    );
}

#[test]
fn require_lists_every_missing_prompt_once() {
    let mut lib = PromptLibrary::new();
    assert!(lib.is_empty());
    lib.insert(Prompt::from_pcm("en", "digit_0", vec![1, 2, 3]));
    lib.insert(Prompt::from_pcm("zh", "digit_0", vec![1]));
    assert_eq!(lib.len(), 2);
    assert!(lib.require(&[]).is_ok());
    assert!(lib.require(&[("en", "digit_0"), ("zh", "digit_0")]).is_ok());
    let missing = lib
        .require(&[
            ("en", "digit_0"),
            ("en", "bill_for"),
            ("zh", "bill_for"),
            ("fr", "digit_0"),
            ("en", "bill_for"),
        ])
        .unwrap_err();
    let text: Vec<String> = missing.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        ["en/bill_for.wav", "zh/bill_for.wav", "fr/digit_0.wav"]
    );
    assert_eq!(
        missing[0],
        MissingPrompt {
            lang: "en".into(),
            name: "bill_for".into()
        }
    );
}

#[test]
fn insert_replaces_and_returns_the_shared_prompt() {
    let mut lib = PromptLibrary::new();
    let first = lib.insert(Prompt::from_pcm("en", "x", vec![1]));
    let second = lib.insert(Prompt::from_pcm("en", "x", vec![1, 2]));
    assert_eq!(lib.len(), 1);
    assert_eq!(first.samples(), 1);
    assert!(Arc::ptr_eq(&second, &lib.get("en", "x").unwrap()));
}

#[test]
fn two_hundred_prompts_load() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for lang in ["en", "zh"] {
        for i in 0..100 {
            let name = format!("{lang}/p_{i:03}.wav");
            write_wav(&root.join(name), good_spec(), &ramp(8000 + i));
        }
    }
    let lib = PromptLibrary::load(root, &["en", "zh"]).unwrap();
    assert_eq!(lib.len(), 200);
    let samples: usize = (0..100).map(|i| 8000 + i).sum::<usize>() * 2;
    assert_eq!(lib.memory_bytes(), samples * 4);
}

#[test]
fn decode_wav_reads_from_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.wav");
    write_wav(&path, good_spec(), &[5, -5, 7]);
    let bytes = fs::read(&path).unwrap();
    assert_eq!(decode_wav(&bytes).unwrap(), [5, -5, 7]);
    assert!(matches!(decode_wav(&[]), Err(PromptErrorKind::Empty)));
}
