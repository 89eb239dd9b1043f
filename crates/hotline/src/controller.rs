//! The call controller: it takes the SIP core's events and decides what each call does. For
//! now an inbound call is answered (SDP negotiated, an RTP port reserved), hears nothing, and
//! is hung up after `calls.answer_hangup_secs`; the media, IVR and ACD issues extend this.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use hotline_media::ports::{PortAllocator, PortLease};
use hotline_media::sdp::{self, LocalMedia, SessionDescription};
use hotline_sip::{CallRef, Command, SipEvent, SipHandle};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, info, info_span, warn, Instrument};

/// What the controller needs to know.
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    pub media_address: IpAddr,
    pub ring: Duration,
    /// Hang up answered calls after this; None = never.
    pub answer_hangup: Option<Duration>,
}

struct ActiveCall {
    _port: PortLease,
    media: LocalMedia,
    timer: Option<JoinHandle<()>>,
}

/// Runs until the SIP event stream ends.
pub async fn run(
    cfg: ControllerConfig,
    sip: SipHandle,
    mut events: mpsc::UnboundedReceiver<SipEvent>,
    ports: Arc<PortAllocator>,
) {
    let mut calls: HashMap<CallRef, ActiveCall> = HashMap::new();
    while let Some(ev) = events.recv().await {
        match ev {
            SipEvent::Incoming(inc) => {
                let span = info_span!("call", id = %inc.call);
                let _g = span.enter();
                let Some(lease) = ports.allocate() else {
                    warn!("no RTP port free; refusing call");
                    sip.send(Command::Reject {
                        call: inc.call,
                        code: 503,
                    });
                    continue;
                };
                let media = LocalMedia {
                    addr: cfg.media_address,
                    port: lease.port(),
                    session_id: inc.call.0,
                    session_version: 1,
                    ..LocalMedia::default()
                };
                let answer = match inc.offer.as_deref().map(parse_sdp) {
                    None => Ok(sdp::offer(&media, sdp::Direction::SendRecv).into_bytes()),
                    Some(Ok(offer)) => sdp::answer(&offer, &media).map(|a| a.sdp.into_bytes()),
                    Some(Err(e)) => Err(e),
                };
                let answer = match answer {
                    Ok(a) => a,
                    Err(e) => {
                        info!(error = %e, "offer refused");
                        sip.send(Command::Reject {
                            call: inc.call,
                            code: 488,
                        });
                        continue;
                    }
                };
                let timer = schedule(&cfg, &sip, inc.call, answer);
                calls.insert(
                    inc.call,
                    ActiveCall {
                        _port: lease,
                        media,
                        timer: Some(timer),
                    },
                );
            }
            SipEvent::Reoffer { call, offer } => {
                let Some(active) = calls.get_mut(&call) else {
                    sip.send(Command::AnswerReoffer {
                        call,
                        answer: Err(481),
                    });
                    continue;
                };
                active.media.session_version += 1;
                let answer = match offer.as_deref().map(parse_sdp) {
                    None => Ok(sdp::offer(&active.media, sdp::Direction::SendRecv).into_bytes()),
                    Some(Ok(o)) => sdp::answer(&o, &active.media).map(|a| a.sdp.into_bytes()),
                    Some(Err(e)) => Err(e),
                };
                sip.send(Command::AnswerReoffer {
                    call,
                    answer: answer.map_err(|_| 488),
                });
            }
            SipEvent::Ended { call, reason } => {
                if let Some(active) = calls.remove(&call) {
                    if let Some(t) = active.timer {
                        t.abort();
                    }
                }
                debug!(%call, reason = reason.label(), "call freed");
            }
            SipEvent::Confirmed { call } => debug!(%call, "call up"),
            SipEvent::Registration { user, contacts } => {
                info!(user = %hotline_sip::mask(&user), contacts, "registration")
            }
            SipEvent::Progress { .. } | SipEvent::Answered { .. } => {}
        }
    }
}

fn parse_sdp(bytes: &[u8]) -> Result<SessionDescription, sdp::SdpError> {
    let text = String::from_utf8_lossy(bytes);
    SessionDescription::parse(&text)
}

/// Rings, answers, and later hangs up one call.
fn schedule(
    cfg: &ControllerConfig,
    sip: &SipHandle,
    call: CallRef,
    answer: Vec<u8>,
) -> JoinHandle<()> {
    let (sip, ring, hangup) = (sip.clone(), cfg.ring, cfg.answer_hangup);
    let span = info_span!("call", id = %call);
    tokio::spawn(
        async move {
            if !ring.is_zero() {
                sip.send(Command::Ringing(call));
                tokio::time::sleep(ring).await;
            }
            sip.send(Command::Answer { call, answer });
            if let Some(after) = hangup {
                tokio::time::sleep(after).await;
                debug!("answer time over; hanging up");
                sip.send(Command::Hangup(call));
            }
        }
        .instrument(span),
    )
}
