//! WAV prompts loaded once and shared by every call, and the cursors that play them as G.711.
//!
//! - [`library`]: [`PromptLibrary::load`] reads `root/<lang>/<name>.wav` (8 kHz, mono, 16-bit
//!   integer PCM only), decodes each file once and keeps its PCM plus its µ-law and A-law
//!   encodings in an `Arc<Prompt>`; [`PromptLibrary::require`] checks at start-up that every
//!   sound the flows use exists.
//! - [`playback`]: [`Playback`], a cursor over a list of prompts (a sentence such as "your bill
//!   for" + "March" + "is" + digits) that yields 160-byte frames back to back, with barge-in.
//! - [`moh`]: [`MusicOnHold`], a cursor that loops one prompt forever.
//!
//! A frame is 20 ms at 8 kHz: 160 samples, 160 G.711 bytes. Cursors copy from the precomputed
//! encodings into the caller's buffer and never allocate per frame; many calls share one
//! `Arc<Prompt>`, each with its own cursor. Everything here is pure: no clock, no I/O after
//! loading.

use std::fmt;
use std::time::Duration;

use crate::g711;
use crate::sdp::Codec;

pub mod library;
pub mod moh;
pub mod playback;

pub use library::{
    FormatMismatch, LoadError, MissingPrompt, PromptError, PromptErrorKind, PromptLibrary,
};
pub use moh::MusicOnHold;
pub use playback::Playback;

/// The sample rate of every prompt and of G.711.
pub const SAMPLE_RATE: u32 = 8000;
/// Samples (and G.711 bytes) in one 20 ms frame.
pub const FRAME_SAMPLES: usize = 160;
/// One 20 ms G.711 frame.
pub type Frame = [u8; FRAME_SAMPLES];

/// The byte that encodes silence (linear 0): `0xFF` in µ-law, `0xD5` in A-law.
pub const fn silence_byte(codec: Codec) -> u8 {
    match codec {
        Codec::Pcmu => 0xFF,
        Codec::Pcma => 0xD5,
    }
}

/// The duration of `samples` samples at 8 kHz (125 µs each).
pub const fn samples_to_duration(samples: u64) -> Duration {
    Duration::from_micros(samples.saturating_mul(125))
}

/// What a cursor's `next_frame` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameResult {
    /// `out` holds the next 160 bytes (the last frame of a playback is padded with silence).
    Frame,
    /// Everything has been played; `out` is untouched. Repeats on every later call.
    Finished,
    /// Stopped by [`Playback::interrupt`] (barge-in); `out` is untouched. Repeats too.
    Interrupted,
}

/// One prompt: its PCM and both G.711 encodings, computed once at load.
///
/// Shared as `Arc<Prompt>`; immutable. Memory is 4 bytes per sample (2 PCM + 1 + 1).
#[derive(Clone, PartialEq, Eq)]
pub struct Prompt {
    lang: String,
    name: String,
    pcm: Box<[i16]>,
    ulaw: Box<[u8]>,
    alaw: Box<[u8]>,
}

impl Prompt {
    /// A prompt from 8 kHz mono samples (both encodings are computed here).
    pub fn from_pcm(lang: impl Into<String>, name: impl Into<String>, pcm: Vec<i16>) -> Prompt {
        let mut ulaw = Vec::with_capacity(pcm.len());
        g711::encode(Codec::Pcmu, &pcm, &mut ulaw);
        let mut alaw = Vec::with_capacity(pcm.len());
        g711::encode(Codec::Pcma, &pcm, &mut alaw);
        Prompt {
            lang: lang.into(),
            name: name.into(),
            pcm: pcm.into_boxed_slice(),
            ulaw: ulaw.into_boxed_slice(),
            alaw: alaw.into_boxed_slice(),
        }
    }

    /// The language folder it was loaded from (`en`, `zh`, ...).
    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// Its name: the file name without `.wav` (`digit_0`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 16-bit samples.
    pub fn pcm(&self) -> &[i16] {
        &self.pcm
    }

    /// The precomputed G.711 encoding for `codec`, one byte per sample.
    pub fn encoded(&self, codec: Codec) -> &[u8] {
        match codec {
            Codec::Pcmu => &self.ulaw,
            Codec::Pcma => &self.alaw,
        }
    }

    /// Its length in samples.
    pub fn samples(&self) -> usize {
        self.pcm.len()
    }

    /// Its length in time.
    pub fn duration(&self) -> Duration {
        samples_to_duration(self.pcm.len() as u64)
    }

    /// Bytes of audio held: the PCM plus both encodings.
    pub fn memory_bytes(&self) -> usize {
        self.pcm.len() * 2 + self.ulaw.len() + self.alaw.len()
    }
}

impl fmt::Debug for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prompt")
            .field("lang", &self.lang)
            .field("name", &self.name)
            .field("samples", &self.pcm.len())
            .finish()
    }
}

/// Copies from `data` at `offset` into `out` as far as either goes; returns how many bytes.
/// The one step of both cursors ([`Playback`] across prompts, [`MusicOnHold`] around one).
pub(crate) fn copy_from(data: &[u8], offset: usize, out: &mut [u8]) -> usize {
    let rest = data.get(offset..).unwrap_or_default();
    let take = rest.len().min(out.len());
    if let (Some(out), Some(rest)) = (out.get_mut(..take), rest.get(..take)) {
        out.copy_from_slice(rest);
    }
    take
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_precomputes_both_encodings() {
        let pcm = vec![0, 1000, -1000, i16::MAX, i16::MIN];
        let p = Prompt::from_pcm("en", "x", pcm.clone());
        assert_eq!(p.lang(), "en");
        assert_eq!(p.name(), "x");
        assert_eq!(p.pcm(), &pcm[..]);
        assert_eq!(p.samples(), 5);
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let mut want = Vec::new();
            g711::encode(codec, &pcm, &mut want);
            assert_eq!(p.encoded(codec), &want[..], "{codec:?}");
        }
        assert_eq!(p.memory_bytes(), 20);
        assert!(format!("{p:?}").contains("samples: 5"));
    }

    #[test]
    fn silence_bytes_and_durations() {
        assert_eq!(silence_byte(Codec::Pcmu), g711::linear_to_ulaw(0));
        assert_eq!(silence_byte(Codec::Pcma), g711::linear_to_alaw(0));
        assert_eq!(samples_to_duration(8000), Duration::from_secs(1));
        assert_eq!(samples_to_duration(160), Duration::from_millis(20));
        let p = Prompt::from_pcm("en", "x", vec![0; 12_000]);
        assert_eq!(p.duration(), Duration::from_millis(1500));
    }
}
