//! The writer pool: a small fixed set of threads that write every recording, instead of one
//! thread per call.
//!
//! Each recording keeps its own bounded channel (the sinks `try_send` into it, never blocking
//! the RTP path) and is given, when created, to one worker (round robin). A worker sleeps
//! a tenth of `batch` (100 ms) at a time, or until told of a new recording or a close; each
//! recording's turn comes once a batch (the turns spread over the batch, so that the work comes
//! in small slices, not one burst that takes a core from the RTP tasks). On its turn, what is
//! queued for the recording goes to its [`Writer`] core; a recording that went quiet is
//! flushed, and one that was closed is finished (the result sent to the waiting
//! [`Recording::close`](super::Recording::close)) at the next wake.
//!
//! When the disk is slow, a worker's pass takes longer and its recordings' channels fill up:
//! the sinks then drop chunks (counted, and written as silence of the same length, so the file
//! keeps its timing) rather than wait. Audio a sink accepted is never dropped: a closing
//! recording is drained before its file is finalised. A write error ends that recording only
//! (its `close` returns the error); the worker carries on with the others.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::sink::{Msg, Shared};
use super::writer::Writer;

/// Writer threads of the pool every recording uses by default.
pub const DEFAULT_WRITERS: usize = 2;
/// How long a worker sleeps between passes when nothing wakes it (20 ms chunks of both sides
/// of a call: 10 of each per pass, against a channel of 64).
pub const DEFAULT_BATCH: Duration = Duration::from_millis(100);

/// A recording being written: everything a worker needs to write it.
pub(super) struct Job {
    pub core: Writer,
    pub rx: Receiver<Msg>,
    pub shared: Arc<Shared>,
    /// Flush when no audio came for this long.
    pub idle: Duration,
    /// Where the result goes when the recording is finished.
    pub done: SyncSender<hound::Result<u64>>,
}

/// What a worker is told.
pub(super) enum Ctl {
    Add(Box<Job>),
    /// A recording was closed: make a pass now rather than at the end of the batch.
    Wake,
}

/// A fixed set of writer threads (see the module doc).
pub struct WriterPool {
    workers: Vec<Sender<Ctl>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for WriterPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterPool")
            .field("workers", &self.workers.len())
            .finish()
    }
}

impl WriterPool {
    /// Starts `workers` threads (at least one), each making a pass every `batch`.
    pub fn new(workers: usize, batch: Duration) -> std::io::Result<WriterPool> {
        let mut senders = Vec::new();
        for i in 0..workers.max(1) {
            let (tx, rx) = mpsc::channel();
            std::thread::Builder::new()
                .name(format!("rec-writer-{i}"))
                .stack_size(256 * 1024)
                .spawn(move || work(&rx, batch))?;
            senders.push(tx);
        }
        Ok(WriterPool {
            workers: senders,
            next: AtomicUsize::new(0),
        })
    }

    /// The pool recordings use unless given another: [`DEFAULT_WRITERS`] threads, started on
    /// first use.
    pub fn shared() -> std::io::Result<&'static WriterPool> {
        static POOL: OnceLock<WriterPool> = OnceLock::new();
        if let Some(pool) = POOL.get() {
            return Ok(pool);
        }
        let pool = WriterPool::new(DEFAULT_WRITERS, DEFAULT_BATCH)?;
        // Two first recordings at once: one pool wins, the other's threads exit (their
        // control channel is dropped with it).
        Ok(POOL.get_or_init(|| pool))
    }

    /// How many writer threads the pool has.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Gives `job` to the next worker; returns the worker's control channel (for wake-ups),
    /// or None if that worker is gone (the job is dropped).
    pub(super) fn add(&self, job: Job) -> Option<Sender<Ctl>> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let worker = self.workers.get(i.checked_rem(self.workers.len())?)?;
        worker.send(Ctl::Add(Box::new(job))).ok()?;
        Some(worker.clone())
    }
}

/// A recording a worker holds: when it last had audio, when its next pass is due.
struct Active {
    job: Box<Job>,
    last_audio: Instant,
    next_pass: Instant,
}

/// A worker spreads its recordings' passes over this many slots of each batch, so that its
/// work comes in small slices (as the writes of many threads would) rather than one burst per
/// batch that takes a core away from the RTP tasks.
const SLOTS: u32 = 10;

/// What a pass made of a recording.
enum Step {
    Keep,
    /// Closed (or every sink and the handle gone): finish the file.
    Finish,
    Failed(hound::Error),
}

/// A worker: passes over its recordings until the pool is gone and they are all finished.
/// It wakes every `batch / SLOTS` and passes over the recordings whose turn it is (each one
/// every `batch`) and those that were closed.
fn work(ctl: &Receiver<Ctl>, batch: Duration) {
    let tick = (batch / SLOTS).max(Duration::from_millis(1));
    let mut active: Vec<Active> = Vec::new();
    let mut added: u32 = 0;
    let mut pool_gone = false;
    loop {
        let woken = if active.is_empty() {
            if pool_gone {
                return;
            }
            // Nothing to write: sleep until a recording comes.
            match ctl.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            }
        } else {
            match ctl.recv_timeout(tick) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    pool_gone = true;
                    None
                }
            }
        };
        let now = Instant::now();
        for c in woken
            .into_iter()
            .chain(std::iter::from_fn(|| ctl.try_recv().ok()))
        {
            if let Ctl::Add(job) = c {
                // Recordings created together take different slots.
                added = added.wrapping_add(1);
                active.push(Active {
                    job,
                    last_audio: now,
                    next_pass: now + batch * (added % SLOTS) / SLOTS,
                });
            }
        }
        let mut i = 0;
        while let Some(a) = active.get_mut(i) {
            if now < a.next_pass && !a.job.shared.closed.load(Ordering::Acquire) {
                i += 1;
                continue;
            }
            // Keep the slot; a worker late by a whole batch starts the recording's turns anew.
            a.next_pass = if a.next_pass + batch > now {
                a.next_pass + batch
            } else {
                now + batch
            };
            match pass(a, now) {
                Step::Keep => i += 1,
                Step::Finish => finish(active.swap_remove(i).job),
                Step::Failed(e) => {
                    let job = active.swap_remove(i).job;
                    tracing::warn!(error = %e, "recording write failed");
                    // Later pushes see the recording closed instead of filling a dead channel.
                    job.shared.closed.store(true, Ordering::Release);
                    let _ = job.done.try_send(Err(e));
                }
            }
        }
    }
}

/// Writes what is queued for one recording, flushes it if it went quiet.
fn pass(a: &mut Active, now: Instant) -> Step {
    // Read the flag first: whatever a sink queued before the close is drained below.
    let closing = a.job.shared.closed.load(Ordering::Acquire);
    let (got, disconnected) = match drain(&mut a.job) {
        Ok(d) => d,
        Err(e) => return Step::Failed(e),
    };
    if closing || disconnected {
        return Step::Finish;
    }
    if got {
        a.last_audio = now;
    } else if now.saturating_duration_since(a.last_audio) >= a.job.idle {
        if let Err(e) = a.job.core.flush_if_dirty() {
            return Step::Failed(e);
        }
    }
    Step::Keep
}

/// Writes the rest, finalises the header, and tells the waiting `close` how it went.
fn finish(job: Box<Job>) {
    let mut job = *job;
    let drained = drain(&mut job);
    let Job { core, done, .. } = job;
    let result = drained.and_then(|_| core.finish());
    if let Err(e) = &result {
        tracing::warn!(error = %e, "recording write failed");
    }
    let _ = done.try_send(result);
}

/// Takes everything queued: (any audio, every sender gone), or the first write error.
fn drain(job: &mut Job) -> hound::Result<(bool, bool)> {
    let mut got = false;
    loop {
        match job.rx.try_recv() {
            Ok(Msg::Audio(c)) => {
                got = true;
                job.core
                    // `len` is at most FRAME_SAMPLES (the sink's `send`).
                    .accept(
                        c.side,
                        c.gap,
                        c.samples.get(..usize::from(c.len)).unwrap_or_default(),
                    )?;
            }
            Err(TryRecvError::Empty) => return Ok((got, false)),
            Err(TryRecvError::Disconnected) => return Ok((got, true)),
        }
    }
}
