//! Repair of WAV files whose header sizes are wrong because the process died mid-recording.
//!
//! hound writes the RIFF and data chunk sizes only on `flush()`/`finalize()`: a recording cut
//! off by a crash says 0 samples (nothing flushed) or the length at its last flush, while the
//! audio after the header runs to the end of the file. [`repair_file`] walks the chunks up to
//! `data` (the `fmt ` chunk and its size are written at creation, so they are trustworthy),
//! takes everything from there to the end of the file as audio, drops a partial last sample
//! frame (the crash can cut one in half), and rewrites both sizes. A file whose sizes already
//! match its length is left alone. Run it at start-up, before any recording is opened:
//! it must never touch a file that is still being written.
//!
//! Only the header and the file length change; audio bytes are never rewritten.
//!
//! Sealed (encrypted) recordings are closed at their last whole chunk instead (see
//! `repair/sealed.rs`); [`repair_dir`] tells the two kinds apart by their first bytes.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::keys::Keyring;
use super::sealed::{self as format, EXTENSION as SEALED_EXTENSION};

mod sealed;

/// How far into a file the `data` chunk may start.
const MAX_HEADER_BYTES: u64 = 64 * 1024;
/// How deep [`repair_dir`] goes into sub-folders.
const MAX_DEPTH: usize = 8;

/// What [`repair_file`] did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairOutcome {
    /// The sizes were right; nothing was written.
    Intact,
    /// The sizes were rewritten (and a partial last sample frame cut off).
    Repaired {
        /// The data size the header said before.
        old_data_bytes: u32,
        /// The data size it says now.
        data_bytes: u32,
        /// Bytes cut from the end (an incomplete sample frame).
        truncated_bytes: u64,
    },
    /// A sealed recording cut off by a crash, closed at its last whole chunk.
    Closed {
        /// Chunks kept.
        chunks: u64,
        /// Plaintext (WAV) bytes they hold.
        plain_bytes: u64,
        /// Bytes cut from the end (a chunk written in part).
        cut_bytes: u64,
    },
    /// The file could not be repaired (not a WAV, no format chunk, too large, I/O error; a
    /// sealed file under a key not given, or that fails authentication).
    Failed(String),
}

/// One file and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairReport {
    pub path: PathBuf,
    pub outcome: RepairOutcome,
}

impl fmt::Display for RepairReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.outcome {
            RepairOutcome::Intact => write!(f, "{path}: intact"),
            RepairOutcome::Repaired {
                old_data_bytes,
                data_bytes,
                truncated_bytes,
            } => write!(
                f,
                "{path}: repaired, data {old_data_bytes} -> {data_bytes} bytes \
                 ({truncated_bytes} trailing bytes cut)"
            ),
            RepairOutcome::Closed {
                chunks,
                plain_bytes,
                cut_bytes,
            } => write!(
                f,
                "{path}: encrypted recording closed after {chunks} whole chunks, \
                 {plain_bytes} bytes of WAV ({cut_bytes} trailing bytes cut)"
            ),
            RepairOutcome::Failed(why) => write!(f, "{path}: cannot repair: {why}"),
        }
    }
}

/// Repairs every `*.wav` and `*.hlenc` under `dir` (sub-folders too, symlinks not followed) and
/// reports the files that were repaired or could not be; intact files are not listed. A file
/// that starts with the sealed magic is repaired as a sealed recording with `keys`, any other
/// as a WAV. An unreadable folder is reported as a failure of that folder.
pub fn repair_dir(dir: &Path, keys: &Keyring) -> Vec<RepairReport> {
    let mut reports = Vec::new();
    for found in recordings_under(dir) {
        let report = match found {
            Ok(path) if starts_sealed(&path) => repair_sealed(&path, keys),
            Ok(path) => repair_file(&path),
            Err((path, why)) => RepairReport {
                path,
                outcome: RepairOutcome::Failed(why),
            },
        };
        if report.outcome != RepairOutcome::Intact {
            reports.push(report);
        }
    }
    reports
}

/// Every `*.wav` and `*.hlenc` file under `dir` (sub-folders too, up to [`MAX_DEPTH`], symlinks
/// not followed), in name order; a folder that cannot be read as an error with why.
pub(super) fn recordings_under(dir: &Path) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut found = Vec::new();
    walk(dir, 0, &mut found);
    found
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<Result<PathBuf, (PathBuf, String)>>) {
    let entries = match fs::read_dir(dir).and_then(|rd| rd.collect::<io::Result<Vec<_>>>()) {
        Ok(entries) => entries,
        Err(e) => return found.push(Err((dir.to_path_buf(), format!("cannot read folder: {e}")))),
    };
    let mut paths: Vec<PathBuf> = entries.into_iter().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                walk(&path, depth + 1, found);
            }
        } else if meta.is_file() && is_recording(&path) {
            found.push(Ok(path));
        }
    }
}

fn is_recording(path: &Path) -> bool {
    path.extension().is_some_and(|ext| {
        ext.eq_ignore_ascii_case("wav") || ext.eq_ignore_ascii_case(SEALED_EXTENSION)
    })
}

/// Does the file start with the sealed magic? (Unreadable: no; its repair says why.)
pub(super) fn starts_sealed(path: &Path) -> bool {
    let mut head = [0u8; format::MAGIC.len()];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| format::is_sealed(&head))
}

/// Closes a sealed recording a crash cut off at its last whole chunk (see `repair/sealed.rs`),
/// with the key of `keys` it names.
pub fn repair_sealed(path: &Path, keys: &Keyring) -> RepairReport {
    let outcome = sealed::repair(path, keys).unwrap_or_else(RepairOutcome::Failed);
    log(path, &outcome);
    RepairReport {
        path: path.to_path_buf(),
        outcome,
    }
}

fn log(path: &Path, outcome: &RepairOutcome) {
    match outcome {
        RepairOutcome::Repaired { .. } | RepairOutcome::Closed { .. } => {
            tracing::info!(path = %path.display(), ?outcome, "repaired recording")
        }
        RepairOutcome::Failed(why) => {
            tracing::warn!(path = %path.display(), why, "cannot repair recording")
        }
        RepairOutcome::Intact => {}
    }
}

/// Repairs one file's header sizes if they are wrong (see the module doc).
pub fn repair_file(path: &Path) -> RepairReport {
    let outcome = repair(path).unwrap_or_else(RepairOutcome::Failed);
    log(path, &outcome);
    RepairReport {
        path: path.to_path_buf(),
        outcome,
    }
}

/// Where the audio is and how it is laid out, read from the header.
struct Layout {
    riff_size: u32,
    data_size: u32,
    /// Offset of the data chunk's size field; the audio starts 4 bytes later.
    data_size_at: u64,
    block_align: u64,
}

fn repair(path: &Path) -> Result<RepairOutcome, String> {
    let io = |what: &str, e: io::Error| format!("{what}: {e}");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io("cannot open", e))?;
    let len = file.metadata().map_err(|e| io("cannot stat", e))?.len();
    if len == 0 {
        return Err("empty file (no header to repair)".into());
    }
    let mut head = Vec::new();
    (&mut file)
        .take(MAX_HEADER_BYTES)
        .read_to_end(&mut head)
        .map_err(|e| io("cannot read", e))?;
    let layout = parse_header(&head)?;
    let data_start = layout.data_size_at + 4;
    let available = len - data_start;
    let riff_ok = u64::from(layout.riff_size) + 8 == len;
    let data_ok = u64::from(layout.data_size) <= available
        && u64::from(layout.data_size) % layout.block_align == 0;
    if riff_ok && data_ok {
        return Ok(RepairOutcome::Intact);
    }
    let truncated = available % layout.block_align;
    let data_bytes = available - truncated;
    let riff_size = data_start + data_bytes - 8;
    let (Ok(data_u32), Ok(riff_u32)) = (u32::try_from(data_bytes), u32::try_from(riff_size)) else {
        return Err(format!("{len} bytes: too large for a WAV header"));
    };
    if truncated > 0 {
        file.set_len(data_start + data_bytes)
            .map_err(|e| io("cannot truncate", e))?;
    }
    write_u32(&mut file, 4, riff_u32).map_err(|e| io("cannot write", e))?;
    write_u32(&mut file, layout.data_size_at, data_u32).map_err(|e| io("cannot write", e))?;
    file.sync_all().map_err(|e| io("cannot sync", e))?;
    Ok(RepairOutcome::Repaired {
        old_data_bytes: layout.data_size,
        data_bytes: data_u32,
        truncated_bytes: truncated,
    })
}

fn write_u32(file: &mut File, at: u64, value: u32) -> io::Result<()> {
    file.seek(SeekFrom::Start(at))?;
    file.write_all(&value.to_le_bytes())
}

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Walks the RIFF chunks up to `data`, taking the block size from `fmt `.
fn parse_header(head: &[u8]) -> Result<Layout, String> {
    if head.get(0..4) != Some(b"RIFF") || head.get(8..12) != Some(b"WAVE") {
        return Err("not a RIFF/WAVE file".into());
    }
    let riff_size = le_u32(head, 4).ok_or("file ends inside the header")?;
    let mut block_align = None;
    let mut pos = 12usize;
    loop {
        let (Some(id), Some(size)) = (head.get(pos..pos + 4), le_u32(head, pos + 4)) else {
            return Err("no data chunk in the header".into());
        };
        let body = pos + 8;
        match id {
            b"fmt " => {
                let channels = le_u16(head, body + 2).ok_or("fmt chunk cut short")?;
                let align = le_u16(head, body + 12).ok_or("fmt chunk cut short")?;
                if size < 16 || channels == 0 || align == 0 {
                    return Err("invalid fmt chunk".into());
                }
                block_align = Some(u64::from(align));
            }
            b"data" => {
                let block_align = block_align.ok_or("no fmt chunk before the data")?;
                return Ok(Layout {
                    riff_size,
                    data_size: size,
                    data_size_at: pos as u64 + 4,
                    block_align,
                });
            }
            _ => {}
        }
        // Chunks are padded to an even size.
        let next = body as u64 + u64::from(size) + u64::from(size & 1);
        pos = usize::try_from(next)
            .ok()
            .filter(|&n| (n as u64) < MAX_HEADER_BYTES)
            .ok_or("no data chunk in the header")?;
    }
}

#[cfg(test)]
mod tests;
