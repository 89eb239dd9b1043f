//! Campaign calls (issue 21): a customer's number dialled through the outbound route for a
//! campaign. IVR-only: answered, the campaign's flow runs with the variable `target` made from
//! the campaign's data for the customer (checked before the dial: data the flow cannot take is
//! never dialled); the keys pressed are kept; the flow's `promise`, `opt_out` and `result`
//! nodes are kept on the call (`Call::outbound`); a flow's transfer puts the customer in that
//! queue like any caller. Progressive: answered, the customer goes straight to an agent of the
//! campaign's queue (the agent's screen pop names the campaign; the customer hears the staff
//! number); none answering within the campaign's wait, the customer hears a short apology and
//! the call ends (abandoned: the retry rules call again). Whoever asked hears one outcome:
//! answered (talk time, keys, what the flow recorded, the agent), not reached (busy, no
//! answer, refused, failed), or not placed. Every answered campaign call is recorded (an
//! IVR-only one from the customer's answer, a progressive one from the agent's) and written as
//! an outbound call record when it ends: the agent's, with its talk time, when one took it.
//! The campaign's attempts keep the calls not answered. Their sessions are not counted in the IVR's containment.

use std::time::Instant;

use hotline_core::CallId;

use super::call::{Call, Kind};
use super::io::{
    CampaignCall, CampaignOutcome, Dial, LegOrder, LogEvent, Music, Output, Progressive,
};
use super::timers::TimerKind;
use super::CallCore;
use crate::phase::Phase;
use crate::record::{AttemptRecord, Disposition};
use crate::{EndReason, SystemPrompt};

/// A campaign call as it goes.
#[derive(Debug, Clone)]
pub(crate) struct CampaignLeg {
    pub id: u64,
    pub flow: String,
    pub target: hotline_ivr::Value,
    /// The keys pressed, in order.
    pub keys: String,
    pub answered_at: Option<Instant>,
    /// The customer's answer in Unix milliseconds (for the call record).
    pub answered_ms: Option<i64>,
    /// The flow asked for an agent.
    pub wanted_agent: bool,
    /// The campaign's name (for an agent's screen pop).
    pub campaign: String,
    pub account: Option<String>,
    pub progressive: Option<Progressive>,
    /// In the router's hands (waiting for an agent, or connected to one).
    pub queued: bool,
    /// The agent the router connected.
    pub agent: Option<i64>,
    /// It waited for an agent and none came in time.
    pub no_agent: bool,
    /// Its recording was started.
    pub recorded: bool,
}

impl CallCore {
    /// Places campaign call `c`, or says at once why it cannot.
    pub(super) fn campaign(&mut self, c: CampaignCall) {
        if let Some(agent) = c.preview {
            return self.campaign_preview(c, hotline_acd::AgentId(agent));
        }
        let refuse = |core: &mut CallCore, why: String| {
            tracing::warn!(id = c.id, reason = %why, "campaign call not placed");
            core.emit(Output::CampaignResult {
                id: c.id,
                outcome: CampaignOutcome::NotPlaced(why),
            });
        };
        let Some(flows) = self.env.flows() else {
            return refuse(self, "no IVR flows loaded".into());
        };
        let Some(flow) = flows.find(&c.flow).and_then(|i| flows.flows.get(i)) else {
            return refuse(self, format!("no flow {:?}", c.flow));
        };
        let target = match hotline_ivr::outbound::target_value(&flow.target, &c.target) {
            Ok(v) => v,
            Err(e) => return refuse(self, format!("flow {}: {e}", c.flow)),
        };
        let call = self.env.new_call_id();
        let route = self.cfg.callbacks.clone();
        let Some(route) = route.filter(|_| self.env.bind_port(call)) else {
            tracing::warn!(
                id = c.id,
                "campaign call not placed: no outbound route or no RTP port"
            );
            return self.emit(Output::CampaignResult {
                id: c.id,
                outcome: CampaignOutcome::NoRoute("no outbound route or no RTP port".into()),
            });
        };
        tracing::info!(id = c.id, %call, number = %hotline_core::mask(&c.number), flow = %c.flow, "campaign call");
        let dial = Dial {
            call,
            user: c.number,
            gateway: Some(route.gateway),
            from_user: c.caller_id.unwrap_or(route.caller_id),
            from_display: None,
            headers: vec![("X-Hotline-Campaign".into(), c.campaign_id.to_string())],
            ring_timeout: c.ring,
        };
        let leg = CampaignLeg {
            id: c.id,
            flow: c.flow,
            target,
            keys: String::new(),
            answered_at: None,
            answered_ms: None,
            wanted_agent: false,
            campaign: c.campaign,
            account: c.account,
            progressive: c.progressive,
            queued: false,
            agent: None,
            no_agent: false,
            recorded: false,
        };
        self.place(dial, Kind::Campaign(leg), None);
    }

    /// The customer answered: the flow starts with its target data, or (progressive) the
    /// customer goes to the campaign's queue.
    pub(super) fn campaign_answered(&mut self, call: CallId, usable: bool) {
        if !usable {
            return self.sip(super::io::SipOrder::Hangup(call));
        }
        let (now, unix_ms) = (self.now.mono, self.now.unix_ms);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.leg = true;
        let Some(leg) = c.campaign_mut() else { return };
        leg.answered_at = Some(now);
        leg.answered_ms = Some(unix_ms);
        let (flow, target, id) = (leg.flow.clone(), leg.target.clone(), leg.id);
        let progressive = leg.progressive.clone();
        self.emit(Output::StartLeg(call));
        if let Some(p) = progressive {
            self.campaign_queue(call, p.queue, "campaign", Some(p.wait));
            return self.emit(Output::CampaignAnswered { id });
        }
        // IVR-only: recorded from the answer, as an inbound call is (the customer left, what
        // the customer hears right: the flow's prompts, and an agent if they ask for one).
        self.record_campaign_call(call);
        if !self.start_ivr_outbound(call, &flow, target) {
            tracing::warn!(%call, %flow, "campaign flow gone: hanging up");
            self.sip(super::io::SipOrder::Hangup(call));
        }
    }

    /// Starts recording campaign call `call` (once; recording on): the customer left, what
    /// the customer hears right. Its record, written when it ends, names the file.
    pub(super) fn record_campaign_call(&mut self, call: CallId) {
        if !self.cfg.recording {
            return;
        }
        let Some(leg) = self.calls.get_mut(&call).and_then(Call::campaign_mut) else {
            return;
        };
        if leg.recorded {
            return;
        }
        leg.recorded = true;
        self.emit(Output::Record {
            call,
            channels: super::io::Channels::Stereo,
            legs: vec![(
                call,
                super::io::RecSide::Caller,
                Some(super::io::RecSide::Agent),
            )],
            of: super::io::RecordingOf::Attempt,
        });
    }

    /// The customer waits in `queue` for an agent (music; the router offers the call), at
    /// most `wait` when given.
    fn campaign_queue(
        &mut self,
        call: CallId,
        queue: String,
        reason: &str,
        wait: Option<std::time::Duration>,
    ) {
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.timeline.enter(
            now,
            Phase::Queued {
                queue: queue.clone(),
            },
        );
        let Some(leg) = c.campaign_mut() else { return };
        leg.queued = true;
        let mut req = hotline_acd::CallRequest::new(call, queue.clone());
        req.customer = leg.account.clone();
        req.reason = reason.to_string();
        tracing::info!(%call, id = leg.id, %queue, "campaign call: the customer waits for an agent");
        self.leg(call, LegOrder::StopPlayback);
        self.leg(call, LegOrder::Music(Some(Music::Library)));
        if let Some(wait) = wait {
            self.timers
                .set(call, TimerKind::CampaignWait, now.mono + wait);
        }
        self.acd(hotline_acd::Input::CallArrived(req));
    }

    /// A progressive campaign's customer waited as long as allowed: still without an agent,
    /// the router lets the call go and the customer hears the apology, then the engine hangs
    /// up (abandoned; an agent's phone still ringing for it stops).
    pub(super) fn campaign_wait_over(&mut self, call: CallId) {
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if !c.phase().waiting() {
            return;
        }
        let ringing = c.peer.take();
        c.timeline.enter(
            now,
            Phase::Leaving {
                disposition: Disposition::AbandonedInQueue,
            },
        );
        if let Some(leg) = c.campaign_mut() {
            leg.no_agent = true;
            tracing::info!(%call, id = leg.id, "campaign call: no agent in time; the customer is let go");
        }
        self.acd(hotline_acd::Input::CallAbandoned(call));
        if let Some(agent_call) = ringing {
            if let Some(Kind::Offer { over, .. }) =
                self.calls.get_mut(&agent_call).map(|a| &mut a.kind)
            {
                *over = true;
            }
            self.sip(super::io::SipOrder::Hangup(agent_call));
        }
        let names = SystemPrompt::names(&[SystemPrompt::CampaignNoAgent]);
        self.farewell(call, &names);
    }

    /// A key on a campaign call: kept (the flow takes it too).
    pub(super) fn campaign_digit(&mut self, call: CallId, digit: char) {
        if let Some(leg) = self.calls.get_mut(&call).and_then(Call::campaign_mut) {
            if leg.keys.len() < 64 {
                leg.keys.push(digit);
            }
        }
    }

    /// The flow transferred a campaign call: the customer waits in the flow's queue like any
    /// caller (a closed queue: the call ends, its outcome says the customer asked for one).
    pub(super) fn campaign_transfer(&mut self, call: CallId, queue: &str, reason: &str) {
        if let Some(leg) = self.calls.get_mut(&call).and_then(Call::campaign_mut) {
            leg.wanted_agent = true;
        }
        match self.opening(queue) {
            super::queue::Opening::Open(open) => self.campaign_queue(call, open, reason, None),
            super::queue::Opening::Closed { queue, .. } => {
                tracing::info!(%call, %queue, "campaign call: the customer asked for an agent; queue closed");
                self.sip(super::io::SipOrder::Hangup(call));
            }
        }
    }

    /// The campaign call ended: its one outcome, and the record of a call an agent took.
    pub(super) fn campaign_ended(&mut self, ended: &Call, leg: &CampaignLeg, reason: EndReason) {
        let outcome = match leg.answered_at {
            Some(at) => CampaignOutcome::Answered {
                talk_ms: i64::try_from(self.now.mono.saturating_duration_since(at).as_millis())
                    .unwrap_or(i64::MAX),
                keys: leg.keys.clone(),
                record: ended.outbound,
                wanted_agent: leg.wanted_agent,
                agent: leg.agent,
                no_agent: leg.no_agent || (leg.queued && leg.agent.is_none()),
            },
            None => CampaignOutcome::NotReached(reason),
        };
        tracing::info!(id = leg.id, call = %ended.id, ?outcome, "campaign call over");
        if let Some(answered) = leg.answered_at {
            // Answered: an outbound call record of its own, with its recording. Talk time
            // from the agent's answer when an agent took it, else from the customer's.
            let r = ended.timeline.record(self.now, reason);
            let (talk_ms, disposition) = match leg.agent {
                Some(_) => (r.talk_ms, Disposition::Answered),
                None => {
                    let ms = self
                        .now
                        .mono
                        .saturating_duration_since(answered)
                        .as_millis();
                    let disposition = if leg.wanted_agent || leg.queued {
                        Disposition::AbandonedInQueue
                    } else {
                        Disposition::SelfServed
                    };
                    (Some(i64::try_from(ms).unwrap_or(i64::MAX)), disposition)
                }
            };
            let record = AttemptRecord {
                parent_ref: None,
                number: ended.dialled.clone(),
                agent_id: leg.agent,
                started_at: r.started_at,
                agent_answered_at: r.agent_answered_at,
                answered_at: r.answered_at.or(leg.answered_ms),
                ended_at: r.ended_at,
                talk_ms,
                result: "reached",
                disposition,
                hangup_side: r.hangup_side,
            };
            self.log(LogEvent::Attempt {
                call: ended.id,
                record,
            });
        }
        self.emit(Output::CampaignResult {
            id: leg.id,
            outcome,
        });
    }
}
