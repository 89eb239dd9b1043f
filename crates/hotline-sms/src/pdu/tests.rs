//! Codec tests: known wire bytes, every body round-trips (random bodies from a seeded
//! generator), and random or mangled bytes give typed errors, never a panic.

use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn cstr(rng: &mut StdRng, max: usize) -> String {
    let n = rng.random_range(0..max);
    (0..n)
        .map(|_| char::from(rng.random_range(0x20u8..0x7F)))
        .collect()
}

fn address(rng: &mut StdRng) -> Address {
    Address {
        ton: rng.random(),
        npi: rng.random(),
        addr: cstr(rng, 21),
    }
}

fn short_message(rng: &mut StdRng) -> ShortMessage {
    let sm_len = rng.random_range(0..=254);
    let tlvs = (0..rng.random_range(0..3))
        .map(|_| Tlv {
            tag: rng.random(),
            value: (0..rng.random_range(0..40)).map(|_| rng.random()).collect(),
        })
        .collect();
    ShortMessage {
        service_type: cstr(rng, 6),
        source: address(rng),
        dest: address(rng),
        esm_class: rng.random(),
        protocol_id: rng.random(),
        priority_flag: rng.random(),
        schedule_delivery_time: cstr(rng, 17),
        validity_period: cstr(rng, 17),
        registered_delivery: rng.random(),
        replace_if_present_flag: rng.random(),
        data_coding: rng.random(),
        sm_default_msg_id: rng.random(),
        short_message: (0..sm_len).map(|_| rng.random()).collect(),
        tlvs,
    }
}

fn random_pdu(rng: &mut StdRng) -> Pdu {
    let body = match rng.random_range(0..11) {
        0 => Body::BindTransceiver(Bind {
            system_id: cstr(rng, 16),
            password: cstr(rng, 9),
            system_type: cstr(rng, 13),
            interface_version: rng.random(),
            addr_ton: rng.random(),
            addr_npi: rng.random(),
            address_range: cstr(rng, 41),
        }),
        1 => Body::BindTransceiverResp {
            system_id: cstr(rng, 16),
        },
        2 => Body::Unbind,
        3 => Body::UnbindResp,
        4 => Body::EnquireLink,
        5 => Body::EnquireLinkResp,
        6 => Body::GenericNack,
        7 => Body::SubmitSm(Box::new(short_message(rng))),
        8 => Body::SubmitSmResp {
            message_id: cstr(rng, 65),
        },
        9 => Body::DeliverSm(Box::new(short_message(rng))),
        _ => Body::DeliverSmResp,
    };
    Pdu {
        status: rng.random(),
        sequence: rng.random(),
        body,
    }
}

#[test]
fn enquire_link_has_the_spec_bytes() {
    let bytes = Pdu::request(7, Body::EnquireLink).encode().unwrap();
    assert_eq!(
        bytes,
        [0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 7].to_vec()
    );
}

#[test]
fn submit_sm_has_the_spec_layout() {
    let sm = ShortMessage {
        source: Address {
            ton: 0,
            npi: 1,
            addr: "95598".into(),
        },
        dest: Address {
            ton: 1,
            npi: 1,
            addr: "8613800000000".into(),
        },
        registered_delivery: 1,
        data_coding: 8,
        short_message: vec![0x4F, 0x60],
        ..ShortMessage::default()
    };
    let bytes = Pdu::request(2, Body::SubmitSm(Box::new(sm)))
        .encode()
        .unwrap();
    let mut want = vec![0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 2];
    want.push(0); // service_type ""
    want.extend_from_slice(&[0, 1]);
    want.extend_from_slice(b"95598\0");
    want.extend_from_slice(&[1, 1]);
    want.extend_from_slice(b"8613800000000\0");
    want.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 8, 0, 2, 0x4F, 0x60]);
    want[3] = want.len() as u8;
    assert_eq!(bytes, want);
}

#[test]
fn every_body_round_trips() {
    let mut rng = StdRng::seed_from_u64(0x5355_3334);
    for _ in 0..20_000 {
        let pdu = random_pdu(&mut rng);
        let bytes = pdu.encode().unwrap();
        assert_eq!(frame_len(&bytes).unwrap(), Some(bytes.len()));
        assert_eq!(decode(&bytes).unwrap(), pdu);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = StdRng::seed_from_u64(42);
    for _ in 0..50_000 {
        let n = rng.random_range(0..300);
        let mut bytes = vec![0u8; n];
        rng.fill(&mut bytes[..]);
        if bytes.len() >= 16 && rng.random_bool(0.7) {
            // A plausible header so the body decoders run, not only the length check.
            let len = (bytes.len() as u32).to_be_bytes();
            bytes[..4].copy_from_slice(&len);
            let ids = [4u32, 5, 9, 0x8000_0004, 0x8000_0005, 0x8000_0009, 0x15];
            let id = ids[rng.random_range(0..ids.len())].to_be_bytes();
            bytes[4..8].copy_from_slice(&id);
        }
        let _ = decode(&bytes);
        let _ = frame_len(&bytes);
    }
}

#[test]
fn mangled_valid_pdus_never_panic() {
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..20_000 {
        let mut bytes = random_pdu(&mut rng).encode().unwrap();
        let i = rng.random_range(0..bytes.len());
        bytes[i] = rng.random();
        let cut = rng.random_range(0..=bytes.len());
        let _ = decode(&bytes);
        let _ = decode(&bytes[..cut]);
    }
}

#[test]
fn truncated_and_bad_lengths_are_typed() {
    let bytes = Pdu::request(1, Body::EnquireLink).encode().unwrap();
    assert_eq!(frame_len(&bytes[..3]), Ok(None));
    assert!(matches!(
        decode(&bytes[..10]),
        Err(DecodeError::Truncated { need: 16, have: 10 })
    ));
    let e = decode(&[0, 0, 0, 8, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap_err();
    assert_eq!(e, DecodeError::BadLength(8));
    assert_eq!(e.nack_status(), status::ESME_RINVCMDLEN);
    assert_eq!(
        frame_len(&[0xFF, 0xFF, 0xFF, 0xFF]),
        Err(DecodeError::BadLength(u32::MAX))
    );
}

#[test]
fn unknown_command_names_its_sequence_and_status() {
    let bytes = [0, 0, 0, 16, 0, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 77];
    let e = decode(&bytes).unwrap_err();
    assert_eq!(
        e,
        DecodeError::UnknownCommand {
            command_id: 0x99,
            sequence: 77
        }
    );
    assert_eq!(e.nack_status(), status::ESME_RINVCMDID);
    assert_eq!(e.sequence(), Some(77));
}

#[test]
fn a_missing_nul_and_a_broken_tlv_are_typed() {
    // submit_sm whose service_type never ends.
    let mut bytes = vec![0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 3];
    bytes.extend_from_slice(b"ABCDEFGH");
    bytes[3] = bytes.len() as u8;
    let e = decode(&bytes).unwrap_err();
    assert!(matches!(
        e,
        DecodeError::BadField {
            field: "service_type",
            sequence: 3,
            ..
        }
    ));
    assert_eq!(e.nack_status(), status::ESME_RINVMSGLEN);

    let sm = ShortMessage::default();
    let mut bytes = Pdu::request(4, Body::DeliverSm(Box::new(sm)))
        .encode()
        .unwrap();
    bytes.extend_from_slice(&[0x04, 0x27, 0x00]); // a TLV cut in its length
    bytes[3] = bytes.len() as u8;
    let e = decode(&bytes).unwrap_err();
    assert_eq!(e.nack_status(), status::ESME_RINVOPTPARSTREAM);
}

#[test]
fn failed_responses_may_have_no_body() {
    let bytes = [0, 0, 0, 16, 0x80, 0, 0, 4, 0, 0, 0, 0x58, 0, 0, 0, 9];
    let pdu = decode(&bytes).unwrap();
    assert_eq!(pdu.status, status::ESME_RTHROTTLED);
    assert_eq!(
        pdu.body,
        Body::SubmitSmResp {
            message_id: String::new()
        }
    );
}

#[test]
fn fields_too_long_do_not_encode() {
    let bind = Bind {
        password: "123456789".into(),
        ..Bind::default()
    };
    assert_eq!(
        Pdu::request(1, Body::BindTransceiver(bind)).encode(),
        Err(EncodeError::BadField {
            field: "password",
            max: 9
        })
    );
    let sm = ShortMessage {
        short_message: vec![0; 255],
        ..ShortMessage::default()
    };
    assert!(Pdu::request(1, Body::SubmitSm(Box::new(sm)))
        .encode()
        .is_err());
}
