//! Overload control in the core, under a fake clock: trunk INVITEs above the concurrent and
//! per-second ceilings get 503 with Retry-After and never reach the engine (so no RTP port is
//! leased for them), are counted, and the ceilings open again as calls end and time passes.

use super::*;
use crate::overload::OverloadLimits;

fn harness(max_calls: usize, calls_per_sec: f64) -> H {
    let cfg = CoreConfig {
        trunks: vec!["10.0.0.0/24".parse().unwrap()],
        public_host: "198.51.100.1".into(),
        overload: OverloadLimits {
            max_calls,
            calls_per_sec,
            retry_after: Duration::from_secs(7),
        },
        ..CoreConfig::default()
    };
    let now = Now {
        mono: Instant::now(),
        unix: 1_700_000_000,
    };
    H {
        core: SipCore::new(cfg, HashMap::new(), [5; 32], now),
        now,
        sent: Vec::new(),
        events: Vec::new(),
    }
}

fn offer(h: &mut H, n: u32) -> String {
    h.recv(
        TRUNK,
        &invite(&format!("z9hG4bKo{n}"), &format!("ov{n}"), ""),
    );
    let sent = h.take_sent();
    sent.into_iter()
        .find(|s| !s.starts_with("SIP/2.0 100"))
        .unwrap_or_else(|| "SIP/2.0 100 Trying".into())
}

#[test]
fn concurrent_ceiling_refuses_with_503_and_retry_after() {
    let mut h = harness(2, 0.0);
    assert!(offer(&mut h, 1).starts_with("SIP/2.0 100"));
    assert!(offer(&mut h, 2).starts_with("SIP/2.0 100"));
    let calls: Vec<CallRef> = h
        .take_events()
        .iter()
        .filter_map(|e| match e {
            SipEvent::Incoming(c) => Some(c.call),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 2);
    let refused = offer(&mut h, 3);
    assert!(refused.starts_with("SIP/2.0 503 "), "{refused}");
    assert!(refused.contains("\r\nRetry-After: 7\r\n"), "{refused}");
    assert!(h.take_events().is_empty(), "the engine never hears of it");
    assert_eq!(h.core.stats().overloaded.get("max_calls"), Some(&1));
    // One call ends: room for one more.
    h.cmd(Command::Reject {
        call: calls[0],
        code: 486,
    });
    h.take_sent();
    h.take_events();
    assert!(offer(&mut h, 4).starts_with("SIP/2.0 100"));
    assert!(offer(&mut h, 5).starts_with("SIP/2.0 503"));
    // A retransmission of the refused INVITE gets the same 503, not a new decision.
    h.recv(TRUNK, &invite("z9hG4bKo5", "ov5", ""));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 503 Service Unavailable"]);
    assert_eq!(h.core.stats().overloaded.get("max_calls"), Some(&2));
}

#[test]
fn call_rate_ceiling_refuses_then_recovers() {
    let mut h = harness(0, 5.0);
    let mut answers = Vec::new();
    for n in 0..8 {
        answers.push(offer(&mut h, n));
    }
    let admitted = answers
        .iter()
        .filter(|a| a.starts_with("SIP/2.0 100"))
        .count();
    assert_eq!(admitted, 5, "{answers:?}");
    let busy = &answers[5];
    assert!(busy.starts_with("SIP/2.0 503 "), "{busy}");
    assert!(busy.contains("\r\nRetry-After: 1\r\n"), "{busy}");
    assert_eq!(h.core.stats().overloaded.get("call_rate"), Some(&3));
    h.advance(Duration::from_millis(400));
    assert!(offer(&mut h, 100).starts_with("SIP/2.0 100"));
    assert!(offer(&mut h, 101).starts_with("SIP/2.0 100"));
    assert!(offer(&mut h, 102).starts_with("SIP/2.0 503"));
}

#[test]
fn in_dialog_requests_are_never_refused() {
    let mut h = harness(1, 0.0);
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    let call = incoming(&mut h);
    h.cmd(Command::Answer {
        call,
        answer: b"v=0\r\n".to_vec(),
    });
    let tag = to_tag(&h.take_sent()[1]);
    h.recv(TRUNK, &in_dialog("ACK", 1, "z9hG4bK2", "c1", &tag));
    assert!(offer(&mut h, 9).starts_with("SIP/2.0 503"));
    h.recv(TRUNK, &in_dialog("BYE", 2, "z9hG4bK3", "c1", &tag));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 200 OK"]);
    assert!(offer(&mut h, 10).starts_with("SIP/2.0 100"));
}
