//! Preview campaign calls (issue 21): an agent saw the customer first and dials. The agent's
//! phone rings (the screen pop names the campaign and the customer's account), then the
//! customer is dialled through the outbound route with the campaign's caller id, and the two
//! are bridged: a click-to-call from the desktop (`callback.rs`) whose outcome goes to the
//! campaign when the agent's leg ends: answered with the talk time and the agent, the
//! customer not reached (busy, no answer, refused, failed), or the agent unavailable (phone
//! not registered, on another call, not answering: the customer was not dialled).

use hotline_acd::AgentId;

use super::call::PreviewTag;
use super::io::{CampaignCall, CampaignOutcome, Output};
use super::CallCore;
use crate::record::AttemptRecord;
use crate::EndReason;

impl CallCore {
    /// Places preview call `c` for `agent`, or says at once why it cannot.
    pub(super) fn campaign_preview(&mut self, c: CampaignCall, agent: AgentId) {
        let id = c.id;
        let refuse = |core: &mut CallCore, outcome: CampaignOutcome| {
            tracing::warn!(id, agent = agent.0, ?outcome, "preview call not placed");
            core.emit(Output::CampaignResult { id, outcome });
        };
        let Some(number) = super::callback::dialable(&c.number) else {
            let why = format!("`{}` cannot be dialled", hotline_core::mask(&c.number));
            return refuse(self, CampaignOutcome::NotPlaced(why));
        };
        if self.cfg.callbacks.is_none() {
            return refuse(self, CampaignOutcome::NoRoute("no outbound route".into()));
        }
        if !self.cfg.acd || !self.env.phone_registered(agent) {
            let why = "the agent's phone is not registered".to_string();
            return refuse(self, CampaignOutcome::AgentUnavailable(why));
        }
        if self.on_a_call(agent) {
            let why = "the agent is on another call".to_string();
            return refuse(self, CampaignOutcome::AgentUnavailable(why));
        }
        tracing::info!(id, agent = agent.0, number = %hotline_core::mask(&number), "preview call: ringing the agent first");
        let tag = PreviewTag {
            id,
            campaign_id: c.campaign_id,
            campaign: c.campaign,
            account: c.account,
            caller_id: c.caller_id,
            ring: c.ring,
        };
        let entry = self.env.new_call_id();
        if !self.agent_first(entry, agent, number, false, Some(tag)) {
            let why = "no outbound route or no RTP port".to_string();
            refuse(self, CampaignOutcome::NoRoute(why));
        }
    }

    /// The agent's leg of preview call `tag` ended with `record`: the campaign hears how it
    /// went (`customer_end`: how the customer's leg ended, when it ended first).
    pub(super) fn preview_ended(
        &mut self,
        tag: &PreviewTag,
        record: &AttemptRecord,
        customer_end: Option<EndReason>,
    ) {
        let outcome = if record.answered_at.is_some() {
            CampaignOutcome::Answered {
                talk_ms: record.talk_ms.unwrap_or(0),
                keys: String::new(),
                record: hotline_ivr::outbound::Record::default(),
                wanted_agent: false,
                agent: record.agent_id,
                no_agent: false,
            }
        } else if record.agent_answered_at.is_none() {
            // The agent's phone never answered: the customer was not dialled.
            CampaignOutcome::AgentUnavailable(format!("the agent's phone: {}", record.result))
        } else {
            // The customer's phone: busy, no answer, failed; or the agent hung up while it
            // rang (cancelled).
            CampaignOutcome::NotReached(customer_end.unwrap_or(EndReason::Cancelled))
        };
        tracing::info!(
            id = tag.id,
            agent = ?record.agent_id,
            result = record.result,
            "preview call ended"
        );
        self.emit(Output::CampaignResult {
            id: tag.id,
            outcome,
        });
    }
}
