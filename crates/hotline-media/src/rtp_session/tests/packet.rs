//! Parser and writer: each error variant, edge cases, and agreement with the `rtp` crate.

use crate::rtp_session::packet::{RtpError, RtpHeader, RtpPacket, HEADER_LEN};
use bytes::Bytes;
use webrtc_util::{Marshal, Unmarshal};

fn header() -> RtpHeader {
    RtpHeader {
        marker: true,
        payload_type: 8,
        sequence: 0xBEEF,
        timestamp: 0xDEAD_BEEF,
        ssrc: 0x0102_0304,
    }
}

fn packet(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    header().write_packet(payload, &mut out);
    out
}

#[test]
fn writes_and_parses_the_fixed_header() {
    let buf = packet(&[1, 2, 3]);
    assert_eq!(
        &buf[..HEADER_LEN],
        &[0x80, 0x88, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4]
    );
    let p = RtpPacket::parse(&buf).unwrap();
    assert_eq!(p.version, 2);
    assert!(!p.padding);
    assert!(p.marker);
    assert_eq!(p.payload_type, 8);
    assert_eq!(p.sequence, 0xBEEF);
    assert_eq!(p.timestamp, 0xDEAD_BEEF);
    assert_eq!(p.ssrc, 0x0102_0304);
    assert_eq!(p.csrc_count, 0);
    assert_eq!(p.payload, &[1, 2, 3]);
    assert_eq!(p.extension(), None);
    assert_eq!(p.header(), header());
}

#[test]
fn header_only_packet_has_empty_payload() {
    let buf = packet(&[]);
    assert_eq!(RtpPacket::parse(&buf).unwrap().payload, &[] as &[u8]);
}

#[test]
fn payload_type_keeps_seven_bits() {
    let mut h = header();
    h.payload_type = 0xff;
    h.marker = false;
    let mut buf = Vec::new();
    h.write_packet(&[], &mut buf);
    let p = RtpPacket::parse(&buf).unwrap();
    assert_eq!(p.payload_type, 127);
    assert!(!p.marker);
}

#[test]
fn writer_reuses_the_vec() {
    let mut out = Vec::new();
    header().write_packet(&[0u8; 160], &mut out);
    let (ptr, cap) = (out.as_ptr(), out.capacity());
    for i in 0..100u8 {
        header().write_packet(&[i; 160], &mut out);
        assert_eq!(out.len(), HEADER_LEN + 160);
        assert_eq!((out.as_ptr(), out.capacity()), (ptr, cap));
    }
}

#[test]
fn too_short() {
    let buf = packet(&[]);
    for len in 0..HEADER_LEN {
        assert_eq!(
            RtpPacket::parse(&buf[..len]),
            Err(RtpError::TooShort { len })
        );
    }
}

#[test]
fn bad_version() {
    for version in [0u8, 1, 3] {
        let mut buf = packet(&[0; 4]);
        buf[0] = (buf[0] & 0x3f) | (version << 6);
        assert_eq!(
            RtpPacket::parse(&buf),
            Err(RtpError::BadVersion { version })
        );
    }
}

#[test]
fn csrcs_are_read_and_bounded() {
    let mut buf = packet(&[]);
    buf[0] |= 2;
    buf.extend_from_slice(&[0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff, 9]);
    let p = RtpPacket::parse(&buf).unwrap();
    assert_eq!(p.csrc_count, 2);
    assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![7, u32::MAX]);
    assert_eq!(p.payload, &[9]);

    buf[0] |= 0x0f;
    assert_eq!(
        RtpPacket::parse(&buf),
        Err(RtpError::CsrcOverrun {
            count: 15,
            needed: 72,
            len: 21
        })
    );
    // Exactly filling the datagram is fine.
    let mut exact = packet(&[]);
    exact[0] |= 1;
    exact.extend_from_slice(&[0, 0, 0, 1]);
    assert_eq!(RtpPacket::parse(&exact).unwrap().payload.len(), 0);
}

#[test]
fn extension_is_skipped_and_bounded() {
    let mut buf = packet(&[]);
    buf[0] |= 0x10;
    // No room for the 4-byte extension header.
    buf.extend_from_slice(&[0xBE, 0xDE, 0]);
    assert_eq!(
        RtpPacket::parse(&buf),
        Err(RtpError::ExtensionOverrun {
            needed: 16,
            len: 15
        })
    );
    // Header says 2 words, 1 present.
    buf.extend_from_slice(&[2, 0x10, 0xAA, 0, 0]);
    assert_eq!(
        RtpPacket::parse(&buf),
        Err(RtpError::ExtensionOverrun {
            needed: 24,
            len: 20
        })
    );
    buf.extend_from_slice(&[0, 0, 0, 0, 0x55, 0x66]);
    let p = RtpPacket::parse(&buf).unwrap();
    assert_eq!(p.extension(), Some((0xBEDE, &buf[16..24])));
    assert_eq!(p.payload, &[0x55, 0x66]);
}

#[test]
fn padding_is_stripped_and_checked() {
    let mut buf = packet(&[1, 2, 3, 0, 0, 3]);
    buf[0] |= 0x20;
    let p = RtpPacket::parse(&buf).unwrap();
    assert!(p.padding);
    assert_eq!(p.payload, &[1, 2, 3]);

    // All of the body is padding.
    let mut all = packet(&[0, 0, 0, 4]);
    all[0] |= 0x20;
    assert_eq!(RtpPacket::parse(&all).unwrap().payload.len(), 0);

    let mut zero = packet(&[1, 2, 0]);
    zero[0] |= 0x20;
    assert_eq!(RtpPacket::parse(&zero), Err(RtpError::ZeroPadding));

    let mut over = packet(&[1, 2, 4]);
    over[0] |= 0x20;
    assert_eq!(
        RtpPacket::parse(&over),
        Err(RtpError::PaddingOverrun {
            padding: 4,
            available: 3
        })
    );

    let mut empty = packet(&[]);
    empty[0] |= 0x20;
    assert_eq!(
        RtpPacket::parse(&empty),
        Err(RtpError::PaddingOverrun {
            padding: 0,
            available: 0
        })
    );
}

#[test]
fn padding_after_csrcs_and_extension() {
    let mut buf = packet(&[]);
    buf[0] |= 0x20 | 0x10 | 1;
    buf.extend_from_slice(&[0, 0, 0, 5]); // CSRC
    buf.extend_from_slice(&[0x10, 0x00, 0, 1, 1, 2, 3, 4]); // extension, 1 word
    buf.extend_from_slice(&[0xAB, 0, 2]); // payload + 2 padding
    let p = RtpPacket::parse(&buf).unwrap();
    assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![5]);
    assert_eq!(p.extension(), Some((0x1000, &[1u8, 2, 3, 4][..])));
    assert_eq!(p.payload, &[0xAB]);
}

#[test]
fn parses_what_the_rtp_crate_marshals() {
    for (padding, csrc, payload) in [
        (false, vec![], vec![0xffu8; 160]),
        (true, vec![1, 2, 3], vec![7u8; 5]),
        (true, vec![], vec![9u8; 8]),
    ] {
        let pkt = rtp::packet::Packet {
            header: rtp::header::Header {
                version: 2,
                padding,
                marker: true,
                payload_type: 101,
                sequence_number: 65535,
                timestamp: 42,
                ssrc: 0xCAFE_BABE,
                csrc: csrc.clone(),
                ..Default::default()
            },
            payload: Bytes::from(payload.clone()),
        };
        let wire = pkt.marshal().unwrap();
        let p = RtpPacket::parse(&wire).unwrap();
        assert_eq!(p.padding, padding);
        assert_eq!(p.payload, payload.as_slice());
        assert_eq!(p.csrcs().collect::<Vec<_>>(), csrc);
        assert_eq!(p.to_rtp(), pkt_without_padding(pkt));
    }
}

fn pkt_without_padding(mut pkt: rtp::packet::Packet) -> rtp::packet::Packet {
    pkt.header.padding = false;
    pkt
}

#[test]
fn to_rtp_matches_the_rtp_crate_unmarshal() {
    let buf = packet(&[1, 2, 3, 4]);
    let ours = RtpPacket::parse(&buf).unwrap().to_rtp();
    let theirs = rtp::packet::Packet::unmarshal(&mut &buf[..]).unwrap();
    assert_eq!(ours, theirs);
}

/// Why raw datagrams never go to the `rtp` crate: an RFC 8285 one-byte extension element whose
/// length runs past the end makes its `Unmarshal` panic (rtp 0.17.2). If this starts failing,
/// `rtp` fixed it; update the note in packet.rs.
#[test]
fn rtp_crate_panics_where_we_return_cleanly() {
    let mut buf = packet(&[]);
    buf[0] |= 0x10;
    buf.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x1F, 0, 0, 0]); // id 1, len 16, in a 4-byte block
    let ours = RtpPacket::parse(&buf).unwrap();
    assert_eq!(ours.payload.len(), 0);
    let theirs = std::panic::catch_unwind(|| {
        let _ = rtp::packet::Packet::unmarshal(&mut &buf[..]);
    });
    assert!(theirs.is_err(), "rtp crate no longer panics here");
}

#[test]
fn error_messages_name_the_reason() {
    assert_eq!(
        RtpError::BadVersion { version: 1 }.to_string(),
        "RTP version 1, expected 2"
    );
    assert!(RtpError::ZeroPadding.to_string().contains("padding"));
}
