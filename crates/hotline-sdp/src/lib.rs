//! SDP (RFC 4566) and RFC 3264 offer/answer for the one audio stream a hotline call has.
//!
//! [`SessionDescription::parse`] reads what a phone or trunk sends (tolerant of `\n` line ends,
//! unknown lines and odd attributes; bounded; refusing what is not SDP with a line number and a
//! reason). [`answer`] picks the offerer's first codec we speak (PCMU or PCMA), mirrors the
//! direction (hold), keeps telephone-event if offered, and rejects every other stream with
//! port 0; [`offer`] and [`parse_answer`] are the same for calls we place. Everything here is
//! pure: text in, text and decisions out.
//!
//! The crate is split in three: the model (this file), `parse` (text to model) and
//! `negotiate` (offer/answer, which writes SDP); the modules are private and what users need is
//! exported here. Nothing reads a clock, input never panics (the workspace lints deny unwrap,
//! expect, panic and indexing), and what is read is bounded ([`MAX_SDP_BYTES`], [`MAX_MEDIA`]).

#![warn(unreachable_pub)]

use std::fmt;
use std::net::IpAddr;

mod negotiate;
mod parse;

pub use negotiate::{answer, answer_with, offer, parse_answer, Answer, LocalMedia, Negotiated};

/// The largest SDP body we read, in bytes.
pub const MAX_SDP_BYTES: usize = 64 * 1024;
/// The most m= lines we read.
pub const MAX_MEDIA: usize = 64;

/// The audio codecs we speak: G.711 at 8 kHz, one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 µ-law, static payload type 0.
    Pcmu,
    /// G.711 A-law, static payload type 8.
    Pcma,
}

impl Codec {
    /// The static RTP payload type (RFC 3551).
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The encoding name in `a=rtpmap`.
    pub const fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// The RTP clock rate.
    pub const fn clock_rate(self) -> u32 {
        8000
    }

    /// The codec of a static payload type, if it is one of ours.
    pub fn from_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// The codec an `a=rtpmap` names, if it is one of ours (name in any case, 8000 Hz, mono).
    pub fn from_rtpmap(map: &RtpMap) -> Option<Codec> {
        [Codec::Pcmu, Codec::Pcma].into_iter().find(|c| {
            map.encoding.eq_ignore_ascii_case(c.encoding_name())
                && map.clock_rate == c.clock_rate()
                && matches!(map.channels, None | Some(1))
        })
    }
}

/// Who sends media on a stream, from one side's point of view (RFC 3264 §5.1, §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    #[default]
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    /// The direction that sends and receives as told.
    pub const fn from_flags(sends: bool, receives: bool) -> Direction {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    pub const fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    pub const fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The same stream seen from the other side: sendonly ↔ recvonly.
    pub const fn reverse(self) -> Direction {
        Direction::from_flags(self.receives(), self.sends())
    }

    /// What both allow.
    pub const fn intersect(self, other: Direction) -> Direction {
        Direction::from_flags(
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        )
    }

    /// The attribute name: `sendrecv`, `sendonly`, `recvonly`, `inactive`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction an attribute name stands for (case-insensitive).
    pub fn from_attribute(name: &str) -> Option<Direction> {
        [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ]
        .into_iter()
        .find(|d| name.eq_ignore_ascii_case(d.as_str()))
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an SDP was refused or could not be negotiated. The SIP layer answers all of these with
/// 488 Not Acceptable Here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdpError {
    #[error("SDP of {0} bytes is over the {MAX_SDP_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("SDP has more than {MAX_MEDIA} media descriptions")]
    TooManyMedia,
    #[error("SDP is empty")]
    Empty,
    #[error("SDP line {line}: {reason}")]
    Malformed { line: usize, reason: &'static str },
    #[error("SDP has no {0} line")]
    Missing(&'static str),
    #[error("no usable audio stream (RTP/AVP, port not 0)")]
    NoAudio,
    #[error("no common audio codec")]
    NoCommonCodec,
    #[error("the audio stream has no connection address (c=)")]
    MissingConnection,
    #[error("the far end rejected the audio stream (port 0)")]
    Rejected,
}

/// A parsed session description: the parts the engine uses, plus every attribute raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    pub origin: Origin,
    /// `s=`; empty when absent.
    pub session_name: String,
    /// Session-level `c=`, the default for every m= line without its own.
    pub connection: Option<IpAddr>,
    /// Session-level direction attribute, the default for every m= line without its own.
    pub direction: Option<Direction>,
    /// Every session-level `a=` line.
    pub attributes: Vec<Attribute>,
    pub media: Vec<MediaDescription>,
}

impl SessionDescription {
    /// The media's own `c=` address, else the session's.
    pub fn connection_for(&self, media: &MediaDescription) -> Option<IpAddr> {
        media.connection.or(self.connection)
    }

    /// The media's own direction attribute, else the session's, else sendrecv.
    pub fn direction_for(&self, media: &MediaDescription) -> Direction {
        media.direction.or(self.direction).unwrap_or_default()
    }
}

/// `o=<username> <sess-id> <sess-version> IN <addrtype> <address>`. The ids stay text: they
/// only identify the session and tell a changed SDP from a repeated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub username: String,
    pub session_id: String,
    pub session_version: String,
    pub address: String,
}

/// One m= section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// `audio`, `video`, `application`, ...
    pub media: String,
    pub port: u16,
    /// The `/<n>` after the port, if given.
    pub port_count: Option<u16>,
    /// `RTP/AVP`, `RTP/SAVP`, `udptl`, ...
    pub proto: String,
    /// The format list as written; for RTP these are payload types.
    pub formats: Vec<String>,
    pub connection: Option<IpAddr>,
    pub direction: Option<Direction>,
    /// `a=ptime`, in milliseconds.
    pub ptime: Option<u32>,
    pub rtpmaps: Vec<RtpMap>,
    pub fmtps: Vec<Fmtp>,
    /// Every `a=` line of this section, the ones above included.
    pub attributes: Vec<Attribute>,
}

impl MediaDescription {
    /// The formats that are RTP payload types (0–127), in the order given.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats
            .iter()
            .filter_map(|f| f.parse::<u8>().ok())
            .filter(|&pt| pt <= 127)
    }

    /// Plain RTP (`RTP/AVP`), the only profile we answer.
    pub fn is_rtp_avp(&self) -> bool {
        self.proto.eq_ignore_ascii_case("RTP/AVP")
    }

    pub fn rtpmap(&self, pt: u8) -> Option<&RtpMap> {
        self.rtpmaps.iter().find(|m| m.payload_type == pt)
    }

    pub fn fmtp(&self, pt: u8) -> Option<&Fmtp> {
        self.fmtps.iter().find(|m| m.payload_type == pt)
    }

    /// Our codec behind payload type `pt`: its rtpmap decides; without one, the static type.
    pub fn codec_for(&self, pt: u8) -> Option<Codec> {
        match self.rtpmap(pt) {
            Some(map) => Codec::from_rtpmap(map),
            None => Codec::from_payload_type(pt),
        }
    }

    /// The first listed payload type that is `telephone-event/<clock_rate>` (RFC 4733).
    pub fn telephone_event(&self, clock_rate: u32) -> Option<u8> {
        self.payload_types().find(|&pt| {
            self.rtpmap(pt).is_some_and(|m| {
                m.encoding.eq_ignore_ascii_case("telephone-event") && m.clock_rate == clock_rate
            })
        })
    }
}

/// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    pub payload_type: u8,
    pub encoding: String,
    pub clock_rate: u32,
    pub channels: Option<u8>,
}

/// `a=fmtp:<pt> <parameters>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fmtp {
    pub payload_type: u8,
    pub params: String,
}

/// One `a=<name>[:<value>]` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub value: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_algebra() {
        use Direction::*;
        for d in [SendRecv, SendOnly, RecvOnly, Inactive] {
            assert_eq!(d.reverse().reverse(), d);
            assert_eq!(Direction::from_attribute(d.as_str()), Some(d));
            assert_eq!(d.intersect(SendRecv), d);
            assert_eq!(d.intersect(Inactive), Inactive);
        }
        assert_eq!(SendOnly.reverse(), RecvOnly);
        assert_eq!(SendRecv.reverse(), SendRecv);
        assert_eq!(SendOnly.intersect(RecvOnly), Inactive);
        assert_eq!(Direction::from_attribute("SENDONLY"), Some(SendOnly));
        assert_eq!(Direction::from_attribute("sendrecvx"), None);
        assert_eq!(Direction::default().to_string(), "sendrecv");
    }

    #[test]
    fn codecs_by_payload_type_and_rtpmap() {
        assert_eq!(Codec::from_payload_type(0), Some(Codec::Pcmu));
        assert_eq!(Codec::from_payload_type(8), Some(Codec::Pcma));
        assert_eq!(Codec::from_payload_type(9), None);
        let map = |enc: &str, rate, ch| RtpMap {
            payload_type: 96,
            encoding: enc.into(),
            clock_rate: rate,
            channels: ch,
        };
        assert_eq!(
            Codec::from_rtpmap(&map("pcmu", 8000, None)),
            Some(Codec::Pcmu)
        );
        assert_eq!(
            Codec::from_rtpmap(&map("PCMA", 8000, Some(1))),
            Some(Codec::Pcma)
        );
        assert_eq!(Codec::from_rtpmap(&map("PCMA", 16000, None)), None);
        assert_eq!(Codec::from_rtpmap(&map("PCMU", 8000, Some(2))), None);
        assert_eq!(Codec::from_rtpmap(&map("G722", 8000, None)), None);
    }

    #[test]
    fn media_lookups() {
        let sdp = SessionDescription::parse(
            "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n\
             m=audio 4000 RTP/AVP 0 96 97 98 200 x\n\
             a=rtpmap:0 opus/48000/2\na=rtpmap:96 telephone-event/48000\n\
             a=rtpmap:97 PCMA/8000\na=rtpmap:98 telephone-event/8000\na=fmtp:98 0-15\n",
        )
        .expect("parses");
        let m = &sdp.media[0];
        assert_eq!(m.payload_types().collect::<Vec<_>>(), [0, 96, 97, 98]);
        assert_eq!(m.codec_for(0), None, "the rtpmap overrides the static type");
        assert_eq!(m.codec_for(97), Some(Codec::Pcma));
        assert_eq!(
            m.codec_for(8),
            Some(Codec::Pcma),
            "static, even if not listed"
        );
        assert_eq!(m.telephone_event(8000), Some(98));
        assert_eq!(m.telephone_event(48000), Some(96));
        assert_eq!(m.fmtp(98).map(|f| f.params.as_str()), Some("0-15"));
        assert!(m.is_rtp_avp());
    }
}
