//! The loader: reads a folder of flow files (`ivr-flows/`), checks everything
//! `ivr-flows/README.md` promises (targets, reachability, loops that never wait, prompts,
//! keys, expressions and their types, calls, calendars, limits) and builds the runnable
//! `FlowSet`, or reports every error as `file:line:column: message`.
//!
//! Hostile files are bounded: a file is at most 1 MiB (checked before reading it all), a
//! folder at most 200 flows, a flow at most 2,000 nodes (the parser stops at the next one),
//! and YAML nesting, aliases and document size are limited by serde-saphyr's budget.

mod calendar;
mod calls;
mod compile;
mod errors;
mod exprs;
mod external;
mod input;
mod outbound;
mod parse;
mod prompts;
mod scc;
mod scope;
mod sounds;
mod walk;

pub use errors::{LoadError, LoadErrors};
pub use sounds::{PromptIndex, SoundsDir};

use crate::flow::{FlowIdx, FlowSet};
use crate::model::{CalendarsFile, FlowFile};
use errors::{pos, Sink};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The largest flow or calendars file.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// The most flow files in a folder.
pub const MAX_FLOWS: usize = 200;
/// The most nodes in a flow.
pub const MAX_NODES: usize = crate::model::MAX_NODES;
/// The deepest nesting of calls (a flow calling a flow calling … ).
pub const MAX_CALL_DEPTH: usize = 8;

/// The calendars file's name in a flow folder.
pub const CALENDARS_FILE: &str = "calendars.yaml";
/// The folder of yearly public-holiday files (`<region>-<year>.yaml`) in a flow folder.
pub const HOLIDAYS_DIR: &str = "holidays";
/// The most holiday files read.
const MAX_HOLIDAY_FILES: usize = 100;

/// The holiday files built into the engine (the shipped `ivr-flows/holidays/`), by file name:
/// used when the flows folder's `holidays/` has no file of that name (a copy of the flows
/// without the folder still has the public holidays; a folder's own file replaces one).
const BUILT_IN_HOLIDAYS: &[(&str, &str)] = &[(
    "cn-2026.yaml",
    include_str!("../../../../ivr-flows/holidays/cn-2026.yaml"),
)];

/// The holiday files of `dir/holidays` by name, then the built-in ones it does not replace.
fn holiday_files(dir: &Path, sink: &mut Sink) -> Vec<(PathBuf, String)> {
    let mut out = folder_holiday_files(dir, sink);
    for (name, text) in BUILT_IN_HOLIDAYS {
        if !out
            .iter()
            .any(|(p, _)| p.file_name().is_some_and(|n| n == *name))
        {
            let path = PathBuf::from(format!("{HOLIDAYS_DIR}/{name} (built in)"));
            out.push((path, (*text).to_owned()));
        }
    }
    out
}

/// The holiday files of `dir/holidays` (none when there is no such folder), by name.
fn folder_holiday_files(dir: &Path, sink: &mut Sink) -> Vec<(PathBuf, String)> {
    let folder = dir.join(HOLIDAYS_DIR);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    if paths.len() > MAX_HOLIDAY_FILES {
        sink.push(
            &folder,
            (0, 0),
            format!("more than {MAX_HOLIDAY_FILES} holiday files"),
        );
        paths.truncate(MAX_HOLIDAY_FILES);
    }
    let mut out = Vec::new();
    for path in paths {
        match parse::read_limited(&path) {
            Ok(text) => out.push((path, text)),
            Err(m) => sink.push(&path, (0, 0), m),
        }
    }
    out
}

/// Loads the flows of `dir`: every `*.yaml` except `*.test.yaml` (test cases) and
/// `calendars.yaml` (the calendars, optional). Other files (`schema.json`, `README.md`) are
/// ignored.
pub fn load_dir(dir: &Path, prompts: &dyn PromptIndex) -> Result<FlowSet, LoadErrors> {
    let mut sink = Sink::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            sink.push(dir, (0, 0), format!("cannot read the folder: {e}"));
            return Err(sink.finish());
        }
    };
    let mut flow_paths = Vec::new();
    let mut calendars_path = None;
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                sink.push(dir, (0, 0), format!("cannot read the folder: {e}"));
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !path.is_file() {
            continue;
        }
        if name == CALENDARS_FILE {
            calendars_path = Some(path);
        } else if name.ends_with(".test.yaml") {
            continue;
        } else if name.ends_with(".yaml") {
            flow_paths.push(path);
            if flow_paths.len() > MAX_FLOWS {
                sink.push(dir, (0, 0), format!("more than {MAX_FLOWS} flow files"));
                return Err(sink.finish());
            }
        } else if name.ends_with(".yml") {
            sink.push(&path, (0, 0), "flow files end in `.yaml`");
        }
    }
    flow_paths.sort();
    let mut files = Vec::new();
    for path in flow_paths {
        match parse::read_limited(&path) {
            Ok(text) => files.push((path, text)),
            Err(m) => sink.push(&path, (0, 0), m),
        }
    }
    let calendars = match calendars_path {
        None => None,
        Some(path) => match parse::read_limited(&path) {
            Ok(text) => Some((path, text)),
            Err(m) => {
                sink.push(&path, (0, 0), m);
                Some((path, String::new()))
            }
        },
    };
    let holidays = holiday_files(dir, &mut sink);
    load(files, calendars, holidays, prompts, sink)
}

/// Loads flows given as `(path, text)`, with the calendars file and the holiday files
/// (`holidays/<region>-<year>.yaml`) they use.
pub fn load_files_with_holidays(
    files: &[(PathBuf, String)],
    calendars: Option<(PathBuf, String)>,
    holidays: Vec<(PathBuf, String)>,
    prompts: &dyn PromptIndex,
) -> Result<FlowSet, LoadErrors> {
    let mut sink = Sink::default();
    if let Some((path, _)) = files.get(MAX_FLOWS) {
        sink.push(path, (0, 0), format!("more than {MAX_FLOWS} flow files"));
        return Err(sink.finish());
    }
    load(files.to_vec(), calendars, holidays, prompts, sink)
}

/// Loads flows given as `(path, text)`, with the calendars file if any. The paths name the
/// files in messages, and a flow's name must be its file's name without `.yaml`.
pub fn load_files(
    files: &[(PathBuf, String)],
    calendars: Option<(PathBuf, String)>,
    prompts: &dyn PromptIndex,
) -> Result<FlowSet, LoadErrors> {
    let mut sink = Sink::default();
    if let Some((path, _)) = files.get(MAX_FLOWS) {
        sink.push(path, (0, 0), format!("more than {MAX_FLOWS} flow files"));
        return Err(sink.finish());
    }
    load(files.to_vec(), calendars, Vec::new(), prompts, sink)
}

/// A flow file that parsed.
pub(crate) struct Parsed {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) model: FlowFile,
}

/// The flow's name a file must hold: its name without `.yaml`.
fn file_flow_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.strip_suffix(".yaml") {
        Some(stem) => stem.to_owned(),
        None => path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

fn load(
    files: Vec<(PathBuf, String)>,
    calendars: Option<(PathBuf, String)>,
    holidays: Vec<(PathBuf, String)>,
    prompts: &dyn PromptIndex,
    mut sink: Sink,
) -> Result<FlowSet, LoadErrors> {
    // 1. Parse; remember the flows that did not, so their callers are not also blamed.
    let mut parsed = Vec::new();
    let mut unparsed: HashSet<String> = HashSet::new();
    let mut names: HashMap<String, FlowIdx> = HashMap::new();
    for (path, text) in files {
        if text.len() > MAX_FILE_BYTES {
            sink.push(&path, (0, 0), parse::too_large());
            unparsed.insert(file_flow_name(&path));
            continue;
        }
        match parse::parse::<FlowFile>(&text) {
            Ok(model) => {
                let name = model.flow.value.clone();
                if names.contains_key(&name) {
                    let first = parsed
                        .iter()
                        .find(|p: &&Parsed| p.model.flow.value == name)
                        .map(|p| format!(" (also in {})", p.path.display()))
                        .unwrap_or_default();
                    sink.push(
                        &path,
                        pos(&model.flow.referenced),
                        format!("flow `{name}` is defined twice{first}"),
                    );
                    continue;
                }
                names.insert(name, parsed.len());
                parsed.push(Parsed { path, text, model });
            }
            Err((at, message)) => {
                sink.push(&path, at, message);
                unparsed.insert(file_flow_name(&path));
            }
        }
    }

    // 2. Public holidays, then calendars: `None` when the file is there but broken (then
    //    `schedule` is not checked).
    let mut holiday_models = Vec::new();
    for (path, text) in holidays {
        if text.len() > MAX_FILE_BYTES {
            sink.push(&path, (0, 0), parse::too_large());
            continue;
        }
        match parse::parse::<crate::model::HolidayFile>(&text) {
            Ok(model) => holiday_models.push((path, model)),
            Err((at, message)) => sink.push(&path, at, message),
        }
    }
    let public = calendar::compile_holidays(&holiday_models, &mut sink);
    let calendars = match calendars {
        None => Some(BTreeMap::new()),
        Some((path, text)) if text.len() > MAX_FILE_BYTES => {
            sink.push(&path, (0, 0), parse::too_large());
            None
        }
        Some((path, text)) => match parse::parse::<CalendarsFile>(&text) {
            Ok(model) => Some(calendar::compile(&path, &model, &public, &mut sink)),
            Err((at, message)) => {
                sink.push(&path, at, message);
                None
            }
        },
    };

    // 3. Types: with a flow missing, its variables are unknown, so types are only checked
    //    when every flow parsed (expressions are still parsed).
    let typed = unparsed.is_empty();
    let scope = scope::build(&parsed, &mut sink);

    // 4. Nodes.
    let set = compile::Shared {
        names: &names,
        unparsed: &unparsed,
        calendars: calendars.as_ref(),
        prompts,
        typed,
    };
    let mut flows = Vec::new();
    for p in &parsed {
        let mut scope = scope.clone();
        flows.push(compile::flow(
            p,
            &file_flow_name(&p.path),
            &set,
            &mut scope,
            &mut sink,
        ));
    }

    // 5. Graphs: reachability, loops that never wait, calls.
    let graphs: Vec<walk::FlowGraph> = parsed.iter().map(|p| walk::build(p, &names)).collect();
    let waits = calls::flow_waits(&graphs);
    for (p, g) in parsed.iter().zip(&graphs) {
        walk::check(p, g, &waits, &mut sink);
    }
    calls::check(&parsed, &graphs, &mut sink);

    if !sink.is_empty() {
        return Err(sink.finish());
    }
    let flows: Option<Vec<_>> = flows.into_iter().collect();
    match (flows, calendars) {
        (Some(flows), Some(calendars)) => Ok(FlowSet {
            flows,
            calendars,
            zone: hotline_time::Zone::default(),
        }),
        _ => {
            // Unreachable: every refusal above reports an error.
            sink.push(Path::new("."), (0, 0), "the flows could not be built");
            Err(sink.finish())
        }
    }
}
