//! The media side of a recording: [`RecordingSink`], which never blocks and never allocates.
//!
//! A sink copies audio into fixed 160-sample chunks and `try_send`s them on the bounded
//! channel its writer (one of the pool's threads) reads. A chunk that does not fit (the writer is behind, or gone)
//! is dropped and counted, and its length is remembered per side and sent as the `gap` of
//! that side's next chunk, so the writer can put silence where the audio was lost.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;

use super::Side;
use crate::g711;
use crate::prompt::FRAME_SAMPLES;
use crate::sdp::Codec;

/// One chunk of one side: up to 160 samples, after `gap` samples that were dropped.
pub(super) struct Chunk {
    pub(super) side: Side,
    pub(super) gap: u32,
    pub(super) len: u8,
    pub(super) samples: [i16; FRAME_SAMPLES],
}

// Boxing the chunk would allocate per frame on the media path: the size is the point.
#[allow(clippy::large_enum_variant)]
pub(super) enum Msg {
    Audio(Chunk),
}

/// State the sinks, the handle and the writer share.
#[derive(Default)]
pub(super) struct Shared {
    pub(super) closed: AtomicBool,
    pub(super) dropped: AtomicU64,
    /// Samples dropped per side since its last chunk got through.
    pub(super) gaps: [AtomicU64; 2],
}

/// The media side's handle: cheap to clone, never blocks. See the module doc.
#[derive(Clone)]
pub struct RecordingSink {
    pub(super) tx: SyncSender<Msg>,
    pub(super) shared: Arc<Shared>,
}

impl std::fmt::Debug for RecordingSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingSink")
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl RecordingSink {
    /// Queues `samples` (any length; sent as chunks of up to 160) for `side`. Returns false
    /// if any chunk was dropped (queue full, writer gone) or the recording is closed.
    pub fn push(&self, side: Side, samples: &[i16]) -> bool {
        let mut all_sent = true;
        for part in samples.chunks(FRAME_SAMPLES) {
            all_sent &= self.send(side, part.len(), |out| out.copy_from_slice(part));
        }
        all_sent
    }

    /// Decodes a G.711 payload and queues it for `side`, like [`push`](Self::push).
    pub fn push_g711(&self, side: Side, codec: Codec, payload: &[u8]) -> bool {
        let decode = match codec {
            Codec::Pcmu => g711::ulaw_to_linear,
            Codec::Pcma => g711::alaw_to_linear,
        };
        let mut all_sent = true;
        for part in payload.chunks(FRAME_SAMPLES) {
            let fill = |out: &mut [i16]| {
                for (s, &code) in out.iter_mut().zip(part) {
                    *s = decode(code);
                }
            };
            all_sent &= self.send(side, part.len(), fill);
        }
        all_sent
    }

    /// Chunks dropped so far, over all clones of this sink.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    fn send(&self, side: Side, len: usize, fill: impl FnOnce(&mut [i16])) -> bool {
        if self.shared.closed.load(Ordering::Acquire) {
            return false;
        }
        // The callers cut their audio in parts of at most FRAME_SAMPLES.
        let mut samples = [0; FRAME_SAMPLES];
        let Some(part) = samples.get_mut(..len) else {
            return false;
        };
        fill(part);
        let gap_slot = side.of(&self.shared.gaps);
        let gap = gap_slot.swap(0, Ordering::AcqRel);
        let chunk = Chunk {
            side,
            gap: u32::try_from(gap).unwrap_or(u32::MAX),
            len: len as u8, // at most FRAME_SAMPLES (160), checked above
            samples,
        };
        match self.tx.try_send(Msg::Audio(chunk)) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                gap_slot.fetch_add(gap + len as u64, Ordering::AcqRel);
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }
}
