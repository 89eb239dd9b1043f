//! The forms of a folder (`qa-forms/`): every `*.yaml` in it (not in sub-folders), read in name
//! order, each checked by the parser. The only I/O of the crate.

use crate::form::{FormError, Forms};
use crate::parse::parse_all;
use std::io::Read;
use std::path::Path;

/// A form file larger than this is refused (a form is a few KiB).
pub const MAX_FILE_BYTES: usize = 256 << 10;
/// A folder with more form files than this is refused.
const MAX_FORMS: usize = 1_000;

/// Loads every `*.yaml` of `dir` (sorted by name; other files and sub-folders are ignored); a
/// form's id is its file's name without `.yaml`. All or nothing: any bad file refuses the
/// folder with every error found (files in name order, errors in line order), so the caller
/// keeps the forms it had. A missing folder is an error naming it; an empty folder is no forms.
pub fn load_forms(dir: &Path) -> Result<Forms, Vec<FormError>> {
    let folder_error = |reason: String| {
        vec![FormError {
            file: dir.display().to_string(),
            line: 0,
            reason,
        }]
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(folder_error("the QA form folder does not exist".to_owned()))
        }
        Err(e) => return Err(folder_error(format!("cannot read the folder: {e}"))),
    };
    let mut errors = Vec::new();
    let mut paths = Vec::new();
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(e) => return Err(folder_error(format!("cannot read the folder: {e}"))),
        };
        if path.extension().is_some_and(|x| x == "yaml") && path.is_file() {
            paths.push(path);
            if paths.len() > MAX_FORMS {
                return Err(folder_error(format!("more than {MAX_FORMS} form files")));
            }
        }
    }
    paths.sort();
    let mut forms = Forms::default();
    for path in paths {
        let file = path.display().to_string();
        let at_file = |reason: String| FormError {
            file: file.clone(),
            line: 0,
            reason,
        };
        let Some(id) = path.file_stem().and_then(|s| s.to_str()) else {
            errors.push(at_file("the file's name is not UTF-8".to_owned()));
            continue;
        };
        let text = match read_limited(&path) {
            Ok(text) => text,
            Err(reason) => {
                errors.push(at_file(reason));
                continue;
            }
        };
        match parse_all(id, &file, &text) {
            Ok(form) => forms.insert(form),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(forms)
    } else {
        Err(errors)
    }
}

/// Reads a file of at most `MAX_FILE_BYTES` (never more is read).
fn read_limited(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the file is larger than {} KiB",
            MAX_FILE_BYTES >> 10
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}
