//! Campaign calls asked for by the campaign runner (`crate::campaigns`): a request goes to the
//! controller loop with where its one outcome goes; the call core places the call and runs
//! the campaign's flow (`hotline_call::control`, its `campaign` part). [`CorePlacer`] is the
//! runner's [`crate::campaigns::Placer`]: it turns the core's outcome into the campaign's
//! result (busy, no answer, declined, failed; a route failure counted towards pausing).

use std::time::Duration;

use hotline_call::control::{CampaignCall, CampaignOutcome};
use hotline_call::{EndClass, EndReason};
use hotline_campaign::CallResult;
use tokio::sync::{mpsc, oneshot};

use crate::campaigns::{PlaceOutcome, PlaceRequest, Placer};

/// One campaign call to place.
pub struct CampaignRequest {
    call: CampaignCall,
    reply: oneshot::Sender<CampaignOutcome>,
    answered: Option<oneshot::Sender<()>>,
}

/// Where a campaign call's outcome goes, and (progressive) word of its answer before it.
pub(super) type Replies = (
    oneshot::Sender<CampaignOutcome>,
    Option<oneshot::Sender<()>>,
);

impl CampaignRequest {
    /// The core's input (numbered `id`) and where its outcome (and answer) go.
    pub(super) fn split(self, id: u64) -> (CampaignCall, Replies) {
        (
            CampaignCall { id, ..self.call },
            (self.reply, self.answered),
        )
    }
}

/// The runner's way to the call core.
#[derive(Debug, Clone)]
pub struct CorePlacer {
    tx: mpsc::UnboundedSender<CampaignRequest>,
    /// How long a campaign call may ring.
    ring: Duration,
}

impl CorePlacer {
    /// A placer and the receiver the controller loop reads.
    pub fn channel(ring: Duration) -> (CorePlacer, mpsc::UnboundedReceiver<CampaignRequest>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (CorePlacer { tx, ring }, rx)
    }
}

/// The campaign's result for a call not answered: busy, rang out, declined (603), or failed;
/// a failure of the route (the trunk refusing with 403 or failing with a 5xx, the transport)
/// is said as such.
fn not_reached(reason: EndReason) -> PlaceOutcome {
    let (result, route) = match reason {
        EndReason::Failed(603) => (CallResult::Rejected, None),
        // The trunk refusing (403) or failing (5xx): the route, not the customer.
        EndReason::Failed(code @ (403 | 500..=599)) => {
            (CallResult::Failed, Some(format!("{code} from the route")))
        }
        EndReason::TransportFailure => (CallResult::Failed, Some("the transport failed".into())),
        r => match r.class() {
            EndClass::Busy => (CallResult::Busy, None),
            EndClass::NoAnswer => (CallResult::NoAnswer, None),
            _ => (CallResult::Failed, None),
        },
    };
    PlaceOutcome {
        result: Some(result),
        route_failure: route,
        note: Some(format!("{reason:?}")),
        ..PlaceOutcome::default()
    }
}

/// The campaign's view of the core's outcome.
pub fn outcome(o: CampaignOutcome) -> PlaceOutcome {
    match o {
        CampaignOutcome::Answered {
            talk_ms,
            keys,
            record,
            wanted_agent,
            agent,
            no_agent,
        } => {
            let rating = match record.result {
                Some(hotline_ivr::outbound::CallResult::Rating(n)) => Some(i64::from(n)),
                _ => None,
            };
            let mut note = record.result.map(|r| r.name().to_string());
            if let Some(a) = agent {
                note = Some(format!("talked to agent {a}"));
            } else if wanted_agent && no_agent {
                note = Some("asked for an agent; left the queue without one".into());
            } else if wanted_agent {
                note = Some("asked for an agent; the queue was closed".into());
            }
            // Progressive: answered, and no agent took the customer in time.
            let result = if no_agent && !wanted_agent {
                CallResult::Abandoned
            } else {
                CallResult::Answered
            };
            PlaceOutcome {
                agent,
                result: Some(result),
                talk_ms: Some(talk_ms),
                keys: Some(keys).filter(|k| !k.is_empty()),
                promise_fen: record.promise.map(|(fen, _)| fen),
                promise_by: record.promise.map(|(_, d)| hotline_time::CivilDate {
                    year: d.year,
                    month: d.month,
                    day: d.day,
                }),
                rating,
                opted_out: record.opted_out,
                note,
                route_failure: None,
            }
        }
        CampaignOutcome::NotReached(reason) => not_reached(reason),
        CampaignOutcome::NoRoute(why) => PlaceOutcome {
            result: Some(CallResult::Failed),
            route_failure: Some(why.clone()),
            note: Some(why),
            ..PlaceOutcome::default()
        },
        // No flows at all, or not the campaign's: every call would fail alike, so it counts
        // towards pausing the campaign with the reason, as a route down does.
        CampaignOutcome::NotPlaced(why)
            if why.starts_with("no IVR flows") || why.starts_with("no flow ") =>
        {
            PlaceOutcome {
                result: Some(CallResult::Failed),
                route_failure: Some(why.clone()),
                note: Some(why),
                ..PlaceOutcome::default()
            }
        }
        // Preview: the agent could not take it; the customer was not dialled. Failed, with
        // the reason (retried as the rules say), not the route's fault.
        CampaignOutcome::AgentUnavailable(why) => PlaceOutcome {
            result: Some(CallResult::Failed),
            note: Some(why),
            ..PlaceOutcome::default()
        },
        // One target's data the flow cannot take: failed (retried as the rules say).
        CampaignOutcome::NotPlaced(why) => PlaceOutcome {
            result: Some(CallResult::Failed),
            note: Some(why),
            ..PlaceOutcome::default()
        },
    }
}

#[async_trait::async_trait]
impl Placer for CorePlacer {
    async fn place(&self, req: PlaceRequest) -> PlaceOutcome {
        self.place_and_tell(req, None).await
    }

    async fn place_and_tell(
        &self,
        req: PlaceRequest,
        answered: Option<oneshot::Sender<()>>,
    ) -> PlaceOutcome {
        let (reply, rx) = oneshot::channel();
        let call = CampaignCall {
            id: 0,
            campaign_id: req.campaign,
            number: req.number,
            caller_id: req.caller_id,
            flow: req.flow,
            target: req.data,
            ring: self.ring,
            campaign: req.campaign_name,
            account: Some(req.account),
            progressive: req
                .progressive
                .map(|(queue, wait)| hotline_call::control::Progressive { queue, wait }),
            preview: req.preview,
        };
        let request = CampaignRequest {
            call,
            reply,
            answered,
        };
        if self.tx.send(request).is_err() {
            return outcome(CampaignOutcome::NoRoute("the engine is stopping".into()));
        }
        match rx.await {
            Ok(o) => outcome(o),
            Err(_) => outcome(CampaignOutcome::NoRoute("the engine is stopping".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cores_outcomes_become_the_campaigns_results() {
        let r = |reason| not_reached(reason).result;
        assert_eq!(r(EndReason::Failed(486)), Some(CallResult::Busy));
        assert_eq!(r(EndReason::Failed(480)), Some(CallResult::NoAnswer));
        assert_eq!(r(EndReason::Failed(408)), Some(CallResult::NoAnswer));
        assert_eq!(r(EndReason::Failed(603)), Some(CallResult::Rejected));
        assert_eq!(r(EndReason::Failed(404)), Some(CallResult::Failed));
        assert!(
            not_reached(EndReason::Failed(404)).route_failure.is_none(),
            "a bad number"
        );
        assert!(
            not_reached(EndReason::Failed(503)).route_failure.is_some(),
            "the trunk"
        );
        assert!(not_reached(EndReason::TransportFailure)
            .route_failure
            .is_some());
        let placed = outcome(CampaignOutcome::NoRoute("no route".into()));
        assert_eq!(placed.route_failure.as_deref(), Some("no route"));
        let bad = outcome(CampaignOutcome::NotPlaced(
            "target data: months: missing".into(),
        ));
        assert_eq!(
            (bad.result, bad.route_failure),
            (Some(CallResult::Failed), None)
        );
        for why in ["no IVR flows loaded", "no flow \"dunning\""] {
            let gone = outcome(CampaignOutcome::NotPlaced(why.into()));
            assert_eq!(
                gone.route_failure.as_deref(),
                Some(why),
                "every call would fail: the campaign pauses saying why"
            );
        }
        let answered = outcome(CampaignOutcome::Answered {
            talk_ms: 30_000,
            keys: "9".into(),
            record: hotline_ivr::outbound::Record {
                result: Some(hotline_ivr::outbound::CallResult::OptOut),
                promise: None,
                opted_out: true,
            },
            wanted_agent: false,
            agent: None,
            no_agent: false,
        });
        assert!(answered.opted_out);
        assert_eq!(answered.note.as_deref(), Some("opt_out"));
        assert_eq!(answered.keys.as_deref(), Some("9"));
        let talked = |agent, no_agent, wanted_agent| {
            outcome(CampaignOutcome::Answered {
                talk_ms: 60_000,
                keys: String::new(),
                record: hotline_ivr::outbound::Record::default(),
                wanted_agent,
                agent,
                no_agent,
            })
        };
        let with_agent = talked(Some(7), false, false);
        assert_eq!(
            (with_agent.result, with_agent.agent),
            (Some(CallResult::Answered), Some(7))
        );
        assert_eq!(
            talked(None, true, false).result,
            Some(CallResult::Abandoned),
            "progressive: answered with no agent in time"
        );
        assert_eq!(
            talked(None, true, true).result,
            Some(CallResult::Answered),
            "the customer asked for an agent and left the queue: reached all the same"
        );
    }
}
