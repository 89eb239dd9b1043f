//! Playing a list of prompts as one stream of 20 ms G.711 frames, with barge-in.
//!
//! The prompts play back to back with no gap: a frame may end one prompt and start the next,
//! so "your bill is" + "one" + "hundred" sounds as recorded. Only the very last frame is padded
//! with the codec's silence byte. The bytes come from each prompt's precomputed encoding;
//! [`Playback::next_frame`] only copies (no allocation, no encoding per frame).
//!
//! The shell calls `next_frame` every 20 ms and sends what it gets; on `Finished` it reports
//! "prompt done" to the IVR. A DTMF digit calls [`Playback::interrupt`]: an interruptible
//! playback stops at once (the next call says `Interrupted`), any other keeps playing.

use std::sync::Arc;
use std::time::Duration;

use super::{samples_to_duration, silence_byte, Frame, FrameResult, Prompt, FRAME_SAMPLES};
use crate::sdp::Codec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Playing,
    Finished,
    Interrupted,
}

/// A cursor over a list of shared prompts, yielding 160-byte frames.
#[derive(Debug, Clone)]
pub struct Playback {
    prompts: Vec<Arc<Prompt>>,
    codec: Codec,
    interruptible: bool,
    /// The prompt being played (`prompts.len()` once all are done).
    index: usize,
    /// The next sample within `prompts[index]`.
    offset: usize,
    /// Samples sent so far (padding not counted).
    played: u64,
    total: u64,
    state: State,
}

impl Playback {
    /// A playback of `prompts`, in order, encoded with `codec`. An empty list is finished at once.
    pub fn new(prompts: Vec<Arc<Prompt>>, codec: Codec, interruptible: bool) -> Playback {
        let total = prompts.iter().map(|p| p.samples() as u64).sum();
        Playback {
            prompts,
            codec,
            interruptible,
            index: 0,
            offset: 0,
            played: 0,
            total,
            state: State::Playing,
        }
    }

    /// Fills `out` with the next frame, or says why there is none (then `out` is untouched).
    pub fn next_frame(&mut self, out: &mut Frame) -> FrameResult {
        match self.state {
            State::Finished => return FrameResult::Finished,
            State::Interrupted => return FrameResult::Interrupted,
            State::Playing => {}
        }
        let mut filled = 0;
        while filled < FRAME_SAMPLES {
            let Some(prompt) = self.prompts.get(self.index) else {
                break;
            };
            let data = prompt.encoded(self.codec);
            let to = out.get_mut(filled..).unwrap_or_default();
            let take = super::copy_from(data, self.offset, to);
            filled += take;
            self.offset += take;
            if self.offset >= data.len() {
                self.index += 1;
                self.offset = 0;
            }
        }
        if filled == 0 {
            self.state = State::Finished;
            return FrameResult::Finished;
        }
        if let Some(rest) = out.get_mut(filled..) {
            rest.fill(silence_byte(self.codec));
        }
        self.played += filled as u64;
        FrameResult::Frame
    }

    /// Barge-in: stops at once and returns true if interruptible and still playing; otherwise
    /// does nothing and returns false.
    pub fn interrupt(&mut self) -> bool {
        if self.interruptible && self.state == State::Playing {
            self.state = State::Interrupted;
            true
        } else {
            false
        }
    }

    /// Switches the codec (a re-INVITE changed it); the position is kept.
    pub fn set_codec(&mut self, codec: Codec) {
        self.codec = codec;
    }

    /// The codec frames are encoded with.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Whether a digit stops this playback.
    pub fn is_interruptible(&self) -> bool {
        self.interruptible
    }

    /// True once `next_frame` has returned `Finished` or `Interrupted`.
    pub fn is_done(&self) -> bool {
        self.state != State::Playing
    }

    /// True if it was stopped by [`interrupt`](Self::interrupt).
    pub fn was_interrupted(&self) -> bool {
        self.state == State::Interrupted
    }

    /// How much audio has been sent (padding not counted).
    pub fn position(&self) -> Duration {
        samples_to_duration(self.played)
    }

    /// Samples sent so far (padding not counted).
    pub fn played_samples(&self) -> u64 {
        self.played
    }

    /// How much audio is left to send (zero once interrupted).
    pub fn remaining(&self) -> Duration {
        if self.state == State::Interrupted {
            return Duration::ZERO;
        }
        samples_to_duration(self.total - self.played)
    }

    /// The length of the whole list.
    pub fn total(&self) -> Duration {
        samples_to_duration(self.total)
    }

    /// Frames still to come (the last one possibly padded); zero once done.
    pub fn remaining_frames(&self) -> u64 {
        if self.is_done() {
            return 0;
        }
        (self.total - self.played).div_ceil(FRAME_SAMPLES as u64)
    }

    /// The prompt the next frame starts in, if any is left.
    pub fn current(&self) -> Option<&Arc<Prompt>> {
        if self.is_done() {
            return None;
        }
        self.prompts
            .iter()
            .skip(self.index)
            .find(|p| p.samples() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(name: &str, pcm: Vec<i16>) -> Arc<Prompt> {
        Arc::new(Prompt::from_pcm("en", name, pcm))
    }

    fn tone(n: usize, seed: i16) -> Vec<i16> {
        (0..n)
            .map(|i| seed.wrapping_add((i as i16).wrapping_mul(37)))
            .collect()
    }

    /// Plays to the end, returning every byte sent and the number of frames.
    fn drain(p: &mut Playback) -> (Vec<u8>, usize) {
        let mut all = Vec::new();
        let mut frames = 0;
        let mut out = [0u8; FRAME_SAMPLES];
        while p.next_frame(&mut out) == FrameResult::Frame {
            all.extend_from_slice(&out);
            frames += 1;
        }
        (all, frames)
    }

    #[test]
    fn prompts_play_back_to_back_without_gaps() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let list = vec![
                prompt("a", tone(250, 100)),
                prompt("b", tone(70, -3000)),
                prompt("c", tone(320, 9000)),
            ];
            let mut want: Vec<u8> = list
                .iter()
                .flat_map(|p| p.encoded(codec).to_vec())
                .collect();
            let mut p = Playback::new(list, codec, false);
            assert_eq!(p.total(), samples_to_duration(640));
            assert_eq!(p.remaining_frames(), 4);
            let (got, frames) = drain(&mut p);
            assert_eq!(frames, 4); // 640 samples = 4 frames exactly: no padding
            assert_eq!(got, want, "{codec:?}");
            // One sample more and the last frame carries 1 sample then silence.
            let mut p = Playback::new(
                vec![prompt("a", tone(640, 1)), prompt("b", vec![1000])],
                codec,
                false,
            );
            want = p
                .prompts
                .iter()
                .flat_map(|p| p.encoded(codec).to_vec())
                .collect();
            want.resize(800, silence_byte(codec));
            let (got, frames) = drain(&mut p);
            assert_eq!((frames, got), (5, want), "{codec:?}");
        }
    }

    #[test]
    fn last_frame_is_padded_then_finished_forever() {
        let mut p = Playback::new(vec![prompt("a", tone(10, 5))], Codec::Pcma, true);
        let mut out = [0u8; FRAME_SAMPLES];
        assert_eq!(p.next_frame(&mut out), FrameResult::Frame);
        assert_eq!(&out[..10], p.prompts[0].encoded(Codec::Pcma));
        assert!(out[10..].iter().all(|&b| b == 0xD5));
        out = [7; FRAME_SAMPLES];
        assert_eq!(p.next_frame(&mut out), FrameResult::Finished);
        assert_eq!(out, [7; FRAME_SAMPLES], "untouched");
        assert_eq!(p.next_frame(&mut out), FrameResult::Finished);
        assert!(p.is_done() && !p.was_interrupted());
        assert!(!p.interrupt(), "nothing to interrupt");
        assert_eq!(p.next_frame(&mut out), FrameResult::Finished);
    }

    #[test]
    fn empty_lists_and_empty_prompts() {
        let mut out = [0u8; FRAME_SAMPLES];
        let mut p = Playback::new(Vec::new(), Codec::Pcmu, true);
        assert_eq!(p.remaining_frames(), 0);
        assert_eq!(p.next_frame(&mut out), FrameResult::Finished);
        let empty = prompt("e", Vec::new());
        let list = vec![empty.clone(), prompt("a", vec![0; 5]), empty.clone()];
        let mut p = Playback::new(list, Codec::Pcmu, true);
        assert_eq!(p.current().map(|c| c.name()), Some("a"));
        assert_eq!(p.next_frame(&mut out), FrameResult::Frame);
        assert_eq!(out, [0xFF; FRAME_SAMPLES]);
        assert!(p.current().is_none());
        assert_eq!(p.next_frame(&mut out), FrameResult::Finished);
        let mut p = Playback::new(vec![empty.clone(), empty], Codec::Pcmu, false);
        assert_eq!(p.next_frame(&mut out), FrameResult::Finished);
    }

    #[test]
    fn interrupt_stops_at_once_only_if_interruptible() {
        let list = vec![prompt("a", tone(1000, 0))];
        let mut out = [0u8; FRAME_SAMPLES];
        let mut p = Playback::new(list.clone(), Codec::Pcmu, true);
        assert_eq!(p.next_frame(&mut out), FrameResult::Frame);
        assert!(p.interrupt());
        assert!(p.was_interrupted() && p.is_done());
        assert_eq!(p.next_frame(&mut out), FrameResult::Interrupted);
        assert_eq!(p.next_frame(&mut out), FrameResult::Interrupted);
        assert_eq!(p.remaining(), Duration::ZERO);
        assert_eq!(p.remaining_frames(), 0);
        assert_eq!(p.position(), Duration::from_millis(20));
        assert!(!p.interrupt(), "already stopped");

        let mut p = Playback::new(list, Codec::Pcmu, false);
        assert!(!p.is_interruptible());
        assert!(!p.interrupt());
        let (_, frames) = drain(&mut p);
        assert_eq!(frames, 7); // 1000 samples: 6 full frames and one padded
        assert!(!p.was_interrupted());
    }

    #[test]
    fn position_and_remaining_track_samples_not_padding() {
        let mut p = Playback::new(
            vec![prompt("a", tone(200, 0)), prompt("b", tone(100, 0))],
            Codec::Pcmu,
            false,
        );
        let mut out = [0u8; FRAME_SAMPLES];
        assert_eq!(p.remaining(), Duration::from_micros(300 * 125));
        assert_eq!(p.current().map(|c| c.name()), Some("a"));
        p.next_frame(&mut out);
        assert_eq!(p.position(), Duration::from_millis(20));
        assert_eq!(p.remaining_frames(), 1);
        p.next_frame(&mut out);
        assert_eq!(p.played_samples(), 300);
        assert_eq!(p.remaining(), Duration::ZERO);
        assert_eq!(p.remaining_frames(), 0);
        assert!(!p.is_done(), "done only once Finished has been reported");
        assert_eq!(p.next_frame(&mut out), FrameResult::Finished);
        assert!(p.is_done());
    }

    #[test]
    fn codec_can_change_mid_playback() {
        let a = prompt("a", tone(320, 42));
        let mut p = Playback::new(vec![a.clone()], Codec::Pcmu, false);
        let mut out = [0u8; FRAME_SAMPLES];
        p.next_frame(&mut out);
        assert_eq!(&out[..], &a.encoded(Codec::Pcmu)[..160]);
        p.set_codec(Codec::Pcma);
        assert_eq!(p.codec(), Codec::Pcma);
        p.next_frame(&mut out);
        assert_eq!(&out[..], &a.encoded(Codec::Pcma)[160..]);
    }

    #[test]
    fn many_cursors_share_one_prompt() {
        let a = prompt("a", tone(480, 1));
        let mut cursors: Vec<Playback> = (0..3)
            .map(|_| Playback::new(vec![a.clone()], Codec::Pcmu, true))
            .collect();
        assert_eq!(Arc::strong_count(&a), 4);
        let mut out = [0u8; FRAME_SAMPLES];
        cursors[1].next_frame(&mut out);
        cursors[1].next_frame(&mut out);
        cursors[0].next_frame(&mut out);
        assert_eq!(&out[..], &a.encoded(Codec::Pcmu)[..160]);
        assert_eq!(cursors[1].played_samples(), 320);
        assert_eq!(cursors[2].played_samples(), 0);
    }
}
