//! Callbacks that keep the caller's place. A caller waiting in a queue presses 1 (offered in
//! the announcements when a callback route is configured) or reaches a queue's `callback`
//! max-wait exit: the router keeps its place as a callback entry, the caller hears that it
//! will be called back and is released. When its turn comes the router reserves an agent
//! (`DialCallback`): the agent's phone rings first (with `X-Hotline-Callback: <number>` for
//! the screen pop); once the agent answers they hear music while the customer is dialled
//! through the outbound route (`acd.callback_gateway`); the customer answering bridges the
//! two (`CallbackResult { reached: true }`), no answer or a failure is reported as not
//! reached (the router retries after `callback.retry_secs`, up to `callback.attempts`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use hotline_acd::{AgentId, CallId, Input};
use hotline_media::leg::{self, LegCommand};
use hotline_media::ports::PortAllocator;
use hotline_sip::{CallRef, Command, EndReason, SipHandle};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::extension::{self, Ring};
use super::{bind_port, ActiveCall, ControllerConfig, Internal};

/// How long an agent's phone rings for a callback (the router's own timeout ends it first).
const AGENT_RING_LIMIT: Duration = Duration::from_secs(120);
/// How long the customer's phone rings before the attempt counts as not reached.
const CUSTOMER_RING: Duration = Duration::from_secs(45);

/// Where callbacks are dialled.
#[derive(Debug, Clone)]
pub struct CallbackRoute {
    /// The outbound trunk or gateway (UDP).
    pub gateway: SocketAddr,
    /// The number shown to the customer.
    pub caller_id: String,
}

/// One leg of a callback being made: the agent's (dialled first) or the customer's.
#[derive(Debug, Clone)]
pub(super) struct CallbackLeg {
    /// The router's entry (the original caller's call id).
    pub call: CallId,
    pub agent: AgentId,
    pub number: String,
    /// The customer's leg (else the agent's).
    pub customer: bool,
    /// Agent and customer are bridged.
    pub connected: bool,
    /// The router already heard how this attempt ended.
    pub reported: bool,
    /// The router's callback (else a call placed from the desktop).
    pub router: bool,
}

/// A number a callback can dial: 3 to 20 digits (an optional leading `+` is dropped).
pub(super) fn dialable(number: &str) -> Option<String> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    ((3..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.to_string())
}

/// The number to call this caller back on, when callbacks can be made at all.
pub(super) fn number_for(cfg: &ControllerConfig, caller: &str) -> Option<String> {
    cfg.callbacks.as_ref()?;
    dialable(caller)
}

/// The router's `DialCallback`: ring the agent first.
pub(super) fn dial(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    ports: &PortAllocator,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallId,
    agent: AgentId,
    number: String,
) {
    if !agent_first(cfg, sip, ports, calls, call, agent, number, true) {
        debug!(call = call.0, agent = agent.0, "callback cannot be dialled");
        if let Some(acd) = &cfg.acd {
            acd.send(Input::Failed { call, agent });
        }
    }
}

/// Click-to-call from the desktop (a follow-up): the same two legs, outside the router.
/// False when it cannot be placed (no route, unknown agent, no RTP port).
pub(super) fn click_to_call(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    ports: &PortAllocator,
    calls: &mut HashMap<CallRef, ActiveCall>,
    agent: AgentId,
    number: String,
) -> bool {
    let call = CallId(sip.new_call_ref().0);
    agent_first(cfg, sip, ports, calls, call, agent, number, false)
}

/// Rings `agent` for a call to `number`; the customer is dialled once the agent answers.
#[allow(clippy::too_many_arguments)]
fn agent_first(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    ports: &PortAllocator,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallId,
    agent: AgentId,
    number: String,
    router: bool,
) -> bool {
    let card = cfg.acd.as_ref().and_then(|acd| acd.card(agent));
    let bound = card.as_ref().and_then(|_| bind_port(ports, cfg.media_bind));
    let (Some(card), Some((lease, socket)), Some(_)) = (card, bound, &cfg.callbacks) else {
        return false;
    };
    let ring = Ring {
        user: card.sip_user.clone(),
        from_user: number.clone(),
        from_display: None,
        headers: vec![
            ("X-Hotline-Callback".into(), number.clone()),
            ("X-Hotline-Call".into(), call.0.to_string()),
        ],
        timeout: AGENT_RING_LIMIT,
        gateway: None,
    };
    info!(
        call = call.0,
        agent = agent.0,
        router,
        "callback: ringing the agent first"
    );
    if let Some(live) = &cfg.live {
        let _ = live.send(hotline_web::LiveEvent::Offer(hotline_web::ScreenPop {
            agent: agent.0,
            call: call.0,
            call_ref: None,
            caller: number.clone(),
            customer_account: None,
            queue: String::new(),
            reason: if router { "callback" } else { "outbound" }.into(),
            ivr_path: String::new(),
            callback: true,
        }));
    }
    let (agent_call, mut active) = extension::dial(cfg, sip, lease, socket, CallRef(call.0), ring);
    active.peer = None;
    active.callback = Some(CallbackLeg {
        call,
        agent,
        number,
        customer: false,
        connected: false,
        reported: false,
        router,
    });
    calls.insert(agent_call, active);
    true
}

/// Tells the router how a callback attempt went (calls placed from the desktop are not its).
fn report(cfg: &ControllerConfig, leg: &CallbackLeg, input: Input) {
    if let (true, Some(acd)) = (leg.router, &cfg.acd) {
        acd.send(input);
    }
}

/// A callback leg answered: the agent (dial the customer) or the customer (bridge). False
/// when `answered` is not a callback leg.
pub(super) fn answered(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    ports: &PortAllocator,
    calls: &mut HashMap<CallRef, ActiveCall>,
    answered: CallRef,
    answer: Option<&[u8]>,
) -> bool {
    let Some(leg) = calls.get(&answered).and_then(|c| c.callback.clone()) else {
        return false;
    };
    let started = extension::agent_media(calls, answered, answer).and_then(|media| {
        extension::start_leg(
            tx,
            calls,
            answered,
            Some(media),
            extension::media_timeout(cfg),
        )
    });
    let Some(handle) = started else {
        sip.send(Command::Hangup(answered));
        return true;
    };
    if leg.customer {
        // The customer picked up: bridge with the agent.
        let agent_leg = calls
            .get(&answered)
            .and_then(|c| c.peer)
            .and_then(|p| calls.get(&p))
            .and_then(|a| a.leg.clone());
        let Some(agent_leg) = agent_leg else {
            sip.send(Command::Hangup(answered));
            return true;
        };
        agent_leg.send(LegCommand::MusicOnHold(None));
        leg::bridge(&agent_leg, &handle);
        info!(
            call = leg.call.0,
            agent = leg.agent.0,
            "callback: customer reached, bridged"
        );
        report(
            cfg,
            &leg,
            Input::CallbackResult {
                call: leg.call,
                reached: true,
            },
        );
        mark(calls, answered, |l| {
            l.connected = true;
            l.reported = true;
        });
        return true;
    }
    // The agent answered: music while the customer is dialled.
    let Some(route) = cfg.callbacks.clone() else {
        sip.send(Command::Hangup(answered));
        return true;
    };
    let Some((lease, socket)) = bind_port(ports, cfg.media_bind) else {
        warn!(
            call = leg.call.0,
            "callback: no RTP port for the customer leg"
        );
        report_not_reached(cfg, calls, answered);
        sip.send(Command::Hangup(answered));
        return true;
    };
    handle.send(LegCommand::MusicOnHold(None));
    let ring = Ring {
        user: leg.number.clone(),
        from_user: route.caller_id.clone(),
        from_display: None,
        headers: Vec::new(),
        timeout: CUSTOMER_RING,
        gateway: Some(route.gateway),
    };
    info!(
        call = leg.call.0,
        agent = leg.agent.0,
        "callback: agent ready, dialling the customer"
    );
    let (customer_call, mut active) = extension::dial(cfg, sip, lease, socket, answered, ring);
    active.callback = Some(CallbackLeg {
        customer: true,
        ..leg
    });
    calls.insert(customer_call, active);
    if let Some(a) = calls.get_mut(&answered) {
        a.peer = Some(customer_call);
    }
    true
}

/// Applies `f` to the callback state of `call` and of its peer.
fn mark(calls: &mut HashMap<CallRef, ActiveCall>, call: CallRef, f: impl Fn(&mut CallbackLeg)) {
    let peer = calls.get(&call).and_then(|c| c.peer);
    for c in [Some(call), peer].into_iter().flatten() {
        if let Some(l) = calls.get_mut(&c).and_then(|c| c.callback.as_mut()) {
            f(l);
        }
    }
}

/// This attempt did not reach the customer (reported once for both legs).
fn report_not_reached(
    cfg: &ControllerConfig,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallRef,
) {
    let Some(leg) = calls.get(&call).and_then(|c| c.callback.clone()) else {
        return;
    };
    if leg.reported {
        return;
    }
    report(
        cfg,
        &leg,
        Input::CallbackResult {
            call: leg.call,
            reached: false,
        },
    );
    mark(calls, call, |l| l.reported = true);
}

/// A callback leg ended (already removed from `calls`): the router hears how the attempt
/// went; the other leg is ended by the caller of this function like any bridge's. False when
/// `ended` is not a callback leg.
pub(super) fn ended(
    cfg: &ControllerConfig,
    calls: &mut HashMap<CallRef, ActiveCall>,
    ended: &ActiveCall,
    reason: &EndReason,
) -> bool {
    let Some(leg) = &ended.callback else {
        return false;
    };
    let peer = ended.peer.filter(|p| calls.contains_key(p));
    let set_peer_reported = |calls: &mut HashMap<CallRef, ActiveCall>| {
        if let Some(l) = peer
            .and_then(|p| calls.get_mut(&p))
            .and_then(|c| c.callback.as_mut())
        {
            l.reported = true;
            l.connected = false;
        }
    };
    if leg.connected {
        report(cfg, leg, Input::CallEnded(leg.call));
        set_peer_reported(calls);
    } else if leg.reported {
    } else if !leg.customer && ended.leg.is_none() {
        // The agent's phone never answered.
        let (call, agent) = (leg.call, leg.agent);
        report(
            cfg,
            leg,
            match reason {
                EndReason::Failed(486 | 600 | 603) => Input::Busy { call, agent },
                EndReason::Failed(408 | 480 | 487) | EndReason::Cancelled => {
                    Input::NoAnswer { call, agent }
                }
                _ => Input::Failed { call, agent },
            },
        );
    } else {
        // The customer did not answer (or the agent gave up while it rang).
        debug!(
            call = leg.call.0,
            customer = leg.customer,
            "callback: customer not reached"
        );
        report(
            cfg,
            leg,
            Input::CallbackResult {
                call: leg.call,
                reached: false,
            },
        );
        set_peer_reported(calls);
    }
    true
}

/// The router timed out the agent's ring for a callback: stop ringing.
pub(super) fn ring_timeout(
    sip: &SipHandle,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallId,
) {
    let agent_leg = calls.iter_mut().find(|(_, c)| {
        c.callback
            .as_ref()
            .is_some_and(|l| l.call == call && !l.customer)
    });
    if let Some((&id, c)) = agent_leg {
        if let Some(l) = c.callback.as_mut() {
            l.reported = true;
        }
        sip.send(Command::Hangup(id));
    }
}
