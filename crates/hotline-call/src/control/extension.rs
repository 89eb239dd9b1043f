//! Calls to a phone's extension and the dialling every placed call shares: a call whose dialled
//! number is a registered phone rings it; when it answers, the caller is answered and the legs
//! bridged (recorded in stereo: caller left, agent right). Either side hanging up ends both; a
//! side holding the call gives the other music (see `answer::hold_changed`).

use std::time::Duration;

use hotline_core::CallId;

use super::call::{Call, Kind};
use super::io::{Channels, Dial, Incoming, LogEvent, Output, RecSide, RecordingOf, SipOrder};
use super::CallCore;
use crate::phase::Phase;

/// How long an agent's phone rings before the caller is told nobody answers.
const EXTENSION_RING: Duration = Duration::from_secs(30);

impl CallCore {
    /// Rings the phone `inc.callee`; its call id, or None when no RTP port is free.
    pub(super) fn ring_extension(&mut self, inc: &Incoming) -> Option<CallId> {
        let phone = self.env.new_call_id();
        if !self.env.bind_port(phone) {
            return None;
        }
        tracing::info!(call = %inc.call, callee = %hotline_core::mask(&inc.callee), "ringing an extension");
        let dial = Dial {
            call: phone,
            user: inc.callee.clone(),
            gateway: None,
            from_user: inc.caller.clone(),
            from_display: inc.caller_display.clone(),
            headers: Vec::new(),
            ring_timeout: EXTENSION_RING,
        };
        self.place(
            dial,
            Kind::ExtensionPhone { caller: inc.call },
            Some(inc.call),
        );
        Some(phone)
    }

    /// Places `dial` (its port bound) as a call of `kind`, the other side `peer`.
    pub(super) fn place(&mut self, dial: Dial, kind: Kind, peer: Option<CallId>) {
        let mut c = Call::new(
            dial.call,
            kind,
            self.now,
            dial.from_user.clone(),
            dial.user.clone(),
        );
        c.peer = peer;
        tracing::debug!(call = %dial.call, "dialling");
        self.calls.insert(dial.call, c);
        self.sip(SipOrder::Dial(dial));
    }

    /// The dialled phone answered: start both legs, answer the caller, bridge.
    pub(super) fn extension_answered(&mut self, phone: CallId, caller: CallId, usable: bool) {
        if !usable {
            tracing::info!(%phone, "the phone's answer has no usable SDP: ending both sides");
            return self.sip(SipOrder::Hangup(phone));
        }
        let now = self.now;
        let known = self
            .calls
            .get(&phone)
            .filter(|_| self.cfg.acd)
            .and_then(|p| self.env.agent_for_sip_user(&p.dialled))
            .map(|a| a.0);
        let Some(c) = self.calls.get_mut(&caller).filter(|c| !c.leg) else {
            return self.unexpected(phone, "answered");
        };
        c.leg = true;
        // The phone dialled may be an agent's: the record names the agent.
        c.timeline.enter(now, Phase::Extension { agent: known });
        if let Some(p) = self.calls.get_mut(&phone) {
            p.leg = true;
        }
        self.emit(Output::StartLeg(phone));
        self.sip(SipOrder::Answer(caller));
        self.log(LogEvent::Answered {
            call: caller,
            by_agent: true,
            at: now.unix_ms,
        });
        self.emit(Output::StartLeg(caller));
        self.emit(Output::Bridge(caller, phone));
        self.record_bridge(caller, phone);
        tracing::debug!(%caller, %phone, "bridged");
    }

    /// Records a bridge, when recording is on: stereo, the caller left, the other side (the
    /// phone or number the caller was put through to) right.
    pub(super) fn record_bridge(&mut self, caller: CallId, other: CallId) {
        if self.cfg.recording {
            self.emit(Output::Record {
                call: caller,
                channels: Channels::Stereo,
                legs: vec![
                    (caller, RecSide::Caller, None),
                    (other, RecSide::Agent, None),
                ],
                of: RecordingOf::Call,
            });
        }
    }
}
