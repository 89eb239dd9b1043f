//! Transfers asked for inside a call, under a fake clock: REFER (blind and attended with
//! Replaces) on inbound and engine-placed calls, 202 and the Refer event, the NOTIFYs the
//! engine's reports become (headers, sipfrag, CSeqs), refusals (400 naming the fault, 491 before
//! confirmation or while a REFER is pending), NOTIFYs refused or unanswered, `Refer-Sub: false`,
//! a hangup right after the final NOTIFY, and random bytes in Refer-To.

use rand::{rngs::StdRng, Rng, SeedableRng};

use super::*;
use crate::api::{ReferTo, Replaces};

/// The far end of a confirmed call, to write its in-dialog requests.
struct Far {
    call: CallRef,
    peer: &'static str,
    call_id: String,
    /// Their From (with their tag) and our To (with our tag), as they write them.
    from: String,
    to: String,
    cseq: u32,
    branch: u32,
}

impl Far {
    /// A request of theirs with the next CSeq and a fresh branch; `extra` are header lines.
    fn request(&mut self, method: &str, extra: &str) -> String {
        self.cseq += 1;
        self.branch += 1;
        self.request_at(method, self.cseq, extra)
    }

    fn request_at(&self, method: &str, cseq: u32, extra: &str) -> String {
        format!(
            "{method} sip:hotline@198.51.100.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {};branch=z9hG4bKfar{}\r\n\
             Max-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {cseq} {method}\r\n\
             Contact: <sip:far@{}>\r\n{extra}Content-Length: 0\r\n\r\n",
            self.peer, self.branch, self.from, self.to, self.call_id, self.peer
        )
    }

    fn refer(&mut self, refer_to: &str) -> String {
        self.request("REFER", &format!("Refer-To: {refer_to}\r\n"))
    }
}

/// A trunk call, answered and acknowledged (CSeq 1 used).
fn inbound_call(h: &mut H) -> Far {
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    let call = incoming(h);
    h.cmd(Command::Answer {
        call,
        answer: b"v=0\r\n".to_vec(),
    });
    let tag = to_tag(&h.take_sent()[1]);
    h.recv(TRUNK, &in_dialog("ACK", 1, "z9hG4bK2", "c1", &tag));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Confirmed { .. }]
    ));
    Far {
        call,
        peer: TRUNK,
        call_id: "c1".into(),
        from: "<sip:13800000000@10.0.0.1>;tag=caller".into(),
        to: format!("<sip:95598@198.51.100.1>;tag={tag}"),
        cseq: 1,
        branch: 0,
    }
}

/// Phone 1001 rung by the engine and answering (tag `agent`); its first request is CSeq 1.
fn outbound_call(h: &mut H) -> Far {
    register(h, PHONE, "1001", Some("secret"), 600);
    h.take_events();
    let call = CallRef(1 << 62);
    h.cmd(Command::Dial(Dial {
        call,
        gateway: None,
        user: "1001".into(),
        from_user: "13800000000".into(),
        from_display: None,
        offer: b"v=0\r\n".to_vec(),
        headers: vec![],
        ring_timeout: Duration::from_secs(20),
    }));
    let inv = h.take_sent().remove(0);
    h.recv(PHONE, &agent_200(&inv, "200 OK", "agent"));
    assert!(h.take_sent()[0].starts_with("ACK "));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Answered { .. }]
    ));
    let line = |name: &str| header(&inv, name).unwrap_or_default().to_string();
    Far {
        call,
        peer: PHONE,
        call_id: line("Call-ID"),
        from: format!("{};tag=agent", line("To")),
        to: line("From"),
        cseq: 0,
        branch: 0,
    }
}

/// The value of the first `name` header line of `msg`.
fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    header_values(msg, name).into_iter().next()
}

fn header_values<'a>(msg: &'a str, name: &str) -> Vec<&'a str> {
    let head = msg.split("\r\n\r\n").next().unwrap_or_default();
    head.lines()
        .filter_map(|l| l.split_once(": "))
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .collect()
}

fn body(msg: &str) -> &str {
    msg.split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default()
}

/// A response of the far end to our request `req`.
fn reply_to(req: &str, status: &str) -> String {
    let mut out = format!("SIP/2.0 {status}\r\n");
    for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
        out.push_str(&format!(
            "{name}: {}\r\n",
            header(req, name).unwrap_or_default()
        ));
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

/// The one message sent since last asked.
fn one_sent(h: &mut H) -> String {
    let mut sent = h.take_sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    sent.remove(0)
}

/// `far` sends `refer`; it is accepted: 202 (checked) and the Refer event, whose target is returned.
fn accepted(h: &mut H, far: &Far, refer: &str) -> ReferTo {
    h.recv(far.peer, refer);
    let ok = one_sent(h);
    assert!(ok.starts_with("SIP/2.0 202 Accepted\r\n"), "{ok}");
    assert_eq!(header(&ok, "To"), Some(far.to.as_str()), "{ok}");
    assert_eq!(header(&ok, "From"), Some(far.from.as_str()), "{ok}");
    assert_eq!(
        header(&ok, "CSeq"),
        Some(format!("{} REFER", far.cseq).as_str())
    );
    assert_eq!(
        header(&ok, "Contact"),
        Some("<sip:hotline@198.51.100.1:5060>"),
        "{ok}"
    );
    match h.take_events().as_slice() {
        [SipEvent::Refer { call, refer_to }] if *call == far.call => refer_to.clone(),
        other => panic!("{other:?}"),
    }
}

/// The NOTIFY sent for `status`, with the subscription state and sipfrag expected.
fn assert_notify(notify: &str, cseq: u32, refer_cseq: u32, state: &str, frag: &str) {
    assert_eq!(
        header(notify, "CSeq"),
        Some(format!("{cseq} NOTIFY").as_str())
    );
    assert_eq!(
        header(notify, "Event"),
        Some(format!("refer;id={refer_cseq}").as_str())
    );
    assert_eq!(header(notify, "Subscription-State"), Some(state));
    assert_eq!(
        header(notify, "Content-Type"),
        Some("message/sipfrag;version=2.0")
    );
    assert_eq!(body(notify), format!("{frag}\r\n"));
    assert_eq!(
        header(notify, "Content-Length"),
        Some(format!("{}", frag.len() + 2).as_str())
    );
    assert_eq!(
        header(notify, "Contact"),
        Some("<sip:hotline@198.51.100.1:5060>")
    );
}

/// No events; the call is still held.
fn call_goes_on(h: &mut H) {
    assert!(h.take_events().is_empty());
    assert_eq!(h.core.active_calls(), 1);
}

/// The far end's BYE ends the call as usual.
fn bye_ends_it(h: &mut H, far: &mut Far) {
    let bye = far.request("BYE", "");
    h.recv(far.peer, &bye);
    assert_eq!(h.status_lines(), vec!["SIP/2.0 200 OK"]);
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Ended {
            reason: EndReason::RemoteHangup,
            ..
        }]
    ));
    assert_eq!(h.core.active_calls(), 0);
}

#[test]
fn blind_refer_on_an_inbound_call() {
    let mut h = H::new();
    let mut far = inbound_call(&mut h);
    let refer = far.refer("<sip:1002@198.51.100.1>");
    let target = accepted(&mut h, &far, &refer);
    assert_eq!(
        target,
        ReferTo {
            user: "1002".into(),
            replaces: None
        }
    );
    // A retransmitted REFER gets the same 202, and no second event.
    h.recv(TRUNK, &refer);
    assert_eq!(h.status_lines(), vec!["SIP/2.0 202 Accepted"]);
    assert!(h.take_events().is_empty());

    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 100,
    });
    let trying = one_sent(&mut h);
    assert!(
        trying.starts_with("NOTIFY sip:13800000000@10.0.0.1:5060 SIP/2.0\r\n"),
        "{trying}"
    );
    assert_eq!(header(&trying, "From"), Some(far.to.as_str()));
    assert_eq!(header(&trying, "To"), Some(far.from.as_str()));
    assert_eq!(header(&trying, "Call-ID"), Some("c1"));
    assert_notify(&trying, 1, 2, "active;expires=60", "SIP/2.0 100 Trying");
    h.recv(TRUNK, &reply_to(&trying, "200 OK"));
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 200,
    });
    let done = one_sent(&mut h);
    assert!(done.starts_with("NOTIFY sip:13800000000@10.0.0.1:5060 SIP/2.0\r\n"));
    assert_ne!(
        header(&done, "Via"),
        header(&trying, "Via"),
        "a new transaction"
    );
    assert_notify(
        &done,
        2,
        2,
        "terminated;reason=noresource",
        "SIP/2.0 200 OK",
    );
    h.recv(TRUNK, &reply_to(&done, "200 OK"));
    // Nothing more: the subscription is over, further reports are ignored.
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 200,
    });
    assert!(h.take_sent().is_empty());
    h.advance(Duration::from_secs(40));
    assert!(h.take_sent().is_empty());
    call_goes_on(&mut h);
    bye_ends_it(&mut h, &mut far);
    h.advance(Duration::from_secs(40));
    assert_eq!(h.core.transaction_count(), 0);
    assert_eq!(h.core.timer_count(), 1, "timers left: {:?}", h.core.timers);
}

#[test]
fn blind_refer_on_an_engine_placed_call_and_hangup_after_the_final_notify() {
    let mut h = H::new();
    let mut far = outbound_call(&mut h);
    // The compact form of Refer-To.
    let refer = far.request("REFER", "r: sip:13800001111@198.51.100.1\r\n");
    let target = accepted(&mut h, &far, &refer);
    assert_eq!(target.user, "13800001111");
    assert_eq!(target.replaces, None);
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 180,
    });
    let ringing = one_sent(&mut h);
    assert!(
        ringing.starts_with("NOTIFY sip:1001@192.0.2.7:5062 SIP/2.0\r\n"),
        "{ringing}"
    );
    assert_eq!(header(&ringing, "From"), Some(far.to.as_str()));
    assert_eq!(header(&ringing, "To"), Some(far.from.as_str()));
    // The INVITE had CSeq 1.
    assert_notify(&ringing, 2, 1, "active;expires=60", "SIP/2.0 180 Ringing");
    h.recv(PHONE, &reply_to(&ringing, "200 OK"));
    // The target is busy; the engine reports it and hangs up at once.
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 486,
    });
    h.cmd(Command::Hangup(far.call));
    let sent = h.take_sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].starts_with("NOTIFY sip:1001@192.0.2.7:5062 "));
    assert_notify(
        &sent[0],
        3,
        1,
        "terminated;reason=noresource",
        "SIP/2.0 486 Busy Here",
    );
    assert!(
        sent[1].starts_with("BYE sip:1001@192.0.2.7:5062 "),
        "{}",
        sent[1]
    );
    assert_eq!(header(&sent[1], "CSeq"), Some("4 BYE"));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Ended {
            reason: EndReason::LocalHangup,
            ..
        }]
    ));
    // The phone's own BYE crosses ours: 481, no further event; its answers are absorbed.
    let bye = far.request("BYE", "");
    h.recv(PHONE, &bye);
    assert_eq!(
        h.status_lines(),
        vec!["SIP/2.0 481 Call/Transaction Does Not Exist"]
    );
    h.recv(
        PHONE,
        &reply_to(&sent[0], "481 Call/Transaction Does Not Exist"),
    );
    h.recv(PHONE, &reply_to(&sent[1], "200 OK"));
    assert!(h.take_events().is_empty());
    h.advance(Duration::from_secs(40));
    assert!(h.take_events().is_empty());
    assert_eq!(h.core.active_calls(), 0);
    assert_eq!(h.core.transaction_count(), 0);
}

#[test]
fn the_phone_hanging_up_first_after_the_final_notify_is_a_normal_end() {
    let mut h = H::new();
    let mut far = inbound_call(&mut h);
    let refer = far.refer("<sip:1002@198.51.100.1>");
    accepted(&mut h, &far, &refer);
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 200,
    });
    let done = one_sent(&mut h);
    assert_notify(
        &done,
        1,
        2,
        "terminated;reason=noresource",
        "SIP/2.0 200 OK",
    );
    bye_ends_it(&mut h, &mut far);
    h.cmd(Command::Hangup(far.call));
    assert!(h.take_sent().is_empty());
    h.recv(TRUNK, &reply_to(&done, "200 OK"));
    h.advance(Duration::from_secs(40));
    assert!(h.take_events().is_empty());
    assert_eq!(h.core.transaction_count(), 0);
}

#[test]
fn attended_refer_carries_replaces() {
    let mut h = H::new();
    let far = &mut inbound_call(&mut h);
    let refer = far.refer("<sip:1002@host?Replaces=abc%40h%3Bto-tag%3D111%3Bfrom-tag%3D222>");
    let target = accepted(&mut h, far, &refer);
    assert_eq!(
        target,
        ReferTo {
            user: "1002".into(),
            replaces: Some(Replaces {
                call_id: "abc@h".into(),
                to_tag: "111".into(),
                from_tag: "222".into(),
            }),
        }
    );
}

#[test]
fn bad_refers_get_400_naming_the_fault_and_the_call_goes_on() {
    let mut h = H::new();
    let mut far = inbound_call(&mut h);
    for (headers, status) in [
        ("", "SIP/2.0 400 Missing Refer-To"),
        (
            "Refer-To: <sip:1002@h>\r\nRefer-To: <sip:1003@h>\r\n",
            "SIP/2.0 400 Several Refer-To",
        ),
        ("Refer-To: garbage\r\n", "SIP/2.0 400 Bad Refer-To"),
        (
            "Refer-To: sip:@host\r\n",
            "SIP/2.0 400 Refer-To Without User",
        ),
        (
            "Refer-To: <sip:1002@h?Replaces=abc%40h%3Bto-tag%3D111>\r\n",
            "SIP/2.0 400 Replaces Without From-Tag",
        ),
        (
            "Refer-To: <tel:+8613800001111>\r\n",
            "SIP/2.0 400 Refer-To Not a SIP URI",
        ),
    ] {
        let refer = far.request("REFER", headers);
        h.recv(TRUNK, &refer);
        let got = one_sent(&mut h);
        assert!(
            got.starts_with(&format!("{status}\r\n")),
            "{headers:?}: {got}"
        );
        assert_eq!(header(&got, "To"), Some(far.to.as_str()));
        call_goes_on(&mut h);
        // No REFER pending: a report has nothing to report on.
        h.cmd(Command::NotifyRefer {
            call: far.call,
            status: 100,
        });
        assert!(h.take_sent().is_empty());
    }
    // Nor does a REFER in a dialog we do not have get anywhere.
    let mut stranger = inbound_call_like(&far, "nope");
    h.recv(TRUNK, &stranger.refer("<sip:1002@h>"));
    assert_eq!(
        h.status_lines(),
        vec!["SIP/2.0 481 Call/Transaction Does Not Exist"]
    );
    call_goes_on(&mut h);
    bye_ends_it(&mut h, &mut far);
}

/// `far`'s requests in another Call-ID.
fn inbound_call_like(far: &Far, call_id: &str) -> Far {
    Far {
        call: far.call,
        peer: far.peer,
        call_id: call_id.into(),
        from: far.from.clone(),
        to: far.to.clone(),
        cseq: 10,
        branch: 100,
    }
}

#[test]
fn refer_before_the_call_is_confirmed_gets_491() {
    let mut h = H::new();
    h.recv(TRUNK, &invite("z9hG4bK1", "c1", ""));
    let call = incoming(&mut h);
    h.cmd(Command::Ringing(call));
    let tag = to_tag(&h.take_sent()[1]);
    let mut far = Far {
        call,
        peer: TRUNK,
        call_id: "c1".into(),
        from: "<sip:13800000000@10.0.0.1>;tag=caller".into(),
        to: format!("<sip:95598@198.51.100.1>;tag={tag}"),
        cseq: 1,
        branch: 0,
    };
    // Ringing (early dialog), then answered but not yet acknowledged.
    h.recv(TRUNK, &far.refer("<sip:1002@h>"));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 491 Request Pending"]);
    assert!(h.take_events().is_empty());
    h.cmd(Command::Answer {
        call,
        answer: b"v=0\r\n".to_vec(),
    });
    assert_eq!(h.status_lines(), vec!["SIP/2.0 200 OK"]);
    h.recv(TRUNK, &far.refer("<sip:1002@h>"));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 491 Request Pending"]);
    assert!(h.take_events().is_empty());
    h.recv(TRUNK, &in_dialog("ACK", 1, "z9hG4bKack", "c1", &tag));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Confirmed { .. }]
    ));
    let refer = far.refer("<sip:1002@h>");
    assert_eq!(accepted(&mut h, &far, &refer).user, "1002");
}

#[test]
fn a_second_refer_waits_for_the_final_notify_of_the_first() {
    let mut h = H::new();
    let mut far = inbound_call(&mut h);
    let refer = far.refer("<sip:1002@h>");
    accepted(&mut h, &far, &refer);
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 100,
    });
    let trying = one_sent(&mut h);
    h.recv(TRUNK, &reply_to(&trying, "200 OK"));
    h.recv(TRUNK, &far.refer("<sip:1003@h>"));
    assert_eq!(h.status_lines(), vec!["SIP/2.0 491 Request Pending"]);
    assert!(h.take_events().is_empty());
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 603,
    });
    let declined = one_sent(&mut h);
    assert_notify(
        &declined,
        2,
        2,
        "terminated;reason=noresource",
        "SIP/2.0 603 Decline",
    );
    // Now a new REFER is taken, and its NOTIFYs carry its own CSeq as the id.
    let refer = far.refer("<sip:1004@h>");
    assert_eq!(accepted(&mut h, &far, &refer).user, "1004");
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 100,
    });
    assert_notify(
        &one_sent(&mut h),
        3,
        4,
        "active;expires=60",
        "SIP/2.0 100 Trying",
    );
    // A status with no standard phrase here says so.
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 499,
    });
    assert_notify(
        &one_sent(&mut h),
        4,
        4,
        "terminated;reason=noresource",
        "SIP/2.0 499 Unknown",
    );
}

#[test]
fn a_notify_refused_with_481_leaves_the_call_up() {
    let mut h = H::new();
    let mut far = inbound_call(&mut h);
    let refer = far.refer("<sip:1002@h>");
    accepted(&mut h, &far, &refer);
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 100,
    });
    let trying = one_sent(&mut h);
    h.recv(TRUNK, &reply_to(&trying, "481 Subscription Does Not Exist"));
    call_goes_on(&mut h);
    // The subscription is gone (RFC 6665): the final report sends nothing, and ends the REFER.
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 200,
    });
    assert!(h.take_sent().is_empty());
    let refer = far.refer("<sip:1003@h>");
    accepted(&mut h, &far, &refer);
    // A final NOTIFY refused is no more harm.
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 480,
    });
    let done = one_sent(&mut h);
    assert_notify(
        &done,
        2,
        3,
        "terminated;reason=noresource",
        "SIP/2.0 480 Temporarily Unavailable",
    );
    h.recv(
        TRUNK,
        &reply_to(&done, "481 Call/Transaction Does Not Exist"),
    );
    h.advance(Duration::from_secs(40));
    call_goes_on(&mut h);
    bye_ends_it(&mut h, &mut far);
}

#[test]
fn a_notify_never_answered_leaves_the_call_up() {
    let mut h = H::new();
    let mut far = inbound_call(&mut h);
    let refer = far.refer("<sip:1002@h>");
    accepted(&mut h, &far, &refer);
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 100,
    });
    let trying = one_sent(&mut h);
    // Retransmitted over UDP (Timer E), the same request.
    h.advance(Duration::from_millis(600));
    assert_eq!(h.take_sent(), vec![trying.clone()]);
    // Timer F: the transaction gives up, the call does not.
    h.advance(Duration::from_secs(40));
    assert!(h
        .take_sent()
        .iter()
        .all(|s| s.starts_with("NOTIFY ") && header(s, "CSeq") == Some("1 NOTIFY")));
    call_goes_on(&mut h);
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 200,
    });
    assert!(h.take_sent().is_empty(), "the subscription timed out");
    // The final NOTIFY unanswered too.
    let refer = far.refer("<sip:1003@h>");
    accepted(&mut h, &far, &refer);
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 503,
    });
    let done = one_sent(&mut h);
    assert_notify(
        &done,
        2,
        3,
        "terminated;reason=noresource",
        "SIP/2.0 503 Service Unavailable",
    );
    h.advance(Duration::from_secs(40));
    h.take_sent();
    call_goes_on(&mut h);
    assert_eq!(h.core.transaction_count(), 0);
    bye_ends_it(&mut h, &mut far);
}

#[test]
fn refer_sub_false_gets_202_and_no_notify() {
    let mut h = H::new();
    let mut far = inbound_call(&mut h);
    // RFC 4488, with the option tag required: supported, so no 420.
    let refer = far.request(
        "REFER",
        "Refer-To: <sip:1002@h>\r\nRefer-Sub: false\r\nRequire: norefersub\r\n",
    );
    h.recv(TRUNK, &refer);
    let ok = one_sent(&mut h);
    assert!(ok.starts_with("SIP/2.0 202 Accepted\r\n"), "{ok}");
    assert_eq!(header(&ok, "Refer-Sub"), Some("false"));
    assert!(matches!(
        h.take_events().as_slice(),
        [SipEvent::Refer { refer_to, .. }] if refer_to.user == "1002"
    ));
    for status in [100, 180, 200] {
        h.cmd(Command::NotifyRefer {
            call: far.call,
            status,
        });
    }
    assert!(h.take_sent().is_empty());
    // The final report closed it: the next REFER (with a subscription) is taken and notified.
    let refer = far.request("REFER", "Refer-To: <sip:1003@h>\r\nRefer-Sub: true\r\n");
    let ok = {
        h.recv(TRUNK, &refer);
        one_sent(&mut h)
    };
    assert!(ok.starts_with("SIP/2.0 202 Accepted\r\n"), "{ok}");
    assert_eq!(header(&ok, "Refer-Sub"), None);
    h.take_events();
    h.cmd(Command::NotifyRefer {
        call: far.call,
        status: 100,
    });
    assert_notify(
        &one_sent(&mut h),
        1,
        3,
        "active;expires=60",
        "SIP/2.0 100 Trying",
    );
    // Any other required extension is still refused.
    let refer = far.request(
        "REFER",
        "Refer-To: <sip:1002@h>\r\nRequire: foo, norefersub\r\n",
    );
    h.recv(TRUNK, &refer);
    let got = one_sent(&mut h);
    assert!(got.starts_with("SIP/2.0 420 "), "{got}");
    assert_eq!(header(&got, "Unsupported"), Some("foo"));
}

#[test]
fn reports_for_no_call_or_no_refer_are_ignored() {
    let mut h = H::new();
    h.cmd(Command::NotifyRefer {
        call: CallRef(999),
        status: 200,
    });
    let far = inbound_call(&mut h);
    for status in [100, 200, 0, 700] {
        h.cmd(Command::NotifyRefer {
            call: far.call,
            status,
        });
    }
    assert!(h.take_sent().is_empty());
    call_goes_on(&mut h);
}

#[test]
fn options_and_405_list_refer() {
    let mut h = H::new();
    let opt = invite("z9hG4bK5", "c5", "")
        .replacen("INVITE sip", "OPTIONS sip", 1)
        .replace("CSeq: 1 INVITE", "CSeq: 1 OPTIONS");
    h.recv(TRUNK, &opt);
    let ok = one_sent(&mut h);
    assert_eq!(
        header(&ok, "Allow"),
        Some("INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, REFER")
    );
    assert_eq!(header(&ok, "Supported"), Some("norefersub"));
    // A NOTIFY to us is still not taken.
    let mut far = inbound_call(&mut h);
    h.recv(TRUNK, &far.request("NOTIFY", "Event: refer\r\n"));
    let got = one_sent(&mut h);
    assert!(got.starts_with("SIP/2.0 405 "), "{got}");
    assert_eq!(header(&got, "Allow"), Some(ALLOW));
}

/// The reason phrases of the Refer-To parser's 400s.
const PARSER_REASONS: [&str; 12] = [
    "Missing Refer-To",
    "Several Refer-To",
    "Bad Refer-To",
    "Refer-To Not a SIP URI",
    "Refer-To Without User",
    "Bad Refer-To User",
    "Bad Refer-To Host",
    "Several Replaces",
    "Replaces Without Call-ID",
    "Replaces Without Tags",
    "Replaces Without To-Tag",
    "Replaces Without From-Tag",
];

/// Random bytes in Refer-To (and a few near-misses) never panic; each REFER gets one final
/// answer, the call goes on, and the parser itself is reached most of the time.
#[test]
fn random_refer_to_never_panics() {
    let mut h = H::new();
    let mut far = inbound_call(&mut h);
    let mut rng = StdRng::seed_from_u64(3515);
    let pieces: [&[u8]; 14] = [
        b"sip:",
        b"sips:",
        b"<",
        b">",
        b"@",
        b"?",
        b"Replaces=",
        b"%3B",
        b"to-tag%3D",
        b"from-tag%3D",
        b";",
        b"&",
        b"%",
        b"\"",
    ];
    let (mut parser_400, mut accepted_n, mut codec_400) = (0, 0, 0);
    for case in 0..400 {
        let mut value = Vec::new();
        for _ in 0..rng.random_range(0..12) {
            match rng.random_range(0..4) {
                0 => value.push(rng.random::<u8>()),
                1 => value.push(rng.random_range(b'0'..=b'z')),
                _ => value.extend_from_slice(pieces[rng.random_range(0..pieces.len())]),
            }
        }
        let refer = far.request("REFER", "Refer-To: \u{0}\r\n");
        let (head, tail) = refer.split_once('\u{0}').unwrap_or_default();
        let mut bytes = head.as_bytes().to_vec();
        bytes.extend_from_slice(&value);
        bytes.extend_from_slice(tail.as_bytes());
        h.core.handle(
            h.now,
            Input::Received {
                peer: Peer::udp(addr(TRUNK)),
                bytes,
            },
        );
        h.drain();
        let got = h.status_lines();
        assert_eq!(got.len(), 1, "case {case} {value:?}: {got:?}");
        let events = h.take_events();
        if got[0] == "SIP/2.0 202 Accepted" {
            accepted_n += 1;
            assert!(
                matches!(events.as_slice(), [SipEvent::Refer { .. }]),
                "{events:?}"
            );
            h.cmd(Command::NotifyRefer {
                call: far.call,
                status: 200,
            });
            h.take_sent();
        } else {
            assert!(events.is_empty(), "case {case} {value:?}: {events:?}");
            assert!(
                got[0].starts_with("SIP/2.0 4"),
                "case {case} {value:?}: {got:?}"
            );
            let reason = got[0].strip_prefix("SIP/2.0 400 ").unwrap_or_default();
            if PARSER_REASONS.contains(&reason) {
                parser_400 += 1;
            } else {
                codec_400 += 1;
            }
        }
    }
    eprintln!("accepted {accepted_n}, parser 400 {parser_400}, other refusals {codec_400}");
    assert!(
        parser_400 > 200,
        "{parser_400} refused by the Refer-To parser"
    );
    assert!(accepted_n + codec_400 > 0);
    call_goes_on(&mut h);
    bye_ends_it(&mut h, &mut far);
}
