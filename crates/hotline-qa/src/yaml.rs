//! Reading YAML text into a model with serde-saphyr: a tight budget (one document, shallow
//! nesting, few aliases) and its errors as `(line, reason)` in plain words.

use serde::de::DeserializeOwned;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error, Localizer, Location, Options, UserMessageFormatter};
use std::borrow::Cow;

/// YAML nested deeper than this is refused (a form needs 6).
const MAX_DEPTH: usize = 16;

fn options() -> Options {
    serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH + 1,
            max_documents: 1,
            max_nodes: 100_000,
            max_events: 250_000,
            max_aliases: 500,
            max_anchors: 500,
            max_recorded_anchor_events: 20_000,
            max_recorded_anchor_bytes: 1 << 20,
            max_total_scalar_bytes: 2 << 20,
            max_merge_keys: 50,
            max_inclusion_depth: 0,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 20_000,
            max_replay_stack_depth: 8,
        },
    }
}

/// The 1-based line of a YAML position; 0 when the parser could not tell.
pub(crate) fn line(loc: &Location) -> usize {
    if *loc == Location::UNKNOWN {
        return 0;
    }
    usize::try_from(loc.line()).unwrap_or(usize::MAX)
}

/// Parses `text` into `T`; an error is `(line, reason)`, line 1 when the parser gave none.
pub(crate) fn parse<T: DeserializeOwned>(text: &str) -> Result<T, (usize, String)> {
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
        let at = e.location().map(|l| line(&l)).filter(|l| *l > 0);
        (at.unwrap_or(1), message(&e))
    })
}

/// Plain messages: the line is reported separately.
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
    let m = original(e).render_with_formatter(&formatter);
    // The parser's words for Rust types, in the form file's words.
    let plain = match m.as_str() {
        "invalid i64" | "invalid u64" | "invalid i32" | "invalid u32" | "invalid u8" => {
            "expected a whole number"
        }
        "invalid boolean" => "expected true or false",
        "recursion limit exceeded" => {
            return format!("YAML nested more than {MAX_DEPTH} levels deep")
        }
        "expected sequence start" => "expected a list",
        "expected mapping start" => "expected a map",
        "expected string scalar" => "expected a single value, not a list or a map",
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
        BudgetBreach::Documents { .. } => "a form file holds one YAML document".to_owned(),
        BudgetBreach::MergeKeys { .. } => "too many merge keys (`<<`)".to_owned(),
        _ => "the file is too large or too complex (aliases expand to too much)".to_owned(),
    })
}
