//! The prompt library: every `root/<lang>/<name>.wav` decoded once at start-up and shared.
//!
//! Layout: one folder per language under the root, flat, with one file per prompt:
//! `sounds/en/digit_0.wav`, `sounds/zh/bill_for.wav`. A prompt's name is its file name without
//! the `.wav` extension (matched case-insensitively; the name keeps its case). Sub-folders,
//! hidden files (`.gitkeep`) and files with other extensions (`README.md`) are ignored, so a
//! name never holds a `/`. Each language listed must have its folder.
//!
//! Every file must be 8 kHz, mono, 16-bit integer PCM, hold at least one sample and be at
//! most [`MAX_PROMPT_BYTES`]. Anything else is refused with the file and the reason
//! (`sounds/zh/digit_0.wav: sample rate 16000 Hz, need 8000`), and [`PromptLibrary::load`]
//! reports every bad file at once rather than stopping at the first. A file is read whole into
//! memory, parsed by `hound` from that buffer, then dropped: what stays is the PCM and the two
//! G.711 encodings ([`Prompt`]), 4 bytes per sample.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

use super::{Prompt, SAMPLE_RATE};

/// The largest prompt file read: 64 MiB, about 70 minutes of 8 kHz 16-bit audio.
pub const MAX_PROMPT_BYTES: u64 = 64 * 1024 * 1024;

/// All prompts, by language and name. Cheap lookups; prompts are `Arc`-shared.
#[derive(Debug, Clone, Default)]
pub struct PromptLibrary {
    by_lang: HashMap<String, HashMap<String, Arc<Prompt>>>,
}

/// One way a WAV file's format differs from 8 kHz mono 16-bit integer PCM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatMismatch {
    SampleRate(u32),
    Channels(u16),
    /// Integer samples of another width (8, 24, 32 bits).
    Bits(u16),
    /// Floating-point samples (of this width).
    Float(u16),
}

impl fmt::Display for FormatMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatMismatch::SampleRate(hz) => {
                write!(f, "sample rate {hz} Hz, need {SAMPLE_RATE}")
            }
            FormatMismatch::Channels(n) => write!(f, "{n} channels, need 1 (mono)"),
            FormatMismatch::Bits(bits) => write!(f, "{bits}-bit samples, need 16-bit"),
            FormatMismatch::Float(bits) => {
                write!(f, "{bits}-bit float samples, need 16-bit integer PCM")
            }
        }
    }
}

/// Why a prompt file (or a language folder) was refused.
#[derive(Debug, Error)]
pub enum PromptErrorKind {
    #[error("cannot read: {0}")]
    Io(#[source] io::Error),
    #[error("not a directory")]
    NotADirectory,
    #[error("language name must be letters, digits, `-` or `_`")]
    BadLanguage,
    #[error("file name is not valid UTF-8")]
    BadName,
    #[error("duplicate prompt name `{0}` (the same name with another extension case)")]
    Duplicate(String),
    #[error("empty file")]
    Empty,
    #[error("file too large ({0} bytes, limit {MAX_PROMPT_BYTES})")]
    TooLarge(u64),
    #[error("not a WAV file ({0})")]
    NotWav(String),
    #[error("unsupported WAV encoding, need 16-bit integer PCM")]
    Unsupported,
    #[error("{}", join(.0))]
    Format(Vec<FormatMismatch>),
    #[error("bad sample data: {0}")]
    BadData(String),
    #[error("no audio (0 samples)")]
    NoAudio,
}

fn join(list: &[FormatMismatch]) -> String {
    let parts: Vec<String> = list.iter().map(ToString::to_string).collect();
    parts.join(", ")
}

/// A refused file or folder: `sounds/zh/digit_0.wav: sample rate 16000 Hz, need 8000`.
#[derive(Debug, Error)]
#[error("{}: {kind}", path.display())]
pub struct PromptError {
    pub path: PathBuf,
    pub kind: PromptErrorKind,
}

/// Every problem [`PromptLibrary::load`] found, in path order.
#[derive(Debug, Error)]
pub struct LoadError {
    pub errors: Vec<PromptError>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.as_slice() {
            [one] => write!(f, "{one}"),
            all => {
                write!(f, "{} unusable prompt files or folders:", all.len())?;
                all.iter().try_for_each(|e| write!(f, "\n  {e}"))
            }
        }
    }
}

/// A prompt a flow uses that the library does not have.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MissingPrompt {
    pub lang: String,
    pub name: String,
}

impl fmt::Display for MissingPrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}.wav", self.lang, self.name)
    }
}

impl PromptLibrary {
    /// An empty library (add prompts with [`insert`](Self::insert)).
    pub fn new() -> PromptLibrary {
        PromptLibrary::default()
    }

    /// Loads `root/<lang>/*.wav` for each of `languages` (see the module doc for the rules).
    ///
    /// Every bad file is reported, not just the first. Blocking file I/O: call it at start-up
    /// (or from `spawn_blocking`).
    pub fn load(root: &Path, languages: &[&str]) -> Result<PromptLibrary, LoadError> {
        let mut library = PromptLibrary::new();
        let mut errors = Vec::new();
        for &lang in languages {
            let dir = root.join(lang);
            if !valid_language(lang) {
                errors.push(PromptError {
                    path: dir,
                    kind: PromptErrorKind::BadLanguage,
                });
                continue;
            }
            let prompts = library.by_lang.entry(lang.to_owned()).or_default();
            load_language(&dir, lang, prompts, &mut errors);
        }
        if errors.is_empty() {
            Ok(library)
        } else {
            Err(LoadError { errors })
        }
    }

    /// Adds (or replaces) a prompt under its language and name; returns the shared handle.
    pub fn insert(&mut self, prompt: Prompt) -> Arc<Prompt> {
        let prompt = Arc::new(prompt);
        self.by_lang
            .entry(prompt.lang().to_owned())
            .or_default()
            .insert(prompt.name().to_owned(), Arc::clone(&prompt));
        prompt
    }

    /// The prompt `name` in `lang`, if loaded.
    pub fn get(&self, lang: &str, name: &str) -> Option<Arc<Prompt>> {
        self.by_lang.get(lang)?.get(name).cloned()
    }

    /// Checks that every `(lang, name)` exists; lists all that do not (each once, in order).
    pub fn require(&self, wanted: &[(&str, &str)]) -> Result<(), Vec<MissingPrompt>> {
        let mut missing: Vec<MissingPrompt> = Vec::new();
        for &(lang, name) in wanted {
            let absent = self.by_lang.get(lang).is_none_or(|p| !p.contains_key(name));
            if absent && !missing.iter().any(|m| m.lang == lang && m.name == name) {
                missing.push(MissingPrompt {
                    lang: lang.to_owned(),
                    name: name.to_owned(),
                });
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }

    /// The languages loaded, sorted.
    pub fn languages(&self) -> Vec<&str> {
        let mut langs: Vec<&str> = self.by_lang.keys().map(String::as_str).collect();
        langs.sort_unstable();
        langs
    }

    /// The prompt names of `lang`, sorted (empty if the language is not loaded).
    pub fn names(&self, lang: &str) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .by_lang
            .get(lang)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        names.sort_unstable();
        names
    }

    /// How many prompts, over all languages.
    pub fn len(&self) -> usize {
        self.by_lang.values().map(HashMap::len).sum()
    }

    /// True if no prompt is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of audio held (PCM plus both encodings of every prompt).
    pub fn memory_bytes(&self) -> usize {
        self.by_lang
            .values()
            .flat_map(HashMap::values)
            .map(|p| p.memory_bytes())
            .sum()
    }
}

/// Language folder names are plain tags (`en`, `zh-Hant`, `pt_BR`): no path tricks.
fn valid_language(lang: &str) -> bool {
    !lang.is_empty()
        && lang
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn load_language(
    dir: &Path,
    lang: &str,
    prompts: &mut HashMap<String, Arc<Prompt>>,
    errors: &mut Vec<PromptError>,
) {
    let fail = |path: &Path, kind| PromptError {
        path: path.to_path_buf(),
        kind,
    };
    if !dir.is_dir() {
        errors.push(fail(dir, PromptErrorKind::NotADirectory));
        return;
    }
    let entries = match fs::read_dir(dir).and_then(|rd| rd.collect::<io::Result<Vec<_>>>()) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(fail(dir, PromptErrorKind::Io(e)));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.into_iter().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Some(file_name) = path.file_name() else {
            continue;
        };
        let Some(stem) = wav_stem(file_name.as_encoded_bytes()) else {
            continue;
        };
        if path.is_dir() {
            continue;
        }
        let Ok(name) = std::str::from_utf8(stem) else {
            errors.push(fail(&path, PromptErrorKind::BadName));
            continue;
        };
        if prompts.contains_key(name) {
            errors.push(fail(&path, PromptErrorKind::Duplicate(name.to_owned())));
            continue;
        }
        match read_wav(&path) {
            Ok(pcm) => {
                let prompt = Prompt::from_pcm(lang, name, pcm);
                prompts.insert(name.to_owned(), Arc::new(prompt));
            }
            Err(kind) => errors.push(fail(&path, kind)),
        }
    }
}

/// The name part of `name.wav` (any case), unless hidden or with no name at all.
fn wav_stem(file_name: &[u8]) -> Option<&[u8]> {
    if file_name.first() == Some(&b'.') || file_name.len() <= 4 {
        return None;
    }
    let (stem, ext) = file_name.split_at(file_name.len() - 4);
    ext.eq_ignore_ascii_case(b".wav").then_some(stem)
}

fn read_wav(path: &Path) -> Result<Vec<i16>, PromptErrorKind> {
    let size = fs::metadata(path).map_err(PromptErrorKind::Io)?.len();
    if size > MAX_PROMPT_BYTES {
        return Err(PromptErrorKind::TooLarge(size));
    }
    let bytes = fs::read(path).map_err(PromptErrorKind::Io)?;
    decode_wav(&bytes)
}

/// Decodes a whole WAV file held in memory, insisting on 8 kHz mono 16-bit integer PCM.
pub fn decode_wav(bytes: &[u8]) -> Result<Vec<i16>, PromptErrorKind> {
    if bytes.is_empty() {
        return Err(PromptErrorKind::Empty);
    }
    let mut reader = hound::WavReader::new(io::Cursor::new(bytes)).map_err(|e| match e {
        hound::Error::Unsupported => PromptErrorKind::Unsupported,
        hound::Error::FormatError(msg) => PromptErrorKind::NotWav(msg.to_owned()),
        // Reading from memory, an I/O error can only be the end of the bytes.
        hound::Error::IoError(_) => PromptErrorKind::NotWav("file ends inside the header".into()),
        other => PromptErrorKind::NotWav(other.to_string()),
    })?;
    let spec = reader.spec();
    let mut wrong = Vec::new();
    if spec.sample_rate != SAMPLE_RATE {
        wrong.push(FormatMismatch::SampleRate(spec.sample_rate));
    }
    if spec.channels != 1 {
        wrong.push(FormatMismatch::Channels(spec.channels));
    }
    match spec.sample_format {
        hound::SampleFormat::Float => wrong.push(FormatMismatch::Float(spec.bits_per_sample)),
        hound::SampleFormat::Int if spec.bits_per_sample != 16 => {
            wrong.push(FormatMismatch::Bits(spec.bits_per_sample));
        }
        hound::SampleFormat::Int => {}
    }
    if !wrong.is_empty() {
        return Err(PromptErrorKind::Format(wrong));
    }
    // The header's count is input: never reserve more than the file can hold.
    let claimed = reader.len() as usize;
    let mut pcm = Vec::with_capacity(claimed.min(bytes.len() / 2));
    for sample in reader.samples::<i16>() {
        match sample {
            Ok(s) => pcm.push(s),
            Err(hound::Error::IoError(_)) => {
                return Err(PromptErrorKind::BadData(format!(
                    "header says {claimed} samples, file ends after {}",
                    pcm.len()
                )));
            }
            Err(e) => return Err(PromptErrorKind::BadData(e.to_string())),
        }
    }
    if pcm.is_empty() {
        return Err(PromptErrorKind::NoAudio);
    }
    Ok(pcm)
}

#[cfg(test)]
mod tests;
