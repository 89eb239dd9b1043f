//! Calls in the ACD's hands (the shell around `hotline_acd::Router`, whose task is in
//! `crate::acd`): a caller a flow transferred waits with music and hears its position and
//! expected wait; an offer rings the agent's registered phone with the caller and customer in
//! headers; on answer the caller hears the agent's staff number (工号 … 为您服务) and the legs
//! are bridged; an agent who does not answer, is busy or fails is reported and the router
//! offers the call on; when the agent hangs up first the caller is taken to the `survey`
//! flow. Agents' registrations tell the router who can be rung.

use std::collections::HashMap;
use std::time::Duration;

use hotline_acd::{CallId, Input, Output};
use hotline_media::leg::{self, LegCommand};
use hotline_media::ports::PortAllocator;
use hotline_sip::{CallRef, Command, EndReason, SipHandle};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::extension::{self, Ring};
use super::{bind_port, callback, desk, ivr, ActiveCall, ControllerConfig, Internal};
use hotline_acd::Exit;
use hotline_call::wrapup::{AgentPhase, WrapUps};
use hotline_call::{Disposition, EndClass, Phase, Side, SystemPrompt};

/// How long the SIP side lets an agent's phone ring; the router's ring time ends it first.
const SIP_RING_LIMIT: Duration = Duration::from_secs(120);

/// Carries out one router output.
pub(super) fn on_output(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    ports: &PortAllocator,
    calls: &mut HashMap<CallRef, ActiveCall>,
    wrapups: &mut WrapUps,
    out: Output,
) {
    let Some(acd) = &cfg.acd else { return };
    match out {
        Output::Offer { call, agent } => {
            let caller = CallRef(call.0);
            let card = acd.card(agent);
            let ready = calls
                .get(&caller)
                .is_some_and(|c| c.leg.is_some() && c.peer.is_none());
            // A port only for an offer that can be rung.
            let bound = card
                .as_ref()
                .filter(|_| ready)
                .and_then(|_| bind_port(ports, cfg.media_bind));
            let (Some(card), Some((lease, socket))) = (card, bound) else {
                debug!(%caller, agent = agent.0, "offer cannot be rung");
                acd.send(Input::Failed { call, agent });
                return;
            };
            let Some(c) = calls.get(&caller) else { return };
            let mut headers = vec![("X-Hotline-Call".to_string(), caller.0.to_string())];
            let account = c.ivr.as_ref().and_then(ivr::IvrCall::customer_account);
            if let Some(acct) = &account {
                headers.push(("X-Customer-Account".into(), acct.clone()));
            }
            if let Some(live) = &cfg.live {
                let ivr = c.ivr.as_ref();
                let _ = live.send(hotline_web::LiveEvent::Offer(hotline_web::ScreenPop {
                    agent: agent.0,
                    call: caller.0,
                    call_ref: cfg.log().map(|l| l.call_ref(caller)),
                    caller: c.caller.clone(),
                    customer_account: account,
                    queue: ivr.and_then(ivr::IvrCall::queue).unwrap_or_default(),
                    reason: ivr
                        .map(|i| i.transfer_reason().to_string())
                        .unwrap_or_default(),
                    ivr_path: ivr.map(ivr::IvrCall::path).unwrap_or_default(),
                    callback: false,
                }));
            }
            let ring = Ring {
                user: card.sip_user.clone(),
                from_user: c.caller.clone(),
                from_display: None,
                headers,
                timeout: SIP_RING_LIMIT,
                gateway: None,
            };
            info!(%caller, agent = agent.0, "offering the call to an agent");
            let (agent_call, mut active) = extension::dial(cfg, sip, lease, socket, caller, ring);
            active.offer = Some((agent, false));
            if let Some(c) = calls.get_mut(&caller) {
                c.peer = Some(agent_call);
                let queue = c.timeline.queue().unwrap_or_default().to_string();
                c.timeline.enter(
                    super::now(),
                    Phase::Offering {
                        queue,
                        agent: agent.0,
                    },
                );
            }
            calls.insert(agent_call, active);
        }
        Output::RingTimeout { call, agent } => {
            let caller = CallRef(call.0);
            if let Some(agent_call) = calls.get(&caller).and_then(|c| c.peer) {
                if let Some(a) = calls.get_mut(&agent_call) {
                    a.offer = Some((agent, true));
                }
                // The caller is free for the next offer, which the router makes at once.
                if let Some(c) = calls.get_mut(&caller) {
                    c.peer = None;
                    back_in_queue(c);
                }
                sip.send(Command::Hangup(agent_call));
            } else {
                callback::ring_timeout(sip, calls, call);
            }
        }
        Output::DialCallback {
            call,
            agent,
            number,
        } => callback::dial(cfg, sip, ports, calls, call, agent, number),
        Output::CallbackQueued { call, position } => {
            info!(
                call = call.0,
                position, "callback requested: the caller keeps its place"
            );
            leaving(calls, CallRef(call.0), Disposition::Callback);
            farewell(
                cfg,
                sip,
                calls,
                CallRef(call.0),
                &["queue_callback_confirm".into(), "goodbye".into()],
            );
        }
        Output::CallbackGaveUp { call, attempts } => {
            info!(
                call = call.0,
                attempts, "callback given up: the customer was not reached"
            )
        }
        Output::Connected {
            call,
            agent,
            wait_ms,
            ..
        } => {
            if let Some(log) = cfg.log() {
                log.connected(CallRef(call.0), agent.0, wait_ms);
            }
        }
        Output::Announce {
            call,
            position,
            expected_wait_ms,
        } => announce(cfg, calls, CallRef(call.0), position, expected_wait_ms),
        Output::Abandoned {
            call,
            wait_ms,
            short,
            ..
        } => debug!(call = call.0, wait_ms, short, "abandoned in the queue"),
        Output::MaxWait { call, exit } | Output::QueueRemoved { call, exit } => {
            leave_queue(cfg, sip, tx, calls, CallRef(call.0), exit)
        }
        Output::AgentStateChanged { agent, state } => {
            debug!(agent = agent.0, state = state.name(), "agent state");
            let phase = match &state {
                hotline_acd::AgentState::OnCall { call, .. } => AgentPhase::OnCall(*call),
                hotline_acd::AgentState::WrapUp { .. } => AgentPhase::WrapUp,
                _ => AgentPhase::Other,
            };
            if let (Some((call, ms)), Some(log)) =
                (wrapups.observe(agent.0, phase, state.since()), cfg.log())
            {
                log.wrap_up(call, ms);
            }
        }
        Output::Refused(r) => debug!(refusal = %r, "ACD refused an input"),
    }
}

/// The agent of an ACD offer answered: the caller hears the staff number, then the bridge.
/// False when `agent_call` is not an ACD offer.
pub(super) fn agent_answered(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    calls: &mut HashMap<CallRef, ActiveCall>,
    agent_call: CallRef,
    answer: Option<&[u8]>,
) -> bool {
    let Some((agent, _)) = calls.get(&agent_call).and_then(|a| a.offer) else {
        return false;
    };
    let Some(caller) = calls.get(&agent_call).and_then(|a| a.peer) else {
        return true;
    };
    let (Some(acd), Some(media)) = (&cfg.acd, extension::agent_media(calls, agent_call, answer))
    else {
        sip.send(Command::Hangup(agent_call));
        return true;
    };
    if extension::start_leg(tx, calls, agent_call, Some(media), cfg).is_none() {
        return true;
    }
    if let Some(a) = calls.get_mut(&agent_call) {
        a.offer = Some((agent, true));
    }
    acd.send(Input::Answered {
        call: CallId(caller.0),
        agent,
    });
    let staff_no = acd.card(agent).map(|c| c.staff_no).unwrap_or_default();
    let Some(c) = calls.get_mut(&caller) else {
        return true;
    };
    c.connected = Some(agent);
    c.announcing = true;
    c.timeline
        .enter(super::now(), Phase::Announcing { agent: agent.0 });
    if let Some(leg) = &c.leg {
        leg.send(LegCommand::MusicOnHold(None));
    }
    // 工号 1023 为您服务: the staff number digit by digit.
    let names: Vec<String> = SystemPrompt::staff_number(&staff_no)
        .into_iter()
        .map(SystemPrompt::name)
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let played = cfg
        .ivr
        .as_ref()
        .is_some_and(|rt| play(cfg, calls, caller, rt, &names));
    if !played {
        bridge(calls, caller);
    }
    true
}

/// The language `call`'s caller hears: the one chosen in the IVR, else the engine's.
pub(super) fn language(cfg: &ControllerConfig, c: &ActiveCall) -> String {
    c.ivr
        .as_ref()
        .map(ivr::IvrCall::language)
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| cfg.prompts.welcome.lang())
        .to_string()
}

/// Plays `names` (in the caller's language) on `call`'s leg.
pub(super) fn play(
    cfg: &ControllerConfig,
    calls: &HashMap<CallRef, ActiveCall>,
    call: CallRef,
    rt: &ivr::IvrRuntime,
    names: &[&str],
) -> bool {
    let Some(c) = calls.get(&call) else {
        return false;
    };
    let Some(leg) = c.leg.as_ref() else {
        return false;
    };
    let lang = language(cfg, c);
    let prompts: Vec<_> = names
        .iter()
        .filter_map(|n| {
            let found = rt.prompts().get(&lang, n);
            if found.is_none() {
                warn!(%call, prompt = %n, %lang, "system prompt missing; skipped");
            }
            found
        })
        .collect();
    if prompts.is_empty() {
        return false;
    }
    leg.send(LegCommand::Play {
        prompts,
        interruptible: false,
    });
    true
}

/// The caller's leg finished playing: after the staff number, bridge. True when handled.
pub(super) fn caller_playback_done(
    sip: &SipHandle,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallRef,
    interrupted: bool,
) -> bool {
    match calls.get(&call) {
        // A queue announcement the staff number replaced ends interrupted: wait for ours.
        Some(c) if c.announcing => {
            if !interrupted {
                bridge(calls, call);
            }
            true
        }
        // The announcement the farewell replaced ends interrupted: wait for the farewell.
        Some(c) if c.leaving => {
            if !interrupted {
                sip.send(Command::Hangup(call));
            }
            true
        }
        _ => false,
    }
}

/// The caller is waiting in a queue (not being offered, not connected, not leaving).
fn queued(c: &ActiveCall) -> bool {
    c.ivr.as_ref().is_some_and(ivr::IvrCall::transferred)
        && c.peer.is_none()
        && c.connected.is_none()
        && !c.leaving
}

/// A key pressed by a caller in a queue: 1 asks for a callback (when callbacks can be
/// made); other keys are ignored there. False when the caller is not waiting in a queue.
pub(super) fn queued_digit(
    cfg: &ControllerConfig,
    calls: &HashMap<CallRef, ActiveCall>,
    call: CallRef,
    digit: char,
) -> bool {
    let (Some(c), Some(acd)) = (calls.get(&call), &cfg.acd) else {
        return false;
    };
    if !queued(c) {
        return c.leaving;
    }
    if digit == '1' {
        if let Some(number) = callback::number_for(cfg, &c.caller) {
            acd.send(Input::CallbackRequested {
                call: CallId(call.0),
                number,
            });
        }
    }
    true
}

/// Plays `names` to a caller who leaves the queue, then hangs up (at once when there is
/// nothing to play).
pub(super) fn farewell(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallRef,
    names: &[String],
) {
    let Some(c) = calls.get_mut(&call) else {
        return;
    };
    c.leaving = true;
    if let Some(leg) = &c.leg {
        leg.send(LegCommand::MusicOnHold(None));
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let played = cfg
        .ivr
        .as_ref()
        .is_some_and(|rt| play(cfg, calls, call, rt, &names));
    if !played {
        sip.send(Command::Hangup(call));
    }
}

/// The call leaves its queue by `exit` (max wait reached, or its queue removed by a reload).
fn leave_queue(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallRef,
    exit: Exit,
) {
    info!(%call, %exit, "the call leaves its queue");
    match exit {
        // Moved by the router: it waits on there.
        Exit::Queue(_) => {}
        // Only reported for a caller whose number cannot be called back.
        Exit::Ticket | Exit::Callback => {
            leaving(calls, call, Disposition::Transferred);
            if let Some(c) = calls.get_mut(&call) {
                c.leaving = true;
            }
            open_queue_ticket(cfg, tx, calls, call);
        }
        Exit::Hangup => {
            leaving(calls, call, Disposition::Failed);
            farewell(
                cfg,
                sip,
                calls,
                call,
                &["queue_all_busy".into(), "goodbye".into()],
            );
        }
    }
}

/// A ticket to call the caller back ("voicemail-style"): the caller then hears its number.
fn open_queue_ticket(
    cfg: &ControllerConfig,
    tx: &mpsc::UnboundedSender<Internal>,
    calls: &HashMap<CallRef, ActiveCall>,
    call: CallRef,
) {
    let Some(c) = calls.get(&call) else { return };
    let account = c.ivr.as_ref().and_then(ivr::IvrCall::customer_account);
    let queue = c
        .ivr
        .as_ref()
        .and_then(ivr::IvrCall::queue)
        .unwrap_or_default();
    let request = hotline_ivr::interp::TicketRequest {
        kind: QUEUE_TICKET_KIND.into(),
        summary: format!("Waited in queue {queue} without reaching an agent: call back"),
        customer_account: account,
        address: None,
        reporter_phone: c.caller.clone(),
    };
    let store = cfg.ivr.as_ref().and_then(ivr::IvrRuntime::store);
    let call_ref = cfg.log().map(|l| l.call_ref(call));
    let tx = tx.clone();
    tokio::spawn(async move {
        let mut names = vec!["queue_ticket_left".to_string()];
        let now = crate::storage::now_ms();
        match store {
            Some(store) => match super::ivr_ticket(&store, request, call_ref.as_deref(), now).await
            {
                Ok(t) => {
                    info!(%call, ticket = t.id, "queue ticket opened");
                    names.push("ticket_number".into());
                    names.extend(
                        t.number
                            .chars()
                            .filter_map(|d| d.to_digit(10).map(|d| format!("digit_{d}"))),
                    );
                }
                Err(e) => tracing::warn!(%call, error = %e, "queue ticket not opened"),
            },
            None => tracing::warn!(%call, "queue ticket not opened: no store"),
        }
        names.push("goodbye".into());
        let _ = tx.send(Internal::Farewell(call, names));
    });
}

/// The kind of ticket a queue's `ticket` exit opens.
const QUEUE_TICKET_KIND: &str = "inquiry";

/// The caller leaves its queue without an agent: a last message, then the engine hangs up.
fn leaving(calls: &mut HashMap<CallRef, ActiveCall>, call: CallRef, disposition: Disposition) {
    if let Some(c) = calls.get_mut(&call) {
        c.timeline
            .enter(super::now(), Phase::Leaving { disposition });
    }
}

/// An offer is over without an answer: the caller waits in its queue again.
fn back_in_queue(c: &mut ActiveCall) {
    if let Phase::Offering { queue, .. } = c.timeline.phase() {
        let queue = queue.clone();
        c.timeline.enter(super::now(), Phase::Queued { queue });
    }
}

/// An ACD agent's phone put the caller on hold, or took it back (re-INVITE).
pub(super) fn agent_phone_hold(
    calls: &mut HashMap<CallRef, ActiveCall>,
    agent_call: CallRef,
    on_hold: bool,
) {
    let Some(caller) = calls
        .get(&agent_call)
        .filter(|a| a.offer.is_some())
        .and_then(|a| a.peer)
    else {
        return;
    };
    if let Some(c) = calls.get_mut(&caller) {
        hold(c, on_hold);
    }
}

/// The caller goes on hold with its agent, or back to talking.
pub(super) fn hold(c: &mut ActiveCall, on_hold: bool) {
    let next = match (c.timeline.phase(), on_hold) {
        (Phase::Bridged { agent }, true) => Phase::OnHold { agent: *agent },
        (Phase::OnHold { agent }, false) => Phase::Bridged { agent: *agent },
        _ => return,
    };
    c.timeline.enter(super::now(), next);
}

fn bridge(calls: &mut HashMap<CallRef, ActiveCall>, caller: CallRef) {
    let Some(c) = calls.get_mut(&caller) else {
        return;
    };
    c.announcing = false;
    if let Some(agent) = c.connected {
        c.timeline
            .enter(super::now(), Phase::Bridged { agent: agent.0 });
    }
    let Some(agent_call) = c.peer else { return };
    let caller_leg = c.leg.clone();
    let agent_leg = calls.get(&agent_call).and_then(|a| a.leg.clone());
    if let (Some(cl), Some(al)) = (caller_leg, agent_leg) {
        leg::bridge(&cl, &al);
        debug!(%caller, %agent_call, "caller and agent bridged");
    }
}

/// Position and expected wait, between stretches of music.
fn announce(
    cfg: &ControllerConfig,
    calls: &HashMap<CallRef, ActiveCall>,
    call: CallRef,
    position: u32,
    expected_wait_ms: Option<i64>,
) {
    let Some(rt) = &cfg.ivr else { return };
    if calls
        .get(&call)
        .is_none_or(|c| c.peer.is_some() || c.connected.is_some())
    {
        return;
    }
    let lang = calls
        .get(&call)
        .map(|c| language(cfg, c))
        .unwrap_or_default();
    let say = |v: i64| {
        hotline_ivr::say::say(
            &hotline_ivr::Value::Int(v),
            hotline_ivr::say::SayAs::Number,
            &lang,
        )
        .unwrap_or_default()
    };
    let mut names = vec!["queue_position_before".to_string()];
    names.extend(say(i64::from(position)));
    names.push("queue_position_after".into());
    if let Some(ms) = expected_wait_ms {
        names.push("queue_wait_before".into());
        names.extend(say((ms + 59_999) / 60_000));
        names.push("queue_wait_minutes".into());
    }
    let caller = calls.get(&call).map(|c| c.caller.as_str()).unwrap_or("");
    if callback::number_for(cfg, caller).is_some() {
        names.push("queue_callback_offer".into());
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    play(cfg, calls, call, rt, &names);
}

/// A call placed to an agent ended. False when it was not an ACD offer.
pub(super) fn agent_call_ended(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    calls: &mut HashMap<CallRef, ActiveCall>,
    agent_call: CallRef,
    ended: &ActiveCall,
    reason: &EndReason,
) -> bool {
    let (Some((agent, reported)), Some(acd)) = (ended.offer, &cfg.acd) else {
        return false;
    };
    let Some(caller) = ended.peer else {
        return true;
    };
    let connected = calls.get(&caller).and_then(|c| c.connected) == Some(agent);
    // Only if it is still this offer (after a ring timeout the next may be ringing).
    if let Some(c) = calls
        .get_mut(&caller)
        .filter(|c| c.peer == Some(agent_call))
    {
        c.peer = None;
        if !connected {
            back_in_queue(c);
        }
    }
    if connected {
        // The agent hung up first: the caller goes on to the survey (or where the desktop
        // transferred it).
        acd.send(Input::CallEnded(CallId(caller.0)));
        let Some(c) = calls.get_mut(&caller) else {
            return true;
        };
        c.connected = None;
        c.announcing = false;
        let onward = c.onward.take();
        // The agent ended the conversation (the phone's BYE, or the desk's hang-up or
        // transfer), or the engine did (the agent's media stopped).
        let side = if onward.is_some() || *reason == EndReason::RemoteHangup {
            Side::Agent
        } else {
            Side::System
        };
        let Some(leg) = c.leg.clone() else {
            return true;
        };
        leg.send(LegCommand::Unbridge);
        let flow = match onward {
            Some(desk::Onward::Queue(q)) => {
                c.timeline
                    .agent_left(super::now(), side, Phase::Queued { queue: q.clone() });
                desk::requeue(cfg, calls, caller, q);
                return true;
            }
            Some(desk::Onward::Flow(f)) => f,
            Some(desk::Onward::AfterAgent) | None => cfg.after_agent_flow.clone(),
        };
        c.timeline
            .agent_left(super::now(), side, Phase::AfterAgent { flow: flow.clone() });
        // The flow before keeps its steps in the record; the next one's are appended.
        if let Some(session) = &c.ivr {
            c.timeline.add_path(session.steps());
        }
        let lang = language(cfg, c);
        let started = cfg.ivr.as_ref().and_then(|rt| {
            let ctx = ivr::Ctx {
                call: caller,
                leg: &leg,
                sip,
                tx,
                log: cfg.log(),
            };
            ivr::start_flow(rt, &ctx, &flow, &c.caller, &c.dialled, &lang)
        });
        match started {
            Some(s) => c.ivr = Some(s),
            None => sip.send(Command::Hangup(caller)),
        }
        return true;
    }
    if !reported {
        acd.send(offer_over(CallId(caller.0), agent, reason));
    }
    true
}

/// What the router hears of an offer (or a callback's agent leg) that ended unanswered:
/// classified once by the call core.
pub(super) fn offer_over(call: CallId, agent: hotline_acd::AgentId, reason: &EndReason) -> Input {
    match super::end_reason(reason).class() {
        EndClass::Busy => Input::Busy { call, agent },
        EndClass::NoAnswer => Input::NoAnswer { call, agent },
        _ => Input::Failed { call, agent },
    }
}

/// The caller's call ended: the router hears it (abandoned while waiting, or ended after
/// being connected); an agent still ringing is let go.
pub(super) fn caller_ended(
    cfg: &ControllerConfig,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallRef,
    ended: &ActiveCall,
) {
    let Some(acd) = &cfg.acd else { return };
    // A caller leaving with a callback keeps its entry in the router.
    let queued = ended.ivr.as_ref().is_some_and(ivr::IvrCall::transferred) && !ended.leaving;
    if ended.connected.is_some() {
        acd.send(Input::CallEnded(CallId(call.0)));
    } else if queued {
        acd.send(Input::CallAbandoned(CallId(call.0)));
    }
    if let Some(a) = ended.peer.and_then(|p| calls.get_mut(&p)) {
        if let Some((agent, _)) = a.offer {
            a.offer = Some((agent, true));
        }
    }
}

/// An agent's phone registered (or its last registration ended).
pub(super) fn registration(cfg: &ControllerConfig, user: &str, contacts: usize) {
    if let Some(acd) = &cfg.acd {
        acd.registration(user, contacts);
    }
}
