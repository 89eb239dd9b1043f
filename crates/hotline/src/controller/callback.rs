//! Callbacks that keep the caller's place. A caller waiting in a queue presses 1 (offered in
//! the announcements when a callback route is configured) or reaches a queue's `callback`
//! max-wait exit: the router keeps its place as a callback entry, the caller hears that it
//! will be called back and is released. When its turn comes the router reserves an agent
//! (`DialCallback`): the agent's phone rings first (with `X-Hotline-Callback: <number>` for
//! the screen pop); once the agent answers they hear music while the customer is dialled
//! through the outbound route (`acd.callback_gateway`); the customer answering bridges the
//! two (`CallbackResult { reached: true }`), no answer or a failure is reported as not
//! reached (the router retries after `callback.retry_secs`, up to `callback.attempts`).
//! Each attempt is a call record of its own (direction outbound, linked to the original call,
//! with agent, answer, talk and result: see `hotline_call::record::Attempt`). When the
//! customer's line is busy (or does not answer) the agent who is waiting hears why
//! (`callback_customer_busy` / `callback_no_answer`) and the desktop gets a `call_notice`
//! before the agent's leg is hung up; the desktop can hang up a callback it is on.

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
use super::{bind_port, end_reason, now, ActiveCall, ControllerConfig, Internal};
use hotline_call::record::Attempt;
use hotline_call::{EndClass, Side, SystemPrompt};

/// How long an agent's phone rings for a callback (the router's own timeout ends it first).
const AGENT_RING_LIMIT: Duration = Duration::from_secs(120);
/// How long the customer's phone rings before the attempt counts as not reached.
const CUSTOMER_RING: Duration = Duration::from_secs(45);

/// A callback attempt's record in the making, kept on the agent's leg.
#[derive(Debug, Clone)]
pub(super) struct AttemptState {
    pub attempt: Attempt,
    /// How the customer's leg ended, when it ended first.
    pub customer_end: Option<hotline_call::EndReason>,
}

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
    let parent = cfg
        .log()
        .filter(|_| router)
        .map(|l| l.call_ref(CallRef(call.0)));
    active.attempt = Some(AttemptState {
        attempt: Attempt::new(parent, agent.0, number.clone(), now()),
        customer_end: None,
    });
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
    let started = extension::agent_media(calls, answered, answer)
        .and_then(|media| extension::start_leg(tx, calls, answered, Some(media), cfg));
    let Some(handle) = started else {
        sip.send(Command::Hangup(answered));
        return true;
    };
    if leg.customer {
        let agent_call = calls.get(&answered).and_then(|c| c.peer);
        if let Some(a) = agent_call
            .and_then(|p| calls.get_mut(&p))
            .and_then(|a| a.attempt.as_mut())
        {
            a.attempt.customer_answered = Some(now());
        }
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
    if let Some(a) = calls.get_mut(&answered).and_then(|a| a.attempt.as_mut()) {
        a.attempt.agent_answered = Some(now());
    }
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
/// went, the attempt's record is written when the agent's leg ends. True when the other leg
/// is taken care of here (the agent hears why the customer was not reached before its leg is
/// hung up); otherwise the caller of this function ends it like any bridge's.
pub(super) fn ended(
    cfg: &ControllerConfig,
    calls: &mut HashMap<CallRef, ActiveCall>,
    ended_call: CallRef,
    ended: &ActiveCall,
    reason: &EndReason,
) -> bool {
    let Some(leg) = &ended.callback else {
        return false;
    };
    report_end(cfg, calls, ended, leg, reason);
    let why = end_reason(reason);
    if !leg.customer {
        if let (Some(state), Some(log)) = (&ended.attempt, cfg.log()) {
            let mut attempt = state.attempt.clone();
            if attempt.customer_answered.is_some() && attempt.left_first.is_none() {
                attempt.left_first = Some(if why.far_end_left() {
                    Side::Agent
                } else {
                    Side::System
                });
            }
            let agent_end = attempt.agent_answered.is_none().then_some(why);
            let record = attempt.record(now(), agent_end, state.customer_end);
            log.attempt(ended_call, record);
        }
        return false;
    }
    // The customer's leg: the agent's leg keeps how it ended.
    let agent_call = ended.peer.filter(|p| calls.contains_key(p));
    let Some(agent_call) = agent_call else {
        return false;
    };
    let answered_agent = calls.get(&agent_call).is_some_and(|a| a.leg.is_some());
    if let Some(a) = calls.get_mut(&agent_call).and_then(|a| a.attempt.as_mut()) {
        a.customer_end = Some(why);
        if leg.connected {
            a.attempt.left_first.get_or_insert(if why.far_end_left() {
                Side::Caller
            } else {
                Side::System
            });
        }
    }
    if leg.connected || !answered_agent {
        return false;
    }
    // Not reached: tell the agent why, then hang up.
    let prompt = match why.class() {
        EndClass::Busy => SystemPrompt::CallbackCustomerBusy,
        _ => SystemPrompt::CallbackNoAnswer,
    };
    tell_agent(cfg, calls, agent_call, leg, prompt)
}

/// Plays `prompt` to the agent of a callback (in the agent's language), notes it on the
/// desktop, and hangs up the agent's leg once it has played. False when it cannot be played
/// (the leg is then hung up by the caller of this function).
fn tell_agent(
    cfg: &ControllerConfig,
    calls: &mut HashMap<CallRef, ActiveCall>,
    agent_call: CallRef,
    leg: &CallbackLeg,
    prompt: SystemPrompt,
) -> bool {
    info!(
        call = leg.call.0,
        agent = leg.agent.0,
        notice = %prompt.name(),
        "callback: customer not reached; telling the agent"
    );
    if let Some(live) = &cfg.live {
        let _ = live.send(hotline_web::LiveEvent::CallNotice {
            agent: leg.agent.0,
            call: leg.call.0,
            notice: prompt.name(),
        });
    }
    let lang = cfg
        .acd
        .as_ref()
        .and_then(|acd| acd.card(leg.agent))
        .map(|c| c.record.language)
        .unwrap_or_else(|| cfg.prompts.welcome.lang().to_string());
    let found = cfg
        .ivr
        .as_ref()
        .and_then(|rt| rt.prompts().get(&lang, &prompt.name()));
    let (Some(found), Some(a)) = (found, calls.get_mut(&agent_call)) else {
        warn!(agent = leg.agent.0, %lang, notice = %prompt.name(), "notice prompt missing");
        return false;
    };
    let Some(agent_leg) = &a.leg else {
        return false;
    };
    agent_leg.send(LegCommand::MusicOnHold(None));
    agent_leg.send(LegCommand::Play {
        prompts: vec![found],
        interruptible: false,
    });
    // The playback's end hangs the agent up (see `queue::caller_playback_done`).
    a.leaving = true;
    a.peer = None;
    true
}

/// Tells the router how the attempt went when `ended` is the leg that decides it.
fn report_end(
    cfg: &ControllerConfig,
    calls: &mut HashMap<CallRef, ActiveCall>,
    ended: &ActiveCall,
    leg: &CallbackLeg,
    reason: &EndReason,
) {
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
        report(
            cfg,
            leg,
            super::queue::offer_over(leg.call, leg.agent, reason),
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
}

/// The agent's leg of the callback (or click-to-call) `agent` has answered, if any.
pub(super) fn agent_leg_of(
    calls: &HashMap<CallRef, ActiveCall>,
    agent: AgentId,
) -> Option<CallRef> {
    calls
        .iter()
        .find(|(_, c)| {
            c.leg.is_some()
                && c.callback
                    .as_ref()
                    .is_some_and(|l| l.agent == agent && !l.customer)
        })
        .map(|(id, _)| *id)
}

/// The desk hangs up a callback: the agent left first.
pub(super) fn hang_up_from_desk(calls: &mut HashMap<CallRef, ActiveCall>, agent_call: CallRef) {
    if let Some(a) = calls.get_mut(&agent_call).and_then(|a| a.attempt.as_mut()) {
        if a.attempt.customer_answered.is_some() {
            a.attempt.left_first.get_or_insert(Side::Agent);
        }
    }
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
