//! Calls to an agent's extension: a call whose dialled number is a registered user rings that
//! user's softphone; when the agent answers, the caller is answered and the two media legs are
//! bridged (recorded in stereo: caller left, agent right). Either side hanging up ends both; a
//! side putting the call on hold gives the other music on hold. The ACD's offers ring agents
//! through the same `dial`.

use std::collections::HashMap;
use std::time::Duration;

use hotline_media::leg::{self, LegCommand, LegConfig, LegHandle, LegMedia};
use hotline_media::recording::{Channels, Side};
use hotline_media::sdp::{self, Direction, LocalMedia, SessionDescription};
use hotline_sip::{CallRef, Command, Dial, IncomingCall, SipHandle};
use tokio::sync::mpsc;
use tracing::{debug, info};

use super::{
    bind_port, forward_leg_events, start_recording, ActiveCall, ControllerConfig, Internal,
    PendingLeg,
};

/// How long an agent's phone rings before the caller is told nobody answers.
const AGENT_RING: Duration = Duration::from_secs(30);

/// Rings `inc.callee` for the caller. Returns the agent's side of the call (the caller's side,
/// answered later, is `caller`), or None when no RTP port is free (the caller is refused).
pub(super) fn ring_agent(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    ports: &hotline_media::ports::PortAllocator,
    inc: &IncomingCall,
    caller: &mut ActiveCall,
) -> Option<(CallRef, ActiveCall)> {
    let Some((lease, socket)) = bind_port(ports, cfg.media_bind) else {
        sip.send(Command::Reject {
            call: inc.call,
            code: 503,
        });
        return None;
    };
    info!(call = %inc.call, callee = %hotline_sip::mask(&inc.callee), "ringing an extension");
    let ring = Ring {
        user: inc.callee.clone(),
        from_user: inc.caller.clone(),
        from_display: inc.caller_display.clone(),
        headers: Vec::new(),
        timeout: AGENT_RING,
        gateway: None,
    };
    let (agent, active) = dial(cfg, sip, lease, socket, inc.call, ring);
    caller.peer = Some(agent);
    Some((agent, active))
}

/// Whom to ring and how.
pub(super) struct Ring {
    pub user: String,
    pub from_user: String,
    pub from_display: Option<String>,
    /// For the screen pop.
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    /// Dial `user` as a number through this outbound route instead of a registered phone.
    pub gateway: Option<std::net::SocketAddr>,
}

/// Places the call to an agent's phone for `caller` on the bound port; returns its side.
pub(super) fn dial(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    lease: hotline_media::ports::PortLease,
    socket: tokio::net::UdpSocket,
    caller: CallRef,
    ring: Ring,
) -> (CallRef, ActiveCall) {
    let agent = sip.new_call_ref();
    let media = LocalMedia {
        addr: cfg.media_address,
        port: lease.port(),
        session_id: agent.0,
        session_version: 1,
        ..LocalMedia::default()
    };
    let offer = sdp::offer(&media, Direction::SendRecv);
    debug!(%caller, %agent, "dialling an agent");
    sip.send(Command::Dial(Dial {
        call: agent,
        gateway: ring.gateway,
        user: ring.user.clone(),
        from_user: ring.from_user.clone(),
        from_display: ring.from_display,
        offer: offer.into_bytes(),
        headers: ring.headers,
        ring_timeout: ring.timeout,
    }));
    let active = ActiveCall {
        timeline: hotline_call::Timeline::new(super::now()),
        attempt: None,
        arrived: std::time::Instant::now(),
        _port: lease,
        media,
        pending: Some(PendingLeg {
            socket,
            agreed: None,
            // Where the agent's answer comes from is not kept: the leg treats it as NATed.
            signalling: None,
        }),
        leg: None,
        recording: None,
        timer: None,
        peer: Some(caller),
        outbound: true,
        caller: ring.from_user,
        dialled: ring.user,
        ivr: None,
        offer: None,
        announcing: false,
        connected: None,
        callback: None,
        leaving: false,
        onward: None,
    };
    (agent, active)
}

/// The agent answered: start both legs, answer the caller, bridge.
pub(super) fn agent_answered(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    calls: &mut HashMap<CallRef, ActiveCall>,
    agent: CallRef,
    answer: Option<&[u8]>,
) {
    let Some(caller) = calls.get(&agent).and_then(|a| a.peer) else {
        return;
    };
    let Some(agent_media) = agent_media(calls, agent, answer) else {
        info!(%agent, "the agent's answer has no usable SDP: ending both sides");
        sip.send(Command::Hangup(agent));
        return;
    };
    let Some(agent_leg) = start_leg(tx, calls, agent, Some(agent_media), cfg) else {
        return;
    };
    let Some(caller_sdp) = calls.get_mut(&caller).and_then(|c| {
        c.pending
            .as_ref()?
            .agreed
            .as_ref()
            .map(|(_, sdp)| sdp.clone())
    }) else {
        return;
    };
    sip.send(Command::Answer {
        call: caller,
        answer: caller_sdp,
    });
    if let Some(log) = &cfg.call_log {
        log.answered(caller, true);
    }
    // The phone dialled may be an agent's: the record names the agent.
    let known = calls
        .get(&agent)
        .and_then(|a| cfg.acd.as_ref()?.agent_for_sip_user(&a.dialled))
        .map(|a| a.0);
    if let Some(c) = calls.get_mut(&caller) {
        c.timeline.enter(
            super::now(),
            hotline_call::Phase::Extension { agent: known },
        );
    }
    let Some(caller_leg) = start_leg(tx, calls, caller, None, cfg) else {
        return;
    };
    leg::bridge(&caller_leg, &agent_leg);
    if let Some(dir) = &cfg.recordings {
        // Stereo: the caller left, the agent right.
        let to = [
            (&caller_leg, Side::Caller, None),
            (&agent_leg, Side::Agent, None),
        ];
        let rec = start_recording(dir, caller, Channels::Stereo, &to);
        if let (Some(log), Some(rec)) = (&cfg.call_log, &rec) {
            log.recording(caller, rec.path());
        }
        if let Some(c) = calls.get_mut(&caller) {
            c.recording = rec;
        }
    }
    debug!(%caller, %agent, "bridged");
}

/// The media agreed by the agent's SDP answer.
pub(super) fn agent_media(
    calls: &HashMap<CallRef, ActiveCall>,
    agent: CallRef,
    answer: Option<&[u8]>,
) -> Option<LegMedia> {
    let a = calls.get(&agent)?;
    let answer = SessionDescription::parse(&String::from_utf8_lossy(answer?)).ok()?;
    let n = sdp::parse_answer(&a.media, &answer).ok()?;
    Some(LegMedia {
        codec: n.codec,
        audio_pt: n.payload_type,
        dtmf_pt: n.dtmf_payload_type,
        remote: n.remote_rtp,
        send: n.direction.sends(),
        receive: n.direction.receives(),
    })
}

/// Spawns the leg of `call` from its pending socket, with `media` if given (else the one
/// agreed with the call's own offer).
pub(super) fn start_leg(
    tx: &mpsc::UnboundedSender<Internal>,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallRef,
    media: Option<LegMedia>,
    cfg: &ControllerConfig,
) -> Option<LegHandle> {
    let active = calls.get_mut(&call)?;
    let pending = active.pending.take()?;
    let media = media.or(pending.agreed.map(|(m, _)| m))?;
    let (handle, events) = leg::spawn(
        pending.socket,
        LegConfig {
            media,
            media_timeout: media_timeout(cfg),
            seed: call.0,
            latch: cfg.rtp_latch,
            signalling: pending.signalling,
        },
    );
    forward_leg_events(tx, call, events);
    active.leg = Some(handle.clone());
    Some(handle)
}

pub(super) fn media_timeout(cfg: &ControllerConfig) -> Duration {
    cfg.media_timeout.unwrap_or(super::NO_TIMEOUT)
}

/// One side of a bridged call re-negotiated: music on hold for the other side while this one
/// holds the call (we may not send to it).
pub(super) fn hold_changed(
    cfg: &ControllerConfig,
    calls: &HashMap<CallRef, ActiveCall>,
    call: CallRef,
    on_hold: bool,
) {
    let Some(peer_leg) = calls
        .get(&call)
        .and_then(|c| c.peer)
        .and_then(|p| calls.get(&p))
        .and_then(|p| p.leg.as_ref())
    else {
        return;
    };
    let music = on_hold.then(|| cfg.prompts.moh.clone());
    peer_leg.send(LegCommand::MusicOnHold(music));
}
