//! Strict RTP latching: the SDP address any time, a NATed source learned once in the window,
//! strangers (first or mid-call) dropped and counted, relatch after re-INVITE, the old
//! first-wins behaviour when not strict.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use crate::rtp_session::latch::{LatchPolicy, LatchVerdict, SourceLatch};

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

const WINDOW: Duration = Duration::from_secs(2);

fn strict(advertised: Option<SocketAddr>, signalling: Option<IpAddr>, t0: Instant) -> SourceLatch {
    SourceLatch::new(
        LatchPolicy {
            strict: true,
            window: WINDOW,
        },
        advertised,
        signalling,
        t0,
    )
}

fn ms(t0: Instant, n: u64) -> Instant {
    t0 + Duration::from_millis(n)
}

#[test]
fn a_natted_phone_is_learned_in_the_window_and_sent_to() {
    let t0 = Instant::now();
    let sdp = addr("192.168.1.20:4000");
    let nat = addr("203.0.113.7:61000");
    let mut l = strict(Some(sdp), Some(ip("203.0.113.7")), t0);
    assert_eq!(l.send_to(), Some(sdp));
    assert_eq!(l.latched(), None);
    assert_eq!(l.check(nat, 42, ms(t0, 300)), LatchVerdict::Latched);
    assert_eq!(l.send_to(), Some(nat));
    assert_eq!(l.latched(), Some((nat, 42)));
    assert_eq!(l.check(nat, 42, ms(t0, 320)), LatchVerdict::Accepted);
    // Long after the window, the latched source is still accepted.
    assert_eq!(l.check(nat, 42, ms(t0, 60_000)), LatchVerdict::Accepted);
    assert_eq!(l.strangers(), 0);
    assert_eq!(strict(None, None, t0).send_to(), None);
}

#[test]
fn only_once_a_learned_source_is_final_against_other_strangers() {
    let t0 = Instant::now();
    let phone = addr("203.0.113.7:61000");
    let attacker = addr("198.51.100.9:5004");
    let mut l = strict(Some(addr("10.1.1.1:4000")), None, t0);
    assert_eq!(l.check(phone, 42, ms(t0, 10)), LatchVerdict::Latched);
    for i in 0..1000u32 {
        // Inside the window or after it, and even guessing the SSRC, does not help.
        let at = ms(t0, 20 + u64::from(i) * 5);
        let v = l.check(attacker, if i % 2 == 0 { 42 } else { i }, at);
        assert_eq!(v, LatchVerdict::Stranger);
        assert!(!v.accepted());
    }
    // Same IP, other port is a stranger too.
    assert_eq!(
        l.check(addr("203.0.113.7:61002"), 42, ms(t0, 50)),
        LatchVerdict::Stranger
    );
    assert_eq!(l.strangers(), 1001);
    assert_eq!(l.send_to(), Some(phone));
    assert_eq!(l.check(phone, 42, ms(t0, 9_000)), LatchVerdict::Accepted);
}

#[test]
fn after_the_window_only_the_sdp_address_latches() {
    let t0 = Instant::now();
    let sdp = addr("192.0.2.10:4000");
    let mut l = strict(Some(sdp), Some(ip("192.0.2.99")), t0);
    // A stranger arriving first, just after the window closed: refused.
    assert_eq!(
        l.check(addr("198.51.100.9:5004"), 1, ms(t0, 2_000)),
        LatchVerdict::Stranger
    );
    assert_eq!(l.send_to(), Some(sdp), "still sending where the SDP said");
    // The SDP address latches whenever it first sends.
    assert_eq!(l.check(sdp, 7, ms(t0, 30_000)), LatchVerdict::Latched);
    assert_eq!(
        l.check(addr("198.51.100.9:5004"), 7, ms(t0, 30_020)),
        LatchVerdict::Stranger
    );
    assert_eq!(l.strangers(), 2);
}

#[test]
fn a_phone_not_behind_nat_cannot_be_taken_over_even_first_in_the_window() {
    let t0 = Instant::now();
    // The SDP address is where the signalling came from: not NATed.
    let sdp = addr("127.0.0.1:40000");
    let mut l = strict(Some(sdp), Some(ip("127.0.0.1")), t0);
    let stranger = addr("127.0.0.2:40000");
    for n in 0..50 {
        assert_eq!(l.check(stranger, 9, ms(t0, n)), LatchVerdict::Stranger);
    }
    assert_eq!(l.latched(), None);
    assert_eq!(l.send_to(), Some(sdp));
    // The phone sending from another port of its own address is learned in the window
    // (phones that do not send from the port they receive on).
    let other_port = addr("127.0.0.1:40002");
    assert_eq!(l.check(other_port, 5, ms(t0, 60)), LatchVerdict::Latched);
    assert_eq!(l.strangers(), 50);
}

#[test]
fn the_sdp_address_replaces_a_learned_source_once() {
    let t0 = Instant::now();
    let sdp = addr("203.0.113.50:4000");
    let early = addr("198.51.100.9:5004");
    // Signalling address unknown: treated as NATed, so the early stranger is learned...
    let mut l = strict(Some(sdp), None, t0);
    assert_eq!(l.check(early, 1, ms(t0, 5)), LatchVerdict::Latched);
    assert_eq!(l.send_to(), Some(early));
    // ...until the SDP address sends: it takes the latch, for good.
    assert_eq!(l.check(sdp, 2, ms(t0, 40)), LatchVerdict::Latched);
    assert_eq!(l.send_to(), Some(sdp));
    assert_eq!(l.check(early, 1, ms(t0, 60)), LatchVerdict::Stranger);
    assert_eq!(l.check(sdp, 2, ms(t0, 60)), LatchVerdict::Accepted);
    assert_eq!(l.latched(), Some((sdp, 2)));
}

#[test]
fn new_ssrc_from_the_latched_address_is_accepted_and_reported() {
    let t0 = Instant::now();
    let phone = addr("[2001:db8::1]:7000");
    let mut l = strict(Some(phone), Some(ip("2001:db8::1")), t0);
    l.check(phone, 1, t0);
    assert_eq!(
        l.check(phone, 2, ms(t0, 5_000)),
        LatchVerdict::SsrcChanged { previous: 1 }
    );
    assert!(LatchVerdict::SsrcChanged { previous: 1 }.accepted());
    assert_eq!(l.latched(), Some((phone, 2)));
    assert_eq!(l.check(phone, 2, ms(t0, 5_020)), LatchVerdict::Accepted);
}

#[test]
fn relatch_after_reinvite_opens_a_new_window() {
    let t0 = Instant::now();
    let old = addr("203.0.113.7:61000");
    let new_sdp = addr("10.0.0.5:9000");
    let new_src = addr("203.0.113.99:40000");
    let mut l = strict(None, None, t0);
    l.check(old, 1, t0);
    l.set_advertised(Some(new_sdp));
    assert_eq!(
        l.send_to(),
        Some(old),
        "set_advertised alone keeps the latch"
    );
    let t1 = ms(t0, 60_000);
    l.relatch(t1);
    assert_eq!(l.send_to(), Some(new_sdp));
    assert_eq!(l.check(new_src, 9, ms(t1, 100)), LatchVerdict::Latched);
    assert_eq!(l.send_to(), Some(new_src));
    assert_eq!(l.check(old, 1, ms(t1, 120)), LatchVerdict::Stranger);
    assert_eq!(l.advertised(), Some(new_sdp));
    // A relatch whose window passed with nothing learned: strangers stay out.
    let t2 = ms(t1, 10_000);
    l.relatch(t2);
    assert_eq!(l.check(new_src, 9, ms(t2, 2_500)), LatchVerdict::Stranger);
}

#[test]
fn not_strict_is_first_source_wins_at_any_time() {
    let t0 = Instant::now();
    let sdp = addr("192.0.2.10:4000");
    let policy = LatchPolicy {
        strict: false,
        window: WINDOW,
    };
    let mut l = SourceLatch::new(policy, Some(sdp), Some(sdp.ip()), t0);
    let first = addr("198.51.100.9:5004");
    assert_eq!(l.check(first, 1, ms(t0, 60_000)), LatchVerdict::Latched);
    // Not even the SDP address moves it then.
    assert_eq!(l.check(sdp, 2, ms(t0, 60_020)), LatchVerdict::Stranger);
    assert_eq!(l.send_to(), Some(first));
    assert!(LatchPolicy::default().strict);
    assert_eq!(LatchPolicy::default().window, WINDOW);
}
