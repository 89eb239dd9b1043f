//! RFC 3264 offer/answer for one audio stream, G.711 plus telephone-event.
//!
//! Answering: the first audio m= line (plain RTP/AVP, port not 0) holding a codec we speak is
//! ours; within it, the offerer's first such codec wins (RFC 3264 §6.1: the offerer's order is
//! its preference), under the payload type the offerer used. Every other m= line is answered
//! with port 0, in the offer's order (§6). telephone-event/8000 is answered if offered, under
//! the offered payload type. Our direction mirrors the offer's (§6.1): sendonly → recvonly,
//! recvonly → sendonly, inactive → inactive. The pre-RFC 3264 hold, `c=0.0.0.0` (or `::`),
//! means the offerer will not receive: it is read as the offered direction without "receive"
//! (sendrecv → sendonly, so we answer recvonly), and there is no address to send to.
//!
//! An answer is refused ([`SdpError::TooLarge`]) rather than written over [`MAX_SDP_BYTES`],
//! the bound our parser (and so our own re-reading) holds to.
//!
//! The SDP we write always carries our real address (never 0.0.0.0 for hold: RFC 3264 §8.4),
//! one codec, `a=ptime:20` and an explicit direction attribute, with CRLF line ends.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::{Codec, Direction, MediaDescription, SdpError, SessionDescription, MAX_SDP_BYTES};

/// The telephone-event payload type we use when the configured one is not dynamic.
const DEFAULT_DTMF_PT: u8 = 101;
/// The packet time we send and ask for, in milliseconds.
const PTIME_MS: u32 = 20;

/// Our side of a call's media: where we receive RTP and what we speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// The address written in `c=` and `o=`: one the far end can reach. Never unspecified.
    pub addr: IpAddr,
    /// Our RTP port (in the engine, from `hotline_media::ports::PortLease`).
    pub port: u16,
    /// `o=` session id: fixed for the call.
    pub session_id: u64,
    /// `o=` session version: raise it every time we send a changed SDP.
    pub session_version: u64,
    /// The telephone-event payload type in our offers; must be dynamic (96–127), else 101.
    pub dtmf_payload_type: u8,
    /// The codecs we speak, in the order we offer them. Empty offers the default.
    pub codecs: Vec<Codec>,
}

impl Default for LocalMedia {
    /// Loopback, port 0, session 0 version 0, DTMF on 101, PCMU then PCMA. Callers set at
    /// least `addr`, `port` and the session fields.
    fn default() -> Self {
        LocalMedia {
            addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            session_id: 0,
            session_version: 0,
            dtmf_payload_type: DEFAULT_DTMF_PT,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
        }
    }
}

/// What was agreed for the audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    pub codec: Codec,
    /// The payload type the codec travels under (the offerer's choice).
    pub payload_type: u8,
    /// Where to send RTP; `None` when the far end gave no address (`c=0.0.0.0` hold).
    pub remote_rtp: Option<SocketAddr>,
    /// The telephone-event payload type, if both sides do RFC 4733.
    pub dtmf_payload_type: Option<u8>,
    /// Our direction: do we send, do we receive.
    pub direction: Direction,
    /// The far end's direction, as it declared it (adjusted for a `c=0.0.0.0` hold).
    pub remote_direction: Direction,
}

/// Our answer to an offer: the SDP to send and what it agrees to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub sdp: String,
    pub codec: Codec,
    pub payload_type: u8,
    pub remote_rtp: Option<SocketAddr>,
    pub dtmf_payload_type: Option<u8>,
    pub direction: Direction,
    pub remote_direction: Direction,
}

impl Answer {
    /// The agreement without the SDP text.
    pub fn negotiated(&self) -> Negotiated {
        Negotiated {
            codec: self.codec,
            payload_type: self.payload_type,
            remote_rtp: self.remote_rtp,
            dtmf_payload_type: self.dtmf_payload_type,
            direction: self.direction,
            remote_direction: self.remote_direction,
        }
    }
}

/// Answers an offer, willing to send and receive. See the module doc for the rules.
pub fn answer(offer: &SessionDescription, local: &LocalMedia) -> Result<Answer, SdpError> {
    answer_with(offer, local, Direction::SendRecv)
}

/// Answers an offer, allowing at most `wanted` on our side (for example `SendOnly` while the
/// caller is parked on music, `Inactive` while a bridge is being moved).
pub fn answer_with(
    offer: &SessionDescription,
    local: &LocalMedia,
    wanted: Direction,
) -> Result<Answer, SdpError> {
    let codecs = local_codecs(local);
    let mut saw_audio = false;
    let mut chosen = None;
    for (i, m) in offer.media.iter().enumerate() {
        if m.media.eq_ignore_ascii_case("audio") && m.is_rtp_avp() && m.port != 0 {
            saw_audio = true;
            if let Some((pt, codec)) = first_common(m, &codecs) {
                chosen = Some((i, m, pt, codec));
                break;
            }
        }
    }
    let Some((index, m, payload_type, codec)) = chosen else {
        return Err(if saw_audio {
            SdpError::NoCommonCodec
        } else {
            SdpError::NoAudio
        });
    };
    let (remote_rtp, remote_direction) = remote_side(offer, m)?;
    let direction = remote_direction.reverse().intersect(wanted);
    let dtmf_payload_type = m.telephone_event(codec.clock_rate());

    let mut w = Writer::session(local);
    for (i, other) in offer.media.iter().enumerate() {
        if i == index {
            w.audio(
                local.port,
                &[(payload_type, codec)],
                dtmf_payload_type,
                direction,
            );
        } else {
            // SDP wants at least one format even on a rejected line.
            let formats = if other.formats.is_empty() {
                "0".to_string()
            } else {
                other.formats.join(" ")
            };
            w.line(format_args!(
                "m={} 0 {} {formats}",
                other.media, other.proto
            ));
        }
    }
    // We never write SDP we would not read: echoing a near-limit offer's other streams (CRLF,
    // our longer session lines) can grow it past the bound the far end likely shares.
    if w.0.len() > MAX_SDP_BYTES {
        return Err(SdpError::TooLarge(w.0.len()));
    }
    Ok(Answer {
        sdp: w.0,
        codec,
        payload_type,
        remote_rtp,
        dtmf_payload_type,
        direction,
        remote_direction,
    })
}

/// Our offer for a call we place: every codec of `local` under its static payload type,
/// telephone-event/8000 (events 0–16), ptime 20, and `direction`.
pub fn offer(local: &LocalMedia, direction: Direction) -> String {
    let codecs: Vec<(u8, Codec)> = local_codecs(local)
        .into_iter()
        .map(|c| (c.payload_type(), c))
        .collect();
    let mut w = Writer::session(local);
    w.audio(local.port, &codecs, Some(dtmf_pt(local)), direction);
    w.0
}

/// Reads the far end's answer to our [`offer`] made from `our_offer_local`: the first audio m=
/// line is ours; its first payload type naming a codec we offered is the codec.
pub fn parse_answer(
    our_offer_local: &LocalMedia,
    answer: &SessionDescription,
) -> Result<Negotiated, SdpError> {
    let m = answer
        .media
        .iter()
        .find(|m| m.media.eq_ignore_ascii_case("audio"))
        .ok_or(SdpError::NoAudio)?;
    if m.port == 0 {
        return Err(SdpError::Rejected);
    }
    if !m.is_rtp_avp() {
        return Err(SdpError::NoAudio);
    }
    let (payload_type, codec) =
        first_common(m, &local_codecs(our_offer_local)).ok_or(SdpError::NoCommonCodec)?;
    let (remote_rtp, remote_direction) = remote_side(answer, m)?;
    Ok(Negotiated {
        codec,
        payload_type,
        remote_rtp,
        dtmf_payload_type: m.telephone_event(codec.clock_rate()),
        direction: remote_direction.reverse(),
        remote_direction,
    })
}

/// `local.codecs` without repeats, or the default when empty.
fn local_codecs(local: &LocalMedia) -> Vec<Codec> {
    let mut codecs: Vec<Codec> = Vec::new();
    for &c in &local.codecs {
        if !codecs.contains(&c) {
            codecs.push(c);
        }
    }
    if codecs.is_empty() {
        codecs = LocalMedia::default().codecs;
    }
    codecs
}

fn dtmf_pt(local: &LocalMedia) -> u8 {
    match local.dtmf_payload_type {
        pt @ 96..=127 => pt,
        _ => DEFAULT_DTMF_PT,
    }
}

/// The first payload type of `m`, in its order, that is one of `ours`.
fn first_common(m: &MediaDescription, ours: &[Codec]) -> Option<(u8, Codec)> {
    m.payload_types().find_map(|pt| {
        m.codec_for(pt)
            .filter(|c| ours.contains(c))
            .map(|c| (pt, c))
    })
}

/// Where the far end receives and what it declared; a `c=0.0.0.0` hold takes away "receive".
fn remote_side(
    sdp: &SessionDescription,
    m: &MediaDescription,
) -> Result<(Option<SocketAddr>, Direction), SdpError> {
    let addr = sdp.connection_for(m).ok_or(SdpError::MissingConnection)?;
    let declared = sdp.direction_for(m);
    if addr.is_unspecified() {
        Ok((None, declared.intersect(Direction::SendOnly)))
    } else {
        Ok((Some(SocketAddr::new(addr, m.port)), declared))
    }
}

/// SDP text with CRLF line ends.
struct Writer(String);

impl Writer {
    fn line(&mut self, args: fmt::Arguments<'_>) {
        // Writing into a String cannot fail.
        let _ = self.0.write_fmt(args);
        self.0.push_str("\r\n");
    }

    /// v=, o=, s=, c=, t=.
    fn session(local: &LocalMedia) -> Writer {
        let mut w = Writer(String::with_capacity(320));
        let ip = match local.addr {
            IpAddr::V4(_) => "IP4",
            IpAddr::V6(_) => "IP6",
        };
        w.line(format_args!("v=0"));
        w.line(format_args!(
            "o=hotline {} {} IN {ip} {}",
            local.session_id, local.session_version, local.addr
        ));
        w.line(format_args!("s=hotline"));
        w.line(format_args!("c=IN {ip} {}", local.addr));
        w.line(format_args!("t=0 0"));
        w
    }

    fn audio(&mut self, port: u16, codecs: &[(u8, Codec)], dtmf: Option<u8>, dir: Direction) {
        let mut fmts: Vec<String> = codecs.iter().map(|(pt, _)| pt.to_string()).collect();
        fmts.extend(dtmf.map(|pt| pt.to_string()));
        self.line(format_args!("m=audio {port} RTP/AVP {}", fmts.join(" ")));
        for (pt, codec) in codecs {
            self.line(format_args!(
                "a=rtpmap:{pt} {}/{}",
                codec.encoding_name(),
                codec.clock_rate()
            ));
        }
        if let Some(pt) = dtmf {
            self.line(format_args!("a=rtpmap:{pt} telephone-event/8000"));
            self.line(format_args!("a=fmtp:{pt} 0-16"));
        }
        self.line(format_args!("a=ptime:{PTIME_MS}"));
        self.line(format_args!("a={dir}"));
    }
}

#[cfg(test)]
mod tests;
