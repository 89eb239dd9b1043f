//! What the loader reports: `file:line:column: message`, every error found, in file order.

use serde_saphyr::Location;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// One reason a flow folder is refused. `line` and `column` are 1-based; both are 0 for an
/// error about a whole file or the folder (displayed as `file: message`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoadError {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

/// Every error found, sorted by file and position; displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoadErrors(pub Vec<LoadError>);

impl LoadErrors {
    pub fn iter(&self) -> std::slice::Iter<'_, LoadError> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

/// A position in a file: (line, column), 1-based; (0, 0) for none.
pub(crate) type Pos = (u32, u32);

/// The position of a YAML value (1:1 when the parser could not tell).
pub(crate) fn pos(loc: &Location) -> Pos {
    let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    match (clamp(loc.line()), clamp(loc.column())) {
        (0, _) => (1, 1),
        (line, column) => (line, column.max(1)),
    }
}

/// At most this many errors are kept, each at most `MAX_MESSAGE` characters (messages quote
/// names from the file): a hostile folder cannot fill the memory with them.
const MAX_ERRORS: usize = 1_000;
const MAX_MESSAGE: usize = 300;

/// `message`, shortened with `…` past `MAX_MESSAGE` characters.
fn shorten(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE) {
        None => message,
        Some((cut, _)) => {
            let mut short = message[..cut].to_owned();
            short.push('…');
            short
        }
    }
}

/// Collects the errors of one load.
#[derive(Default)]
pub(crate) struct Sink {
    errors: Vec<LoadError>,
    /// The errors kept, to drop repeats (a node reached through several YAML aliases).
    seen: HashSet<LoadError>,
    dropped: usize,
}

impl Sink {
    pub(crate) fn push(&mut self, file: &Path, at: Pos, message: impl Into<String>) {
        let error = LoadError {
            file: file.to_path_buf(),
            line: at.0,
            column: at.1,
            message: shorten(message.into()),
        };
        if self.seen.contains(&error) {
            return;
        }
        if self.errors.len() >= MAX_ERRORS {
            self.dropped += 1;
            return;
        }
        self.seen.insert(error.clone());
        self.errors.push(error);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.dropped == 0
    }

    pub(crate) fn finish(mut self) -> LoadErrors {
        // Stable: errors at one position keep the order they were found in.
        self.errors
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        if self.dropped > 0 {
            let file = self
                .errors
                .last()
                .map(|e| e.file.clone())
                .unwrap_or_default();
            self.errors.push(LoadError {
                file,
                line: 0,
                column: 0,
                message: format!("… and {} more errors", self.dropped),
            });
        }
        LoadErrors(self.errors)
    }
}
