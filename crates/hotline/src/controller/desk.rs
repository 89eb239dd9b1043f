//! Call control from the agent desktop (`hotline_web::CallPort`): the API's requests come to
//! the controller loop through a channel, each with a reply. For the call the agent is
//! connected to: hang up; hold (the legs are unbridged and the caller hears music) and take
//! back; transfer to a queue (the agent's leg is ended, so the agent goes to wrap-up, and the
//! caller waits in the new queue) or to an IVR flow (e.g. `survey`, `bills`). And
//! click-to-call (a follow-up): the agent's phone rings, then the customer is dialled
//! through the outbound route (the callbacks' machinery, outside the router).

use std::collections::HashMap;

use hotline_acd::{AgentId, CallId, CallRequest, Input};
use hotline_media::leg::{self, LegCommand};
use hotline_media::ports::PortAllocator;
use hotline_sip::{CallRef, Command, SipHandle};
use hotline_web::{CallAction, CallPort, ControlError, PortFuture};
use tokio::sync::{mpsc, oneshot};
use tracing::info;

use super::{callback, ivr, ActiveCall, ControllerConfig};

/// One request from the desktop.
pub struct DeskRequest {
    agent: i64,
    action: CallAction,
    reply: oneshot::Sender<Result<(), ControlError>>,
}

/// Where the caller goes once the agent's leg has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Onward {
    Queue(String),
    Flow(String),
    /// The desk hung up: the caller goes where an agent's own hang-up takes it (the survey).
    AfterAgent,
}

/// The API's handle on the controller.
#[derive(Debug, Clone)]
pub struct DeskCalls {
    tx: mpsc::UnboundedSender<DeskRequest>,
}

impl DeskCalls {
    /// A handle and the receiver the controller loop reads.
    pub fn channel() -> (DeskCalls, mpsc::UnboundedReceiver<DeskRequest>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (DeskCalls { tx }, rx)
    }
}

impl CallPort for DeskCalls {
    fn act(&self, agent: i64, action: CallAction) -> PortFuture<'_, Result<(), ControlError>> {
        let (reply, rx) = oneshot::channel();
        let sent = self.tx.send(DeskRequest {
            agent,
            action,
            reply,
        });
        Box::pin(async move {
            sent.map_err(|_| ControlError::Unavailable)?;
            rx.await.unwrap_or(Err(ControlError::Unavailable))
        })
    }
}

/// Carries out one request and answers it.
pub(super) fn on_request(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    ports: &PortAllocator,
    calls: &mut HashMap<CallRef, ActiveCall>,
    req: DeskRequest,
) {
    let agent = AgentId(req.agent);
    let result = match req.action {
        CallAction::Dial(number) => dial(cfg, sip, ports, calls, agent, number),
        action => apply(cfg, sip, calls, agent, action),
    };
    let _ = req.reply.send(result);
}

/// Click-to-call: the agent must be free; the router is told the agent is busy with it.
fn dial(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    ports: &PortAllocator,
    calls: &mut HashMap<CallRef, ActiveCall>,
    agent: AgentId,
    number: String,
) -> Result<(), ControlError> {
    let busy = calls.values().any(|c| {
        c.connected == Some(agent)
            || c.offer.is_some_and(|(a, _)| a == agent)
            || c.callback.as_ref().is_some_and(|l| l.agent == agent)
    });
    if busy {
        return Err(ControlError::Busy);
    }
    let number = callback::dialable(&number)
        .ok_or_else(|| ControlError::Invalid("phone", format!("`{number}` cannot be dialled")))?;
    if cfg.callbacks.is_none() {
        return Err(ControlError::NoRoute);
    }
    if !cfg
        .acd
        .as_ref()
        .is_some_and(|acd| acd.phone_registered(agent))
    {
        return Err(ControlError::PhoneOffline);
    }
    if let Some(acd) = &cfg.acd {
        acd.send(Input::AgentNotReady {
            agent,
            reason: hotline_acd::NotReadyReason::Other("outbound".into()),
        });
    }
    info!(agent = agent.0, "click-to-call from the desktop");
    if callback::click_to_call(cfg, sip, ports, calls, agent, number) {
        Ok(())
    } else {
        Err(ControlError::Unavailable)
    }
}

fn apply(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    calls: &mut HashMap<CallRef, ActiveCall>,
    agent: AgentId,
    action: CallAction,
) -> Result<(), ControlError> {
    let caller = calls
        .iter()
        .find(|(_, c)| c.connected == Some(agent))
        .map(|(r, _)| *r);
    let Some(caller) = caller else {
        // A callback (or click-to-call) the agent answered: the desk can hang it up.
        return match (callback::agent_leg_of(calls, agent), action) {
            (Some(agent_call), CallAction::Hangup) => {
                info!(%agent_call, agent = agent.0, "callback hung up from the desktop");
                callback::hang_up_from_desk(calls, agent_call);
                sip.send(Command::Hangup(agent_call));
                Ok(())
            }
            _ => Err(ControlError::NoCall),
        };
    };
    let agent_call = calls.get(&caller).and_then(|c| c.peer);
    info!(%caller, agent = agent.0, ?action, "call control from the desktop");
    match action {
        // The agent's leg ends; the caller goes on to the survey, as when the agent's phone
        // hangs up.
        CallAction::Hangup => onward(sip, calls, caller, agent_call, Onward::AfterAgent)?,
        CallAction::Hold(on) => {
            let caller_leg = calls.get(&caller).and_then(|c| c.leg.clone());
            let agent_leg = agent_call
                .and_then(|a| calls.get(&a))
                .and_then(|a| a.leg.clone());
            let (Some(cl), Some(al)) = (caller_leg, agent_leg) else {
                return Err(ControlError::NoCall);
            };
            if on {
                leg::unbridge(&cl, &al);
                cl.send(LegCommand::MusicOnHold(Some(cfg.prompts.moh.clone())));
            } else {
                cl.send(LegCommand::MusicOnHold(None));
                leg::bridge(&cl, &al);
            }
            if let Some(c) = calls.get_mut(&caller) {
                super::queue::hold(c, on);
            }
        }
        CallAction::ToQueue(queue) => {
            let known = cfg
                .acd
                .as_ref()
                .is_some_and(|acd| acd.queue_names().contains(&queue));
            if !known {
                return Err(ControlError::Invalid(
                    "queue",
                    format!("no queue `{queue}`"),
                ));
            }
            onward(sip, calls, caller, agent_call, Onward::Queue(queue))?;
        }
        CallAction::Dial(_) => return Err(ControlError::Busy),
        CallAction::ToFlow(flow) => {
            let known = cfg
                .ivr
                .as_ref()
                .is_some_and(|rt| rt.current().find(&flow).is_some());
            if !known {
                return Err(ControlError::Invalid("flow", format!("no flow `{flow}`")));
            }
            onward(sip, calls, caller, agent_call, Onward::Flow(flow))?;
        }
    }
    Ok(())
}

/// Ends the agent's leg; the caller goes `to` when it has ended.
fn onward(
    sip: &SipHandle,
    calls: &mut HashMap<CallRef, ActiveCall>,
    caller: CallRef,
    agent_call: Option<CallRef>,
    to: Onward,
) -> Result<(), ControlError> {
    let agent_call = agent_call.ok_or(ControlError::NoCall)?;
    if let Some(c) = calls.get_mut(&caller) {
        c.onward = Some(to);
    }
    sip.send(Command::Hangup(agent_call));
    Ok(())
}

/// The caller of a transfer to a queue enters it again (music, then the router).
pub(super) fn requeue(
    cfg: &ControllerConfig,
    calls: &mut HashMap<CallRef, ActiveCall>,
    caller: CallRef,
    queue: String,
) {
    let (Some(acd), Some(c)) = (&cfg.acd, calls.get_mut(&caller)) else {
        return;
    };
    if let (Some(leg), Some(rt)) = (&c.leg, &cfg.ivr) {
        leg.send(LegCommand::MusicOnHold(rt.prompts().get("common", "moh")));
    }
    let mut req = CallRequest::new(CallId(caller.0), queue.clone());
    req.customer = c.ivr.as_ref().and_then(ivr::IvrCall::customer_account);
    req.callback_number = callback::number_for(cfg, &c.caller);
    req.reason = "transfer".into();
    if let Some(s) = c.ivr.as_mut() {
        s.set_queue(queue);
    }
    acd.send(Input::CallArrived(req));
}
