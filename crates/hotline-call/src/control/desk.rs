//! Call control from the agent desktop: for the call the agent is connected to, hang up, hold
//! (the legs are unbridged and the caller hears music) and take back, transfer to a queue (the
//! agent's leg is ended, so the agent goes to wrap-up, and the caller waits in the new queue) or
//! to an IVR flow; a callback the agent is on can be hung up; and click-to-call (a follow-up):
//! the agent's phone rings, then the customer is dialled through the outbound route.

use hotline_acd::AgentId;
use hotline_core::CallId;

use super::call::Onward;
use super::io::{CallAction, ControlError, LegOrder, Music, Output, SipOrder};
use super::CallCore;

impl CallCore {
    /// Carries out one request of `agent`'s desktop.
    pub(super) fn desk(&mut self, agent: AgentId, action: CallAction) -> Result<(), ControlError> {
        match action {
            CallAction::Dial(number) => self.desk_dial(agent, number),
            CallAction::Monitor {
                agent: target,
                mode,
            } => self.desk_monitor(agent, AgentId(target), mode),
            CallAction::StopMonitor => self.desk_stop_monitor(agent),
            CallAction::Consult(target) => self.desk_consult(agent, target, false),
            CallAction::TransferTo(target) => self.desk_consult(agent, target, true),
            CallAction::CompleteTransfer => self.desk_complete(agent),
            CallAction::CancelConsult => self.desk_cancel_consult(agent),
            CallAction::Conference => self.desk_conference(agent),
            CallAction::Mute(on) => self.desk_mute(agent, on),
            action => self.desk_control(agent, action),
        }
    }

    /// Click-to-call: the agent must be free; the router is told the agent is busy with it.
    fn desk_dial(&mut self, agent: AgentId, number: String) -> Result<(), ControlError> {
        if self.on_a_call(agent) {
            return Err(ControlError::Busy);
        }
        let dialled = super::callback::dialable(&number).ok_or_else(|| {
            ControlError::Invalid("phone", format!("`{number}` cannot be dialled"))
        })?;
        self.may_dial(agent, &number)?;
        let number = dialled;
        if self.cfg.callbacks.is_none() {
            return Err(ControlError::NoRoute);
        }
        if !self.cfg.acd || !self.env.phone_registered(agent) {
            return Err(ControlError::PhoneOffline);
        }
        tracing::info!(agent = agent.0, "click-to-call from the desktop");
        let entry = self.env.new_call_id();
        if self.agent_first(entry, agent, number, false, None) {
            Ok(())
        } else {
            Err(ControlError::Unavailable)
        }
    }

    fn desk_control(&mut self, agent: AgentId, action: CallAction) -> Result<(), ControlError> {
        let caller = self
            .calls
            .values()
            .find(|c| c.is_caller() && c.connected() == Some(agent))
            .map(|c| c.id);
        let Some(caller) = caller else {
            // A callback (or click-to-call) the agent answered: the desk can hang it up.
            return match (self.callback_agent_leg(agent), action) {
                (Some(agent_call), CallAction::Hangup) => {
                    tracing::info!(%agent_call, agent = agent.0, "callback hung up from the desktop");
                    self.callback_hung_up_by_desk(agent_call);
                    self.sip(SipOrder::Hangup(agent_call));
                    Ok(())
                }
                _ => Err(ControlError::NoCall),
            };
        };
        let agent_call = self.calls.get(&caller).and_then(|c| c.peer);
        let consulting = self.calls.get(&caller).is_some_and(|c| c.consult.is_some());
        if consulting && action != CallAction::Hangup {
            // Complete, cancel or conference first.
            return Err(ControlError::Busy);
        }
        tracing::info!(%caller, agent = agent.0, ?action, "call control from the desktop");
        match action {
            // The agent's leg ends; the caller goes on to the flow after the agent, as when
            // the agent's phone hangs up.
            CallAction::Hangup => self.onward(caller, agent_call, Onward::AfterAgent),
            CallAction::Hold(on) => {
                let both = self.calls.get(&caller).is_some_and(|c| c.leg)
                    && agent_call
                        .and_then(|a| self.calls.get(&a))
                        .is_some_and(|a| a.leg);
                let (true, Some(agent_call)) = (both, agent_call) else {
                    return Err(ControlError::NoCall);
                };
                if self.hold_in_mix(caller, on) {
                    // The caller left the mix for music, or came back.
                } else if on {
                    self.emit(Output::Unbridge(caller, agent_call));
                    self.leg(caller, LegOrder::Music(Some(Music::Answer)));
                } else {
                    self.leg(caller, LegOrder::Music(None));
                    self.emit(Output::Bridge(caller, agent_call));
                }
                self.hold(caller, on);
                Ok(())
            }
            CallAction::ToQueue(queue) => {
                if !self.env.queue_names().contains(&queue) {
                    return Err(ControlError::Invalid(
                        "queue",
                        format!("no queue `{queue}`"),
                    ));
                }
                self.onward(caller, agent_call, Onward::Queue(queue))
            }
            CallAction::ToFlow(flow) => {
                let known = self.env.flows().is_some_and(|f| f.find(&flow).is_some());
                if !known {
                    return Err(ControlError::Invalid("flow", format!("no flow `{flow}`")));
                }
                self.onward(caller, agent_call, Onward::Flow(flow))
            }
            CallAction::Dial(_) => Err(ControlError::Busy),
            CallAction::Monitor { .. }
            | CallAction::StopMonitor
            | CallAction::Consult(_)
            | CallAction::TransferTo(_)
            | CallAction::CompleteTransfer
            | CallAction::CancelConsult
            | CallAction::Conference
            | CallAction::Mute(_) => Err(ControlError::Busy),
        }
    }

    /// Ends the agent's leg; the caller goes `to` when it has ended.
    fn onward(
        &mut self,
        caller: CallId,
        agent_call: Option<CallId>,
        to: Onward,
    ) -> Result<(), ControlError> {
        let agent_call = agent_call.ok_or(ControlError::NoCall)?;
        if let Some(c) = self.calls.get_mut(&caller) {
            c.onward = Some(to);
        }
        self.sip(SipOrder::Hangup(agent_call));
        Ok(())
    }
}
