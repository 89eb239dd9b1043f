//! Calls the core places to tell someone something and take a key for it: a district's
//! dispatch phone told of a ticket (number, kind, priority, district), "press 1 to
//! acknowledge". The number is dialled through the outbound route; answered, the message and
//! the request for the key are played (again after a pause, `rounds` times in all); 1 is the
//! acknowledgement (thanks, then the engine hangs up). Whoever asked hears one outcome:
//! acknowledged, heard but not acknowledged, or not reached (busy, no answer, failed).

use std::time::Duration;

use hotline_core::CallId;

use super::call::{Call, Kind};
use super::io::{Dial, LegOrder, Notify, NotifyOutcome, Output};
use super::timers::TimerKind;
use super::CallCore;
use crate::end::EndClass;
use crate::{EndReason, SystemPrompt};

/// A notification call as it goes.
#[derive(Debug, Clone)]
pub(crate) struct NotifyLeg {
    pub id: u64,
    pub prompts: Vec<String>,
    pub listen: Duration,
    /// Plays of the message still to come after the current one.
    pub rounds_left: u8,
    pub acked: bool,
    /// The outcome went out (once).
    pub reported: bool,
}

impl CallCore {
    /// Places notification call `n`.
    pub(super) fn notify(&mut self, n: Notify) {
        let call = self.env.new_call_id();
        let route = self.cfg.callbacks.clone();
        let Some(route) = route.filter(|_| self.env.bind_port(call)) else {
            tracing::warn!(id = n.id, "notification: no outbound route or no RTP port");
            return self.emit(Output::NotifyResult {
                id: n.id,
                outcome: NotifyOutcome::NotReached(EndClass::Failed),
            });
        };
        tracing::info!(id = n.id, %call, number = %hotline_core::mask(&n.number), "notification call");
        let dial = Dial {
            call,
            user: n.number,
            gateway: Some(route.gateway),
            from_user: route.caller_id,
            from_display: None,
            headers: vec![("X-Hotline-Notify".into(), n.id.to_string())],
            ring_timeout: n.ring,
        };
        let leg = NotifyLeg {
            id: n.id,
            prompts: n.prompts,
            listen: n.listen,
            rounds_left: n.rounds.saturating_sub(1),
            acked: false,
            reported: false,
        };
        self.place(dial, Kind::Notify(leg), None);
    }

    /// The notified phone answered: say the message.
    pub(super) fn notify_answered(&mut self, call: CallId, usable: bool) {
        if !usable {
            return self.sip(super::io::SipOrder::Hangup(call));
        }
        if let Some(c) = self.calls.get_mut(&call) {
            c.leg = true;
        }
        self.emit(Output::StartLeg(call));
        self.say_notice(call);
    }

    fn say_notice(&mut self, call: CallId) {
        let Some(leg) = self.calls.get(&call).and_then(Call::notify) else {
            return;
        };
        let mut names = leg.prompts.clone();
        names.extend(SystemPrompt::names(&[SystemPrompt::NotifyAck]));
        if !self.play_with(call, &names, true) {
            // Nothing to say (no prompts): the message cannot be given.
            if let Some(leg) = self.calls.get_mut(&call).and_then(Call::notify_mut) {
                leg.reported = true;
                let id = leg.id;
                self.emit(Output::NotifyResult {
                    id,
                    outcome: NotifyOutcome::NotAcknowledged,
                });
            }
            self.sip(super::io::SipOrder::Hangup(call));
        }
    }

    /// A key on a notification call: 1 acknowledges. True when the call is one.
    pub(super) fn notify_digit(&mut self, call: CallId, digit: char) -> bool {
        let Some(leg) = self.calls.get_mut(&call).and_then(Call::notify_mut) else {
            return false;
        };
        if digit != '1' || leg.acked {
            return true;
        }
        leg.acked = true;
        leg.reported = true;
        let id = leg.id;
        self.timers.cancel(call, TimerKind::NotifyListen);
        tracing::info!(id, %call, "notification acknowledged");
        self.emit(Output::NotifyResult {
            id,
            outcome: NotifyOutcome::Acknowledged,
        });
        self.leg(call, LegOrder::StopPlayback);
        if !self.play(call, &SystemPrompt::names(&[SystemPrompt::NotifyThanks])) {
            self.sip(super::io::SipOrder::Hangup(call));
        }
        true
    }

    /// A playback on a notification call ended. True when the call is one.
    pub(super) fn notify_playback_done(&mut self, call: CallId, interrupted: bool) -> bool {
        let Some(leg) = self.calls.get(&call).and_then(Call::notify) else {
            return false;
        };
        if interrupted {
            return true;
        }
        if leg.acked {
            // The thanks are said.
            self.sip(super::io::SipOrder::Hangup(call));
        } else {
            let at = self.now.mono + leg.listen;
            self.timers.set(call, TimerKind::NotifyListen, at);
        }
        true
    }

    /// No key after the message: say it again, or give up.
    pub(super) fn notify_listened(&mut self, call: CallId) {
        let Some(leg) = self.calls.get_mut(&call).and_then(Call::notify_mut) else {
            return;
        };
        if leg.rounds_left > 0 {
            leg.rounds_left -= 1;
            return self.say_notice(call);
        }
        leg.reported = true;
        let id = leg.id;
        tracing::info!(id, %call, "notification heard, not acknowledged");
        self.emit(Output::NotifyResult {
            id,
            outcome: NotifyOutcome::NotAcknowledged,
        });
        self.sip(super::io::SipOrder::Hangup(call));
    }

    /// The notification call ended: its outcome, unless already given.
    pub(super) fn notify_ended(&mut self, ended: &Call, reason: EndReason) {
        let Some(leg) = ended.notify().filter(|l| !l.reported) else {
            return;
        };
        let outcome = if ended.leg {
            NotifyOutcome::NotAcknowledged
        } else {
            match reason.class() {
                EndClass::Normal => NotifyOutcome::NotReached(EndClass::Failed),
                class => NotifyOutcome::NotReached(class),
            }
        };
        tracing::info!(id = leg.id, call = %ended.id, ?outcome, "notification call over");
        self.emit(Output::NotifyResult {
            id: leg.id,
            outcome,
        });
    }
}
