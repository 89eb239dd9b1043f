//! Call records: the controller reports what happens to each inbound call (arrived,
//! answered, ended) on a bounded channel; one task writes them to the store. The record's
//! fields are computed by the call core from the call's phases (`hotline_call::record`): the
//! writer only writes what it is given (the final record when the call ends, the wrap-up when
//! the agent's ends, callback attempts as outbound records linked to the original call). The controller
//! never waits for the database: when the channel is full the event is dropped and counted,
//! and a slow store delays records, never a call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use hotline_call::record::AttemptRecord;
use hotline_call::Record;
use hotline_sip::CallRef;
use hotline_store::{Actor, CallUpdate, Disposition, Millis, NewCall, Store};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::storage::now_ms;

/// Events waiting to be written before new ones are dropped.
const QUEUE: usize = 10_000;

/// What happened to a call.
#[derive(Debug)]
pub enum CallLogEvent {
    Arrived {
        call: CallRef,
        caller: String,
        dialled: String,
        at: Millis,
    },
    Answered {
        call: CallRef,
        at: Millis,
        /// Answered by an agent (bridged), not by the engine's own flow.
        by_agent: bool,
    },
    /// The IVR part of the call is over.
    IvrEnded {
        call: CallRef,
        at: Millis,
        /// Nodes visited, `flow/node` joined by `>`.
        path: String,
        outcome: IvrOutcome,
        /// The customer the flow identified.
        customer_account: Option<String>,
    },
    /// The caller rated the call (1–5).
    Survey { call: CallRef, score: i64 },

    /// An agent took the call from the queue after `wait_ms`.
    Connected {
        call: CallRef,
        at: Millis,
        agent_id: i64,
        wait_ms: Millis,
    },
    /// The call ended: its record, computed by the call core.
    Finished {
        call: CallRef,
        record: Record,
        recording: Option<String>,
    },
    /// The call was refused before the controller kept it (no port, bad offer).
    Refused {
        call: CallRef,
        at: Millis,
        reason: hotline_call::EndReason,
    },
    /// The agent's wrap-up after `call` ended.
    WrapUp { call: CallRef, wrapup_ms: i64 },
    /// A callback attempt (its agent's leg is `call`), a record of its own.
    Attempt {
        call: CallRef,
        record: AttemptRecord,
    },
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

/// The controller's end of the call log. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CallLog {
    tx: mpsc::Sender<CallLogEvent>,
    dropped: Arc<AtomicU64>,
    /// When this engine started: call references are `<boot>-<call id>`.
    boot: Millis,
}

impl CallLog {
    /// Starts the writer task on `store`.
    /// Starts the writer; with `metrics`, each write's latency is observed.
    pub fn spawn(store: Store, metrics: Option<Arc<hotline_metrics::Metrics>>) -> CallLog {
        let (tx, rx) = mpsc::channel(QUEUE);
        // Call references restart at each start: the start time keeps records apart.
        let boot = now_ms();
        tokio::spawn(write(store, rx, boot, metrics));
        CallLog {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
            boot,
        }
    }

    /// The reference `call`'s record has in the store.
    pub fn call_ref(&self, call: CallRef) -> String {
        call_ref(self.boot, call)
    }

    pub fn arrived(&self, call: CallRef, caller: &str, dialled: &str) {
        self.send(CallLogEvent::Arrived {
            call,
            caller: caller.to_string(),
            dialled: dialled.to_string(),
            at: now_ms(),
        });
    }

    pub fn answered(&self, call: CallRef, by_agent: bool) {
        self.send(CallLogEvent::Answered {
            call,
            at: now_ms(),
            by_agent,
        });
    }

    pub fn ivr_ended(
        &self,
        call: CallRef,
        path: String,
        outcome: IvrOutcome,
        customer_account: Option<String>,
    ) {
        self.send(CallLogEvent::IvrEnded {
            call,
            at: now_ms(),
            path,
            outcome,
            customer_account,
        });
    }

    pub fn connected(&self, call: CallRef, agent_id: i64, wait_ms: Millis) {
        self.send(CallLogEvent::Connected {
            call,
            at: now_ms(),
            agent_id,
            wait_ms,
        });
    }

    pub fn survey(&self, call: CallRef, score: i64) {
        self.send(CallLogEvent::Survey { call, score });
    }

    pub fn finished(&self, call: CallRef, record: Record, recording: Option<String>) {
        self.send(CallLogEvent::Finished {
            call,
            record,
            recording,
        });
    }

    pub fn refused(&self, call: CallRef, reason: hotline_call::EndReason) {
        self.send(CallLogEvent::Refused {
            call,
            at: now_ms(),
            reason,
        });
    }

    pub fn wrap_up(&self, call: CallRef, wrapup_ms: i64) {
        self.send(CallLogEvent::WrapUp { call, wrapup_ms });
    }

    pub fn attempt(&self, call: CallRef, record: AttemptRecord) {
        self.send(CallLogEvent::Attempt { call, record });
    }

    fn send(&self, ev: CallLogEvent) {
        if self.tx.try_send(ev).is_err() {
            let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                warn!(
                    dropped = n,
                    "call log queue full: call record events dropped"
                );
            }
        }
    }
}

/// What the writer remembers of a call until it ends.
struct Open {
    id: i64,
    /// The agent's wrap-up, when it ended before the call did.
    wrapup_ms: Option<i64>,
}

/// The writer's memory: open calls, and ended calls whose agent is still wrapping up.
#[derive(Default)]
struct Calls {
    open: HashMap<CallRef, Open>,
    wrapping: HashMap<CallRef, i64>,
    /// `wrapping` in the order calls ended, to forget the oldest past `WRAPPING`.
    order: std::collections::VecDeque<CallRef>,
}

/// Ended calls remembered for their wrap-up.
const WRAPPING: usize = 10_000;

async fn write(
    store: Store,
    mut rx: mpsc::Receiver<CallLogEvent>,
    boot: Millis,
    metrics: Option<Arc<hotline_metrics::Metrics>>,
) {
    let mut open = Calls::default();
    while let Some(ev) = rx.recv().await {
        let started = std::time::Instant::now();
        let op = match ev {
            CallLogEvent::Arrived { .. } => "call_start",
            _ => "call_update",
        };
        write_one(&store, &mut open, boot, ev).await;
        if let Some(m) = &metrics {
            m.db_query(op, started.elapsed().as_secs_f64());
        }
    }
}

/// Writes one event of a call (one query, two when the call ends).
async fn write_one(store: &Store, calls: &mut Calls, boot: Millis, ev: CallLogEvent) {
    let open = &mut calls.open;
    {
        match ev {
            CallLogEvent::Arrived {
                call,
                caller,
                dialled,
                at,
            } => {
                let new = NewCall {
                    call_ref: call_ref(boot, call),
                    caller,
                    dialled,
                    started_at: at,
                };
                match store.start_call(&new).await {
                    Ok(start) => {
                        if !start.open_tickets.is_empty() {
                            info!(%call, tickets = start.open_tickets.len(), "repeat contact: the caller has open tickets");
                        }
                        open.insert(
                            call,
                            Open {
                                id: start.id,
                                wrapup_ms: None,
                            },
                        );
                    }
                    Err(e) => warn!(%call, error = %e, "call record not written"),
                }
            }
            CallLogEvent::Answered { call, at, by_agent } => {
                let Some(o) = open.get_mut(&call) else {
                    return;
                };
                let u = CallUpdate {
                    answered_at: Some(at),
                    agent_answered_at: by_agent.then_some(at),
                    ..CallUpdate::default()
                };
                if let Err(e) = store.update_call(o.id, &u).await {
                    warn!(%call, error = %e, "call record not updated");
                }
            }
            CallLogEvent::IvrEnded {
                call,
                at,
                path,
                outcome,
                customer_account,
            } => {
                let Some(o) = open.get_mut(&call) else {
                    return;
                };
                let customer_id = match &customer_account {
                    Some(acct) => store
                        .customer_by_account(acct)
                        .await
                        .ok()
                        .flatten()
                        .map(|c| c.id),
                    None => None,
                };
                let queue = match &outcome {
                    IvrOutcome::Transferred(q) => Some(q.clone()),
                    _ => None,
                };
                let u = CallUpdate {
                    ivr_ended_at: Some(at),
                    queued_at: queue.as_ref().map(|_| at),
                    ivr_path: Some(path.split('>').map(str::to_string).collect()),
                    queue,
                    customer_id,
                    ..CallUpdate::default()
                };
                if let Err(e) = store.update_call(o.id, &u).await {
                    warn!(%call, error = %e, "call record not updated");
                }
            }
            CallLogEvent::Connected {
                call,
                at,
                agent_id,
                wait_ms,
            } => {
                let Some(o) = open.get_mut(&call) else {
                    return;
                };
                let u = CallUpdate {
                    agent_id: Some(agent_id),
                    agent_answered_at: Some(at),
                    wait_ms: Some(wait_ms),
                    ..CallUpdate::default()
                };
                if let Err(e) = store.update_call(o.id, &u).await {
                    warn!(%call, error = %e, "call record not updated");
                }
            }

            CallLogEvent::Survey { call, score } => {
                let Some(o) = open.get(&call) else {
                    return;
                };
                let u = CallUpdate {
                    survey_score: Some(score),
                    ..CallUpdate::default()
                };
                if let Err(e) = store.update_call(o.id, &u).await {
                    warn!(%call, error = %e, "survey score not recorded");
                }
                // The tickets about this call hear it too (the agent's rating counts it from
                // the call record).
                let note = format!(
                    "来电满意度评价 caller's survey score: {score}/5 (call {})",
                    o.id
                );
                for ticket in store.call_ticket_ids(o.id).await.unwrap_or_default() {
                    if let Err(e) = store.comment(ticket, &note, Actor::System, now_ms()).await {
                        warn!(%call, ticket, error = %e, "survey score not noted on the ticket");
                    }
                }
            }
            CallLogEvent::Finished {
                call,
                record,
                recording,
            } => {
                let Some(o) = open.remove(&call) else {
                    return;
                };
                let mut u = update_of(&record, recording);
                u.wrapup_ms = o.wrapup_ms;
                if o.wrapup_ms.is_none() && record.agent_id.is_some() {
                    calls.wrapping.insert(call, o.id);
                    calls.order.push_back(call);
                    while calls.order.len() > WRAPPING {
                        if let Some(old) = calls.order.pop_front() {
                            calls.wrapping.remove(&old);
                        }
                    }
                }
                match store.update_call(o.id, &u).await {
                    Ok(c) => {
                        debug!(%call, id = c.id, disposition = ?c.disposition, "call record complete")
                    }
                    Err(e) => warn!(%call, error = %e, "call record not completed"),
                }
            }
            CallLogEvent::Refused { call, at, reason } => {
                let Some(o) = open.remove(&call) else {
                    return;
                };
                let disposition = if reason.far_end_left() {
                    Disposition::AbandonedInIvr
                } else {
                    Disposition::Failed
                };
                let u = CallUpdate {
                    ended_at: Some(at),
                    disposition: Some(disposition),
                    hangup_side: Some(reason.caller_side().as_str().to_string()),
                    ..CallUpdate::default()
                };
                if let Err(e) = store.update_call(o.id, &u).await {
                    warn!(%call, error = %e, "call record not completed");
                }
            }
            CallLogEvent::WrapUp { call, wrapup_ms } => {
                if let Some(o) = open.get_mut(&call) {
                    // The call goes on (a survey): written with the rest when it ends.
                    o.wrapup_ms = Some(wrapup_ms);
                    return;
                }
                let Some(id) = calls.wrapping.remove(&call) else {
                    return;
                };
                let u = CallUpdate {
                    wrapup_ms: Some(wrapup_ms),
                    ..CallUpdate::default()
                };
                if let Err(e) = store.update_call(id, &u).await {
                    warn!(%call, error = %e, "wrap-up not recorded");
                }
            }
            CallLogEvent::Attempt { call, record } => {
                write_attempt(store, boot, call, record).await
            }
        }
    }
}

/// A callback attempt's record: a call of its own, outbound, linked to the original.
async fn write_attempt(store: &Store, boot: Millis, call: CallRef, r: AttemptRecord) {
    let new = NewCall {
        call_ref: call_ref(boot, call),
        caller: String::new(),
        dialled: r.number.clone(),
        started_at: r.started_at,
    };
    let id = match store.start_call(&new).await {
        Ok(start) => start.id,
        Err(e) => {
            warn!(%call, error = %e, "callback attempt not recorded");
            return;
        }
    };
    let u = CallUpdate {
        answered_at: r.answered_at,
        agent_answered_at: r.agent_answered_at,
        ended_at: Some(r.ended_at),
        agent_id: Some(r.agent_id),
        talk_ms: r.talk_ms,
        disposition: Some(store_disposition(r.disposition)),
        hangup_side: Some(r.hangup_side.as_str().to_string()),
        direction: Some("outbound".into()),
        parent_call_ref: r.parent_ref.clone(),
        result: Some(r.result.to_string()),
        ..CallUpdate::default()
    };
    match store.update_call(id, &u).await {
        Ok(_) => info!(%call, result = r.result, "callback attempt recorded"),
        Err(e) => warn!(%call, error = %e, "callback attempt not recorded"),
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
