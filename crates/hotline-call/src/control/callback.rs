//! Callbacks that keep the caller's place, and click-to-call from the desktop. When a
//! callback's turn comes the router reserves an agent (`DialCallback`): the agent's phone rings
//! first (with `X-Hotline-Callback: <number>` for the screen pop); once the agent answers they
//! hear music while the customer is dialled through the outbound route; the customer answering
//! bridges the two (`CallbackResult { reached: true }`), no answer or a failure is reported as
//! not reached (the router retries). Each attempt is a call record of its own (outbound, linked
//! to the original call). When the customer's line is busy or does not answer, the agent hears
//! why (`callback_customer_busy` / `callback_no_answer`) and the desktop gets a notice before
//! the agent's leg is hung up.

use std::time::Duration;

use hotline_acd::{AgentId, CallId, Input};

use super::call::{AttemptState, Call, CallbackLeg, Kind, PreviewTag};
use super::io::{
    Channels, Dial, LegOrder, LiveOut, LogEvent, Output, RecSide, RecordingOf, ScreenPop, SipOrder,
    Sound,
};
use super::CallCore;
use crate::end::{EndClass, EndReason, Side};
use crate::record::Attempt;
use crate::SystemPrompt;

/// How long an agent's phone rings for a callback (the router's own timeout ends it first).
const AGENT_RING_LIMIT: Duration = Duration::from_secs(120);
/// How long the customer's phone rings before the attempt counts as not reached.
const CUSTOMER_RING: Duration = Duration::from_secs(45);

/// A number a callback can dial: 3 to 20 digits (an optional leading `+` is dropped).
pub(crate) fn dialable(number: &str) -> Option<String> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    ((3..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.to_string())
}

impl CallCore {
    /// The number to call this caller back on, when callbacks can be made at all.
    pub(super) fn callback_number(&self, caller: &str) -> Option<String> {
        self.cfg.callbacks.as_ref()?;
        dialable(caller)
    }

    /// The router's `DialCallback`: ring the agent first.
    pub(super) fn dial_callback(&mut self, entry: CallId, agent: AgentId, number: String) {
        if !self.agent_first(entry, agent, number, true, None) {
            tracing::debug!(%entry, agent = agent.0, "callback cannot be dialled");
            self.acd(Input::Failed { call: entry, agent });
        }
    }

    /// Rings `agent` for a call to `number`; the customer is dialled once the agent answers.
    /// False when it cannot be placed (no route, unknown agent, no RTP port). A preview
    /// campaign's call (`campaign`) names the campaign in the screen pop and reports its
    /// outcome to the campaign when the agent's leg ends.
    pub(super) fn agent_first(
        &mut self,
        entry: CallId,
        agent: AgentId,
        number: String,
        router: bool,
        campaign: Option<PreviewTag>,
    ) -> bool {
        let Some(card) = self.env.agent(agent) else {
            return false;
        };
        if self.cfg.callbacks.is_none() {
            return false;
        }
        let agent_call = self.env.new_call_id();
        if !self.env.bind_port(agent_call) {
            return false;
        }
        tracing::info!(%entry, agent = agent.0, router, "callback: ringing the agent first");
        self.emit(Output::Live(LiveOut::Offer(ScreenPop {
            agent: agent.0,
            call: entry,
            call_ref: None,
            caller: number.clone(),
            customer_account: campaign.as_ref().and_then(|t| t.account.clone()),
            queue: String::new(),
            reason: match (&campaign, router) {
                (Some(_), _) => "campaign",
                (None, true) => "callback",
                (None, false) => "outbound",
            }
            .into(),
            ivr_path: String::new(),
            callback: true,
            campaign: campaign.as_ref().map(|t| t.campaign.clone()),
        })));
        let parent = if router {
            self.env.call_ref(entry)
        } else {
            None
        };
        let dial = Dial {
            call: agent_call,
            user: card.sip_user,
            gateway: None,
            from_user: number.clone(),
            from_display: None,
            headers: vec![
                ("X-Hotline-Callback".into(), number.clone()),
                ("X-Hotline-Call".into(), entry.0.to_string()),
            ],
            ring_timeout: AGENT_RING_LIMIT,
        };
        let leg = CallbackLeg {
            entry,
            agent,
            attempt: Some(AttemptState {
                attempt: Attempt::new(parent, agent.0, number.clone(), self.now),
                customer_end: None,
            }),
            number,
            customer: false,
            connected: false,
            reported: false,
            router,
            telling: false,
            campaign,
        };
        self.place(dial, Kind::Callback(leg), None);
        if !router {
            // A call from the desktop: the router has the agent on call with it until the
            // agent's leg ends, then gives them back the state they left.
            self.acd(Input::AgentOnCall {
                agent,
                call: agent_call,
            });
            if let Some(c) = self.calls.get_mut(&agent_call) {
                c.on_call_for = Some(agent);
            }
        }
        true
    }

    /// Tells the router how a callback attempt went (calls placed from the desktop are not its).
    fn report(&mut self, leg: &CallbackLeg, input: Input) {
        if leg.router {
            self.acd(input);
        }
    }

    /// A callback leg answered: the agent (dial the customer) or the customer (bridge).
    pub(super) fn callback_answered(&mut self, answered: CallId, leg: CallbackLeg, usable: bool) {
        if !usable {
            return self.sip(SipOrder::Hangup(answered));
        }
        if let Some(c) = self.calls.get_mut(&answered) {
            c.leg = true;
        }
        self.emit(Output::StartLeg(answered));
        let now = self.now;
        if leg.customer {
            let agent_call = self.calls.get(&answered).and_then(|c| c.peer);
            let agent_leg = agent_call.filter(|p| self.calls.get(p).is_some_and(|a| a.leg));
            if let Some(a) = agent_call
                .and_then(|p| self.calls.get_mut(&p))
                .and_then(Call::callback_mut)
                .and_then(|l| l.attempt.as_mut())
            {
                a.attempt.customer_answered = Some(now);
            }
            // The customer picked up: bridge with the agent.
            let Some(agent_leg) = agent_leg else {
                return self.sip(SipOrder::Hangup(answered));
            };
            self.leg(agent_leg, LegOrder::Music(None));
            self.emit(Output::Bridge(agent_leg, answered));
            if self.cfg.recording {
                // Stereo, under the agent's leg (the attempt's record is written when it
                // ends): the customer left, the agent right.
                self.emit(Output::Record {
                    call: agent_leg,
                    channels: Channels::Stereo,
                    legs: vec![
                        (answered, RecSide::Caller, None),
                        (agent_leg, RecSide::Agent, None),
                    ],
                    of: RecordingOf::Attempt,
                });
            }
            tracing::info!(entry = %leg.entry, agent = leg.agent.0, "callback: customer reached, bridged");
            self.report(
                &leg,
                Input::CallbackResult {
                    call: leg.entry,
                    reached: true,
                },
            );
            self.mark(answered, |l| {
                l.connected = true;
                l.reported = true;
            });
            return;
        }
        // The agent answered: music while the customer is dialled.
        if let Some(a) = self
            .calls
            .get_mut(&answered)
            .and_then(Call::callback_mut)
            .and_then(|l| l.attempt.as_mut())
        {
            a.attempt.agent_answered = Some(now);
        }
        let Some(route) = self.cfg.callbacks.clone() else {
            return self.sip(SipOrder::Hangup(answered));
        };
        let customer_call = self.env.new_call_id();
        if !self.env.bind_port(customer_call) {
            tracing::warn!(entry = %leg.entry, "callback: no RTP port for the customer leg");
            self.report_not_reached(answered);
            return self.sip(SipOrder::Hangup(answered));
        }
        self.leg(answered, LegOrder::Music(None));
        tracing::info!(entry = %leg.entry, agent = leg.agent.0, "callback: agent ready, dialling the customer");
        let (from_user, headers) = match &leg.campaign {
            Some(t) => (
                t.caller_id
                    .clone()
                    .unwrap_or_else(|| route.caller_id.clone()),
                vec![("X-Hotline-Campaign".into(), t.campaign_id.to_string())],
            ),
            None => (route.caller_id.clone(), Vec::new()),
        };
        let dial = Dial {
            call: customer_call,
            user: leg.number.clone(),
            gateway: Some(route.gateway),
            from_user,
            from_display: None,
            headers,
            ring_timeout: leg.campaign.as_ref().map_or(CUSTOMER_RING, |t| t.ring),
        };
        let customer = CallbackLeg {
            customer: true,
            attempt: None,
            ..leg
        };
        self.place(dial, Kind::Callback(customer), Some(answered));
        if let Some(a) = self.calls.get_mut(&answered) {
            a.peer = Some(customer_call);
        }
    }

    /// Applies `f` to the callback state of `call` and of its peer.
    fn mark(&mut self, call: CallId, f: impl Fn(&mut CallbackLeg)) {
        let peer = self.calls.get(&call).and_then(|c| c.peer);
        for c in [Some(call), peer].into_iter().flatten() {
            if let Some(l) = self.calls.get_mut(&c).and_then(Call::callback_mut) {
                f(l);
            }
        }
    }

    /// This attempt did not reach the customer (reported once for both legs).
    fn report_not_reached(&mut self, call: CallId) {
        let Some(leg) = self.calls.get(&call).and_then(Call::callback).cloned() else {
            return;
        };
        if leg.reported {
            return;
        }
        self.report(
            &leg,
            Input::CallbackResult {
                call: leg.entry,
                reached: false,
            },
        );
        self.mark(call, |l| l.reported = true);
    }

    /// A callback leg ended (already taken out): the router hears how the attempt went, the
    /// attempt's record is written when the agent's leg ends. True when the other leg is taken
    /// care of here (the agent hears why the customer was not reached before its leg is hung
    /// up); otherwise it is ended like any bridge's other side.
    pub(super) fn callback_ended(
        &mut self,
        ended_call: CallId,
        ended: &Call,
        leg: &CallbackLeg,
        reason: EndReason,
    ) -> bool {
        self.report_end(ended, leg, reason);
        if !leg.customer {
            if let Some(state) = &leg.attempt {
                let mut attempt = state.attempt.clone();
                if attempt.customer_answered.is_some() && attempt.left_first.is_none() {
                    attempt.left_first = Some(if reason.far_end_left() {
                        Side::Agent
                    } else {
                        Side::System
                    });
                }
                let agent_end = attempt.agent_answered.is_none().then_some(reason);
                let record = attempt.record(self.now, agent_end, state.customer_end);
                if let Some(tag) = &leg.campaign {
                    self.preview_ended(tag, &record, state.customer_end);
                }
                self.log(LogEvent::Attempt {
                    call: ended_call,
                    record,
                });
            }
            return false;
        }
        // The customer's leg: the agent's leg keeps how it ended.
        let Some(agent_call) = ended.peer.filter(|p| self.calls.contains_key(p)) else {
            return false;
        };
        let answered_agent = self.calls.get(&agent_call).is_some_and(|a| a.leg);
        if let Some(a) = self
            .calls
            .get_mut(&agent_call)
            .and_then(Call::callback_mut)
            .and_then(|l| l.attempt.as_mut())
        {
            a.customer_end = Some(reason);
            if leg.connected {
                a.attempt
                    .left_first
                    .get_or_insert(if reason.far_end_left() {
                        Side::Caller
                    } else {
                        Side::System
                    });
            }
        }
        if leg.connected || !answered_agent {
            return false;
        }
        // Not reached: tell the agent why, then hang up.
        let prompt = match reason.class() {
            EndClass::Busy => SystemPrompt::CallbackCustomerBusy,
            _ => SystemPrompt::CallbackNoAnswer,
        };
        self.tell_agent(agent_call, leg, prompt)
    }

    /// Plays `prompt` to the agent of a callback (in the agent's language), notes it on the
    /// desktop, and hangs up the agent's leg once it has played. False when it cannot be
    /// played (the leg is then hung up as the bridge's other side).
    fn tell_agent(&mut self, agent_call: CallId, leg: &CallbackLeg, prompt: SystemPrompt) -> bool {
        tracing::info!(entry = %leg.entry, agent = leg.agent.0, notice = %prompt.name(), "callback: customer not reached; telling the agent");
        self.emit(Output::Live(LiveOut::Notice {
            agent: leg.agent.0,
            call: leg.entry,
            notice: prompt.name(),
        }));
        let lang = self
            .env
            .agent(leg.agent)
            .map(|c| c.language)
            .unwrap_or_else(|| self.cfg.language.clone());
        let name = prompt.name();
        let found = self.cfg.entry_flow.is_some() && self.env.has_prompt(&lang, &name);
        let has_leg = self.calls.get(&agent_call).is_some_and(|a| a.leg);
        if !found || !has_leg {
            tracing::warn!(agent = leg.agent.0, %lang, notice = %name, "notice prompt missing");
            return false;
        }
        self.leg(agent_call, LegOrder::Music(None));
        self.leg(
            agent_call,
            LegOrder::Play {
                sounds: vec![Sound::library(&lang, &name)],
                interruptible: false,
            },
        );
        // The playback's end hangs the agent up (see `answer::playback_done_outside_ivr`).
        if let Some(a) = self.calls.get_mut(&agent_call) {
            a.peer = None;
            if let Some(l) = a.callback_mut() {
                l.telling = true;
            }
        }
        true
    }

    /// Tells the router how the attempt went when `ended` is the leg that decides it.
    fn report_end(&mut self, ended: &Call, leg: &CallbackLeg, reason: EndReason) {
        let peer = ended.peer.filter(|p| self.calls.contains_key(p));
        if leg.connected {
            self.report(leg, Input::CallEnded(leg.entry));
        } else if leg.reported {
            return;
        } else if !leg.customer && !ended.leg {
            // The agent's phone never answered.
            self.report(leg, super::queue::offer_over(leg.entry, leg.agent, reason));
            return;
        } else {
            // The customer did not answer (or the agent gave up while it rang).
            tracing::debug!(entry = %leg.entry, customer = leg.customer, "callback: customer not reached");
            self.report(
                leg,
                Input::CallbackResult {
                    call: leg.entry,
                    reached: false,
                },
            );
        }
        if let Some(l) = peer
            .and_then(|p| self.calls.get_mut(&p))
            .and_then(Call::callback_mut)
        {
            l.reported = true;
            l.connected = false;
        }
    }

    /// The agent's leg of the callback (or click-to-call) `agent` has answered, if any.
    pub(super) fn callback_agent_leg(&self, agent: AgentId) -> Option<CallId> {
        self.calls
            .values()
            .find(|c| {
                c.leg
                    && c.callback()
                        .is_some_and(|l| l.agent == agent && !l.customer)
            })
            .map(|c| c.id)
    }

    /// The desk hangs up a callback: the agent left first.
    pub(super) fn callback_hung_up_by_desk(&mut self, agent_call: CallId) {
        if let Some(a) = self
            .calls
            .get_mut(&agent_call)
            .and_then(Call::callback_mut)
            .and_then(|l| l.attempt.as_mut())
        {
            if a.attempt.customer_answered.is_some() {
                a.attempt.left_first.get_or_insert(Side::Agent);
            }
        }
    }

    /// The router timed out the agent's ring for a callback: stop ringing. When the customer
    /// was reached in the same instant (the router had not yet heard it), the conversation is
    /// kept and the router's entry cancelled, so that the customer is not called again.
    pub(super) fn callback_ring_timeout(&mut self, entry: CallId) {
        let agent_leg = self.calls.values_mut().find(|c| {
            c.callback()
                .is_some_and(|l| l.entry == entry && !l.customer)
        });
        let Some(c) = agent_leg else {
            return self.unexpected(entry, "ring_timeout");
        };
        let id = c.id;
        let Some(l) = c.callback_mut() else { return };
        l.reported = true;
        let (connected, router) = (l.connected, l.router);
        if connected {
            tracing::info!(%entry, "callback: the router gave up as the customer answered; the call goes on");
            if router {
                self.acd(Input::CallAbandoned(entry));
            }
            return;
        }
        self.sip(SipOrder::Hangup(id));
    }
}
