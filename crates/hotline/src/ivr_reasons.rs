//! Call reasons for calls that never reached an agent: the flows name them (`reason:` on a
//! `play`, `lookup` or `ticket` node, checked by `hotline flow check`), and this task gives
//! every such call that ended the reasons of the nodes its `ivr_path` passed, in order, once
//! (kept like an agent's, by call id, with source `ivr`; the call log's record is not
//! rewritten). It runs every few seconds over the calls that ended since its last run, a
//! little behind the clock so that the call log has written them; a reason the store's tree
//! does not have is left out (and warned about once at start).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use hotline_ivr::FlowSet;
use hotline_store::reasons::MAX_REASONS;
use hotline_store::{Millis, ReasonCode, ReasonSource, Store};
use tracing::{debug, warn};

use crate::controller::ivr::IvrRuntime;

/// How often the calls that ended are looked at.
const EVERY: Duration = Duration::from_secs(5);
/// How far behind the clock: the call log writes a record within this of the call's end.
const LAG_MS: Millis = 30_000;
/// How far back the first run looks (an engine restarted finds its last hour's calls).
const FIRST_LOOK_BACK_MS: Millis = 3_600_000;
/// Calls looked at per query.
const PAGE: i64 = 500;

/// `flow/node` → reason code, for every node of `set` with a reason.
pub fn node_reasons(set: &FlowSet) -> HashMap<String, String> {
    set.flows
        .iter()
        .flat_map(|f| {
            f.nodes.iter().filter_map(move |n| {
                n.reason
                    .as_ref()
                    .map(|r| (format!("{}/{}", f.name, n.id), r.clone()))
            })
        })
        .collect()
}

/// The reasons of a call that passed `path` (`flow/node` steps): those of its nodes, each
/// once, in the order first passed, only the tree's reasons, at most [`MAX_REASONS`].
pub fn reasons_of(
    path: &[String],
    nodes: &HashMap<String, String>,
    tree: &[ReasonCode],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for step in path {
        let Some(code) = nodes.get(step) else {
            continue;
        };
        let known = tree.iter().any(|r| r.pickable && &r.code == code);
        if known && !out.contains(code) && out.len() < MAX_REASONS {
            out.push(code.clone());
        }
    }
    out
}

/// Warns about the flows' reasons the tree does not have.
fn check(nodes: &HashMap<String, String>, tree: &[ReasonCode]) {
    let unknown: BTreeSet<&String> = nodes
        .values()
        .filter(|c| !tree.iter().any(|r| r.pickable && &r.code == *c))
        .collect();
    for code in unknown {
        warn!(reason = %code, "a flow names a call reason the store's tree does not have; calls passing it get no reason from it");
    }
}

/// Runs until the runtime stops.
pub fn spawn(store: Store, ivr: IvrRuntime, max_call_ms: Millis) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut mark = crate::storage::now_ms() - FIRST_LOOK_BACK_MS;
        let mut checked = false;
        let mut ticker = tokio::time::interval(EVERY);
        loop {
            ticker.tick().await;
            let tree = match store.reason_tree().await {
                Ok(t) => t,
                Err(e) => {
                    warn!(error = %e, "call reasons for IVR calls: the tree could not be read");
                    continue;
                }
            };
            let nodes = node_reasons(&ivr.current());
            if !checked {
                check(&nodes, &tree);
                checked = true;
            }
            let until = crate::storage::now_ms() - LAG_MS;
            if until <= mark {
                continue;
            }
            match sweep(&store, &nodes, &tree, mark, until, max_call_ms).await {
                Ok(n) => {
                    if n > 0 {
                        debug!(calls = n, "call reasons given to IVR calls");
                    }
                    mark = until;
                }
                Err(e) => warn!(error = %e, "call reasons for IVR calls: will try again"),
            }
        }
    })
}

/// Gives the calls that ended in `[from, to)` their flows' reasons; how many got some.
pub async fn sweep(
    store: &Store,
    nodes: &HashMap<String, String>,
    tree: &[ReasonCode],
    from: Millis,
    to: Millis,
    max_call_ms: Millis,
) -> hotline_store::Result<usize> {
    let mut after = (from, i64::MIN);
    let mut given = 0;
    loop {
        let page = store
            .calls_without_reasons(from - max_call_ms, from, to, after, PAGE)
            .await?;
        let full = page.len() as i64 == PAGE;
        for (ended_at, id, call_ref, path) in page {
            after = (ended_at, id);
            let codes = reasons_of(&path, nodes, tree);
            if codes.is_empty() {
                continue;
            }
            store
                .record_call_reasons(&call_ref, &codes, None, ReasonSource::Ivr, ended_at)
                .await?;
            given += 1;
        }
        if !full {
            return Ok(given);
        }
    }
}

#[cfg(test)]
mod tests;
