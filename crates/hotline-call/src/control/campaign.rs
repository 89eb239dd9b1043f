//! Campaign calls (issue 21): a customer's number dialled through the outbound route for a
//! campaign; answered, the campaign's flow runs with the variable `target` made from the
//! campaign's data for the customer (checked before the dial: data the flow cannot take is
//! never dialled). The keys pressed are kept; the flow's `promise`, `opt_out` and `result`
//! nodes are kept on the call (`Call::outbound`). Whoever asked hears one outcome: answered
//! (talk time, keys, what the flow recorded), not reached (busy, no answer, refused, failed),
//! or not placed. A flow's transfer to an agent is not connected yet: the call ends, its
//! outcome says the customer asked for one. No call record is written for it (the campaign
//! keeps the attempt); its session is not counted in the IVR's containment.

use std::time::Instant;

use hotline_core::CallId;

use super::call::{Call, Kind};
use super::io::{CampaignCall, CampaignOutcome, Dial, Output};
use super::CallCore;
use crate::EndReason;

/// A campaign call as it goes.
#[derive(Debug, Clone)]
pub(crate) struct CampaignLeg {
    pub id: u64,
    pub flow: String,
    pub target: hotline_ivr::Value,
    /// The keys pressed, in order.
    pub keys: String,
    pub answered_at: Option<Instant>,
    /// The flow asked for an agent.
    pub wanted_agent: bool,
}

impl CallCore {
    /// Places campaign call `c`, or says at once why it cannot.
    pub(super) fn campaign(&mut self, c: CampaignCall) {
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
            headers: vec![("X-Hotline-Campaign".into(), c.id.to_string())],
            ring_timeout: c.ring,
        };
        let leg = CampaignLeg {
            id: c.id,
            flow: c.flow,
            target,
            keys: String::new(),
            answered_at: None,
            wanted_agent: false,
        };
        self.place(dial, Kind::Campaign(leg), None);
    }

    /// The customer answered: the flow starts with its target data.
    pub(super) fn campaign_answered(&mut self, call: CallId, usable: bool) {
        if !usable {
            return self.sip(super::io::SipOrder::Hangup(call));
        }
        let now = self.now.mono;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.leg = true;
        let Some(leg) = c.campaign_mut() else { return };
        leg.answered_at = Some(now);
        let (flow, target) = (leg.flow.clone(), leg.target.clone());
        self.emit(Output::StartLeg(call));
        if !self.start_ivr_outbound(call, &flow, target) {
            tracing::warn!(%call, %flow, "campaign flow gone: hanging up");
            self.sip(super::io::SipOrder::Hangup(call));
        }
    }

    /// A key on a campaign call: kept (the flow takes it too).
    pub(super) fn campaign_digit(&mut self, call: CallId, digit: char) {
        if let Some(leg) = self.calls.get_mut(&call).and_then(Call::campaign_mut) {
            if leg.keys.len() < 64 {
                leg.keys.push(digit);
            }
        }
    }

    /// The flow transferred a campaign call: not connected to agents yet; the call ends and
    /// its outcome says so.
    pub(super) fn campaign_transfer(&mut self, call: CallId) {
        if let Some(leg) = self.calls.get_mut(&call).and_then(Call::campaign_mut) {
            leg.wanted_agent = true;
            tracing::info!(%call, id = leg.id, "campaign call: the customer asked for an agent (not connected yet)");
        }
        self.sip(super::io::SipOrder::Hangup(call));
    }

    /// The campaign call ended: its one outcome.
    pub(super) fn campaign_ended(&mut self, ended: &Call, leg: &CampaignLeg, reason: EndReason) {
        let outcome = match leg.answered_at {
            Some(at) => CampaignOutcome::Answered {
                talk_ms: i64::try_from(self.now.mono.saturating_duration_since(at).as_millis())
                    .unwrap_or(i64::MAX),
                keys: leg.keys.clone(),
                record: ended.outbound,
                wanted_agent: leg.wanted_agent,
            },
            None => CampaignOutcome::NotReached(reason),
        };
        tracing::info!(id = leg.id, call = %ended.id, ?outcome, "campaign call over");
        self.emit(Output::CampaignResult {
            id: leg.id,
            outcome,
        });
    }
}
