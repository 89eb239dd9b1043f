//! The core under a fake clock: whole call flows, timers, auth and bad input, with no sockets.
//! Authentication under attack is in `tests/auth.rs`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::api::{CallSource, Dial, EndReason};
use crate::digest;

const TRUNK: &str = "10.0.0.1:5060";
const PHONE: &str = "192.0.2.7:5062";

struct H {
    core: SipCore,
    now: Now,
    sent: Vec<(Peer, String)>,
    events: Vec<SipEvent>,
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

impl H {
    fn new() -> H {
        H::with_algorithms(&[digest::Algorithm::Sha256, digest::Algorithm::Md5])
    }

    fn with_algorithms(algorithms: &[digest::Algorithm]) -> H {
        let cfg = CoreConfig {
            trunks: vec!["10.0.0.0/24".parse().unwrap()],
            public_host: "198.51.100.1".into(),
            auth_algorithms: algorithms.to_vec(),
            ..CoreConfig::default()
        };
        let mut users = HashMap::new();
        users.insert(
            "1001".to_string(),
            UserCredentials {
                ha1_md5: Some(digest::ha1(
                    digest::Algorithm::Md5,
                    "1001",
                    "hotline",
                    "secret",
                )),
                ha1_sha256: Some(digest::ha1(
                    digest::Algorithm::Sha256,
                    "1001",
                    "hotline",
                    "secret",
                )),
            },
        );
        let now = Now {
            mono: Instant::now(),
            unix: 1_700_000_000,
        };
        H {
            core: SipCore::new(cfg, users, [7; 32], now),
            now,
            sent: Vec::new(),
            events: Vec::new(),
        }
    }

    fn drain(&mut self) {
        while let Some(o) = self.core.poll_output() {
            match o {
                Output::Transmit { peer, bytes } => {
                    self.sent.push((peer, String::from_utf8(bytes).unwrap()))
                }
                Output::Event(e) => self.events.push(e),
            }
        }
    }

    fn recv(&mut self, from: &str, msg: &str) {
        self.core.handle(
            self.now,
            Input::Received {
                peer: Peer::udp(addr(from)),
                bytes: msg.as_bytes().to_vec(),
            },
        );
        self.drain();
    }

    fn cmd(&mut self, c: Command) {
        self.core.handle(self.now, Input::Command(c));
        self.drain();
    }

    fn advance(&mut self, d: Duration) {
        let end = self.now.mono + d;
        while let Some(t) = self.core.poll_timeout() {
            if t > end {
                break;
            }
            self.now.unix += t.saturating_duration_since(self.now.mono).as_secs();
            self.now.mono = self.now.mono.max(t);
            self.core.handle_timeout(self.now);
            self.drain();
        }
        self.now.mono = end;
    }

    fn take_sent(&mut self) -> Vec<String> {
        self.sent.drain(..).map(|(_, s)| s).collect()
    }

    fn take_events(&mut self) -> Vec<SipEvent> {
        std::mem::take(&mut self.events)
    }

    fn status_lines(&mut self) -> Vec<String> {
        self.take_sent()
            .iter()
            .map(|s| s.lines().next().unwrap_or("").to_string())
            .collect()
    }
}

fn invite(branch: &str, call_id: &str, extra: &str) -> String {
    let body = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n";
    format!(
        "INVITE sip:95598@198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch={branch};rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:13800000000@10.0.0.1>;tag=caller\r\nTo: <sip:95598@198.51.100.1>\r\n\
         Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:13800000000@10.0.0.1:5060>\r\n{extra}\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn in_dialog(method: &str, cseq: u32, branch: &str, call_id: &str, to_tag: &str) -> String {
    format!(
        "{method} sip:hotline@198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch={branch}\r\n\
         From: <sip:13800000000@10.0.0.1>;tag=caller\r\nTo: <sip:95598@198.51.100.1>;tag={to_tag}\r\n\
         Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n"
    )
}

fn to_tag(resp: &str) -> String {
    let to = resp.lines().find(|l| l.starts_with("To:")).unwrap();
    to.split("tag=").nth(1).unwrap().trim().to_string()
}

fn incoming(h: &mut H) -> CallRef {
    match h.take_events().as_slice() {
        [SipEvent::Incoming(i)] => i.call,
        other => panic!("expected one incoming call, got {other:?}"),
    }
}

/// A trunk call answered and hung up by the caller.
#[test]
fn trunk_call_answer_ack_bye() {
    let mut h = H::new();
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 100 Trying"]);
    let call = incoming(&mut h);
    h.cmd(Command::Ringing(call));
    h.cmd(Command::Answer {
        call,
        answer: b"v=0\r\n".to_vec(),
    });
    let sent = h.take_sent();
    assert!(sent[0].starts_with("SIP/2.0 180 Ringing"));
    assert!(sent[1].starts_with("SIP/2.0 200 OK"));
    assert!(sent[1].contains("received=10.0.0.1;rport=5060"));
    assert!(sent[1].contains("Contact: <sip:hotline@198.51.100.1:5060>"));
    let tag = to_tag(&sent[1]);
    assert_eq!(tag, to_tag(&sent[0]), "same To tag on 180 and 200");
    // The 200 is retransmitted until the ACK arrives.
    h.advance(Duration::from_millis(600));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 200 OK"]);
    h.recv(TRUNK, &in_dialog("ACK", 1, "z9hG4bK2", "c1", &tag));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Confirmed { .. }]
    ));
    h.advance(Duration::from_secs(5));
    assert!(h.take_sent().is_empty(), "no retransmission after ACK");
    h.recv(TRUNK, &in_dialog("BYE", 2, "z9hG4bK3", "c1", &tag));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 200 OK"]);
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Ended {
            reason: EndReason::RemoteHangup,
            ..
        }]
    ));
    // A retransmitted BYE gets the same answer; then everything is freed.
    h.recv(TRUNK, &in_dialog("BYE", 2, "z9hG4bK3", "c1", &tag));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 200 OK"]);
    h.advance(Duration::from_secs(40));
    assert_eq!(h.core.active_calls(), 0);
    assert_eq!(h.core.transaction_count(), 0);
    // The call's and its transactions' timers (ring and 4-hour limits, the INVITE
    // transaction's expiry) went with them: only housekeeping is left.
    assert_eq!(
        h.core.timer_count(),
        1,
        "timers left after the call: {:?}",
        h.core.timers
    );
}

#[test]
fn retransmitted_invite_is_absorbed() {
    let mut h = H::new();
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    assert_eq!(h.status_lines().len(), 2);
    assert_eq!(h.take_events().len(), 1, "one call, not two");
}

#[test]
fn engine_hangs_up_with_bye() {
    let mut h = H::new();
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    let call = incoming(&mut h);
    h.cmd(Command::Answer {
        call,
        answer: b"v=0\r\n".to_vec(),
    });
    let tag = to_tag(&h.take_sent()[1]);
    h.recv(TRUNK, &in_dialog("ACK", 1, "z9hG4bK2", "c1", &tag));
    h.take_events();
    h.cmd(Command::Hangup(call));
    let sent = h.take_sent();
    assert!(
        sent[0].starts_with("BYE sip:13800000000@10.0.0.1:5060 SIP/2.0"),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains(&format!("From: <sip:95598@198.51.100.1>;tag={tag}")));
    assert!(sent[0].contains("To: <sip:13800000000@10.0.0.1>;tag=caller"));
    assert!(sent[0].contains("CSeq: 1 BYE"));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Ended {
            reason: EndReason::LocalHangup,
            ..
        }]
    ));
    // Unanswered BYE over UDP is retransmitted, then given up (Timer F).
    h.advance(Duration::from_millis(600));
    assert_eq!(h.take_sent().len(), 1);
    h.advance(Duration::from_secs(40));
    assert_eq!(h.core.transaction_count(), 0);
    assert_eq!(h.core.active_calls(), 0);
    assert_eq!(
        h.core.timer_count(),
        1,
        "timers left after the call: {:?}",
        h.core.timers
    );
}

#[test]
fn cancel_while_ringing() {
    let mut h = H::new();
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    let call = incoming(&mut h);
    h.cmd(Command::Ringing(call));
    h.take_sent();
    let cancel = invite("z9hG4bK1", "c1", "")
        .replacen("INVITE sip", "CANCEL sip", 1)
        .replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL");
    h.recv(TRUNK, &cancel);
    assert_eq!(
        h.status_lines(),
        vec!["SIP/2.0 200 OK", "SIP/2.0 487 Request Terminated"]
    );
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Ended {
            reason: EndReason::Cancelled,
            ..
        }]
    ));
    // 487 is retransmitted until the ACK (same branch) comes.
    h.advance(Duration::from_millis(600));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 487 Request Terminated"]);
    let ack = in_dialog("ACK", 1, "z9hG4bK1", "c1", "x");
    h.recv(TRUNK, &ack);
    h.advance(Duration::from_secs(10));
    assert!(h.take_sent().is_empty());
    h.advance(Duration::from_secs(40));
    assert_eq!(h.core.transaction_count(), 0);
    assert_eq!(h.core.timer_count(), 1, "timers left: {:?}", h.core.timers);
    // A CANCEL for nothing: 481.
    h.recv(TRUNK, &cancel.replace("z9hG4bK1", "z9hG4bK9"));
    assert_eq!(
        h.status_lines(),
        vec!["SIP/2.0 481 Call/Transaction Does Not Exist"]
    );
}

#[test]
fn missing_ack_ends_the_call_with_bye() {
    let mut h = H::new();
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    let call = incoming(&mut h);
    h.cmd(Command::Answer {
        call,
        answer: b"v=0\r\n".to_vec(),
    });
    h.take_sent();
    h.advance(Duration::from_secs(31));
    let sent = h.take_sent();
    let oks = sent.iter().filter(|s| s.starts_with("SIP/2.0 200")).count();
    // T1 doubling to T2: 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 → 9 within 31 s.
    assert_eq!(oks, 9, "{sent:?}");
    h.advance(Duration::from_secs(2));
    let sent = h.take_sent();
    assert!(sent.iter().any(|s| s.starts_with("BYE ")), "{sent:?}");
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Ended {
            reason: EndReason::AckTimeout,
            ..
        }]
    ));
}

#[test]
fn reinvite_for_hold_is_answered_and_call_kept() {
    let mut h = H::new();
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    let call = incoming(&mut h);
    h.cmd(Command::Answer {
        call,
        answer: b"v=0\r\n".to_vec(),
    });
    let tag = to_tag(&h.take_sent()[1]);
    h.recv(TRUNK, &in_dialog("ACK", 1, "z9hG4bK2", "c1", &tag));
    h.take_events();
    let reinvite = in_dialog("INVITE", 2, "z9hG4bK4", "c1", &tag).replace(
        "Content-Length: 0\r\n\r\n",
        "Content-Type: application/sdp\r\nContent-Length: 14\r\n\r\na=sendonly\r\n\r\n",
    );
    h.recv(TRUNK, &reinvite);
    assert_eq!(h.status_lines(), vec!["SIP/2.0 100 Trying"]);
    match h.take_events().as_slice() {
        [SipEvent::Reoffer { offer: Some(o), .. }] => assert!(o.starts_with(b"a=sendonly")),
        other => panic!("{other:?}"),
    }
    // A second re-INVITE while the first is pending: 491.
    h.recv(TRUNK, &in_dialog("INVITE", 3, "z9hG4bK5", "c1", &tag));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 491 Request Pending"]);
    h.recv(TRUNK, &in_dialog("ACK", 3, "z9hG4bK5", "c1", &tag));
    h.cmd(Command::AnswerReoffer {
        call,
        answer: Ok(b"a=recvonly\r\n".to_vec()),
    });
    assert_eq!(h.status_lines(), vec!["SIP/2.0 200 OK"]);
    h.recv(TRUNK, &in_dialog("ACK", 2, "z9hG4bK6", "c1", &tag));
    h.advance(Duration::from_secs(3));
    let sent = h.take_sent();
    assert!(sent.is_empty(), "{sent:?}");
    assert!(h.take_events().is_empty(), "the call goes on");
    assert_eq!(h.core.active_calls(), 1);
}

#[test]
fn unknown_dialog_and_methods() {
    let mut h = H::new();
    h.recv(TRUNK, &in_dialog("BYE", 2, "z9hG4bK1", "nope", "x"));
    assert_eq!(
        h.status_lines(),
        vec!["SIP/2.0 481 Call/Transaction Does Not Exist"]
    );
    h.recv(TRUNK, &in_dialog("ACK", 2, "z9hG4bK2", "nope", "x"));
    assert!(h.take_sent().is_empty(), "a stray ACK gets no answer");
    let sub = invite("z9hG4bK3", "c3", "")
        .replacen("INVITE sip", "SUBSCRIBE sip", 1)
        .replace("CSeq: 1 INVITE", "CSeq: 1 SUBSCRIBE");
    h.recv(TRUNK, &sub);
    let sent = h.take_sent();
    assert!(sent[0].starts_with("SIP/2.0 405"));
    assert!(sent[0].contains("Allow: INVITE"));
    let foo = invite("z9hG4bK4", "c4", "")
        .replacen("INVITE sip", "FOO sip", 1)
        .replace("CSeq: 1 INVITE", "CSeq: 1 FOO");
    h.recv(TRUNK, &foo);
    assert_eq!(h.status_lines(), vec!["SIP/2.0 501 Not Implemented"]);
    let opt = invite("z9hG4bK5", "c5", "")
        .replacen("INVITE sip", "OPTIONS sip", 1)
        .replace("CSeq: 1 INVITE", "CSeq: 1 OPTIONS");
    h.recv(PHONE, &opt);
    let sent = h.take_sent();
    assert!(sent[0].starts_with("SIP/2.0 200 OK") && sent[0].contains("Accept: application/sdp"));
    h.recv(TRUNK, &invite("z9hG4bK6", "c6", "Require: 100rel\r\n"));
    let sent = h.take_sent();
    assert!(sent[0].starts_with("SIP/2.0 420") && sent[0].contains("Unsupported: 100rel"));
}

#[test]
fn malformed_requests_get_400_and_garbage_is_dropped() {
    let mut h = H::new();
    let bad = invite("z9hG4bK1", "c1", "").replace("CSeq: 1 INVITE", "CSeq: one INVITE");
    h.recv(TRUNK, &bad);
    let sent = h.take_sent();
    assert!(sent[0].starts_with("SIP/2.0 400 Bad CSeq"), "{sent:?}");
    h.recv(TRUNK, "\u{1}\u{2}garbage\r\n\r\n");
    h.recv(TRUNK, "SIP/2.0 200 OK\r\n\r\n");
    assert!(h.take_sent().is_empty());
    assert_eq!(h.core.stats().malformed, 3);
    assert!(h.take_events().is_empty());
}

fn register(h: &mut H, from: &str, user: &str, password: Option<&str>, expires: u32) -> String {
    let mk = |auth: &str| {
        format!(
            "REGISTER sip:198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/UDP {from};branch=z9hG4bK{}\r\n\
             From: <sip:{user}@198.51.100.1>;tag=r1\r\nTo: <sip:{user}@198.51.100.1>\r\nCall-ID: reg-{user}\r\n\
             CSeq: {} REGISTER\r\nContact: <sip:{user}@{from}>\r\nExpires: {expires}\r\n{auth}Content-Length: 0\r\n\r\n",
            rand::random::<u32>(),
            rand::random::<u16>() as u32 + 1
        )
    };
    h.recv(from, &mk(""));
    let challenge = h.take_sent().remove(0);
    assert!(challenge.starts_with("SIP/2.0 401"), "{challenge}");
    let Some(password) = password else {
        return challenge;
    };
    let www = challenge
        .lines()
        .find(|l| l.starts_with("WWW-Authenticate:") && l.contains("MD5"))
        .unwrap()
        .trim_start_matches("WWW-Authenticate:")
        .trim();
    let auth = digest::respond(
        www,
        "REGISTER",
        "sip:198.51.100.1",
        user,
        password,
        "abcdef",
        1,
    )
    .unwrap();
    h.recv(from, &mk(&format!("Authorization: {auth}\r\n")));
    h.take_sent().remove(0)
}

#[test]
fn register_with_digest_and_locate() {
    let mut h = H::new();
    let ok = register(&mut h, PHONE, "1001", Some("secret"), 600);
    assert!(ok.starts_with("SIP/2.0 200 OK"), "{ok}");
    assert!(ok.contains("expires=600"));
    let loc = h.core.locate("1001", h.now.mono);
    assert_eq!(loc.len(), 1);
    assert_eq!(loc[0].source, addr(PHONE));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Registration { contacts: 1, .. }]
    ));
    // Expiry frees the binding.
    h.advance(Duration::from_secs(601));
    assert!(h.core.locate("1001", h.now.mono).is_empty());
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Registration { contacts: 0, .. }]
    ));
}

#[test]
fn challenge_offers_sha256_first_then_md5() {
    let mut h = H::new();
    let c = register(&mut h, PHONE, "1001", None, 600);
    let algs: Vec<&str> = c
        .lines()
        .filter(|l| l.starts_with("WWW-Authenticate:"))
        .map(|l| {
            if l.contains("SHA-256") {
                "SHA-256"
            } else {
                "MD5"
            }
        })
        .collect();
    assert_eq!(algs, vec!["SHA-256", "MD5"]);
}

#[test]
fn wrong_password_and_unknown_user_look_the_same_then_block() {
    let mut h = H::new();
    let a = register(&mut h, PHONE, "1001", Some("wrong"), 600);
    let b = register(&mut h, PHONE, "9999", Some("secret"), 600);
    assert!(a.starts_with("SIP/2.0 403 Forbidden"));
    assert!(b.starts_with("SIP/2.0 403 Forbidden"));
    for _ in 0..3 {
        register(&mut h, PHONE, "1001", Some("wrong"), 600);
    }
    // Five failures: the address is blocked and gets no answer at all, even with the right password.
    let probe = "OPTIONS sip:x@198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bKp\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: p\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    h.recv(PHONE, probe);
    assert!(h.take_sent().is_empty());
    // Another address is not affected.
    let ok = register(&mut h, "192.0.2.8:5062", "1001", Some("secret"), 600);
    assert!(ok.starts_with("SIP/2.0 200"));
}

#[test]
fn invite_from_outside_the_trunks_needs_a_registered_authenticated_user() {
    let mut h = H::new();
    let inv = invite("z9hG4bK1", "c1", "").replace("10.0.0.1:5060", PHONE);
    h.recv(PHONE, &inv);
    let sent = h.take_sent();
    assert!(sent[0].starts_with("SIP/2.0 407"), "{sent:?}");
    let challenge = sent[0]
        .lines()
        .find(|l| l.starts_with("Proxy-Authenticate:") && l.contains("SHA-256"))
        .unwrap()
        .trim_start_matches("Proxy-Authenticate:")
        .trim()
        .to_string();
    let auth = |nc: u32| {
        digest::respond(
            &challenge,
            "INVITE",
            "sip:95598@198.51.100.1",
            "1001",
            "secret",
            "c0ffee",
            nc,
        )
        .unwrap()
    };
    let with_auth = |branch: &str, nc: u32| {
        invite(
            branch,
            "c2",
            &format!("Proxy-Authorization: {}\r\n", auth(nc)),
        )
        .replace("10.0.0.1:5060", PHONE)
    };
    // Right password but not registered: 403 with a reason of its own, counted.
    h.recv(PHONE, &with_auth("z9hG4bK2", 1));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 403 Not Registered"]);
    assert_eq!(h.core.stats().refused.get("not_registered"), Some(&1));
    assert_eq!(h.core.stats().auth_failures, 0, "not a wrong password");
    register(&mut h, PHONE, "1001", Some("secret"), 600);
    h.take_events();
    // The same credentials again (nc 1 already used) are a replay: challenged, stale.
    h.recv(PHONE, &with_auth("z9hG4bK3", 1));
    let sent = h.take_sent();
    assert!(sent[0].starts_with("SIP/2.0 407"), "{sent:?}");
    assert!(sent[0].contains("stale=true"), "{}", sent[0]);
    assert!(h.take_events().is_empty());
    // The next count of the same nonce goes through.
    h.recv(PHONE, &with_auth("z9hG4bK4", 2));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 100 Trying"]);
    match h.take_events().as_slice() {
        [SipEvent::Incoming(i)] => assert_eq!(i.source, CallSource::User("1001".into())),
        other => panic!("{other:?}"),
    }
}

fn agent_200(invite: &str, code: &str, tag: &str) -> String {
    let mut out = format!("SIP/2.0 {code}\r\n");
    for l in invite.lines() {
        if l.starts_with("Via:")
            || l.starts_with("From:")
            || l.starts_with("Call-ID:")
            || l.starts_with("CSeq:")
        {
            out.push_str(l);
            out.push_str("\r\n");
        }
        if l.starts_with("To:") {
            out.push_str(&format!("{l};tag={tag}\r\n"));
        }
    }
    out.push_str("Contact: <sip:1001@192.0.2.7:5062>\r\nContent-Length: 0\r\n\r\n");
    out
}

#[test]
fn dial_a_registered_agent() {
    let mut h = H::new();
    register(&mut h, PHONE, "1001", Some("secret"), 600);
    h.take_events();
    let call = CallRef(1 << 62);
    h.cmd(Command::Dial(Dial {
        call,
        gateway: None,
        user: "1001".into(),
        from_user: "13800000000".into(),
        from_display: Some("Zhang".into()),
        offer: b"v=0\r\n".to_vec(),
        headers: vec![
            ("X-Hotline-Account".into(), "A-1".into()),
            ("Bad Header".into(), "x".into()),
        ],
        ring_timeout: Duration::from_secs(20),
    }));
    let sent = std::mem::take(&mut h.sent);
    assert_eq!(sent[0].0.addr, addr(PHONE));
    let inv = sent[0].1.clone();
    assert!(
        inv.starts_with("INVITE sip:1001@192.0.2.7:5062 SIP/2.0"),
        "{inv}"
    );
    assert!(inv.contains("X-Hotline-Account: A-1"));
    assert!(!inv.contains("Bad Header"));
    h.recv(PHONE, &agent_200(&inv, "180 Ringing", "agent"));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Progress { code: 180, .. }]
    ));
    h.recv(PHONE, &agent_200(&inv, "200 OK", "agent"));
    let sent = h.take_sent();
    assert!(
        sent[0].starts_with("ACK sip:1001@192.0.2.7:5062"),
        "{sent:?}"
    );
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Answered { .. }]
    ));
    // A retransmitted 200 is ACKed again.
    h.recv(PHONE, &agent_200(&inv, "200 OK", "agent"));
    let sent = h.take_sent();
    assert!(
        sent.first().is_some_and(|s| s.starts_with("ACK ")),
        "{sent:?}"
    );
    h.cmd(Command::Hangup(call));
    let sent = h.take_sent();
    assert!(sent[0].starts_with("BYE sip:1001@192.0.2.7:5062"));
    assert!(sent[0].contains("tag=agent"));
}

/// Phone 1001 registered, dialled with `ring_timeout`, and ringing (180); its INVITE.
fn ringing_dial(h: &mut H, ring_timeout: Duration) -> String {
    register(h, PHONE, "1001", Some("secret"), 600);
    h.take_events();
    h.cmd(Command::Dial(Dial {
        call: CallRef(1 << 62),
        gateway: None,
        user: "1001".into(),
        from_user: "13800000000".into(),
        from_display: None,
        offer: b"v=0\r\n".to_vec(),
        headers: vec![],
        ring_timeout,
    }));
    let inv = h.take_sent().remove(0);
    h.recv(PHONE, &agent_200(&inv, "180 Ringing", "agent"));
    h.take_events();
    inv
}

/// The engine gave up on the ringing dial: a CANCEL went out and the engine was told 408.
fn assert_given_up(h: &mut H) {
    let sent = h.take_sent();
    assert!(
        sent.iter()
            .any(|s| s.starts_with("CANCEL sip:1001@192.0.2.7:5062")),
        "{sent:?}"
    );
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Ended {
            reason: EndReason::Failed(408),
            ..
        }]
    ));
}

#[test]
fn ring_no_answer_cancels() {
    let mut h = H::new();
    let inv = ringing_dial(&mut h, Duration::from_secs(15));
    h.advance(Duration::from_secs(16));
    assert_given_up(&mut h);
    h.recv(PHONE, &agent_200(&inv, "487 Request Terminated", "agent"));
    assert!(h.take_sent()[0].starts_with("ACK "));
    assert!(h.take_events().is_empty(), "the engine was told once");
    h.advance(Duration::from_secs(60));
    assert_eq!(h.core.active_calls(), 0);
    assert_eq!(h.core.transaction_count(), 0);
    assert_eq!(h.core.timer_count(), 1, "timers left: {:?}", h.core.timers);
}

#[test]
fn a_ringing_dial_lasts_its_ring_time_past_timer_b_then_is_cancelled() {
    // RFC 3261 §17.1.1.2: Timer B (64·T1 = 32 s) bounds an INVITE only until a provisional
    // response; a phone that rings may ring for the whole ring time the engine asked for.
    let mut h = H::new();
    ringing_dial(&mut h, Duration::from_secs(45));
    h.advance(Duration::from_secs(40));
    assert!(h.take_events().is_empty(), "still ringing at 40 s");
    assert!(h.take_sent().is_empty());
    h.advance(Duration::from_secs(6));
    assert_given_up(&mut h);
    // The phone never answers the CANCEL: the INVITE transaction still ends (§9.1: 64·T1
    // after the CANCEL).
    h.advance(Duration::from_secs(40));
    assert_eq!(h.core.active_calls(), 0);
    assert_eq!(h.core.transaction_count(), 0);
}

#[test]
fn dial_unregistered_user_fails_at_once() {
    let mut h = H::new();
    h.cmd(Command::Dial(Dial {
        call: CallRef(1 << 62),
        gateway: None,
        user: "2002".into(),
        from_user: "1".into(),
        from_display: None,
        offer: vec![],
        headers: vec![],
        ring_timeout: Duration::from_secs(15),
    }));
    assert!(h.take_sent().is_empty());
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Ended {
            reason: EndReason::Failed(480),
            ..
        }]
    ));
}

#[test]
fn unanswered_inbound_call_is_bounded() {
    let mut h = H::new();
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    incoming(&mut h);
    h.advance(Duration::from_secs(301));
    assert!(h
        .status_lines()
        .contains(&"SIP/2.0 480 Temporarily Unavailable".to_string()));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Ended {
            reason: EndReason::Rejected(480),
            ..
        }]
    ));
    h.advance(Duration::from_secs(60));
    assert_eq!(h.core.active_calls(), 0);
    assert_eq!(h.core.transaction_count(), 0);
    assert_eq!(h.core.timer_count(), 1, "timers left: {:?}", h.core.timers);
}

#[test]
fn only_configured_algorithms_are_offered_and_accepted() {
    let mut h = H::with_algorithms(&[digest::Algorithm::Md5]);
    let challenge = register(&mut h, PHONE, "1001", None, 600);
    let offered: Vec<&str> = challenge
        .lines()
        .filter(|l| l.starts_with("WWW-Authenticate:"))
        .collect();
    assert_eq!(offered.len(), 1, "{challenge}");
    assert!(offered[0].contains("algorithm=MD5"));
    // A phone answering with SHA-256 anyway is refused, even with the right password.
    let sha = offered[0]
        .trim_start_matches("WWW-Authenticate:")
        .replace("algorithm=MD5", "algorithm=SHA-256");
    let auth = digest::respond(
        sha.trim(),
        "REGISTER",
        "sip:198.51.100.1",
        "1001",
        "secret",
        "ab",
        1,
    )
    .unwrap();
    let req = format!(
        "REGISTER sip:198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/UDP {PHONE};branch=z9hG4bKsha\r\n\
         From: <sip:1001@198.51.100.1>;tag=r1\r\nTo: <sip:1001@198.51.100.1>\r\nCall-ID: reg-sha\r\n\
         CSeq: 2 REGISTER\r\nContact: <sip:1001@{PHONE}>\r\nExpires: 600\r\nAuthorization: {auth}\r\nContent-Length: 0\r\n\r\n"
    );
    h.recv(PHONE, &req);
    assert_eq!(h.status_lines(), vec!["SIP/2.0 403 Forbidden"]);
    let ok = register(&mut h, PHONE, "1001", Some("secret"), 600);
    assert!(ok.starts_with("SIP/2.0 200 OK"), "{ok}");
}

#[test]
fn dial_a_number_through_a_gateway() {
    let mut h = H::new();
    let gateway = "192.0.2.50:5080";
    let call = CallRef(1 << 62);
    h.cmd(Command::Dial(Dial {
        call,
        gateway: Some(addr(gateway)),
        user: "13800001111".into(),
        from_user: "95598".into(),
        from_display: None,
        offer: b"v=0\r\n".to_vec(),
        headers: vec![],
        ring_timeout: Duration::from_secs(20),
    }));
    let sent = std::mem::take(&mut h.sent);
    assert_eq!(sent[0].0.addr, addr(gateway));
    let inv = sent[0].1.clone();
    assert!(
        inv.starts_with("INVITE sip:13800001111@192.0.2.50:5080 SIP/2.0"),
        "{inv}"
    );
    assert!(
        inv.contains("\r\nTo: <sip:13800001111@192.0.2.50:5080>\r\n"),
        "{inv}"
    );
    // The gateway's answers are taken like a phone's.
    h.recv(gateway, &agent_200(&inv, "200 OK", "gw"));
    assert!(h.take_sent()[0].starts_with("ACK sip:"));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Answered { .. }]
    ));
}

mod auth;
mod conformance;
mod overload;
mod refer;
