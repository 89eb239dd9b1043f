//! Writing spooled call log entries into the store, in spool order, one batch at a time; the
//! spool's cursor is saved after each batch. Applying an entry twice is applying it once (a
//! restart replays what followed the last saved cursor): a call's start finds the row its
//! reference already has, updates set fields to the same values, a survey score already
//! recorded is not noted on the tickets again. An entry the store refuses (a bad field, no
//! such call) goes to `rejected.jsonl` with the reason; an entry it cannot take because the
//! database is away waits for it, holding up the ones after it, so that none is lost.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hotline_store::{Actor, CallIs, CallUpdate, Millis, NewCall, Store, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tracing::{debug, info, warn};

use super::spool::{Reader, Spooled};
use crate::storage::now_ms;

/// One thing to write about a call, as spooled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Entry {
    /// The call arrived: its row is opened (in engine run `run`).
    Start { call: NewCall, run: Option<i64> },
    /// Fields of the call whose reference is `call_ref`; with the account of the customer
    /// the IVR identified, looked up when written.
    Update {
        call_ref: String,
        update: CallUpdate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer_account: Option<String>,
        /// What the call must be for the update to apply (most only while it has no end:
        /// an ended call is never rewritten, nor is it replayed over).
        #[serde(default, skip_serializing_if = "CallIs::is_any")]
        when: CallIs,
    },
    /// The caller's survey score, also noted on the call's tickets.
    Survey { call_ref: String, score: i64 },
    /// One more recording of the call (a consultation), kept in `call_recordings`.
    Recording {
        call_ref: String,
        kind: String,
        path: String,
        at: Millis,
    },
    /// A callback attempt: a record of its own.
    Attempt {
        call: NewCall,
        update: CallUpdate,
        run: Option<i64>,
    },
}

impl Entry {
    /// The operation's name in the store latency metric.
    fn op(&self) -> &'static str {
        match self {
            Entry::Start { .. } | Entry::Attempt { .. } => "call_start",
            _ => "call_update",
        }
    }
}

impl Entry {
    /// The call it is about.
    fn call_ref(&self) -> &str {
        match self {
            Entry::Start { call, .. } | Entry::Attempt { call, .. } => &call.call_ref,
            Entry::Update { call_ref, .. }
            | Entry::Survey { call_ref, .. }
            | Entry::Recording { call_ref, .. } => call_ref,
        }
    }
}

/// A spooled line ready to write: its entry, or why it is not one. (Lives for one batch,
/// most of them entries: boxing them would only add allocations.)
#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
enum Op {
    Write(Entry),
    Bad {
        entry: serde_json::Value,
        reason: String,
    },
}

fn parse(l: &Spooled) -> Op {
    let text = match &l.line {
        Ok(t) => t,
        Err(why) => {
            return Op::Bad {
                entry: serde_json::Value::Null,
                reason: why.clone(),
            }
        }
    };
    match serde_json::from_str::<Line>(text) {
        Ok(line) => Op::Write(line.entry),
        Err(e) => Op::Bad {
            entry: serde_json::Value::String(text.clone()),
            reason: format!("not a call log entry: {e}"),
        },
    }
}

/// Parses a batch and merges each call's successive updates into one write when that is the
/// same as writing them in turn: the same condition, no end in the earlier one (after it the
/// condition reads differently), no customer to look up, and no other entry of the call
/// between them. Each call's entries keep their order; calls are independent rows.
fn coalesce(lines: &[Spooled]) -> Vec<Op> {
    let mut ops: Vec<Op> = Vec::with_capacity(lines.len());
    // A call's last update in `ops` that a later one may merge into.
    let mut mergeable: HashMap<String, usize> = HashMap::new();
    for l in lines {
        match parse(l) {
            Op::Write(Entry::Update {
                call_ref,
                update,
                customer_account: None,
                when,
            }) => {
                if let Some(Op::Write(Entry::Update {
                    update: earlier,
                    when: earlier_when,
                    ..
                })) = mergeable.get(&call_ref).and_then(|&i| ops.get_mut(i))
                {
                    if *earlier_when == when && earlier.ended_at.is_none() {
                        *earlier = std::mem::take(earlier).then(update);
                        continue;
                    }
                }
                mergeable.insert(call_ref.clone(), ops.len());
                ops.push(Op::Write(Entry::Update {
                    call_ref,
                    update,
                    customer_account: None,
                    when,
                }));
            }
            Op::Write(e) => {
                mergeable.remove(e.call_ref());
                ops.push(Op::Write(e));
            }
            bad => ops.push(bad),
        }
    }
    ops
}

/// A spool line: the entry and its place in the order of the run that wrote it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Line {
    pub seq: u64,
    #[serde(flatten)]
    pub entry: Entry,
}

/// Attempts at an entry the database fails (while it answers pings) before it is rejected.
const ATTEMPTS: u32 = 3;
/// How long to wait for the database, or for new entries when none came.
const PAUSE: Duration = Duration::from_millis(500);

/// Applies entries to the store.
pub struct Writer {
    store: Store,
    /// The rows of calls not ended yet, by reference (saves a lookup per event).
    ids: HashMap<String, i64>,
    rejected: PathBuf,
    metrics: Option<Arc<hotline_metrics::Metrics>>,
    /// Writes made (a call's successive updates are merged into one) and entries rejected.
    pub applied: u64,
    pub refused: u64,
    /// Entries about calls without a record (see [`Writer::id_of`]).
    pub without_row: u64,
}

impl Writer {
    pub fn new(
        store: Store,
        rejected: PathBuf,
        metrics: Option<Arc<hotline_metrics::Metrics>>,
    ) -> Writer {
        Writer {
            store,
            ids: HashMap::new(),
            rejected,
            metrics,
            applied: 0,
            refused: 0,
            without_row: 0,
        }
    }

    /// Writes what the spool holds from `reader`'s cursor, `batch` lines at a time; with
    /// `until_empty`, returns once it has read everything, else waits on `more` for ever.
    pub async fn run(
        &mut self,
        mut reader: Reader,
        batch: usize,
        more: Arc<Notify>,
        until_empty: bool,
    ) -> Reader {
        loop {
            let max = batch.max(1);
            let dir = reader.dir().to_path_buf();
            let read = tokio::task::spawn_blocking(move || {
                let lines = reader.read(max);
                (reader, lines)
            })
            .await;
            let lines;
            (reader, lines) = match read {
                Ok(r) => r,
                Err(e) => {
                    // From the saved cursor again: what was read is read again.
                    warn!(error = %e, "call log spool reader failed; reopening");
                    loop {
                        tokio::time::sleep(PAUSE).await;
                        match Reader::open(&dir) {
                            Ok(r) => break (r, Err(std::io::Error::other("reopened"))),
                            Err(e) => warn!(error = %e, "call log spool cannot be opened"),
                        }
                    }
                }
            };
            let lines = match lines {
                Ok(l) => l,
                Err(e) => {
                    warn!(error = %e, "call log spool unreadable; retrying");
                    tokio::time::sleep(PAUSE).await;
                    continue;
                }
            };
            if lines.is_empty() {
                // Past a segment that ended with the last batch: it can go.
                if let Err(e) = reader.commit_read() {
                    warn!(error = %e, "call log spool cursor not saved");
                }
                if until_empty {
                    return reader;
                }
                let _ = tokio::time::timeout(PAUSE * 2, more.notified()).await;
                continue;
            };
            for op in coalesce(&lines) {
                self.write_op(op).await;
            }
            if let Err(e) = reader.commit_read() {
                // The lines replay after a restart: applying them again changes nothing.
                warn!(error = %e, "call log spool cursor not saved");
            }
        }
    }

    #[cfg(test)]
    async fn write_line(&mut self, l: &Spooled) {
        let op = parse(l);
        self.write_op(op).await
    }

    async fn write_op(&mut self, op: Op) {
        let entry = match op {
            Op::Write(e) => e,
            Op::Bad { entry, reason } => return self.reject(entry, &reason),
        };
        let mut failures = 0;
        loop {
            let started = std::time::Instant::now();
            let result = self.apply(&entry).await;
            if let Some(m) = &self.metrics {
                m.db_query(entry.op(), started.elapsed().as_secs_f64());
            }
            let e = match result {
                Ok(()) => {
                    self.applied += 1;
                    return;
                }
                Err(e) => e,
            };
            let transient = matches!(e, StoreError::Db(_) | StoreError::Migrate(_));
            if transient && self.store.ping().await.is_err() {
                warn!(error = %e, "database away: call records wait for it");
            } else {
                failures += 1;
                if !transient || failures >= ATTEMPTS {
                    let raw = serde_json::to_value(&entry).unwrap_or_default();
                    return self.reject(raw, &e.to_string());
                }
            }
            tokio::time::sleep(PAUSE).await;
        }
    }

    /// Keeps an entry the store will not take, with the reason, in `rejected.jsonl`.
    fn reject(&mut self, entry: serde_json::Value, reason: &str) {
        use std::io::Write;
        self.refused += 1;
        warn!(reason, "call record entry rejected: kept in rejected.jsonl");
        let line = serde_json::json!({ "at": now_ms(), "reason": reason, "entry": entry });
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.rejected)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            warn!(error = %e, path = %self.rejected.display(), %line, "rejected call record entry not saved");
        }
    }

    /// Writes one entry (a no-op when it was written before).
    pub async fn apply(&mut self, e: &Entry) -> Result<(), StoreError> {
        match e {
            Entry::Start { call, run } => {
                self.start(call, *run).await?;
            }
            Entry::Update {
                call_ref,
                update,
                customer_account,
                when,
            } => {
                let Some(id) = self.id_of(call_ref).await? else {
                    return Ok(());
                };
                let mut u = update.clone();
                if let Some(acct) = customer_account {
                    u.customer_id = self
                        .store
                        .customer_by_account(acct)
                        .await
                        .ok()
                        .flatten()
                        .map(|c| c.id);
                }
                if !self.store.set_call_fields_if(id, &u, *when).await? {
                    debug!(
                        call_ref,
                        ?when,
                        "call log update for a call past it: skipped"
                    );
                } else if u.ended_at.is_some() {
                    debug!(call_ref, disposition = ?u.disposition, "call record complete");
                }
                if u.ended_at.is_some() {
                    self.ids.remove(call_ref);
                }
            }
            Entry::Recording {
                call_ref,
                kind,
                path,
                at,
            } => {
                let Some(id) = self.id_of(call_ref).await? else {
                    return Ok(());
                };
                self.store.add_call_recording(id, kind, path, *at).await?;
            }
            Entry::Survey { call_ref, score } => {
                let Some(id) = self.id_of(call_ref).await? else {
                    return Ok(());
                };
                // Only during the call (the survey is its last part), and once.
                let before = self.store.call(id).await?;
                if before.is_none_or(|c| c.ended_at.is_some() || c.survey_score == Some(*score)) {
                    return Ok(());
                }
                let u = CallUpdate {
                    survey_score: Some(*score),
                    ..CallUpdate::default()
                };
                self.store.set_call_fields(id, &u).await?;
                // The tickets about this call hear it too.
                let note = format!("来电满意度评价 caller's survey score: {score}/5 (call {id})");
                for ticket in self.store.call_ticket_ids(id).await? {
                    if let Err(e) = self
                        .store
                        .comment(ticket, &note, Actor::System, now_ms())
                        .await
                    {
                        warn!(call_ref, ticket, error = %e, "survey score not noted on the ticket");
                    }
                }
            }
            Entry::Attempt { call, update, run } => {
                let id = self.start(call, *run).await?;
                self.ids.remove(&call.call_ref);
                self.store.set_call_fields(id, update).await?;
                info!(call_ref = %call.call_ref, result = ?update.result, "callback attempt recorded");
            }
        }
        Ok(())
    }

    /// Opens a call's row, or finds the one it already has.
    async fn start(&mut self, call: &NewCall, run: Option<i64>) -> Result<i64, StoreError> {
        let id = match self.store.start_call_in_run(call, run).await {
            Ok(start) => {
                if !start.open_tickets.is_empty() {
                    info!(call_ref = %call.call_ref, tickets = start.open_tickets.len(), "repeat contact: the caller has open tickets");
                }
                start.id
            }
            Err(e @ StoreError::Invalid { .. }) => {
                match self.store.call_id_by_ref(&call.call_ref).await? {
                    Some(id) => id, // written before a restart
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        self.ids.insert(call.call_ref.clone(), id);
        Ok(id)
    }

    /// The row of the call `call_ref`; `None` for a call without one: an agent's leg or a
    /// callback leg (the controller reports some of their ends and wrap-ups too), or a call
    /// whose start was rejected (kept in `rejected.jsonl` already).
    async fn id_of(&mut self, call_ref: &str) -> Result<Option<i64>, StoreError> {
        if let Some(id) = self.ids.get(call_ref) {
            return Ok(Some(*id));
        }
        let id = self.store.call_id_by_ref(call_ref).await?;
        if id.is_none() {
            self.without_row += 1;
            debug!(
                call_ref,
                "call log entry for a call without a record: skipped"
            );
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests;
