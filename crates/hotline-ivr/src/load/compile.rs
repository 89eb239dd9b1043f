//! One flow file → a runnable `Flow`: targets become indexes, expressions are parsed and
//! type-checked, defaults are filled in, and values are checked against the README's rules
//! (names, targets, ranges, languages, calls, calendars; `input` and `external` hold the
//! nodes with the most rules).

use super::errors::{pos, Pos, Sink};
use super::exprs::Want;
use super::scope::ENGINE_VARS;
use super::{Parsed, PromptIndex};
use crate::expr::Scope;
use crate::flow::{Calendar, Flow, FlowIdx, Node, NodeIdx, NodeKind, PromptItem};
use crate::model::{self, Duration, FlowFile, Text};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// What all flows of a set are checked against.
pub(crate) struct Shared<'a> {
    pub(crate) names: &'a HashMap<String, FlowIdx>,
    /// Flows whose files did not parse: calls to them are not blamed.
    pub(crate) unparsed: &'a HashSet<String>,
    /// `None` when `calendars.yaml` did not parse.
    pub(crate) calendars: Option<&'a BTreeMap<String, Calendar>>,
    pub(crate) prompts: &'a dyn PromptIndex,
    /// Whether expressions are type-checked (all flows parsed).
    pub(crate) typed: bool,
}

/// Checking one flow.
pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a Path,
    pub(crate) text: &'a str,
    pub(crate) model: &'a FlowFile,
    pub(crate) set: &'a Shared<'a>,
    pub(crate) scope: &'a mut Scope,
    pub(crate) sink: &'a mut Sink,
    /// The flow's valid languages.
    pub(crate) languages: Vec<String>,
    /// Default prompts already reported missing.
    pub(crate) reported: HashSet<String>,
}

/// Shortest and longest durations (`timeout`, `first_timeout`, …), in ms.
const MIN_TIMEOUT_MS: u64 = 100;
const MAX_TIMEOUT_MS: u64 = 120_000;
const LANGUAGES: [&str; 2] = ["zh", "en"];
const KEYWORDS: [&str; 7] = ["and", "or", "not", "true", "false", "null", "len"];

/// Whether `s` is lower_snake_case (a node id, flow, variable or calendar name).
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Compiles a flow; `None` when something in it is wrong (and reported).
pub(crate) fn flow(
    p: &Parsed,
    file_name: &str,
    set: &Shared<'_>,
    scope: &mut Scope,
    sink: &mut Sink,
) -> Option<Flow> {
    let m = &p.model;
    let mut cx = Ctx {
        file: &p.path,
        text: &p.text,
        model: m,
        set,
        scope,
        sink,
        languages: Vec::new(),
        reported: HashSet::new(),
    };
    let name = &m.flow.value;
    if name != file_name {
        cx.err(
            pos(&m.flow.referenced),
            format!("the flow in `{file_name}.yaml` must be called `{file_name}`, not `{name}`"),
        );
    } else if !is_name(name) {
        cx.err(
            pos(&m.flow.referenced),
            format!("flow name `{name}` is not lower_snake_case"),
        );
    }
    cx.languages();
    for id in m.nodes.keys() {
        if !is_name(id.as_str()) {
            cx.err(
                pos(&id.location()),
                format!("node id `{}` is not lower_snake_case", id.as_str()),
            );
        }
    }
    let target = cx.target_fields();
    let start = cx.target(&m.start);
    let mut nodes = Some(Vec::with_capacity(m.nodes.len()));
    for (id, node) in &m.nodes {
        let kind = cx.node(node);
        let titles = cx.titles(node.value.title());
        let reason = reason_of(&node.value).and_then(|r| {
            let ok = is_reason_code(&r.value);
            if !ok {
                cx.err(
                    pos(&r.referenced),
                    format!(
                        "reason `{}` is not a call reason code: `category/reason`, lowercase \
                         letters, digits and `_` (e.g. `billing/query`)",
                        r.value
                    ),
                );
            }
            ok.then(|| r.value.clone())
        });
        match (&mut nodes, kind) {
            (Some(list), Some(kind)) => list.push(Node {
                id: id.as_str().to_owned(),
                line: pos(&id.location()).0,
                kind,
                served: served(&node.value),
                titles,
                reason,
            }),
            _ => nodes = None,
        }
    }
    Some(Flow {
        name: name.clone(),
        file: p.path.clone(),
        description: m.description.clone().unwrap_or_default(),
        languages: cx.languages.clone(),
        start: start?,
        nodes: nodes?,
        target,
    })
}

impl Ctx<'_> {
    pub(crate) fn err(&mut self, at: Pos, message: impl Into<String>) {
        self.sink.push(self.file, at, message);
    }

    fn languages(&mut self) {
        let langs = &self.model.languages;
        if langs.value.is_empty() {
            self.err(pos(&langs.referenced), "`languages` is empty (zh, en)");
        }
        for l in &langs.value {
            let at = pos(&l.referenced);
            if !LANGUAGES.contains(&l.value.as_str()) {
                self.err(at, format!("`{}` is not a language (zh, en)", l.value));
            } else if self.languages.contains(&l.value) {
                self.err(at, format!("language `{}` is listed twice", l.value));
            } else {
                self.languages.push(l.value.clone());
            }
        }
    }

    /// A node of this flow.
    pub(crate) fn target(&mut self, t: &Text) -> Option<NodeIdx> {
        if let Some(i) = self.model.nodes.get_index_of(t.value.as_str()) {
            return Some(i);
        }
        let hint = self.similar_id(&t.value);
        self.err(
            pos(&t.referenced),
            format!("no node `{}` in this flow{hint}", t.value),
        );
        None
    }

    /// ", did you mean `x`?" for a misspelt node id.
    fn similar_id(&self, wrong: &str) -> String {
        if self.model.nodes.len() > 500 {
            return String::new();
        }
        hotline_core::spelling::closest(wrong, self.model.nodes.keys().map(|k| k.as_str()))
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_default()
    }

    /// A variable a node sets (`into`, `set`, `each … as`).
    pub(crate) fn var_name(&mut self, t: &Text) -> Option<String> {
        let v = t.value.as_str();
        let at = pos(&t.referenced);
        if ENGINE_VARS.contains(&v) {
            self.err(at, format!("`{v}` is set by the engine"));
            None
        } else if KEYWORDS.contains(&v) {
            self.err(at, format!("`{v}` is a keyword, not a variable name"));
            None
        } else if !is_name(v) {
            self.err(
                at,
                format!("`{v}` is not a variable name (lower_snake_case)"),
            );
            None
        } else {
            Some(v.to_owned())
        }
    }

    /// A whole number within `min..=max`, or its default.
    pub(crate) fn number(
        &mut self,
        v: &Option<Spanned<i64>>,
        field: &str,
        default: i64,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        match v {
            None => Some(default),
            Some(n) if (min..=max).contains(&n.value) => Some(n.value),
            Some(n) => {
                self.err(
                    pos(&n.referenced),
                    format!("`{field}` must be {min}–{max}, not {}", n.value),
                );
                None
            }
        }
    }

    pub(crate) fn duration(
        &mut self,
        d: &Option<Spanned<Duration>>,
        field: &str,
        default_ms: u64,
    ) -> Option<u64> {
        let Some(d) = d else {
            return Some(default_ms);
        };
        let at = pos(&d.referenced);
        match d.value.millis() {
            Ok(ms) if (MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&ms) => Some(ms),
            Ok(_) => {
                self.err(at, format!("`{field}` must be between 100ms and 120s"));
                None
            }
            Err(m) => {
                self.err(at, format!("`{field}`: {m}"));
                None
            }
        }
    }

    fn node(&mut self, node: &Spanned<model::Node>) -> Option<NodeKind> {
        let at = pos(&node.referenced);
        use model::Node as M;
        match &node.value {
            M::Play(p) => {
                let prompts = self.prompts(&p.prompts);
                let next = self.target(&p.next);
                Some(NodeKind::Play {
                    prompts: prompts?,
                    barge_in: p.barge_in.unwrap_or(true),
                    next: next?,
                })
            }
            M::Menu(m) => self.menu(m, at).map(NodeKind::Menu),
            M::Collect(c) => self.collect(c, at).map(NodeKind::Collect),
            M::Lookup(l) => self.lookup(l).map(NodeKind::Lookup),
            M::Set(s) => {
                if s.vars.is_empty() {
                    self.err(at, "`vars` is empty");
                }
                let mut vars = Some(Vec::new());
                for (var, expr) in &s.vars {
                    let name = self.var_name(&var.0);
                    let e = self.expr(expr, var.as_str(), Want::Any);
                    match (&mut vars, name, e) {
                        (Some(v), Some(n), Some(e)) => v.push((n, e)),
                        _ => vars = None,
                    }
                }
                let next = self.target(&s.next);
                Some(NodeKind::Set {
                    vars: vars?,
                    next: next?,
                })
            }
            M::Branch(b) => {
                if b.cases.is_empty() {
                    self.err(at, "`cases` is empty");
                }
                let mut cases = Some(Vec::new());
                for case in &b.cases {
                    let when = self.expr(&case.when, "when", Want::Bool);
                    let to = self.target(&case.goto);
                    match (&mut cases, when, to) {
                        (Some(c), Some(w), Some(t)) => c.push((w, t)),
                        _ => cases = None,
                    }
                }
                let otherwise = self.target(&b.otherwise);
                Some(NodeKind::Branch {
                    cases: cases?,
                    otherwise: otherwise?,
                })
            }
            M::Language(l) => {
                let lang = l.set.value.as_str();
                let ok = self.languages.iter().any(|x| x == lang);
                if !ok {
                    let all = self.languages.join(", ");
                    self.err(
                        pos(&l.set.referenced),
                        format!("`{lang}` is not one of this flow's languages ({all})"),
                    );
                }
                let next = self.target(&l.next);
                ok.then_some(())?;
                Some(NodeKind::Language {
                    language: lang.to_owned(),
                    next: next?,
                })
            }
            M::Call(c) => {
                let name = c.flow.value.as_str();
                let flow = self.set.names.get(name).copied();
                if flow.is_none() && !self.set.unparsed.contains(name) {
                    self.err(
                        pos(&c.flow.referenced),
                        format!("no flow `{name}` (no file `{name}.yaml`)"),
                    );
                }
                let next = self.target(&c.next);
                Some(NodeKind::Call {
                    flow: flow?,
                    next: next?,
                })
            }
            M::Return(_) => Some(NodeKind::Return),
            M::Ticket(t) => self.ticket(t).map(NodeKind::Ticket),
            M::Transfer(t) => self.transfer(t).map(NodeKind::Transfer),
            M::Hangup(h) => {
                let prompts = match &h.prompts {
                    Some(p) => self.prompts(p),
                    None => Some(Vec::new()),
                };
                Some(NodeKind::Hangup { prompts: prompts? })
            }
            M::Promise(p) => self.promise(p),
            M::OptOut(o) => self.opt_out(o),
            M::Result(r) => self.result(r),
            M::Schedule(s) => {
                let name = s.calendar.value.as_str();
                let known = match self.set.calendars {
                    Some(cals) => cals.contains_key(name),
                    None => true, // calendars.yaml is broken: reported there
                };
                if !known {
                    self.err(
                        pos(&s.calendar.referenced),
                        format!("no calendar `{name}` in {}", super::CALENDARS_FILE),
                    );
                }
                let open = self.target(&s.open);
                let closed = self.target(&s.closed);
                known.then_some(())?;
                Some(NodeKind::Schedule {
                    calendar: name.to_owned(),
                    open: open?,
                    closed: closed?,
                })
            }
        }
    }

    pub(crate) fn prompts_or_default(
        &mut self,
        given: &Option<model::Prompts>,
        field: &str,
        default: &str,
        at: Pos,
    ) -> Option<Vec<PromptItem>> {
        match given {
            Some(p) => self.prompts(p),
            None => self.default_prompt(default, field, at),
        }
    }
}

/// Levenshtein distance, for "did you mean" hints (short strings only).
/// Whether the node is marked `served: true` (only `play`, `lookup` and `ticket` take it).
/// The longest node title (characters).
const TITLE_MAX: usize = 40;

impl Ctx<'_> {
    /// A node's titles, checked: each in one of the flow's languages, not empty, short.
    fn titles(&mut self, titles: Option<&model::Titles>) -> Vec<(String, String)> {
        let Some(titles) = titles else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(titles.value.len());
        for (lang, text) in &titles.value {
            let at = pos(&lang.location());
            let chars = text.trim().chars().count();
            if !self.languages.iter().any(|l| l == lang.as_str()) {
                self.err(
                    at,
                    format!(
                        "title in `{}`, which is not one of the flow's languages ({})",
                        lang.as_str(),
                        self.languages.join(", ")
                    ),
                );
            } else if chars == 0 {
                self.err(at, format!("the `{}` title is empty", lang.as_str()));
            } else if chars > TITLE_MAX {
                self.err(
                    at,
                    format!(
                        "the `{}` title is {chars} characters long (at most {TITLE_MAX})",
                        lang.as_str()
                    ),
                );
            } else {
                out.push((lang.as_str().to_owned(), text.trim().to_owned()));
            }
        }
        out
    }
}

fn served(node: &model::Node) -> bool {
    let marked = match node {
        model::Node::Play(p) => p.served,
        model::Node::Lookup(l) => l.served,
        model::Node::Ticket(t) => t.served,
        _ => None,
    };
    marked.unwrap_or(false)
}

/// The node's `reason`, where it has one (only `play`, `lookup` and `ticket` take it).
fn reason_of(node: &model::Node) -> Option<&model::Text> {
    match node {
        model::Node::Play(p) => p.reason.as_ref(),
        model::Node::Lookup(l) => l.reason.as_ref(),
        model::Node::Ticket(t) => t.reason.as_ref(),
        _ => None,
    }
}

/// `category/reason`, each 1 to 32 lowercase letters, digits or `_`.
fn is_reason_code(s: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.len() <= 32
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    matches!(s.split_once('/'), Some((c, r)) if part(c) && part(r))
}
