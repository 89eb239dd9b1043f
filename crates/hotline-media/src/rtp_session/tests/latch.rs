//! Symmetric RTP latching: first source wins, strangers cannot move it, relatch after re-INVITE.

use std::net::SocketAddr;

use crate::rtp_session::latch::{LatchVerdict, SourceLatch};

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn sends_to_sdp_address_until_latched() {
    let sdp = addr("192.168.1.20:4000");
    let nat = addr("203.0.113.7:61000");
    let mut l = SourceLatch::new(Some(sdp));
    assert_eq!(l.send_to(), Some(sdp));
    assert_eq!(l.latched(), None);
    assert_eq!(l.check(nat, 42), LatchVerdict::Latched);
    assert_eq!(l.send_to(), Some(nat));
    assert_eq!(l.latched(), Some((nat, 42)));
    assert_eq!(l.check(nat, 42), LatchVerdict::Accepted);
    assert_eq!(SourceLatch::new(None).send_to(), None);
}

#[test]
fn a_flooding_stranger_does_not_move_the_latch() {
    let phone = addr("203.0.113.7:61000");
    let attacker = addr("198.51.100.9:5004");
    let mut l = SourceLatch::new(None);
    l.check(phone, 42);
    for i in 0..1000u32 {
        // Even guessing the SSRC does not help.
        let v = l.check(attacker, if i % 2 == 0 { 42 } else { i });
        assert_eq!(v, LatchVerdict::Stranger);
        assert!(!v.accepted());
    }
    // Same IP, other port is a stranger too.
    assert_eq!(
        l.check(addr("203.0.113.7:61002"), 42),
        LatchVerdict::Stranger
    );
    assert_eq!(l.strangers(), 1001);
    assert_eq!(l.send_to(), Some(phone));
    assert_eq!(l.check(phone, 42), LatchVerdict::Accepted);
}

#[test]
fn new_ssrc_from_the_latched_address_is_accepted_and_reported() {
    let phone = addr("[2001:db8::1]:7000");
    let mut l = SourceLatch::new(None);
    l.check(phone, 1);
    assert_eq!(l.check(phone, 2), LatchVerdict::SsrcChanged { previous: 1 });
    assert!(LatchVerdict::SsrcChanged { previous: 1 }.accepted());
    assert_eq!(l.latched(), Some((phone, 2)));
    assert_eq!(l.check(phone, 2), LatchVerdict::Accepted);
}

#[test]
fn relatch_after_reinvite() {
    let old = addr("203.0.113.7:61000");
    let new_sdp = addr("10.0.0.5:9000");
    let new_src = addr("203.0.113.99:40000");
    let mut l = SourceLatch::new(None);
    l.check(old, 1);
    l.set_advertised(Some(new_sdp));
    assert_eq!(
        l.send_to(),
        Some(old),
        "set_advertised alone keeps the latch"
    );
    l.relatch();
    assert_eq!(l.send_to(), Some(new_sdp));
    assert_eq!(l.check(new_src, 9), LatchVerdict::Latched);
    assert_eq!(l.send_to(), Some(new_src));
    assert_eq!(l.check(old, 1), LatchVerdict::Stranger);
    assert_eq!(l.advertised(), Some(new_sdp));
}
