//! Transfers from an agent's softphone (REFER, RFC 3515; 5589's call flows): the phone's own
//! transfer key does what the desk does.
//!
//! - **Blind** (`Refer-To: <sip:1002@…>` or a number): the caller is blind-transferred to
//!   that agent (by SIP user) or number, as the desk's `TransferTo` (the agent released, the
//!   caller held until the target answers).
//! - **Attended** (`Refer-To: <sip:1002@…?Replaces=…>`): the agent put the caller on hold and
//!   called the target through the engine (an extension call); the REFER on the caller's leg
//!   names that second call. The caller is bridged with the target's phone, and both of the
//!   agent's legs end.
//!
//! The REFER was answered 202 by the SIP core; the result goes back as the implicit
//! subscription's NOTIFY: 200 when the transfer is under way (for a blind transfer the
//! target's ringing is the engine's business from then on, like the desk's), else the refusal:
//! 603 from a phone that is not an agent's leg of a caller, 481 for a `Replaces` naming no
//! call the engine keeps (or not one the agent placed to a phone), 404 for a target that is
//! neither an agent nor a dialable number, 480/486/503 for an offline or busy target or no
//! outbound route. A refused REFER changes nothing: the call goes on.

use hotline_acd::{AgentId, Input as AcdInput};
use hotline_core::desk::TransferTarget;
use hotline_core::CallId;

use super::call::{Call, Kind};
use super::io::{ControlError, LegOrder, Output, ReferReplaces, SipOrder};
use super::CallCore;
use crate::phase::Phase;

impl CallCore {
    /// A REFER from the phone of `call`.
    pub(super) fn refer(&mut self, call: CallId, user: String, replaces: Option<ReferReplaces>) {
        let mark = self.out.len();
        let status = match self.refer_status(call, user, replaces) {
            Ok(()) => 200,
            Err(status) => status,
        };
        tracing::info!(%call, status, "REFER answered");
        // The NOTIFY goes out before anything the transfer did to the referring leg (its BYE).
        self.out.insert(
            mark.min(self.out.len()),
            Output::Sip(SipOrder::NotifyRefer { call, status }),
        );
    }

    fn refer_status(
        &mut self,
        call: CallId,
        user: String,
        replaces: Option<ReferReplaces>,
    ) -> Result<(), u16> {
        // The referring leg must be an agent's leg of a connected caller.
        let agent = match self.calls.get(&call).map(|c| &c.kind) {
            Some(Kind::Offer { caller, agent, .. })
                if self
                    .calls
                    .get(caller)
                    .is_some_and(|c| c.peer == Some(call) && c.connected() == Some(*agent)) =>
            {
                *agent
            }
            _ => return Err(603),
        };
        match replaces {
            None => {
                let to = self.env.agent_for_sip_user(&user);
                let target = match to {
                    Some(a) => TransferTarget::Agent(a.0),
                    None => TransferTarget::Number(user),
                };
                self.desk_consult(agent, target, true)
                    .map_err(|e| match (&e, to) {
                        // A target agent refused: say why from their state.
                        (ControlError::Invalid("agent", _), Some(a))
                            if !self.env.phone_registered(a) =>
                        {
                            480
                        }
                        (ControlError::Invalid("agent", _), Some(a)) if self.on_a_call(a) => 486,
                        _ => refer_code(&e),
                    })
            }
            Some(ReferReplaces::Unknown) => Err(481),
            Some(ReferReplaces::Call(other)) => self.attended_refer(call, agent, other),
        }
    }

    /// The agent's second call `other` (to a phone, through the engine) takes the caller of
    /// the agent's leg `agent_leg`.
    fn attended_refer(
        &mut self,
        agent_leg: CallId,
        agent: AgentId,
        other: CallId,
    ) -> Result<(), u16> {
        let caller = self
            .calls
            .get(&agent_leg)
            .and_then(|c| c.peer)
            .ok_or(481u16)?;
        // `other`: the agent's own inbound call to an extension, answered by the target phone.
        let phone = self
            .calls
            .get(&other)
            .filter(|o| !o.outbound() && matches!(o.phase(), Phase::Extension { .. }))
            .and_then(|o| o.peer)
            .filter(|p| {
                self.calls
                    .get(p)
                    .is_some_and(|p| p.leg && matches!(p.kind, Kind::ExtensionPhone { .. }))
            })
            .ok_or(481u16)?;
        let busy = self.calls.get(&caller).is_some_and(Call::attended);
        if busy {
            return Err(486);
        }
        let target_agent = self
            .calls
            .get(&phone)
            .and_then(|p| self.env.agent_for_sip_user(&p.dialled));
        tracing::info!(%caller, %phone, agent = agent.0, "attended transfer from the phone");
        let now = self.now;
        if let Some(o) = self.calls.get_mut(&other) {
            o.peer = None;
        }
        if let Some(p) = self.calls.get_mut(&phone) {
            p.peer = Some(caller);
            p.kind = match target_agent {
                Some(a) => Kind::Offer {
                    caller,
                    agent: a,
                    over: true,
                },
                None => Kind::ExtensionPhone { caller },
            };
        }
        if let Some(c) = self.calls.get_mut(&caller) {
            c.peer = Some(phone);
            let phase = match target_agent {
                Some(a) => Phase::Bridged { agent: a.0 },
                None => Phase::Extension { agent: None },
            };
            c.timeline.enter(now, phase);
        }
        self.emit(Output::Unbridge(other, phone));
        self.emit(Output::Unbridge(caller, agent_leg));
        self.leg(caller, LegOrder::Music(None));
        self.emit(Output::Bridge(caller, phone));
        self.acd(AcdInput::CallEnded(caller));
        self.sip(SipOrder::Hangup(agent_leg));
        self.sip(SipOrder::Hangup(other));
        Ok(())
    }
}

/// The sipfrag status of a refused transfer.
fn refer_code(e: &ControlError) -> u16 {
    match e {
        ControlError::NoCall => 481,
        ControlError::Busy => 486,
        ControlError::PhoneOffline => 480,
        ControlError::NoRoute | ControlError::Unavailable => 503,
        ControlError::NotAllowed(_) => 403,
        ControlError::Invalid(..) => 404,
    }
}
