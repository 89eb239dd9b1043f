//! Reading a sealed recording (the format is in `sealed.rs`): [`Sealed`] is an opened file's
//! layout and key, with no I/O of its own but for the [`read_range`](Sealed::read_range)
//! convenience. The caller reads the bytes [`sealed_span`](Sealed::sealed_span) names and
//! [`open_chunk`](Sealed::open_chunk) authenticates and decrypts them, so an async server can do
//! its own reads and a range costs only the chunks it touches.

use std::io::{Read, Seek, SeekFrom};

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, Tag};

use super::{
    file_cipher, nonce, Header, SealError, HEADER_LEN, LAST, LAST_REPAIRED, MORE, TAG_LEN,
};
use crate::recording::keys::{KeyId, Keyring};

/// How a sealed file's last chunk was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// By its writer, at the end of the recording.
    Closed,
    /// By repair, at the last whole chunk after a crash.
    Repaired,
}

/// An opened sealed recording: its header, key and layout (see the module doc).
pub struct Sealed {
    aad: [u8; HEADER_LEN],
    header: Header,
    cipher: Aes256Gcm,
    /// Chunks in the file, by its length (at least 1).
    chunks: u64,
    /// Plaintext bytes of the last chunk.
    last_len: u64,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("key", &self.header.key)
            .field("chunk", &self.header.chunk)
            .field("chunks", &self.chunks)
            .field("plain_len", &self.plain_len())
            .finish()
    }
}

impl Sealed {
    /// Opens a file of `file_len` bytes that starts with `head` (at least [`HEADER_LEN`]
    /// bytes), with the key of `keys` the header names. Checks the header and the length's
    /// shape; authenticates nothing yet (see [`verify_end`](Self::verify_end)).
    pub fn open(head: &[u8], file_len: u64, keys: &Keyring) -> Result<Sealed, SealError> {
        let header = Header::decode(head)?;
        let key = keys
            .find(header.key)
            .ok_or(SealError::UnknownKey(header.key))?;
        let cipher = file_cipher(key, &header.salt)?;
        let chunk = u64::from(header.chunk);
        let step = chunk + TAG_LEN as u64;
        let body = file_len
            .checked_sub(HEADER_LEN as u64)
            .ok_or(SealError::Truncated)?;
        let (full, rem) = (body / step, body % step);
        let (chunks, last_len) = if rem >= TAG_LEN as u64 {
            (full + 1, rem - TAG_LEN as u64)
        } else if rem == 0 && full > 0 {
            (full, chunk)
        } else {
            return Err(SealError::Truncated);
        };
        if chunks > u64::from(u32::MAX) + 1 {
            return Err(SealError::TooLong);
        }
        // The header as it is on disk is what every chunk authenticates.
        let aad = super::to_array(head.get(..HEADER_LEN).ok_or(SealError::Truncated)?);
        let sealed = Sealed {
            aad,
            header,
            cipher,
            chunks,
            last_len,
        };
        if sealed.plain_len() < u64::from(header.wav_header) {
            return Err(SealError::Malformed(
                "shorter than its WAV header".to_string(),
            ));
        }
        Ok(sealed)
    }

    /// The key the file is sealed under.
    pub fn key_id(&self) -> KeyId {
        self.header.key
    }

    /// Bytes of the plaintext: the WAV file it holds.
    pub fn plain_len(&self) -> u64 {
        (self.chunks - 1) * self.chunk_len() + self.last_len
    }

    /// Plaintext bytes per chunk (all but the last are full).
    pub fn chunk_len(&self) -> u64 {
        u64::from(self.header.chunk)
    }

    /// Chunks in the file.
    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// The chunk holding plaintext byte `offset`.
    pub fn chunk_of(&self, offset: u64) -> u64 {
        (offset / self.chunk_len()).min(self.chunks - 1)
    }

    /// Where chunk `index` is in the file, and how many bytes it takes (ciphertext and tag);
    /// `None` past the last chunk.
    pub fn sealed_span(&self, index: u64) -> Option<(u64, usize)> {
        if index >= self.chunks {
            return None;
        }
        let at = HEADER_LEN as u64 + index * (self.chunk_len() + TAG_LEN as u64);
        let plain = if index + 1 == self.chunks {
            self.last_len
        } else {
            self.chunk_len()
        };
        Some((at, usize::try_from(plain).ok()? + TAG_LEN))
    }

    /// Authenticates and decrypts chunk `index` in place: `buf` holds the bytes
    /// [`sealed_span`](Self::sealed_span) names and ends up holding the plaintext (chunk 0 with
    /// the WAV header's sizes filled in). On failure `buf` is left as it was.
    pub fn open_chunk(&self, index: u64, buf: &mut Vec<u8>) -> Result<(), SealError> {
        let flags: &[u8] = if index + 1 == self.chunks {
            &[LAST, LAST_REPAIRED]
        } else {
            &[MORE]
        };
        for &flag in flags {
            if self.open_as(index, flag, buf).is_ok() {
                if index == 0 {
                    self.fill_sizes(buf);
                }
                return Ok(());
            }
        }
        Err(SealError::Auth { chunk: index })
    }

    /// Authenticates the last chunk (so the length, and the end, are the writer's): once per
    /// opening, before trusting [`plain_len`](Self::plain_len).
    pub fn verify_end<R: Read + Seek>(&self, file: &mut R) -> Result<Ending, SealError> {
        let last = self.chunks - 1;
        let mut buf = read_sealed(self, file, last)?;
        if self.open_as(last, LAST, &mut buf).is_ok() {
            return Ok(Ending::Closed);
        }
        if self.open_as(last, LAST_REPAIRED, &mut buf).is_ok() {
            return Ok(Ending::Repaired);
        }
        Err(SealError::Auth { chunk: last })
    }

    /// Plaintext bytes `first..first + len` (clipped to the end), read from `file` and
    /// decrypted chunk by chunk; the whole range is authenticated.
    pub fn read_range<R: Read + Seek>(
        &self,
        file: &mut R,
        first: u64,
        len: u64,
    ) -> Result<Vec<u8>, SealError> {
        let end = first.saturating_add(len).min(self.plain_len());
        let mut out = Vec::new();
        if first >= end {
            return Ok(out);
        }
        for index in self.chunk_of(first)..=self.chunk_of(end - 1) {
            let mut buf = read_sealed(self, file, index)?;
            self.open_chunk(index, &mut buf)?;
            let start = index * self.chunk_len();
            let from = usize::try_from(first.saturating_sub(start)).unwrap_or(usize::MAX);
            let to = usize::try_from(end - start).unwrap_or(usize::MAX);
            out.extend_from_slice(buf.get(from..to.min(buf.len())).unwrap_or_default());
        }
        Ok(out)
    }

    /// Decrypts `buf` as chunk `index` under `flag`; `buf` unchanged on failure.
    pub(in crate::recording) fn open_as(
        &self,
        index: u64,
        flag: u8,
        buf: &mut Vec<u8>,
    ) -> Result<(), SealError> {
        let counter = u32::try_from(index).map_err(|_| SealError::TooLong)?;
        let split = buf
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(SealError::Auth { chunk: index })?;
        let (body, tag) = buf.split_at_mut(split);
        let tag = Tag::try_from(&*tag).map_err(|_| SealError::Auth { chunk: index })?;
        self.cipher
            .decrypt_inout_detached(
                &nonce(&self.header.prefix, counter, flag),
                &self.aad,
                body.into(),
                &tag,
            )
            .map_err(|_| SealError::Auth { chunk: index })?;
        buf.truncate(split);
        Ok(())
    }

    /// The WAV header's RIFF and data sizes, for the plaintext length.
    fn fill_sizes(&self, chunk0: &mut [u8]) {
        let len = self.plain_len();
        let wav = u64::from(self.header.wav_header);
        let riff = u32::try_from(len.saturating_sub(8)).unwrap_or(u32::MAX);
        let data = u32::try_from(len.saturating_sub(wav)).unwrap_or(u32::MAX);
        for (at, value) in [(4usize, riff), (wav as usize - 4, data)] {
            if let Some(slot) = chunk0.get_mut(at..at + 4) {
                slot.copy_from_slice(&value.to_le_bytes());
            }
        }
    }

    /// Bytes of the WAV header at the start of the plaintext.
    pub fn wav_header_len(&self) -> u16 {
        self.header.wav_header
    }

    /// The file header's fields for repair: (the header bytes, the nonce prefix).
    pub(in crate::recording) fn header_bytes(&self) -> &[u8; HEADER_LEN] {
        &self.aad
    }

    pub(in crate::recording) fn prefix(&self) -> &[u8; 7] {
        &self.header.prefix
    }

    pub(in crate::recording) fn cipher(&self) -> &Aes256Gcm {
        &self.cipher
    }
}

/// Reads chunk `index`'s sealed bytes.
pub(in crate::recording) fn read_sealed<R: Read + Seek>(
    sealed: &Sealed,
    file: &mut R,
    index: u64,
) -> Result<Vec<u8>, SealError> {
    let (at, len) = sealed
        .sealed_span(index)
        .ok_or(SealError::Auth { chunk: index })?;
    file.seek(SeekFrom::Start(at))?;
    let mut buf = vec![0u8; len];
    file.read_exact(&mut buf)?;
    Ok(buf)
}
