//! `GET /api/calls/{id}/recording` of an encrypted (sealed) recording: the API serves the WAV
//! it holds, whole and by any range over the plaintext (across chunk boundaries, byte-equal to
//! the same slice of the whole), 416 outside it; a plain file beside it still plays; a file
//! altered, cut or sealed under a key the engine was not given is a 500 that says why, never
//! garbage bytes; an older key (rotation) still reads.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use hotline_media::recording::sealed::{SealWriter, DEFAULT_CHUNK, HEADER_LEN, TAG_LEN};
use hotline_media::recording::{Keyring, RecordingKey};
use hotline_store::{OpenOptions, Policy, Store};
use reqwest::Method;

fn key(n: u8) -> RecordingKey {
    RecordingKey::from_bytes([n; 32])
}

/// A stereo WAV of `frames` sample frames (a pattern that never repeats), as bytes.
fn wav(frames: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for i in 0..frames {
        w.write_sample((i as i16).wrapping_mul(7)).unwrap();
        w.write_sample((i as i16).wrapping_mul(-13)).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}

/// `wav` sealed under `k`: the header with sizes 0 (as written at creation), then the audio.
fn sealed(k: &RecordingKey, wav: &[u8]) -> Vec<u8> {
    let mut header = wav[..44].to_vec();
    header[4..8].fill(0);
    header[40..44].fill(0);
    let mut w = SealWriter::new(Vec::new(), k, &header, DEFAULT_CHUNK).unwrap();
    w.push(&wav[44..]).unwrap();
    w.finish().unwrap()
}

async fn fetch(api: &Api, token: &str, id: i64, range: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut rb = api.request(
        Method::GET,
        &format!("/api/calls/{id}/recording"),
        Some(token),
    );
    if let Some(r) = range {
        rb = rb.header("range", r);
    }
    let res = rb.send().await.unwrap();
    let status = res.status().as_u16();
    let range = res
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if let Some(len) = res.headers().get("content-length") {
        let len: usize = len.to_str().unwrap().parse().unwrap();
        let body = res.bytes().await.unwrap().to_vec();
        assert_eq!(body.len(), len, "Content-Length");
        return (status, range, body);
    }
    (status, range, res.bytes().await.unwrap().to_vec())
}

async fn api_with(keys: Keyring) -> (Api, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(unique("hotline-web-sealed"));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("t.db").display());
    let store = Store::open(OpenOptions::new(url), Policy::default())
        .await
        .unwrap();
    (serve_keyed(store, false, keys).await, dir)
}

#[tokio::test]
async fn a_sealed_recording_plays_as_its_wav_whole_and_by_range_across_chunks() {
    let k = key(1);
    let (api, dir) = api_with(Keyring::new(Some(k.clone()), vec![])).await;
    let f = fixture(&api.store).await;
    let zhang = api.login("zhang", "secret").await;
    // 1.3 s of stereo: 41,644 bytes of WAV, three chunks.
    let plain = wav(10_400);
    let id = call_with_file(&api, "sealed.wav.hlenc", f.agent, &sealed(&k, &plain)).await;
    let len = plain.len();

    let (status, _, body) = fetch(&api, &zhang, id, None).await;
    assert_eq!(status, 200);
    assert_eq!(body, plain, "the whole recording is its WAV, sizes and all");
    let c = DEFAULT_CHUNK as usize;
    for (first, last) in [
        (0, 43),
        (c - 10, c + 10),     // across the first boundary
        (c, c),               // the first byte of chunk 1
        (c - 1, 2 * c + 5),   // three chunks
        (2 * c + 1, len - 1), // the last chunk
        (len - 1, len - 1),
    ] {
        let r = format!("bytes={first}-{last}");
        let (status, range, body) = fetch(&api, &zhang, id, Some(&r)).await;
        assert_eq!(status, 206, "{r}");
        assert_eq!(range, format!("bytes {first}-{last}/{len}"), "{r}");
        assert_eq!(body, plain[first..=last], "{r}");
    }
    let (status, range, body) = fetch(&api, &zhang, id, Some("bytes=-100")).await;
    assert_eq!((status, body.as_slice()), (206, &plain[len - 100..]));
    assert_eq!(range, format!("bytes {}-{}/{len}", len - 100, len - 1));
    let (status, range, _) = fetch(&api, &zhang, id, Some(&format!("bytes={len}-"))).await;
    assert_eq!((status, range), (416, format!("bytes */{len}")));

    // A plain recording made before the key was set still plays as it is.
    let old = call_with_file(&api, "plain.wav", f.agent, &plain).await;
    let (status, _, body) = fetch(&api, &zhang, old, None).await;
    assert_eq!((status, body == plain), (200, true));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_long_sealed_recording_streams_and_an_older_key_reads_it() {
    let (old, new) = (key(2), key(3));
    let (api, dir) = api_with(Keyring::new(Some(new), vec![old.clone()])).await;
    let f = fixture(&api.store).await;
    let zhang = api.login("zhang", "secret").await;
    // 40 s of stereo: 1.28 MB, more than is decrypted into memory at once.
    let plain = wav(320_000);
    let id = call_with_file(&api, "long.wav.hlenc", f.agent, &sealed(&old, &plain)).await;
    let (status, _, body) = fetch(&api, &zhang, id, None).await;
    assert_eq!(status, 200);
    assert!(body == plain, "streamed whole, byte for byte");
    let r = format!("bytes=1000-{}", plain.len() - 1000);
    let (status, _, body) = fetch(&api, &zhang, id, Some(&r)).await;
    assert_eq!(status, 206);
    assert!(body == plain[1000..=plain.len() - 1000]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn altered_cut_or_unknown_key_recordings_are_a_500_that_says_why() {
    let k = key(4);
    let (api, dir) = api_with(Keyring::new(Some(k.clone()), vec![])).await;
    let f = fixture(&api.store).await;
    let zhang = api.login("zhang", "secret").await;
    let plain = wav(10_400);
    let good = sealed(&k, &plain);
    let step = DEFAULT_CHUNK as usize + TAG_LEN;

    // One bit flipped in chunk 1: any range touching it, and the whole file, are refused;
    // a range in chunk 0 only still plays.
    let mut flipped = good.clone();
    flipped[HEADER_LEN + step + 100] ^= 0x10;
    let id = call_with_file(&api, "flipped.wav.hlenc", f.agent, &flipped).await;
    for range in [None, Some("bytes=16000-17000")] {
        let (status, _, body) = fetch(&api, &zhang, id, range).await;
        assert_eq!(status, 500, "{range:?}");
        let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(err["error"]["code"], "recording_unreadable", "{err:#}");
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(msg.contains("chunk 1 failed authentication"), "{msg}");
    }
    let (status, _, body) = fetch(&api, &zhang, id, Some("bytes=0-99")).await;
    assert_eq!((status, body.as_slice()), (206, &plain[..100]));

    // Cut at a chunk boundary (its last chunk says more follow): refused whatever the range.
    let cut = &good[..HEADER_LEN + 2 * step];
    let id = call_with_file(&api, "cut.wav.hlenc", f.agent, cut).await;
    let (status, _, body) = fetch(&api, &zhang, id, Some("bytes=0-99")).await;
    assert_eq!(status, 500, "{}", String::from_utf8_lossy(&body));

    // Sealed under a key the engine was not given: the key id is named.
    let other = key(5);
    let id = call_with_file(&api, "other.wav.hlenc", f.agent, &sealed(&other, &plain)).await;
    let (status, _, body) = fetch(&api, &zhang, id, None).await;
    assert_eq!(status, 500);
    let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(err["error"]["code"], "recording_key_missing", "{err:#}");
    let msg = err["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&other.id().to_string()), "{msg}");
    let _ = std::fs::remove_dir_all(dir);
}
