//! Call records: the controller reports what happens to each inbound call (arrived,
//! answered, ended) and the call log writes it to the store, never losing it and never
//! making a call wait. The record's fields are computed by the call core from the call's
//! phases (`hotline_call::record`): the log only carries what it is given (the final record
//! when the call ends, the wrap-up when the agent's ends, callback attempts as outbound
//! records linked to the original call).
//!
//! The way to the store: the controller's calls put an entry on an unbounded channel (never
//! blocks, never drops); a thread appends the entries to a durable spool under
//! `<data.dir>/call-log/` (`spool`); a task writes them from there into the store in order,
//! a batch at a time, and the spool is trimmed only past what the store took (`writer`). A
//! burst delays records; a crash loses none that reached the spool: the next start replays
//! them, then closes the calls the dead run left open as `interrupted` (engine runs with a
//! heartbeat, in the store's `runs`).

mod spool;
mod writer;

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;

use hotline_call::record::AttemptRecord;
use hotline_call::Record;
use hotline_sip::CallRef;
use hotline_store::{CallIs, CallUpdate, Disposition, Millis, NewCall, Store};
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::storage::now_ms;
pub use writer::Entry;
use writer::{Line, Writer};

/// How often the run's heartbeat (its last sign of life) is written.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// Most entries the spool thread appends at once.
const APPEND_BATCH: usize = 4096;

/// Where and how the call log keeps its spool.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// The spool's folder (`<data.dir>/call-log`); `rejected.jsonl` is kept there too.
    pub dir: PathBuf,
    /// Entries written to the store between saves of the spool's cursor.
    pub batch: usize,
    /// A spool segment's size before a new one starts (segments are deleted once written).
    pub segment_bytes: u64,
    /// The call-handling threads' `SCHED_RR` priority (`media.realtime_priority`; 0: normal),
    /// which the spool thread takes too (see [`append`]).
    pub realtime_priority: u8,
}

/// How the IVR part of a call ended (the IVR's `interp::Outcome`, with the queue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IvrOutcome {
    /// A self-service action (a `served` node), then the flow or the caller ended the call.
    SelfServed,
    /// Handed to an agent queue.
    Transferred(String),
    /// The caller hung up before any self-service action.
    Abandoned,
    /// The flow hung up before any self-service action (e.g. the closed-hours message).
    Unserved,
}

enum Msg {
    Entry(Box<Entry>),
    /// Answered once everything sent before is in the spool.
    Flush(std_mpsc::Sender<()>),
}

/// The controller's end of the call log. Cheap to clone.
#[derive(Clone)]
pub struct CallLog {
    tx: std_mpsc::Sender<Msg>,
    /// When this engine started: call references are `<boot>-<call id>`.
    boot: Millis,
    /// This engine run (the store's `engine_runs`).
    run: i64,
    store: Store,
}

impl std::fmt::Debug for CallLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallLog")
            .field("boot", &self.boot)
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Entry(e) => e.fmt(f),
            Msg::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl CallLog {
    /// Starts a run: writes what the spool kept from the last run into the store, closes
    /// the calls dead runs left open, then starts the spool thread, the writer and the
    /// heartbeat. With `metrics`, each write's latency is observed.
    pub async fn start(
        store: Store,
        opts: LogOptions,
        metrics: Option<Arc<hotline_metrics::Metrics>>,
    ) -> Result<CallLog, String> {
        let spool_err = |e: std::io::Error| format!("call log spool {}: {e}", opts.dir.display());
        let run = store
            .start_run(now_ms())
            .await
            .map_err(|e| format!("store: {e}"))?;
        let more = Arc::new(Notify::new());
        let mut writer = Writer::new(store.clone(), opts.dir.join("rejected.jsonl"), metrics);
        let reader = spool::Reader::open(&opts.dir).map_err(spool_err)?;
        let reader = writer.run(reader, opts.batch, more.clone(), true).await;
        if writer.applied + writer.refused > 0 {
            info!(
                written = writer.applied,
                rejected = writer.refused,
                "call records kept in the spool by the last run written"
            );
        }
        let closed = store
            .close_interrupted_calls(run)
            .await
            .map_err(|e| format!("store: {e}"))?;
        if !closed.is_empty() {
            let recorded = closed.iter().filter(|c| c.recording.is_some()).count();
            warn!(
                calls = closed.len(),
                recorded, "calls left open by an engine that died closed as interrupted"
            );
        }
        let appender = spool::Appender::open(&opts.dir, opts.segment_bytes).map_err(spool_err)?;
        let (tx, rx) = std_mpsc::channel();
        let notify = more.clone();
        let priority = opts.realtime_priority;
        std::thread::Builder::new()
            .name("hotline-call-log".into())
            .spawn(move || {
                if priority > 0 {
                    if let Err(e) = crate::priority::raise_self(priority) {
                        warn!(priority, error = %e, "the call log's spool thread keeps the normal priority");
                    }
                }
                append(rx, appender, &notify)
            })
            .map_err(|e| format!("the call log thread: {e}"))?;
        let batch = opts.batch;
        tokio::spawn(async move {
            writer.run(reader, batch, more, false).await;
        });
        let beat = store.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(HEARTBEAT);
            loop {
                every.tick().await;
                if let Err(e) = beat.heartbeat(run, now_ms()).await {
                    warn!(error = %e, "engine heartbeat not written");
                }
            }
        });
        Ok(CallLog {
            tx,
            // Call references restart at each start: the start time keeps records apart.
            boot: now_ms(),
            run,
            store,
        })
    }

    /// A clean stop: waits (up to `wait`) for what was logged to be in the spool, and marks
    /// the run stopped. What the store has not taken yet is written at the next start.
    pub async fn stop(&self, wait: Duration) {
        let (ack, acked) = std_mpsc::channel();
        if self.tx.send(Msg::Flush(ack)).is_ok() {
            let _ = tokio::task::spawn_blocking(move || acked.recv_timeout(wait)).await;
        }
        if let Err(e) = self.store.stop_run(self.run, now_ms()).await {
            warn!(error = %e, "engine run not marked stopped");
        }
    }

    /// The reference `call`'s record has in the store.
    pub fn call_ref(&self, call: CallRef) -> String {
        call_ref(self.boot, call)
    }

    /// `call` arrived `at` (the call core's time, on which its record's other times are too).
    pub fn arrived(&self, call: CallRef, caller: &str, dialled: &str, at: Millis) {
        self.send(Entry::Start {
            call: NewCall {
                call_ref: self.call_ref(call),
                caller: caller.to_string(),
                dialled: dialled.to_string(),
                started_at: at,
            },
            run: Some(self.run),
        });
    }

    /// Fields of `call`'s record, written while the call is as `when` says.
    fn update(&self, call: CallRef, update: CallUpdate, when: CallIs) {
        self.send(Entry::Update {
            call_ref: self.call_ref(call),
            update,
            customer_account: None,
            when,
        });
    }

    pub fn answered(&self, call: CallRef, by_agent: bool, at: Millis) {
        self.update(
            call,
            CallUpdate {
                answered_at: Some(at),
                agent_answered_at: by_agent.then_some(at),
                ..CallUpdate::default()
            },
            CallIs::Open,
        );
    }

    /// The call's recording was started at `path`: linked at once, so that a call a crash
    /// cuts off keeps its recording.
    pub fn recording(&self, call: CallRef, path: &std::path::Path) {
        self.update(
            call,
            CallUpdate {
                recording: Some(path.display().to_string()),
                ..CallUpdate::default()
            },
            CallIs::Open,
        );
    }

    /// One more recording (`kind`: a consultation) of the call, started at `at`.
    pub fn other_recording(&self, call: CallRef, kind: &str, path: &std::path::Path, at: Millis) {
        self.send(Entry::Recording {
            call_ref: self.call_ref(call),
            kind: kind.to_string(),
            path: path.display().to_string(),
            at,
        });
    }

    pub fn ivr_ended(
        &self,
        call: CallRef,
        path: String,
        outcome: IvrOutcome,
        customer_account: Option<String>,
        at: Millis,
    ) {
        let queue = match &outcome {
            IvrOutcome::Transferred(q) => Some(q.clone()),
            _ => None,
        };
        self.send(Entry::Update {
            call_ref: self.call_ref(call),
            update: CallUpdate {
                ivr_ended_at: Some(at),
                queued_at: queue.as_ref().map(|_| at),
                ivr_path: Some(path.split('>').map(str::to_string).collect()),
                queue,
                ..CallUpdate::default()
            },
            customer_account,
            when: CallIs::Open,
        });
    }

    pub fn connected(&self, call: CallRef, agent_id: i64, wait_ms: Millis, at: Millis) {
        self.update(
            call,
            CallUpdate {
                agent_id: Some(agent_id),
                agent_answered_at: Some(at),
                wait_ms: Some(wait_ms),
                ..CallUpdate::default()
            },
            CallIs::Open,
        );
    }

    pub fn survey(&self, call: CallRef, score: i64) {
        self.send(Entry::Survey {
            call_ref: self.call_ref(call),
            score,
        });
    }

    pub fn finished(&self, call: CallRef, record: Record, recording: Option<String>) {
        self.update(call, update_of(&record, recording), CallIs::Open);
    }

    /// The call was refused before the controller kept it (no port, bad offer).
    pub fn refused(&self, call: CallRef, reason: hotline_call::EndReason, at: Millis) {
        let disposition = if reason.far_end_left() {
            Disposition::AbandonedInIvr
        } else {
            Disposition::Failed
        };
        self.send(Entry::Update {
            call_ref: self.call_ref(call),
            update: CallUpdate {
                ended_at: Some(at),
                disposition: Some(disposition),
                hangup_side: Some(reason.caller_side().as_str().to_string()),
                ..CallUpdate::default()
            },
            customer_account: None,
            when: CallIs::Open,
        });
    }

    /// The agent's wrap-up after `call` ended (or while it goes on, in the survey).
    pub fn wrap_up(&self, call: CallRef, wrapup_ms: i64) {
        self.update(
            call,
            CallUpdate {
                wrapup_ms: Some(wrapup_ms),
                ..CallUpdate::default()
            },
            CallIs::OpenOrWithAgent,
        );
    }

    /// A callback attempt (its agent's leg is `call`) or a campaign call, a record of its
    /// own.
    pub fn attempt(&self, call: CallRef, r: AttemptRecord, recording: Option<String>) {
        let new = NewCall {
            call_ref: self.call_ref(call),
            caller: String::new(),
            dialled: r.number.clone(),
            started_at: r.started_at,
        };
        let update = CallUpdate {
            answered_at: r.answered_at,
            agent_answered_at: r.agent_answered_at,
            ended_at: Some(r.ended_at),
            agent_id: r.agent_id,
            talk_ms: r.talk_ms,
            disposition: Some(store_disposition(r.disposition)),
            hangup_side: Some(r.hangup_side.as_str().to_string()),
            direction: Some("outbound".into()),
            parent_call_ref: r.parent_ref.clone(),
            result: Some(r.result.to_string()),
            recording,
            ..CallUpdate::default()
        };
        self.send(Entry::Attempt {
            call: new,
            update,
            run: Some(self.run),
        });
    }

    fn send(&self, e: Entry) {
        if self.tx.send(Msg::Entry(Box::new(e))).is_err() {
            // Only after the spool thread died (it never stops while a CallLog exists).
            warn!("call log thread gone: call record entry not spooled");
        }
    }
}

/// The spool thread: appends entries in the order they came, numbered, then wakes the
/// writer. A failed append (disk full) is retried, holding the entries, never dropping them.
///
/// It runs at the call-handling threads' real-time priority: an entry waits in memory until
/// this thread writes it, and a `kill -9` loses what waits. At a normal priority, the
/// real-time threads that make the entries kept it off the cores through a burst (in CI, a
/// whole wave of 49 calls was still in the channel at the kill, their records lost); at
/// theirs, it takes its turn among them, and its work (serialising, one write) is small.
fn append(rx: std_mpsc::Receiver<Msg>, mut spool: spool::Appender, written: &Notify) {
    let mut seq = 0u64;
    while let Ok(first) = rx.recv() {
        let mut lines = Vec::new();
        let mut acks = Vec::new();
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Entry(entry) => {
                    seq += 1;
                    match serde_json::to_string(&Line { seq, entry: *entry }) {
                        Ok(l) => lines.push(l),
                        Err(e) => {
                            warn!(error = %e, seq, "call log entry cannot be written as JSON")
                        }
                    }
                }
                Msg::Flush(ack) => acks.push(ack),
            }
            if lines.len() < APPEND_BATCH {
                next = rx.try_recv().ok();
            }
        }
        let mut pause = Duration::from_millis(100);
        while let Err(e) = spool.append(&lines) {
            warn!(error = %e, entries = lines.len(), "call log spool not written; retrying");
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(5));
        }
        written.notify_one();
        for ack in acks {
            let _ = ack.send(());
        }
    }
}

/// The store's disposition for the call core's.
fn store_disposition(d: hotline_call::Disposition) -> Disposition {
    use hotline_call::Disposition as D;
    match d {
        D::SelfServed => Disposition::SelfServed,
        D::UnservedInIvr => Disposition::UnservedInIvr,
        D::AbandonedInIvr => Disposition::AbandonedInIvr,
        D::AbandonedInQueue => Disposition::AbandonedInQueue,
        D::Answered => Disposition::Answered,
        D::Callback => Disposition::Callback,
        D::Transferred => Disposition::Transferred,
        D::Failed => Disposition::Failed,
    }
}

/// The fields an ended call's record fills in (every one the call core computed).
fn update_of(r: &Record, recording: Option<String>) -> CallUpdate {
    CallUpdate {
        answered_at: r.answered_at,
        ivr_ended_at: r.ivr_ended_at,
        queued_at: r.queued_at,
        queue: r.queue.clone(),
        agent_id: r.agent_id,
        agent_answered_at: r.agent_answered_at,
        wait_ms: r.wait_ms,
        talk_ms: r.talk_ms,
        hold_ms: r.hold_ms,
        transfer_agent_id: r.transferred_to,
        ended_at: Some(r.ended_at),
        ivr_path: Some(r.ivr_path.clone()).filter(|p| !p.is_empty()),
        disposition: Some(store_disposition(r.disposition)),
        hangup_side: Some(r.hangup_side.as_str().to_string()),
        recording,
        ..CallUpdate::default()
    }
}

/// A call's reference in the store: unique across restarts.
fn call_ref(boot: Millis, call: CallRef) -> String {
    format!("{boot}-{}", call.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_call::{Now, Phase, Timeline};

    /// A burst far beyond the writer's batch through the whole log (controller calls, spool
    /// thread, writer): every call complete, in order, none lost.
    #[tokio::test]
    async fn a_burst_through_the_log_loses_no_record() {
        let tmp = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", tmp.path().join("t.db").display());
        let store = Store::open(
            hotline_store::OpenOptions::new(url),
            hotline_store::Policy::default(),
        )
        .await
        .unwrap();
        let opts = LogOptions {
            dir: tmp.path().join("call-log"),
            batch: 3,
            segment_bytes: 2_000,
            realtime_priority: 0,
        };
        let log = CallLog::start(store.clone(), opts, None).await.unwrap();
        let t = Now {
            mono: std::time::Instant::now(),
            unix_ms: 1_000,
        };
        const CALLS: u64 = 400;
        for n in 0..CALLS {
            let call = CallRef(n);
            log.arrived(call, "13800001111", "96655", t.unix_ms);
            log.answered(call, false, t.unix_ms);
            let mut tl = Timeline::new(t);
            tl.enter(
                t,
                Phase::Ivr {
                    flow: "main".into(),
                },
            );
            let record = tl.record(
                t.after(std::time::Duration::from_secs(1)),
                hotline_call::EndReason::RemoteHangup,
            );
            log.finished(call, record, None);
        }
        let complete = "SELECT COUNT(*) FROM calls WHERE ended_at IS NOT NULL \
            AND disposition IS NOT NULL AND answered_at IS NOT NULL";
        let mut done = 0;
        for _ in 0..600 {
            done = sqlx::query_scalar::<_, i64>(complete)
                .fetch_one(store.read_pool())
                .await
                .unwrap();
            if done == CALLS as i64 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(done, CALLS as i64);
        log.stop(std::time::Duration::from_secs(2)).await;
    }

    #[test]
    fn the_writer_writes_every_field_the_core_computed() {
        let t = Now {
            mono: std::time::Instant::now(),
            unix_ms: 1_000,
        };
        let at = |s: u64| t.after(std::time::Duration::from_secs(s));
        let mut tl = Timeline::new(t);
        tl.enter(
            at(1),
            Phase::Ivr {
                flow: "main".into(),
            },
        );
        tl.add_path(["main/start".to_string()]);
        tl.enter(
            at(2),
            Phase::Queued {
                queue: "general".into(),
            },
        );
        tl.enter(at(5), Phase::Bridged { agent: 3 });
        let u = update_of(
            &tl.record(at(9), hotline_call::EndReason::RemoteHangup),
            Some("r.wav".into()),
        );
        assert_eq!(u.disposition, Some(Disposition::Answered));
        assert_eq!(
            (u.answered_at, u.agent_answered_at),
            (Some(2_000), Some(6_000))
        );
        assert_eq!(
            (u.wait_ms, u.talk_ms, u.hold_ms),
            (Some(3_000), Some(4_000), Some(0))
        );
        assert_eq!(u.queue.as_deref(), Some("general"));
        assert_eq!(u.agent_id, Some(3));
        assert_eq!(u.hangup_side.as_deref(), Some("caller"));
        assert_eq!(u.ivr_path, Some(vec!["main/start".to_string()]));
        assert_eq!(u.recording.as_deref(), Some("r.wav"));
        assert_eq!(u.ended_at, Some(10_000));
    }
}
