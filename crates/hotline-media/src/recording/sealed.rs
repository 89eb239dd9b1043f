//! Encryption at rest of recordings: a chunked, seekable file format, AES-256-GCM in the STREAM
//! construction, written and read a chunk at a time. Files are named `<name>.wav.hlenc`; readers
//! tell them from plain WAV by the magic, not the name.
//!
//! # The format, version 1
//!
//! The plaintext is the WAV file exactly as the plain writer would begin it: hound's header
//! (written once, at creation, with both sizes 0) and then the PCM samples. It is cut into
//! chunks of `chunk` bytes (16 KiB as written here); every chunk but the last is full, the
//! last holds 0 to `chunk` bytes. The file is:
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 8 | magic `89 48 4C 52 45 43 0D 0A` (`\x89HLREC\r\n`) |
//! | 8 | 1 | version: 1 |
//! | 9 | 1 | algorithm: 1 = AES-256-GCM, HKDF-SHA-256 file key, STREAM nonces |
//! | 10 | 2 | `wav_header`: length of the WAV header at the start of the plaintext (LE) |
//! | 12 | 4 | `chunk`: plaintext bytes per chunk (LE; 256 B to 1 MiB) |
//! | 16 | 8 | key id: the first 8 bytes of SHA-256(label, key) (see `keys.rs`) |
//! | 24 | 16 | salt, random per file |
//! | 40 | 7 | nonce prefix, random per file |
//! | 47 | 1 | reserved, 0 |
//! | 48 | … | the sealed chunks, chunk *i* at `48 + i·(chunk + 16)`: ciphertext, then the 16-byte tag |
//!
//! - **Keys.** The file's key is HKDF-SHA-256 (salt = the file's salt, input = the recording
//!   key, info = a fixed label): no two files share a GCM key, so nonces only need to be unique
//!   within a file.
//! - **Nonces (STREAM).** Chunk *i*'s 96-bit nonce is `prefix (7) ‖ i (4, big-endian) ‖ flag
//!   (1)`, the flag being 0 for a chunk that is followed by another, 1 for the last chunk of a
//!   recording closed normally, 2 for the last chunk of one closed by [`repair`] after a crash.
//!   Each chunk's associated data is the 48-byte header. So a changed header, a chunk moved,
//!   swapped or taken from another file, a file cut at a chunk boundary (its last chunk then
//!   carries flag 0) or anywhere else, all fail authentication.
//! - **No nonce is used twice with different plaintexts.** A chunk is sealed once, when it is
//!   full (or at close); nothing sealed is rewritten. The WAV header's two sizes, which hound
//!   rewrites while recording, are not rewritten here: the plaintext keeps the zeros written at
//!   creation and the reader fills in the sizes from the plaintext length it derives from the
//!   file's length (and authenticates through the last chunk). Repair seals the last whole
//!   chunk again under flag 2, a nonce the writer never uses; repeating a repair seals the same
//!   bytes under the same nonce.
//! - **Crash.** Audio reaches the disk a sealed chunk at a time: the chunk being filled is in
//!   memory only (never written in plain), so a crash loses at most `chunk - 1` bytes of
//!   plaintext besides what was still queued: with 16 KiB chunks, 0.51 s of a stereo
//!   recording (32,000 bytes a second), 1.02 s of a mono one. [`repair`] closes such a file
//!   at its last whole chunk.
//!
//! [`SealWriter`] writes the format; [`Sealed`] (in `reader.rs`) reads it: it checks the header,
//! picks the key by id, derives the layout from the file's length, and opens any chunk on its
//! own, so a byte range is served by decrypting only the chunks it touches.
//!
//! [`repair`]: super::repair_sealed

pub(super) mod reader;

use std::io::{self, Write};

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use thiserror::Error;
use zeroize::Zeroizing;

pub use reader::{Ending, Sealed};

use super::keys::{KeyId, RecordingKey};

/// The first bytes of every sealed recording.
pub const MAGIC: [u8; 8] = *b"\x89HLREC\r\n";
/// The format version written.
pub const VERSION: u8 = 1;
/// AES-256-GCM with an HKDF-SHA-256 file key and STREAM nonces.
const ALGORITHM: u8 = 1;
/// Bytes of the file header (the associated data of every chunk).
pub const HEADER_LEN: usize = 48;
/// Bytes of a GCM tag.
pub const TAG_LEN: usize = 16;
/// Plaintext bytes per chunk as written by the recorder: 16 KiB, about half a second of stereo.
pub const DEFAULT_CHUNK: u32 = 16 * 1024;
/// Smallest and largest chunk a file may declare.
const MIN_CHUNK: u32 = 256;
const MAX_CHUNK: u32 = 1 << 20;
/// The file name extension of a sealed recording (`<name>.wav.hlenc`).
pub const EXTENSION: &str = "hlenc";
/// HKDF's `info` for a file's key.
const KDF_INFO: &[u8] = b"hotline recording v1 file key";

/// The flag (last nonce byte) of a chunk followed by another.
pub(super) const MORE: u8 = 0;
/// The flag of the last chunk of a recording closed by its writer.
pub(super) const LAST: u8 = 1;
/// The flag of the last chunk of a recording closed by repair after a crash.
pub(super) const LAST_REPAIRED: u8 = 2;

/// Why a sealed recording cannot be read (or written).
#[derive(Debug, Error)]
pub enum SealError {
    #[error("not an encrypted recording (no hotline magic)")]
    NotSealed,
    #[error("encrypted recording format version {0} is not supported (this engine reads version {VERSION})")]
    Version(u8),
    #[error("malformed encrypted recording: {0}")]
    Malformed(String),
    #[error(
        "encrypted under recording key {0}, which is not among the keys this engine was given"
    )]
    UnknownKey(KeyId),
    #[error("cut short: it ends inside a chunk or before its first one (a crash not yet repaired, or truncation)")]
    Truncated,
    #[error("chunk {chunk} failed authentication: the file was altered, damaged, reordered or cut short, or the key is wrong")]
    Auth { chunk: u64 },
    #[error("too long for the format (2^32 chunks)")]
    TooLong,
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl SealError {
    /// As an `io::Error` (for writers whose callers speak io).
    pub fn into_io(self) -> io::Error {
        match self {
            SealError::Io(e) => e,
            other => io::Error::other(other),
        }
    }
}

/// The header fields (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) wav_header: u16,
    pub(super) chunk: u32,
    pub(super) key: KeyId,
    pub(super) salt: [u8; 16],
    pub(super) prefix: [u8; 7],
}

impl Header {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let fields: [&[u8]; 8] = [
            &MAGIC,
            &[VERSION, ALGORITHM],
            &self.wav_header.to_le_bytes(),
            &self.chunk.to_le_bytes(),
            &self.key.0,
            &self.salt,
            &self.prefix,
            &[0],
        ];
        let mut at = out.iter_mut();
        for b in fields.iter().flat_map(|f| f.iter()) {
            if let Some(slot) = at.next() {
                *slot = *b;
            }
        }
        out
    }

    pub(super) fn decode(b: &[u8]) -> Result<Header, SealError> {
        let field = |at: usize, len: usize| b.get(at..at + len).ok_or(SealError::Truncated);
        if field(0, 8)? != MAGIC {
            return Err(SealError::NotSealed);
        }
        if b.len() < HEADER_LEN {
            return Err(SealError::Truncated);
        }
        let version = *b.get(8).ok_or(SealError::Truncated)?;
        if version != VERSION {
            return Err(SealError::Version(version));
        }
        let algorithm = *b.get(9).ok_or(SealError::Truncated)?;
        if algorithm != ALGORITHM {
            return Err(SealError::Malformed(format!(
                "unknown algorithm {algorithm}"
            )));
        }
        if b.get(47) != Some(&0) {
            return Err(SealError::Malformed("reserved byte not 0".into()));
        }
        let arr = |at, len| -> Result<Vec<u8>, SealError> { Ok(field(at, len)?.to_vec()) };
        let wav_header = u16::from_le_bytes(to_array(&arr(10, 2)?));
        let chunk = u32::from_le_bytes(to_array(&arr(12, 4)?));
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk) {
            return Err(SealError::Malformed(format!(
                "chunk size {chunk} outside {MIN_CHUNK}..={MAX_CHUNK}"
            )));
        }
        if wav_header < 12 || u32::from(wav_header) > chunk {
            return Err(SealError::Malformed(format!(
                "WAV header length {wav_header} (chunk {chunk})"
            )));
        }
        Ok(Header {
            wav_header,
            chunk,
            key: KeyId(to_array(&arr(16, 8)?)),
            salt: to_array(&arr(24, 16)?),
            prefix: to_array(&arr(40, 7)?),
        })
    }
}

/// The first `N` bytes of `b` (zero-padded; callers pass exactly `N`).
fn to_array<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (o, i) in out.iter_mut().zip(b) {
        *o = *i;
    }
    out
}

/// The file's AES-256-GCM key, derived from the recording key and the file's salt.
fn file_cipher(key: &RecordingKey, salt: &[u8; 16]) -> Result<Aes256Gcm, SealError> {
    let mut okm = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(salt), key.bytes())
        .expand(KDF_INFO, okm.as_mut_slice())
        .map_err(|_| SealError::Malformed("key derivation".into()))?;
    Aes256Gcm::new_from_slice(okm.as_slice()).map_err(|_| SealError::Malformed("key length".into()))
}

/// Chunk `index`'s nonce (STREAM: prefix ‖ counter ‖ flag).
fn nonce(prefix: &[u8; 7], index: u32, flag: u8) -> Nonce<aes_gcm::aead::consts::U12> {
    let mut n = [0u8; 12];
    let parts = prefix
        .iter()
        .copied()
        .chain(index.to_be_bytes())
        .chain([flag]);
    for (o, b) in n.iter_mut().zip(parts) {
        *o = b;
    }
    Nonce::from(n)
}

/// Seals `buf` (plaintext, as the chunk at `index` with `flag`) in place and appends its tag.
pub(super) fn seal_in_place(
    cipher: &Aes256Gcm,
    aad: &[u8; HEADER_LEN],
    prefix: &[u8; 7],
    index: u32,
    flag: u8,
    buf: &mut Vec<u8>,
) -> Result<(), SealError> {
    let tag = cipher
        .encrypt_inout_detached(&nonce(prefix, index, flag), aad, buf.as_mut_slice().into())
        .map_err(|_| SealError::TooLong)?;
    buf.extend_from_slice(tag.as_slice());
    Ok(())
}

/// Writes a sealed recording: the header at creation, then each chunk as it fills, the last at
/// [`finish`](Self::finish). Plaintext is held in memory only (at most one chunk); a writer
/// dropped without `finish` leaves a file [`repair`](super::repair_sealed) can close.
pub struct SealWriter<W: Write> {
    out: W,
    aad: [u8; HEADER_LEN],
    cipher: Aes256Gcm,
    prefix: [u8; 7],
    chunk: usize,
    /// The chunk being filled (plaintext), then sealed in place.
    buf: Zeroizing<Vec<u8>>,
    /// Chunks written.
    sealed: u32,
    /// Plaintext bytes taken.
    taken: u64,
}

impl<W: Write> SealWriter<W> {
    /// Writes the header of a file sealed under `key` to `out` and takes `wav_header` as the
    /// first plaintext bytes. `chunk`: plaintext bytes per chunk ([`DEFAULT_CHUNK`]).
    pub fn new(
        mut out: W,
        key: &RecordingKey,
        wav_header: &[u8],
        chunk: u32,
    ) -> Result<SealWriter<W>, SealError> {
        let wav_len = u16::try_from(wav_header.len())
            .ok()
            .filter(|&n| n >= 12 && u32::from(n) <= chunk)
            .ok_or_else(|| SealError::Malformed("WAV header length".into()))?;
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk) {
            return Err(SealError::Malformed(format!("chunk size {chunk}")));
        }
        let mut salt = [0u8; 16];
        let mut prefix = [0u8; 7];
        rand::fill(&mut salt);
        rand::fill(&mut prefix);
        let header = Header {
            wav_header: wav_len,
            chunk,
            key: key.id(),
            salt,
            prefix,
        };
        let aad = header.encode();
        let cipher = file_cipher(key, &salt)?;
        out.write_all(&aad)?;
        let chunk = chunk as usize;
        let mut w = SealWriter {
            out,
            aad,
            cipher,
            prefix,
            chunk,
            buf: Zeroizing::new(Vec::with_capacity(chunk + TAG_LEN)),
            sealed: 0,
            taken: 0,
        };
        w.push(wav_header)?;
        Ok(w)
    }

    /// Appends plaintext; every chunk that fills is sealed and written.
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<(), SealError> {
        self.taken += bytes.len() as u64;
        while !bytes.is_empty() {
            let room = self.chunk.saturating_sub(self.buf.len());
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.buf.extend_from_slice(now);
            bytes = later;
            if self.buf.len() >= self.chunk {
                self.seal(MORE)?;
            }
        }
        Ok(())
    }

    /// Appends 16-bit samples, little-endian (as WAV holds them).
    pub fn push_samples(&mut self, samples: impl Iterator<Item = i16>) -> Result<(), SealError> {
        let mut samples = samples;
        let mut tmp = [0u8; 512];
        loop {
            let mut n = 0;
            for (slot, s) in tmp.chunks_exact_mut(2).zip(&mut samples) {
                slot.copy_from_slice(&s.to_le_bytes());
                n += 2;
            }
            if n == 0 {
                return Ok(());
            }
            self.push(tmp.get(..n).unwrap_or_default())?;
        }
    }

    /// Plaintext bytes taken so far (the WAV header included).
    pub fn plain_len(&self) -> u64 {
        self.taken
    }

    /// Flushes what was sealed (the chunk being filled stays in memory).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Seals the rest as the last chunk, writes it and flushes; returns the output.
    pub fn finish(mut self) -> Result<W, SealError> {
        self.seal(LAST)?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Seals the buffer as the next chunk, writes it, and empties the buffer.
    fn seal(&mut self, flag: u8) -> Result<(), SealError> {
        let index = self.sealed;
        self.sealed = index.checked_add(1).ok_or(SealError::TooLong)?;
        seal_in_place(
            &self.cipher,
            &self.aad,
            &self.prefix,
            index,
            flag,
            &mut self.buf,
        )?;
        let written = self.out.write_all(&self.buf);
        self.buf.clear();
        Ok(written?)
    }
}

/// Is this the start of a sealed recording?
pub fn is_sealed(head: &[u8]) -> bool {
    head.get(..MAGIC.len()) == Some(MAGIC.as_slice())
}

#[cfg(test)]
mod tests;
