//! Drawings of a flow for designers (`hotline flow graph`): Mermaid and Graphviz DOT, one box
//! per node (its id, type and a short summary), one arrow per exit labelled by the exit
//! (`next`, a key, `timeout/fallback`, `when …`, …); calls of sub-flows have their own shape;
//! nodes marked `served` (self-service actions) say so.

use crate::flow::{Flow, FlowSet, LookupWhat, NodeIdx, NodeKind, PromptItem};
use crate::outbound::RecordNode;

/// Labels longer than this (in characters) are shortened with `…`.
const MAX_LABEL: usize = 40;

/// The exits of a node: (label, target).
pub fn exits(kind: &NodeKind) -> Vec<(String, NodeIdx)> {
    let next = |n: &NodeIdx| vec![("next".to_owned(), *n)];
    match kind {
        NodeKind::Play { next: n, .. }
        | NodeKind::Set { next: n, .. }
        | NodeKind::Language { next: n, .. }
        | NodeKind::Call { next: n, .. } => next(n),
        NodeKind::Menu(m) => m
            .keys
            .iter()
            .map(|(k, t)| (k.to_string(), *t))
            .chain([("timeout/fallback".to_owned(), m.fallback)])
            .collect(),
        NodeKind::Collect(c) => vec![
            ("next".to_owned(), c.next),
            ("timeout/fallback".to_owned(), c.fallback),
        ],
        NodeKind::Lookup(l) => [
            Some(("next".to_owned(), l.next)),
            l.not_found.map(|t| ("not_found".to_owned(), t)),
            Some(("error".to_owned(), l.error)),
        ]
        .into_iter()
        .flatten()
        .collect(),
        NodeKind::Branch { cases, otherwise } => cases
            .iter()
            .map(|(cond, t)| (format!("when {}", short(cond.source())), *t))
            .chain([("otherwise".to_owned(), *otherwise)])
            .collect(),
        NodeKind::Ticket(t) => vec![("next".to_owned(), t.next), ("error".to_owned(), t.error)],
        NodeKind::Schedule { open, closed, .. } => {
            vec![("open".to_owned(), *open), ("closed".to_owned(), *closed)]
        }
        NodeKind::Outbound {
            node: RecordNode::Promise { error, .. },
            next,
        } => vec![("next".to_owned(), *next), ("error".to_owned(), *error)],
        NodeKind::Outbound { next, .. } => vec![("next".to_owned(), *next)],
        NodeKind::Return | NodeKind::Transfer(_) | NodeKind::Hangup { .. } => Vec::new(),
    }
}

/// The node type as written in flow files.
pub fn type_name(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Play { .. } => "play",
        NodeKind::Menu(_) => "menu",
        NodeKind::Collect(_) => "collect",
        NodeKind::Lookup(_) => "lookup",
        NodeKind::Set { .. } => "set",
        NodeKind::Branch { .. } => "branch",
        NodeKind::Language { .. } => "language",
        NodeKind::Call { .. } => "call",
        NodeKind::Return => "return",
        NodeKind::Ticket(_) => "ticket",
        NodeKind::Transfer(_) => "transfer",
        NodeKind::Hangup { .. } => "hangup",
        NodeKind::Schedule { .. } => "schedule",
        NodeKind::Outbound { node, .. } => match node {
            RecordNode::Promise { .. } => "promise",
            RecordNode::OptOut => "opt_out",
            RecordNode::Result { .. } => "result",
        },
    }
}

fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= MAX_LABEL {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX_LABEL - 1).collect();
        t.push('…');
        t
    }
}

fn prompt_summary(items: &[PromptItem]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|i| match i {
            PromptItem::Prompt(name) => name.clone(),
            PromptItem::Say { value, .. } => format!("say {}", value.source()),
            PromptItem::Each { list, .. } => format!("each {}", list.source()),
            PromptItem::When { cond, .. } => format!("when {}", cond.source()),
            PromptItem::Hours { calendar } => format!("hours of {calendar}"),
        })
        .collect();
    parts.join(", ")
}

/// What a node does, in a few words (prompts, the lookup, the queue, …).
fn summary(kind: &NodeKind, callee: &str) -> String {
    let s = match kind {
        NodeKind::Play { prompts, .. } | NodeKind::Hangup { prompts } => prompt_summary(prompts),
        NodeKind::Menu(m) => prompt_summary(&m.prompts),
        NodeKind::Collect(c) => format!("{} → {}", prompt_summary(&c.prompts), c.into),
        NodeKind::Lookup(l) => {
            let arg = match &l.what {
                LookupWhat::CustomerByCaller => String::new(),
                LookupWhat::CustomerByAccount { account }
                | LookupWhat::Bills { account }
                | LookupWhat::Arrears { account }
                | LookupWhat::SubmitReading { account, .. } => format!("({})", account.source()),
                LookupWhat::Notices {
                    district: Some(district),
                    ..
                } => format!("({})", district.source()),
                LookupWhat::Notices { district: None, .. } => "(every district)".into(),
                LookupWhat::SubmitSurvey { value } => format!("({})", value.source()),
            };
            format!("{}{arg} → {}", l.what.name(), l.into)
        }
        NodeKind::Set { vars, .. } => vars
            .iter()
            .map(|(v, _)| v.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        NodeKind::Branch { .. } | NodeKind::Return => String::new(),
        NodeKind::Language { language, .. } => language.clone(),
        NodeKind::Call { .. } => callee.to_owned(),
        NodeKind::Ticket(t) => t.kind.clone(),
        NodeKind::Transfer(t) => format!("queue {}", t.queue),
        NodeKind::Schedule { calendar, .. } => calendar.clone(),
        NodeKind::Outbound { node, .. } => match node {
            RecordNode::Promise { amount, by, .. } => {
                format!("{} by {}", amount.source(), by.source())
            }
            RecordNode::OptOut => String::new(),
            RecordNode::Result { is, score } => match score {
                Some(s) => format!("{} {}", is.name(), s.source()),
                None => is.name().to_owned(),
            },
        },
    };
    short(&s)
}

/// The lines of a node's label: `id`, then `type: summary`.
fn label_lines(flow: &Flow, idx: NodeIdx, callee: &str) -> (String, String) {
    let Some(node) = flow.nodes.get(idx) else {
        return (String::new(), String::new());
    };
    let what = summary(&node.kind, callee);
    // A self-service action shows as such: designers see what counts for containment.
    let ty = match node.served {
        true => format!("{} (served)", type_name(&node.kind)),
        false => type_name(&node.kind).to_owned(),
    };
    let second = if what.is_empty() {
        ty
    } else {
        format!("{ty}: {what}")
    };
    (node.id.clone(), second)
}

/// The name of a called flow, when the set is known.
fn callee_name(set: Option<&FlowSet>, kind: &NodeKind) -> String {
    match kind {
        NodeKind::Call { flow, .. } => set
            .and_then(|s| s.flows.get(*flow))
            .map(|f| f.name.clone())
            .unwrap_or_else(|| format!("flow #{flow}")),
        _ => String::new(),
    }
}

/// Mermaid text inside `"…"`: quotes and the characters Mermaid reads as markup become
/// entity codes.
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            ';' => out.push_str("#59;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The flow as a Mermaid flowchart (sub-flow calls named `flow #i`; see `mermaid_in`).
pub fn mermaid(flow: &Flow) -> String {
    mermaid_of(None, flow)
}

/// The flow as a Mermaid flowchart, sub-flow calls named from `set`.
pub fn mermaid_in(set: &FlowSet, flow: &Flow) -> String {
    mermaid_of(Some(set), flow)
}

fn mermaid_of(set: Option<&FlowSet>, flow: &Flow) -> String {
    let mut out = format!("flowchart TD\n  %% flow {}\n", mermaid_escape(&flow.name));
    out.push_str("  start_((start))\n");
    for (i, node) in flow.nodes.iter().enumerate() {
        let callee = callee_name(set, &node.kind);
        let (id, what) = label_lines(flow, i, &callee);
        let label = format!("{}<br/>{}", mermaid_escape(&id), mermaid_escape(&what));
        let line = match node.kind {
            NodeKind::Call { .. } => format!("  n{i}[[\"{label}\"]]\n"),
            NodeKind::Menu(_) | NodeKind::Collect(_) => format!("  n{i}[/\"{label}\"/]\n"),
            NodeKind::Branch { .. } | NodeKind::Schedule { .. } => {
                format!("  n{i}{{\"{label}\"}}\n")
            }
            NodeKind::Return | NodeKind::Transfer(_) | NodeKind::Hangup { .. } => {
                format!("  n{i}([\"{label}\"])\n")
            }
            _ => format!("  n{i}[\"{label}\"]\n"),
        };
        out.push_str(&line);
    }
    out.push_str(&format!("  start_ --> n{}\n", flow.start));
    for (i, node) in flow.nodes.iter().enumerate() {
        for (label, to) in exits(&node.kind) {
            out.push_str(&format!(
                "  n{i} -->|\"{}\"| n{to}\n",
                mermaid_escape(&label)
            ));
        }
    }
    out
}

/// DOT text inside `"…"`.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The flow as Graphviz DOT (sub-flow calls named `flow #i`; see `dot_in`).
pub fn dot(flow: &Flow) -> String {
    dot_of(None, flow)
}

/// The flow as Graphviz DOT, sub-flow calls named from `set`.
pub fn dot_in(set: &FlowSet, flow: &Flow) -> String {
    dot_of(Some(set), flow)
}

fn dot_of(set: Option<&FlowSet>, flow: &Flow) -> String {
    let mut out = format!("digraph \"{}\" {{\n", dot_escape(&flow.name));
    out.push_str("  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n");
    out.push_str("  edge [fontname=\"sans-serif\", fontsize=10];\n");
    out.push_str("  start_ [shape=circle, label=\"start\"];\n");
    for (i, node) in flow.nodes.iter().enumerate() {
        let callee = callee_name(set, &node.kind);
        let (id, what) = label_lines(flow, i, &callee);
        let label = dot_escape(&format!("{id}\n{what}"));
        let shape = match node.kind {
            NodeKind::Call { .. } => ", shape=component, style=\"\"",
            NodeKind::Menu(_) | NodeKind::Collect(_) => ", shape=parallelogram, style=\"\"",
            NodeKind::Branch { .. } | NodeKind::Schedule { .. } => ", shape=diamond, style=\"\"",
            NodeKind::Return | NodeKind::Transfer(_) | NodeKind::Hangup { .. } => {
                ", shape=box, style=\"rounded,bold\""
            }
            _ => "",
        };
        out.push_str(&format!("  n{i} [label=\"{label}\"{shape}];\n"));
    }
    out.push_str(&format!("  start_ -> n{};\n", flow.start));
    for (i, node) in flow.nodes.iter().enumerate() {
        for (label, to) in exits(&node.kind) {
            out.push_str(&format!(
                "  n{i} -> n{to} [label=\"{}\"];\n",
                dot_escape(&label)
            ));
        }
    }
    out.push_str("}\n");
    out
}
