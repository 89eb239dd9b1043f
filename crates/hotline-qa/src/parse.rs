//! A form file's text to a [`Form`]: the YAML shape (unknown keys refused), then the rules the
//! shape cannot say (ids, ranges, critical items, duplicates), each broken rule a [`FormError`]
//! with the line of the offending item. The format is described in `qa-forms/README.md`.

use crate::form::{Criterion, Form, FormError, Kind, Section};
use crate::yaml;
use serde::Deserialize;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The pass mark when a form does not give one.
pub const DEFAULT_PASS_MARK: u8 = 80;
/// The largest weight of a criterion.
pub const MAX_WEIGHT: u32 = 1_000;
/// The largest `scale` (answers 0..=scale).
pub const MAX_SCALE: u8 = 10;
/// At most this many errors are reported for one file.
const MAX_ERRORS: usize = 100;

// Keys a form cannot do without are optional here so that a missing one is reported on the
// line of the item that lacks it (serde would name the end of the item).

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    #[serde(default)]
    title: Option<Spanned<String>>,
    #[serde(default)]
    pass_mark: Option<Spanned<i64>>,
    #[serde(default)]
    sections: Option<Spanned<Vec<Spanned<RawSection>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    #[serde(default)]
    id: Option<Spanned<String>>,
    #[serde(default)]
    title: Option<Spanned<String>>,
    #[serde(default)]
    criteria: Option<Spanned<Vec<Spanned<RawCriterion>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    #[serde(default)]
    id: Option<Spanned<String>>,
    #[serde(default)]
    text: Option<Spanned<String>>,
    #[serde(default)]
    guidance: Option<String>,
    #[serde(default)]
    weight: Option<Spanned<i64>>,
    #[serde(default)]
    scale: Option<Spanned<i64>>,
    #[serde(default)]
    critical: Option<Spanned<bool>>,
    #[serde(default)]
    allow_na: bool,
}

/// Parses and validates the text of one form file. `id` is the form's id (the file's name
/// without `.yaml`: lower-case letters, digits, `_`, `-`); `file_name` is only used in errors.
/// On several broken rules, the first in the file is returned.
pub fn parse_form(id: &str, file_name: &str, text: &str) -> Result<Form, FormError> {
    parse_all(id, file_name, text).map_err(|mut errors| {
        if errors.is_empty() {
            // Not reached: a refusal always carries a reason.
            FormError {
                file: file_name.to_owned(),
                line: 0,
                reason: "the form is invalid".to_owned(),
            }
        } else {
            errors.swap_remove(0)
        }
    })
}

/// Like [`parse_form`], with every broken rule found (at most 100), in line order.
pub(crate) fn parse_all(id: &str, file_name: &str, text: &str) -> Result<Form, Vec<FormError>> {
    let mut check = Check {
        file: file_name,
        errors: Vec::new(),
    };
    if !is_name(id, true) {
        check.error(
            0,
            format!(
                "the form's name `{id}` (the file's name without .yaml) must be lower-case \
                 letters, digits, `_` or `-`"
            ),
        );
    }
    if text.len() > crate::load::MAX_FILE_BYTES {
        check.error(
            0,
            format!(
                "the file is larger than {} KiB",
                crate::load::MAX_FILE_BYTES >> 10
            ),
        );
        return Err(check.errors);
    }
    if text.trim().is_empty() {
        check.error(0, "the file is empty".to_owned());
        return Err(check.errors);
    }
    let raw: RawForm = match yaml::parse(text) {
        Ok(raw) => raw,
        Err((line, reason)) => {
            check.error(line, reason);
            return Err(check.errors);
        }
    };
    let form = check.form(id, text, raw);
    if check.errors.is_empty() {
        Ok(form)
    } else {
        // Stable: errors on one line keep the order they were found in.
        check.errors.sort_by_key(|e| e.line);
        Err(check.errors)
    }
}

/// `[a-z0-9_]+`, and `-` too when `dash`.
fn is_name(s: &str, dash: bool) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || (dash && b == b'-')
        })
}

/// The first 12 hex digits of the SHA-256 of `text`.
pub(crate) fn version_of(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Check<'a> {
    file: &'a str,
    errors: Vec<FormError>,
}

impl Check<'_> {
    fn error(&mut self, line: usize, reason: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(FormError {
                file: self.file.to_owned(),
                line,
                reason,
            });
        }
    }

    /// `value`, or an error on `line` that `what` has no `key`.
    fn required<'r, T>(
        &mut self,
        value: &'r Option<Spanned<T>>,
        line: usize,
        what: &str,
        key: &str,
    ) -> Option<&'r Spanned<T>> {
        if value.is_none() {
            self.error(line, format!("{what} has no `{key}`"));
        }
        value.as_ref()
    }

    /// Trimmed `text`; an error when it is empty (`what` has an empty `key`).
    fn text(&mut self, text: Option<&Spanned<String>>, what: &str, key: &str) -> String {
        let Some(text) = text else {
            return String::new();
        };
        let t = text.value.trim();
        if t.is_empty() {
            self.error(
                yaml::line(&text.referenced),
                format!("{what} has an empty `{key}`"),
            );
        }
        t.to_owned()
    }

    fn form(&mut self, id: &str, text: &str, raw: RawForm) -> Form {
        let title = self.required(&raw.title, 1, "the form", "title");
        let title = self.text(title, "the form", "title");
        let pass_mark = match &raw.pass_mark {
            None => DEFAULT_PASS_MARK,
            Some(p) => match u8::try_from(p.value) {
                Ok(v) if v <= 100 => v,
                _ => {
                    self.error(
                        yaml::line(&p.referenced),
                        format!("pass_mark is a percent from 0 to 100, not {}", p.value),
                    );
                    DEFAULT_PASS_MARK
                }
            },
        };
        let mut section_ids: HashMap<String, usize> = HashMap::new();
        let mut criterion_ids: HashMap<String, usize> = HashMap::new();
        let mut sections = Vec::new();
        if let Some(raw_sections) = self.required(&raw.sections, 1, "the form", "sections") {
            if raw_sections.value.is_empty() {
                self.error(
                    yaml::line(&raw_sections.referenced),
                    "a form has at least one section".to_owned(),
                );
            }
            for s in &raw_sections.value {
                sections.push(self.section(s, &mut section_ids, &mut criterion_ids));
            }
        }
        Form {
            id: id.to_owned(),
            title,
            version: version_of(text),
            pass_mark,
            sections,
        }
    }

    /// Checks an id's spelling and that it is new in `seen` (id → line); the id, empty when
    /// missing.
    fn id(
        &mut self,
        id: Option<&Spanned<String>>,
        what: &str,
        seen: &mut HashMap<String, usize>,
    ) -> String {
        let Some(id) = id else {
            return String::new();
        };
        let line = yaml::line(&id.referenced);
        if !is_name(&id.value, false) {
            self.error(
                line,
                format!(
                    "{what} id `{}` must be lower-case letters, digits and `_`",
                    id.value
                ),
            );
        } else if let Some(first) = seen.get(&id.value) {
            self.error(
                line,
                format!(
                    "{what} id `{}` is used twice (first on line {first})",
                    id.value
                ),
            );
        } else {
            seen.insert(id.value.clone(), line);
        }
        id.value.clone()
    }

    fn section(
        &mut self,
        raw: &Spanned<RawSection>,
        section_ids: &mut HashMap<String, usize>,
        criterion_ids: &mut HashMap<String, usize>,
    ) -> Section {
        let s = &raw.value;
        let line = yaml::line(&raw.referenced);
        let id = self.required(&s.id, line, "a section", "id");
        let id = self.id(id, "section", section_ids);
        let what = format!("section `{id}`");
        let title = self.required(&s.title, line, &what, "title");
        let title = self.text(title, &what, "title");
        let mut criteria = Vec::new();
        if let Some(raw_criteria) = self.required(&s.criteria, line, &what, "criteria") {
            if raw_criteria.value.is_empty() {
                self.error(line, format!("section `{id}` has no criteria"));
            }
            for c in &raw_criteria.value {
                criteria.push(self.criterion(c, criterion_ids));
            }
        }
        Section {
            id,
            title,
            criteria,
        }
    }

    fn criterion(
        &mut self,
        raw: &Spanned<RawCriterion>,
        ids: &mut HashMap<String, usize>,
    ) -> Criterion {
        let c = &raw.value;
        let line = yaml::line(&raw.referenced);
        let id = self.required(&c.id, line, "a criterion", "id");
        let id = self.id(id, "criterion", ids);
        let what = format!("criterion `{id}`");
        let text = self.required(&c.text, line, &what, "text");
        let text = self.text(text, &what, "text");
        let critical = c.critical.as_ref().is_some_and(|x| x.value);
        let kind = match &c.scale {
            None => Kind::YesNo,
            Some(s) => match u8::try_from(s.value) {
                Ok(max) if (1..=MAX_SCALE).contains(&max) => Kind::Scale { max },
                _ => {
                    self.error(
                        yaml::line(&s.referenced),
                        format!(
                            "{what}: scale is the highest answer, from 1 to {MAX_SCALE}, not {}",
                            s.value
                        ),
                    );
                    Kind::Scale { max: 1 }
                }
            },
        };
        if let (Some(crit), Some(_)) = (&c.critical, &c.scale) {
            if crit.value {
                self.error(
                    yaml::line(&crit.referenced),
                    format!("{what} is critical, so it is answered yes or no: remove its scale"),
                );
            }
        }
        let weight = match self.required(&c.weight, line, &what, "weight") {
            None => 0,
            Some(w) => match u32::try_from(w.value) {
                Ok(0) if critical => 0,
                Ok(0) => {
                    self.error(
                        yaml::line(&w.referenced),
                        format!("{what} has weight 0, which only a critical item may have"),
                    );
                    0
                }
                Ok(v) if v <= MAX_WEIGHT => v,
                _ => {
                    self.error(
                        yaml::line(&w.referenced),
                        format!("{what}: weight is from 1 to {MAX_WEIGHT}, not {}", w.value),
                    );
                    0
                }
            },
        };
        Criterion {
            id,
            text,
            guidance: c.guidance.as_deref().unwrap_or("").trim().to_owned(),
            weight,
            kind,
            critical,
            allow_na: c.allow_na,
        }
    }
}
