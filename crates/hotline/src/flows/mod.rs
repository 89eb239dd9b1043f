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
        /// An outbound (campaign) call's data for the flow's `target:` fields, one
        /// `field=value` each (`--target amount_due=1234.50 --target months=3`).
        #[arg(long = "target", value_name = "FIELD=VALUE")]
        target: Vec<String>,
    },
    /// Run the test cases (`*.test.yaml`) of a folder [default: ivr.flows_dir].
    Test { path: Option<PathBuf> },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

/// The `target` of a simulated outbound call from `--target field=value` options (none: an
/// inbound call), converted by the flow's `target:` types.
fn simulated_target(
    set: &FlowSet,
    flow: usize,
    given: &[String],
) -> Result<Option<hotline_ivr::Value>, String> {
    if given.is_empty() {
        return Ok(None);
    }
    let mut data = std::collections::BTreeMap::new();
    for kv in given {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("--target {kv}: not FIELD=VALUE"))?;
        data.insert(k.trim().to_string(), v.to_string());
    }
    let fields = set
        .flows
        .get(flow)
        .map(|f| f.target.as_slice())
        .unwrap_or_default();
    if fields.is_empty() {
        return Err("--target: the flow declares no `target:` fields".into());
    }
    hotline_ivr::outbound::target_value(fields, &data).map(Some)
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

/// Routing steps that can never widen the pool (issue 24): a flow's `transfer` gives the call
/// its `skills`, and every step of the queue adds its own to the call's (the higher level
/// wins), never removes them. So a later step meant to reach a wider pool ("anyone with
/// general skills after 60 s") still requires the skills the flow gave the call. One line per
/// such transfer and step, `file:line: …`; the flows still load (the call is still routed, only
/// the step is useless).
pub fn widening_warnings(set: &FlowSet, queues: &[hotline_acd::QueueConfig]) -> Vec<String> {
    let mut out = Vec::new();
    for flow in &set.flows {
        for node in &flow.nodes {
            let hotline_ivr::flow::NodeKind::Transfer(t) = &node.kind else {
                continue;
            };
            let Some(q) = queues.iter().find(|q| q.name == t.queue) else {
                continue;
            };
            let own: Vec<&str> = t
                .skills
                .iter()
                .filter(|(_, level)| *level > 0)
                .map(|(s, _)| s.as_str())
                .collect();
            for step in q.steps.iter().filter(|s| !s.preferred_only) {
                let kept: Vec<&str> = own
                    .iter()
                    .copied()
                    .filter(|s| !step.skills.contains_key(*s) && !q.skills.contains_key(*s))
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                out.push(format!(
                    "{}:{}: node `{}` gives the call the skills {} for queue `{}`; its step after {} s adds its own skills to them, so it can never reach agents without {} (steps add skills, never remove them: leave the skills to the queue's steps)",
                    flow.file.display(),
                    node.line,
                    node.id,
                    own.join(", "),
                    q.name,
                    step.after_secs,
                    kept.join(", "),
                ));
            }
        }
    }
    out
}

/// Queues whose `calendar` is not one of the flows' calendars (`calendars.yaml`): one line
/// each. Such a queue could never be judged open or closed.
pub fn queue_calendar_errors(set: &FlowSet, queues: &[hotline_acd::QueueConfig]) -> Vec<String> {
    queues
        .iter()
        .filter_map(|q| {
            let calendar = q.calendar.as_ref()?;
            (!set.calendars.contains_key(calendar)).then(|| {
                let known: Vec<&str> = set.calendars.keys().map(String::as_str).collect();
                format!(
                    "acd.queues `{}`: calendar `{calendar}` is not in calendars.yaml (it has: {})",
                    q.name,
                    known.join(", ")
                )
            })
        })
        .collect()
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
            let calendars = queue_calendar_errors(&set, &cfg.acd.queues);
            if !calendars.is_empty() {
                return Err(calendars.join("\n"));
            }
            for w in widening_warnings(&set, &cfg.acd.queues) {
                eprintln!("warning: {w}");
            }
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
            let f = set
                .flows
                .get(flow)
                .ok_or("the flow found is not in its set")?;
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
        FlowCommand::Simulate {
            file,
            caller,
            keys,
            target,
        } => {
            let (set, flow) = load_for_file(file, sounds, zone)?;
            let target = simulated_target(&set, flow, target)?;
            let store = storage::open(cfg).await?;
            let name = set
                .flows
                .get(flow)
                .ok_or("the flow found is not in its set")?
                .name
                .clone();
            println!("call from {caller} to flow {name}:");
            let mut keys: Box<dyn driver::Keys> = match keys {
                Some(k) => Box::new(driver::Scripted::new(k)),
                None => Box::new(Typed),
            };
            let now = storage::now_ms();
            let party = driver::Party { caller, target };
            let t = driver::run(Arc::new(set), flow, party, now, &store, keys.as_mut(), true).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> FlowSet {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        load(
            &root.join("ivr-flows"),
            &root.join("sounds"),
            &Zone::default(),
        )
        .expect("the shipped flows load")
    }

    /// The queues of `deploy/hotline.toml` (and the built-in ones).
    fn deployed_queues() -> Vec<hotline_acd::QueueConfig> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let text = std::fs::read_to_string(root.join("deploy/hotline.toml")).expect("deploy");
        let cfg: Config = toml::from_str(&text).expect("deploy/hotline.toml parses");
        cfg.acd.queues
    }

    #[test]
    fn the_shipped_key_account_transfer_lets_the_later_steps_widen_the_pool() {
        let set = shipped();
        assert_eq!(
            widening_warnings(&set, &deployed_queues()),
            Vec::<String>::new()
        );
        assert_eq!(
            widening_warnings(&set, &crate::acd::default_queues()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_transfer_whose_skills_every_step_keeps_is_warned_about() {
        let mut set = shipped();
        for flow in &mut set.flows {
            for node in &mut flow.nodes {
                if let hotline_ivr::flow::NodeKind::Transfer(t) = &mut node.kind {
                    if t.queue == "key_accounts" {
                        t.skills = vec![("key_account".into(), 1)];
                    }
                }
            }
        }
        let warnings = widening_warnings(&set, &deployed_queues());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let w = &warnings[0];
        assert!(w.contains("agent.yaml:"), "{w}");
        assert!(w.contains("after 60 s"), "{w}");
        assert!(w.contains("without key_account"), "{w}");
    }
}
