//! Repair of a sealed recording (see `sealed.rs`) that a crash cut off: its writer had not
//! sealed the last chunk, so the file ends with a chunk flagged "more follow" (and perhaps a
//! partly written one), which readers rightly refuse as truncated.
//!
//! Repair keeps every whole chunk: it authenticates the last whole one, seals its plaintext
//! again as the last chunk (flag "closed by repair", a nonce the writer never uses), writes it
//! in place and cuts the file after it. What is lost is what never reached the disk whole: the
//! chunk being filled (less than one chunk of plaintext: 0.51 s of stereo, 1.02 s of mono with
//! 16 KiB chunks). A file that authenticates to its end is left alone; a file with no whole
//! chunk holds nothing to recover (its WAV header was in the first chunk) and is reported,
//! not changed. Repair never rewrites a chunk with other plaintext under the same nonce.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::RepairOutcome;
use crate::recording::keys::Keyring;
use crate::recording::sealed::reader::read_sealed;
use crate::recording::sealed::{
    seal_in_place, Header, SealError, Sealed, HEADER_LEN, LAST, LAST_REPAIRED, MORE, TAG_LEN,
};

/// Closes the sealed recording at `path` at its last whole chunk if it was cut off.
pub(super) fn repair(path: &Path, keys: &Keyring) -> Result<RepairOutcome, String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io("cannot open", e))?;
    let len = file.metadata().map_err(|e| io("cannot stat", e))?.len();
    let mut head = Vec::with_capacity(HEADER_LEN);
    (&mut file)
        .take(HEADER_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| io("cannot read", e))?;
    let header = Header::decode(&head).map_err(|e| e.to_string())?;
    if keys.find(header.key).is_none() {
        return Err(SealError::UnknownKey(header.key).to_string());
    }
    // Whole as it is?
    if let Ok(sealed) = Sealed::open(&head, len, keys) {
        if sealed.verify_end(&mut file).is_ok() {
            return Ok(RepairOutcome::Intact);
        }
    }
    let step = u64::from(header.chunk) + TAG_LEN as u64;
    let whole = (len - HEADER_LEN as u64) / step;
    if whole == 0 {
        return Err(format!(
            "cut off before its first chunk was sealed ({len} bytes): no audio to recover"
        ));
    }
    // The file as if it ended after its last whole chunk, which is then its last.
    let new_len = HEADER_LEN as u64 + whole * step;
    let sealed = Sealed::open(&head, new_len, keys).map_err(|e| e.to_string())?;
    let last = whole - 1;
    let mut buf = read_sealed(&sealed, &mut file, last).map_err(|e| e.to_string())?;
    let reseal = if sealed.open_as(last, LAST_REPAIRED, &mut buf).is_ok()
        || sealed.open_as(last, LAST, &mut buf).is_ok()
    {
        // Already closed there (a repair cut short, or bytes appended after the end).
        false
    } else if sealed.open_as(last, MORE, &mut buf).is_ok() {
        true
    } else {
        return Err(format!(
            "{}: not a crash cut, left as it is",
            SealError::Auth { chunk: last }
        ));
    };
    if reseal {
        let counter = u32::try_from(last).map_err(|_| SealError::TooLong.to_string())?;
        seal_in_place(
            sealed.cipher(),
            sealed.header_bytes(),
            sealed.prefix(),
            counter,
            LAST_REPAIRED,
            &mut buf,
        )
        .map_err(|e| e.to_string())?;
        let (at, _) = sealed
            .sealed_span(last)
            .ok_or_else(|| "internal: no last chunk".to_string())?;
        file.seek(SeekFrom::Start(at))
            .and_then(|_| file.write_all(&buf))
            .map_err(|e| io("cannot write", e))?;
        file.sync_data().map_err(|e| io("cannot sync", e))?;
    }
    file.set_len(new_len)
        .map_err(|e| io("cannot truncate", e))?;
    file.sync_all().map_err(|e| io("cannot sync", e))?;
    Ok(RepairOutcome::Closed {
        chunks: whole,
        plain_bytes: sealed.plain_len(),
        cut_bytes: len - new_len,
    })
}
