//! Call records: the controller reports what happens to each inbound call (arrived,
//! answered, ended) on a bounded channel; one task writes them to the store. The controller
//! never waits for the database: when the channel is full the event is dropped and counted,
//! and a slow store delays records, never a call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use hotline_sip::{CallRef, EndReason};
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
    /// The caller left the queue without an agent: a callback kept its place
    /// (`Callback`), a ticket was opened (`Transferred`), or the queue gave up (`Failed`).
    LeftQueue {
        call: CallRef,
        disposition: Disposition,
    },
    /// An agent took the call from the queue after `wait_ms`.
    Connected {
        call: CallRef,
        at: Millis,
        agent_id: i64,
        wait_ms: Millis,
    },

    Ended {
        call: CallRef,
        at: Millis,
        reason: EndReason,
        recording: Option<String>,
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

    pub fn left_queue(&self, call: CallRef, disposition: Disposition) {
        self.send(CallLogEvent::LeftQueue { call, disposition });
    }

    pub fn survey(&self, call: CallRef, score: i64) {
        self.send(CallLogEvent::Survey { call, score });
    }

    pub fn ended(&self, call: CallRef, reason: EndReason, recording: Option<String>) {
        self.send(CallLogEvent::Ended {
            call,
            at: now_ms(),
            reason,
            recording,
        });
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
    answered_at: Option<Millis>,
    by_agent: bool,
    ivr: Option<IvrOutcome>,
    /// When the flow handed the call to a queue.
    queued_at: Option<Millis>,
    /// How the caller left the queue without an agent, when it did.
    left_queue: Option<Disposition>,
}

async fn write(
    store: Store,
    mut rx: mpsc::Receiver<CallLogEvent>,
    boot: Millis,
    metrics: Option<Arc<hotline_metrics::Metrics>>,
) {
    let mut open: HashMap<CallRef, Open> = HashMap::new();
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
async fn write_one(
    store: &Store,
    open: &mut HashMap<CallRef, Open>,
    boot: Millis,
    ev: CallLogEvent,
) {
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
                                answered_at: None,
                                by_agent: false,
                                ivr: None,
                                queued_at: None,
                                left_queue: None,
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
                o.answered_at = Some(at);
                o.by_agent = by_agent;
                let u = CallUpdate {
                    answered_at: Some(at),
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
                o.ivr = Some(outcome);
                o.queued_at = u.queued_at;
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
                // From now on the call is an agent's: talk time counts from here.
                o.by_agent = true;
                o.answered_at = Some(at);
                let u = CallUpdate {
                    agent_id: Some(agent_id),
                    wait_ms: Some(wait_ms),
                    ..CallUpdate::default()
                };
                if let Err(e) = store.update_call(o.id, &u).await {
                    warn!(%call, error = %e, "call record not updated");
                }
            }
            CallLogEvent::LeftQueue { call, disposition } => {
                if let Some(o) = open.get_mut(&call) {
                    o.left_queue = Some(disposition);
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
            CallLogEvent::Ended {
                call,
                at,
                reason,
                recording,
            } => {
                let Some(o) = open.remove(&call) else {
                    return;
                };
                let u = ended(&o, at, &reason, recording);
                match store.update_call(o.id, &u).await {
                    Ok(c) => {
                        debug!(%call, id = c.id, disposition = ?c.disposition, "call record complete")
                    }
                    Err(e) => warn!(%call, error = %e, "call record not completed"),
                }
            }
        }
    }
}

/// A call's reference in the store: unique across restarts.
fn call_ref(boot: Millis, call: CallRef) -> String {
    format!("{boot}-{}", call.0)
}

/// The fields a call's end fills in.
fn ended(o: &Open, at: Millis, reason: &EndReason, recording: Option<String>) -> CallUpdate {
    let caller_left = matches!(reason, EndReason::Cancelled | EndReason::RemoteHangup);
    let disposition = match (o.answered_at, reason, o.left_queue) {
        (Some(_), _, _) if o.by_agent => Disposition::Answered,
        (Some(_), _, Some(left)) => left,
        (Some(_), _, None) => match &o.ivr {
            // Without an ACD yet, a transferred call waits until it ends.
            Some(IvrOutcome::Transferred(_)) if caller_left => Disposition::AbandonedInQueue,
            Some(IvrOutcome::Transferred(_)) => Disposition::Failed,
            Some(IvrOutcome::SelfServed) => Disposition::SelfServed,
            Some(IvrOutcome::Abandoned) => Disposition::AbandonedInIvr,
            Some(IvrOutcome::Unserved) => Disposition::UnservedInIvr,
            // No IVR session (the built-in answer flow): nothing was served.
            None if caller_left => Disposition::AbandonedInIvr,
            None => Disposition::UnservedInIvr,
        },
        (None, EndReason::Cancelled | EndReason::RemoteHangup, _) => Disposition::AbandonedInIvr,
        (None, _, _) => Disposition::Failed,
    };
    let side = match reason {
        EndReason::RemoteHangup | EndReason::Cancelled => "caller",
        _ => "system",
    };
    // A caller who left the queue waited until the end.
    let waited = match (&o.ivr, o.by_agent, o.queued_at) {
        (Some(IvrOutcome::Transferred(_)), false, Some(q)) => Some((at - q).max(0)),
        _ => None,
    };
    CallUpdate {
        ended_at: Some(at),
        wait_ms: waited,
        talk_ms: o.answered_at.map(|a| (at - a).max(0)),
        disposition: Some(disposition),
        hangup_side: Some(side.to_string()),
        recording,
        ..CallUpdate::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_follow_how_the_call_went() {
        let o = |answered_at, by_agent| Open {
            id: 1,
            answered_at,
            by_agent,
            ivr: None,
            queued_at: None,
            left_queue: None,
        };
        let u = ended(&o(Some(1000), true), 5000, &EndReason::RemoteHangup, None);
        assert_eq!(u.disposition, Some(Disposition::Answered));
        assert_eq!(
            (u.talk_ms, u.hangup_side.as_deref()),
            (Some(4000), Some("caller"))
        );
        // The built-in answer flow (no IVR) serves nothing: released by the engine, or left.
        let u = ended(
            &o(Some(1000), false),
            2000,
            &EndReason::LocalHangup,
            Some("r.wav".into()),
        );
        assert_eq!(u.disposition, Some(Disposition::UnservedInIvr));
        assert_eq!(u.hangup_side.as_deref(), Some("system"));
        let u = ended(&o(Some(1000), false), 2000, &EndReason::RemoteHangup, None);
        assert_eq!(u.disposition, Some(Disposition::AbandonedInIvr));
        let u = ended(&o(None, false), 2000, &EndReason::Cancelled, None);
        assert_eq!(
            (u.disposition, u.talk_ms),
            (Some(Disposition::AbandonedInIvr), None)
        );
        let u = ended(&o(None, false), 2000, &EndReason::Rejected(503), None);
        assert_eq!(u.disposition, Some(Disposition::Failed));
        let with = |ivr| Open {
            ivr: Some(ivr),
            ..o(Some(1000), false)
        };
        let hung_up = EndReason::RemoteHangup;
        let u = ended(&with(IvrOutcome::Abandoned), 3000, &hung_up, None);
        assert_eq!(u.disposition, Some(Disposition::AbandonedInIvr));
        // Served, then ended by the flow or by the caller: self-served either way.
        for reason in [EndReason::LocalHangup, EndReason::RemoteHangup] {
            let u = ended(&with(IvrOutcome::SelfServed), 3000, &reason, None);
            assert_eq!(u.disposition, Some(Disposition::SelfServed), "{reason:?}");
        }
        // The flow hung up without serving (closed hours): neither served nor abandoned.
        let u = ended(
            &with(IvrOutcome::Unserved),
            3000,
            &EndReason::LocalHangup,
            None,
        );
        assert_eq!(u.disposition, Some(Disposition::UnservedInIvr));
        assert_eq!(u.hangup_side.as_deref(), Some("system"));
        let queued = || Open {
            queued_at: Some(1500),
            ..with(IvrOutcome::Transferred("billing".into()))
        };
        let u = ended(&queued(), 3000, &hung_up, None);
        assert_eq!(u.disposition, Some(Disposition::AbandonedInQueue));
        assert_eq!(u.wait_ms, Some(1500), "waited from the transfer to the end");
    }
}
