//! Reading a file into the model: size limit, serde-saphyr with a tight budget (nesting,
//! aliases, nodes), and its errors as `(position, message)`.

use super::errors::Pos;
use super::MAX_FILE_BYTES;
use serde::de::DeserializeOwned;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error, Localizer, Location, Options, UserMessageFormatter};
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

/// YAML nesting deeper than this is refused (a flow needs about 10).
pub(crate) const MAX_DEPTH: usize = 24;

fn options() -> Options {
    serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH + 1,
            max_documents: 1,
            max_nodes: 250_000,
            max_events: 600_000,
            max_aliases: 2_000,
            max_anchors: 2_000,
            max_recorded_anchor_events: 100_000,
            max_recorded_anchor_bytes: 4 << 20,
            max_total_scalar_bytes: 4 << 20,
            max_merge_keys: 100,
            max_inclusion_depth: 0,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
        },
    }
}

/// Parses `text` (already known to be at most `MAX_FILE_BYTES`).
pub(crate) fn parse<T: DeserializeOwned>(text: &str) -> Result<T, (Pos, String)> {
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
        let at = e
            .location()
            .filter(|l| *l != Location::UNKNOWN)
            .map(|l| super::errors::pos(&l))
            .unwrap_or((1, 1));
        (at, message(&e))
    })
}

/// Plain messages: the position is reported separately.
struct NoLocation;

impl Localizer for NoLocation {
    fn attach_location<'a>(&self, base: Cow<'a, str>, _loc: Location) -> Cow<'a, str> {
        base
    }
    fn alias_used_at(&self, _used: Location) -> String {
        String::new()
    }
}

fn message(e: &Error) -> String {
    if let Some(m) = budget_message(e) {
        return m;
    }
    let formatter = UserMessageFormatter.with_localizer(&NoLocation);
    let m = e.render_with_formatter(&formatter);
    // The parser's words for Rust types, in the flow language's words.
    let plain = match m.as_str() {
        "expected end of mapping after enum variant value" => {
            "a node has exactly one node type (play, menu, collect, …)"
        }
        "invalid i64" | "invalid u64" | "invalid i32" | "invalid u32" | "invalid u8" => {
            "expected a whole number"
        }
        "invalid boolean" => "expected true or false",
        "recursion limit exceeded" => {
            return format!("YAML nested more than {MAX_DEPTH} levels deep")
        }
        "expected sequence start" => "expected a list",
        "expected mapping start" => "expected a map",
        "expected string scalar" => "expected text",
        _ if m.starts_with("YAML document too large or too complex") => {
            "the file is too large or too complex (aliases expand to too much)"
        }
        _ => return m,
    };
    plain.to_owned()
}

/// The error under alias and snippet wrappers.
fn original(e: &Error) -> &Error {
    match e.without_snippet() {
        Error::AliasError { error, .. } => original(error),
        other => other,
    }
}

fn budget_message(e: &Error) -> Option<String> {
    let Error::Budget { breach, .. } = original(e) else {
        return None;
    };
    Some(match breach {
        BudgetBreach::Depth { .. } => format!("YAML nested more than {MAX_DEPTH} levels deep"),
        BudgetBreach::Aliases { .. } | BudgetBreach::AliasAnchorRatio { .. } => {
            "too many aliases (`*name`)".to_owned()
        }
        BudgetBreach::Anchors { .. } => "too many anchors (`&name`)".to_owned(),
        BudgetBreach::Documents { .. } => "a file holds one YAML document".to_owned(),
        BudgetBreach::MergeKeys { .. } => "too many merge keys (`<<`)".to_owned(),
        _ => "the file is too large or too complex (aliases expand to too much)".to_owned(),
    })
}

/// Reads a file of at most `MAX_FILE_BYTES` (never more is read).
pub(crate) fn read_limited(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

pub(crate) fn too_large() -> String {
    format!("the file is larger than {} KiB", MAX_FILE_BYTES / 1024)
}
