//! Payload classification, counters, and the whole receive path of a leg.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::rtp_session::classify::{PayloadKind, PayloadMap};
use crate::rtp_session::counters::{DropReason, RtpCounters};
use crate::rtp_session::latch::{LatchPolicy, LatchVerdict, SourceLatch};
use crate::rtp_session::packet::{RtpError, RtpHeader};
use crate::rtp_session::receive::RtpReceiver;
use crate::rtp_session::stats::SeqStatus;
use crate::sdp::{Codec, Direction, Negotiated};

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// The default (strict) latch, its learning window opening at `t0`, signalling address unknown.
fn latch(advertised: Option<SocketAddr>, t0: Instant) -> SourceLatch {
    SourceLatch::new(LatchPolicy::default(), advertised, None, t0)
}

fn datagram(pt: u8, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let h = RtpHeader {
        marker: false,
        payload_type: pt,
        sequence: seq,
        timestamp: ts,
        ssrc,
    };
    let mut out = Vec::new();
    h.write_packet(payload, &mut out);
    out
}

/// What an accepted packet was judged, without borrowing the datagram.
type Seen = (PayloadKind, SeqStatus, LatchVerdict, usize);

fn offer(
    rx: &mut RtpReceiver,
    dg: Vec<u8>,
    from: SocketAddr,
    at: Instant,
) -> Result<Seen, DropReason> {
    rx.on_datagram(&dg, from, at)
        .map(|i| (i.kind, i.seq, i.latch, i.packet.payload.len()))
}

#[test]
fn classifies_payload_types() {
    let pcmu = PayloadMap::for_codec(Codec::Pcmu, Some(101));
    assert_eq!(pcmu.classify(0), PayloadKind::Audio);
    assert_eq!(pcmu.classify(8), PayloadKind::Unknown);
    assert_eq!(pcmu.classify(101), PayloadKind::Dtmf);
    assert_eq!(pcmu.classify(13), PayloadKind::ComfortNoise);
    assert_eq!(pcmu.classify(96), PayloadKind::Unknown);
    let pcma = PayloadMap::for_codec(Codec::Pcma, None);
    assert_eq!(pcma.classify(8), PayloadKind::Audio);
    assert_eq!(pcma.classify(0), PayloadKind::Unknown);
    assert_eq!(pcma.classify(101), PayloadKind::Unknown);
    assert_eq!((pcma.audio_pt(), pcma.dtmf_pt()), (8, None));
    // Audio wins a clash.
    assert_eq!(
        PayloadMap::new(96, Some(96)).classify(96),
        PayloadKind::Audio
    );
    assert_eq!(PayloadMap::new(13, None).classify(13), PayloadKind::Audio);
}

#[test]
fn payload_map_from_negotiation() {
    let n = Negotiated {
        codec: Codec::Pcma,
        payload_type: 8,
        remote_rtp: None,
        dtmf_payload_type: Some(100),
        direction: Direction::SendRecv,
        remote_direction: Direction::SendRecv,
    };
    assert_eq!(PayloadMap::from(&n), PayloadMap::new(8, Some(100)));
}

#[test]
fn counters_count_each_reason() {
    let mut c = RtpCounters::default();
    for e in [
        RtpError::TooShort { len: 3 },
        RtpError::BadVersion { version: 0 },
        RtpError::CsrcOverrun {
            count: 1,
            needed: 16,
            len: 12,
        },
        RtpError::ExtensionOverrun {
            needed: 16,
            len: 12,
        },
        RtpError::ZeroPadding,
        RtpError::PaddingOverrun {
            padding: 9,
            available: 1,
        },
    ] {
        c.count_drop(DropReason::Malformed(e));
    }
    c.count_drop(DropReason::WrongSource);
    c.count_drop(DropReason::UnknownPayload);
    c.count_sent(160);
    c.count_sent(4);
    assert_eq!(
        (
            c.dropped_too_short,
            c.dropped_bad_version,
            c.dropped_csrc_overrun,
            c.dropped_extension_overrun,
            c.dropped_bad_padding,
            c.dropped_wrong_source,
            c.dropped_unknown_payload
        ),
        (1, 1, 1, 1, 2, 1, 1)
    );
    assert_eq!(c.dropped(), 8);
    assert_eq!((c.sent, c.sent_payload_bytes), (2, 164));
}

#[test]
fn garbage_and_unknown_payloads_do_not_latch() {
    let t0 = Instant::now();
    let sdp = addr("192.168.1.20:4000");
    let phone = addr("203.0.113.7:61000");
    let mut rx = RtpReceiver::new(PayloadMap::new(0, Some(101)), latch(Some(sdp), t0));
    let stun = [0u8, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        rx.on_datagram(&stun, phone, t0),
        Err(DropReason::Malformed(RtpError::BadVersion { version: 0 }))
    );
    assert_eq!(
        rx.on_datagram(&datagram(96, 1, 0, 7, &[0; 4]), phone, t0),
        Err(DropReason::UnknownPayload)
    );
    assert_eq!(
        rx.on_datagram(&[0x80], phone, t0),
        Err(DropReason::Malformed(RtpError::TooShort { len: 1 }))
    );
    assert_eq!(rx.send_to(), Some(sdp));
    assert_eq!(rx.latch().latched(), None);
    let c = rx.counters();
    assert_eq!(
        (c.received, c.dropped(), c.dropped_unknown_payload),
        (0, 3, 1)
    );
}

#[test]
fn a_call_leg_receives_audio_dtmf_and_comfort_noise() {
    let t0 = Instant::now();
    let phone = addr("203.0.113.7:61000");
    let stranger = addr("198.51.100.9:5004");
    let mut rx = RtpReceiver::new(PayloadMap::new(8, Some(101)), latch(None, t0));
    let ms = |n: u64| t0 + Duration::from_millis(n);

    let audio = |seq: u16, ts: u32| datagram(8, seq, ts, 5, &[0xd5; 160]);
    assert_eq!(
        offer(&mut rx, audio(10, 1600), phone, ms(0)),
        Ok((
            PayloadKind::Audio,
            SeqStatus::Probation,
            LatchVerdict::Latched,
            160
        ))
    );
    assert_eq!(rx.send_to(), Some(phone));
    assert_eq!(
        offer(&mut rx, audio(11, 1760), phone, ms(20)),
        Ok((
            PayloadKind::Audio,
            SeqStatus::InOrder,
            LatchVerdict::Accepted,
            160
        ))
    );
    // Telephone-events repeat a timestamp: no jitter from them.
    for (i, seq) in (12..15).enumerate() {
        let event = datagram(101, seq, 1920, 5, &[1, 0, 0, 160]);
        let seen = offer(&mut rx, event, phone, ms(40 + 20 * i as u64));
        assert_eq!(seen.map(|s| s.0), Ok(PayloadKind::Dtmf));
    }
    let cn = || datagram(13, 15, 2400, 5, &[40]);
    assert_eq!(
        offer(&mut rx, cn(), phone, ms(100)).map(|s| (s.0, s.1)),
        Ok((PayloadKind::ComfortNoise, SeqStatus::InOrder))
    );
    // A duplicate is returned, flagged, and counted.
    assert_eq!(
        offer(&mut rx, cn(), phone, ms(101)).map(|s| s.1),
        Ok(SeqStatus::Duplicate)
    );
    // A stranger is dropped and does not touch the statistics.
    assert_eq!(
        offer(&mut rx, audio(16, 2560), stranger, ms(120)),
        Err(DropReason::WrongSource)
    );
    let s = rx.stats();
    assert_eq!((s.expected(), s.received(), s.duplicates()), (5, 6, 1));
    assert_eq!(s.jitter(), 0.0);
    let c = *rx.counters();
    assert_eq!(
        (
            c.received,
            c.received_audio,
            c.received_dtmf,
            c.received_comfort_noise
        ),
        (7, 2, 3, 2)
    );
    assert_eq!((c.duplicates, c.dropped_wrong_source), (1, 1));
    assert_eq!(c.received_payload_bytes, 320 + 12 + 2);
}

#[test]
fn new_ssrc_starts_statistics_over() {
    let t0 = Instant::now();
    let phone = addr("203.0.113.7:61000");
    let mut rx = RtpReceiver::new(PayloadMap::new(0, None), latch(None, t0));
    for q in 0..10u16 {
        let dg = datagram(0, q, 160 * u32::from(q), 1, &[]);
        assert!(offer(&mut rx, dg, phone, t0).is_ok());
    }
    assert_eq!(rx.stats().received(), 9);
    let seen = offer(&mut rx, datagram(0, 30_000, 0, 2, &[]), phone, t0);
    assert_eq!(
        seen.map(|s| (s.1, s.2)),
        Ok((
            SeqStatus::Probation,
            LatchVerdict::SsrcChanged { previous: 1 }
        ))
    );
    assert_eq!(rx.stats().received(), 0);
}

#[test]
fn renegotiation_relatches_and_changes_payload_types() {
    let t0 = Instant::now();
    let old = addr("203.0.113.7:61000");
    let new = addr("203.0.113.8:62000");
    let mut rx = RtpReceiver::new(PayloadMap::new(0, None), latch(None, t0));
    assert!(offer(&mut rx, datagram(0, 1, 0, 1, &[]), old, t0).is_ok());
    rx.renegotiate(
        PayloadMap::new(8, Some(101)),
        Some(addr("10.0.0.1:5000")),
        t0,
    );
    assert_eq!(rx.send_to(), Some(addr("10.0.0.1:5000")));
    assert_eq!(
        offer(&mut rx, datagram(0, 2, 160, 1, &[]), new, t0),
        Err(DropReason::UnknownPayload)
    );
    let seen = offer(&mut rx, datagram(8, 3, 320, 1, &[]), new, t0);
    assert_eq!(seen.map(|s| s.2), Ok(LatchVerdict::Latched));
    assert_eq!(rx.send_to(), Some(new));
    assert_eq!(rx.payloads().dtmf_pt(), Some(101));
    rx.counters_mut().count_sent(160);
    assert_eq!(rx.counters().sent, 1);
}
