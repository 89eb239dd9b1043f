//! The designer's tools (`hotline flow …`): check a folder of flows, draw one, print the
//! JSON Schema editors use, simulate a call without a phone, and run the test cases beside
//! the flows. Also the loading the engine itself uses at start and on reload.

pub mod cases;
pub mod driver;
pub mod reload;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Subcommand, ValueEnum};
use hotline_ivr::load::{load_dir, LoadErrors, SoundsDir};
use hotline_ivr::FlowSet;
use hotline_time::Zone;

use crate::config::Config;
use crate::storage;

#[derive(Debug, Subcommand)]
pub enum FlowCommand {
    /// Validate every flow and prompt of a folder [default: ivr.flows_dir]; list every error.
    Check { path: Option<PathBuf> },
    /// Draw a flow (Mermaid or Graphviz DOT) on stdout.
    Graph {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
    },
    /// Print the JSON Schema of flow files (ivr-flows/schema.json).
    Schema,
    /// Play a flow against the store without a phone: what the caller hears, what happens.
    Simulate {
        file: PathBuf,
        /// The calling number.
        #[arg(long, default_value = "13800000000")]
        caller: String,
        /// Keys pressed at successive questions, comma-separated ("1,1000000001#,1"); an
        /// empty group lets the question time out. Without it, keys are read from stdin.
        #[arg(long)]
        keys: Option<String>,
    },
    /// Run the test cases (`*.test.yaml`) of a folder [default: ivr.flows_dir].
    Test { path: Option<PathBuf> },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

/// Loads the flows of `dir`, checking prompts against `sounds`; their calendars are read in
/// the centre's `zone`.
pub fn load(dir: &Path, sounds: &Path, zone: &Zone) -> Result<FlowSet, LoadErrors> {
    let index = match SoundsDir::scan(sounds) {
        Ok(i) => i,
        Err(e) => {
            return Err(LoadErrors(vec![hotline_ivr::load::LoadError {
                file: sounds.to_path_buf(),
                line: 0,
                column: 0,
                message: format!("cannot read the sounds folder: {e}"),
            }]))
        }
    };
    load_dir(dir, &index).map(|set| set.in_zone(zone.clone()))
}

/// Loads the flows like [`load`] and also refuses a `transfer` to a queue that is not one of
/// `queues` (each named as file:line).
pub fn load_for_queues(
    dir: &Path,
    sounds: &Path,
    zone: &Zone,
    queues: &[String],
) -> Result<FlowSet, LoadErrors> {
    let set = load(dir, sounds, zone)?;
    let mut errors = Vec::new();
    for flow in &set.flows {
        for node in &flow.nodes {
            let hotline_ivr::flow::NodeKind::Transfer(t) = &node.kind else {
                continue;
            };
            if !queues.contains(&t.queue) {
                errors.push(hotline_ivr::load::LoadError {
                    file: flow.file.clone(),
                    line: node.line,
                    column: 0,
                    message: format!(
                        "node `{}` transfers to queue `{}`, which acd.queues does not define (it has: {})",
                        node.id,
                        t.queue,
                        queues.join(", ")
                    ),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(LoadErrors(errors))
    }
}

/// The names of the configured queues.
pub fn queue_names(cfg: &Config) -> Vec<String> {
    cfg.acd.queues.iter().map(|q| q.name.clone()).collect()
}

/// Runs a `hotline flow` command.
pub async fn command(cfg: &Config, cmd: &FlowCommand) -> Result<(), String> {
    let sounds = &cfg.media.sounds_dir;
    let zone = &cfg.centre.zone()?;
    // For code not handed the zone (dates read to callers), as `hotline serve` does.
    hotline_time::set_centre(zone.clone());
    match cmd {
        FlowCommand::Check { path } => {
            let dir = path.as_deref().unwrap_or(&cfg.ivr.flows_dir);
            let set =
                load_for_queues(dir, sounds, zone, &queue_names(cfg)).map_err(|e| listed(&e))?;
            let nodes: usize = set.flows.iter().map(|f| f.nodes.len()).sum();
            println!(
                "flows ok: {} flows, {nodes} nodes, {} calendars in {}",
                set.flows.len(),
                set.calendars.len(),
                dir.display()
            );
            Ok(())
        }
        FlowCommand::Graph { file, format } => {
            let (set, flow) = load_for_file(file, sounds, zone)?;
            let f = &set.flows[flow];
            match format {
                GraphFormat::Mermaid => print!("{}", hotline_ivr::graph::mermaid_in(&set, f)),
                GraphFormat::Dot => print!("{}", hotline_ivr::graph::dot_in(&set, f)),
            }
            Ok(())
        }
        FlowCommand::Schema => {
            println!("{}", hotline_ivr::model::schema_json());
            Ok(())
        }
        FlowCommand::Simulate { file, caller, keys } => {
            let (set, flow) = load_for_file(file, sounds, zone)?;
            let store = storage::open(cfg).await?;
            let name = set.flows[flow].name.clone();
            println!("call from {caller} to flow {name}:");
            let mut keys: Box<dyn driver::Keys> = match keys {
                Some(k) => Box::new(driver::Scripted::new(k)),
                None => Box::new(Typed),
            };
            let now = storage::now_ms();
            let t = driver::run(
                Arc::new(set),
                flow,
                caller,
                now,
                &store,
                keys.as_mut(),
                true,
            )
            .await;
            let counted = t.ivr_outcome.map_or("-", |o| o.as_str());
            println!("outcome: {} (counted as {counted})", t.outcome());
            println!("path: {}", t.path.join(" > "));
            store.close().await;
            Ok(())
        }
        FlowCommand::Test { path } => {
            let dir = path.as_deref().unwrap_or(&cfg.ivr.flows_dir);
            let set = load(dir, sounds, zone).map_err(|e| listed(&e))?;
            let verdicts = cases::run_dir(dir, Arc::new(set), &storage::policy(cfg)).await?;
            let failed = report(&verdicts);
            if failed > 0 {
                return Err(format!(
                    "{failed} of {} flow test cases failed",
                    verdicts.len()
                ));
            }
            Ok(())
        }
    }
}

/// Prints each verdict; returns how many failed.
pub fn report(verdicts: &[cases::Verdict]) -> usize {
    let mut failed = 0;
    for v in verdicts {
        let file = v
            .file
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if v.failures.is_empty() {
            println!("ok     {file}: {}", v.case);
        } else {
            failed += 1;
            println!("FAILED {file}: {}", v.case);
            for f in &v.failures {
                println!("         {f}");
            }
            println!("       what happened:");
            for l in &v.transcript {
                println!("         {l}");
            }
        }
    }
    println!(
        "{} cases, {} passed, {failed} failed",
        verdicts.len(),
        verdicts.len() - failed
    );
    failed
}

/// Every error, one per line, then how many.
fn listed(e: &LoadErrors) -> String {
    for err in e.iter() {
        eprintln!("{err}");
    }
    format!("{} errors in the flows", e.len())
}

/// The folder's flows and the one `file` holds.
fn load_for_file(file: &Path, sounds: &Path, zone: &Zone) -> Result<(FlowSet, usize), String> {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let set = load(dir, sounds, zone).map_err(|e| listed(&e))?;
    let stem = file
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".yaml"))
        .ok_or_else(|| format!("{}: not a .yaml flow file", file.display()))?;
    let flow = set
        .find(stem)
        .ok_or_else(|| format!("{}: no flow `{stem}` in {}", file.display(), dir.display()))?;
    Ok((set, flow))
}

/// Keys typed on stdin, one line per question (an empty line: say nothing).
struct Typed;

impl driver::Keys for Typed {
    fn next(&mut self, _heard: &[String]) -> Option<String> {
        use std::io::Write;
        print!("keys (empty: silence, `hangup`: hang up, ctrl-D: say nothing more)> ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim().to_string()),
        }
    }
}
