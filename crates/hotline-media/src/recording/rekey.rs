//! Moving sealed recordings to the current key after a rotation (`hotline recordings rekey`):
//! a recording sealed under an older key of the keyring is read a chunk at a time (each
//! authenticated), sealed again under the current key into `<file>.rekey` beside it, synced,
//! checked to hold the same plaintext length, and renamed over the original, so the file's
//! name (the one the call record keeps) never changes and a crash leaves either the old file
//! or the new one, whole. Plaintext is in memory a chunk at a time and wiped after. A file
//! not closed (a recording being written now, or one a crash cut off that has not been
//! repaired yet) is left alone and reported; plain WAV files are left alone. A recording closed
//! by repair comes out closed normally, with the same audio.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::keys::{KeyId, Keyring};
use super::repair::{recordings_under, starts_sealed};
use super::sealed::{SealError, SealWriter, Sealed, HEADER_LEN};

/// What [`rekey_file`] did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RekeyOutcome {
    /// Sealed again under the current key.
    Rekeyed { from: KeyId, plain_bytes: u64 },
    /// Sealed under the current key already.
    Current,
    /// A plain WAV file (not sealed): left alone.
    Plain,
    /// Not rekeyed, and why (the file is unchanged).
    Failed(String),
}

/// One file's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekeyReport {
    pub path: PathBuf,
    pub outcome: RekeyOutcome,
}

/// Rekeys every sealed recording under `dir` (see [`rekey_file`]); every file's outcome, and a
/// folder that cannot be read as a failure.
pub fn rekey_dir(dir: &Path, keys: &Keyring) -> Vec<RekeyReport> {
    recordings_under(dir)
        .into_iter()
        .map(|found| match found {
            Ok(path) => RekeyReport {
                outcome: rekey_file(&path, keys),
                path,
            },
            Err((path, why)) => RekeyReport {
                path,
                outcome: RekeyOutcome::Failed(why),
            },
        })
        .collect()
}

/// Seals recording `path` again under `keys`' current key if an older key of `keys` sealed it.
pub fn rekey_file(path: &Path, keys: &Keyring) -> RekeyOutcome {
    if !starts_sealed(path) {
        return match File::open(path) {
            Ok(_) => RekeyOutcome::Plain,
            Err(e) => RekeyOutcome::Failed(format!("cannot open: {e}")),
        };
    }
    let outcome = rekey(path, keys).unwrap_or_else(RekeyOutcome::Failed);
    match &outcome {
        RekeyOutcome::Rekeyed { from, .. } => {
            tracing::info!(path = %path.display(), %from, "recording sealed again under the current key")
        }
        RekeyOutcome::Failed(why) => {
            tracing::warn!(path = %path.display(), why, "recording not rekeyed")
        }
        RekeyOutcome::Current | RekeyOutcome::Plain => {}
    }
    outcome
}

fn rekey(path: &Path, keys: &Keyring) -> Result<RekeyOutcome, String> {
    let current = keys
        .current()
        .ok_or("no current key (HOTLINE_RECORDING_KEY) to seal under")?;
    let mut file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let mut head = [0u8; HEADER_LEN];
    file.read_exact(&mut head)
        .map_err(|e| format!("cannot read the header: {e}"))?;
    let sealed = Sealed::open(&head, len, keys).map_err(|e| e.to_string())?;
    if sealed.key_id() == current.id() {
        return Ok(RekeyOutcome::Current);
    }
    sealed.verify_end(&mut file).map_err(|e| match e {
        SealError::Auth { .. } => "not closed: still being recorded, or cut off by a crash \
                                   and not repaired yet (the engine repairs at start)"
            .to_string(),
        other => other.to_string(),
    })?;
    let tmp = temporary(path);
    let written = reseal(&sealed, &mut file, &tmp, current);
    let plain_bytes = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(format!("cannot replace the file: {e}"));
    }
    if let Some(dir) = path.parent() {
        // The rename is durable once the folder is.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(RekeyOutcome::Rekeyed {
        from: sealed.key_id(),
        plain_bytes,
    })
}

/// `<file>.rekey`, beside it.
fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".rekey");
    path.with_file_name(name)
}

/// Writes `sealed`'s plaintext, read from `from`, sealed under `key` into `to` (synced); the
/// plaintext bytes written, checked against the original's.
fn reseal<R: Read + Seek>(
    sealed: &Sealed,
    from: &mut R,
    to: &Path,
    key: &super::RecordingKey,
) -> Result<u64, String> {
    let out = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(to)
        .map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let chunk = u32::try_from(sealed.chunk_len()).map_err(|_| "chunk size".to_string())?;
    let wav = usize::from(sealed.wav_header_len());
    let mut writer: Option<SealWriter<File>> = None;
    let mut out = Some(out);
    for index in 0..sealed.chunks() {
        let (at, n) = sealed
            .sealed_span(index)
            .ok_or_else(|| format!("chunk {index} missing"))?;
        let mut buf = Zeroizing::new(vec![0u8; n]);
        from.seek(SeekFrom::Start(at))
            .and_then(|_| from.read_exact(&mut buf))
            .map_err(|e| format!("cannot read chunk {index}: {e}"))?;
        sealed
            .open_chunk(index, &mut buf)
            .map_err(|e| e.to_string())?;
        let w = match writer.as_mut() {
            Some(w) => w,
            None => {
                // The WAV header as written at creation: its two sizes 0 (the reader fills
                // them in from the length).
                let mut header = buf
                    .get(..wav)
                    .ok_or("chunk 0 shorter than the WAV header")?
                    .to_vec();
                for at in [4, wav.saturating_sub(4)] {
                    if let Some(slot) = header.get_mut(at..at + 4) {
                        slot.fill(0);
                    }
                }
                let file = out.take().ok_or("the output is gone")?;
                let w = SealWriter::new(file, key, &header, chunk).map_err(|e| e.to_string())?;
                buf.drain(..wav);
                writer.insert(w)
            }
        };
        w.push(&buf).map_err(|e| e.to_string())?;
    }
    let w = writer.ok_or("no chunk")?;
    let written = w.plain_len();
    if written != sealed.plain_len() {
        return Err(format!(
            "wrote {written} plaintext bytes, the original holds {}",
            sealed.plain_len()
        ));
    }
    let mut file = w.finish().map_err(|e| e.to_string())?;
    file.flush()
        .and_then(|()| file.sync_all())
        .map_err(|e: io::Error| format!("cannot sync {}: {e}", to.display()))?;
    Ok(written)
}
