//! A deterministic fuzz loop: random and mutated datagrams never panic the parser, and what it
//! accepts is self-consistent and agrees with the `rtp` crate.

use crate::rtp_session::packet::{RtpError, RtpHeader, RtpPacket, HEADER_LEN};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use webrtc_util::Unmarshal;

fn valid_packet(rng: &mut StdRng) -> Vec<u8> {
    let header = RtpHeader {
        marker: rng.random(),
        payload_type: rng.random(),
        sequence: rng.random(),
        timestamp: rng.random(),
        ssrc: rng.random(),
    };
    let payload: Vec<u8> = (0..rng.random_range(0..200))
        .map(|_| rng.random())
        .collect();
    let mut buf = Vec::new();
    header.write_packet(&payload, &mut buf);
    buf
}

fn mutate(rng: &mut StdRng, buf: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..5) {
        match rng.random_range(0..6) {
            0 if !buf.is_empty() => {
                let i = rng.random_range(0..buf.len());
                buf[i] ^= 1 << rng.random_range(0..8);
            }
            1 => buf.truncate(rng.random_range(0..=buf.len())),
            2 => buf.extend((0..rng.random_range(0..40)).map(|_| rng.random::<u8>())),
            // Flags and counts in byte 0, keeping version 2 most of the time.
            3 if !buf.is_empty() => buf[0] = 0x80 | (rng.random::<u8>() & 0x3f),
            // Extension length field / last (padding) byte.
            4 if buf.len() > 16 => buf[14 + rng.random_range(0..2)] = rng.random(),
            5 if !buf.is_empty() => {
                // The padding count: often 0 or small.
                let last = buf.len() - 1;
                buf[last] = match rng.random_range(0..3) {
                    0 => 0,
                    1 => rng.random_range(1..8),
                    _ => rng.random(),
                };
            }
            _ => {}
        }
    }
}

fn check(buf: &[u8]) -> bool {
    let Ok(p) = RtpPacket::parse(buf) else {
        return false;
    };
    // Header fields are the bytes.
    assert_eq!(p.version, 2);
    assert_eq!(p.sequence, u16::from_be_bytes([buf[2], buf[3]]));
    assert_eq!(
        p.ssrc,
        u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]])
    );
    // The payload lies inside the datagram, after the header and CSRCs.
    let start = p.payload.as_ptr() as usize - buf.as_ptr() as usize;
    assert!(start >= HEADER_LEN + 4 * usize::from(p.csrc_count));
    assert!(start + p.payload.len() <= buf.len());
    assert_eq!(p.csrcs().count(), usize::from(p.csrc_count));
    // Re-encoding the fixed header with the payload parses back the same.
    let mut out = Vec::new();
    p.header().write_packet(p.payload, &mut out);
    let again = RtpPacket::parse(&out).unwrap();
    assert_eq!((again.header(), again.payload), (p.header(), p.payload));
    // Without an extension (whose contents the rtp crate would interpret), the rtp crate agrees.
    if p.extension().is_none() {
        let theirs = rtp::packet::Packet::unmarshal(&mut &buf[..]).unwrap();
        assert_eq!(theirs.payload.as_ref(), p.payload);
        assert_eq!(theirs.header.sequence_number, p.sequence);
        assert_eq!(theirs.header.csrc, p.csrcs().collect::<Vec<_>>());
    }
    true
}

#[test]
fn random_buffers_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5EED_0001);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let len = rng.random_range(0..80);
        let mut buf: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if rng.random_bool(0.5) && !buf.is_empty() {
            buf[0] = 0x80 | (buf[0] & 0x3f);
        }
        accepted += usize::from(check(&buf));
    }
    assert!(accepted > 100, "too few accepted: {accepted}");
}

#[test]
fn mutated_packets_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5EED_0002);
    let mut accepted = 0;
    // Which rejection reasons the loop reached: each one must be exercised.
    let mut reasons = [0u32; 6];
    for _ in 0..20_000 {
        let mut buf = valid_packet(&mut rng);
        mutate(&mut rng, &mut buf);
        if check(&buf) {
            accepted += 1;
            continue;
        }
        let reason = match RtpPacket::parse(&buf) {
            Err(RtpError::TooShort { .. }) => 0,
            Err(RtpError::BadVersion { .. }) => 1,
            Err(RtpError::CsrcOverrun { .. }) => 2,
            Err(RtpError::ExtensionOverrun { .. }) => 3,
            Err(RtpError::ZeroPadding) => 4,
            Err(RtpError::PaddingOverrun { .. }) => 5,
            Ok(_) => unreachable!("check() said rejected"),
        };
        reasons[reason] += 1;
    }
    assert!(accepted > 1000, "accepted {accepted}");
    assert!(reasons.iter().all(|&n| n > 10), "reasons {reasons:?}");
}

#[test]
fn every_prefix_of_a_busy_packet_is_handled() {
    // CSRCs, extension and padding together.
    let mut buf = vec![0x80 | 0x20 | 0x10 | 3, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
    buf.extend_from_slice(&[0u8; 12]);
    buf.extend_from_slice(&[0xBE, 0xDE, 0, 2, 0x10, 1, 0, 0, 0, 0, 0, 0]);
    buf.extend_from_slice(&[1, 2, 3, 0, 2]);
    assert_eq!(RtpPacket::parse(&buf).unwrap().payload, &[1, 2, 3]);
    for len in 0..buf.len() {
        // Cut inside the header, CSRCs or extension: an error. Cut in the body: the last byte
        // becomes the padding count, so some prefixes parse; none may panic.
        let ok = check(&buf[..len]);
        assert!(len >= 36 || !ok, "prefix {len}");
    }
}
