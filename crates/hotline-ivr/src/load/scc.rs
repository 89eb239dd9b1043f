//! Strongly connected components (iterative Tarjan: no recursion, so a 2,000-node chain
//! cannot overflow the stack) and a shortest cycle through a node, for loop and call checks.

use std::collections::VecDeque;

/// The components of the graph `adj` (edges to indexes out of range are ignored), callees
/// before callers (reverse topological order).
pub(crate) fn components(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adj.len();
    const NONE: usize = usize::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        let mut calls: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&(v, i)) = calls.last() {
            if let Some(&w) = adj[v].get(i) {
                if let Some(top) = calls.last_mut() {
                    top.1 += 1;
                }
                if w >= n {
                    continue;
                }
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                calls.pop();
                if let Some(&(u, _)) = calls.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
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
        [v] => adj[*v].contains(v),
        _ => comp.len() > 1,
    }
}

/// A shortest cycle from `start` back to it through the nodes of `comp`: the nodes in
/// order, starting (not ending) with `start`.
pub(crate) fn cycle_through(adj: &[Vec<usize>], comp: &[usize], start: usize) -> Vec<usize> {
    let n = adj.len();
    let mut inside = vec![false; n];
    for &v in comp {
        if v < n {
            inside[v] = true;
        }
    }
    let mut parent = vec![usize::MAX; n];
    let mut queue = VecDeque::from([start]);
    let mut seen = vec![false; n];
    while let Some(v) = queue.pop_front() {
        for &w in &adj[v] {
            if w >= n || !inside[w] {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut at = v;
                while at != start && parent[at] != usize::MAX {
                    at = parent[at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if !seen[w] {
                seen[w] = true;
                parent[w] = v;
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

/// `a → b → c → a`, shortened in the middle when long.
pub(crate) fn show_cycle(names: &[&str]) -> String {
    let mut shown: Vec<&str> = if names.len() > 12 {
        let mut v = names[..6].to_vec();
        v.push("…");
        v.extend_from_slice(&names[names.len() - 5..]);
        v
    } else {
        names.to_vec()
    };
    if let Some(first) = names.first() {
        shown.push(first);
    }
    shown.join(" → ")
}
