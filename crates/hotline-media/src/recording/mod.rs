//! Call recording to WAV, written off the media path; repair of files a crash left behind.
//!
//! The design, in three pieces:
//!
//! - [`RecordingSink`]: what the media code holds (one clone per leg). [`RecordingSink::push`]
//!   copies up to 160 samples per chunk into a bounded channel with `try_send`: it never
//!   blocks and never allocates. When the channel is full (the disk stalls) the chunk is
//!   dropped and counted, and its length is carried as a gap with that side's next chunk, so
//!   the file keeps its timing (silence where audio was lost).
//! - The writer: one dedicated thread per recording (`std::thread`, small stack), the only
//!   code that touches the file. It lines the two sides up by sample count (see `writer.rs`
//!   for the exact rules: a missing side is silence, a side joining late starts "now"),
//!   writes through `hound` into a `BufWriter`, and rewrites the WAV header (`flush`) every
//!   second of audio written and whenever no audio came for a second. hound's header says
//!   0 samples until a flush, so a crash loses at most about a second, and
//!   [`repair_dir`] at start-up fixes the sizes of whatever was cut off.
//! - [`Recording`]: the handle the call owns. [`Recording::close`] tells the writer to stop,
//!   waits for it to write what is queued and finalise the header, and returns a
//!   [`RecordingSummary`]. It blocks (briefly), so the async shell calls it from
//!   `spawn_blocking`; dropping a `Recording` without closing signals the writer to finish
//!   in the background.
//!
//! Format: 8 kHz 16-bit PCM; [`Channels::Mono`] mixes both sides, [`Channels::Stereo`] puts
//! the caller on the left and the agent on the right. A recording never overwrites a file.

mod repair;
mod sink;
mod writer;

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use thiserror::Error;

pub use repair::{repair_dir, repair_file, RepairOutcome, RepairReport};
pub use sink::RecordingSink;

use crate::prompt::{samples_to_duration, SAMPLE_RATE};
use sink::{Msg, Shared};
use writer::{Timing, Writer};

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
    const fn index(self) -> usize {
        match self {
            Side::Caller => 0,
            Side::Agent => 1,
        }
    }
}

/// How a recording is written. [`RecordingOptions::new`] gives the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingOptions {
    pub channels: Channels,
    /// Chunks the channel holds before the sink drops (default 64: 640 ms of both sides).
    pub queue_chunks: usize,
    /// Rewrite the header every this many samples written (default 8000: 1 s of audio).
    pub flush_every_samples: u32,
    /// How far one side may run ahead before the other is written as silence (default
    /// 1600 samples: 200 ms of jitter between the legs).
    pub max_skew_samples: u32,
    /// After this much silence written in a row for a side, its next audio starts "now"
    /// (default 8000 samples: 1 s).
    pub realign_after_samples: u32,
    /// Flush when no audio has come for this long (default 1 s).
    pub idle_flush: Duration,
    /// After waking for audio, the writer takes what is queued and sleeps this long before
    /// looking again (default 200 ms: 20 chunks of both sides; the queue holds 64). A thousand
    /// recordings then wake their writers 5 times a second each instead of 100.
    pub batch: Duration,
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
            batch: Duration::from_millis(200),
        }
    }
}

/// Why a recording could not be created or written.
#[derive(Debug, Error)]
pub enum RecordingError {
    #[error("{}: cannot create recording: {source}", path.display())]
    Create { path: PathBuf, source: io::Error },
    #[error("{}: cannot start the recording thread: {source}", path.display())]
    Spawn { path: PathBuf, source: io::Error },
    #[error("{}: recording write failed: {source}", path.display())]
    Write { path: PathBuf, source: hound::Error },
    #[error("{}: the recording thread panicked", path.display())]
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
    thread: Option<JoinHandle<hound::Result<u64>>>,
}

impl Recording {
    /// Creates `path` (and its parent folders), writes the WAV header and starts the writer
    /// thread, with default options. Fails if the file already exists. Blocking file I/O
    /// (a create and a small write): fine at call set-up, or use `spawn_blocking`.
    pub fn create(path: impl AsRef<Path>, channels: Channels) -> Result<Recording, RecordingError> {
        Recording::create_with(path, RecordingOptions::new(channels))
    }

    /// Like [`create`](Self::create), with explicit options.
    pub fn create_with(
        path: impl AsRef<Path>,
        options: RecordingOptions,
    ) -> Result<Recording, RecordingError> {
        let path = path.as_ref().to_path_buf();
        let wav = open_wav(&path, options.channels).map_err(|source| RecordingError::Create {
            path: path.clone(),
            source,
        })?;
        let timing = Timing {
            max_skew: options.max_skew_samples as usize,
            realign_after: u64::from(options.realign_after_samples),
            flush_every: u64::from(options.flush_every_samples.max(1)),
        };
        let core = Writer::new(wav, options.channels, timing);
        let (tx, rx) = mpsc::sync_channel(options.queue_chunks.max(1));
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        let (idle, batch) = (options.idle_flush, options.batch);
        let spawned = std::thread::Builder::new()
            .name("recording".into())
            .stack_size(256 * 1024)
            .spawn(move || run(core, &rx, &thread_shared, idle, batch));
        let thread = match spawned {
            Ok(handle) => handle,
            Err(source) => {
                let _ = fs::remove_file(&path); // just created by us, header only
                return Err(RecordingError::Spawn { path, source });
            }
        };
        Ok(Recording {
            path,
            channels: options.channels,
            tx,
            shared,
            thread: Some(thread),
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
        let joined = match self.thread.take() {
            Some(thread) => thread.join(),
            None => return Err(RecordingError::Panicked { path }),
        };
        let samples = match joined {
            Ok(Ok(samples)) => samples,
            Ok(Err(source)) => return Err(RecordingError::Write { path, source }),
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
        // If the queue is full the writer is busy and sees the flag after its next chunk.
        let _ = self.tx.try_send(Msg::Wake);
    }
}

impl Drop for Recording {
    /// Without [`close`](Recording::close): the writer finishes the file in the background.
    fn drop(&mut self) {
        if self.thread.is_some() {
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
/// before the first flush leaves a file [`repair_file`] can fix.
fn open_wav(path: &Path, channels: Channels) -> io::Result<hound::WavWriter<BufWriter<File>>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new().write(true).create_new(true).open(path)?;
    let mut wav =
        hound::WavWriter::new(BufWriter::new(file), wav_spec(channels)).map_err(hound_to_io)?;
    wav.flush().map_err(hound_to_io)?;
    Ok(wav)
}

fn hound_to_io(e: hound::Error) -> io::Error {
    match e {
        hound::Error::IoError(e) => e,
        other => io::Error::other(other),
    }
}

/// The writer thread: feeds the core until closed (or every sender is gone), then finishes.
fn run(
    mut core: Writer<BufWriter<File>>,
    rx: &Receiver<Msg>,
    shared: &Shared,
    idle: Duration,
    batch: Duration,
) -> hound::Result<u64> {
    let result = pump(&mut core, rx, shared, idle, batch).and_then(|()| core.finish());
    if let Err(e) = &result {
        tracing::warn!(error = %e, "recording write failed");
    }
    result
}

fn pump(
    core: &mut Writer<BufWriter<File>>,
    rx: &Receiver<Msg>,
    shared: &Shared,
    idle: Duration,
    batch: Duration,
) -> hound::Result<()> {
    loop {
        if shared.closed.load(Ordering::Acquire) {
            // Write what was queued before the close, then stop.
            while let Ok(msg) = rx.try_recv() {
                accept(core, msg)?;
            }
            return Ok(());
        }
        match rx.recv_timeout(idle) {
            Ok(msg) => {
                accept(core, msg)?;
                while let Ok(msg) = rx.try_recv() {
                    accept(core, msg)?;
                }
                if !batch.is_zero() && !shared.closed.load(Ordering::Acquire) {
                    std::thread::sleep(batch);
                }
            }
            Err(RecvTimeoutError::Timeout) => core.flush_if_dirty()?,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

fn accept(core: &mut Writer<BufWriter<File>>, msg: Msg) -> hound::Result<()> {
    match msg {
        Msg::Audio(c) => core.accept(c.side, c.gap, &c.samples[..usize::from(c.len)]),
        Msg::Wake => Ok(()),
    }
}

#[cfg(test)]
mod tests;
