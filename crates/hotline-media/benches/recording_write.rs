//! What the recording writer costs, plain and encrypted: a 10-minute stereo recording (both
//! sides, 20 ms chunks, 19.2 MB of WAV) is queued whole into a writer pool that makes no pass
//! until the recording is closed; the writer thread's CPU time from close to the finished file
//! is the cost of writing it (lining the sides up, hound or sealing, the file writes). Also the
//! sealing alone (`SealWriter` into `io::sink`), for the cipher's share.
//!
//! Prints, per mode, the median (and min) of 9 rounds, the modes taking turns: writer CPU, MB/s
//! of WAV written, and CPU per recording-hour (what one call's recording costs an hour). CPU is
//! the writer thread's own (`/proc/self/task/<tid>/schedstat`), wall time if that cannot be
//! read; then the sealing alone over an hour of audio, on this thread's CPU. Run: `cargo bench -p
//! hotline-media --bench recording_write` (without `--bench`: a 10-second smoke run).

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "../../../benches/common/micro.rs"]
mod micro;

use hotline_media::prompt::FRAME_SAMPLES;
use hotline_media::recording::sealed::{SealWriter, DEFAULT_CHUNK};
use hotline_media::recording::{
    Channels, Recording, RecordingKey, RecordingOptions, Side, WriterPool,
};

/// The thread ids of this process's threads named `name`.
fn threads_named(name: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .map(|t| t.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Nanoseconds thread `tid` has run.
fn cpu_ns(tid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// One recording of `secs` seconds written by a fresh pool's writer: its CPU (or wall) time.
fn write_once(
    dir: &Path,
    round: usize,
    secs: u32,
    key: Option<&RecordingKey>,
) -> Result<(Duration, u64), Box<dyn std::error::Error>> {
    let before = threads_named("rec-writer-0");
    // A batch of an hour: the writer sleeps until the close wakes it.
    let pool = WriterPool::new(1, Duration::from_secs(3600))?;
    let tid = threads_named("rec-writer-0")
        .into_iter()
        .find(|t| !before.contains(t));
    let frames = secs as usize * 50;
    let mut options = RecordingOptions::new(Channels::Stereo);
    options.queue_chunks = 2 * frames + 16;
    let name = match key {
        Some(_) => format!("r{round}.wav.hlenc"),
        None => format!("r{round}.wav"),
    };
    let path = dir.join(name);
    let rec = Recording::create_keyed_in(&pool, &path, options, key)?;
    let sink = rec.sink();
    let mut caller = [0i16; FRAME_SAMPLES];
    let mut agent = [0i16; FRAME_SAMPLES];
    for f in 0..frames {
        for (i, (c, a)) in caller.iter_mut().zip(agent.iter_mut()).enumerate() {
            let t = (f * FRAME_SAMPLES + i) as f64 / 8000.0;
            *c = (8000.0 * (t * 400.0 * std::f64::consts::TAU).sin()) as i16;
            *a = (6000.0 * (t * 1400.0 * std::f64::consts::TAU).sin()) as i16;
        }
        assert!(sink.push(Side::Caller, &caller), "queued");
        assert!(sink.push(Side::Agent, &agent), "queued");
    }
    let cpu0 = tid.as_deref().and_then(cpu_ns);
    let t = Instant::now();
    let summary = rec.close()?;
    let wall = t.elapsed();
    let cpu1 = tid.as_deref().and_then(cpu_ns);
    assert_eq!(summary.samples, u64::from(secs) * 8000);
    assert_eq!(summary.dropped_chunks, 0);
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&path);
    let spent = match (cpu0, cpu1) {
        (Some(a), Some(b)) if b >= a => Duration::from_nanos(b - a),
        _ => wall,
    };
    Ok((spent, bytes))
}

/// (median, min) of the times.
fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let median = v.get(v.len() / 2).copied().unwrap_or_default();
    (median, v.first().copied().unwrap_or_default())
}

/// Milliseconds of CPU per hour of recording, for `spent` on `secs` seconds of it.
fn per_hour_ms(spent: Duration, secs: u32) -> f64 {
    spent.as_secs_f64() * 1000.0 * 3600.0 / f64::from(secs)
}

fn report(name: &str, secs: u32, times: Vec<Duration>) -> Duration {
    let wav_mb = f64::from(secs) * 32_000.0 / 1e6;
    let (median, min) = stats(times);
    println!(
        "recording_write {name}: {secs} s of stereo ({wav_mb:.1} MB of WAV): CPU median {:.1} ms \
         (min {:.1}): {:.0} MB/s, {:.0} ms CPU per recording-hour ({:.4}% of a core per recorded call)",
        median.as_secs_f64() * 1000.0,
        min.as_secs_f64() * 1000.0,
        wav_mb / median.as_secs_f64(),
        per_hour_ms(median, secs),
        per_hour_ms(median, secs) / 3_600_000.0 * 100.0,
    );
    median
}

/// This thread's CPU time so far (wall time if it cannot be read).
fn own_cpu(start: Instant) -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or_else(|| start.elapsed(), Duration::from_nanos)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let smoke = micro::smoke();
    let (secs, rounds) = if smoke { (10, 1) } else { (600, 9) };
    let dir = std::env::temp_dir().join(format!("hotline-recording-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let key = RecordingKey::from_bytes([0x5a; 32]);
    // The two modes take turns, so that both see the same load on a shared machine.
    let (mut plain, mut sealed) = (Vec::new(), Vec::new());
    let mut sizes = (0, 0);
    for round in 0..rounds {
        let (t, n) = write_once(&dir, round, secs, None)?;
        plain.push(t);
        sizes.0 = n;
        let (t, n) = write_once(&dir, round, secs, Some(&key))?;
        sealed.push(t);
        sizes.1 = n;
    }
    let p = report("plain", secs, plain);
    let e = report("encrypted", secs, sealed);
    println!(
        "recording_write encrypted vs plain: {:.2}x the writer's CPU, {:+.0} ms per recording-hour; \
         files {} and {} bytes",
        e.as_secs_f64() / p.as_secs_f64(),
        per_hour_ms(e, secs) - per_hour_ms(p, secs),
        sizes.0,
        sizes.1
    );
    // The sealing alone: an hour of stereo WAV bytes through SealWriter into nothing.
    let second = vec![0x37u8; 32_000];
    let header = [0u8; 44];
    let hour = if smoke { 10 } else { 3600 };
    let mut times = Vec::new();
    for _ in 0..if smoke { 1 } else { 5 } {
        let t = Instant::now();
        let before = own_cpu(t);
        let mut w = SealWriter::new(std::io::sink(), &key, &header, DEFAULT_CHUNK)?;
        for _ in 0..hour {
            w.push(std::hint::black_box(&second))?;
        }
        w.finish()?;
        times.push(own_cpu(t).saturating_sub(before));
    }
    let (median, min) = stats(times);
    println!(
        "SealWriter alone, {hour} s of stereo: CPU median {:.1} ms (min {:.1}): {:.0} MB/s, \
         {:.0} ms CPU per recording-hour",
        median.as_secs_f64() * 1000.0,
        min.as_secs_f64() * 1000.0,
        f64::from(hour) * 32_000.0 / 1e6 / median.as_secs_f64(),
        per_hour_ms(median, hour),
    );
    micro::measure("SealWriter 1 s of stereo (32,000 bytes)", 1, smoke, || {
        let sealed =
            SealWriter::new(std::io::sink(), &key, &header, DEFAULT_CHUNK).and_then(|mut w| {
                w.push(std::hint::black_box(&second))
                    .and_then(|()| w.finish())
            });
        assert!(sealed.is_ok());
    });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
