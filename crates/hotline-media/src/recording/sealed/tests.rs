//! Tests of the sealed format: round trips at every chunk boundary, range reads, and every
//! kind of damage (a flipped byte anywhere, a cut anywhere, chunks swapped or borrowed from
//! another file, a wrong key), read with the current and with an older key.

use std::io::Cursor;

use super::*;
use crate::recording::keys::Keyring;

/// Small chunks, so that a few hundred bytes cross many boundaries.
const CHUNK: u32 = 256;

fn key(n: u8) -> RecordingKey {
    RecordingKey::from_bytes([n; 32])
}

fn ring(k: &RecordingKey) -> Keyring {
    Keyring::new(Some(k.clone()), vec![])
}

/// A 44-byte WAV header with both sizes 0, as hound writes it at creation.
fn wav_header() -> Vec<u8> {
    let mut h = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
    h.extend_from_slice(&[16, 0, 0, 0, 1, 0, 2, 0]);
    h.extend_from_slice(&[0x40, 0x1f, 0, 0, 0, 0xfa, 0, 0, 4, 0, 16, 0]);
    h.extend_from_slice(b"data\0\0\0\0");
    assert_eq!(h.len(), 44);
    h
}

/// `n` bytes of "audio" after the header: a pattern that never repeats within a chunk.
fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// A sealed file of the header and `body`, written in pieces of `piece` bytes.
fn seal(k: &RecordingKey, body: &[u8], piece: usize) -> Vec<u8> {
    let mut w = SealWriter::new(Vec::new(), k, &wav_header(), CHUNK).unwrap();
    for p in body.chunks(piece.max(1)) {
        w.push(p).unwrap();
    }
    assert_eq!(w.plain_len(), 44 + body.len() as u64);
    w.finish().unwrap()
}

/// The plaintext a reader must give back: the header with its sizes filled in, then `body`.
fn expected(body: &[u8]) -> Vec<u8> {
    let mut h = wav_header();
    let len = (44 + body.len()) as u32;
    h[4..8].copy_from_slice(&(len - 8).to_le_bytes());
    h[40..44].copy_from_slice(&(len - 44).to_le_bytes());
    h.extend_from_slice(body);
    h
}

/// Opens, authenticates the end, and reads all of `file`.
fn read_all(file: &[u8], keys: &Keyring) -> Result<Vec<u8>, SealError> {
    let s = Sealed::open(file, file.len() as u64, keys)?;
    let mut r = Cursor::new(file);
    s.verify_end(&mut r)?;
    s.read_range(&mut r, 0, s.plain_len())
}

/// File offset of sealed chunk `i` (chunk size [`CHUNK`]).
fn chunk_at(i: usize) -> usize {
    HEADER_LEN + i * (CHUNK as usize + TAG_LEN)
}

#[test]
fn round_trips_at_every_chunk_boundary() {
    let k = key(1);
    let c = CHUNK as usize;
    let mut lengths: Vec<usize> = Vec::new();
    for chunks in 0..4 {
        for delta in [-2i64, -1, 0, 1, 2] {
            let total = (chunks * c) as i64 + delta;
            if total >= 44 {
                lengths.push(total as usize - 44);
            }
        }
    }
    for n in lengths {
        let b = body(n);
        for piece in [1, 3, 160, 4096] {
            let file = seal(&k, &b, piece);
            let plain = 44 + n;
            // Full chunks, then the last one (0..=CHUNK bytes); each with its tag.
            let chunks = plain / c + 1;
            assert_eq!(
                file.len(),
                HEADER_LEN + plain + chunks * TAG_LEN,
                "{n} bytes in pieces of {piece}"
            );
            let s = Sealed::open(&file, file.len() as u64, &ring(&k)).unwrap();
            assert_eq!(s.plain_len(), plain as u64);
            assert_eq!(s.chunks(), chunks as u64);
            assert_eq!(
                s.verify_end(&mut Cursor::new(&file)).unwrap(),
                Ending::Closed
            );
            assert_eq!(read_all(&file, &ring(&k)).unwrap(), expected(&b), "{n}");
        }
    }
}

#[test]
fn a_range_decrypts_only_what_it_touches_and_matches_the_whole() {
    let k = key(2);
    let b = body(5 * CHUNK as usize + 100);
    let file = seal(&k, &b, 160);
    let want = expected(&b);
    let s = Sealed::open(&file, file.len() as u64, &ring(&k)).unwrap();
    let len = want.len() as u64;
    for first in [
        0u64,
        1,
        4,
        8,
        43,
        44,
        255,
        256,
        257,
        511,
        512,
        1000,
        len - 1,
    ] {
        for count in [1u64, 2, 255, 256, 257, 700, len] {
            let got = s.read_range(&mut Cursor::new(&file), first, count).unwrap();
            let end = (first + count).min(len) as usize;
            assert_eq!(got, want[first as usize..end], "{first}+{count}");
        }
    }
    assert!(s
        .read_range(&mut Cursor::new(&file), len, 10)
        .unwrap()
        .is_empty());
    // A range inside chunk 3 reads chunk 3 only: the others may be garbage.
    let mut damaged = file.clone();
    for i in [0usize, 1, 2, 4, 5] {
        damaged[chunk_at(i) + 5] ^= 1;
    }
    let from = 3 * CHUNK as u64 + 10;
    let got = s.read_range(&mut Cursor::new(&damaged), from, 20).unwrap();
    assert_eq!(got, want[from as usize..from as usize + 20]);
    assert_eq!(s.chunk_of(from), 3);
    assert_eq!(s.chunk_of(len + 1000), s.chunks() - 1);
}

#[test]
fn every_flipped_byte_is_detected() {
    let k = key(3);
    let b = body(2 * CHUNK as usize);
    let file = seal(&k, &b, 100);
    for at in 0..file.len() {
        let mut bad = file.clone();
        bad[at] ^= 0x01;
        let got = read_all(&bad, &ring(&k));
        assert!(got.is_err(), "a flip at byte {at} went unnoticed");
    }
}

#[test]
fn every_cut_is_detected() {
    let k = key(4);
    let b = body(3 * CHUNK as usize);
    let file = seal(&k, &b, 100);
    for len in 0..file.len() {
        let got = read_all(&file[..len], &ring(&k));
        assert!(
            matches!(
                got,
                Err(SealError::Truncated | SealError::Auth { .. } | SealError::Malformed(_))
            ),
            "cut at {len}: {got:?}"
        );
    }
    // Cut at a chunk boundary: the file looks whole, its last chunk says "more follow".
    let cut = &file[..chunk_at(2)];
    let s = Sealed::open(cut, cut.len() as u64, &ring(&k)).unwrap();
    assert!(matches!(
        s.verify_end(&mut Cursor::new(cut)),
        Err(SealError::Auth { chunk: 1 })
    ));
}

#[test]
fn chunks_swapped_moved_or_borrowed_are_detected() {
    let k = key(5);
    let c = CHUNK as usize + TAG_LEN;
    let b = body(4 * CHUNK as usize);
    let file = seal(&k, &b, 160);
    // Two chunks swapped.
    let mut swapped = file.clone();
    let (one, two) = (chunk_at(1), chunk_at(2));
    let first: Vec<u8> = file[one..one + c].to_vec();
    swapped.copy_within(two..two + c, one);
    swapped[two..two + c].copy_from_slice(&first);
    assert!(matches!(
        read_all(&swapped, &ring(&k)),
        Err(SealError::Auth { chunk: 1 })
    ));
    // A chunk left out (the rest moved up).
    let mut dropped = file[..one].to_vec();
    dropped.extend_from_slice(&file[two..]);
    assert!(read_all(&dropped, &ring(&k)).is_err());
    // The same chunk from another recording under the same key.
    let other = seal(&k, &b, 160);
    let mut borrowed = file.clone();
    borrowed[one..one + c].copy_from_slice(&other[one..one + c]);
    assert!(matches!(
        read_all(&borrowed, &ring(&k)),
        Err(SealError::Auth { chunk: 1 })
    ));
    // The other recording's header on this one's chunks.
    let mut reheaded = file.clone();
    reheaded[..HEADER_LEN].copy_from_slice(&other[..HEADER_LEN]);
    assert!(read_all(&reheaded, &ring(&k)).is_err());
    // Two recordings of the same audio share no ciphertext.
    assert_ne!(file[one..one + c], other[one..one + c]);
}

#[test]
fn a_wrong_key_is_named_and_an_older_key_reads() {
    let (old, new) = (key(6), key(7));
    let b = body(700);
    let file = seal(&old, &b, 160);
    match read_all(&file, &ring(&new)) {
        Err(SealError::UnknownKey(id)) => {
            assert_eq!(id, old.id());
            let msg = SealError::UnknownKey(id).to_string();
            assert!(msg.contains(&old.id().to_string()), "{msg}");
        }
        other => panic!("expected an unknown key, got {other:?}"),
    }
    assert!(matches!(
        read_all(&file, &Keyring::default()),
        Err(SealError::UnknownKey(_))
    ));
    // After a rotation the old key, kept as an older one, still reads it.
    let rotated = Keyring::new(Some(new.clone()), vec![key(9), old.clone()]);
    assert_eq!(read_all(&file, &rotated).unwrap(), expected(&b));
    // A header that names the right key id for the wrong key fails authentication.
    let mut lying = file.clone();
    lying[16..24].copy_from_slice(&new.id().0);
    assert!(matches!(
        read_all(&lying, &ring(&new)),
        Err(SealError::Auth { .. })
    ));
}

#[test]
fn the_file_holds_no_plaintext_and_is_not_a_wav() {
    let k = key(8);
    let b = body(3000);
    let file = seal(&k, &b, 160);
    assert!(is_sealed(&file));
    assert!(!file.windows(4).any(|w| w == b"RIFF" || w == b"WAVE"));
    for probe in b.chunks(16) {
        assert!(
            probe.len() < 16 || !file.windows(16).any(|w| w == probe),
            "plaintext found in the file"
        );
    }
}

#[test]
fn headers_that_do_not_parse_are_refused_with_the_reason() {
    let k = key(10);
    let file = seal(&k, &body(10), 10);
    let keys = ring(&k);
    let open = |f: &[u8]| Sealed::open(f, f.len() as u64, &keys).map(|_| ());
    assert!(matches!(open(b"RIFF....WAVE"), Err(SealError::NotSealed)));
    let mut v2 = file.clone();
    v2[8] = 2;
    assert!(matches!(open(&v2), Err(SealError::Version(2))));
    let mut huge = file.clone();
    huge[12..16].copy_from_slice(&(64u32 << 20).to_le_bytes());
    assert!(matches!(open(&huge), Err(SealError::Malformed(_))));
    assert!(matches!(open(&file[..20]), Err(SealError::Truncated)));
    assert!(SealWriter::new(Vec::new(), &k, b"short", CHUNK).is_err());
    assert!(SealWriter::new(Vec::new(), &k, &wav_header(), 16).is_err());
}
