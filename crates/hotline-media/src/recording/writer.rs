//! The recording writer's core: lines up the caller's and the agent's samples and writes them.
//!
//! No thread and no channel here (the shell in `mod.rs` feeds it), so the alignment and flush
//! rules are tested synchronously. The rules:
//!
//! - **Alignment by count.** Each side's samples go into its own queue; sample *k* of the
//!   caller is paired with sample *k* of the agent. Both legs produce 8000 samples a second,
//!   so this holds however the two tasks' pushes interleave.
//! - **A missing side is silence.** When one side gets more than `max_skew` samples ahead of
//!   the other, the excess is written with silence for the late side (an agent not yet
//!   bridged, a leg that stopped sending). A side that then comes back late only by jitter
//!   resumes by count (its audio lands at most the overflow later than it was spoken).
//! - **Re-aligning after absence.** A side that has never sent, or for which at least
//!   `realign_after` samples of silence were written in a row, starts "now": the end of its
//!   chunk is lined up with the newest sample of the other side (both just arrived), not with
//!   the other side's oldest queued one. This puts the agent's first words at the right
//!   moment after the IVR, and lines the two legs up at the start of a recording.
//! - **Lost chunks keep their place.** A chunk the sink dropped (queue full) arrives as a
//!   `gap` before the next one and is written as silence, so later audio stays aligned.
//! - **Flush by count.** The WAV header is rewritten and the buffer flushed every
//!   `flush_every` written samples (8000 = once a second of audio), plus on demand (idle).
//!
//! Mono mixes the two sides (saturating add); stereo puts the caller left, the agent right.
//!
//! The samples go to an [`Out`]: a plain WAV file through hound, or a sealed (encrypted)
//! recording, where a "flush" writes nothing new (chunks are written as they fill, and the WAV
//! sizes are derived when the file is read; see `sealed.rs`).

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufWriter;

use super::sealed::{SealError, SealWriter};
use super::{Channels, Side};

/// Where a recording's samples go.
pub(super) enum Out {
    /// A plain WAV file.
    Wav(hound::WavWriter<BufWriter<File>>),
    /// A sealed recording: the same WAV, encrypted chunk by chunk.
    Sealed(Box<SealWriter<File>>),
}

fn sealed_err(e: SealError) -> hound::Error {
    hound::Error::IoError(e.into_io())
}

/// The longest gap (lost audio) written as silence for one chunk: 10 s.
const MAX_GAP: u32 = 80_000;

/// Alignment and flush settings (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Timing {
    pub max_skew: usize,
    pub realign_after: u64,
    pub flush_every: u64,
}

pub(super) struct Writer {
    out: Out,
    channels: Channels,
    timing: Timing,
    /// Pending samples per side, indexed by [`Side::index`].
    queues: [VecDeque<i16>; 2],
    /// Silence written in a row for each side (`u64::MAX`: it has never sent).
    silent_for: [u64; 2],
    /// Sample frames written (samples per channel).
    written: u64,
    unflushed: u64,
}

impl Writer {
    pub fn new(out: Out, channels: Channels, timing: Timing) -> Writer {
        Writer {
            out,
            channels,
            timing,
            queues: [VecDeque::new(), VecDeque::new()],
            silent_for: [u64::MAX; 2],
            written: 0,
            unflushed: 0,
        }
    }

    /// Takes one chunk from `side`, preceded by `gap` samples lost on the way.
    pub fn accept(&mut self, side: Side, gap: u32, samples: &[i16]) -> hound::Result<()> {
        let (queue, other) = side.split(&mut self.queues);
        let (silent_for, _) = side.split(&mut self.silent_for);
        let pad = if *silent_for >= self.timing.realign_after {
            // Start now: this chunk ends level with the other side's newest sample.
            let mine = queue.len() + samples.len();
            other.len().saturating_sub(mine)
        } else {
            gap.min(MAX_GAP) as usize
        };
        *silent_for = 0;
        queue.extend(std::iter::repeat_n(0, pad));
        queue.extend(samples.iter().copied());
        self.write_ready()
    }

    /// Writes whatever is paired, and the excess of a side that is too far ahead.
    fn write_ready(&mut self) -> hound::Result<()> {
        let paired = self.queues[0].len().min(self.queues[1].len());
        self.emit(paired)?;
        for side in [Side::Caller, Side::Agent] {
            let excess = side
                .of(&self.queues)
                .len()
                .saturating_sub(self.timing.max_skew);
            if excess > 0 {
                let (_, other_silent) = side.split(&mut self.silent_for);
                *other_silent = other_silent.saturating_add(excess as u64);
                self.emit(excess)?;
            }
        }
        Ok(())
    }

    /// Writes `n` sample frames from the queue heads (silence where a queue runs out): through
    /// hound's buffered 16-bit writer (one copy into the file's buffer per call, not a checked
    /// write per sample), or into the sealed file's chunk.
    fn emit(&mut self, n: usize) -> hound::Result<()> {
        if n == 0 {
            return Ok(());
        }
        let per_frame = match self.channels {
            Channels::Mono => 1,
            Channels::Stereo => 2,
        };
        // The spec is 16-bit integer PCM (`wav_spec`), as `get_i16_writer` requires, and
        // exactly `n * per_frame` samples are written below.
        let samples = u32::try_from(n * per_frame).map_err(|_| hound::Error::TooWide)?;
        let taken = [self.queues[0].len().min(n), self.queues[1].len().min(n)];
        let frames = frames(&self.queues, self.channels, n);
        match &mut self.out {
            Out::Wav(wav) => {
                let mut out = wav.get_i16_writer(samples);
                for s in frames {
                    out.write_sample(s);
                }
                out.flush()?;
            }
            Out::Sealed(sealed) => sealed.push_samples(frames).map_err(sealed_err)?,
        }
        for (queue, k) in self.queues.iter_mut().zip(taken) {
            queue.drain(..k);
        }
        self.written += n as u64;
        self.unflushed += n as u64;
        if self.unflushed >= self.timing.flush_every {
            self.flush()?;
        }
        Ok(())
    }

    /// Rewrites the header for what has been written and flushes to the file.
    pub fn flush(&mut self) -> hound::Result<()> {
        self.unflushed = 0;
        match &mut self.out {
            Out::Wav(wav) => wav.flush(),
            Out::Sealed(sealed) => Ok(sealed.flush()?),
        }
    }

    /// Flushes if anything was written since the last flush.
    pub fn flush_if_dirty(&mut self) -> hound::Result<()> {
        if self.unflushed > 0 {
            self.flush()?;
        }
        Ok(())
    }

    /// Sample frames written so far.
    #[cfg(test)]
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Writes everything still queued (the missing side as silence) and finalises the file.
    /// Returns the sample frames written.
    pub fn finish(mut self) -> hound::Result<u64> {
        let rest = self.queues[0].len().max(self.queues[1].len());
        self.emit(rest)?;
        let written = self.written;
        match self.out {
            Out::Wav(wav) => wav.finalize()?,
            Out::Sealed(sealed) => {
                sealed.finish().map_err(sealed_err)?;
            }
        }
        Ok(written)
    }
}

/// The `n` sample frames at the queue heads, as the file holds them: caller and agent
/// interleaved (stereo) or mixed with saturation (mono); silence where a queue runs out.
fn frames(
    queues: &[VecDeque<i16>; 2],
    channels: Channels,
    n: usize,
) -> impl Iterator<Item = i16> + '_ {
    let [callers, agents] = queues;
    let silence = std::iter::repeat(0);
    let callers = callers.iter().copied().chain(silence.clone());
    let agents = agents.iter().copied().chain(silence);
    callers
        .zip(agents)
        .take(n)
        .flat_map(move |(caller, agent)| {
            let (pair, len) = match channels {
                Channels::Mono => ([caller.saturating_add(agent), 0], 1),
                Channels::Stereo => ([caller, agent], 2),
            };
            pair.into_iter().take(len)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const TIMING: Timing = Timing {
        max_skew: 10,
        realign_after: 40,
        flush_every: 1_000_000,
    };

    fn writer(path: &Path, channels: Channels, timing: Timing) -> Writer {
        let spec = super::super::wav_spec(channels);
        let wav = hound::WavWriter::create(path, spec).unwrap();
        Writer::new(Out::Wav(wav), channels, timing)
    }

    fn read(path: &Path) -> Vec<i16> {
        let mut r = hound::WavReader::open(path).unwrap();
        r.samples::<i16>().map(Result::unwrap).collect()
    }

    /// Stereo file samples as (caller, agent) pairs.
    fn pairs(path: &Path) -> Vec<(i16, i16)> {
        read(path).chunks(2).map(|c| (c[0], c[1])).collect()
    }

    fn run(n: i16) -> Vec<i16> {
        (1..=n).collect()
    }

    #[test]
    fn sides_pair_by_count_whatever_the_arrival_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.wav");
        let mut w = writer(&path, Channels::Stereo, TIMING);
        w.accept(Side::Caller, 0, &[1, 2]).unwrap();
        w.accept(Side::Agent, 0, &[-1, -2]).unwrap();
        w.accept(Side::Caller, 0, &[3, 4, 5]).unwrap();
        w.accept(Side::Agent, 0, &[-3]).unwrap();
        assert_eq!(w.written(), 3);
        w.accept(Side::Agent, 0, &[-4, -5, -6]).unwrap();
        w.accept(Side::Caller, 0, &[6]).unwrap();
        assert_eq!(w.finish().unwrap(), 6);
        let want: Vec<(i16, i16)> = (1..=6).map(|i| (i, -i)).collect();
        assert_eq!(pairs(&path), want);
    }

    #[test]
    fn a_side_too_far_ahead_is_written_against_silence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.wav");
        let mut w = writer(&path, Channels::Stereo, TIMING);
        w.accept(Side::Caller, 0, &run(5)).unwrap();
        w.accept(Side::Agent, 0, &[-1, -2, -3, -4, -5]).unwrap();
        let more: Vec<i16> = (6..=30).collect();
        w.accept(Side::Caller, 0, &more).unwrap();
        assert_eq!(w.written(), 20, "all but max_skew written");
        // The agent was late by jitter only (15 < realign_after): it resumes by count.
        w.accept(Side::Agent, 0, &[-6, -7]).unwrap();
        assert_eq!(w.finish().unwrap(), 30);
        let got = pairs(&path);
        assert_eq!(got[4], (5, -5));
        assert_eq!(got[19], (20, 0));
        assert_eq!(got[20], (21, -6));
        assert_eq!(got[21], (22, -7));
        assert_eq!(got[29], (30, 0));
    }

    #[test]
    fn a_side_that_was_absent_starts_level_with_the_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.wav");
        let mut w = writer(&path, Channels::Stereo, TIMING);
        // Caller alone for 100 samples (the IVR), then the agent joins.
        w.accept(Side::Caller, 0, &run(100)).unwrap();
        w.accept(Side::Agent, 0, &[-1, -2, -3]).unwrap();
        w.accept(Side::Caller, 0, &[101, 102, 103]).unwrap();
        w.finish().unwrap();
        let got = pairs(&path);
        assert_eq!(got.len(), 103);
        // The agent's chunk ends with the caller's newest sample at the time (100): it is
        // not paired with the oldest one still queued (91).
        assert_eq!(got[96], (97, 0));
        assert_eq!(got[97], (98, -1));
        assert_eq!(got[99], (100, -3));
        assert_eq!(got[100], (101, 0));
    }

    #[test]
    fn both_sides_starting_apart_line_up_on_the_first_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.wav");
        let mut w = writer(&path, Channels::Stereo, TIMING);
        w.accept(Side::Agent, 0, &[-1, -2, -3, -4]).unwrap();
        w.accept(Side::Caller, 0, &[1, 2]).unwrap();
        w.accept(Side::Caller, 0, &[3, 4]).unwrap();
        w.accept(Side::Agent, 0, &[-5, -6]).unwrap();
        w.finish().unwrap();
        // The caller never sent before: its chunk ends level with the agent's newest sample.
        let want = [(0, -1), (0, -2), (1, -3), (2, -4), (3, -5), (4, -6)];
        assert_eq!(pairs(&path), want);
    }

    #[test]
    fn gaps_from_dropped_chunks_are_silence_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.wav");
        let mut w = writer(&path, Channels::Stereo, TIMING);
        w.accept(Side::Caller, 0, &[1, 2]).unwrap();
        w.accept(Side::Agent, 0, &[-1, -2]).unwrap();
        w.accept(Side::Caller, 3, &[6, 7]).unwrap(); // 3 samples were lost
        w.accept(Side::Agent, 0, &[-3, -4, -5, -6, -7]).unwrap();
        w.finish().unwrap();
        let want = [
            (1, -1),
            (2, -2),
            (0, -3),
            (0, -4),
            (0, -5),
            (6, -6),
            (7, -7),
        ];
        assert_eq!(pairs(&path), want);
    }

    #[test]
    fn mono_mixes_with_saturation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.wav");
        let mut w = writer(&path, Channels::Mono, TIMING);
        w.accept(Side::Caller, 0, &[100, i16::MAX]).unwrap();
        w.accept(Side::Agent, 0, &[-50, 10]).unwrap();
        w.accept(Side::Caller, 0, &[i16::MIN, 7]).unwrap();
        w.accept(Side::Agent, 0, &[-10]).unwrap();
        w.finish().unwrap();
        assert_eq!(read(&path), [50, i16::MAX, i16::MIN, 7]);
    }

    #[test]
    fn flushes_every_n_samples_so_the_header_is_readable_mid_call() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.wav");
        let timing = Timing {
            flush_every: 8000,
            max_skew: 1600,
            realign_after: 8000,
        };
        let mut w = writer(&path, Channels::Stereo, timing);
        let frame = [3i16; 160];
        for _ in 0..49 {
            w.accept(Side::Caller, 0, &frame).unwrap();
            w.accept(Side::Agent, 0, &frame).unwrap();
        }
        assert_eq!(hound::WavReader::open(&path).unwrap().duration(), 0);
        w.accept(Side::Caller, 0, &frame).unwrap();
        w.accept(Side::Agent, 0, &frame).unwrap();
        // 50 frames = 8000 samples = 1 s: flushed, and hound reads the whole second.
        assert_eq!(hound::WavReader::open(&path).unwrap().duration(), 8000);
        w.accept(Side::Caller, 0, &frame).unwrap();
        w.accept(Side::Agent, 0, &frame).unwrap();
        assert_eq!(hound::WavReader::open(&path).unwrap().duration(), 8000);
        w.flush_if_dirty().unwrap();
        assert_eq!(hound::WavReader::open(&path).unwrap().duration(), 8160);
        assert_eq!(w.finish().unwrap(), 8160);
    }
}
