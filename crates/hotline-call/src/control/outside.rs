//! Callers handed to an outside number (a queue's `number:<digits>` exit at max wait, or its
//! after-hours route): the number is dialled through the outbound route while the caller hears
//! music; answered, the two are bridged (and recorded); not reached (busy, no answer, failed,
//! no route or port), the caller gets a ticket to call back, as for a `ticket` exit.

use std::time::Duration;

use hotline_core::CallId;

use super::call::{Call, Kind};
use super::io::{Dial, LegOrder, Music, Output, SipOrder};
use super::CallCore;
use crate::phase::Phase;
use crate::record::Disposition;
use crate::EndReason;

/// How long the outside number may ring before it counts as not reached.
const OUTSIDE_RING: Duration = Duration::from_secs(40);

impl CallCore {
    /// Hands `caller` (answered, with no other side) to `number` through the outbound route.
    pub(super) fn hand_outside(&mut self, caller: CallId, number: String) {
        let now = self.now;
        let free = self
            .calls
            .get(&caller)
            .is_some_and(|c| c.leg && c.peer.is_none());
        let Some(c) = self.calls.get_mut(&caller).filter(|_| free) else {
            return self.unexpected(caller, "hand_outside");
        };
        c.outside = Some(number.clone());
        let outside = self.env.new_call_id();
        let route = self.cfg.callbacks.clone();
        let Some(route) = route.filter(|_| self.env.bind_port(outside)) else {
            tracing::warn!(%caller, "outside number: no outbound route or no RTP port; a ticket instead");
            return self.outside_not_reached(caller);
        };
        if let Some(c) = self.calls.get_mut(&caller) {
            c.timeline.enter(
                now,
                Phase::Outside {
                    number: number.clone(),
                },
            );
            c.peer = Some(outside);
        }
        tracing::info!(%caller, %outside, number = %hotline_core::mask(&number), "handing the caller to an outside number");
        self.leg(caller, LegOrder::StopPlayback);
        self.leg(caller, LegOrder::Music(Some(Music::Library)));
        let dial = Dial {
            call: outside,
            user: number,
            gateway: Some(route.gateway),
            from_user: route.caller_id,
            from_display: None,
            headers: vec![("X-Hotline-Call".into(), caller.0.to_string())],
            ring_timeout: OUTSIDE_RING,
        };
        self.place(dial, Kind::Outside { caller }, Some(caller));
    }

    /// The outside number answered: bridge it with the caller (recorded like an agent's call).
    pub(super) fn outside_answered(&mut self, outside: CallId, caller: CallId, usable: bool) {
        let waiting = self
            .calls
            .get(&caller)
            .is_some_and(|c| c.leg && c.peer == Some(outside));
        if !usable || !waiting {
            if !waiting {
                self.unexpected(outside, "outside_answered");
            }
            return self.sip(SipOrder::Hangup(outside));
        }
        if let Some(o) = self.calls.get_mut(&outside) {
            o.leg = true;
        }
        self.emit(Output::StartLeg(outside));
        self.leg(caller, LegOrder::Music(None));
        self.emit(Output::Bridge(caller, outside));
        self.record_bridge(caller, outside);
        tracing::debug!(%caller, %outside, "caller and outside number bridged");
    }

    /// The outside call `ended` is over. Not answered: the caller (if still here) gets a ticket,
    /// and true is returned (the caller is dealt with); answered: false, the caller is hung up
    /// with it as with any bridge.
    pub(super) fn outside_ended(
        &mut self,
        ended: &Call,
        caller: CallId,
        reason: EndReason,
    ) -> bool {
        if ended.leg {
            return false;
        }
        let Some(c) = self
            .calls
            .get_mut(&caller)
            .filter(|c| c.peer == Some(ended.id))
        else {
            return true;
        };
        c.peer = None;
        tracing::info!(%caller, ?reason, "outside number not reached: a ticket to call back");
        self.outside_not_reached(caller);
        true
    }

    fn outside_not_reached(&mut self, caller: CallId) {
        self.leg(caller, LegOrder::Music(None));
        self.leaving(caller, Disposition::Transferred);
        self.open_queue_ticket(caller);
    }
}
