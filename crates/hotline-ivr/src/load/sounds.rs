//! Which prompts exist: `PromptIndex`, and `SoundsDir`, the index of a sounds folder
//! (`sounds/<lang>/<name>.wav`, `sounds/common/<name>.wav`).

use std::collections::BTreeSet;
use std::io;
use std::path::Path;

/// Which recorded prompts exist. The loader asks `has("zh", "welcome")` for a prompt of a
/// language, and `has("common", "beep")` for the language-independent `common/beep`.
pub trait PromptIndex {
    fn has(&self, language: &str, name: &str) -> bool;
}

/// Any `Fn(language, name) -> bool` is a prompt index (handy in tests).
impl<F: Fn(&str, &str) -> bool> PromptIndex for F {
    fn has(&self, language: &str, name: &str) -> bool {
        self(language, name)
    }
}

/// The prompts of a sounds folder: `<dir>/<lang>/<name>.wav` and `<dir>/common/<name>.wav`,
/// read once by `scan`.
#[derive(Debug, Clone, Default)]
pub struct SoundsDir {
    names: BTreeSet<(String, String)>,
}

/// More files than this in a sounds folder are not indexed (a bound for odd folders).
const MAX_SOUNDS: usize = 200_000;

impl SoundsDir {
    /// Indexes the `.wav` files one level below `dir` (one folder per language, and `common`).
    pub fn scan(dir: &Path) -> io::Result<SoundsDir> {
        let mut names = BTreeSet::new();
        for lang in std::fs::read_dir(dir)? {
            let lang = lang?;
            if !lang.file_type()?.is_dir() {
                continue;
            }
            let Some(lang_name) = lang.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            for file in std::fs::read_dir(lang.path())? {
                let file = file?;
                let file_name = file.file_name();
                let Some(name) = file_name.to_str().and_then(|n| n.strip_suffix(".wav")) else {
                    continue;
                };
                if names.len() >= MAX_SOUNDS {
                    return Err(io::Error::other(format!(
                        "more than {MAX_SOUNDS} sounds in {}",
                        dir.display()
                    )));
                }
                names.insert((lang_name.clone(), name.to_owned()));
            }
        }
        Ok(SoundsDir { names })
    }

    /// A sounds index of these `(language, name)` pairs (`common` for common sounds).
    pub fn from_names<I, L, N>(names: I) -> SoundsDir
    where
        I: IntoIterator<Item = (L, N)>,
        L: Into<String>,
        N: Into<String>,
    {
        SoundsDir {
            names: names
                .into_iter()
                .map(|(l, n)| (l.into(), n.into()))
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

impl PromptIndex for SoundsDir {
    fn has(&self, language: &str, name: &str) -> bool {
        self.names.contains(&(language.to_owned(), name.to_owned()))
    }
}
