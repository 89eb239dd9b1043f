//! End-to-end encryption at rest: the real engine with `HOTLINE_RECORDING_KEY` records an ACD
//! call with tones (the caller's 400 Hz, the agent's 1400 Hz) into a `.wav.hlenc` file that is
//! not a WAV and holds no plaintext audio; `GET /api/calls/{id}/recording` serves the WAV it
//! holds (the caller's tone alone on the left, the agent's alone on the right), and a range
//! across a chunk boundary byte-equal to the same slice of the whole; the key never shows in
//! the engine's output. A bad key refuses the start, naming the variable, never the value.

use std::collections::HashSet;
use std::process::{Command, Stdio};

use hotline_e2e::{
    binary, recorded_tone_call, start_general_queue, stereo_tone_blocks, Budget, Desk, PATIENCE,
};
use hotline_media::recording::sealed::{DEFAULT_CHUNK, MAGIC};

const CALLER_HZ: f64 = 400.0;
const AGENT_HZ: f64 = 1400.0;
/// 20 ms frames of tone each side sends.
const TONE_FRAMES: u32 = 75;
/// A tone of amplitude 8000 over 160 samples has power ≈ (8000·80)² = 4·10¹¹.
const PRESENT: f64 = 1e10;

/// A fresh random 256-bit key, as 64 hex digits.
fn hex_key() -> String {
    (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

#[tokio::test]
async fn an_encrypted_recording_is_not_plaintext_on_disk_and_plays_as_its_wav() {
    let key = hex_key();
    let (engine, dir) = start_general_queue(
        "hotline-rec-enc-e2e",
        &[
            ("HOTLINE_SIP_USERS", "1001:secret,1002:secret"),
            ("HOTLINE_RECORDING_KEY", &key),
        ],
    );
    let zhangmin = Desk::login(&engine, "zhangmin").await;
    let caller_no = "13911113333";
    let (id, path) =
        recorded_tone_call(&engine, caller_no, 0x56, (CALLER_HZ, AGENT_HZ), TONE_FRAMES).await;
    assert!(
        path.to_string_lossy().ends_with(".wav.hlenc"),
        "an encrypted recording's name: {path:?}"
    );

    // The whole recording through the API, once the writer has closed the file (until then
    // its last chunk is missing and the API says so with a 500).
    let url = format!("{}/api/calls/{id}/recording", zhangmin.base);
    let get = |range: Option<String>| {
        let mut rb = zhangmin.http.get(&url).bearer_auth(&zhangmin.token);
        if let Some(r) = range {
            rb = rb.header("range", r);
        }
        rb.send()
    };
    let mut budget = Budget::new(PATIENCE);
    let wav = loop {
        let res = get(None).await.unwrap();
        if res.status().as_u16() == 200 {
            let body = res.bytes().await.unwrap().to_vec();
            if body.len() > 44 + 4 * 8000 {
                break body;
            }
        }
        assert!(budget.tick().await, "the recording {path:?} plays");
    };
    let reader = hound::WavReader::new(std::io::Cursor::new(&wav)).expect("a WAV is served");
    assert_eq!(reader.spec().channels, 2, "stereo");
    assert_eq!(
        reader.len() as usize * 2,
        wav.len() - 44,
        "the header's size is the data's"
    );
    let samples: Vec<i16> = reader.into_samples::<i16>().map(|s| s.unwrap()).collect();
    let (caller_blocks, agent_blocks) = stereo_tone_blocks(&samples, CALLER_HZ, AGENT_HZ, PRESENT);
    assert!(
        caller_blocks >= 50,
        "the caller's tone on the left in {caller_blocks} blocks"
    );
    assert!(
        agent_blocks >= 50,
        "the agent's tone on the right in {agent_blocks} blocks"
    );

    // On disk: the sealed format, not a WAV, and none of the audio in the clear.
    let on_disk = std::fs::read(&path).unwrap();
    assert_eq!(on_disk[..8], MAGIC, "the sealed magic");
    assert!(hound::WavReader::open(&path).is_err(), "not a WAV");
    assert!(!on_disk
        .windows(4)
        .any(|w| w == b"RIFF" || w == b"WAVE" || w == b"data"));
    let windows: HashSet<&[u8]> = on_disk.windows(16).collect();
    let mut probed = 0;
    for probe in wav[44..].chunks_exact(16) {
        // Runs of one byte (silence) prove nothing either way.
        if probe.iter().any(|b| *b != probe[0]) {
            probed += 1;
            assert!(
                !windows.contains(probe),
                "plaintext audio found in {path:?}"
            );
        }
    }
    assert!(probed > 1000, "{probed} windows of audio looked for");

    // A range across the first chunk boundary is the same slice of the whole.
    let (first, last) = (DEFAULT_CHUNK as usize - 500, DEFAULT_CHUNK as usize + 500);
    let res = get(Some(format!("bytes={first}-{last}"))).await.unwrap();
    assert_eq!(res.status().as_u16(), 206);
    assert_eq!(
        res.headers()
            .get("content-range")
            .and_then(|v| v.to_str().ok()),
        Some(format!("bytes {first}-{last}/{}", wav.len()).as_str())
    );
    let part = res.bytes().await.unwrap();
    assert_eq!(
        part[..],
        wav[first..=last],
        "the range is the whole's slice"
    );
    let res = get(Some(format!("bytes={}-", wav.len()))).await.unwrap();
    assert_eq!(res.status().as_u16(), 416);

    // The key shows nowhere in what the engine said.
    let said = engine.drain_log().join("\n");
    assert!(
        said.contains("recordings are encrypted at rest"),
        "the start says so"
    );
    assert!(!said.contains(&key), "the key was printed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_key_refuses_the_start_naming_the_variable_not_the_value() {
    let dir = std::env::temp_dir().join(format!("hotline-rec-badkey-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = "0123456789abcdef0123456789abcdef"; // 128 bits: too short
    for (var, value) in [
        ("HOTLINE_RECORDING_KEY", bad.to_string()),
        ("HOTLINE_RECORDING_KEYS_OLD", format!("{},{bad}", hex_key())),
    ] {
        let out = Command::new(binary())
            .arg("serve")
            .current_dir(&dir)
            .env("HOTLINE_DATA_DIR", dir.join("data"))
            .env("HOTLINE_RECORDING_KEY", hex_key())
            .env(var, &value)
            .stdin(Stdio::null())
            .output()
            .expect("run hotline serve");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "refused: {stderr}");
        assert!(stderr.contains(&format!("hotline: {var}")), "{stderr}");
        assert!(stderr.contains("64 hex digits or the base64"), "{stderr}");
        assert!(!stderr.contains(bad), "the value was printed: {stderr}");
        assert!(out.stdout.is_empty(), "no ready line");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
