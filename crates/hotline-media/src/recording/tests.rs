//! Tests of the recording handle, the sink and the writer thread, on real files.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::sink::{Msg, Shared};
use super::*;
use crate::g711;
use crate::prompt::FRAME_SAMPLES;
use crate::sdp::Codec;

fn read(path: &Path) -> (hound::WavSpec, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let samples = r.samples::<i16>().map(Result::unwrap).collect();
    (r.spec(), samples)
}

/// Waits (up to 5 s) until the file's header says `frames` sample frames.
fn wait_for_header(path: &Path, frames: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if hound::WavReader::open(path).is_ok_and(|r| r.duration() == frames) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

fn frame(value: i16) -> [i16; FRAME_SAMPLES] {
    [value; FRAME_SAMPLES]
}

#[test]
fn stereo_puts_the_caller_left_and_the_agent_right() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls/2024/call-1.wav");
    // The test pushes 2 s of audio at once, far faster than real time: room for all of it.
    let mut options = RecordingOptions::new(Channels::Stereo);
    options.queue_chunks = 256;
    let rec = Recording::create_with(&path, options).unwrap();
    assert_eq!(rec.path(), path);
    let caller = rec.sink();
    let agent = caller.clone();
    for i in 0..100 {
        assert!(caller.push(Side::Caller, &frame(i)));
        assert!(agent.push(Side::Agent, &frame(-i)));
    }
    let summary = rec.close().unwrap();
    assert_eq!(summary.samples, 16_000);
    assert_eq!(summary.duration, Duration::from_secs(2));
    assert_eq!(summary.dropped_chunks, 0);
    assert_eq!(summary.channels, Channels::Stereo);
    let (spec, samples) = read(&path);
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 8000, 16)
    );
    assert_eq!(samples.len(), 32_000);
    for (k, pair) in samples.chunks(2).enumerate() {
        let i = (k / FRAME_SAMPLES) as i16;
        assert_eq!(pair, [i, -i], "sample frame {k}");
    }
    assert!(!caller.push(Side::Caller, &frame(1)), "closed");
    assert_eq!(
        caller.dropped(),
        0,
        "a push after close is refused, not dropped"
    );
}

#[test]
fn mono_mixes_and_a_silent_side_is_silence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ivr.wav");
    let rec = Recording::create(&path, Channels::Mono).unwrap();
    let sink = rec.sink();
    let pcm: Vec<i16> = (0..1000).map(|i| i as i16).collect();
    assert!(sink.push(Side::Caller, &pcm)); // any length: sent as chunks of 160
    let summary = rec.close().unwrap();
    assert_eq!(summary.samples, 1000);
    let (spec, samples) = read(&path);
    assert_eq!(spec.channels, 1);
    assert_eq!(samples, pcm);
}

#[test]
fn g711_payloads_are_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g711.wav");
    let rec = Recording::create(&path, Channels::Stereo).unwrap();
    let sink = rec.sink();
    let ulaw: Vec<u8> = (0..=255).collect();
    let alaw: Vec<u8> = (0..=255).rev().collect();
    // Interleaved as two legs would push them (ptime 16 ms: 128-byte payloads).
    for (u, a) in ulaw.chunks(128).zip(alaw.chunks(128)) {
        assert!(sink.push_g711(Side::Caller, Codec::Pcmu, u));
        assert!(sink.push_g711(Side::Agent, Codec::Pcma, a));
    }
    rec.close().unwrap();
    let (_, samples) = read(&path);
    let mut want_left = Vec::new();
    let mut want_right = Vec::new();
    g711::decode(Codec::Pcmu, &ulaw, &mut want_left);
    g711::decode(Codec::Pcma, &alaw, &mut want_right);
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(left, want_left);
    assert_eq!(right, want_right);
}

#[test]
fn a_full_queue_drops_without_blocking_and_keeps_the_gap() {
    // A sink whose writer never reads: the channel holds two chunks.
    let (tx, rx) = mpsc::sync_channel(2);
    let sink = RecordingSink {
        tx,
        shared: Arc::new(Shared::default()),
    };
    assert!(sink.push(Side::Caller, &frame(1)));
    assert!(sink.push(Side::Agent, &frame(2)));
    // Nobody reads the channel: a blocking push would hang the test here.
    assert!(!sink.push(Side::Caller, &frame(3)));
    assert!(!sink.push(Side::Caller, &[4; 100]));
    assert_eq!(sink.dropped(), 2);
    // Room again: the next caller chunk carries the 260 lost samples as a gap.
    let Ok(Msg::Audio(first)) = rx.try_recv() else {
        panic!("expected audio");
    };
    assert_eq!((first.side, first.gap, first.len), (Side::Caller, 0, 160));
    assert!(sink.push(Side::Caller, &frame(5)));
    let _agent = rx.try_recv();
    let Ok(Msg::Audio(next)) = rx.try_recv() else {
        panic!("expected audio");
    };
    assert_eq!((next.side, next.gap, next.len), (Side::Caller, 260, 160));
    assert_eq!(next.samples[0], 5);
    // A writer that is gone counts as dropped too.
    drop(rx);
    assert!(!sink.push(Side::Agent, &frame(6)));
    assert_eq!(sink.dropped(), 3);
}

#[test]
fn the_header_is_flushed_while_the_call_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.wav");
    let mut options = RecordingOptions::new(Channels::Stereo);
    options.flush_every_samples = u32::MAX; // only the idle flush
    options.idle_flush = Duration::from_millis(20);
    let rec = Recording::create_with(&path, options).unwrap();
    // On disk from the start: a valid (empty) WAV.
    assert_eq!(hound::WavReader::open(&path).unwrap().duration(), 0);
    let sink = rec.sink();
    for _ in 0..10 {
        sink.push(Side::Caller, &frame(7));
        sink.push(Side::Agent, &frame(8));
    }
    assert!(wait_for_header(&path, 1600), "idle flush never came");
    let (_, samples) = read(&path);
    assert!(samples.chunks(2).all(|p| p == [7, 8]));
    assert_eq!(rec.close().unwrap().samples, 1600);
}

#[test]
fn dropping_the_handle_finishes_the_file_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.wav");
    let rec = Recording::create(&path, Channels::Mono).unwrap();
    let sink = rec.sink();
    sink.push(Side::Caller, &frame(9));
    drop(rec);
    assert!(wait_for_header(&path, 160));
    assert!(!sink.push(Side::Caller, &frame(9)), "closed");
}

#[test]
fn an_existing_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taken.wav");
    std::fs::write(&path, b"keep me").unwrap();
    let err = Recording::create(&path, Channels::Mono).err().unwrap();
    match &err {
        RecordingError::Create { source, .. } => {
            assert_eq!(source.kind(), io::ErrorKind::AlreadyExists);
        }
        other => panic!("{other:?}"),
    }
    assert!(err
        .to_string()
        .contains("taken.wav: cannot create recording"));
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
}

#[test]
fn a_recording_cut_off_mid_call_is_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.wav");
    // Room for all 120 chunks at once (a call would push them over 1.2 s).
    let options = RecordingOptions {
        queue_chunks: 256,
        ..RecordingOptions::new(Channels::Stereo)
    };
    let rec = Recording::create_with(&path, options).unwrap();
    let sink = rec.sink();
    for i in 0..60 {
        sink.push(Side::Caller, &frame(i));
        sink.push(Side::Agent, &frame(i));
    }
    rec.close().unwrap();
    // As if the process had died before the header was ever updated.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[4..8].fill(0);
    bytes[40..44].fill(0);
    std::fs::write(&path, bytes).unwrap();
    let reports = repair_dir(dir.path(), &Keyring::default());
    assert_eq!(reports.len(), 1);
    let (_, samples) = read(&path);
    assert_eq!(samples.len(), 60 * FRAME_SAMPLES * 2);
}

/// Threads of this process whose name starts with `prefix` (Linux: /proc/self/task/*/comm).
fn threads_named(prefix: &str) -> Option<usize> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    Some(
        tasks
            .filter_map(Result::ok)
            .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
            .filter(|name| name.starts_with(prefix))
            .count(),
    )
}

#[test]
fn fifty_recordings_share_two_writer_threads_and_each_file_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let pool = WriterPool::new(2, Duration::from_millis(10)).unwrap();
    assert_eq!(pool.workers(), 2);
    let recordings: Vec<Recording> = (0..50)
        .map(|i| {
            let path = dir.path().join(format!("call-{i}.wav"));
            Recording::create_in(&pool, path, RecordingOptions::new(Channels::Stereo)).unwrap()
        })
        .collect();
    // Two threads of this pool, and those of the other tests' pools running alongside (the
    // shared one's two, the slow-writer test's one): not one per recording.
    if let Some(n) = threads_named("rec-writer") {
        assert!((2..=5).contains(&n), "{n} writer threads for 50 recordings");
    }
    // One second of both sides for each call, pushed 20 ms at a time as legs would.
    for k in 0..50i16 {
        for (i, rec) in recordings.iter().enumerate() {
            let sink = rec.sink();
            assert!(sink.push(Side::Caller, &frame(i as i16)));
            assert!(sink.push(Side::Agent, &frame(-k)));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    for (i, rec) in recordings.into_iter().enumerate() {
        let path = rec.path().to_path_buf();
        let summary = rec.close().unwrap();
        assert_eq!((summary.samples, summary.dropped_chunks), (8000, 0));
        let (_, samples) = read(&path);
        assert_eq!(samples.len(), 16_000);
        for (n, pair) in samples.chunks(2).enumerate() {
            let k = (n / FRAME_SAMPLES) as i16;
            assert_eq!(pair, [i as i16, -k], "file {i}, sample frame {n}");
        }
    }
}

#[test]
fn a_writer_that_falls_behind_never_blocks_the_sink_and_keeps_what_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slow.wav");
    // A writer that looks only every 10 s (as good as a stalled disk) and a queue of 8 chunks.
    let pool = WriterPool::new(1, Duration::from_secs(10)).unwrap();
    let options = RecordingOptions {
        queue_chunks: 8,
        ..RecordingOptions::new(Channels::Mono)
    };
    let rec = Recording::create_in(&pool, &path, options).unwrap();
    let sink = rec.sink();
    // A flood far beyond the queue: every push returns at once (a blocking one would hang
    // the test), the refused ones are counted.
    let mut accepted = Vec::new();
    for i in 1..=1000i16 {
        if sink.push(Side::Caller, &frame(i)) {
            accepted.push(i);
        }
    }
    let dropped = sink.dropped();
    assert_eq!(accepted.len() as u64 + dropped, 1000);
    assert!(dropped >= 900, "only {dropped} dropped");
    let summary = rec.close().unwrap();
    assert_eq!(summary.dropped_chunks, dropped);
    let (_, samples) = read(&path);
    assert_eq!(samples.len() as u64, summary.samples);
    // Every accepted frame is in the file, in order; the dropped ones before an accepted
    // frame are silence of their length in place.
    assert!(summary.samples >= accepted.len() as u64 * FRAME_SAMPLES as u64);
    let heard: Vec<i16> = samples
        .chunks(FRAME_SAMPLES)
        .map(|f| f[0])
        .filter(|v| *v != 0)
        .collect();
    assert_eq!(heard, accepted);
    for (n, f) in samples.chunks(FRAME_SAMPLES).enumerate() {
        if f[0] != 0 {
            // Frame i was pushed as the i-th: with the gaps kept, it sits at position i - 1.
            assert_eq!(n as i16, f[0] - 1, "frame {} out of place", f[0]);
        }
    }
}
