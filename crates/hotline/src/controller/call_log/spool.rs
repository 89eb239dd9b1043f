//! The call log's durable spool: entries appended as JSON lines to numbered segment files in
//! one folder, read back in order from a cursor, and a segment deleted only once the cursor
//! (saved after the store committed what came before it) has moved past it. Plain file I/O:
//! the appender runs on its own thread, the reader under `spawn_blocking`.
//!
//! Files: `<dir>/<segment:012>.jsonl` (one line per entry), `<dir>/cursor` (`segment offset`,
//! replaced by rename). A line is written whole with its `\n`; a last line without one is
//! either still being written (the newest segment: read later) or was cut by a crash (an
//! older segment: handed back as torn, never silently skipped).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Where the reader is: a segment and a byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cursor {
    pub segment: u64,
    pub offset: u64,
}

/// Most bytes one read takes from a segment.
const READ_CHUNK: usize = 1 << 20;

fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:012}.jsonl"))
}

/// The segment numbers in `dir`, in order.
pub fn segments(dir: &Path) -> io::Result<Vec<u64>> {
    let mut found = Vec::new();
    for e in fs::read_dir(dir)? {
        let name = e?.file_name();
        let name = name.to_string_lossy();
        if let Some(n) = name
            .strip_suffix(".jsonl")
            .filter(|s| s.len() == 12)
            .and_then(|s| s.parse::<u64>().ok())
        {
            found.push(n);
        }
    }
    found.sort_unstable();
    Ok(found)
}

/// Appends lines to the newest segment, starting a new one past `max_bytes`.
pub struct Appender {
    dir: PathBuf,
    segment: u64,
    file: BufWriter<File>,
    bytes: u64,
    max_bytes: u64,
}

impl Appender {
    /// A new segment after every one in `dir` (created if missing).
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Appender> {
        fs::create_dir_all(dir)?;
        let segment = segments(dir)?.last().map_or(1, |n| n + 1);
        Ok(Appender {
            dir: dir.to_path_buf(),
            segment,
            file: Self::create(dir, segment)?,
            bytes: 0,
            max_bytes: max_bytes.max(1),
        })
    }

    fn create(dir: &Path, segment: u64) -> io::Result<BufWriter<File>> {
        let f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(segment_path(dir, segment))?;
        Ok(BufWriter::with_capacity(64 * 1024, f))
    }

    /// Writes `lines` (each without its `\n`) and hands them to the OS (they survive the
    /// process being killed); then starts a new segment if this one is full.
    pub fn append<S: AsRef<str>>(&mut self, lines: &[S]) -> io::Result<()> {
        for l in lines {
            let l = l.as_ref();
            self.file.write_all(l.as_bytes())?;
            self.file.write_all(b"\n")?;
            self.bytes += l.len() as u64 + 1;
        }
        self.file.flush()?;
        if self.bytes >= self.max_bytes {
            // The old segment is complete before the new one exists: a reader that sees the
            // new one may take a cut line in the old one for a crash's.
            let next = Self::create(&self.dir, self.segment + 1)?;
            self.file = next;
            self.segment += 1;
            self.bytes = 0;
        }
        Ok(())
    }
}

/// One line read back: where the reader is after it, and its text (or why it is not usable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spooled {
    pub after: Cursor,
    pub line: Result<String, String>,
}

/// Reads the segments from the saved cursor.
pub struct Reader {
    dir: PathBuf,
    cursor: Cursor,
    /// The cursor as last saved.
    saved: Cursor,
}

impl Reader {
    /// From the cursor saved in `dir`, else from the first segment.
    pub fn open(dir: &Path) -> io::Result<Reader> {
        fs::create_dir_all(dir)?;
        let saved = fs::read_to_string(dir.join("cursor")).ok().and_then(|s| {
            let mut w = s.split_whitespace().map(|w| w.parse::<u64>().ok());
            Some(Cursor {
                segment: w.next()??,
                offset: w.next()??,
            })
        });
        let first = segments(dir)?.first().copied().unwrap_or(1);
        let cursor = match saved {
            Some(c) if c.segment >= first => c,
            _ => Cursor {
                segment: first,
                offset: 0,
            },
        };
        Ok(Reader {
            dir: dir.to_path_buf(),
            cursor,
            saved: cursor,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Up to `max` lines after the cursor (which moves past them; [`Reader::commit`] saves
    /// it). Empty when there is nothing more yet.
    pub fn read(&mut self, max: usize) -> io::Result<Vec<Spooled>> {
        let mut out = Vec::new();
        while out.len() < max {
            let all = segments(&self.dir)?;
            let later = all.iter().find(|&&n| n > self.cursor.segment).copied();
            let path = segment_path(&self.dir, self.cursor.segment);
            let mut buf = Vec::new();
            match File::open(&path) {
                Ok(mut f) => {
                    f.seek(SeekFrom::Start(self.cursor.offset))?;
                    f.take(READ_CHUNK as u64).read_to_end(&mut buf)?;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            let mut used = 0;
            while out.len() < max {
                let rest = buf.get(used..).unwrap_or_default();
                let Some((raw, _)) = rest
                    .iter()
                    .position(|&b| b == b'\n')
                    .and_then(|nl| rest.split_at_checked(nl))
                else {
                    break;
                };
                let nl = raw.len();
                used += nl + 1;
                self.cursor.offset += nl as u64 + 1;
                let line = String::from_utf8(raw.to_vec())
                    .map_err(|_| format!("not UTF-8: {}", String::from_utf8_lossy(raw)));
                out.push(Spooled {
                    after: self.cursor,
                    line,
                });
            }
            if used > 0 || out.len() >= max {
                continue;
            }
            // Nothing complete here: wait for more, or move on to a later segment.
            let Some(next) = later else {
                break;
            };
            if buf.len() == READ_CHUNK {
                // A line longer than a read: not something the engine writes.
                self.cursor.offset += buf.len() as u64;
                out.push(Spooled {
                    after: self.cursor,
                    line: Err("a line over 1 MiB".into()),
                });
                continue;
            }
            let torn = self.cursor.offset < segment_len(&path);
            self.cursor = Cursor {
                segment: next,
                offset: 0,
            };
            if torn {
                out.push(Spooled {
                    after: self.cursor,
                    line: Err(format!(
                        "cut off by a crash: {}",
                        String::from_utf8_lossy(&buf)
                    )),
                });
            }
        }
        Ok(out)
    }

    /// [`Reader::commit`] of everything read so far, when not saved yet.
    pub fn commit_read(&mut self) -> io::Result<()> {
        if self.saved == self.cursor {
            return Ok(());
        }
        self.commit(self.cursor)
    }

    /// Saves `upto` as the place to start from after a restart and deletes the segments
    /// before it: call it only once everything before `upto` is in the store.
    pub fn commit(&mut self, upto: Cursor) -> io::Result<()> {
        let tmp = self.dir.join("cursor.tmp");
        fs::write(&tmp, format!("{} {}\n", upto.segment, upto.offset))?;
        fs::rename(&tmp, self.dir.join("cursor"))?;
        self.saved = upto;
        for n in segments(&self.dir)? {
            if n < upto.segment {
                fs::remove_file(segment_path(&self.dir, n))?;
            }
        }
        Ok(())
    }
}

fn segment_len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[cfg(test)]
mod tests;
