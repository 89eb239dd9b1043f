//! Calls between flows: which flows always wait for the caller before returning (so a loop
//! through a call of them waits), call cycles (a → b → a), and calls nested too deep.

use super::errors::Sink;
use super::scc::{self, PerNode};
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
    let mut memo = PerNode::new(graphs.len(), State::Unknown);
    (0..graphs.len())
        .map(|f| flow_waits_one(f, graphs, &mut memo))
        .collect()
}

fn flow_waits_one(f: FlowIdx, graphs: &[FlowGraph], memo: &mut PerNode<State>) -> bool {
    match memo.get(f) {
        State::Done(w) => return w,
        State::Busy => return true, // a call cycle: reported by `check`
        State::Unknown => {}
    }
    let Some(g) = graphs.get(f) else {
        return true;
    };
    memo.set(f, State::Busy);
    let stops: Vec<bool> = g
        .wait
        .iter()
        .map(|w| match *w {
            Wait::Input => true,
            Wait::Call(Some(c)) => c < graphs.len() && flow_waits_one(c, graphs, memo),
            Wait::Call(None) => true,
            Wait::Return | Wait::Other => false,
        })
        .collect();
    let seen = reach(g, |v| stops.get(v).copied().unwrap_or(false));
    let returns_without_waiting = g
        .wait
        .iter()
        .zip(&seen)
        .any(|(w, seen)| *w == Wait::Return && *seen);
    let result = !returns_without_waiting;
    memo.set(f, State::Done(result));
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
    let name = |f: FlowIdx| parsed.get(f).map_or("?", |p| p.model.flow.value.as_str());
    // Where flow `from` calls flow `to`.
    let call_site = |from: FlowIdx, to: FlowIdx| {
        graphs
            .get(from)
            .and_then(|g| g.calls.iter().find(|&&(_, f, _)| f == to))
            .map(|&(_, _, at)| at)
            .unwrap_or((1, 1))
    };

    let comps = scc::components(&adj);
    let mut cyclic = PerNode::new(n, false);
    for comp in &comps {
        if !scc::is_cycle(&adj, comp) {
            continue;
        }
        for &f in comp {
            cyclic.set(f, true);
        }
        let Some(&first) = comp.first() else { continue };
        let Some(file) = parsed.get(first) else {
            continue;
        };
        let cycle = scc::cycle_through(&adj, comp, first);
        let names: Vec<&str> = cycle.iter().map(|&f| name(f)).collect();
        let to = cycle.get(1).copied().unwrap_or(first);
        sink.push(
            &file.path,
            call_site(first, to),
            format!("call cycle: {}", scc::show_cycle(&names)),
        );
    }

    // Depth: components come callees first, so each flow's callees are done before it.
    let mut depth = PerNode::new(n, 0usize);
    let mut deepest: PerNode<Option<FlowIdx>> = PerNode::new(n, None);
    for comp in &comps {
        for &f in comp {
            if cyclic.get(f) {
                continue;
            }
            for &c in scc::edges(&adj, f) {
                if !cyclic.get(c) && depth.get(c) + 1 > depth.get(f) {
                    depth.set(f, depth.get(c) + 1);
                    deepest.set(f, Some(c));
                }
            }
        }
    }
    let mut called = PerNode::new(n, false);
    for callees in &adj {
        for &c in callees {
            called.set(c, true);
        }
    }
    for (f, file) in parsed.iter().enumerate().take(n) {
        if called.get(f) || cyclic.get(f) || depth.get(f) <= MAX_CALL_DEPTH {
            continue;
        }
        let mut chain = vec![name(f)];
        let mut at = f;
        while let Some(next) = deepest.get(at) {
            chain.push(name(next));
            at = next;
        }
        let to = deepest.get(f).unwrap_or(f);
        sink.push(
            &file.path,
            call_site(f, to),
            format!(
                "calls nested {} deep: {} (at most {MAX_CALL_DEPTH})",
                depth.get(f),
                scc::shorten(&chain).join(" → ")
            ),
        );
    }
}
