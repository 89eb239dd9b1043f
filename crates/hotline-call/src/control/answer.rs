//! A customer's call from arrival to its end: admission (refused when the shell found no port or
//! no codec), the ring, the answer and the built-in answer flow (welcome, music, digits read
//! back, released after `answer_hangup`), the legs' events, and the end of any call: the other
//! side of a bridge goes too, the router hears what it must, the record is written.

use hotline_core::CallId;

use super::call::{Call, Kind};
use super::io::{
    Channels, Incoming, LegEvent, LegOrder, LogEvent, Metric, Music, Output, RecSide, RecordingOf,
    SipOrder, Sound,
};
use super::timers::TimerKind;
use super::CallCore;
use crate::end::EndReason;
use crate::phase::Phase;

impl CallCore {
    pub(super) fn incoming(&mut self, inc: Incoming) {
        self.log(LogEvent::Arrived {
            call: inc.call,
            caller: inc.caller.clone(),
            dialled: inc.callee.clone(),
            at: self.now.unix_ms,
        });
        if let Err(code) = inc.admitted {
            tracing::info!(call = %inc.call, code, "call refused at admission");
            self.refuse(inc.call, code);
            return;
        }
        let mut caller = Call::new(
            inc.call,
            Kind::Inbound,
            self.now,
            inc.caller.clone(),
            inc.callee.clone(),
        );
        if inc.extension {
            match self.ring_extension(&inc) {
                Some(phone) => {
                    caller.peer = Some(phone);
                    self.calls.insert(inc.call, caller);
                }
                None => self.refuse(inc.call, 503),
            }
            return;
        }
        self.calls.insert(inc.call, caller);
        if self.cfg.ring.is_zero() {
            self.answer(inc.call);
        } else {
            self.sip(SipOrder::Ringing(inc.call));
            let at = self.now.mono + self.cfg.ring;
            self.timers.set(inc.call, TimerKind::Answer, at);
        }
    }

    /// Refuses an arriving call; its record ends when the SIP core reports its end.
    fn refuse(&mut self, call: CallId, code: u16) {
        self.refused.insert(call);
        self.sip(SipOrder::Reject { call, code });
        self.emit(Output::Release(call));
    }

    /// The ring is over: answer, start the leg (and the recording), run the entry flow or the
    /// built-in answer flow.
    pub(super) fn answer(&mut self, call: CallId) {
        let now = self.now;
        let entry = self.cfg.entry_flow.clone();
        let Some(c) = self
            .calls
            .get_mut(&call)
            .filter(|c| !c.leg && !c.outbound())
        else {
            return self.unexpected(call, "answer_timer");
        };
        c.leg = true;
        c.timeline.enter(
            now,
            Phase::Ivr {
                flow: entry.clone().unwrap_or_default(),
            },
        );
        let setup = now.mono.saturating_duration_since(c.arrived).as_secs_f64();
        self.sip(SipOrder::Answer(call));
        self.emit(Output::Metric(Metric::CallSetup(setup)));
        self.log(LogEvent::Answered {
            call,
            by_agent: false,
            at: now.unix_ms,
        });
        self.emit(Output::StartLeg(call));
        if self.cfg.recording {
            // Stereo: the caller left; right, what the caller hears (prompts, music, and
            // once bridged, the agent).
            self.emit(Output::Record {
                call,
                channels: Channels::Stereo,
                legs: vec![(call, RecSide::Caller, Some(RecSide::Agent))],
                of: RecordingOf::Call,
            });
        }
        if let Some(flow) = entry {
            if !self.start_ivr(call, &flow, true, "") {
                tracing::warn!(%call, %flow, "entry flow not loaded");
                self.sip(SipOrder::Hangup(call));
            }
            return;
        }
        self.leg(call, LegOrder::Music(Some(Music::Answer)));
        self.leg(
            call,
            LegOrder::Play {
                sounds: vec![Sound::Welcome],
                interruptible: true,
            },
        );
        if let Some(after) = self.cfg.answer_hangup {
            let at = now.mono + after;
            self.timers.set(call, TimerKind::AnswerOver, at);
        }
    }

    pub(super) fn leg_event(&mut self, call: CallId, event: LegEvent) {
        if !self.calls.contains_key(&call) {
            return self.unexpected(call, "leg");
        }
        match event {
            LegEvent::PlaybackDone { interrupted } => {
                if self.notify_playback_done(call, interrupted)
                    || self.playback_done_outside_ivr(call, interrupted)
                {
                    return;
                }
            }
            LegEvent::Digit(digit) => {
                if self.notify_digit(call, digit) || self.queued_digit(call, digit) {
                    return;
                }
                self.campaign_digit(call, digit);
            }
            LegEvent::MediaTimeout => {
                tracing::info!(%call, "no RTP from the caller: releasing the call");
                self.emit(Output::Metric(Metric::MediaTimeout));
                return self.sip(SipOrder::Hangup(call));
            }
        }
        // A call in a flow: its session takes keys and playback ends.
        if self
            .calls
            .get(&call)
            .is_some_and(|c| c.ivr.is_some() && c.leg)
        {
            match event {
                LegEvent::Digit(d) => self.ivr_digit(call, d),
                LegEvent::PlaybackDone { interrupted } => self.ivr_playback_done(call, interrupted),
                LegEvent::MediaTimeout => {}
            }
            return self.ivr_phase(call);
        }
        if let LegEvent::Digit(digit) = event {
            // Read back in the answer flow; in a bridge the digit went to the other side.
            let free = self
                .calls
                .get(&call)
                .is_some_and(|c| c.peer.is_none() && c.leg);
            if free && digit.is_ascii_digit() {
                self.leg(
                    call,
                    LegOrder::Play {
                        sounds: vec![Sound::Digit(digit)],
                        interruptible: true,
                    },
                );
            }
        }
    }

    /// A playback ended that the IVR did not start: the staff number (the bridge follows) or
    /// a last message (the hang-up follows). True when handled.
    fn playback_done_outside_ivr(&mut self, call: CallId, interrupted: bool) -> bool {
        let Some(c) = self.calls.get(&call) else {
            return false;
        };
        let telling = c.callback().is_some_and(|l| l.telling);
        match c.phase() {
            // A queue announcement the staff number replaced ends interrupted: wait for ours.
            Phase::Announcing { .. } if c.is_caller() => {
                if !interrupted {
                    self.bridge(call);
                }
                true
            }
            // The announcement the farewell replaced ends interrupted: wait for the farewell.
            Phase::Leaving { .. } if c.is_caller() => {
                if !interrupted {
                    self.sip(SipOrder::Hangup(call));
                }
                true
            }
            _ if telling => {
                if !interrupted {
                    self.sip(SipOrder::Hangup(call));
                }
                true
            }
            _ => false,
        }
    }

    /// `call` is over. The router hears what it must, the other side of a bridge is ended
    /// (hung up once answered, refused with the agent's reason before), the record is written.
    pub(super) fn ended(&mut self, call: CallId, reason: EndReason) {
        let Some(mut ended) = self.calls.remove(&call) else {
            // Refused before it was kept (no port, bad offer): its record ends too. Any other
            // end of a call not kept (reported twice) changes nothing.
            if self.refused.remove(&call) {
                let at = self.now.unix_ms;
                self.log(LogEvent::Refused { call, reason, at });
            } else {
                self.unexpected(call, "ended");
            }
            return;
        };
        self.timers.cancel_call(call);
        if ended.on_call_for.is_some() {
            // The router gives the agent back the state they left.
            self.acd(hotline_acd::Input::CallEnded(call));
        }
        let peer_handled = match ended.kind.clone() {
            Kind::Offer {
                caller,
                agent,
                over,
            } => {
                self.offer_ended(call, caller, agent, over, reason);
                true
            }
            Kind::Callback(leg) => self.callback_ended(call, &ended, &leg, reason),
            Kind::Inbound => {
                self.caller_ended(&ended);
                false
            }
            Kind::ExtensionPhone { .. } => false,
            Kind::Outside { caller } => self.outside_ended(&ended, caller, reason),
            Kind::Notify(_) => {
                self.notify_ended(&ended, reason);
                true
            }
            Kind::Campaign(leg) => {
                self.campaign_ended(&ended, &leg, reason);
                // In the router's hands: it ends there like any caller's (the agent's leg
                // with it).
                if leg.queued {
                    self.caller_ended(&ended);
                }
                !leg.queued
            }
            Kind::Monitor { caller, .. } => {
                self.monitor_ended(call, caller, ended.leg);
                true
            }
            Kind::Consult { caller, .. } => {
                self.consult_ended(call, caller);
                true
            }
        };
        if let Some(peer) = ended
            .peer
            .filter(|p| !peer_handled && self.calls.contains_key(p))
        {
            let hang_up = self.calls.get(&peer).is_some_and(|p| p.outbound() || p.leg);
            tracing::debug!(%call, %peer, hang_up, "ending the other side of the bridge");
            let order = match reason {
                _ if hang_up => SipOrder::Hangup(peer),
                EndReason::Failed(code) if (400..700).contains(&code) => {
                    SipOrder::Reject { call: peer, code }
                }
                _ => SipOrder::Reject {
                    call: peer,
                    code: 480,
                },
            };
            self.sip(order);
        }
        if !ended.outbound() {
            if self.ivr_hung_up(call, &mut ended) {
                if let Some(outcome) = ended.ivr.as_ref().and_then(|s| s.record_outcome()) {
                    ended.timeline.set_ivr_outcome(outcome);
                }
            }
            if let Some(session) = &ended.ivr {
                ended.timeline.add_path(session.steps());
            }
            let record = ended.timeline.record(self.now, reason);
            self.log(LogEvent::Finished { call, record });
        }
        self.emit(Output::Release(call));
        tracing::debug!(%call, reason = ?reason, "call freed");
    }

    /// A side of a bridge holds the call (we may not send to it) or takes it back: the other
    /// side hears music meanwhile; an ACD caller's phase follows its agent's phone.
    pub(super) fn hold_changed(&mut self, call: CallId, on_hold: bool) {
        let Some(c) = self.calls.get(&call) else {
            return self.unexpected(call, "hold_changed");
        };
        let peer = c.peer.filter(|p| self.calls.get(p).is_some_and(|p| p.leg));
        let offer_caller = match c.kind {
            Kind::Offer { caller, .. } => Some(caller),
            _ => None,
        };
        if let Some(peer) = peer {
            let music = on_hold.then_some(Music::Answer);
            self.leg(peer, LegOrder::Music(music));
        }
        if let Some(caller) = offer_caller {
            self.hold(caller, on_hold);
        }
    }

    /// The caller goes on hold with its agent, or back to talking.
    pub(super) fn hold(&mut self, caller: CallId, on_hold: bool) {
        let now = self.now;
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        let next = match (c.phase(), on_hold) {
            (Phase::Bridged { agent }, true) => Phase::OnHold { agent: *agent },
            (Phase::OnHold { agent }, false) => Phase::Bridged { agent: *agent },
            _ => return,
        };
        c.timeline.enter(now, next);
    }
}
