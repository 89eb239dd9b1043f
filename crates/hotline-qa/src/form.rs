//! The form model the rest of the engine sees: a validated QA form (sections of criteria), the
//! set of forms loaded from a folder, and the error that refuses a form file.
//!
//! JSON (what the web API returns): field names as below; [`Kind`] is internally tagged,
//! `{"type":"yes_no"}` or `{"type":"scale","max":4}`.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// A QA form: what an evaluator checks on a call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Form {
    /// The file's name without `.yaml` (`standard.yaml` holds the form `standard`).
    pub id: String,
    pub title: String,
    /// The first 12 hex digits of the SHA-256 of the file's text: an evaluation records the
    /// version it was scored against, so a later edit of the form is visible.
    pub version: String,
    /// The percent (0..=100) an evaluation needs to pass; 80 when the file does not say.
    pub pass_mark: u8,
    pub sections: Vec<Section>,
}

/// A group of criteria (opening, handling, courtesy, closing, …), in file order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub criteria: Vec<Criterion>,
}

/// One thing the evaluator answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    /// Unique in the form, `[a-z0-9_]+`; the key of its answer.
    pub id: String,
    pub text: String,
    /// What the evaluator listens for; may be empty.
    pub guidance: String,
    /// Its share of the score: at least 1, except a critical item may have 0 (a gate only).
    pub weight: u32,
    pub kind: Kind,
    /// Answered "no", the whole evaluation scores 0 and fails. Only yes/no items are critical.
    pub critical: bool,
    /// The evaluator may answer "n/a" (not applicable on this call): the item then counts
    /// neither for nor against.
    pub allow_na: bool,
}

/// How a criterion is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// Yes (full weight) or no (nothing).
    YesNo,
    /// 0..=max (1..=10): `v` earns `weight * v / max`.
    Scale { max: u8 },
}

impl Form {
    /// Every criterion, in form order.
    pub fn criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.sections.iter().flat_map(|s| s.criteria.iter())
    }

    /// The criterion with this id.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria().find(|c| c.id == id)
    }
}

/// Why a form file is refused: `file:line: reason` (`file: reason` when the line is unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormError {
    pub file: String,
    /// 1-based; 0 when unknown (an error about the whole file or the folder).
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.reason)
        }
    }
}

impl std::error::Error for FormError {}

/// The forms of a folder, by id (ordered).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Forms {
    by_id: BTreeMap<String, Form>,
}

impl Forms {
    pub fn get(&self, id: &str) -> Option<&Form> {
        self.by_id.get(id)
    }
    /// The forms, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &Form> {
        self.by_id.values()
    }
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
    /// Adds a form, replacing one with the same id.
    pub fn insert(&mut self, form: Form) {
        self.by_id.insert(form.id.clone(), form);
    }
}

impl FromIterator<Form> for Forms {
    fn from_iter<I: IntoIterator<Item = Form>>(iter: I) -> Self {
        let mut forms = Forms::default();
        for form in iter {
            forms.insert(form);
        }
        forms
    }
}
