//! How fast the codec handles `submit_sm`: encode, decode, and both, for a one-part ASCII
//! message (GSM default alphabet) and one UCS-2 part of a long Chinese text (UDH, 140 bytes),
//! plus the text coding that splits a 3-part Chinese text. Prints ns per PDU (median of 7
//! rounds) and PDUs per second.
//!
//! Run: `cargo bench -p hotline-sms --bench pdu_codec` (without `--bench`, as under
//! `cargo test --benches`, a short smoke run).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::Instant;

#[path = "../../../benches/common/micro.rs"]
mod micro;

use hotline_sms::pdu::{self, Address, Body, Pdu, ShortMessage};
use hotline_sms::text;

fn submit(text_part: Vec<u8>, data_coding: u8, udhi: bool) -> Pdu {
    let sm = ShortMessage {
        source: Address {
            ton: 0,
            npi: 1,
            addr: "95598".into(),
        },
        dest: Address {
            ton: 1,
            npi: 1,
            addr: "8613800000001".into(),
        },
        esm_class: if udhi { text::ESM_UDHI } else { 0 },
        registered_delivery: 1,
        data_coding,
        short_message: text_part,
        ..ShortMessage::default()
    };
    Pdu::request(12345, Body::SubmitSm(Box::new(sm)))
}

fn main() {
    let smoke = micro::smoke();
    let chinese = "尊敬的客户您好，您的电费已逾期，请及时缴纳。".repeat(8);
    let ascii = text::encode("Your bill of 88.50 is due on 2026-12-20 (ref A7).", 1).unwrap();
    let zh = text::encode(&chinese, 1).unwrap();
    let cases = [
        (
            "ascii",
            submit(ascii.parts[0].clone(), ascii.data_coding, false),
        ),
        (
            "ucs2 part",
            submit(zh.parts[0].clone(), zh.data_coding, true),
        ),
    ];
    for (name, pdu) in &cases {
        let bytes = pdu.encode().unwrap();
        assert_eq!(&pdu::decode(&bytes).unwrap(), pdu);
        micro::measure(
            &format!("submit_sm encode ({name}, {} B)", bytes.len()),
            1,
            smoke,
            || {
                black_box(black_box(pdu).encode().unwrap());
            },
        );
        micro::measure(&format!("submit_sm decode ({name})"), 1, smoke, || {
            black_box(pdu::decode(black_box(&bytes)).unwrap());
        });
        micro::measure(
            &format!("submit_sm encode+decode ({name})"),
            1,
            smoke,
            || {
                let b = black_box(pdu).encode().unwrap();
                black_box(pdu::decode(&b).unwrap());
            },
        );
    }
    micro::measure("text split, 176 Chinese chars (3 parts)", 1, smoke, || {
        black_box(text::encode(black_box(&chinese), 7).unwrap());
    });

    // Throughput as a plain count: encode+decode round trips in one second of wall time.
    let pdu = &cases[1].1;
    let budget = if smoke { 0.01 } else { 1.0 };
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < budget {
        for _ in 0..1000 {
            let b = pdu.encode().unwrap();
            black_box(pdu::decode(&b).unwrap());
        }
        n += 1000;
    }
    let per_sec = n as f64 / start.elapsed().as_secs_f64();
    println!("submit_sm encode+decode (ucs2 part): {per_sec:.0} per second");
}
