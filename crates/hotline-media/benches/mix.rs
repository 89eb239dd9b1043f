//! Micro-benchmarks of the N-party mixer: one 20 ms tick of a conference of 2, 3 and 10
//! parties (all heard by everyone), and of a supervised call (listened to; whispered into),
//! against what a plain bridged leg does with a frame (copy it; box and copy it, as
//! `leg::task` does today).
//!
//! Prints the median time per tick, then per mixed party-frame (the tick divided by the
//! number of parties), of 7 rounds. Run: `cargo bench -p hotline-media --bench mix` (without
//! `--bench`, as under `cargo test --benches`, a short smoke run).

use std::hint::black_box;

#[path = "../../../benches/common/micro.rs"]
mod micro;

use hotline_media::mix::{Audience, Mixer, PartyId, PcmFrame, SILENCE};

/// A different 440 Hz-ish voice for each party (speech-like levels, a few thousand).
fn voices(n: usize) -> Vec<PcmFrame> {
    (0..n)
        .map(|p| {
            let mut f = SILENCE;
            for (i, s) in f.iter_mut().enumerate() {
                let t = (i + 37 * p) as f64 * (440.0 + 50.0 * p as f64) * std::f64::consts::TAU;
                *s = ((t / 8000.0).sin() * 6000.0) as i16;
            }
            f
        })
        .collect()
}

/// Times one tick of `mixer` (party `k` has id `k`), per tick and per party-frame.
fn measure_mix(name: &str, mut mixer: Mixer, smoke: bool) {
    let n = mixer.len();
    let frames = voices(n);
    let mut tick = || {
        mixer.mix(|id| black_box(frames.get(id.0 as usize)));
        for (_, out) in mixer.outputs() {
            black_box(out);
        }
    };
    micro::measure(&format!("{name}: per tick"), 1, smoke, &mut tick);
    micro::measure(
        &format!("{name}: per party-frame"),
        n as u64,
        smoke,
        &mut tick,
    );
}

fn conference(n: u32) -> Mixer {
    let mut m = Mixer::with_capacity(n as usize);
    for id in 0..n {
        let _ = m.add(PartyId(id), Audience::Everyone);
    }
    m
}

/// Caller 0 and agent 1, heard by each other; supervisor 2 heard as `supervisor` says.
fn supervised(supervisor: Audience) -> Mixer {
    let mut m = Mixer::with_capacity(3);
    let _ = m.add(PartyId(0), Audience::Everyone);
    let _ = m.add(PartyId(1), Audience::Everyone);
    let _ = m.add(PartyId(2), supervisor);
    m
}

fn main() {
    let smoke = micro::smoke();

    // The plain bridge: each leg hands the other its decoded frame.
    let frame = voices(1).pop().unwrap_or(SILENCE);
    let mut out = SILENCE;
    micro::measure("bridge: copy 160 samples", 1, smoke, || {
        out.copy_from_slice(black_box(&frame));
        black_box(&mut out);
    });
    micro::measure("bridge: Box + copy 160 samples", 1, smoke, || {
        let mut boxed = Box::new(SILENCE);
        boxed.copy_from_slice(black_box(&frame));
        black_box(boxed);
    });

    for n in [2, 3, 10] {
        measure_mix(&format!("mix {n} Everyone"), conference(n), smoke);
    }
    measure_mix(
        "mix call + supervisor Nobody",
        supervised(Audience::Nobody),
        smoke,
    );
    measure_mix(
        "mix call + supervisor Only(agent)",
        supervised(Audience::Only(PartyId(1))),
        smoke,
    );
}
