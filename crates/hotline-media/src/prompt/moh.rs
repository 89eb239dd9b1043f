//! Music on hold: one prompt looped forever, as 20 ms G.711 frames.
//!
//! The loop is seamless: the frame that reaches the end of the music continues with its
//! start, so there is never a gap or a padded frame. Every caller on hold shares the same
//! `Arc<Prompt>` and owns a [`MusicOnHold`] cursor (a few words of state). An empty prompt
//! gives silence frames rather than ending: a caller on hold should never get dead air
//! because of a bad file. Like [`Playback`](super::Playback), it only copies bytes.

use std::sync::Arc;
use std::time::Duration;

use super::{samples_to_duration, silence_byte, Frame, FrameResult, Prompt, FRAME_SAMPLES};
use crate::sdp::Codec;

/// A looping cursor over one shared prompt.
#[derive(Debug, Clone)]
pub struct MusicOnHold {
    prompt: Arc<Prompt>,
    codec: Codec,
    /// The next sample within the prompt.
    offset: usize,
    /// Samples sent since the start, over all loops.
    played: u64,
}

impl MusicOnHold {
    /// A cursor at the start of `prompt`.
    pub fn new(prompt: Arc<Prompt>, codec: Codec) -> MusicOnHold {
        MusicOnHold::starting_at(prompt, codec, 0)
    }

    /// A cursor starting `sample` samples into the music (wrapped to its length), e.g. to
    /// resume where a caller left off.
    pub fn starting_at(prompt: Arc<Prompt>, codec: Codec, sample: usize) -> MusicOnHold {
        let offset = sample.checked_rem(prompt.samples()).unwrap_or(0);
        MusicOnHold {
            prompt,
            codec,
            offset,
            played: 0,
        }
    }

    /// Fills `out` with the next frame. Always [`FrameResult::Frame`]: music on hold never ends.
    pub fn next_frame(&mut self, out: &mut Frame) -> FrameResult {
        let data = self.prompt.encoded(self.codec);
        if data.is_empty() {
            out.fill(silence_byte(self.codec));
        } else {
            let mut filled = 0;
            while filled < FRAME_SAMPLES {
                let to = out.get_mut(filled..).unwrap_or_default();
                let take = super::copy_from(data, self.offset, to);
                filled += take;
                self.offset += take;
                if self.offset >= data.len() {
                    self.offset = 0;
                }
            }
        }
        self.played += FRAME_SAMPLES as u64;
        FrameResult::Frame
    }

    /// Switches the codec; the position is kept.
    pub fn set_codec(&mut self, codec: Codec) {
        self.codec = codec;
    }

    /// The codec frames are encoded with.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// The shared music.
    pub fn prompt(&self) -> &Arc<Prompt> {
        &self.prompt
    }

    /// Where the next frame starts within the music, in samples.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Where the next frame starts within the music, in time.
    pub fn position(&self) -> Duration {
        samples_to_duration(self.offset as u64)
    }

    /// How long this caller has heard music (all loops).
    pub fn played(&self) -> Duration {
        samples_to_duration(self.played)
    }

    /// Completed loops so far.
    pub fn loops(&self) -> u64 {
        self.played
            .checked_div(self.prompt.samples() as u64)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn music(n: usize) -> Arc<Prompt> {
        let pcm = (0..n).map(|i| (i as i16).wrapping_mul(211)).collect();
        Arc::new(Prompt::from_pcm("en", "moh", pcm))
    }

    fn frames(m: &mut MusicOnHold, n: usize) -> Vec<u8> {
        let mut all = Vec::new();
        let mut out = [0u8; FRAME_SAMPLES];
        for _ in 0..n {
            assert_eq!(m.next_frame(&mut out), FrameResult::Frame);
            all.extend_from_slice(&out);
        }
        all
    }

    #[test]
    fn loops_seamlessly_across_the_end() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let p = music(250); // not a multiple of 160: frames straddle the loop point
            let mut m = MusicOnHold::new(p.clone(), codec);
            let got = frames(&mut m, 10);
            let want: Vec<u8> = p
                .encoded(codec)
                .iter()
                .copied()
                .cycle()
                .take(1600)
                .collect();
            assert_eq!(got, want, "{codec:?}");
            assert_eq!(m.offset(), 1600 % 250);
            assert_eq!(m.loops(), 6);
            assert_eq!(m.played(), Duration::from_millis(200));
            assert_eq!(m.position(), samples_to_duration(100));
        }
    }

    #[test]
    fn music_shorter_than_a_frame_repeats_within_it() {
        let p = music(7);
        let mut m = MusicOnHold::new(p.clone(), Codec::Pcmu);
        let got = frames(&mut m, 3);
        let want: Vec<u8> = p
            .encoded(Codec::Pcmu)
            .iter()
            .copied()
            .cycle()
            .take(480)
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn empty_music_is_silence_forever() {
        let p = Arc::new(Prompt::from_pcm("en", "moh", Vec::new()));
        let mut m = MusicOnHold::starting_at(p, Codec::Pcma, 99);
        assert_eq!(m.offset(), 0);
        assert_eq!(frames(&mut m, 2), vec![0xD5; 320]);
        assert_eq!(m.loops(), 0);
    }

    #[test]
    fn callers_share_the_music_with_their_own_cursors() {
        let p = music(1000);
        let mut a = MusicOnHold::new(p.clone(), Codec::Pcmu);
        let mut b = MusicOnHold::starting_at(p.clone(), Codec::Pcma, 1160);
        assert_eq!(Arc::strong_count(&p), 3);
        assert_eq!(b.offset(), 160);
        let fa = frames(&mut a, 2);
        let fb = frames(&mut b, 1);
        assert_eq!(&fa[160..], &p.encoded(Codec::Pcmu)[160..320]);
        assert_eq!(&fb[..], &p.encoded(Codec::Pcma)[160..320]);
        assert!(Arc::ptr_eq(a.prompt(), b.prompt()));
        b.set_codec(Codec::Pcmu);
        assert_eq!(b.codec(), Codec::Pcmu);
        assert_eq!(frames(&mut b, 1), &p.encoded(Codec::Pcmu)[320..480]);
    }
}
