//! Strongly connected components (iterative Tarjan: no recursion, so a 2,000-node chain
//! cannot overflow the stack) and a shortest cycle through a node, for loop and call checks.

use std::collections::VecDeque;

/// A value for each node of a graph of `n` nodes. Reading a node out of range gives the
/// initial value and writing one does nothing: the algorithms below only ever pass nodes
/// below `n`, and this keeps that a property of the code rather than a panic on a bad graph.
pub(crate) struct PerNode<T> {
    values: Vec<T>,
    initial: T,
}

impl<T: Copy> PerNode<T> {
    pub(crate) fn new(n: usize, initial: T) -> Self {
        PerNode {
            values: vec![initial; n],
            initial,
        }
    }

    pub(crate) fn get(&self, v: usize) -> T {
        self.values.get(v).copied().unwrap_or(self.initial)
    }

    pub(crate) fn set(&mut self, v: usize, value: T) {
        if let Some(slot) = self.values.get_mut(v) {
            *slot = value;
        }
    }
}

/// The edges out of `v` (none for a node out of range).
pub(crate) fn edges(adj: &[Vec<usize>], v: usize) -> &[usize] {
    adj.get(v).map_or(&[], Vec::as_slice)
}

/// The components of the graph `adj` (edges to indexes out of range are ignored), callees
/// before callers (reverse topological order).
pub(crate) fn components(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adj.len();
    const NONE: usize = usize::MAX;
    let mut index = PerNode::new(n, NONE);
    let mut low = PerNode::new(n, 0);
    let mut on_stack = PerNode::new(n, false);
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index.get(root) != NONE {
            continue;
        }
        index.set(root, next);
        low.set(root, next);
        next += 1;
        stack.push(root);
        on_stack.set(root, true);
        let mut calls: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&(v, i)) = calls.last() {
            if let Some(&w) = edges(adj, v).get(i) {
                if let Some(top) = calls.last_mut() {
                    top.1 += 1;
                }
                if w >= n {
                    continue;
                }
                if index.get(w) == NONE {
                    index.set(w, next);
                    low.set(w, next);
                    next += 1;
                    stack.push(w);
                    on_stack.set(w, true);
                    calls.push((w, 0));
                } else if on_stack.get(w) {
                    low.set(v, low.get(v).min(index.get(w)));
                }
            } else {
                calls.pop();
                if let Some(&(u, _)) = calls.last() {
                    low.set(u, low.get(u).min(low.get(v)));
                }
                if low.get(v) == index.get(v) {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack.set(w, false);
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comp.sort_unstable();
                    out.push(comp);
                }
            }
        }
    }
    out
}

/// Whether a component is a cycle (more than one node, or a node with an edge to itself).
pub(crate) fn is_cycle(adj: &[Vec<usize>], comp: &[usize]) -> bool {
    match comp {
        [v] => edges(adj, *v).contains(v),
        _ => comp.len() > 1,
    }
}

/// A shortest cycle from `start` back to it through the nodes of `comp`: the nodes in
/// order, starting (not ending) with `start`.
pub(crate) fn cycle_through(adj: &[Vec<usize>], comp: &[usize], start: usize) -> Vec<usize> {
    let n = adj.len();
    let mut inside = PerNode::new(n, false);
    for &v in comp {
        inside.set(v, true);
    }
    let mut parent = PerNode::new(n, usize::MAX);
    let mut queue = VecDeque::from([start]);
    let mut seen = PerNode::new(n, false);
    while let Some(v) = queue.pop_front() {
        for &w in edges(adj, v) {
            if !inside.get(w) {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut at = v;
                while at != start && parent.get(at) != usize::MAX {
                    at = parent.get(at);
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if !seen.get(w) {
                seen.set(w, true);
                parent.set(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

/// A long chain of names shortened in the middle: the first six, `…`, the last five.
pub(crate) fn shorten<'a>(names: &[&'a str]) -> Vec<&'a str> {
    if names.len() <= 12 {
        return names.to_vec();
    }
    let mut shown: Vec<&str> = names.iter().take(6).copied().collect();
    shown.push("…");
    shown.extend(names.iter().skip(names.len() - 5));
    shown
}

/// `a → b → c → a`, shortened in the middle when long.
pub(crate) fn show_cycle(names: &[&str]) -> String {
    let mut shown = shorten(names);
    if let Some(first) = names.first() {
        shown.push(first);
    }
    shown.join(" → ")
}
