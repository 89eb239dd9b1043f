//! The shell's hands: it turns the SIP core's events into the call core's inputs (negotiating
//! SDP and binding RTP ports on the way, since those are the media's business) and carries out
//! the core's outputs: SIP commands (with the SDP agreed or offered), media legs on the bound
//! ports, bridges, recordings, the router, the call log, screen pops and `/metrics`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use hotline_call::control::{
    self as core, Channels, Input, LegOrder, LiveOut, LogEvent, Metric, Music, Output, RecSide,
    RecordingOf, SipOrder, Sound,
};
use hotline_core::CallId;
use hotline_media::leg::{self, LegCommand, LegConfig, LegEvent, LegHandle, LegMedia, RecordTo};
use hotline_media::ports::{PortAllocator, PortLease};
use hotline_media::recording::{self, Recording};
use hotline_media::sdp::{self, Answer, Direction, LocalMedia, SessionDescription};
use hotline_media::Codec;
use hotline_sip::{CallRef, Command, Dial, SipEvent, SipHandle};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::env::{bind_port, Bound};
use super::{ControllerConfig, Internal};

/// A media timeout that never strikes.
const NO_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(365 * 86400);

/// One call's media, as the shell keeps it.
struct MediaCall {
    _lease: PortLease,
    local: LocalMedia,
    /// The bound socket, until the leg starts.
    socket: Option<UdpSocket>,
    /// A call we answer: the media agreed and the SDP answer to send.
    agreed: Option<(LegMedia, Vec<u8>)>,
    /// A call we placed: the media its SDP answer agreed.
    answered: Option<LegMedia>,
    /// Where the call's signalling came from (strict RTP latching), when known.
    signalling: Option<IpAddr>,
    leg: Option<LegHandle>,
    recording: Option<Recording>,
    /// An inbound call's SIP Call-ID (a REFER's `Replaces` names a dialog by it).
    sip_call_id: Option<String>,
}

pub(super) struct Shell {
    cfg: ControllerConfig,
    sip: SipHandle,
    ports: Arc<PortAllocator>,
    bound: Bound,
    tx: mpsc::UnboundedSender<Internal>,
    calls: HashMap<CallId, MediaCall>,
    rooms: super::rooms::Rooms,
    /// The core's time of the input whose outputs are being carried out: the router gets its
    /// inputs at that time, not when its task reads them (a caller's wait on `/metrics`
    /// equals the record's).
    pub(super) core_now: std::time::Instant,
}

impl Shell {
    pub fn new(
        cfg: ControllerConfig,
        sip: SipHandle,
        ports: Arc<PortAllocator>,
        bound: Bound,
        tx: mpsc::UnboundedSender<Internal>,
    ) -> Shell {
        Shell {
            cfg,
            sip,
            ports,
            bound,
            tx,
            calls: HashMap::new(),
            rooms: super::rooms::Rooms::default(),
            core_now: std::time::Instant::now(),
        }
    }

    /// A SIP event as the core's input (None when the shell answered it alone).
    pub async fn sip_event(&mut self, ev: SipEvent) -> Option<Input> {
        match ev {
            SipEvent::Incoming(inc) => {
                let admitted = self.admit(&inc);
                let extension = admitted.is_ok()
                    && inc.callee != inc.caller
                    && !self.sip.locate(&inc.callee).await.is_empty();
                Some(Input::Incoming(core::Incoming {
                    call: inc.call,
                    caller: inc.caller,
                    caller_display: inc.caller_display,
                    callee: inc.callee,
                    extension,
                    admitted,
                }))
            }
            SipEvent::Reoffer { call, offer } => {
                let Some(m) = self.calls.get_mut(&call) else {
                    self.sip.send(Command::AnswerReoffer {
                        call,
                        answer: Err(481),
                    });
                    return None;
                };
                m.local.session_version += 1;
                let answer = negotiate(offer.as_deref(), &m.local);
                if let (Ok(a), Some(leg)) = (&answer, &m.leg) {
                    leg.send(LegCommand::Renegotiate(leg_media(a)));
                }
                let hold = answer.as_ref().ok().map(|a| !a.direction.sends());
                self.sip.send(Command::AnswerReoffer {
                    call,
                    answer: answer.map(|a| a.sdp.into_bytes()).map_err(|_| 488),
                });
                // We may not send to this side: it put the call on hold.
                hold.map(|on_hold| Input::HoldChanged { call, on_hold })
            }
            SipEvent::Ended { call, reason } => Some(Input::Ended { call, reason }),
            SipEvent::Confirmed { call } => Some(Input::Confirmed(call)),
            SipEvent::Registration { user, contacts } => {
                info!(user = %hotline_sip::mask(&user), contacts, "registration");
                Some(Input::Registration { user, contacts })
            }
            SipEvent::Progress { call, code } => Some(Input::Progress { call, code }),
            SipEvent::Refer { call, refer_to } => {
                info!(%call, to = %hotline_sip::mask(&refer_to.user), attended = refer_to.replaces.is_some(), "REFER");
                // The dialog `Replaces` names, among the inbound calls kept (the phone's own
                // call to the transfer target).
                let replaces = refer_to.replaces.map(|r| {
                    self.calls
                        .iter()
                        .find(|(_, m)| m.sip_call_id.as_deref() == Some(r.call_id.as_str()))
                        .map_or(core::ReferReplaces::Unknown, |(id, _)| {
                            core::ReferReplaces::Call(*id)
                        })
                });
                Some(Input::Refer {
                    call,
                    user: refer_to.user,
                    replaces,
                })
            }
            SipEvent::Answered { call, answer } => {
                let usable = match self.calls.get_mut(&call) {
                    Some(m) => {
                        m.answered = answer_media(&m.local, answer.as_deref());
                        m.answered.is_some()
                    }
                    None => false,
                };
                Some(Input::Answered { call, usable })
            }
        }
    }

    /// Binds a port and agrees the caller's offer: the call's media kept, or why it is refused.
    fn admit(&mut self, inc: &hotline_sip::IncomingCall) -> Result<(), u16> {
        let Some((lease, socket)) = bind_port(&self.ports, self.cfg.media_bind) else {
            warn!(call = %inc.call, "no RTP port free; refusing call");
            return Err(503);
        };
        let local = LocalMedia {
            addr: self.cfg.media_address,
            port: lease.port(),
            session_id: inc.call.0,
            session_version: 1,
            ..LocalMedia::default()
        };
        let agreed = match inc.offer.as_deref() {
            // A late offer: we offer, the answer comes in the ACK; until then send nowhere and
            // let the caller's first RTP packet show where it is.
            None => (
                LegMedia {
                    codec: Codec::Pcmu,
                    audio_pt: 0,
                    dtmf_pt: Some(local.dtmf_payload_type),
                    remote: None,
                    send: true,
                    receive: true,
                },
                sdp::offer(&local, Direction::SendRecv).into_bytes(),
            ),
            Some(offer) => match negotiate(Some(offer), &local) {
                Ok(a) => (leg_media(&a), a.sdp.into_bytes()),
                Err(e) => {
                    info!(call = %inc.call, error = %e, "offer refused");
                    return Err(488);
                }
            },
        };
        self.calls.insert(
            inc.call,
            MediaCall {
                _lease: lease,
                local,
                socket: Some(socket),
                agreed: Some(agreed),
                answered: None,
                signalling: Some(inc.remote.ip()),
                leg: None,
                recording: None,
                sip_call_id: Some(inc.sip_call_id.clone()),
            },
        );
        Ok(())
    }

    /// A leg's event as the core's input (figures of a closed leg go to `/metrics` here).
    pub fn leg_event(&mut self, call: CallRef, ev: LegEvent) -> Option<Input> {
        let event = match ev {
            LegEvent::Digit { digit, duration_ms } => {
                debug!(%call, %digit, duration_ms, "digit");
                core::LegEvent::Digit(digit)
            }
            LegEvent::PlaybackDone { interrupted } => core::LegEvent::PlaybackDone { interrupted },
            LegEvent::MediaTimeout => core::LegEvent::MediaTimeout,
            LegEvent::DigitStarted(_) => return None,
            LegEvent::Closed(report) => {
                debug!(
                    %call,
                    received = report.counters.received,
                    dropped = report.counters.dropped(),
                    lost = report.lost,
                    jitter_ms = report.jitter_ms,
                    "media leg closed"
                );
                if let Some(m) = &self.cfg.metrics {
                    m.leg_closed(&hotline_metrics::LegFigures {
                        received: report.counters.received,
                        sent: report.counters.sent,
                        lost: report.lost,
                        dropped: report.counters.dropped(),
                        dropped_wrong_source: report.counters.dropped_wrong_source,
                        jitter_secs: report.jitter_ms / 1000.0,
                    });
                }
                return None;
            }
        };
        Some(Input::Leg { call, event })
    }

    /// Carries out one output of the core.
    pub fn carry_out(&mut self, out: Output) {
        match out {
            Output::Sip(order) => self.sip_order(order),
            Output::StartLeg(call) => self.start_leg(call),
            Output::Leg { call, order } => self.leg_order(call, order),
            Output::Bridge(a, b) => {
                if let (Some(la), Some(lb)) = (self.leg(a), self.leg(b)) {
                    leg::bridge(la, lb);
                }
            }
            Output::Unbridge(a, b) => {
                if let (Some(la), Some(lb)) = (self.leg(a), self.leg(b)) {
                    leg::unbridge(la, lb);
                }
            }
            Output::Mix {
                room,
                party,
                audience,
            } => {
                if let Some(l) = self.calls.get(&party).and_then(|m| m.leg.as_ref()) {
                    self.rooms.mix(room, party, l, audience);
                }
            }
            Output::Unmix { room, party } => {
                let l = self.calls.get(&party).and_then(|m| m.leg.as_ref());
                self.rooms.unmix(room, party, l);
            }
            Output::Record {
                call,
                channels,
                legs,
                of,
            } => self.record(call, channels, &legs, of),
            Output::Release(call) => self.release(call),
            Output::Acd(input) => {
                if let Some(acd) = &self.cfg.acd {
                    acd.send_at(input, self.core_now);
                }
            }
            Output::Registration { user, contacts } => {
                if let Some(acd) = &self.cfg.acd {
                    acd.registration(&user, contacts);
                }
            }
            Output::Log(e) => self.log(e),
            Output::Live(l) => self.live(l),
            Output::Lookup { call, id, request } => {
                super::tasks::lookup(&self.cfg, &self.tx, call, id, request)
            }
            Output::OpenTicket { call, id, request } => {
                super::tasks::open_ticket(&self.cfg, &self.tx, call, id, request)
            }
            Output::QueueTicket { call, request } => {
                super::tasks::queue_ticket(&self.cfg, &self.tx, call, request)
            }
            Output::DeskReply { .. } => {}
            // Answered by the controller loop (to whoever asked).
            Output::NotifyResult { .. }
            | Output::CampaignResult { .. }
            | Output::CampaignAnswered { .. } => {}
            Output::Metric(m) => self.metric(m),
        }
    }

    fn leg(&self, call: CallId) -> Option<&LegHandle> {
        self.calls.get(&call)?.leg.as_ref()
    }

    fn sip_order(&mut self, order: SipOrder) {
        let cmd = match order {
            SipOrder::Ringing(call) => Command::Ringing(call),
            SipOrder::Reject { call, code } => Command::Reject { call, code },
            SipOrder::Hangup(call) => Command::Hangup(call),
            SipOrder::NotifyRefer { call, status } => Command::NotifyRefer { call, status },
            SipOrder::Answer(call) => {
                let Some(answer) = self
                    .calls
                    .get(&call)
                    .and_then(|m| m.agreed.as_ref())
                    .map(|(_, sdp)| sdp.clone())
                else {
                    warn!(%call, "no SDP agreed for the answer; hanging up");
                    return self.sip.send(Command::Hangup(call));
                };
                Command::Answer { call, answer }
            }
            SipOrder::Dial(d) => {
                let Some((lease, socket)) = self.bound.take(d.call) else {
                    warn!(call = %d.call, "no port bound for the dial");
                    return;
                };
                let local = LocalMedia {
                    addr: self.cfg.media_address,
                    port: lease.port(),
                    session_id: d.call.0,
                    session_version: 1,
                    ..LocalMedia::default()
                };
                let offer = sdp::offer(&local, Direction::SendRecv).into_bytes();
                self.calls.insert(
                    d.call,
                    MediaCall {
                        _lease: lease,
                        local,
                        socket: Some(socket),
                        agreed: None,
                        answered: None,
                        // Where the phone's answer comes from is not kept: the leg treats it
                        // as NATed.
                        signalling: None,
                        leg: None,
                        recording: None,
                        sip_call_id: None,
                    },
                );
                Command::Dial(Dial {
                    call: d.call,
                    user: d.user,
                    gateway: d.gateway,
                    from_user: d.from_user,
                    from_display: d.from_display,
                    offer,
                    headers: d.headers,
                    ring_timeout: d.ring_timeout,
                })
            }
        };
        self.sip.send(cmd);
    }

    fn start_leg(&mut self, call: CallId) {
        let media_timeout = self.cfg.media_timeout.unwrap_or(NO_TIMEOUT);
        let latch = self.cfg.rtp_latch;
        let Some(m) = self.calls.get_mut(&call) else {
            return warn!(%call, "no media kept for the leg");
        };
        let media = m
            .answered
            .clone()
            .or_else(|| m.agreed.as_ref().map(|(l, _)| l.clone()));
        let (Some(socket), Some(media)) = (m.socket.take(), media) else {
            return warn!(%call, "the leg cannot start (no socket or no media)");
        };
        let (handle, events) = leg::spawn(
            socket,
            LegConfig {
                media,
                media_timeout,
                seed: call.0,
                latch,
                signalling: m.signalling,
            },
        );
        m.leg = Some(handle);
        let forward = self.tx.clone();
        let mut events = events;
        tokio::spawn(async move {
            while let Some(ev) = events.recv().await {
                if forward.send(Internal::Leg(call, ev)).is_err() {
                    break;
                }
            }
        });
    }

    fn leg_order(&mut self, call: CallId, order: LegOrder) {
        let Some(leg) = self.leg(call) else {
            return debug!(%call, ?order, "no leg for the order");
        };
        let cmd = match order {
            LegOrder::Play {
                sounds,
                interruptible,
            } => {
                let prompts = sounds.iter().filter_map(|s| self.sound(s)).collect();
                LegCommand::Play {
                    prompts,
                    interruptible,
                }
            }
            LegOrder::StopPlayback => LegCommand::StopPlayback,
            LegOrder::Music(music) => LegCommand::MusicOnHold(music.and_then(|m| self.music(m))),
            LegOrder::Unbridge => LegCommand::Unbridge,
            LegOrder::StopRecording => LegCommand::Record(None),
        };
        leg.send(cmd);
    }

    fn sound(&self, s: &Sound) -> Option<Arc<hotline_media::prompt::Prompt>> {
        match s {
            Sound::Library { folder, name } => self.cfg.ivr.as_ref()?.prompt(folder, name),
            Sound::Welcome => Some(Arc::clone(&self.cfg.prompts.welcome)),
            Sound::Digit(d) => self.cfg.prompts.digit(*d),
        }
    }

    fn music(&self, m: Music) -> Option<Arc<hotline_media::prompt::Prompt>> {
        match m {
            Music::Answer => Some(Arc::clone(&self.cfg.prompts.moh)),
            Music::Library => self.cfg.ivr.as_ref()?.prompts().get("common", "moh"),
        }
    }

    /// Records `call` from the legs given: each gives what it receives (and, if asked, what it
    /// sends) as the given side. A recording that cannot be created is logged and the call goes
    /// on without it.
    fn record(
        &mut self,
        call: CallId,
        channels: Channels,
        legs: &[(CallId, RecSide, Option<RecSide>)],
        of: RecordingOf,
    ) {
        let Some(dir) = &self.cfg.recordings else {
            return;
        };
        let key = self.cfg.recording_key.as_ref();
        let extension = match key {
            Some(_) => "wav.hlenc",
            None => "wav",
        };
        let path = dir.join(format!("{}-{call}.{extension}", unix_now()));
        let channels = match channels {
            Channels::Mono => recording::Channels::Mono,
            Channels::Stereo => recording::Channels::Stereo,
        };
        let options = recording::RecordingOptions::new(channels);
        let rec = match Recording::create_keyed(&path, options, key) {
            Ok(rec) => rec,
            Err(e) => {
                return warn!(%call, path = %path.display(), error = %e, "cannot record the call")
            }
        };
        for (leg_call, received, sent) in legs {
            if let Some(leg) = self.leg(*leg_call) {
                leg.send(LegCommand::Record(Some(RecordTo {
                    sink: rec.sink(),
                    received: side(*received),
                    sent: sent.map(side),
                })));
            }
        }
        if let Some(log) = self.cfg.log() {
            match of {
                RecordingOf::Call => log.recording(call, rec.path()),
                // Noted with the attempt's record when it ends.
                RecordingOf::Attempt => {}
                RecordingOf::Consultation(of_call) => {
                    log.other_recording(of_call, "consult", rec.path(), crate::storage::now_ms())
                }
            }
        }
        if let Some(m) = self.calls.get_mut(&call) {
            m.recording = Some(rec);
        }
    }

    fn release(&mut self, call: CallId) {
        self.rooms.release(call);
        let Some(m) = self.calls.remove(&call) else {
            return;
        };
        if let Some(leg) = m.leg {
            leg.send(LegCommand::Close);
        }
        if let Some(rec) = m.recording {
            finish_recording(call, rec);
        }
    }

    fn log(&self, e: LogEvent) {
        let Some(log) = self.cfg.log() else { return };
        match e {
            LogEvent::Arrived {
                call,
                caller,
                dialled,
                at,
            } => log.arrived(call, &caller, &dialled, at),
            LogEvent::Answered { call, by_agent, at } => log.answered(call, by_agent, at),
            LogEvent::IvrEnded {
                call,
                path,
                outcome,
                account,
                at,
            } => {
                use super::call_log::IvrOutcome as O;
                let outcome = match outcome {
                    core::IvrEnd::SelfServed => O::SelfServed,
                    core::IvrEnd::Transferred(q) => O::Transferred(q),
                    core::IvrEnd::Abandoned => O::Abandoned,
                    core::IvrEnd::Unserved => O::Unserved,
                };
                log.ivr_ended(call, path, outcome, account, at);
            }
            LogEvent::Connected {
                call,
                agent,
                wait_ms,
                at,
            } => log.connected(call, agent, wait_ms, at),
            LogEvent::Survey { call, score } => log.survey(call, score),
            LogEvent::Finished { call, record } => {
                let path = self
                    .calls
                    .get(&call)
                    .and_then(|m| m.recording.as_ref())
                    .map(|r| r.path().display().to_string());
                log.finished(call, record, path);
            }
            LogEvent::Refused { call, reason, at } => log.refused(call, reason, at),
            LogEvent::WrapUp { call, ms } => log.wrap_up(call, ms),
            LogEvent::Attempt { call, record } => {
                let path = self
                    .calls
                    .get(&call)
                    .and_then(|m| m.recording.as_ref())
                    .map(|r| r.path().display().to_string());
                log.attempt(call, record, path)
            }
        }
    }

    fn live(&self, l: LiveOut) {
        let Some(live) = &self.cfg.live else { return };
        let ev = match l {
            LiveOut::Offer(p) => hotline_web::LiveEvent::Offer(p),
            LiveOut::Notice {
                agent,
                call,
                notice,
            } => hotline_web::LiveEvent::CallNotice {
                agent,
                call: call.0,
                notice,
            },
        };
        let _ = live.send(ev);
    }

    fn metric(&self, m: Metric) {
        match m {
            Metric::CallSetup(secs) => {
                if let Some(metrics) = &self.cfg.metrics {
                    metrics.call_setup(secs);
                }
            }
            Metric::MediaTimeout => {
                if let Some(metrics) = &self.cfg.metrics {
                    metrics.media_timeout();
                }
            }
            Metric::IvrEnded(kind) => {
                if let Some(rt) = &self.cfg.ivr {
                    rt.ended(match kind {
                        core::IvrOutcomeKind::SelfServed => hotline_metrics::IvrOutcome::SelfServed,
                        core::IvrOutcomeKind::Transferred => {
                            hotline_metrics::IvrOutcome::Transferred
                        }
                        core::IvrOutcomeKind::Abandoned => hotline_metrics::IvrOutcome::Abandoned,
                        core::IvrOutcomeKind::Unserved => hotline_metrics::IvrOutcome::Unserved,
                    });
                }
            }
            Metric::Unexpected(what) => {
                debug!(input = what, "input not expected by the call's phase")
            }
            Metric::SurveyOffered => {
                if let Some(metrics) = &self.cfg.metrics {
                    metrics.survey(false);
                }
            }
            Metric::SurveyAnswered => {
                if let Some(metrics) = &self.cfg.metrics {
                    metrics.survey(true);
                }
            }
        }
    }
}

fn side(s: RecSide) -> recording::Side {
    match s {
        RecSide::Caller => recording::Side::Caller,
        RecSide::Agent => recording::Side::Agent,
    }
}

/// Closing waits for the recording's writer to write what is queued: off the async threads.
fn finish_recording(call: CallId, rec: Recording) {
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

/// The media agreed by a placed call's SDP answer.
fn answer_media(local: &LocalMedia, answer: Option<&[u8]>) -> Option<LegMedia> {
    let answer = SessionDescription::parse(&String::from_utf8_lossy(answer?)).ok()?;
    let n = sdp::parse_answer(local, &answer).ok()?;
    Some(LegMedia {
        codec: n.codec,
        audio_pt: n.payload_type,
        dtmf_pt: n.dtmf_payload_type,
        remote: n.remote_rtp,
        send: n.direction.sends(),
        receive: n.direction.receives(),
    })
}

/// Seconds since the epoch, for recording names.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
