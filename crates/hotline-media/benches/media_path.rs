//! Micro-benchmarks of the per-frame media path: G.711 encoding and decoding of a 20 ms frame,
//! parsing an RTP packet, and the next frame of a prompt and of music on hold.
//!
//! Prints the median time per frame of 7 rounds. Run: `cargo bench -p hotline-media --bench
//! media_path` (without `--bench`, as under `cargo test --benches`, a short smoke run).

use std::hint::black_box;
use std::sync::Arc;

#[path = "../../../benches/common/micro.rs"]
mod micro;

use hotline_media::g711;
use hotline_media::prompt::{Frame, FrameResult, MusicOnHold, Playback, Prompt, FRAME_SAMPLES};
use hotline_media::rtp_session::RtpPacket;
use hotline_media::Codec;

fn main() {
    let smoke = micro::smoke();
    // A 440 Hz tone, 10 s.
    let pcm: Vec<i16> = (0..80_000)
        .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 12_000.0) as i16)
        .collect();
    let frame_pcm: Vec<i16> = pcm.iter().take(FRAME_SAMPLES).copied().collect();
    let frame_pcm = frame_pcm.as_slice();
    for codec in [Codec::Pcmu, Codec::Pcma] {
        let mut out = [0u8; FRAME_SAMPLES];
        micro::measure(
            &format!("g711::encode_into {codec:?} 160"),
            1,
            smoke,
            || {
                g711::encode_into(codec, black_box(frame_pcm), &mut out);
                black_box(&out);
            },
        );
        let mut encoded = Vec::new();
        g711::encode(codec, frame_pcm, &mut encoded);
        let mut samples = Vec::with_capacity(FRAME_SAMPLES);
        micro::measure(&format!("g711::decode {codec:?} 160"), 1, smoke, || {
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
    micro::measure("RtpPacket::parse 172 bytes", 1, smoke, || {
        let _ = black_box(RtpPacket::parse(black_box(&packet)));
    });

    let prompt = Arc::new(Prompt::from_pcm("zh", "tone", pcm.clone()));
    let mut out: Frame = [0; FRAME_SAMPLES];
    let mut playback = Playback::new(vec![prompt.clone()], Codec::Pcma, true);
    micro::measure("Playback::next_frame", 1, smoke, || {
        if matches!(playback.next_frame(&mut out), FrameResult::Finished) {
            playback = Playback::new(vec![prompt.clone()], Codec::Pcma, true);
        }
        black_box(&out);
    });
    let mut moh = MusicOnHold::new(prompt.clone(), Codec::Pcmu);
    micro::measure("MusicOnHold::next_frame", 1, smoke, || {
        black_box(moh.next_frame(&mut out));
        black_box(&out);
    });
}
