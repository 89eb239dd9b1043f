//! The detector against synthetic keypads, noise, speech-like sound and call-progress tones.

use super::*;

/// A deterministic noise source (a 64-bit LCG), uniform in -1.0..1.0.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

fn freqs(digit: char) -> (f64, f64) {
    for (r, row) in KEYPAD.iter().enumerate() {
        if let Some(c) = row.iter().position(|&d| d == digit) {
            return (ROWS[r], COLS[c]);
        }
    }
    panic!("{digit:?} is not on the keypad");
}

/// `ms` of the dual tone of `digit`, each tone of peak `amplitude`, column tone `twist_db`
/// louder than the row tone, with phases offset by `phase`.
fn tone(digit: char, ms: usize, amplitude: f64, twist_db: f64, phase: f64) -> Vec<f64> {
    let (low, high) = freqs(digit);
    let high_amplitude = amplitude * 10f64.powf(twist_db / 20.0);
    (0..ms * 8)
        .map(|n| {
            let t = n as f64 / SAMPLE_RATE;
            let w = 2.0 * std::f64::consts::PI;
            amplitude * (w * low * t + phase).sin()
                + high_amplitude * (w * high * t + 2.0 * phase).sin()
        })
        .collect()
}

fn silence(ms: usize) -> Vec<f64> {
    vec![0.0; ms * 8]
}

fn pcm(signal: &[f64]) -> Vec<i16> {
    signal
        .iter()
        .map(|&x| x.round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// Runs `samples` through a detector in pieces of `chunk` and returns all its events.
fn detect_in(samples: &[i16], chunk: usize) -> Vec<DtmfEvent> {
    let mut d = InbandDetector::new();
    let mut events = Vec::new();
    for piece in samples.chunks(chunk) {
        d.push_samples(piece);
        events.extend(std::iter::from_fn(|| d.poll()));
    }
    d.finish();
    events.extend(std::iter::from_fn(|| d.poll()));
    events
}

fn detect(samples: &[i16]) -> Vec<DtmfEvent> {
    detect_in(samples, WINDOW)
}

/// The finished digits, checking that each came with exactly one start, before it.
fn digits(events: &[DtmfEvent]) -> Vec<DigitEvent> {
    let mut open = None;
    let mut out = Vec::new();
    for e in events {
        match *e {
            DtmfEvent::DigitStarted { digit, .. } => {
                assert_eq!(
                    open, None,
                    "a start while another press is open: {events:?}"
                );
                open = Some(digit);
            }
            DtmfEvent::Digit(d) => {
                assert_eq!(
                    open.take(),
                    Some(d.digit),
                    "an end without its start: {events:?}"
                );
                out.push(d);
            }
        }
    }
    assert_eq!(open, None, "a press never ended");
    out
}

fn keyed(events: &[DtmfEvent]) -> String {
    digits(events).iter().map(|d| d.digit).collect()
}

const ALL: &str = "123A456B789C*0#D";

#[test]
fn every_digit_is_detected_once_with_its_duration() {
    let mut signal = silence(30);
    for (i, d) in ALL.chars().enumerate() {
        signal.extend(tone(d, 100, 6000.0, 0.0, i as f64));
        signal.extend(silence(80));
    }
    let events = detect(&pcm(&signal));
    let found = digits(&events);
    assert_eq!(found.iter().map(|d| d.digit).collect::<String>(), ALL);
    for d in &found {
        assert!((90..=120).contains(&d.duration_ms), "{d:?}");
        assert_eq!(d.ended_by, EndReason::ToneStopped);
    }
    // 30 ms of silence, then a digit every 180 ms: the timestamps say where each began.
    for (i, d) in found.iter().enumerate() {
        let expected = (30 + 180 * i as u32) * 8;
        assert!(d.timestamp.abs_diff(expected) <= 120, "{d:?} vs {expected}");
    }
}

#[test]
fn detection_does_not_depend_on_how_the_audio_is_cut() {
    let mut signal = Vec::new();
    for d in "90#".chars() {
        signal.extend(tone(d, 70, 4000.0, -2.0, 0.3));
        signal.extend(silence(60));
    }
    let samples = pcm(&signal);
    for chunk in [1, 37, 80, 160, 240, 1000] {
        assert_eq!(
            keyed(&detect_in(&samples, chunk)),
            "90#",
            "chunks of {chunk}"
        );
    }
}

#[test]
fn forty_ms_tones_are_caught_at_every_alignment_and_twenty_ms_never() {
    for offset_ms in 0..20 {
        let mut signal = silence(offset_ms);
        signal.extend(tone('5', 40, 5000.0, 0.0, 0.0));
        signal.extend(silence(100));
        assert_eq!(
            keyed(&detect(&pcm(&signal))),
            "5",
            "40 ms at +{offset_ms} ms"
        );
        let mut short = silence(offset_ms);
        short.extend(tone('5', 20, 5000.0, 0.0, 0.0));
        short.extend(silence(100));
        assert_eq!(keyed(&detect(&pcm(&short))), "", "20 ms at +{offset_ms} ms");
    }
}

#[test]
fn noisy_twisted_and_quiet_tones() {
    let mut noise = Noise(7);
    let mut signal = Vec::new();
    // About 20 dB signal-to-noise, and twist at the edges of the allowed range.
    for (d, twist) in [('1', 3.0), ('6', -7.0), ('*', 0.0), ('D', -3.0)] {
        signal.extend(tone(d, 80, 3000.0, twist, 1.0));
        signal.extend(silence(60));
    }
    let noisy: Vec<f64> = signal.iter().map(|&x| x + 420.0 * noise.next()).collect();
    assert_eq!(keyed(&detect(&pcm(&noisy))), "16*D");
    // Twist past the limits, and a keypad too quiet to be a phone's.
    let mut bad = tone('2', 100, 3000.0, 7.0, 0.0);
    bad.extend(silence(60));
    bad.extend(tone('3', 100, 3000.0, -11.0, 0.0));
    bad.extend(silence(60));
    bad.extend(tone('4', 100, 300.0, 0.0, 0.0));
    assert_eq!(keyed(&detect(&pcm(&bad))), "");
}

#[test]
fn a_short_dropout_does_not_split_a_press_but_a_pause_does() {
    let mut signal = tone('8', 100, 5000.0, 0.0, 0.0);
    signal.extend(silence(10));
    signal.extend(tone('8', 100, 5000.0, 0.0, 0.0));
    signal.extend(silence(100));
    assert_eq!(keyed(&detect(&pcm(&signal))), "8");
    let mut two = tone('8', 100, 5000.0, 0.0, 0.0);
    two.extend(silence(40));
    two.extend(tone('8', 100, 5000.0, 0.0, 0.0));
    two.extend(silence(100));
    assert_eq!(keyed(&detect(&pcm(&two))), "88");
}

#[test]
fn a_new_digit_without_a_pause_ends_the_first() {
    let mut signal = tone('1', 100, 5000.0, 0.0, 0.0);
    signal.extend(tone('2', 100, 5000.0, 0.0, 0.0));
    signal.extend(silence(100));
    let events = detect(&pcm(&signal));
    let found = digits(&events);
    assert_eq!(found.iter().map(|d| d.digit).collect::<String>(), "12");
    assert_eq!(found[0].ended_by, EndReason::NextEvent);
}

#[test]
fn a_tone_still_on_at_the_end_is_ended_by_finish() {
    let events = detect(&pcm(&tone('#', 200, 5000.0, 0.0, 0.0)));
    let found = digits(&events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].ended_by, EndReason::Reset);
}

#[test]
fn noise_at_any_level_is_not_a_digit() {
    let mut noise = Noise(42);
    for amplitude in [500.0, 3000.0, 12000.0, 30000.0] {
        let signal: Vec<f64> = (0..8000 * 5).map(|_| amplitude * noise.next()).collect();
        assert_eq!(
            keyed(&detect(&pcm(&signal))),
            "",
            "noise of peak {amplitude}"
        );
    }
}

/// Vowel-like sound: a gliding fundamental (90–260 Hz) with all its harmonics up to 3.4 kHz,
/// shaped by formants; the formant pairs sit on DTMF row and column frequencies on purpose.
fn speech_like(seconds: usize, formants: (f64, f64), seed: u64) -> Vec<f64> {
    let mut noise = Noise(seed);
    let mut phase = 0.0f64;
    (0..seconds * 8000)
        .map(|n| {
            let t = n as f64 / SAMPLE_RATE;
            let f0 = 175.0 + 85.0 * (2.0 * std::f64::consts::PI * 0.7 * t).sin();
            phase += 2.0 * std::f64::consts::PI * f0 / SAMPLE_RATE;
            let mut x = 0.0;
            let mut k = 1.0;
            while k * f0 < 3400.0 {
                let f = k * f0;
                let gain = 1.0 / (1.0 + ((f - formants.0) / 120.0).powi(2))
                    + 0.7 / (1.0 + ((f - formants.1) / 150.0).powi(2))
                    + 0.15 / k;
                x += gain * (k * phase).sin();
                k += 1.0;
            }
            4000.0 * x + 200.0 * noise.next()
        })
        .collect()
}

#[test]
fn speech_like_sound_is_not_a_digit() {
    for (i, formants) in [
        (697.0, 1209.0),
        (770.0, 1336.0),
        (852.0, 1477.0),
        (941.0, 1633.0),
        (500.0, 1500.0),
    ]
    .into_iter()
    .enumerate()
    {
        let signal = speech_like(4, formants, i as u64);
        assert_eq!(keyed(&detect(&pcm(&signal))), "", "formants {formants:?}");
    }
}

#[test]
fn call_progress_tones_and_single_tones_are_not_digits() {
    let w = 2.0 * std::f64::consts::PI;
    let cases: [&[f64]; 5] = [
        &[350.0, 440.0],
        &[480.0, 620.0],
        &[425.0],
        &[1000.0],
        &[697.0],
    ];
    for freqs in cases {
        let signal: Vec<f64> = (0..8000 * 2)
            .map(|n| {
                freqs
                    .iter()
                    .map(|f| 8000.0 * (w * f * n as f64 / SAMPLE_RATE).sin())
                    .sum()
            })
            .collect();
        assert_eq!(keyed(&detect(&pcm(&signal))), "", "{freqs:?}");
    }
}

#[test]
fn classify_handles_any_window() {
    assert_eq!(classify(&[]), None);
    assert_eq!(classify(&[0; WINDOW]), None);
    assert_eq!(classify(&[i16::MAX; WINDOW]), None, "DC is not a tone");
    assert_eq!(classify(&pcm(&tone('7', 20, 8000.0, 0.0, 0.0))), Some('7'));
    let mut clipped = pcm(&tone('C', 20, 30000.0, 0.0, 0.0));
    clipped
        .iter_mut()
        .for_each(|x| *x = (*x).clamp(-20000, 20000));
    assert_eq!(classify(&clipped), Some('C'), "mild clipping still reads");
}

#[test]
fn a_third_tone_in_a_group_is_not_a_digit() {
    // '5' (770 + 1336 Hz) with 941 Hz at 0.6 of the level: 85 % of the energy is still in the
    // strongest pair, but the row group has no clear winner.
    let w = 2.0 * std::f64::consts::PI;
    let mut signal = tone('5', 200, 5000.0, 0.0, 0.0);
    for (n, x) in signal.iter_mut().enumerate() {
        *x += 3000.0 * (w * 941.0 * n as f64 / SAMPLE_RATE).sin();
    }
    assert_eq!(keyed(&detect(&pcm(&signal))), "");
}
