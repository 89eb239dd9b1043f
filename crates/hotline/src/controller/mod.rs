//! The call controller: it takes the SIP core's events, the media legs' events and the ACD's
//! decisions, and decides what each call does. A call to a registered agent's extension rings
//! the agent and is bridged when the agent answers ([`extension`]). Any other call is answered
//! (SDP negotiated, an RTP port bound) and runs the IVR flows ([`ivr`]); a flow's transfer puts
//! it in the ACD's hands ([`queue`]). Without IVR (`ivr.entry_flow = ""`) an answered call hears
//! the welcome prompt and then music on hold, hears each digit it presses read back, and is
//! released after `calls.answer_hangup_secs`. Every call also ends when the caller hangs up or
//! its RTP stops for `media.timeout_secs`.

pub mod call_log;
mod callback;
mod desk;
mod extension;
pub mod ivr;
mod ivr_data;
mod prompts;
mod queue;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hotline_media::leg::{self, LegCommand, LegConfig, LegEvent, LegHandle, LegMedia, RecordTo};
use hotline_media::ports::{PortAllocator, PortLease};
use hotline_media::recording::{Channels, Recording, Side};
use hotline_media::sdp::{self, Answer, Direction, LocalMedia, SessionDescription};
use hotline_media::Codec;
use hotline_sip::{CallRef, Command, IncomingCall, SipEvent, SipHandle};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, info, info_span, warn, Instrument};

pub use callback::CallbackRoute;
pub use desk::{DeskCalls, DeskRequest};
pub use ivr_data::lookup as ivr_lookup;
pub use prompts::AnswerPrompts;

/// Opens a ticket for an IVR session (also used by the flow simulator, with no call), linked
/// to the call whose record has the reference `call_ref`.
pub async fn ivr_ticket(
    store: &hotline_store::Store,
    request: hotline_ivr::interp::TicketRequest,
    call_ref: Option<&str>,
    now: hotline_store::Millis,
) -> Result<hotline_ivr::interp::TicketInfo, String> {
    ivr_data::open_ticket(store, request, call_ref, Duration::from_secs(10), now).await
}

/// What the controller needs to know.
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    /// The address put in SDP.
    pub media_address: IpAddr,
    /// The address RTP sockets bind to.
    pub media_bind: IpAddr,
    /// Which sources a leg takes RTP from (`media.strict_rtp`).
    pub rtp_latch: hotline_media::rtp_session::LatchPolicy,
    pub ring: Duration,
    /// Hang up answered calls after this; None = never.
    pub answer_hangup: Option<Duration>,
    /// End a call after this long without RTP; None = never.
    pub media_timeout: Option<Duration>,
    pub prompts: Arc<AnswerPrompts>,
    /// Record answered calls into this folder; None = no recording.
    pub recordings: Option<PathBuf>,
    /// Where call records go; None = not kept.
    pub call_log: Option<call_log::CallLog>,
    /// The IVR flows answered calls run; None = the built-in answer flow (welcome, music,
    /// digits read back).
    pub ivr: Option<ivr::IvrRuntime>,
    /// The ACD that flows transfer callers to.
    pub acd: Option<crate::acd::AcdHandle>,
    /// Where callbacks are dialled; None = no callbacks (a `callback` exit is a ticket).
    pub callbacks: Option<CallbackRoute>,
    /// Screen pops for the desktops' event stream.
    pub live: Option<hotline_web::LiveSender>,
    /// Call setup times, media legs' figures and media timeouts for `/metrics`.
    pub metrics: Option<Arc<hotline_metrics::Metrics>>,
    /// The flow a caller goes to when the agent's leg ends first (`acd.after_agent_flow`).
    pub after_agent_flow: String,
}

/// Messages from the controller's own timers and the legs.
enum Internal {
    Answer(CallRef),
    Hangup(CallRef),
    Leg(CallRef, LegEvent),
    /// A timer, lookup or ticket answer for a call's IVR session.
    Ivr(CallRef, hotline_ivr::interp::Event),
    /// Tell a caller leaving the queue these prompts, then hang up.
    Farewell(CallRef, Vec<String>),
}

/// The ACD router's outputs, for the controller loop.
pub type AcdOutputs = mpsc::UnboundedReceiver<hotline_acd::Output>;

struct ActiveCall {
    _port: PortLease,
    media: LocalMedia,
    /// The bound RTP socket, until the leg starts at answer time.
    pending: Option<PendingLeg>,
    leg: Option<LegHandle>,
    recording: Option<Recording>,
    timer: Option<JoinHandle<()>>,
    /// The other call of a bridge (caller ↔ agent).
    peer: Option<CallRef>,
    /// A call we placed (to an agent), not one we received.
    outbound: bool,
    /// The calling and called numbers (for the IVR).
    caller: String,
    dialled: String,
    /// The IVR session, once answered by a flow.
    ivr: Option<ivr::IvrCall>,
    /// A call placed to an agent for the ACD: the agent, and whether the router already
    /// knows the offer is over (it timed it out, or the caller left).
    offer: Option<(hotline_acd::AgentId, bool)>,
    /// The caller is hearing the agent's staff number before the bridge.
    announcing: bool,
    /// The agent the caller is connected to by the ACD.
    connected: Option<hotline_acd::AgentId>,
    /// A leg of a callback the ACD is making.
    callback: Option<callback::CallbackLeg>,
    /// When the call reached the controller.
    arrived: std::time::Instant,
    /// The caller left the queue (callback, ticket, exit) and hears a last message before
    /// the engine hangs up; the router is not told of an abandon.
    leaving: bool,
    /// Where the caller goes when the agent's leg ends (a transfer from the desktop).
    onward: Option<desk::Onward>,
    /// The phases an inbound call went through, from which its record is computed.
    timeline: hotline_call::Timeline,
    /// A callback attempt (on its agent's leg): what its record needs.
    attempt: Option<callback::AttemptState>,
}

impl ControllerConfig {
    fn log(&self) -> Option<&call_log::CallLog> {
        self.call_log.as_ref()
    }
}

/// A leg not started yet.
struct PendingLeg {
    socket: UdpSocket,
    /// For a call we answer: the media agreed and the SDP answer to send. A call we place (to
    /// an agent) learns its media from the agent's answer instead.
    agreed: Option<(LegMedia, Vec<u8>)>,
    /// The IP address the call's signalling came from (for strict RTP latching), if known.
    signalling: Option<IpAddr>,
}

/// A media timeout that never strikes.
const NO_TIMEOUT: Duration = Duration::from_secs(365 * 86400);

/// Runs until the SIP event stream ends.
pub async fn run(
    cfg: ControllerConfig,
    sip: SipHandle,
    mut events: mpsc::UnboundedReceiver<SipEvent>,
    ports: Arc<PortAllocator>,
    acd_outputs: Option<AcdOutputs>,
    desk: Option<mpsc::UnboundedReceiver<DeskRequest>>,
) {
    let (tx, mut internal) = mpsc::unbounded_channel::<Internal>();
    let mut calls: HashMap<CallRef, ActiveCall> = HashMap::new();
    let mut wrapups = hotline_call::wrapup::WrapUps::default();
    // Without an ACD, a receiver that never yields.
    let (_keep, idle) = mpsc::unbounded_channel();
    let mut acd_outputs = acd_outputs.unwrap_or(idle);
    let (_keep_desk, idle_desk) = mpsc::unbounded_channel();
    let mut desk = desk.unwrap_or(idle_desk);
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Some(ev) => on_sip_event(&cfg, &sip, &tx, &ports, &mut calls, ev).await,
                None => break,
            },
            Some(msg) = internal.recv() => on_internal(&cfg, &sip, &tx, &mut calls, msg),
            Some(out) = acd_outputs.recv() => queue::on_output(&cfg, &sip, &tx, &ports, &mut calls, &mut wrapups, out),
            Some(req) = desk.recv() => desk::on_request(&cfg, &sip, &ports, &mut calls, req),
        }
    }
    for (id, call) in calls.drain() {
        if let Some(leg) = call.leg {
            leg.send(LegCommand::Close);
        }
        if let Some(rec) = call.recording {
            finish_recording(id, rec);
        }
    }
}

async fn on_sip_event(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    ports: &PortAllocator,
    calls: &mut HashMap<CallRef, ActiveCall>,
    ev: SipEvent,
) {
    match ev {
        SipEvent::Incoming(inc) => {
            if let Some(log) = cfg.log() {
                log.arrived(inc.call, &inc.caller, &inc.callee);
            }
            let span = info_span!("call", id = %inc.call);
            for (call, active) in incoming(cfg, sip, tx, ports, &inc).instrument(span).await {
                calls.insert(call, active);
            }
        }
        SipEvent::Reoffer { call, offer } => {
            let Some(active) = calls.get_mut(&call) else {
                sip.send(Command::AnswerReoffer {
                    call,
                    answer: Err(481),
                });
                return;
            };
            active.media.session_version += 1;
            let answer = negotiate(offer.as_deref(), &active.media);
            if let (Ok(a), Some(leg)) = (&answer, &active.leg) {
                leg.send(LegCommand::Renegotiate(leg_media(a)));
            }
            if let Ok(a) = &answer {
                // We may not send to this side: it put the call on hold.
                extension::hold_changed(cfg, calls, call, !a.direction.sends());
                queue::agent_phone_hold(calls, call, !a.direction.sends());
            }
            sip.send(Command::AnswerReoffer {
                call,
                answer: answer.map(|a| a.sdp.into_bytes()).map_err(|_| 488),
            });
        }
        SipEvent::Ended { call, reason } => {
            if let Some(mut active) = calls.remove(&call) {
                // An ACD offer's end is the router's business; the caller stays (queued, or
                // on to the survey).
                let acd_offer =
                    queue::agent_call_ended(cfg, sip, tx, calls, call, &active, &reason);
                let peer_handled = callback::ended(cfg, calls, call, &active, &reason);
                if !active.outbound {
                    queue::caller_ended(cfg, calls, call, &active);
                }
                // The other side of a bridge goes too: hung up if answered, refused if not.
                let peer = active.peer.filter(|_| !acd_offer && !peer_handled);
                if let Some(peer) = peer.filter(|p| calls.contains_key(p)) {
                    // Our own call to the agent is hung up (CANCEL while it rings); the
                    // caller is hung up once answered, refused with the agent's reason before.
                    let hang_up = calls
                        .get(&peer)
                        .is_some_and(|p| p.outbound || p.pending.is_none());
                    debug!(%call, %peer, hang_up, "ending the other side of the bridge");
                    let cmd = match reason {
                        _ if hang_up => Command::Hangup(peer),
                        hotline_sip::EndReason::Failed(code) if (400..700).contains(&code) => {
                            Command::Reject { call: peer, code }
                        }
                        _ => Command::Reject {
                            call: peer,
                            code: 480,
                        },
                    };
                    sip.send(cmd);
                }
                if let (Some(rt), Some(session)) = (&cfg.ivr, active.ivr.as_mut()) {
                    if ivr::hung_up(rt, session, cfg.log(), call) {
                        if let Some(outcome) = session.record_outcome() {
                            active.timeline.set_ivr_outcome(outcome);
                        }
                    }
                }
                if let Some(t) = active.timer {
                    t.abort();
                }
                if let Some(leg) = active.leg {
                    leg.send(LegCommand::Close);
                }
                if let Some(log) = cfg.log().filter(|_| !active.outbound) {
                    let path = active
                        .recording
                        .as_ref()
                        .map(|r| r.path().display().to_string());
                    if let Some(session) = &active.ivr {
                        active.timeline.add_path(session.steps());
                    }
                    let record = active.timeline.record(now(), end_reason(&reason));
                    log.finished(call, record, path);
                }
                if let Some(rec) = active.recording {
                    finish_recording(call, rec);
                }
            } else if let Some(log) = cfg.log() {
                // Refused before it was kept (no port, bad offer): its record ends too.
                log.refused(call, end_reason(&reason));
            }
            debug!(%call, reason = reason.label(), "call freed");
        }
        SipEvent::Confirmed { call } => debug!(%call, "call up"),
        SipEvent::Registration { user, contacts } => {
            info!(user = %hotline_sip::mask(&user), contacts, "registration");
            queue::registration(cfg, &user, contacts);
        }
        SipEvent::Progress { call, code } => {
            let caller = calls.get(&call).and_then(|c| c.peer);
            if let (Some(caller), 180..=183) = (caller, code) {
                sip.send(Command::Ringing(caller));
            }
        }
        SipEvent::Answered { call, answer } => {
            let answer = answer.as_deref();
            if !queue::agent_answered(cfg, sip, tx, calls, call, answer)
                && !callback::answered(cfg, sip, tx, ports, calls, call, answer)
            {
                extension::agent_answered(cfg, sip, tx, calls, call, answer);
            }
        }
    }
}

/// Negotiates, reserves and binds an RTP port, and starts ringing/answering, or rings the
/// agent whose extension was dialled. Empty when the call was refused (and answered so).
async fn incoming(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    ports: &PortAllocator,
    inc: &IncomingCall,
) -> Vec<(CallRef, ActiveCall)> {
    let Some(mut caller) = answerable(cfg, sip, ports, inc) else {
        return Vec::new();
    };
    let is_extension = inc.callee != inc.caller && !sip.locate(&inc.callee).await.is_empty();
    if is_extension {
        return match extension::ring_agent(cfg, sip, ports, inc, &mut caller) {
            Some((agent, agent_call)) => vec![(inc.call, caller), (agent, agent_call)],
            None => Vec::new(),
        };
    }
    caller.timer = Some(ring_then_answer(cfg.ring, sip, tx, inc.call));
    vec![(inc.call, caller)]
}

/// The caller's side: an RTP port and the answer to its offer, not yet sent.
fn answerable(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    ports: &PortAllocator,
    inc: &IncomingCall,
) -> Option<ActiveCall> {
    let Some((lease, socket)) = bind_port(ports, cfg.media_bind) else {
        warn!("no RTP port free; refusing call");
        sip.send(Command::Reject {
            call: inc.call,
            code: 503,
        });
        return None;
    };
    let media = LocalMedia {
        addr: cfg.media_address,
        port: lease.port(),
        session_id: inc.call.0,
        session_version: 1,
        ..LocalMedia::default()
    };
    let (sdp, leg_media) = match inc.offer.as_deref() {
        // A late offer: we offer, the answer comes in the ACK; until then send nowhere and
        // let the caller's first RTP packet show where it is.
        None => (
            sdp::offer(&media, Direction::SendRecv).into_bytes(),
            LegMedia {
                codec: Codec::Pcmu,
                audio_pt: 0,
                dtmf_pt: Some(media.dtmf_payload_type),
                remote: None,
                send: true,
                receive: true,
            },
        ),
        Some(offer) => match negotiate(Some(offer), &media) {
            Ok(a) => (a.sdp.clone().into_bytes(), leg_media(&a)),
            Err(e) => {
                info!(error = %e, "offer refused");
                sip.send(Command::Reject {
                    call: inc.call,
                    code: 488,
                });
                return None;
            }
        },
    };
    Some(ActiveCall {
        timeline: hotline_call::Timeline::new(now()),
        attempt: None,
        arrived: std::time::Instant::now(),
        _port: lease,
        media,
        pending: Some(PendingLeg {
            socket,
            agreed: Some((leg_media, sdp)),
            signalling: Some(inc.remote.ip()),
        }),
        leg: None,
        recording: None,
        timer: None,
        peer: None,
        outbound: false,
        caller: inc.caller.clone(),
        dialled: inc.callee.clone(),
        ivr: None,
        offer: None,
        announcing: false,
        connected: None,
        callback: None,
        leaving: false,
        onward: None,
    })
}

fn on_internal(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    calls: &mut HashMap<CallRef, ActiveCall>,
    msg: Internal,
) {
    match msg {
        Internal::Answer(call) => {
            let Some(active) = calls.get_mut(&call) else {
                return;
            };
            let Some(PendingLeg {
                socket,
                agreed: Some((media, sdp)),
                signalling,
            }) = active.pending.take()
            else {
                return;
            };
            sip.send(Command::Answer { call, answer: sdp });
            let flow = cfg
                .ivr
                .as_ref()
                .map(|rt| rt.entry.clone())
                .unwrap_or_default();
            active
                .timeline
                .enter(now(), hotline_call::Phase::Ivr { flow });
            if let Some(m) = &cfg.metrics {
                m.call_setup(active.arrived.elapsed().as_secs_f64());
            }
            if let Some(log) = cfg.log() {
                log.answered(call, false);
            }
            let (handle, leg_events) = leg::spawn(
                socket,
                LegConfig {
                    media,
                    media_timeout: cfg.media_timeout.unwrap_or(NO_TIMEOUT),
                    seed: call.0,
                    latch: cfg.rtp_latch,
                    signalling,
                },
            );
            if let Some(dir) = &cfg.recordings {
                // Mono: the caller and what we play.
                let to = [(&handle, Side::Caller, Some(Side::Agent))];
                active.recording = start_recording(dir, call, Channels::Mono, &to);
                if let (Some(log), Some(rec)) = (cfg.log(), &active.recording) {
                    log.recording(call, rec.path());
                }
            }
            forward_leg_events(tx, call, leg_events);
            if let Some(rt) = &cfg.ivr {
                let ctx = ivr::Ctx {
                    call,
                    leg: &handle,
                    sip,
                    tx,
                    log: cfg.log(),
                };
                active.ivr = ivr::start(rt, &ctx, &active.caller, &active.dialled);
                if active.ivr.is_none() {
                    sip.send(Command::Hangup(call));
                }
                active.leg = Some(handle);
                ivr_phase(active);
                return;
            }
            handle.send(LegCommand::MusicOnHold(Some(cfg.prompts.moh.clone())));
            handle.send(LegCommand::Play {
                prompts: vec![cfg.prompts.welcome.clone()],
                interruptible: true,
            });
            active.leg = Some(handle);
            if let Some(after) = cfg.answer_hangup {
                let tx = tx.clone();
                active.timer = Some(tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(Internal::Hangup(call));
                }));
            }
        }
        Internal::Hangup(call) => {
            debug!(%call, "answer time over; hanging up");
            sip.send(Command::Hangup(call));
        }
        Internal::Leg(call, ev) => on_leg_event(cfg, sip, tx, calls, call, ev),
        Internal::Farewell(call, names) => queue::farewell(cfg, sip, calls, call, &names),
        Internal::Ivr(call, ev) => {
            let (Some(rt), Some(active)) = (&cfg.ivr, calls.get_mut(&call)) else {
                return;
            };
            let (Some(leg), Some(session)) = (active.leg.as_ref(), active.ivr.as_mut()) else {
                return;
            };
            let ctx = ivr::Ctx {
                call,
                leg,
                sip,
                tx,
                log: cfg.log(),
            };
            ivr::event(rt, session, ev, &ctx);
            ivr_phase(active);
        }
    }
}

/// After the IVR session moved: a flow's transfer puts the call in its queue's phase; an
/// entry session that ended tells the record how (self-served, unserved, abandoned).
fn ivr_phase(active: &mut ActiveCall) {
    if let Some(outcome) = active.ivr.as_ref().and_then(ivr::IvrCall::record_outcome) {
        active.timeline.set_ivr_outcome(outcome);
    }
    let queue = active
        .ivr
        .as_ref()
        .filter(|_| {
            matches!(
                active.timeline.phase(),
                hotline_call::Phase::Ivr { .. } | hotline_call::Phase::AfterAgent { .. }
            )
        })
        .and_then(ivr::IvrCall::queue);
    if let Some(queue) = queue {
        active
            .timeline
            .enter(now(), hotline_call::Phase::Queued { queue });
    }
}

/// The time on both clocks, for the call core's timelines.
fn now() -> hotline_call::Now {
    hotline_call::Now::system()
}

/// The SIP core's end reason in the call core's terms (classified there, once).
fn end_reason(r: &hotline_sip::EndReason) -> hotline_call::EndReason {
    use hotline_call::EndReason as E;
    match *r {
        hotline_sip::EndReason::RemoteHangup => E::RemoteHangup,
        hotline_sip::EndReason::LocalHangup => E::LocalHangup,
        hotline_sip::EndReason::Cancelled => E::Cancelled,
        hotline_sip::EndReason::AckTimeout => E::AckTimeout,
        hotline_sip::EndReason::Rejected(c) => E::Rejected(c),
        hotline_sip::EndReason::Failed(c) => E::Failed(c),
        hotline_sip::EndReason::MaxDuration => E::MaxDuration,
        hotline_sip::EndReason::TransportFailure => E::TransportFailure,
    }
}

fn on_leg_event(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    calls: &mut HashMap<CallRef, ActiveCall>,
    call: CallRef,
    ev: LegEvent,
) {
    // A caller hearing the agent's staff number: the bridge follows; a caller leaving the
    // queue heard its last message.
    if let LegEvent::PlaybackDone { interrupted } = ev {
        if queue::caller_playback_done(sip, calls, call, interrupted) {
            return;
        }
    }
    // Keys pressed while waiting in a queue: 1 = call me back.
    if let LegEvent::Digit { digit, .. } = ev {
        if queue::queued_digit(cfg, calls, call, digit) {
            return;
        }
    }
    // A call in a flow: its session takes keys and playback ends.
    if let (Some(rt), Some(active)) = (&cfg.ivr, calls.get_mut(&call)) {
        if let (Some(leg), Some(session)) = (active.leg.as_ref(), active.ivr.as_mut()) {
            let ctx = ivr::Ctx {
                call,
                leg,
                sip,
                tx,
                log: cfg.log(),
            };
            match ev {
                LegEvent::Digit { digit, .. } => {
                    ivr::digit(rt, session, digit, &ctx);
                    return ivr_phase(active);
                }
                LegEvent::PlaybackDone { interrupted } => {
                    ivr::playback_done(rt, session, interrupted, &ctx);
                    return ivr_phase(active);
                }
                _ => {}
            }
        }
    }
    match ev {
        LegEvent::Digit { digit, duration_ms } => {
            debug!(%call, %digit, duration_ms, "digit");
            // Read back in the answer flow; in a bridge the digit went to the other side.
            let leg = calls
                .get(&call)
                .filter(|c| c.peer.is_none())
                .and_then(|c| c.leg.as_ref());
            if let (Some(leg), Some(prompt)) = (leg, cfg.prompts.digit(digit)) {
                leg.send(LegCommand::Play {
                    prompts: vec![prompt],
                    interruptible: true,
                });
            }
        }
        LegEvent::MediaTimeout => {
            info!(%call, "no RTP from the caller: releasing the call");
            if let Some(m) = &cfg.metrics {
                m.media_timeout();
            }
            sip.send(Command::Hangup(call));
        }
        LegEvent::Closed(report) => {
            debug!(
                %call,
                received = report.counters.received,
                dropped = report.counters.dropped(),
                lost = report.lost,
                jitter_ms = report.jitter_ms,
                "media leg closed"
            );
            if let Some(m) = &cfg.metrics {
                m.leg_closed(&hotline_metrics::LegFigures {
                    received: report.counters.received,
                    sent: report.counters.sent,
                    lost: report.lost,
                    dropped: report.counters.dropped(),
                    dropped_wrong_source: report.counters.dropped_wrong_source,
                    jitter_secs: report.jitter_ms / 1000.0,
                });
            }
        }
        LegEvent::DigitStarted(_) | LegEvent::PlaybackDone { .. } => {}
    }
}

/// Records call `call` under `dir`: each leg gives what it receives (and, if asked, what it
/// sends) as the given side. A recording that cannot be created is logged and the call goes
/// on without it.
fn start_recording(
    dir: &std::path::Path,
    call: CallRef,
    channels: Channels,
    legs: &[(&LegHandle, Side, Option<Side>)],
) -> Option<Recording> {
    let path = dir.join(format!("{}-{call}.wav", unix_now()));
    match Recording::create(&path, channels) {
        Ok(rec) => {
            for (leg, received, sent) in legs {
                leg.send(LegCommand::Record(Some(RecordTo {
                    sink: rec.sink(),
                    received: *received,
                    sent: *sent,
                })));
            }
            Some(rec)
        }
        Err(e) => {
            warn!(%call, path = %path.display(), error = %e, "cannot record the call");
            None
        }
    }
}

/// Closing waits for the recording's writer to write what is queued: off the async threads.
fn finish_recording(call: CallRef, rec: Recording) {
    tokio::task::spawn_blocking(move || match rec.close() {
        Ok(s) => {
            debug!(%call, path = %s.path.display(), secs = s.duration.as_secs(), dropped = s.dropped_chunks, "recording closed")
        }
        Err(e) => warn!(%call, error = %e, "recording could not be finished"),
    });
}

fn negotiate(offer: Option<&[u8]>, media: &LocalMedia) -> Result<Answer, sdp::SdpError> {
    let Some(offer) = offer else {
        // A re-INVITE without SDP asks us to offer; answering our own offer keeps the agreement.
        let ours = sdp::offer(media, Direction::SendRecv);
        return sdp::answer(&SessionDescription::parse(&ours)?, media);
    };
    let offer = SessionDescription::parse(&String::from_utf8_lossy(offer))?;
    sdp::answer(&offer, media)
}

fn leg_media(a: &Answer) -> LegMedia {
    LegMedia {
        codec: a.codec,
        audio_pt: a.payload_type,
        dtmf_pt: a.dtmf_payload_type,
        remote: a.remote_rtp,
        send: a.direction.sends(),
        receive: a.direction.receives(),
    }
}

/// A leased port with its socket bound; a port some other program holds is skipped, and every
/// free port of the pool is tried before giving up. Binding a given address does not block, so
/// the controller loop (which cannot wait) can call it.
fn bind_port(ports: &PortAllocator, bind: IpAddr) -> Option<(PortLease, UdpSocket)> {
    let bound = ports.allocate_bound(
        ports.capacity(),
        |port| {
            std::net::UdpSocket::bind(SocketAddr::new(bind, port))
                .and_then(|s| s.set_nonblocking(true).map(|()| s))
                .and_then(UdpSocket::from_std)
        },
        |port, e| debug!(port, error = %e, "RTP port busy; trying another"),
    );
    if bound.is_none() && ports.available() > 0 {
        warn!(
            free = ports.available(),
            "no free RTP port could be bound (held by other programs?)"
        );
    }
    bound
}

/// Rings for `ring`, then asks the controller to answer.
fn ring_then_answer(
    ring: Duration,
    sip: &SipHandle,
    tx: &mpsc::UnboundedSender<Internal>,
    call: CallRef,
) -> JoinHandle<()> {
    let (sip, tx) = (sip.clone(), tx.clone());
    tokio::spawn(async move {
        if !ring.is_zero() {
            sip.send(Command::Ringing(call));
            tokio::time::sleep(ring).await;
        }
        let _ = tx.send(Internal::Answer(call));
    })
}

/// Seconds since the epoch, for recording names.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Passes a leg's events to the controller loop, tagged with its call.
fn forward_leg_events(
    tx: &mpsc::UnboundedSender<Internal>,
    call: CallRef,
    mut events: mpsc::UnboundedReceiver<LegEvent>,
) {
    let forward = tx.clone();
    tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            if forward.send(Internal::Leg(call, ev)).is_err() {
                break;
            }
        }
    });
}
