//! Call recording to WAV, written off the media path; repair of files a crash left behind.
//!
//! The design, in three pieces:
//!
//! - [`RecordingSink`]: what the media code holds (one clone per leg). [`RecordingSink::push`]
//!   copies up to 160 samples per chunk into a bounded channel with `try_send`: it never
//!   blocks and never allocates. When the channel is full (the disk stalls) the chunk is
//!   dropped and counted, and its length is carried as a gap with that side's next chunk, so
//!   the file keeps its timing (silence where audio was lost).
//! - The writers: a small fixed pool of threads ([`WriterPool`], two by default, shared by all
//!   recordings; see `pool.rs`), the only code that touches the files. Each recording is
//!   written by one of them, which takes its queue every 100 ms (or at once on close), lines
//!   the two sides up by sample count (see `writer.rs` for the exact rules: a missing side is
//!   silence, a side joining late starts "now"), writes through `hound` into a `BufWriter`,
//!   and rewrites the WAV header (`flush`) every second of audio written and whenever no audio
//!   came for a second. hound's header says 0 samples until a flush, so a crash loses at most
//!   about a second, and [`repair_dir`] at start-up fixes the sizes of whatever was cut off.
//!   A slow disk slows a writer's passes; the channels then fill and the sinks drop (counted,
//!   kept as silence in place) instead of blocking the RTP path. Audio a sink accepted is
//!   always written.
//! - [`Recording`]: the handle the call owns. [`Recording::close`] tells the writer to finish
//!   it, waits for it to write what is queued and finalise the header, and returns a
//!   [`RecordingSummary`]. It blocks (briefly), so the async shell calls it from
//!   `spawn_blocking`; dropping a `Recording` without closing lets the writer finish it in the
//!   background.
//!
//! Format: 8 kHz 16-bit PCM; [`Channels::Mono`] mixes both sides, [`Channels::Stereo`] puts
//! the caller on the left and the agent on the right. A recording never overwrites a file.
//!
//! Encryption at rest: created with a [`RecordingKey`] ([`Recording::create_keyed`]), the same
//! WAV is written sealed with AES-256-GCM, chunk by chunk, to a `.wav.hlenc` file (the format,
//! and what a crash costs, are in `sealed.rs`); no plaintext audio reaches the disk. [`Sealed`]
//! reads such a file by byte range, [`repair_dir`] closes one a crash cut off, [`rekey_dir`]
//! seals the ones an older key sealed under the current key.

mod keys;
mod pool;
mod rekey;
mod repair;
pub mod sealed;
mod sink;
mod writer;

use std::fs::{self, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

pub use keys::{KeyId, Keyring, RecordingKey, KEY_BYTES};
pub use pool::{WriterPool, DEFAULT_BATCH, DEFAULT_WRITERS};
pub use rekey::{rekey_dir, rekey_file, RekeyOutcome, RekeyReport};
pub use repair::{repair_dir, repair_file, repair_sealed, RepairOutcome, RepairReport};
pub use sealed::{SealError, Sealed};
pub use sink::RecordingSink;

use crate::prompt::{samples_to_duration, SAMPLE_RATE};
use pool::{Ctl, Job};
use sealed::SealWriter;
use sink::{Msg, Shared};
use writer::{Out, Timing, Writer};

/// The channel layout of a recording file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channels {
    /// One channel: the caller and the agent mixed.
    Mono,
    /// Two channels: the caller left, the agent right.
    Stereo,
}

/// Whose audio a chunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// What the caller says (the left channel).
    Caller,
    /// What the agent says, or what we play to the caller (the right channel).
    Agent,
}

impl Side {
    /// This side's one of a pair held caller first.
    fn of<T>(self, pair: &[T; 2]) -> &T {
        let [caller, agent] = pair;
        match self {
            Side::Caller => caller,
            Side::Agent => agent,
        }
    }

    /// This side's one of a pair held caller first, and the other side's.
    fn split<T>(self, pair: &mut [T; 2]) -> (&mut T, &mut T) {
        let [caller, agent] = pair;
        match self {
            Side::Caller => (caller, agent),
            Side::Agent => (agent, caller),
        }
    }
}

/// How a recording is written. [`RecordingOptions::new`] gives the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingOptions {
    pub channels: Channels,
    /// Chunks the channel holds before the sink drops (default 64: 640 ms of both sides; the
    /// writer takes them every 100 ms).
    pub queue_chunks: usize,
    /// Rewrite the header every this many samples written (default 8000: 1 s of audio).
    pub flush_every_samples: u32,
    /// How far one side may run ahead before the other is written as silence (default
    /// 1600 samples: 200 ms of jitter between the legs).
    pub max_skew_samples: u32,
    /// After this much silence written in a row for a side, its next audio starts "now"
    /// (default 8000 samples: 1 s).
    pub realign_after_samples: u32,
    /// Flush when no audio has come for this long (default 1 s; the writer looks every
    /// 100 ms).
    pub idle_flush: Duration,
}

impl RecordingOptions {
    /// The defaults, with `channels`.
    pub const fn new(channels: Channels) -> RecordingOptions {
        RecordingOptions {
            channels,
            queue_chunks: 64,
            flush_every_samples: SAMPLE_RATE,
            max_skew_samples: 1600,
            realign_after_samples: SAMPLE_RATE,
            idle_flush: Duration::from_secs(1),
        }
    }
}

/// Why a recording could not be created or written.
#[derive(Debug, Error)]
pub enum RecordingError {
    #[error("{}: cannot create recording: {source}", path.display())]
    Create { path: PathBuf, source: io::Error },
    #[error("{}: cannot start the recording writers: {source}", path.display())]
    Spawn { path: PathBuf, source: io::Error },
    #[error("{}: recording write failed: {source}", path.display())]
    Write { path: PathBuf, source: hound::Error },
    #[error("{}: the recording writer stopped (panicked)", path.display())]
    Panicked { path: PathBuf },
}

/// What a closed recording holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingSummary {
    pub path: PathBuf,
    pub channels: Channels,
    /// Samples per channel written.
    pub samples: u64,
    pub duration: Duration,
    /// Chunks the sinks dropped because the channel was full or the writer had stopped.
    pub dropped_chunks: u64,
}

/// The call's handle on one recording (see the module doc).
pub struct Recording {
    path: PathBuf,
    channels: Channels,
    tx: SyncSender<Msg>,
    shared: Arc<Shared>,
    /// The writer's control channel, to wake it on close.
    writer: Sender<Ctl>,
    /// The writer's answer when the file is finished; taken by `close`.
    done: Option<Receiver<hound::Result<u64>>>,
}

impl Recording {
    /// Creates `path` (and its parent folders), writes the WAV header and hands the recording
    /// to the shared writer pool, with default options. Fails if the file already exists.
    /// Blocking file I/O (a create and a small write): fine at call set-up, or use
    /// `spawn_blocking`.
    pub fn create(path: impl AsRef<Path>, channels: Channels) -> Result<Recording, RecordingError> {
        Recording::create_with(path, RecordingOptions::new(channels))
    }

    /// Like [`create`](Self::create), with explicit options.
    pub fn create_with(
        path: impl AsRef<Path>,
        options: RecordingOptions,
    ) -> Result<Recording, RecordingError> {
        let pool = WriterPool::shared().map_err(|source| RecordingError::Spawn {
            path: path.as_ref().to_path_buf(),
            source,
        })?;
        Recording::create_in(pool, path, options)
    }

    /// Like [`create_with`](Self::create_with), written by `pool`.
    pub fn create_in(
        pool: &WriterPool,
        path: impl AsRef<Path>,
        options: RecordingOptions,
    ) -> Result<Recording, RecordingError> {
        Recording::create_keyed_in(pool, path, options, None)
    }

    /// Like [`create_with`](Self::create_with), sealed under `key` when one is given (the
    /// caller names such a file `….wav.hlenc`), a plain WAV otherwise.
    pub fn create_keyed(
        path: impl AsRef<Path>,
        options: RecordingOptions,
        key: Option<&RecordingKey>,
    ) -> Result<Recording, RecordingError> {
        let pool = WriterPool::shared().map_err(|source| RecordingError::Spawn {
            path: path.as_ref().to_path_buf(),
            source,
        })?;
        Recording::create_keyed_in(pool, path, options, key)
    }

    /// Like [`create_keyed`](Self::create_keyed), written by `pool`.
    pub fn create_keyed_in(
        pool: &WriterPool,
        path: impl AsRef<Path>,
        options: RecordingOptions,
        key: Option<&RecordingKey>,
    ) -> Result<Recording, RecordingError> {
        let path = path.as_ref().to_path_buf();
        let out =
            open_out(&path, options.channels, key).map_err(|source| RecordingError::Create {
                path: path.clone(),
                source,
            })?;
        let timing = Timing {
            max_skew: options.max_skew_samples as usize,
            realign_after: u64::from(options.realign_after_samples),
            flush_every: u64::from(options.flush_every_samples.max(1)),
        };
        let (tx, rx) = mpsc::sync_channel(options.queue_chunks.max(1));
        let (done_tx, done_rx) = mpsc::sync_channel(1);
        let shared = Arc::new(Shared::default());
        let job = Job {
            core: Writer::new(out, options.channels, timing),
            rx,
            shared: Arc::clone(&shared),
            idle: options.idle_flush,
            done: done_tx,
        };
        let writer = match pool.add(job) {
            Some(writer) => writer,
            None => {
                let _ = fs::remove_file(&path); // just created by us, header only
                return Err(RecordingError::Spawn {
                    path,
                    source: io::Error::other("the recording writers have stopped"),
                });
            }
        };
        Ok(Recording {
            path,
            channels: options.channels,
            tx,
            shared,
            writer,
            done: Some(done_rx),
        })
    }

    /// A sink for the media code; clone it freely.
    pub fn sink(&self) -> RecordingSink {
        RecordingSink {
            tx: self.tx.clone(),
            shared: Arc::clone(&self.shared),
        }
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Chunks dropped so far.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Stops the recording: later pushes are refused, queued audio is written, the header
    /// finalised. Blocks until the writer is done (call from `spawn_blocking` in async code).
    pub fn close(mut self) -> Result<RecordingSummary, RecordingError> {
        self.signal_close();
        let path = self.path.clone();
        let answer = match self.done.take() {
            Some(done) => done.recv(),
            None => return Err(RecordingError::Panicked { path }),
        };
        let samples = match answer {
            Ok(Ok(samples)) => samples,
            Ok(Err(source)) => return Err(RecordingError::Write { path, source }),
            // The writer thread is gone without answering.
            Err(_) => return Err(RecordingError::Panicked { path }),
        };
        Ok(RecordingSummary {
            path,
            channels: self.channels,
            samples,
            duration: samples_to_duration(samples),
            dropped_chunks: self.dropped(),
        })
    }

    fn signal_close(&self) {
        self.shared.closed.store(true, Ordering::Release);
        let _ = self.writer.send(Ctl::Wake);
    }
}

impl Drop for Recording {
    /// Without [`close`](Recording::close): the writer finishes the file in the background.
    fn drop(&mut self) {
        if self.done.is_some() {
            self.signal_close();
        }
    }
}

/// The WAV format of a recording.
fn wav_spec(channels: Channels) -> hound::WavSpec {
    hound::WavSpec {
        channels: match channels {
            Channels::Mono => 1,
            Channels::Stereo => 2,
        },
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// Creates a new file (never an existing one) with a header already on disk, so even a crash
/// before the first flush leaves a file [`repair_file`] can fix; sealed under `key` if given
/// (the file header on disk, the WAV header the first plaintext of the first chunk).
fn open_out(path: &Path, channels: Channels, key: Option<&RecordingKey>) -> io::Result<Out> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new().write(true).create_new(true).open(path)?;
    if let Some(key) = key {
        let header = wav_header(channels)?;
        let sealed = SealWriter::new(file, key, &header, sealed::DEFAULT_CHUNK)
            .map_err(SealError::into_io)?;
        return Ok(Out::Sealed(Box::new(sealed)));
    }
    let mut wav =
        hound::WavWriter::new(BufWriter::new(file), wav_spec(channels)).map_err(hound_to_io)?;
    wav.flush().map_err(hound_to_io)?;
    Ok(Out::Wav(wav))
}

/// The header hound writes for a recording, sizes 0 (in memory).
fn wav_header(channels: Channels) -> io::Result<Vec<u8>> {
    let mut header = io::Cursor::new(Vec::new());
    hound::WavWriter::new(&mut header, wav_spec(channels))
        .and_then(hound::WavWriter::finalize)
        .map_err(hound_to_io)?;
    Ok(header.into_inner())
}

fn hound_to_io(e: hound::Error) -> io::Error {
    match e {
        hound::Error::IoError(e) => e,
        other => io::Error::other(other),
    }
}

#[cfg(test)]
mod rekey_tests;
#[cfg(test)]
mod sealed_tests;
#[cfg(test)]
mod tests;
