//! The prompts the interim answer flow plays (until IVR flows take over): a welcome, the digits
//! read back, and music on hold. Looked up once at start-up, so a missing sound stops the engine
//! there instead of leaving a caller in silence.

use std::sync::Arc;

use hotline_media::prompt::{Prompt, PromptLibrary};

/// Shared by every call.
#[derive(Debug, Clone)]
pub struct AnswerPrompts {
    pub welcome: Arc<Prompt>,
    /// `digits[d]` reads digit `d`.
    pub digits: Vec<Arc<Prompt>>,
    pub moh: Arc<Prompt>,
}

impl AnswerPrompts {
    /// Finds every prompt the answer flow needs in `language` (and `common/moh`), or lists all
    /// that are missing.
    pub fn from_library(lib: &PromptLibrary, language: &str) -> Result<AnswerPrompts, String> {
        let digit_names: Vec<String> = (0..10).map(|d| format!("digit_{d}")).collect();
        let mut wanted: Vec<(&str, &str)> = vec![(language, "welcome"), ("common", "moh")];
        wanted.extend(digit_names.iter().map(|n| (language, n.as_str())));
        if let Err(missing) = lib.require(&wanted) {
            let list: Vec<String> = missing.iter().map(|m| m.to_string()).collect();
            return Err(format!("missing prompts: {}", list.join(", ")));
        }
        let get = |lang: &str, name: &str| {
            lib.get(lang, name)
                .ok_or_else(|| format!("missing prompt {lang}/{name}.wav"))
        };
        Ok(AnswerPrompts {
            welcome: get(language, "welcome")?,
            digits: digit_names
                .iter()
                .map(|n| get(language, n))
                .collect::<Result<_, _>>()?,
            moh: get("common", "moh")?,
        })
    }

    /// The prompt that reads `digit`, for 0–9.
    pub fn digit(&self, digit: char) -> Option<Arc<Prompt>> {
        let d = digit.to_digit(10)? as usize;
        self.digits.get(d).cloned()
    }
}
