//! Playing a sealed (encrypted) recording: the same bytes a plain WAV would be, decrypted on
//! the fly, with `Range` over the plaintext offsets.
//!
//! Before the status line goes out, the file is opened with the key its header names, its last
//! chunk is authenticated (so the length, and the end, are the writer's) and so is every chunk
//! the range touches: a file that was altered, cut or sealed under a key the engine was not
//! given is a `500` with the reason (and a log line), never a `200` with garbage or a cut body.
//! A range of at most [`BUFFERED`] bytes is decrypted once and sent from memory; a longer one
//! (a whole recording) is checked in one pass and decrypted again as it is streamed, a chunk
//! at a time, so memory stays small whatever the recording's length. Should a chunk fail while
//! streaming (the file changed since the check), the body ends early with an error (the client
//! sees a cut transfer) and it is logged.
//!
//! The CPU work runs on the blocking pool, not on the HTTP runtime's one thread.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use hotline_media::recording::sealed::HEADER_LEN;
use hotline_media::recording::{Keyring, SealError, Sealed};

use super::range::{self, Span};
use crate::error::{ApiError, ApiResult};

/// Ranges up to this many bytes are decrypted once, into memory.
pub(super) const BUFFERED: u64 = 1 << 20;

/// The sealed file at `path`, or the asked part of its plaintext, as a response.
pub(super) async fn send(
    path: &Path,
    range: Option<&str>,
    keys: Arc<Keyring>,
    call: i64,
) -> ApiResult<Response> {
    let p = path.to_path_buf();
    let sealed = blocking(move || open(&p, &keys))
        .await
        .map_err(|e| unreadable(call, path, e))?;
    let sealed = Arc::new(sealed);
    let len = sealed.plain_len();
    let (status, first, last) = match range::resolve(range, len) {
        Span::Whole => (StatusCode::OK, 0, len.saturating_sub(1)),
        Span::Part { first, last } => (StatusCode::PARTIAL_CONTENT, first, last),
        Span::Unsatisfiable => return Ok(super::unsatisfiable(len)),
    };
    let count = if len == 0 { 0 } else { last - first + 1 };
    let (s, p) = (sealed.clone(), path.to_path_buf());
    let buffered = blocking(move || check(&p, &s, first, count))
        .await
        .map_err(|e| unreadable(call, path, e))?;
    let body = match buffered {
        Some(bytes) => Body::from(bytes),
        None => Body::from_stream(stream(path.to_path_buf(), sealed, first, count, call)),
    };
    Ok(super::wav_response(body, status, first, count, len))
}

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SealError> + Send + 'static,
) -> Result<T, SealError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(SealError::Io(std::io::Error::other(e))))
}

/// Opens the file with its key and authenticates its last chunk.
fn open(path: &Path, keys: &Keyring) -> Result<Sealed, SealError> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    let mut head = Vec::with_capacity(HEADER_LEN);
    (&mut f).take(HEADER_LEN as u64).read_to_end(&mut head)?;
    let sealed = Sealed::open(&head, len, keys)?;
    sealed.verify_end(&mut f)?;
    Ok(sealed)
}

/// Authenticates the chunks holding plaintext `first..first + count`; returns those bytes when
/// there are at most [`BUFFERED`] of them (else they are decrypted again while streaming).
fn check(
    path: &Path,
    sealed: &Sealed,
    first: u64,
    count: u64,
) -> Result<Option<Vec<u8>>, SealError> {
    let mut f = File::open(path)?;
    if count <= BUFFERED {
        return sealed.read_range(&mut f, first, count).map(Some);
    }
    let mut buf = Vec::new();
    for index in sealed.chunk_of(first)..=sealed.chunk_of(first + count - 1) {
        read_chunk(&mut f, sealed, index, &mut buf)?;
    }
    Ok(None)
}

/// Reads and opens chunk `index` into `buf` (its plaintext).
fn read_chunk(
    f: &mut File,
    sealed: &Sealed,
    index: u64,
    buf: &mut Vec<u8>,
) -> Result<(), SealError> {
    let (at, n) = sealed
        .sealed_span(index)
        .ok_or(SealError::Auth { chunk: index })?;
    buf.resize(n, 0);
    f.seek(SeekFrom::Start(at))?;
    f.read_exact(buf)?;
    sealed.open_chunk(index, buf)
}

/// What the stream holds between chunks.
struct Cursor {
    file: Option<File>,
    path: PathBuf,
    sealed: Arc<Sealed>,
    /// The next plaintext byte to send, and the end (exclusive).
    at: u64,
    end: u64,
    call: i64,
}

/// The plaintext `first..first + count`, a chunk per item, each decrypted on the blocking pool.
fn stream(
    path: PathBuf,
    sealed: Arc<Sealed>,
    first: u64,
    count: u64,
    call: i64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let cursor = Cursor {
        file: None,
        path,
        sealed,
        at: first,
        end: first + count,
        call,
    };
    futures_util::stream::unfold(Some(cursor), |cursor| async move {
        let mut c = cursor?;
        if c.at >= c.end {
            return None;
        }
        match tokio::task::spawn_blocking(move || {
            let part = next_part(&mut c);
            (c, part)
        })
        .await
        {
            Ok((mut c, Ok(bytes))) => {
                c.at += bytes.len() as u64;
                Some((Ok(bytes), Some(c)))
            }
            Ok((c, Err(e))) => {
                tracing::error!(call = c.call, path = %c.path.display(), error = %e,
                    "encrypted recording failed while streaming: the transfer is cut");
                Some((Err(e.into_io()), None))
            }
            Err(e) => Some((Err(std::io::Error::other(e)), None)),
        }
    })
}

/// The plaintext of the chunk holding `c.at`, from `c.at` to the chunk's end or `c.end`.
fn next_part(c: &mut Cursor) -> Result<Bytes, SealError> {
    let file = match &mut c.file {
        Some(f) => f,
        None => c.file.insert(File::open(&c.path)?),
    };
    let index = c.sealed.chunk_of(c.at);
    let mut buf = Vec::new();
    read_chunk(file, &c.sealed, index, &mut buf)?;
    let start = index * c.sealed.chunk_len();
    let from = usize::try_from(c.at - start).unwrap_or(usize::MAX);
    let to = usize::try_from(c.end - start)
        .unwrap_or(usize::MAX)
        .min(buf.len());
    match buf.get(from..to) {
        Some(part) if !part.is_empty() => Ok(Bytes::copy_from_slice(part)),
        _ => Err(SealError::Auth { chunk: index }),
    }
}

/// The 500 for a sealed recording that cannot be played, logged with the reason.
fn unreadable(call: i64, path: &Path, e: SealError) -> ApiError {
    tracing::error!(call, path = %path.display(), error = %e, "encrypted recording cannot be played");
    let (code, message) = match &e {
        SealError::UnknownKey(_) => (
            "recording_key_missing",
            format!("the recording of call {call} cannot be played: {e}"),
        ),
        SealError::Io(_) => return ApiError::internal(&e),
        _ => (
            "recording_unreadable",
            format!("the recording of call {call} cannot be played: {e}"),
        ),
    };
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, code, message)
}
