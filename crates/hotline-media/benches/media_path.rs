//! Micro-benchmarks of the per-frame media path: G.711 encoding and decoding of a 20 ms frame,
//! parsing an RTP packet, and the next frame of a prompt and of music on hold.
//!
//! Prints the median time per frame of 7 rounds. Run: `cargo bench -p hotline-media --bench
//! media_path` (without `--bench`, as under `cargo test --benches`, a short smoke run).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hotline_media::g711;
use hotline_media::prompt::{Frame, FrameResult, MusicOnHold, Playback, Prompt, FRAME_SAMPLES};
use hotline_media::rtp_session::RtpPacket;
use hotline_media::Codec;

/// Median nanoseconds per call of `f`, 7 rounds.
fn measure(name: &str, smoke: bool, mut f: impl FnMut()) {
    // BENCH_ONLY=<name part> BENCH_FIXED=<n>: run only the matching benchmarks, each exactly
    // n times and untimed (for counting instructions with `perf stat`, which load does not skew).
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        if !name.contains(&only) {
            return;
        }
    }
    if let Some(n) = std::env::var("BENCH_FIXED")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
    {
        for _ in 0..n {
            f();
        }
        println!("{name}: {n} runs");
        return;
    }
    let round = if smoke {
        Duration::from_millis(2)
    } else {
        Duration::from_millis(150)
    };
    let mut n = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        if t.elapsed() >= round {
            break;
        }
        n *= 2;
    }
    let mut per: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    per.sort_by(f64::total_cmp);
    let median = per.get(per.len() / 2).copied().unwrap_or(f64::NAN);
    println!("{name:<40} {median:>10.1} ns");
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    // A 440 Hz tone, 10 s.
    let pcm: Vec<i16> = (0..80_000)
        .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 12_000.0) as i16)
        .collect();
    let frame_pcm: Vec<i16> = pcm.iter().take(FRAME_SAMPLES).copied().collect();
    let frame_pcm = frame_pcm.as_slice();
    for codec in [Codec::Pcmu, Codec::Pcma] {
        let mut out = [0u8; FRAME_SAMPLES];
        measure(&format!("g711::encode_into {codec:?} 160"), smoke, || {
            g711::encode_into(codec, black_box(frame_pcm), &mut out);
            black_box(&out);
        });
        let mut encoded = Vec::new();
        g711::encode(codec, frame_pcm, &mut encoded);
        let mut samples = Vec::with_capacity(FRAME_SAMPLES);
        measure(&format!("g711::decode {codec:?} 160"), smoke, || {
            samples.clear();
            g711::decode(codec, black_box(&encoded), &mut samples);
            black_box(&samples);
        });
    }

    let mut packet = vec![
        0x80, 0, 0x12, 0x34, 0, 0, 0x56, 0x78, 0xde, 0xad, 0xbe, 0xef,
    ];
    packet.extend_from_slice(&[0xffu8; FRAME_SAMPLES]);
    assert!(RtpPacket::parse(&packet).is_ok());
    measure("RtpPacket::parse 172 bytes", smoke, || {
        let _ = black_box(RtpPacket::parse(black_box(&packet)));
    });

    let prompt = Arc::new(Prompt::from_pcm("zh", "tone", pcm.clone()));
    let mut out: Frame = [0; FRAME_SAMPLES];
    let mut playback = Playback::new(vec![prompt.clone()], Codec::Pcma, true);
    measure("Playback::next_frame", smoke, || {
        if matches!(playback.next_frame(&mut out), FrameResult::Finished) {
            playback = Playback::new(vec![prompt.clone()], Codec::Pcma, true);
        }
        black_box(&out);
    });
    let mut moh = MusicOnHold::new(prompt.clone(), Codec::Pcmu);
    measure("MusicOnHold::next_frame", smoke, || {
        black_box(moh.next_frame(&mut out));
        black_box(&out);
    });
}
