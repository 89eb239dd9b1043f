//! Supervision of an agent's call from the wall: a supervisor listens (hears the caller and
//! the agent, heard by neither), whispers (heard by the agent only) or barges in (a three-way
//! call), and switches between them during the call, through the supervisor's own registered
//! phone, which the engine rings.
//!
//! While a supervisor's leg is answered, the caller's and the agent's legs leave their bridge
//! and talk through a mix named by the caller's call ([`Output::Mix`]); the supervisor's leg
//! joins it with the audience its mode gives. When the last supervisor leaves, the two are
//! bridged again. Whoever ends first, nothing is left behind: the caller's end or the agent's
//! (the caller then goes on to the flow after the agent) hangs up every supervisor's leg and
//! ends the mix; a supervisor's end takes only their leg out. The caller put on hold leaves
//! the mix (music) and comes back on taking back. The supervisor is made not ready in the
//! router (reason `monitoring`), so no call is offered to the phone they monitor with.

use std::time::Duration;

use hotline_acd::{AgentId, Input};
use hotline_core::desk::MonitorMode;
use hotline_core::CallId;

use super::call::Kind;
use super::io::{Audience, ControlError, Dial, LegOrder, Music, Output, SipOrder};
use super::CallCore;
use crate::phase::Phase;

/// How long a supervisor's phone rings for a monitoring call.
const MONITOR_RING: Duration = Duration::from_secs(30);

/// Who hears a supervisor in `mode` (the agent's leg: `agent_leg`).
fn audience(mode: MonitorMode, agent_leg: CallId) -> Audience {
    match mode {
        MonitorMode::Listen => Audience::Nobody,
        MonitorMode::Whisper => Audience::Only(agent_leg),
        MonitorMode::Barge => Audience::Everyone,
    }
}

impl CallCore {
    /// A supervisor asks to monitor `target`'s call in `mode`, or to change the mode of the
    /// monitoring they do of it.
    pub(super) fn desk_monitor(
        &mut self,
        supervisor: AgentId,
        target: AgentId,
        mode: MonitorMode,
    ) -> Result<(), ControlError> {
        if supervisor == target {
            return Err(ControlError::Invalid(
                "agent",
                "a supervisor cannot monitor their own call".into(),
            ));
        }
        let caller = self
            .calls
            .values()
            .find(|c| c.is_caller() && c.connected() == Some(target))
            .map(|c| c.id)
            .ok_or(ControlError::NoCall)?;
        if self.calls.get(&caller).is_some_and(|c| c.consult.is_some()) {
            return Err(ControlError::Busy);
        }
        if let Some(m) = self.monitor_of(supervisor) {
            let same = matches!(
                self.calls.get(&m).map(|c| &c.kind),
                Some(Kind::Monitor { caller: c, .. }) if *c == caller
            );
            if !same {
                return Err(ControlError::Busy);
            }
            self.set_monitor_mode(m, mode);
            return Ok(());
        }
        if self.on_a_call(supervisor) {
            return Err(ControlError::Busy);
        }
        if !self.env.phone_registered(supervisor) {
            return Err(ControlError::PhoneOffline);
        }
        let Some(phone) = self.env.agent(supervisor) else {
            return Err(ControlError::Invalid(
                "agent",
                "the supervisor is not in the directory".into(),
            ));
        };
        let staff_no = self
            .env
            .agent(target)
            .map(|a| a.staff_no)
            .unwrap_or_default();
        let m = self.env.new_call_id();
        if !self.env.bind_port(m) {
            return Err(ControlError::Unavailable);
        }
        // On call with the monitoring (queues do not offer them calls meanwhile); its end
        // gives them back the state they left.
        self.acd(Input::AgentOnCall {
            agent: supervisor,
            call: m,
        });
        tracing::info!(%caller, supervisor = supervisor.0, agent = target.0, mode = mode.as_str(), "monitoring: ringing the supervisor's phone");
        let dial = Dial {
            call: m,
            user: phone.sip_user,
            gateway: None,
            from_user: "monitor".into(),
            from_display: Some(format!("{} {staff_no}", mode.as_str())),
            headers: vec![("X-Hotline-Monitor".into(), caller.to_string())],
            ring_timeout: MONITOR_RING,
        };
        self.place(
            dial,
            Kind::Monitor {
                caller,
                supervisor,
                mode,
            },
            None,
        );
        if let Some(s) = self.calls.get_mut(&m) {
            s.on_call_for = Some(supervisor);
        }
        if let Some(c) = self.calls.get_mut(&caller) {
            c.monitors.push(m);
        }
        Ok(())
    }

    /// The supervisor leaves the call they monitor: their leg is hung up.
    pub(super) fn desk_stop_monitor(&mut self, supervisor: AgentId) -> Result<(), ControlError> {
        let m = self.monitor_of(supervisor).ok_or(ControlError::NoCall)?;
        tracing::info!(%m, supervisor = supervisor.0, "monitoring stopped from the wall");
        self.sip(SipOrder::Hangup(m));
        Ok(())
    }

    /// The supervisor's monitoring call (ringing or answered).
    fn monitor_of(&self, supervisor: AgentId) -> Option<CallId> {
        self.calls
            .values()
            .find(|c| matches!(c.kind, Kind::Monitor { supervisor: s, .. } if s == supervisor))
            .map(|c| c.id)
    }

    /// The agent is connected to a caller, rung for one, or on a callback.
    pub(super) fn on_a_call(&self, agent: AgentId) -> bool {
        self.calls.values().any(|c| {
            c.connected() == Some(agent)
                || matches!(c.kind, Kind::Offer { agent: a, .. } if a == agent)
                || c.callback().is_some_and(|l| l.agent == agent)
        })
    }

    /// The agent's leg of `caller`'s call, when both legs run.
    fn agent_leg_of(&self, caller: CallId) -> Option<CallId> {
        let c = self.calls.get(&caller)?;
        c.connected()?;
        c.peer.filter(|p| self.calls.get(p).is_some_and(|a| a.leg))
    }

    fn set_monitor_mode(&mut self, m: CallId, mode: MonitorMode) {
        let Some(call) = self.calls.get_mut(&m) else {
            return;
        };
        let answered = call.leg;
        let Kind::Monitor {
            caller, mode: now, ..
        } = &mut call.kind
        else {
            return;
        };
        *now = mode;
        let caller = *caller;
        tracing::info!(%caller, %m, mode = mode.as_str(), "monitoring mode changed");
        let mixing = self.calls.get(&caller).is_some_and(|c| c.mixing);
        if let (true, true, Some(agent_leg)) = (answered, mixing, self.agent_leg_of(caller)) {
            self.emit(Output::Mix {
                room: caller,
                party: m,
                audience: audience(mode, agent_leg),
            });
            self.tell_monitored(caller, mode.as_str());
        }
    }

    /// The supervisor's phone answered: it joins the caller and the agent in their mix (made
    /// now if this is the first supervisor).
    pub(super) fn monitor_answered(&mut self, m: CallId, caller: CallId, usable: bool) {
        let mode = match self.calls.get(&m).map(|c| &c.kind) {
            Some(Kind::Monitor { mode, .. }) => *mode,
            _ => return,
        };
        let agent_leg = self.agent_leg_of(caller);
        let (true, Some(agent_leg)) = (usable, agent_leg) else {
            tracing::info!(%m, %caller, usable, "monitoring: the call is no longer with its agent; hanging up the supervisor");
            return self.sip(SipOrder::Hangup(m));
        };
        if let Some(c) = self.calls.get_mut(&m) {
            c.leg = true;
        }
        self.emit(Output::StartLeg(m));
        if !self.calls.get(&caller).is_some_and(|c| c.mixing) {
            self.start_mix(caller, agent_leg);
        }
        self.emit(Output::Mix {
            room: caller,
            party: m,
            audience: audience(mode, agent_leg),
        });
        tracing::info!(%caller, %m, mode = mode.as_str(), "monitoring: the supervisor is in");
        self.tell_monitored(caller, mode.as_str());
    }

    /// The agent of `caller`'s call hears of the monitoring on the desk, when configured so
    /// (`what`: the mode, or `ended`).
    fn tell_monitored(&mut self, caller: CallId, what: &str) {
        if !self.cfg.tell_monitored {
            return;
        }
        if let Some(agent) = self.calls.get(&caller).and_then(|c| c.connected()) {
            self.emit(Output::Live(super::io::LiveOut::Notice {
                agent: agent.0,
                call: caller,
                notice: format!("monitoring_{what}"),
            }));
        }
    }

    /// The caller and the agent leave their bridge for the mix (the caller only when they
    /// talk: on hold it keeps its music, announcing it joins at the bridge).
    fn start_mix(&mut self, caller: CallId, agent_leg: CallId) {
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        c.mixing = true;
        let talking = matches!(c.phase(), Phase::Bridged { .. });
        self.emit(Output::Unbridge(caller, agent_leg));
        if talking {
            self.mix_in(caller, caller);
        }
        self.mix_in(caller, agent_leg);
    }

    /// `party` joins `room`, heard by everyone.
    pub(super) fn mix_in(&mut self, room: CallId, party: CallId) {
        self.emit(Output::Mix {
            room,
            party,
            audience: Audience::Everyone,
        });
    }

    /// The mix of `caller` ends: its parties leave it; the caller and the agent are bridged
    /// again if they talk.
    fn end_mix(&mut self, caller: CallId) {
        let Some(c) = self.calls.get_mut(&caller).filter(|c| c.mixing) else {
            return;
        };
        c.mixing = false;
        let talking = matches!(c.phase(), Phase::Bridged { .. });
        let agent_leg = self.agent_leg_of(caller);
        self.emit(Output::Unmix {
            room: caller,
            party: caller,
        });
        if let Some(agent_leg) = agent_leg {
            self.emit(Output::Unmix {
                room: caller,
                party: agent_leg,
            });
            if talking {
                self.emit(Output::Bridge(caller, agent_leg));
            }
        }
    }

    /// A supervisor's monitoring call ended: out of the mix; the last one out ends it.
    pub(super) fn monitor_ended(&mut self, m: CallId, caller: CallId, answered: bool) {
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        c.monitors.retain(|x| *x != m);
        let others = c.monitors.clone();
        if answered && c.mixing {
            self.emit(Output::Unmix {
                room: caller,
                party: m,
            });
        }
        let still_in = others
            .iter()
            .any(|o| self.calls.get(o).is_some_and(|o| o.leg));
        if !still_in {
            self.end_mix(caller);
        }
        if answered {
            self.tell_monitored(caller, "ended");
        }
        tracing::info!(%caller, %m, "monitoring ended");
    }

    /// `caller`'s conversation with its agent is over (either side ended or the agent was
    /// released by a transfer): every supervisor's leg is hung up, the mix ends.
    pub(super) fn end_monitoring(&mut self, caller: CallId) {
        let Some(c) = self.calls.get_mut(&caller) else {
            return;
        };
        let monitors = std::mem::take(&mut c.monitors);
        let mixing = std::mem::replace(&mut c.mixing, false);
        for m in monitors {
            self.sip(SipOrder::Hangup(m));
        }
        if mixing {
            self.emit(Output::Unmix {
                room: caller,
                party: caller,
            });
        }
    }

    /// Hold from the desk while the call is mixed: the caller leaves the mix for music, and
    /// comes back. False when the call is not mixed (the bridge is handled as before).
    pub(super) fn hold_in_mix(&mut self, caller: CallId, on: bool) -> bool {
        if !self.calls.get(&caller).is_some_and(|c| c.mixing) {
            return false;
        }
        if on {
            self.emit(Output::Unmix {
                room: caller,
                party: caller,
            });
            self.leg(caller, LegOrder::Music(Some(Music::Answer)));
        } else {
            self.leg(caller, LegOrder::Music(None));
            self.mix_in(caller, caller);
        }
        true
    }
}
