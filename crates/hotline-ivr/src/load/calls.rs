//! Calls between flows: which flows always wait for the caller before returning (so a loop
//! through a call of them waits), call cycles (a → b → a), and calls nested too deep.

use super::errors::Sink;
use super::scc;
use super::walk::{reach, FlowGraph, Wait};
use super::{Parsed, MAX_CALL_DEPTH};
use crate::flow::FlowIdx;

#[derive(Clone, Copy)]
enum State {
    Unknown,
    Busy,
    Done(bool),
}

/// For each flow: whether every way from its start to a `return` waits for the caller.
pub(crate) fn flow_waits(graphs: &[FlowGraph]) -> Vec<bool> {
    let mut memo = vec![State::Unknown; graphs.len()];
    (0..graphs.len())
        .map(|f| flow_waits_one(f, graphs, &mut memo))
        .collect()
}

fn flow_waits_one(f: FlowIdx, graphs: &[FlowGraph], memo: &mut [State]) -> bool {
    match memo[f] {
        State::Done(w) => return w,
        State::Busy => return true, // a call cycle: reported by `check`
        State::Unknown => {}
    }
    memo[f] = State::Busy;
    let g = &graphs[f];
    let mut stops = vec![false; g.wait.len()];
    for (v, w) in g.wait.iter().enumerate() {
        stops[v] = match *w {
            Wait::Input => true,
            Wait::Call(Some(c)) => c < graphs.len() && flow_waits_one(c, graphs, memo),
            Wait::Call(None) => true,
            Wait::Return | Wait::Other => false,
        };
    }
    let seen = reach(g, |v| stops[v]);
    let returns_without_waiting = g
        .wait
        .iter()
        .enumerate()
        .any(|(v, w)| *w == Wait::Return && seen[v]);
    let result = !returns_without_waiting;
    memo[f] = State::Done(result);
    result
}

/// Call cycles, and chains of calls deeper than `MAX_CALL_DEPTH`.
pub(crate) fn check(parsed: &[Parsed], graphs: &[FlowGraph], sink: &mut Sink) {
    let n = graphs.len();
    let adj: Vec<Vec<FlowIdx>> = graphs
        .iter()
        .map(|g| {
            let mut c: Vec<FlowIdx> = g.calls.iter().map(|&(_, f, _)| f).collect();
            c.sort_unstable();
            c.dedup();
            c
        })
        .collect();
    let name = |f: FlowIdx| parsed[f].model.flow.value.as_str();
    // Where flow `from` calls flow `to`.
    let call_site = |from: FlowIdx, to: FlowIdx| {
        graphs[from]
            .calls
            .iter()
            .find(|&&(_, f, _)| f == to)
            .map(|&(_, _, at)| at)
            .unwrap_or((1, 1))
    };

    let comps = scc::components(&adj);
    let mut cyclic = vec![false; n];
    for comp in &comps {
        if !scc::is_cycle(&adj, comp) {
            continue;
        }
        for &f in comp {
            cyclic[f] = true;
        }
        let Some(&first) = comp.first() else { continue };
        let cycle = scc::cycle_through(&adj, comp, first);
        let names: Vec<&str> = cycle.iter().map(|&f| name(f)).collect();
        let to = cycle.get(1).copied().unwrap_or(first);
        sink.push(
            &parsed[first].path,
            call_site(first, to),
            format!("call cycle: {}", scc::show_cycle(&names)),
        );
    }

    // Depth: components come callees first, so each flow's callees are done before it.
    let mut depth = vec![0usize; n];
    let mut deepest: Vec<Option<FlowIdx>> = vec![None; n];
    for comp in &comps {
        for &f in comp {
            if cyclic[f] {
                continue;
            }
            for &c in &adj[f] {
                if !cyclic[c] && depth[c] + 1 > depth[f] {
                    depth[f] = depth[c] + 1;
                    deepest[f] = Some(c);
                }
            }
        }
    }
    let mut called = vec![false; n];
    for callees in &adj {
        for &c in callees {
            called[c] = true;
        }
    }
    for f in 0..n {
        if called[f] || cyclic[f] || depth[f] <= MAX_CALL_DEPTH {
            continue;
        }
        let mut chain = vec![name(f)];
        let mut at = f;
        while let Some(next) = deepest[at] {
            chain.push(name(next));
            at = next;
        }
        let shown = if chain.len() > 12 {
            let mut v = chain[..6].to_vec();
            v.push("…");
            v.extend_from_slice(&chain[chain.len() - 5..]);
            v
        } else {
            chain
        };
        let to = deepest[f].unwrap_or(f);
        sink.push(
            &parsed[f].path,
            call_site(f, to),
            format!(
                "calls nested {} deep: {} (at most {MAX_CALL_DEPTH})",
                depth[f],
                shown.join(" → ")
            ),
        );
    }
}
