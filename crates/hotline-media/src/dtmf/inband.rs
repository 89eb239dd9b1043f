//! In-band DTMF: finding key presses in the audio itself (8 kHz 16-bit PCM), for callers whose
//! gateway sends tones instead of RFC 4733 events.
//!
//! # Per window: is there a digit?
//! Windows of [`WINDOW`] samples (20 ms), taken every [`HOP`] samples (10 ms), are measured with
//! the Goertzel algorithm at the eight DTMF frequencies. A window holds a digit when:
//! - it is loud enough (about −33 dBm0 per tone);
//! - the strongest row tone and the strongest column tone carry at least 80 % of the window's
//!   energy (speech, music and noise spread theirs; this is the main talk-off guard, and it also
//!   means a window less than 80 % filled with tone does not count);
//! - each of the two is at least 6 dB above the other tones of its group (a 20 ms window
//!   leaks about −13 dB into the neighbouring frequency, so between neighbours this check is
//!   lenient and the energy share does the work);
//! - the twist (column level against row level) is within +4 dB / −8 dB (ITU-T Q.24).
//!
//! # Over time: one start and one end per press
//! Like [`DtmfReceiver`](super::DtmfReceiver), the detector reports each press twice:
//! [`DtmfEvent::DigitStarted`] once two successive windows agree (tones of 40 ms are always
//! caught, tones of 20 ms never), and [`DtmfEvent::Digit`] once four successive windows
//! (40 ms) do not hold it — so a dropout of 10 ms does not split a press, while a pause of
//! 40 ms between presses separates them. A different digit confirmed without a pause ends the
//! first. Timestamps count samples since the detector was made (1/8000 s, like RTP's, and
//! wrapping like them): add the stream's first RTP timestamp to compare with RTP time. The
//! level is not measured: [`DigitEvent::volume`] is 0.

use std::collections::VecDeque;

use super::receiver::{DigitEvent, DtmfEvent, EndReason};
use super::samples_to_ms;

/// Samples per analysis window (20 ms at 8 kHz).
pub const WINDOW: usize = 160;
/// Samples between the starts of successive windows (10 ms).
pub const HOP: usize = 80;

const SAMPLE_RATE: f64 = 8000.0;
const ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
const COLS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
const KEYPAD: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];
/// Lowest mean square of a window with a digit: two tones of peak amplitude 500.
const MIN_MEAN_SQUARE: f64 = 250_000.0;
/// Share of the window's energy the two tones must carry.
const MIN_TONE_SHARE: f64 = 0.8;
/// How much stronger (power) a tone must be than the others of its group: 6 dB.
const MIN_PEAK_RATIO: f64 = 4.0;
/// Column power over row power: at most +4 dB, at least −8 dB.
const MAX_TWIST: f64 = 2.512;
const MIN_TWIST: f64 = 0.158;
/// Successive windows that must agree to start a press.
const CONFIRM: u32 = 2;
/// Successive windows without the digit that end a press.
const RELEASE: u32 = 4;

/// Which digit, if any, `window` (8 kHz samples, best [`WINDOW`] long) holds.
pub fn classify(window: &[i16]) -> Option<char> {
    if window.is_empty() {
        return None;
    }
    let n = window.len() as f64;
    let energy: f64 = window.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    if energy / n < MIN_MEAN_SQUARE {
        return None;
    }
    let rows = ROWS.map(|f| goertzel(window, f));
    let cols = COLS.map(|f| goertzel(window, f));
    let (row, row_power) = strongest(&rows)?;
    let (col, col_power) = strongest(&cols)?;
    // A sinusoid at f of N samples has |X(f)|² = (A·N/2)² and energy A²·N/2.
    let share = 2.0 * (row_power + col_power) / (n * energy);
    let twist = col_power / row_power;
    if share < MIN_TONE_SHARE || !(MIN_TWIST..=MAX_TWIST).contains(&twist) {
        return None;
    }
    KEYPAD.get(row).and_then(|keys| keys.get(col)).copied()
}

/// Power of `samples` at `freq` (|X(f)|², the Goertzel algorithm).
fn goertzel(samples: &[i16], freq: f64) -> f64 {
    let coeff = 2.0 * (2.0 * std::f64::consts::PI * freq / SAMPLE_RATE).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0)
}

/// The index and power of the strongest of four tones, if it stands clear of the other three.
fn strongest(powers: &[f64; 4]) -> Option<(usize, f64)> {
    let (best, &power) = powers
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    let clear = powers
        .iter()
        .enumerate()
        .all(|(i, &p)| i == best || p * MIN_PEAK_RATIO <= power);
    (clear && power > 0.0).then_some((best, power))
}

/// A press being heard.
#[derive(Debug, Clone, Copy)]
struct Tone {
    digit: char,
    /// Start of the first window that held it.
    start: u64,
    /// End of the last window that held it.
    end: u64,
    misses: u32,
}

/// The in-band DTMF detector of one audio stream. See the [module documentation](self).
#[derive(Debug, Default)]
pub struct InbandDetector {
    /// The last [`WINDOW`] samples at most.
    window: VecDeque<i16>,
    /// Samples taken in so far.
    samples: u64,
    /// New samples since the last analysis.
    since_hop: usize,
    /// A digit seen in the last windows but not yet confirmed: (digit, windows, first start).
    candidate: Option<(char, u32, u64)>,
    tone: Option<Tone>,
    out: VecDeque<DtmfEvent>,
}

impl InbandDetector {
    /// A detector that has heard nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes in decoded audio, any number of samples at a time (a 20 ms RTP packet is 160).
    pub fn push_samples(&mut self, samples: &[i16]) {
        for &x in samples {
            if self.window.len() == WINDOW {
                self.window.pop_front();
            }
            self.window.push_back(x);
            self.samples += 1;
            self.since_hop += 1;
            if self.window.len() == WINDOW && self.since_hop >= HOP {
                self.since_hop = 0;
                let found = classify(self.window.make_contiguous());
                self.on_window(found);
            }
        }
    }

    /// The next event, oldest first.
    pub fn poll(&mut self) -> Option<DtmfEvent> {
        self.out.pop_front()
    }

    /// Ends a press still being heard (the stream is over), as [`EndReason::Reset`].
    pub fn finish(&mut self) {
        self.end_tone(EndReason::Reset);
        self.candidate = None;
    }

    fn on_window(&mut self, found: Option<char>) {
        let end = self.samples;
        let start = end.saturating_sub(WINDOW as u64);
        if let Some(tone) = self.tone.as_mut() {
            if found == Some(tone.digit) {
                tone.end = end;
                tone.misses = 0;
                self.candidate = None;
                return;
            }
            tone.misses += 1;
            if tone.misses >= RELEASE {
                self.end_tone(EndReason::ToneStopped);
            }
        }
        let Some(digit) = found else {
            self.candidate = None;
            return;
        };
        let (count, first) = match self.candidate {
            Some((d, count, first)) if d == digit => (count + 1, first),
            _ => (1, start),
        };
        self.candidate = Some((digit, count, first));
        if count >= CONFIRM {
            self.end_tone(EndReason::NextEvent);
            self.candidate = None;
            self.tone = Some(Tone {
                digit,
                start: first,
                end,
                misses: 0,
            });
            self.out.push_back(DtmfEvent::DigitStarted {
                digit,
                timestamp: first as u32,
            });
        }
    }

    fn end_tone(&mut self, ended_by: EndReason) {
        let Some(tone) = self.tone.take() else {
            return;
        };
        self.out.push_back(DtmfEvent::Digit(DigitEvent {
            digit: tone.digit,
            duration_ms: samples_to_ms(tone.end - tone.start),
            timestamp: tone.start as u32,
            volume: 0,
            ended_by,
        }));
    }
}

#[cfg(test)]
mod tests;
