//! Session tests on a fake clock: every path of bind, submit, window, throttling, keep-alive,
//! receipts, inbound messages, bad bytes, unbind and reconnect, the SMSC played by hand.

use super::*;
use crate::receipt::MessageState;

fn config() -> SessionConfig {
    let mut c = SessionConfig::new("hotline", "secret", "95598");
    c.window = 2;
    c.enquire_link_interval_ms = 30_000;
    c.response_timeout_ms = 5_000;
    c.throttle_backoff_ms = 1_000;
    c.max_retries = 2;
    c
}

fn sent(outs: &[Output]) -> Vec<Pdu> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Send(b) => Some(pdu::decode(b).unwrap()),
            _ => None,
        })
        .collect()
}

fn events(outs: &[Output]) -> Vec<Event> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn closes(outs: &[Output]) -> bool {
    outs.contains(&Output::Close)
}

fn from_smsc(status: u32, sequence: u32, body: Body) -> Input {
    let p = Pdu {
        status,
        sequence,
        body,
    };
    Input::Received(p.encode().unwrap())
}

fn submit(local_id: u64, text: &str) -> Input {
    Input::Submit {
        local_id,
        to: "8613800000001".into(),
        text: text.into(),
    }
}

fn ok_submit(sequence: u32, id: &str) -> Input {
    from_smsc(
        0,
        sequence,
        Body::SubmitSmResp {
            message_id: id.into(),
        },
    )
}

fn bind(s: &mut Session, now: u64) -> Vec<Output> {
    let outs = s.handle(now, Input::Connected);
    let seq = sent(&outs)[0].sequence;
    s.handle(
        now,
        from_smsc(
            0,
            seq,
            Body::BindTransceiverResp {
                system_id: "SMSC".into(),
            },
        ),
    )
}

fn bound() -> Session {
    let mut s = Session::new(config());
    bind(&mut s, 0);
    assert!(s.is_bound());
    s
}

fn submits(outs: &[Output]) -> Vec<(u32, ShortMessage)> {
    sent(outs)
        .into_iter()
        .filter_map(|p| match p.body {
            Body::SubmitSm(m) => Some((p.sequence, *m)),
            _ => None,
        })
        .collect()
}

#[test]
fn connect_sends_bind_transceiver_and_the_answer_binds() {
    let mut s = Session::new(config());
    let outs = s.handle(0, Input::Connected);
    let p = &sent(&outs)[0];
    let Body::BindTransceiver(b) = &p.body else {
        panic!("not a bind: {p:?}")
    };
    assert_eq!(
        (b.system_id.as_str(), b.password.as_str()),
        ("hotline", "secret")
    );
    assert_eq!(b.interface_version, 0x34);
    let outs = s.handle(
        10,
        from_smsc(
            0,
            p.sequence,
            Body::BindTransceiverResp {
                system_id: "SMSC".into(),
            },
        ),
    );
    assert_eq!(
        events(&outs),
        vec![Event::Bound {
            system_id: "SMSC".into()
        }]
    );
}

#[test]
fn a_rejected_bind_is_reported_and_closes() {
    let mut s = Session::new(config());
    let seq = sent(&s.handle(0, Input::Connected))[0].sequence;
    let outs = s.handle(5, from_smsc(status::ESME_RBINDFAIL, seq, Body::GenericNack));
    assert_eq!(events(&outs), vec![Event::BindRejected { status: 0x0D }]);
    assert!(closes(&outs));
    assert!(!s.is_bound());
}

#[test]
fn an_unanswered_bind_times_out() {
    let mut s = Session::new(config());
    s.handle(0, Input::Connected);
    assert_eq!(s.next_deadline(), Some(5_000));
    assert!(s.handle(4_999, Input::Tick).is_empty());
    let outs = s.handle(5_000, Input::Tick);
    assert_eq!(
        events(&outs),
        vec![Event::Lost {
            reason: LostReason::BindTimeout
        }]
    );
    assert!(closes(&outs));
}

#[test]
fn a_submit_before_the_bind_goes_after_it() {
    let mut s = Session::new(config());
    assert!(s.handle(0, submit(1, "hello")).is_empty());
    let outs = bind(&mut s, 0);
    let subs = submits(&outs);
    assert_eq!(subs.len(), 1);
    let m = &subs[0].1;
    assert_eq!(m.dest.addr, "8613800000001");
    assert_eq!(m.source.addr, "95598");
    assert_eq!(m.registered_delivery, 1);
    assert_eq!(m.short_message, b"hello");
    let outs = s.handle(1, ok_submit(subs[0].0, "m-1"));
    assert_eq!(
        events(&outs),
        vec![Event::Submitted {
            local_id: 1,
            message_ids: vec!["m-1".into()]
        }]
    );
    assert_eq!(s.unacknowledged_parts(), 0);
}

#[test]
fn a_long_chinese_text_goes_in_parts_and_is_submitted_once_all_are_taken() {
    let mut s = bound();
    s.config.window = 10;
    let text = "尊敬的客户您好，您的电费已逾期，请及时缴纳。".repeat(5); // 110 characters
    let subs = submits(&s.handle(0, submit(7, &text)));
    assert_eq!(subs.len(), 2);
    for (i, (_, m)) in subs.iter().enumerate() {
        assert_eq!(m.data_coding, 0x08);
        assert_eq!(m.esm_class & 0x40, 0x40);
        assert_eq!(&m.short_message[..6], &[5, 0, 3, 7, 2, i as u8 + 1]);
    }
    // Answers out of order; the ids come back in part order.
    assert!(events(&s.handle(1, ok_submit(subs[1].0, "b"))).is_empty());
    let outs = s.handle(2, ok_submit(subs[0].0, "a"));
    assert_eq!(
        events(&outs),
        vec![Event::Submitted {
            local_id: 7,
            message_ids: vec!["a".into(), "b".into()]
        }]
    );
}

#[test]
fn the_window_holds_outstanding_submits() {
    let mut s = bound();
    let mut subs = Vec::new();
    for id in 1..=5 {
        subs.extend(submits(&s.handle(0, submit(id, "x"))));
    }
    assert_eq!(subs.len(), 2, "window 2");
    assert_eq!(s.unacknowledged_parts(), 5);
    let more = submits(&s.handle(1, ok_submit(subs[0].0, "1")));
    assert_eq!(more.len(), 1);
}

#[test]
fn throttling_pauses_and_retries_the_same_part() {
    let mut s = bound();
    let (seq, first) = submits(&s.handle(0, submit(1, "hi")))[0].clone();
    let outs = s.handle(
        100,
        from_smsc(status::ESME_RTHROTTLED, seq, Body::GenericNack),
    );
    assert!(events(&outs).is_empty());
    let outs = s.handle(100, ok_submit(seq, "late")); // a stray answer changes nothing
    assert!(outs.is_empty());
    assert_eq!(s.next_deadline(), Some(1_100));
    assert!(submits(&s.handle(1_099, Input::Tick)).is_empty());
    let again = submits(&s.handle(1_100, Input::Tick));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1, first);
    assert_ne!(again[0].0, seq, "a new sequence number");
    let outs = s.handle(1_200, ok_submit(again[0].0, "m"));
    assert_eq!(
        events(&outs),
        vec![Event::Submitted {
            local_id: 1,
            message_ids: vec!["m".into()]
        }]
    );
}

#[test]
fn a_full_queue_past_the_retries_fails_retryable() {
    let mut s = bound();
    let mut seq = submits(&s.handle(0, submit(1, "hi")))[0].0;
    let mut now = 0;
    for _ in 0..2 {
        let resp = Input::Received(
            Pdu {
                status: status::ESME_RMSGQFUL,
                sequence: seq,
                body: Body::SubmitSmResp {
                    message_id: String::new(),
                },
            }
            .encode()
            .unwrap(),
        );
        assert!(events(&s.handle(now, resp)).is_empty());
        now += 1_000;
        seq = submits(&s.handle(now, Input::Tick))[0].0;
    }
    let outs = s.handle(
        now,
        from_smsc(status::ESME_RMSGQFUL, seq, Body::GenericNack),
    );
    assert_eq!(
        events(&outs),
        vec![Event::SubmitFailed {
            local_id: 1,
            status: 0x14,
            retryable: true
        }]
    );
    assert_eq!(s.unacknowledged_parts(), 0);
}

#[test]
fn a_refused_part_fails_its_whole_text_not_retryable() {
    let mut s = bound();
    let subs = submits(&s.handle(0, submit(4, &"z".repeat(400)))); // 3 parts, window 2
    assert_eq!(subs.len(), 2);
    let refused = Pdu {
        status: 0x0B,
        sequence: subs[0].0,
        body: Body::SubmitSmResp {
            message_id: String::new(),
        },
    };
    let outs = s.handle(1, Input::Received(refused.encode().unwrap()));
    assert_eq!(
        events(&outs),
        vec![Event::SubmitFailed {
            local_id: 4,
            status: 0x0B,
            retryable: false
        }]
    );
    assert!(submits(&outs).is_empty(), "the third part is dropped");
    assert!(s.handle(2, ok_submit(subs[1].0, "x")).is_empty());
}

#[test]
fn bad_destinations_and_empty_text_fail_at_once() {
    let mut s = bound();
    let outs = s.handle(
        0,
        Input::Submit {
            local_id: 1,
            to: "1".repeat(21),
            text: "x".into(),
        },
    );
    assert_eq!(
        events(&outs),
        vec![Event::SubmitFailed {
            local_id: 1,
            status: 0x0B,
            retryable: false
        }]
    );
    let outs = s.handle(0, submit(2, ""));
    assert_eq!(
        events(&outs),
        vec![Event::SubmitFailed {
            local_id: 2,
            status: 0x01,
            retryable: false
        }]
    );
}

#[test]
fn enquire_link_keeps_the_link_and_its_silence_loses_it() {
    let mut s = bound();
    assert_eq!(s.next_deadline(), Some(30_000));
    let p = &sent(&s.handle(30_000, Input::Tick))[0];
    assert_eq!(p.body, Body::EnquireLink);
    assert!(s
        .handle(30_100, from_smsc(0, p.sequence, Body::EnquireLinkResp))
        .is_empty());
    assert_eq!(s.next_deadline(), Some(60_000));
    let p = &sent(&s.handle(60_000, Input::Tick))[0];
    assert_eq!(p.body, Body::EnquireLink);
    assert_eq!(s.next_deadline(), Some(65_000));
    let outs = s.handle(65_000, Input::Tick);
    assert_eq!(
        events(&outs),
        vec![Event::Lost {
            reason: LostReason::KeepAliveTimeout
        }]
    );
    assert!(closes(&outs));
}

#[test]
fn an_unanswered_submit_loses_the_link() {
    let mut s = bound();
    s.handle(1_000, submit(1, "x"));
    assert_eq!(s.next_deadline(), Some(6_000));
    let outs = s.handle(6_000, Input::Tick);
    assert_eq!(
        events(&outs),
        vec![Event::Lost {
            reason: LostReason::ResponseTimeout
        }]
    );
    assert_eq!(s.unacknowledged_parts(), 1, "kept for the next bind");
}

#[test]
fn after_a_lost_link_only_unacknowledged_parts_are_sent_again() {
    let mut s = bound();
    let a = submits(&s.handle(0, submit(1, "acknowledged")))[0].0;
    s.handle(1, ok_submit(a, "A"));
    let b = submits(&s.handle(2, submit(2, "not yet")));
    assert_eq!(b.len(), 1);
    s.handle(3, submit(3, "queued"));
    let outs = s.handle(4, Input::Closed);
    assert_eq!(
        events(&outs),
        vec![Event::Lost {
            reason: LostReason::Closed
        }]
    );
    // Bytes while down are ignored; a second Closed is nothing.
    assert!(s.handle(5, ok_submit(b[0].0, "B")).is_empty());
    assert!(s.handle(5, Input::Closed).is_empty());
    let again = submits(&bind(&mut s, 10));
    let texts: Vec<&[u8]> = again
        .iter()
        .map(|(_, m)| m.short_message.as_slice())
        .collect();
    assert_eq!(texts, vec![b"not yet".as_slice(), b"queued".as_slice()]);
}

#[test]
fn a_receipt_is_answered_and_reported() {
    let mut s = bound();
    let receipt = ShortMessage {
        esm_class: 0x04,
        short_message: b"id:A1 sub:001 dlvrd:001 submit date:2612071500 done date:2612071501 stat:DELIVRD err:000 text:".to_vec(),
        ..ShortMessage::default()
    };
    let outs = s.handle(777, from_smsc(0, 42, Body::DeliverSm(Box::new(receipt))));
    assert_eq!(sent(&outs), vec![Pdu::request(42, Body::DeliverSmResp)]);
    let evs = events(&outs);
    let [Event::Receipt {
        receipt,
        received_at_ms,
    }] = evs.as_slice()
    else {
        panic!("no receipt: {evs:?}")
    };
    let received_at_ms = *received_at_ms;
    assert_eq!(received_at_ms, 777);
    assert_eq!(receipt.message_id, "A1");
    assert_eq!(receipt.state, MessageState::Delivered);
}

#[test]
fn an_inbound_stop_is_reported_with_its_number() {
    let mut s = bound();
    let mo = ShortMessage {
        source: Address {
            ton: 1,
            npi: 1,
            addr: "8613800000009".into(),
        },
        dest: Address {
            ton: 0,
            npi: 1,
            addr: "95598".into(),
        },
        data_coding: 0x08,
        short_message: vec![0x90, 0x00, 0x8B, 0xA2],
        ..ShortMessage::default()
    };
    let outs = s.handle(1, from_smsc(0, 9, Body::DeliverSm(Box::new(mo))));
    assert_eq!(sent(&outs), vec![Pdu::request(9, Body::DeliverSmResp)]);
    assert_eq!(
        events(&outs),
        vec![Event::Inbound {
            from: "8613800000009".into(),
            to: "95598".into(),
            text: "退订".into()
        }]
    );
    let mo = ShortMessage {
        source: Address {
            ton: 1,
            npi: 1,
            addr: "1".into(),
        },
        tlvs: vec![pdu::Tlv {
            tag: pdu::tag::MESSAGE_PAYLOAD,
            value: b"STOP".to_vec(),
        }],
        ..ShortMessage::default()
    };
    let outs = s.handle(2, from_smsc(0, 10, Body::DeliverSm(Box::new(mo))));
    assert!(matches!(&events(&outs)[0], Event::Inbound { text, .. } if text == "STOP"));
}

#[test]
fn an_unknown_command_gets_a_generic_nack_and_the_link_stays() {
    let mut s = bound();
    let outs = s.handle(
        1,
        Input::Received(vec![0, 0, 0, 16, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 55]),
    );
    assert_eq!(
        sent(&outs),
        vec![Pdu {
            status: status::ESME_RINVCMDID,
            sequence: 55,
            body: Body::GenericNack
        }]
    );
    assert!(s.is_bound());
}

#[test]
fn an_impossible_length_nacks_and_loses_the_link() {
    let mut s = bound();
    let outs = s.handle(1, Input::Received(vec![0, 0, 0, 3, 1, 2, 3]));
    assert_eq!(sent(&outs)[0].status, status::ESME_RINVCMDLEN);
    assert!(matches!(
        events(&outs)[0],
        Event::Lost {
            reason: LostReason::BadStream(_)
        }
    ));
    assert!(closes(&outs));
}

#[test]
fn pdus_split_across_reads_and_joined_in_one_read_decode() {
    let mut s = Session::new(config());
    let seq = sent(&s.handle(0, Input::Connected))[0].sequence;
    let mut bytes = Pdu::request(
        seq,
        Body::BindTransceiverResp {
            system_id: "S".into(),
        },
    )
    .encode()
    .unwrap();
    bytes[8..12].copy_from_slice(&[0; 4]);
    bytes.extend(Pdu::request(3, Body::EnquireLink).encode().unwrap());
    let mut outs = Vec::new();
    for b in bytes {
        outs.extend(s.handle(1, Input::Received(vec![b])));
    }
    assert_eq!(
        events(&outs),
        vec![Event::Bound {
            system_id: "S".into()
        }]
    );
    assert_eq!(sent(&outs), vec![Pdu::request(3, Body::EnquireLinkResp)]);
}

#[test]
fn the_smsc_unbinding_is_answered_and_loses_the_link() {
    let mut s = bound();
    let outs = s.handle(1, from_smsc(0, 8, Body::Unbind));
    assert_eq!(sent(&outs), vec![Pdu::request(8, Body::UnbindResp)]);
    assert_eq!(
        events(&outs),
        vec![Event::Lost {
            reason: LostReason::PeerUnbound
        }]
    );
}

#[test]
fn unbinding_waits_for_the_answer_or_its_deadline() {
    let mut s = bound();
    let outs = s.handle(1, Input::Unbind);
    let p = &sent(&outs)[0];
    assert_eq!(p.body, Body::Unbind);
    let outs = s.handle(2, from_smsc(0, p.sequence, Body::UnbindResp));
    assert_eq!(events(&outs), vec![Event::Unbound]);
    assert!(closes(&outs));

    let mut s = bound();
    s.handle(1, Input::Unbind);
    let outs = s.handle(5_001, Input::Tick);
    assert_eq!(events(&outs), vec![Event::Unbound]);
}

#[test]
fn a_generic_nack_for_a_submit_fails_it() {
    let mut s = bound();
    let seq = submits(&s.handle(0, submit(1, "x")))[0].0;
    let outs = s.handle(1, from_smsc(status::ESME_RSYSERR, seq, Body::GenericNack));
    assert_eq!(
        events(&outs),
        vec![Event::SubmitFailed {
            local_id: 1,
            status: 8,
            retryable: false
        }]
    );
}

#[test]
fn sequence_numbers_wrap_before_the_sign_bit() {
    let mut s = bound();
    s.next_sequence = 0x7FFF_FFFF;
    let a = submits(&s.handle(0, submit(1, "x")))[0].0;
    let b = submits(&s.handle(0, submit(2, "y")))[0].0;
    assert_eq!((a, b), (0x7FFF_FFFF, 1));
}

#[test]
fn random_bytes_from_the_smsc_never_panic() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..2_000 {
        let mut s = bound();
        s.handle(0, submit(1, "x"));
        let mut now = 0;
        for _ in 0..5 {
            let n = rng.random_range(0..64);
            let mut bytes = vec![0u8; n];
            rng.fill(&mut bytes[..]);
            if n >= 16 && rng.random_bool(0.5) {
                bytes[..4].copy_from_slice(&(n as u32).to_be_bytes());
                bytes[4] &= 0x80;
                bytes[5..7].copy_from_slice(&[0, 0]);
            }
            now += rng.random_range(0..10_000);
            s.handle(now, Input::Received(bytes));
            s.handle(now, Input::Tick);
        }
    }
}

#[test]
fn abandoning_reports_every_text_not_yet_accepted() {
    let mut s = bound();
    let a = submits(&s.handle(0, submit(1, "accepted")))[0].0;
    s.handle(1, ok_submit(a, "A"));
    s.handle(2, submit(2, "in flight"));
    s.handle(3, submit(3, "in flight too"));
    s.handle(4, submit(4, "queued behind the window"));
    let outs = s.abandon(0x0D);
    let failed: Vec<u64> = events(&outs)
        .into_iter()
        .map(|e| match e {
            Event::SubmitFailed {
                local_id,
                status: 0x0D,
                retryable: true,
            } => local_id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(failed, vec![2, 3, 4]);
    assert_eq!(s.unacknowledged_parts(), 0);
}

#[test]
fn a_local_id_in_use_is_refused() {
    let mut s = Session::new(config());
    s.handle(0, submit(1, "first"));
    let outs = s.handle(0, submit(1, "second"));
    assert_eq!(
        events(&outs),
        vec![Event::SubmitFailed {
            local_id: 1,
            status: status::ESME_RSYSERR,
            retryable: false
        }]
    );
    let texts: Vec<Vec<u8>> = submits(&bind(&mut s, 1))
        .into_iter()
        .map(|(_, m)| m.short_message)
        .collect();
    assert_eq!(texts, vec![b"first".to_vec()]);
}
