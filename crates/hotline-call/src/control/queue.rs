//! Calls in the router's hands: a caller a flow transferred waits with music and hears its
//! position and expected wait; an offer rings the agent's phone (the caller and customer in
//! headers, a screen pop on the desktop); on answer the caller hears the agent's staff number
//! (工号 … 为您服务) in its own language and the legs are bridged; an agent who does not answer,
//! is busy or fails is reported and the router offers the call on; when the agent's leg ends
//! first the caller goes to the flow after the agent (or where the desktop sent it). A caller
//! leaving a queue without an agent hears a last message before the engine hangs up.

use std::time::Duration;

use std::collections::BTreeSet;

use hotline_acd::{AgentId, CallId, Exit, Input, Output as AcdOutput};
use hotline_ivr::interp::TicketRequest;

use super::call::{Call, Kind, Onward};
use super::io::{
    Dial, LegOrder, LiveOut, LogEvent, Metric, Music, Output, QueueHours, ScreenPop, SipOrder,
    Sound,
};
use super::CallCore;
use crate::end::{EndClass, EndReason, Side};
use crate::phase::Phase;
use crate::record::Disposition;
use crate::wrapup::AgentPhase;
use crate::SystemPrompt;

/// How long the SIP side lets an agent's phone ring; the router's ring time ends it first.
const SIP_RING_LIMIT: Duration = Duration::from_secs(120);
/// The kind of ticket a queue's `ticket` exit opens.
const QUEUE_TICKET_KIND: &str = "inquiry";

/// Whether a queue takes a caller now (see [`CallCore::opening`]).
pub(super) enum Opening {
    /// This queue (the one asked for, or the open queue its after-hours route led to).
    Open(String),
    /// Closed: the last closed queue on the way and its hours (its after-hours route).
    Closed { queue: String, hours: QueueHours },
}

impl CallCore {
    /// Carries out one router output.
    pub(super) fn acd_output(&mut self, out: AcdOutput) {
        match out {
            AcdOutput::Offer { call, agent } => self.offer(call, agent),
            AcdOutput::RingTimeout { call, agent } => self.ring_timeout(call, agent),
            AcdOutput::DialCallback {
                call,
                agent,
                number,
            } => self.dial_callback(call, agent, number),
            AcdOutput::CallbackQueued { call, position } => {
                tracing::info!(%call, position, "callback requested: the caller keeps its place");
                self.leaving(call, Disposition::Callback);
                let names = SystemPrompt::names(&[
                    SystemPrompt::QueueCallbackConfirm,
                    SystemPrompt::Goodbye,
                ]);
                self.farewell(call, &names);
            }
            AcdOutput::CallbackGaveUp { call, attempts } => {
                tracing::info!(%call, attempts, "callback given up: the customer was not reached")
            }
            AcdOutput::Connected {
                call,
                agent,
                wait_ms,
                ..
            } => {
                // A campaign call's record is written whole when it ends, with its recording
                // (a progressive call's from now: the customer left, what the customer hears
                // right, the staff number and the agent; an IVR-only one's since the answer).
                if let Some(leg) = self.calls.get_mut(&call).and_then(Call::campaign_mut) {
                    leg.agent = Some(agent.0);
                    self.record_campaign_call(call);
                    return;
                }
                self.log(LogEvent::Connected {
                    call,
                    agent: agent.0,
                    wait_ms,
                    at: self.now.unix_ms,
                })
            }
            AcdOutput::Announce {
                call,
                position,
                expected_wait_ms,
            } => self.announce(call, position, expected_wait_ms),
            AcdOutput::Abandoned {
                call,
                wait_ms,
                short,
                ..
            } => tracing::debug!(%call, wait_ms, short, "abandoned in the queue"),
            AcdOutput::MaxWait { call, exit } | AcdOutput::QueueRemoved { call, exit } => {
                self.leave_queue(call, exit)
            }
            AcdOutput::AgentStateChanged { agent, state } => {
                tracing::debug!(agent = agent.0, state = state.name(), "agent state");
                let phase = match &state {
                    hotline_acd::AgentState::OnCall { call, .. } => AgentPhase::OnCall(*call),
                    hotline_acd::AgentState::WrapUp { .. } => AgentPhase::WrapUp,
                    _ => AgentPhase::Other,
                };
                if let Some((call, ms)) = self.wrapups.observe(agent.0, phase, state.since()) {
                    self.log(LogEvent::WrapUp { call, ms });
                }
            }
            AcdOutput::Refused(r) => tracing::debug!(refusal = %r, "ACD refused an input"),
        }
    }

    /// The router offers `caller` to `agent`: ring the agent's phone.
    fn offer(&mut self, caller: CallId, agent: AgentId) {
        let card = self.env.agent(agent);
        let ready = self
            .calls
            .get(&caller)
            .is_some_and(|c| c.leg && c.peer.is_none());
        let agent_call = self.env.new_call_id();
        // A port only for an offer that can be rung.
        let bound = ready && card.is_some() && self.env.bind_port(agent_call);
        let (Some(card), true, Some(c)) = (card, bound, self.calls.get(&caller)) else {
            tracing::debug!(%caller, agent = agent.0, "offer cannot be rung");
            return self.acd(Input::Failed {
                call: caller,
                agent,
            });
        };
        let mut headers = vec![("X-Hotline-Call".to_string(), caller.0.to_string())];
        let campaign = c.campaign();
        let account = c
            .ivr
            .as_ref()
            .and_then(|s| s.customer_account())
            .or_else(|| campaign.and_then(|l| l.account.clone()));
        if let Some(acct) = &account {
            headers.push(("X-Customer-Account".into(), acct.clone()));
        }
        let ivr = c.ivr.as_ref();
        // The customer's number: a campaign call's is the number it dialled.
        let customer_number = if campaign.is_some() {
            c.dialled.clone()
        } else {
            c.caller.clone()
        };
        let pop = ScreenPop {
            agent: agent.0,
            call: caller,
            // A campaign call has no record of its own until it ends.
            call_ref: campaign
                .is_none()
                .then(|| self.env.call_ref(caller))
                .flatten(),
            caller: customer_number.clone(),
            customer_account: account,
            queue: ivr
                .and_then(|s| s.queue())
                .or_else(|| c.timeline.queue().map(str::to_string))
                .unwrap_or_default(),
            reason: match (ivr, campaign) {
                (Some(s), _) if !s.transfer_reason().is_empty() => s.transfer_reason().to_string(),
                (_, Some(_)) => "campaign".to_string(),
                (Some(s), None) => s.transfer_reason().to_string(),
                (None, None) => String::new(),
            },
            ivr_path: ivr.map(|s| s.path()).unwrap_or_default(),
            callback: false,
            campaign: campaign.map(|l| l.campaign.clone()),
        };
        let dial = Dial {
            call: agent_call,
            user: card.sip_user.clone(),
            gateway: None,
            from_user: customer_number,
            from_display: None,
            headers,
            ring_timeout: SIP_RING_LIMIT,
        };
        self.emit(Output::Live(LiveOut::Offer(pop)));
        tracing::info!(%caller, agent = agent.0, "offering the call to an agent");
        let kind = Kind::Offer {
            caller,
            agent,
            over: false,
        };
        self.place(dial, kind, Some(caller));
        let now = self.now;
        if let Some(c) = self.calls.get_mut(&caller) {
            c.peer = Some(agent_call);
            let queue = c.timeline.queue().unwrap_or_default().to_string();
            c.timeline.enter(
                now,
                Phase::Offering {
                    queue,
                    agent: agent.0,
                },
            );
        }
    }

    /// The router gave up ringing `agent` for `caller`: stop the ring; the caller is free for
    /// the next offer, which the router makes at once.
    fn ring_timeout(&mut self, caller: CallId, agent: AgentId) {
        let agent_call = self.calls.get(&caller).and_then(|c| c.peer).filter(|p| {
            matches!(self.calls.get(p).map(|a| &a.kind), Some(Kind::Offer { agent: a, .. }) if *a == agent)
        });
        let Some(agent_call) = agent_call else {
            return self.callback_ring_timeout(caller);
        };
        if let Some(Kind::Offer { over, .. }) = self.calls.get_mut(&agent_call).map(|a| &mut a.kind)
        {
            *over = true;
        }
        let now = self.now;
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        c.peer = None;
        if c.connected() == Some(agent) {
            // The agent answered in the same instant as the router gave up: the router did
            // not take the answer, so the caller waits again and the agent is let go.
            tracing::info!(%caller, agent = agent.0, "answer crossed the ring timeout; the caller waits again");
            let bridged = !matches!(c.phase(), Phase::Announcing { .. });
            c.timeline.answer_withdrawn(now);
            if bridged {
                self.emit(Output::Unbridge(caller, agent_call));
            }
            self.leg(caller, LegOrder::StopPlayback);
            self.leg(caller, LegOrder::Music(Some(Music::Library)));
        } else {
            back_in_queue(c, now);
        }
        self.sip(SipOrder::Hangup(agent_call));
    }

    /// The agent of an offer answered: the caller hears the staff number, then the bridge.
    pub(super) fn offer_answered(
        &mut self,
        agent_call: CallId,
        caller: CallId,
        agent: AgentId,
        usable: bool,
    ) {
        if !self.cfg.acd || !usable {
            return self.sip(SipOrder::Hangup(agent_call));
        }
        let caller_waits = self
            .calls
            .get(&caller)
            .is_some_and(|c| c.peer == Some(agent_call));
        if let Some(a) = self.calls.get_mut(&agent_call) {
            if let Kind::Offer { over, .. } = &mut a.kind {
                *over = true;
            }
            a.leg = caller_waits;
        }
        if !caller_waits {
            // The caller left (or the offer was taken back) as the agent answered.
            return self.sip(SipOrder::Hangup(agent_call));
        }
        self.emit(Output::StartLeg(agent_call));
        self.acd(Input::Answered {
            call: caller,
            agent,
        });
        let staff_no = self
            .env
            .agent(agent)
            .map(|c| c.staff_no)
            .unwrap_or_default();
        let now = self.now;
        if let Some(c) = self.calls.get_mut(&caller) {
            c.timeline.enter(now, Phase::Announcing { agent: agent.0 });
        }
        self.leg(caller, LegOrder::Music(None));
        // 工号 1023 为您服务: the staff number digit by digit (then, if configured and there is
        // a survey, the invitation to stay on the line for it).
        let mut said = SystemPrompt::staff_number(&staff_no);
        if self.cfg.survey_invite && self.survey_flow_loaded() {
            said.push(SystemPrompt::SurveyInvite);
        }
        let names = SystemPrompt::names(&said);
        if !self.play(caller, &names) {
            self.bridge(caller);
        }
    }

    /// The flow after the agent (the survey) is loaded.
    fn survey_flow_loaded(&self) -> bool {
        self.env
            .flows()
            .is_some_and(|f| f.find(&self.cfg.after_agent_flow).is_some())
    }

    /// The language `call`'s caller hears: the one chosen in the IVR, else the engine's.
    pub(super) fn language(&self, c: &Call) -> String {
        caller_language(c, &self.cfg.language)
    }

    /// Plays system prompts `names` (in the caller's language) on `call`'s leg; false when
    /// none of them could be played (no IVR prompts, no leg, all missing).
    pub(super) fn play(&mut self, call: CallId, names: &[String]) -> bool {
        self.play_with(call, names, false)
    }

    /// As [`CallCore::play`]; `interruptible`: a key stops it.
    pub(super) fn play_with(
        &mut self,
        call: CallId,
        names: &[String],
        interruptible: bool,
    ) -> bool {
        if self.cfg.entry_flow.is_none() {
            return false;
        }
        let Some(c) = self.calls.get(&call).filter(|c| c.leg) else {
            return false;
        };
        let lang = self.language(c);
        let sounds: Vec<Sound> = names
            .iter()
            .filter(|n| {
                let found = self.env.has_prompt(&lang, n);
                if !found {
                    tracing::warn!(%call, prompt = %n, %lang, "system prompt missing; skipped");
                }
                found
            })
            .map(|n| Sound::library(&lang, n))
            .collect();
        if sounds.is_empty() {
            return false;
        }
        self.leg(
            call,
            LegOrder::Play {
                sounds,
                interruptible,
            },
        );
        true
    }

    /// The staff number is said (or there was none to say): the caller talks with the agent.
    pub(super) fn bridge(&mut self, caller: CallId) {
        let now = self.now;
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        if let Phase::Announcing { agent } = c.phase() {
            let agent = *agent;
            c.timeline.enter(now, Phase::Bridged { agent });
        }
        let (Some(agent_call), leg, mixing) = (c.peer, c.leg, c.mixing) else {
            return;
        };
        let both = leg && self.calls.get(&agent_call).is_some_and(|a| a.leg);
        if both && mixing {
            // A supervisor joined during the staff number: the caller joins the mix.
            self.mix_in(caller, caller);
        } else if both {
            self.emit(Output::Bridge(caller, agent_call));
            tracing::debug!(%caller, %agent_call, "caller and agent bridged");
        }
    }

    /// A key pressed by a caller waiting in a queue: 1 asks for a callback (when callbacks can
    /// be made); other keys are ignored there. True when the call is not in a flow's hands
    /// (waiting, or hearing a last message), so the key is taken here.
    pub(super) fn queued_digit(&mut self, call: CallId, digit: char) -> bool {
        let Some(c) = self.calls.get(&call) else {
            return false;
        };
        if c.callback().is_some_and(|l| l.telling) {
            return true;
        }
        match c.phase() {
            Phase::Queued { .. } if !c.outbound() && self.cfg.acd => {
                if digit == '1' {
                    if let Some(number) = self.callback_number(&c.caller) {
                        self.acd(Input::CallbackRequested { call, number });
                    }
                }
                true
            }
            Phase::Leaving { .. } if c.is_caller() => true,
            _ => false,
        }
    }

    /// Plays `names` to a caller who leaves the queue, then hangs up (at once when there is
    /// nothing to play).
    pub(super) fn farewell(&mut self, call: CallId, names: &[String]) {
        if !self.calls.contains_key(&call) {
            return;
        }
        self.leg(call, LegOrder::Music(None));
        if !self.play(call, names) {
            self.sip(SipOrder::Hangup(call));
        }
    }

    /// The call leaves its queue by `exit` (max wait reached, or its queue removed by a reload).
    fn leave_queue(&mut self, call: CallId, exit: Exit) {
        tracing::info!(%call, %exit, "the call leaves its queue");
        match exit {
            // Moved by the router: it waits on there.
            Exit::Queue(_) => {}
            // Only reported for a caller whose number cannot be called back.
            Exit::Ticket | Exit::Callback => {
                self.leaving(call, Disposition::Transferred);
                self.open_queue_ticket(call);
            }
            Exit::Number(number) => self.hand_outside(call, number),
            Exit::Hangup => {
                self.leaving(call, Disposition::Failed);
                let names =
                    SystemPrompt::names(&[SystemPrompt::QueueAllBusy, SystemPrompt::Goodbye]);
                self.farewell(call, &names);
            }
        }
    }

    /// Where a caller a flow sends to `queue` goes now: the queue if it keeps no hours or is
    /// open (by its calendar, in the centre's time zone, at the core's Unix time); else its
    /// after-hours route, followed through closed duty queues, each at most once.
    pub(super) fn opening(&self, queue: &str) -> Opening {
        let flows = self.env.flows();
        let mut at = queue.to_string();
        let mut seen = BTreeSet::new();
        loop {
            let Some(hours) = self.env.queue_hours(&at) else {
                return Opening::Open(at);
            };
            let open = flows.as_ref().and_then(|f| {
                let calendar = f.calendars.get(&hours.calendar)?;
                Some(hotline_ivr::interp::is_open(
                    calendar,
                    &f.zone,
                    self.now.unix_ms,
                ))
            });
            match open {
                Some(false) => {}
                Some(true) => return Opening::Open(at),
                None => {
                    // Checked at start (and by `flow check`); reached only if a reload of the
                    // flows or the queues lost it since.
                    tracing::warn!(queue = %at, calendar = %hours.calendar, "queue calendar not found; the queue is taken as open");
                    return Opening::Open(at);
                }
            }
            seen.insert(at.clone());
            match &hours.after_hours {
                Exit::Queue(next) if !seen.contains(next) => at.clone_from(next),
                _ => return Opening::Closed { queue: at, hours },
            }
        }
    }

    /// A flow sent `call` to `queue` while it is closed: its after-hours route. `hangup`: the
    /// opening hours and goodbye; otherwise (a ticket, or a duty queue that is closed too) a
    /// ticket to call back, the caller hearing its number.
    pub(super) fn closed_queue(&mut self, call: CallId, queue: String, hours: QueueHours) {
        tracing::info!(%call, %queue, calendar = %hours.calendar, route = %hours.after_hours, "queue closed: after-hours route");
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.after_hours = Some(queue);
        if hours.after_hours == Exit::Hangup {
            let lang = self
                .calls
                .get(&call)
                .map(|c| self.language(c))
                .unwrap_or_default();
            self.leaving(call, Disposition::UnservedInIvr);
            let mut names = SystemPrompt::names(&[SystemPrompt::ClosedHours]);
            if let Some(calendar) = self
                .env
                .flows()
                .and_then(|f| f.calendars.get(&hours.calendar).cloned())
            {
                match hotline_ivr::interp::hours::hours_prompts(&calendar, &lang) {
                    Ok(said) => names.extend(said),
                    Err(e) => tracing::warn!(%call, error = %e, "opening hours not said"),
                }
            }
            names.extend(SystemPrompt::names(&[SystemPrompt::Goodbye]));
            return self.farewell(call, &names);
        }
        if let Exit::Number(number) = hours.after_hours {
            return self.hand_outside(call, number);
        }
        self.leaving(call, Disposition::Transferred);
        self.open_queue_ticket(call);
    }

    /// A ticket to call the caller back ("voicemail-style"): the caller then hears its number.
    pub(super) fn open_queue_ticket(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let account = c.ivr.as_ref().and_then(|s| s.customer_account());
        let queue = c.ivr.as_ref().and_then(|s| s.queue()).unwrap_or_default();
        // In Chinese and in English (for desks in either); the ticket's own summary in the
        // engine's language.
        let (zh, en) = match (&c.outside, &c.after_hours) {
            (Some(number), _) => (
                format!("转接{number}未接通，请回电"),
                format!("Handed to {number}, which was not reached: call back"),
            ),
            (None, Some(closed)) => (
                format!("{closed}队列非工作时间来电，请回电"),
                format!("Called while queue {closed} was closed: call back"),
            ),
            (None, None) => (
                format!("在{queue}队列等待未接通坐席，请回电"),
                format!("Waited in queue {queue} without reaching an agent: call back"),
            ),
        };
        let summary = if self.cfg.language == "zh" {
            zh.clone()
        } else {
            en.clone()
        };
        let request = TicketRequest {
            kind: QUEUE_TICKET_KIND.into(),
            summary,
            summaries: vec![("zh".into(), zh), ("en".into(), en)],
            customer_account: account,
            address: None,
            reporter_phone: c.caller.clone(),
        };
        self.emit(Output::QueueTicket { call, request });
    }

    /// The queue ticket is open (or not): the caller hears its number, then goodbye.
    pub(super) fn queue_ticket(&mut self, call: CallId, number: Option<String>) {
        if !self
            .calls
            .get(&call)
            .is_some_and(|c| matches!(c.phase(), Phase::Leaving { .. }))
        {
            return self.unexpected(call, "queue_ticket");
        }
        let closed = self
            .calls
            .get(&call)
            .is_some_and(|c| c.after_hours.is_some());
        let mut prompts = vec![if closed {
            SystemPrompt::QueueClosedTicket
        } else {
            SystemPrompt::QueueTicketLeft
        }];
        if let Some(number) = number {
            prompts.push(SystemPrompt::TicketNumber);
            prompts.extend(SystemPrompt::digits(&number));
        }
        prompts.push(SystemPrompt::Goodbye);
        self.farewell(call, &SystemPrompt::names(&prompts));
    }

    /// The caller leaves its queue without an agent: a last message, then the engine hangs up.
    pub(super) fn leaving(&mut self, call: CallId, disposition: Disposition) {
        let now = self.now;
        if let Some(c) = self.calls.get_mut(&call) {
            c.timeline.enter(now, Phase::Leaving { disposition });
        }
    }

    /// Position and expected wait, between stretches of music.
    fn announce(&mut self, call: CallId, position: u32, expected_wait_ms: Option<i64>) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if !matches!(c.phase(), Phase::Queued { .. }) || c.peer.is_some() {
            return;
        }
        let lang = self.language(c);
        let say = |v: i64| {
            hotline_ivr::say::say(
                &hotline_ivr::Value::Int(v),
                hotline_ivr::say::SayAs::Number,
                &lang,
            )
            .unwrap_or_default()
        };
        let mut names = vec![SystemPrompt::QueuePositionBefore.name()];
        names.extend(say(i64::from(position)));
        names.push(SystemPrompt::QueuePositionAfter.name());
        if let Some(ms) = expected_wait_ms {
            names.push(SystemPrompt::QueueWaitBefore.name());
            names.extend(say((ms + 59_999) / 60_000));
            names.push(SystemPrompt::QueueWaitMinutes.name());
        }
        if self.callback_number(&c.caller).is_some() {
            names.push(SystemPrompt::QueueCallbackOffer.name());
        }
        self.play(call, &names);
    }

    /// A call placed to an agent for an offer ended.
    pub(super) fn offer_ended(
        &mut self,
        agent_call: CallId,
        caller: CallId,
        agent: AgentId,
        over: bool,
        reason: EndReason,
    ) {
        let now = self.now;
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        let this_offer = c.peer == Some(agent_call);
        let connected = this_offer && c.connected() == Some(agent);
        // Only if it is still this offer (after a ring timeout the next may be ringing).
        if this_offer {
            c.peer = None;
            if !connected {
                back_in_queue(c, now);
            }
        }
        if !connected {
            if !over {
                self.acd(offer_over(caller, agent, reason));
            }
            return;
        }
        // The agent hung up during a consultation the target answered: the target takes the
        // caller.
        if self.agent_left_consultation(caller) {
            return;
        }
        // The agent hung up first: the caller goes on to the survey (or where the desktop
        // transferred it); supervisors monitoring the call leave it.
        self.acd(Input::CallEnded(caller));
        self.end_monitoring(caller);
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        let onward = c.onward.take();
        // The agent ended the conversation (the phone's BYE, or the desk's hang-up or
        // transfer), or the engine did (the agent's media stopped).
        let side = if onward.is_some() || reason == EndReason::RemoteHangup {
            Side::Agent
        } else {
            Side::System
        };
        if !c.leg {
            return;
        }
        let flow = match onward {
            Some(Onward::Queue(q)) => {
                c.timeline
                    .agent_left(now, side, Phase::Queued { queue: q.clone() });
                self.leg(caller, LegOrder::Unbridge);
                return self.requeue(caller, q);
            }
            // A campaign's customer is not taken to the survey: the call is over.
            Some(Onward::AfterAgent) | None if c.campaign().is_some() => {
                c.timeline.agent_left(
                    now,
                    side,
                    Phase::Leaving {
                        disposition: Disposition::Answered,
                    },
                );
                return self.sip(SipOrder::Hangup(caller));
            }
            Some(Onward::Flow(f)) => f,
            // A blind transfer's caller waits for its target (`consult`).
            Some(Onward::Transfer) => return,
            Some(Onward::AfterAgent) | None => self.cfg.after_agent_flow.clone(),
        };
        c.timeline
            .agent_left(now, side, Phase::AfterAgent { flow: flow.clone() });
        // The flow before keeps its steps in the record; the next one's are appended.
        if let Some(session) = c.ivr.take() {
            c.timeline.add_path(session.steps());
            c.ivr = Some(session);
        }
        let lang = caller_language(c, &self.cfg.language);
        self.leg(caller, LegOrder::Unbridge);
        if !self.start_ivr(caller, &flow, false, &lang) {
            self.sip(SipOrder::Hangup(caller));
        } else if flow == self.cfg.after_agent_flow {
            self.emit(Output::Metric(Metric::SurveyOffered));
        }
    }

    /// The caller's call ended: the router hears it (abandoned while waiting, or ended after
    /// being connected); an agent still ringing is let go (its end is not the router's news).
    pub(super) fn caller_ended(&mut self, ended: &Call) {
        let call = ended.peer;
        // Supervisors monitoring the call, and a target being consulted, leave with it (the mix
        // goes with the caller's leg).
        for m in ended
            .monitors
            .iter()
            .chain(ended.consult.as_ref().map(|k| &k.leg))
        {
            self.sip(SipOrder::Hangup(*m));
        }
        if ended.connected().is_some() {
            self.acd(Input::CallEnded(ended.id));
        } else if ended.phase().waiting() {
            // A caller leaving with a callback keeps its entry in the router (phase Leaving).
            self.acd(Input::CallAbandoned(ended.id));
        }
        if let Some(Kind::Offer { over, .. }) = call
            .and_then(|p| self.calls.get_mut(&p))
            .map(|a| &mut a.kind)
        {
            *over = true;
        }
    }

    /// The caller of a transfer to a queue enters it again (music, then the router).
    pub(super) fn requeue(&mut self, caller: CallId, queue: String) {
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        let customer = c.ivr.as_ref().and_then(|s| s.customer_account());
        if let Some(s) = c.ivr.as_mut() {
            s.set_queue(queue.clone());
        }
        let number = c.caller.clone();
        if self.cfg.entry_flow.is_some() {
            self.leg(caller, LegOrder::Music(Some(Music::Library)));
        }
        let mut req = hotline_acd::CallRequest::new(caller, queue);
        req.customer = customer;
        req.callback_number = self.callback_number(&number);
        req.reason = "transfer".into();
        self.acd(Input::CallArrived(req));
    }
}

/// The language a caller hears: the one chosen in its flow, else `default`.
fn caller_language(c: &Call, default: &str) -> String {
    c.ivr
        .as_ref()
        .map(|s| s.language())
        .filter(|l| !l.is_empty())
        .unwrap_or(default)
        .to_string()
}

/// An offer is over without an answer: the caller waits in its queue again.
fn back_in_queue(c: &mut Call, now: hotline_core::Now) {
    if let Phase::Offering { queue, .. } = c.phase() {
        let queue = queue.clone();
        c.timeline.enter(now, Phase::Queued { queue });
    }
}

/// What the router hears of an offer (or a callback's agent leg) that ended unanswered:
/// classified once.
pub(super) fn offer_over(call: CallId, agent: AgentId, reason: EndReason) -> Input {
    match reason.class() {
        EndClass::Busy => Input::Busy { call, agent },
        EndClass::NoAnswer => Input::NoAnswer { call, agent },
        _ => Input::Failed { call, agent },
    }
}
