//! An agent's transfers and conferences from the desk: consult a target (another agent's
//! phone, or an outside number through the outbound route) while the caller is held with
//! music, then complete (the target takes the caller, the agent is released to wrap-up),
//! cancel (back to the caller) or conference (all three, in a mix named by the caller's call;
//! the agent may then leave and the other two stay); a blind transfer (the agent released at
//! once, the caller held until the target answers); and mute.
//!
//! Every way out is a defined state: the target not reached (busy, no answer, failed) gives
//! the caller back to the agent with a notice on the desk (or, after a blind transfer, puts
//! the caller back into the queue it came from, or for a number gives it a ticket to call
//! back); the target leaving a conference leaves caller and agent talking; the caller hanging
//! up ends every leg; the agent hanging up during a consultation the target answered completes
//! the transfer, before the answer it ends the consultation and the caller goes on as after
//! any agent. A monitored call cannot be consulted on, nor a consulted one monitored.

use std::time::Duration;

use hotline_acd::{AgentId, Input};
use hotline_core::desk::TransferTarget;
use hotline_core::CallId;

use super::call::{Call, Kind, Onward};
use super::io::{
    Channels, ControlError, Dial, LegOrder, LiveOut, Music, Output, RecSide, RecordingOf, SipOrder,
};
use super::CallCore;
use crate::phase::Phase;

/// How long a consulted or transferred-to target may ring.
const TARGET_RING: Duration = Duration::from_secs(30);

/// A consultation (or blind transfer) in progress on a caller's call.
#[derive(Debug, Clone)]
pub(crate) struct Consultation {
    /// Our call to the target.
    pub leg: CallId,
    pub target: Target,
    /// The agent who asked.
    pub agent: AgentId,
    pub answered: bool,
    /// All three in the caller's mix.
    pub conference: bool,
    /// A blind transfer: the agent is gone; completed on answer.
    pub blind: bool,
    /// The agent cancelled: the leg's end is expected.
    pub cancelled: bool,
}

/// A target as the core keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Agent(AgentId),
    Number(String),
}

impl Target {
    /// For logs and the phase (numbers masked).
    fn words(&self) -> String {
        match self {
            Target::Agent(a) => format!("agent {}", a.0),
            Target::Number(n) => hotline_core::mask(n),
        }
    }
}

impl CallCore {
    /// The dial rules of `agent`'s role let it have `number` dialled.
    pub(super) fn may_dial(&self, agent: AgentId, number: &str) -> Result<(), ControlError> {
        let role = self.env.agent(agent).map(|a| a.role).unwrap_or_default();
        self.cfg.dial_rules.check(&role, number).map_err(|r| {
            tracing::info!(agent = agent.0, number = %hotline_core::mask(number), refused = %r, "dial rules");
            ControlError::NotAllowed(r.to_string())
        })
    }

    /// The caller `agent` talks with (or holds), and the agent's leg.
    fn agents_call(&self, agent: AgentId) -> Result<(CallId, CallId), ControlError> {
        let c = self
            .calls
            .values()
            .find(|c| c.is_caller() && c.connected() == Some(agent))
            .ok_or(ControlError::NoCall)?;
        let agent_leg = c
            .peer
            .filter(|p| self.calls.get(p).is_some_and(|a| a.leg))
            .filter(|_| c.leg && !matches!(c.phase(), Phase::Announcing { .. }))
            .ok_or(ControlError::NoCall)?;
        Ok((c.id, agent_leg))
    }

    /// Checks `target` and dials it for `caller` (the port bound); the leg's id.
    fn dial_target(
        &mut self,
        caller: CallId,
        agent: AgentId,
        target: &TransferTarget,
    ) -> Result<(CallId, Target), ControlError> {
        let (target, dial_user, gateway, from) = match target {
            TransferTarget::Agent(id) => {
                let to = AgentId(*id);
                if to == agent {
                    return Err(ControlError::Invalid(
                        "agent",
                        "that is your own call".into(),
                    ));
                }
                let info = self
                    .env
                    .agent(to)
                    .ok_or_else(|| ControlError::Invalid("agent", format!("no agent {id}")))?;
                if !self.env.phone_registered(to) {
                    return Err(ControlError::Invalid(
                        "agent",
                        format!("agent {id}'s phone is not registered"),
                    ));
                }
                if self.on_a_call(to) {
                    return Err(ControlError::Invalid(
                        "agent",
                        format!("agent {id} is on a call"),
                    ));
                }
                let from = self
                    .env
                    .agent(agent)
                    .map(|a| a.sip_user)
                    .unwrap_or_else(|| "agent".into());
                (Target::Agent(to), info.sip_user, None, from)
            }
            TransferTarget::Number(n) => {
                let number = super::callback::dialable(n).ok_or_else(|| {
                    ControlError::Invalid("number", format!("`{n}` cannot be dialled"))
                })?;
                self.may_dial(agent, n)?;
                let route = self.cfg.callbacks.clone().ok_or(ControlError::NoRoute)?;
                (
                    Target::Number(number.clone()),
                    number,
                    Some(route.gateway),
                    route.caller_id,
                )
            }
        };
        let leg = self.env.new_call_id();
        if !self.env.bind_port(leg) {
            return Err(ControlError::Unavailable);
        }
        if let Target::Agent(to) = target {
            // On call with the consultation (queues do not offer them calls meanwhile); its
            // end gives them back the state they left.
            self.acd(Input::AgentOnCall {
                agent: to,
                call: leg,
            });
        }
        let dial = Dial {
            call: leg,
            user: dial_user,
            gateway,
            from_user: from,
            from_display: None,
            headers: vec![("X-Hotline-Call".into(), caller.0.to_string())],
            ring_timeout: TARGET_RING,
        };
        self.place(dial, Kind::Consult { caller }, None);
        if let (Target::Agent(to), Some(c)) = (&target, self.calls.get_mut(&leg)) {
            c.on_call_for = Some(*to);
        }
        Ok((leg, target))
    }

    /// Consult `target` (blind: transfer to it, the agent released at once).
    pub(super) fn desk_consult(
        &mut self,
        agent: AgentId,
        target: TransferTarget,
        blind: bool,
    ) -> Result<(), ControlError> {
        let (caller, agent_leg) = self.agents_call(agent)?;
        let busy = self.calls.get(&caller).is_some_and(Call::attended);
        if busy {
            return Err(ControlError::Busy);
        }
        let (leg, target) = self.dial_target(caller, agent, &target)?;
        tracing::info!(%caller, agent = agent.0, target = %target.words(), blind, "consulting");
        let talking = self
            .calls
            .get(&caller)
            .is_some_and(|c| matches!(c.phase(), Phase::Bridged { .. }));
        if talking {
            self.emit(Output::Unbridge(caller, agent_leg));
            self.leg(caller, LegOrder::Music(Some(Music::Answer)));
            self.hold(caller, true);
        }
        let words = target.words();
        if let Some(c) = self.calls.get_mut(&caller) {
            c.consult = Some(Consultation {
                leg,
                target,
                agent,
                answered: false,
                conference: false,
                blind,
                cancelled: false,
            });
            if blind {
                c.onward = Some(Onward::Transfer);
            }
        }
        if blind {
            // The agent's leg ends (the router lets the agent go to wrap-up now); the caller
            // waits for the target.
            self.acd(Input::CallEnded(caller));
            self.sip(SipOrder::Hangup(agent_leg));
            let now = self.now;
            if let Some(c) = self.calls.get_mut(&caller) {
                c.timeline
                    .agent_left(now, crate::Side::Agent, Phase::Transferring { to: words });
            }
        }
        Ok(())
    }

    /// The consultation of `agent`'s caller, answered, as (caller, agent's leg, target's leg).
    fn answered_consultation(
        &self,
        agent: AgentId,
    ) -> Result<(CallId, CallId, CallId), ControlError> {
        let (caller, agent_leg) = self.agents_call(agent)?;
        let consult = self
            .calls
            .get(&caller)
            .and_then(|c| c.consult.as_ref())
            .ok_or(ControlError::NoCall)?;
        if !consult.answered {
            return Err(ControlError::Invalid(
                "consult",
                "the target has not answered yet".into(),
            ));
        }
        Ok((caller, agent_leg, consult.leg))
    }

    pub(super) fn desk_complete(&mut self, agent: AgentId) -> Result<(), ControlError> {
        let (caller, agent_leg, target_leg) = self.answered_consultation(agent)?;
        tracing::info!(%caller, agent = agent.0, "transfer completed");
        self.hand_over(caller, target_leg);
        self.sip(SipOrder::Hangup(agent_leg));
        Ok(())
    }

    pub(super) fn desk_cancel_consult(&mut self, agent: AgentId) -> Result<(), ControlError> {
        let (caller, _) = self.agents_call(agent)?;
        let leg = self
            .calls
            .get_mut(&caller)
            .and_then(|c| c.consult.as_mut())
            .map(|k| {
                k.cancelled = true;
                k.leg
            })
            .ok_or(ControlError::NoCall)?;
        tracing::info!(%caller, agent = agent.0, "consultation cancelled");
        self.sip(SipOrder::Hangup(leg));
        Ok(())
    }

    pub(super) fn desk_conference(&mut self, agent: AgentId) -> Result<(), ControlError> {
        let (caller, agent_leg, target_leg) = self.answered_consultation(agent)?;
        let Some(c) = self.calls.get_mut(&caller) else {
            return Err(ControlError::NoCall);
        };
        if c.consult.as_ref().is_some_and(|k| k.conference) {
            return Ok(());
        }
        if let Some(k) = c.consult.as_mut() {
            k.conference = true;
        }
        c.mixing = true;
        tracing::info!(%caller, agent = agent.0, "conference");
        self.emit(Output::Unbridge(agent_leg, target_leg));
        self.leg(caller, LegOrder::Music(None));
        self.hold(caller, false);
        for party in [caller, agent_leg, target_leg] {
            self.mix_in(caller, party);
        }
        Ok(())
    }

    pub(super) fn desk_mute(&mut self, agent: AgentId, on: bool) -> Result<(), ControlError> {
        let (caller, agent_leg) = self.agents_call(agent)?;
        let Some(c) = self.calls.get(&caller) else {
            return Err(ControlError::NoCall);
        };
        if c.mixing {
            self.emit(Output::Mix {
                room: caller,
                party: agent_leg,
                audience: if on {
                    super::io::Audience::Nobody
                } else {
                    super::io::Audience::Everyone
                },
            });
        } else if matches!(c.phase(), Phase::Bridged { .. }) && c.consult.is_none() {
            if on {
                // The agent's leg stops sending to the caller; the caller's still reaches it.
                self.leg(agent_leg, LegOrder::Unbridge);
            } else {
                self.emit(Output::Bridge(caller, agent_leg));
            }
        } else {
            return Err(ControlError::NoCall);
        }
        tracing::info!(%caller, agent = agent.0, on, "mute");
        Ok(())
    }

    /// The target's leg answered.
    pub(super) fn consult_answered(&mut self, leg: CallId, caller: CallId, usable: bool) {
        let current = self
            .calls
            .get(&caller)
            .and_then(|c| c.consult.as_ref())
            .filter(|k| k.leg == leg)
            .cloned();
        let (true, Some(consult)) = (usable, current) else {
            return self.sip(SipOrder::Hangup(leg));
        };
        if let Some(c) = self.calls.get_mut(&leg) {
            c.leg = true;
        }
        self.emit(Output::StartLeg(leg));
        if let Some(k) = self.calls.get_mut(&caller).and_then(|c| c.consult.as_mut()) {
            k.answered = true;
        }
        if consult.blind {
            tracing::info!(%caller, target = %consult.target.words(), "blind transfer answered");
            return self.hand_over(caller, leg);
        }
        let agent_leg = self
            .calls
            .get(&caller)
            .and_then(|c| c.peer)
            .filter(|p| self.calls.get(p).is_some_and(|a| a.leg));
        match agent_leg {
            Some(agent_leg) => {
                self.emit(Output::Bridge(agent_leg, leg));
                if self.cfg.recording {
                    // The consultation, kept with the caller's call: the agent left, the
                    // target right (until the caller is handed over or the target leaves).
                    self.emit(Output::Record {
                        call: leg,
                        channels: Channels::Stereo,
                        legs: vec![
                            (agent_leg, RecSide::Caller, None),
                            (leg, RecSide::Agent, None),
                        ],
                        of: RecordingOf::Consultation(caller),
                    });
                }
                tracing::info!(%caller, target = %consult.target.words(), "consulted target answered");
            }
            None => self.sip(SipOrder::Hangup(leg)),
        }
    }

    /// The caller goes over to the target's leg: bridged with it (out of a conference's mix),
    /// the target's leg now the caller's other side; the router lets the agent go.
    fn hand_over(&mut self, caller: CallId, target_leg: CallId) {
        let now = self.now;
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        let Some(consult) = c.consult.take() else {
            return;
        };
        let old_peer = c.peer.replace(target_leg);
        let was_mixing = std::mem::replace(&mut c.mixing, false);
        let blind = consult.blind;
        c.onward = None;
        let phase = match &consult.target {
            Target::Agent(a) => Phase::Bridged { agent: a.0 },
            Target::Number(n) => Phase::Outside { number: n.clone() },
        };
        c.timeline.enter(now, phase);
        if let Some(t) = self.calls.get_mut(&target_leg) {
            t.peer = Some(caller);
            t.kind = match consult.target {
                Target::Agent(agent) => Kind::Offer {
                    caller,
                    agent,
                    over: true,
                },
                Target::Number(_) => Kind::Outside { caller },
            };
        }
        if was_mixing {
            for party in [caller, target_leg].into_iter().chain(old_peer) {
                self.emit(Output::Unmix {
                    room: caller,
                    party,
                });
            }
        } else if let Some(agent_leg) = old_peer {
            self.emit(Output::Unbridge(agent_leg, target_leg));
        }
        self.leg(caller, LegOrder::Music(None));
        self.emit(Output::Bridge(caller, target_leg));
        if consult.answered && !blind && self.cfg.recording {
            // The consultation's recording ends here (the caller's own goes on).
            self.leg(target_leg, LegOrder::StopRecording);
            if let Some(agent_leg) = old_peer {
                self.leg(agent_leg, LegOrder::StopRecording);
            }
        }
        if !blind {
            // The router's conversation with the first agent is over (wrap-up).
            self.acd(Input::CallEnded(caller));
        }
    }

    /// The target's leg ended before the caller was handed over to it.
    pub(super) fn consult_ended(&mut self, leg: CallId, caller: CallId) {
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        let Some(consult) = c.consult.take_if(|k| k.leg == leg) else {
            return;
        };
        let agent_leg = c.peer;
        if consult.blind {
            c.onward = None;
            tracing::info!(%caller, target = %consult.target.words(), "blind transfer not reached");
            return self.transfer_not_reached(caller, &consult);
        }
        let was_mixing = std::mem::replace(&mut c.mixing, false);
        if !consult.cancelled {
            // The desk hears why the consultation is over: the target never answered, or hung
            // up (during the consultation or the conference).
            let notice = if consult.answered {
                "consult_ended"
            } else {
                "consult_not_reached"
            };
            self.emit(Output::Live(LiveOut::Notice {
                agent: consult.agent.0,
                call: caller,
                notice: notice.into(),
            }));
        }
        let agent_leg = agent_leg.filter(|p| self.calls.get(p).is_some_and(|a| a.leg));
        if was_mixing {
            self.emit(Output::Unmix {
                room: caller,
                party: caller,
            });
            if let Some(a) = agent_leg {
                self.emit(Output::Unmix {
                    room: caller,
                    party: a,
                });
            }
        } else if let Some(a) = agent_leg {
            self.leg(a, LegOrder::Unbridge);
        }
        if consult.answered && self.cfg.recording {
            // The consultation's recording ends with the target's leg; the agent's leg stops
            // feeding it.
            if let Some(a) = agent_leg {
                self.leg(a, LegOrder::StopRecording);
            }
        }
        // Back with the agent.
        tracing::info!(%caller, "consultation over: the caller is back with the agent");
        self.leg(caller, LegOrder::Music(None));
        self.hold(caller, false);
        if let Some(a) = agent_leg {
            self.emit(Output::Bridge(caller, a));
        }
    }

    /// A blind transfer's target was not reached: an agent's → the caller waits in its queue
    /// again; a number's → a ticket to call back.
    fn transfer_not_reached(&mut self, caller: CallId, consult: &Consultation) {
        let queue = self
            .calls
            .get(&caller)
            .and_then(|c| c.timeline.queue().map(str::to_string));
        match (&consult.target, queue) {
            (Target::Agent(_), Some(queue)) => {
                let now = self.now;
                if let Some(c) = self.calls.get_mut(&caller) {
                    c.timeline.enter(
                        now,
                        Phase::Queued {
                            queue: queue.clone(),
                        },
                    );
                }
                self.requeue(caller, queue);
            }
            _ => {
                self.leg(caller, LegOrder::Music(None));
                self.leaving(caller, crate::record::Disposition::Transferred);
                self.open_queue_ticket(caller);
            }
        }
    }

    /// The agent's leg ended while a consultation runs (not a blind one): answered, the
    /// target takes the caller (true: handled); otherwise the consultation is ended (its leg
    /// hung up) and the caller goes on as after any agent (false).
    pub(super) fn agent_left_consultation(&mut self, caller: CallId) -> bool {
        let Some(consult) = self
            .calls
            .get(&caller)
            .and_then(|c| c.consult.clone())
            .filter(|k| !k.blind)
        else {
            return false;
        };
        if consult.answered {
            tracing::info!(%caller, "the agent left the consultation: the target takes the caller");
            self.hand_over(caller, consult.leg);
            return true;
        }
        if let Some(c) = self.calls.get_mut(&caller) {
            c.consult = None;
        }
        self.sip(SipOrder::Hangup(consult.leg));
        false
    }
}
