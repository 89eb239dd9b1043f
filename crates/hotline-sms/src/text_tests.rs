//! Text coding tests: which coding is chosen, where parts are cut, and that parts decode back.

use super::*;

/// Decodes every part and joins them, checking each UDH on the way.
fn reassemble(e: &Encoded, reference: u8) -> String {
    let count = e.parts.len();
    e.parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if e.udhi {
                assert_eq!(&part[..6], &[5, 0, 3, reference, count as u8, i as u8 + 1]);
            }
            decode(e.data_coding, part, e.udhi)
        })
        .collect()
}

#[test]
fn ascii_goes_as_gsm_default_one_byte_a_character() {
    let e = encode("Bill 88.50 due 2026-12-20, ref A7", 1).unwrap();
    assert_eq!(e.data_coding, DC_DEFAULT);
    assert!(!e.udhi);
    assert_eq!(e.parts, vec![b"Bill 88.50 due 2026-12-20, ref A7".to_vec()]);
}

#[test]
fn gsm_specials_and_escapes_map() {
    let e = encode("@$_{€}", 1).unwrap();
    assert_eq!(e.data_coding, DC_DEFAULT);
    assert_eq!(
        e.parts[0],
        vec![0x00, 0x02, 0x11, 0x1B, 0x28, 0x1B, 0x65, 0x1B, 0x29]
    );
    assert_eq!(reassemble(&e, 1), "@$_{€}");
}

#[test]
fn chinese_goes_as_ucs2_big_endian() {
    let e = encode("退订", 1).unwrap();
    assert_eq!(e.data_coding, DC_UCS2);
    assert_eq!(e.parts, vec![vec![0x90, 0x00, 0x8B, 0xA2]]);
}

#[test]
fn limits_of_one_message() {
    assert_eq!(encode(&"a".repeat(160), 1).unwrap().parts.len(), 1);
    assert_eq!(encode(&"a".repeat(161), 1).unwrap().parts.len(), 2);
    // An escape counts two septets.
    assert_eq!(encode(&"{".repeat(80), 1).unwrap().parts.len(), 1);
    assert_eq!(encode(&"{".repeat(81), 1).unwrap().parts.len(), 2);
    assert_eq!(encode(&"电".repeat(70), 1).unwrap().parts.len(), 1);
    assert_eq!(encode(&"电".repeat(71), 1).unwrap().parts.len(), 2);
}

#[test]
fn long_gsm_text_splits_at_153() {
    let text: String = (0..400)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let e = encode(&text, 9).unwrap();
    assert!(e.udhi);
    let lens: Vec<usize> = e.parts.iter().map(|p| p.len() - 6).collect();
    assert_eq!(lens, vec![153, 153, 94]);
    assert_eq!(reassemble(&e, 9), text);
}

#[test]
fn an_escape_pair_is_never_cut() {
    let text = format!("{}{{", "a".repeat(152)) + &"b".repeat(10);
    let e = encode(&text, 3).unwrap();
    assert_eq!(e.parts[0].len() - 6, 152);
    assert_eq!(&e.parts[1][6..8], &[0x1B, 0x28]);
    assert_eq!(reassemble(&e, 3), text);
}

#[test]
fn long_chinese_splits_at_67_and_keeps_surrogate_pairs_whole() {
    let text = "尊敬的客户您好，您的电费已逾期，请及时缴纳。".repeat(7);
    let e = encode(&text, 200).unwrap();
    assert_eq!(e.data_coding, DC_UCS2);
    for part in &e.parts[..e.parts.len() - 1] {
        assert_eq!(part.len() - 6, 134);
    }
    assert_eq!(reassemble(&e, 200), text);

    let emoji = format!("{}😀", "电".repeat(66)) + &"费".repeat(10);
    let e = encode(&emoji, 1).unwrap();
    assert_eq!(e.parts[0].len() - 6, 132, "the pair moves whole to part 2");
    assert_eq!(reassemble(&e, 1), emoji);
}

#[test]
fn empty_and_too_long_text_are_errors() {
    assert_eq!(encode("", 1), Err(TextError::Empty));
    assert_eq!(
        encode(&"电".repeat(67 * 256), 1),
        Err(TextError::TooLong(256))
    );
    assert_eq!(encode(&"电".repeat(67 * 255), 1).unwrap().parts.len(), 255);
}

#[test]
fn bad_received_bytes_decode_without_panic() {
    assert_eq!(decode(DC_UCS2, &[0x90, 0x00, 0x8B], false), "退");
    assert_eq!(decode(DC_UCS2, &[0xD8, 0x00], false), "\u{FFFD}");
    assert_eq!(decode(DC_DEFAULT, &[0x1B], false), "?");
    assert_eq!(decode(DC_DEFAULT, &[0xFF], false), "?");
    assert_eq!(decode(DC_DEFAULT, &[9, 1, 2], true), "");
    assert_eq!(decode(DC_LATIN1, b"STOP", false), "STOP");
    assert_eq!(decode(0x04, b"\xff", false), "\u{FFFD}");
}

#[test]
fn random_texts_come_back_whole_from_their_parts() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let alphabet: Vec<char> = "aZ9 @$_{}[]~|€^\\\n电费退订，。😀éÄ".chars().collect();
    let mut rng = StdRng::seed_from_u64(21);
    for _ in 0..2_000 {
        let n = rng.random_range(1..500);
        let text: String = (0..n)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        let reference = rng.random();
        let e = encode(&text, reference).unwrap();
        let ucs2 = e.data_coding == DC_UCS2;
        let unit = if ucs2 { 2 } else { 1 };
        let limit = match (ucs2, e.udhi) {
            (true, true) => 134,
            (true, false) => 140,
            (false, true) => 153,
            (false, false) => 160,
        };
        for part in &e.parts {
            let body = if e.udhi { part.len() - 6 } else { part.len() };
            assert!(body <= limit, "{body} bytes in a part of {text:?}");
            assert_eq!(body % unit, 0);
        }
        assert_eq!(reassemble(&e, reference), text);
    }
}
