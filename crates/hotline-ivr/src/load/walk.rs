//! The node graph of a flow, from the file (so it is checked even when a node is wrong):
//! every node must be reachable from `start`, and every loop must wait for the caller (a
//! `menu`, a `collect`, or a `call` of a flow that always waits before returning).

use super::errors::{pos, Pos, Sink};
use super::scc;
use super::Parsed;
use crate::flow::{FlowIdx, NodeIdx};
use crate::model::{Node, Text};
use std::collections::{HashMap, VecDeque};

/// What a node means for waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// `menu`, `collect`: waits for the caller.
    Input,
    /// `call` of this flow (`None` when it is unknown or did not parse: then the call is
    /// taken to wait, so its callers are not blamed for a loop).
    Call(Option<FlowIdx>),
    /// `return`.
    Return,
    Other,
}

pub(crate) struct FlowGraph {
    /// The exits of each node (existing targets only).
    pub(crate) edges: Vec<Vec<NodeIdx>>,
    pub(crate) wait: Vec<Wait>,
    pub(crate) start: Option<NodeIdx>,
    /// Each `call`: the node, the flow called, where its `flow:` is written.
    pub(crate) calls: Vec<(NodeIdx, FlowIdx, Pos)>,
}

/// Every node id a node names.
pub(crate) fn targets(node: &Node) -> Vec<&Text> {
    match node {
        Node::Play(p) => vec![&p.next],
        Node::Menu(m) => m.keys.iter().map(|(_, t)| t).chain([&m.fallback]).collect(),
        Node::Collect(c) => vec![&c.next, &c.fallback],
        Node::Lookup(l) => [Some(&l.next), l.not_found.as_ref(), Some(&l.error)]
            .into_iter()
            .flatten()
            .collect(),
        Node::Set(s) => vec![&s.next],
        Node::Branch(b) => b
            .cases
            .iter()
            .map(|c| &c.goto)
            .chain([&b.otherwise])
            .collect(),
        Node::Language(l) => vec![&l.next],
        Node::Call(c) => vec![&c.next],
        Node::Ticket(t) => vec![&t.next, &t.error],
        Node::Schedule(s) => vec![&s.open, &s.closed],
        Node::Promise(p) => vec![&p.next, &p.error],
        Node::OptOut(o) => vec![&o.next],
        Node::Result(r) => vec![&r.next],
        Node::Return(_) | Node::Transfer(_) | Node::Hangup(_) => Vec::new(),
    }
}

pub(crate) fn build(p: &Parsed, flows: &HashMap<String, FlowIdx>) -> FlowGraph {
    let nodes = &p.model.nodes;
    let mut g = FlowGraph {
        edges: Vec::with_capacity(nodes.len()),
        wait: Vec::with_capacity(nodes.len()),
        start: nodes.get_index_of(p.model.start.value.as_str()),
        calls: Vec::new(),
    };
    for (i, node) in nodes.values().enumerate() {
        let mut edges: Vec<NodeIdx> = targets(&node.value)
            .into_iter()
            .filter_map(|t| nodes.get_index_of(t.value.as_str()))
            .collect();
        edges.sort_unstable();
        edges.dedup();
        g.edges.push(edges);
        g.wait.push(match &node.value {
            Node::Menu(_) | Node::Collect(_) => Wait::Input,
            Node::Return(_) => Wait::Return,
            Node::Call(c) => {
                let callee = flows.get(c.flow.value.as_str()).copied();
                if let Some(f) = callee {
                    g.calls.push((i, f, pos(&c.flow.referenced)));
                }
                Wait::Call(callee)
            }
            _ => Wait::Other,
        });
    }
    g
}

/// Whether a node waits for the caller, given which flows always wait before returning.
fn waits(w: Wait, flow_waits: &[bool]) -> bool {
    match w {
        Wait::Input => true,
        Wait::Call(Some(f)) => flow_waits.get(f).copied().unwrap_or(false),
        Wait::Call(None) => true,
        Wait::Return | Wait::Other => false,
    }
}

/// Nodes reachable from `start` without passing a node for which `stop` holds (such a node
/// is reached but not left).
pub(crate) fn reach(g: &FlowGraph, stop: impl Fn(NodeIdx) -> bool) -> Vec<bool> {
    let mut seen = vec![false; g.edges.len()];
    let Some(start) = g.start else {
        return seen;
    };
    let mut queue = VecDeque::from([start]);
    if let Some(s) = seen.get_mut(start) {
        *s = true;
    }
    while let Some(v) = queue.pop_front() {
        if stop(v) {
            continue;
        }
        for &w in scc::edges(&g.edges, v) {
            if let Some(s) = seen.get_mut(w).filter(|s| !**s) {
                *s = true;
                queue.push_back(w);
            }
        }
    }
    seen
}

/// Unreachable nodes and loops that never wait.
pub(crate) fn check(p: &Parsed, g: &FlowGraph, flow_waits: &[bool], sink: &mut Sink) {
    let ids: Vec<(&str, Pos)> = p
        .model
        .nodes
        .keys()
        .map(|k| (k.as_str(), pos(&k.location())))
        .collect();
    if g.start.is_some() {
        let seen = reach(g, |_| false);
        for ((id, at), seen) in ids.iter().zip(&seen) {
            if !seen {
                sink.push(
                    &p.path,
                    *at,
                    format!(
                        "node `{id}` is not reachable from `start` (`{}`)",
                        p.model.start.value
                    ),
                );
            }
        }
    }
    // Loops among the nodes that do not wait.
    let adj: Vec<Vec<NodeIdx>> = g
        .edges
        .iter()
        .zip(&g.wait)
        .map(|(out, &wait)| {
            if waits(wait, flow_waits) {
                Vec::new()
            } else {
                out.iter()
                    .copied()
                    .filter(|&w| g.wait.get(w).is_some_and(|&x| !waits(x, flow_waits)))
                    .collect()
            }
        })
        .collect();
    for comp in scc::components(&adj) {
        if !scc::is_cycle(&adj, &comp) {
            continue;
        }
        let Some(&first) = comp.first() else { continue };
        let Some(&(_, at)) = ids.get(first) else {
            continue;
        };
        let cycle = scc::cycle_through(&adj, &comp, first);
        let names: Vec<&str> = cycle
            .iter()
            .filter_map(|&v| ids.get(v))
            .map(|i| i.0)
            .collect();
        sink.push(
            &p.path,
            at,
            format!(
                "loop that never waits for the caller: {} (add a menu or collect to it)",
                scc::show_cycle(&names)
            ),
        );
    }
}
